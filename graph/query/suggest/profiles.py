"""Making a suggestion index's profiles and community memberships: the build's part, with scipy.

A query reads them made (from the saved models, :class:`~graph.query.suggest.index.Index`'s plain arrays)
and needs none of this: scipy's import is a good part of a query process's start-up (docs/performance.md).
"""

from __future__ import annotations

import math
from operator import mul

import numpy as np
import scipy.sparse as sp

from graph.query.suggest.constants import SMOOTH_CAP, rarity
from graph.query.suggest.sparse import spans

#: Entries summed at a time when the profiles are made: bounds their temporary arrays (a few MB each).
CHUNK = 1 << 20


def _group_sums(rows: np.ndarray, dims: np.ndarray, vals: np.ndarray, n: int, n_rows: int | None = None) -> sp.csr_array:
    """The ``n_rows x n`` CSR matrix (``n x n`` by default) of ``vals`` summed per ``(row, dim)``: exactly
    ``p[dim] = p.get(dim, 0.0) + val`` over the entries in the order given, for one dict ``p`` per row
    (``rows`` must come in increasing order).

    Each row keeps its dimensions in the order they first appear, as the dict would; every sum is taken
    in the order of the entries (``np.bincount`` adds its weights one after the other).
    """
    n_rows = n if n_rows is None else n_rows
    if not len(rows):
        return sp.csr_array((n_rows, n), dtype=float)
    key = rows * n + dims
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=vals, minlength=len(uniq))
    order = np.argsort(first)
    uniq = uniq[order]
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(uniq // n, minlength=n_rows), out=ptr[1:])
    return sp.csr_array((sums[order], uniq % n, ptr), shape=(n_rows, n))


def base_profiles(nodes: list[str], pos: dict[str, int], rel: dict[str, set[str]], opp: dict[str, set[str]],
                   self_w: float, opponent: float) -> sp.csr_array:
    """Each topic's own profile, before smoothing: itself, its related topics (weighted by rarity)
    and its opponents (:data:`OPPONENT` times their rarity), in that order, slug order within each: a
    set's own order follows the strings' hashes, which ``PYTHONHASHSEED`` changes from process to process,
    and so would the order every later float sum is taken in."""
    rel_rarity = {r: rarity(len(s)) for r, s in rel.items()}
    opp_rarity = {x: opponent * rarity(len(s)) for x, s in opp.items()}
    at = pos.__getitem__
    dims: list[int] = []
    vals: list[float] = []
    lens: list[int] = []
    for n in nodes:
        dims.append(pos[n])
        vals.append(self_w)
        size = 1
        for links, weight in ((rel.get(n), rel_rarity), (opp.get(n), opp_rarity)):
            if links:
                links = sorted(links, key=at)
                dims.extend(map(at, links))
                vals.extend(map(weight.__getitem__, links))
                size += len(links)
        lens.append(size)
    rows = np.repeat(np.arange(len(nodes), dtype=np.int64), lens)
    return _group_sums(rows, np.asarray(dims, dtype=np.int64), np.asarray(vals, dtype=float), len(nodes))


def _capped(base: sp.csr_array, cap: int) -> sp.csr_array:
    """``base`` with each row longer than ``cap`` cut to its ``cap`` heaviest entries (of equal weights, the
    earlier), kept in the row's own order; a matrix without such rows is returned as it is."""
    lens = np.diff(base.indptr)
    long = np.flatnonzero(lens > cap)
    if not len(long):
        return base
    keep = np.ones(base.nnz, dtype=bool)
    for i in long.tolist():
        lo, hi = int(base.indptr[i]), int(base.indptr[i + 1])
        keep[lo + np.argsort(-base.data[lo:hi], kind="stable")[cap:]] = False
    ptr = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(np.minimum(lens, cap), out=ptr[1:])
    return sp.csr_array((base.data[keep], base.indices[keep], ptr), shape=base.shape)


def profiles(nodes: list[str], pos: dict[str, int], opp: dict[str, set[str]], base: sp.csr_array,
              smooth: float, cap: int = SMOOTH_CAP, chunk: int = CHUNK) -> sp.csr_array:
    """The normalised profiles: each topic's base profile plus ``smooth / len(opponents)`` of each
    opponent's (opponents in slug order), divided by its Euclidean norm.

    An opponent lends at most its ``cap`` heaviest dimensions (:func:`_capped`): a hub's thousands of
    opponents would otherwise each copy its thousands of dimensions, work and memory that grow with the
    square of its degree, for a share of ``smooth / len(opponents)`` of weights that rarity keeps low.
    Below the cap every figure is the one the whole profile gives. The topics are summed ``chunk``
    entries at a time, so no temporary array outgrows a chunk.
    """
    n = len(nodes)
    capped = _capped(base, cap)
    # the rows a profile adds up: its own (rows 0..n-1 of the stack) and its opponents' capped ones (n..2n-1)
    s_ptr = np.concatenate([base.indptr.astype(np.int64), base.nnz + capped.indptr[1:].astype(np.int64)])
    s_idx = np.concatenate([base.indices, capped.indices]).astype(np.int64)
    s_data = np.concatenate([base.data, capped.data])
    s_len = np.diff(s_ptr)
    at = pos.__getitem__
    src: list[int] = []  # its own row, then its opponents' rows
    k: list[int] = []  # how many opponents
    for i, t in enumerate(nodes):
        src.append(i)
        xs = opp.get(t)
        if xs:
            src.extend(n + x for x in sorted(map(at, xs)))
            k.append(len(xs))
        else:
            k.append(0)
    counts = np.asarray(k, dtype=np.int64) + 1
    src_a = np.asarray(src, dtype=np.int64)
    src_end = np.cumsum(counts)  # where each topic's rows end in src
    entries = np.cumsum(np.add.reduceat(s_len[src_a], src_end - counts)) if n else np.zeros(0, dtype=np.int64)
    data_parts: list[np.ndarray] = []
    idx_parts: list[np.ndarray] = []
    lens_parts: list[np.ndarray] = []
    lo = 0
    while lo < n:
        # the topics up to ``chunk`` entries past the first (at least one topic, however long)
        hi = max(lo + 1, int(np.searchsorted(entries, (entries[lo - 1] if lo else 0) + chunk, side="right")))
        rs = src_a[(src_end[lo - 1] if lo else 0):src_end[hi - 1]]
        c = counts[lo:hi]
        own = rs < n
        at = spans(s_ptr, rs)
        lens = s_len[rs]
        w = s_data[at]
        share = np.where(own, 1, np.repeat(c - 1, c)).astype(float)
        vals = np.where(np.repeat(own, lens), w, smooth * w / np.repeat(share, lens))
        rows = np.repeat(np.repeat(np.arange(hi - lo, dtype=np.int64), c), lens)
        P = _group_sums(rows, s_idx[at], vals, n, hi - lo)
        # the norm summed in Python, in the dict's order, as ``sum`` of this Python version does it
        data, ptr = P.data.tolist(), P.indptr.tolist()
        norms = np.asarray([math.sqrt(sum(map(mul, row, row)))
                            for row in (data[ptr[i]:ptr[i + 1]] for i in range(hi - lo))])
        row_lens = np.diff(P.indptr)
        data_parts.append(P.data / np.repeat(norms, row_lens))
        idx_parts.append(P.indices)
        lens_parts.append(row_lens)
        lo = hi
    ptr = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum(np.concatenate(lens_parts), out=ptr[1:])
    return sp.csr_array((np.concatenate(data_parts) if data_parts else np.zeros(0),
                         np.concatenate(idx_parts) if idx_parts else np.zeros(0, dtype=np.int64), ptr), shape=(n, n))


def memberships(nodes: list[str], pos: dict[str, int], community: dict[str, int], n_comm: int, sure: float,
                links: dict[tuple[str, str], float]) -> sp.csr_array:
    """How much each topic belongs to each community, from its link weight ``w`` into it in the graph the
    communities were drawn from (``links``, :meth:`Index._community_links`):
    ``exp(sure * w)`` over the same sum for every community, those it has no link into counting 1 each;
    below 1e-4, nothing. A topic without links belongs to its own.

    Louvain gives a topic with few links one community even when its links say "this one or that one"
    equally: a topic compared once in each of two groups is half in each here, so each group suggests it
    and both of them are suggested for it; with a few links more, the membership is all but Louvain's.
    """
    n = len(nodes)
    comm = np.asarray([community[x] for x in nodes], dtype=np.int64)
    # every link both ways
    a = np.fromiter((pos[u] for u, _ in links), dtype=np.int64, count=len(links))
    b = np.fromiter((pos[v] for _, v in links), dtype=np.int64, count=len(links))
    weight = np.fromiter(links.values(), dtype=float, count=len(links))
    src, dst, w = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([weight, weight])
    S = sp.coo_array((w, (src, comm[dst])), shape=(n, n_comm)).tocsr()
    S.sum_duplicates()
    counts = np.diff(S.indptr)
    has = counts > 0
    top = np.zeros(n)
    if S.nnz:
        top[has] = np.maximum.reduceat(S.data, S.indptr[:-1][has])
    # shifted by each row's largest weight, so that no exponential overflows
    e = np.exp(sure * (S.data - np.repeat(top, counts)))
    z = np.zeros(n)
    if S.nnz:
        z[has] = np.add.reduceat(e, S.indptr[:-1][has])
    z += (n_comm - counts) * np.exp(-sure * top)
    p = e / np.repeat(z, counts)
    rows = np.repeat(np.arange(n, dtype=np.int64), counts)
    keep = p >= 1e-4
    alone = np.flatnonzero(~has)
    M = sp.csr_array((np.concatenate([p[keep], np.ones(len(alone))]),
                      (np.concatenate([rows[keep], alone]), np.concatenate([S.indices[keep], comm[alone]]))),
                     shape=(n, n_comm))
    M.sum_duplicates()
    return M


__all__ = ["CHUNK", "base_profiles", "memberships", "profiles"]
