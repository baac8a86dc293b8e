"""A suggestion index saved as plain arrays: ``.npy`` files and string tables, no pickled Python objects.

The folder holds ``index.json`` (the format, the index's weights, the list of arrays) and one
``NAME.npy`` per array, each written by ``np.save`` without pickle, so a reader can ``np.load``
it with ``mmap_mode="r"`` and touch only the pages it needs. Topics are numbered in slug order
(``nodes.npy``, a fixed-width unicode array); every other table refers to them by number:

* ``P.data/P.indices/P.indptr``: the normalised profiles (CSR, topics x topics);
* ``M.data/M.indices/M.indptr``: each topic's membership of each community (CSR, topics x communities);
* ``PT.*`` and ``MT.*``: their transposes (the inverted index; each community's members), also CSR;
* ``links.ptr/links.idx``: the links the random walk follows (CSR, neighbours in slug order);
* ``SET.ptr/SET.idx`` for each set-valued table (``opp``, ``rel``, ``rel_out``, ``lists``, ``alt``,
  ``listed_by``): each topic's members, by number, ascending;
* ``games.idx/games.val``, ``listed.idx/listed.val``, ``platform.idx/platform.val``: the topics that
  have a value, and the values;
* ``weight``, ``prior``: one float per topic; ``community``: one int per topic (-1: none);
* ``kind.names`` (a string table) and ``kind.of`` (one int per topic, -1: no topic page);
* ``unnamed``: the numbers of the topics no page names.

:func:`load` reads them back into an :class:`~graph.query.suggest.index.Index` that answers as the
saved one did, without the graph.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

from graph.build.outdir import atomic_open, atomic_write_bytes
from graph.query.suggest.constants import POP, PRIOR
from graph.query.suggest.index import Index
from graph.query.suggest.sparse import CSR

#: bumped when the files change meaning; a folder of another format is not read
FORMAT = 1
META = "index.json"
#: the set-valued tables of an index (topic -> set of topics)
SETS = ("opp", "rel", "rel_out", "lists", "alt", "listed_by")
#: the sparse tables whose absent keys read as 0 (topic -> number)
SPARSE = ("games", "listed", "platform")
#: the index's own weights, which its queries read
PARAMS = ("walk_w", "concept", "settled_links", "settled_floor", "settle", "demote", "alternative_w",
          "kind_mismatch", "community_w")


class SavedIndexError(ValueError):
    """A folder that holds no saved index of this format."""


def _csr_of_sets(table: dict[str, set[str]], pos: dict[str, int], n: int) -> tuple[np.ndarray, np.ndarray]:
    lens = np.zeros(n, dtype=np.int64)
    rows: list[list[int]] = [[] for _ in range(n)]
    for k, members in table.items():
        if members:
            rows[pos[k]] = sorted(pos[m] for m in members)
            lens[pos[k]] = len(members)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    return ptr, np.asarray([j for r in rows for j in r], dtype=np.int64)


def arrays(ix: Index) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays of ``ix`` by file name, and what ``index.json`` says besides."""
    n, pos = len(ix.nodes), ix.pos
    out: dict[str, np.ndarray] = {"nodes": np.asarray(ix.nodes, dtype=str)}
    # the transposes too (the inverted index and the community lists): a reader maps them instead of making them
    for name, m in (("P", ix._P), ("M", ix._M), ("PT", ix._PT), ("MT", ix._MT)):
        out[f"{name}.data"], out[f"{name}.indices"], out[f"{name}.indptr"] = m.data, m.indices, m.indptr
    out["links.ptr"], out["links.idx"] = ix._link_ptr, ix._link_idx
    for name in SETS:
        out[f"{name}.ptr"], out[f"{name}.idx"] = _csr_of_sets(getattr(ix, name), pos, n)
    for name in SPARSE:
        table = getattr(ix, name)
        keys = sorted(table, key=pos.__getitem__)
        out[f"{name}.idx"] = np.asarray([pos[k] for k in keys], dtype=np.int64)
        out[f"{name}.val"] = np.asarray([table[k] for k in keys], dtype=float if name == "platform" else np.int64)
    out["weight"] = np.asarray([ix.weight[t] for t in ix.nodes], dtype=float)
    out["prior"] = np.asarray([ix._prior[t] for t in ix.nodes], dtype=float)
    out["community"] = np.asarray([ix.community.get(t, -1) for t in ix.nodes], dtype=np.int64)
    names = sorted(ix._kind_ids, key=ix._kind_ids.__getitem__)
    out["kind.names"] = np.asarray(names, dtype=str) if names else np.zeros(0, dtype="<U1")
    out["kind.of"] = np.asarray([ix._kind_ids[ix.kinds[t]] if t in ix.kinds else -1 for t in ix.nodes], dtype=np.int64)
    out["unnamed"] = np.asarray(ix._unnamed, dtype=np.int64)
    meta = {"format": FORMAT, "params": {p: getattr(ix, p) for p in PARAMS},
            "unnamed_factor": next(iter(ix.unnamed.values()), 1.0), "communities": int(ix._M.shape[1]),
            "arrays": sorted(out)}
    return out, meta


def save(ix: Index, folder: str | os.PathLike[str]) -> Path:
    """Write ``ix`` into ``folder`` (made), each file through a temporary file and a rename;
    ``index.json`` last, so a folder without it is not a saved index."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    data, meta = arrays(ix)
    for name, a in data.items():
        with atomic_open(out / f"{name}.npy") as fh:
            np.save(fh, np.ascontiguousarray(a), allow_pickle=False)
    atomic_write_bytes(out / META, json.dumps(meta, indent=1, sort_keys=True).encode())
    return out


def load(folder: str | os.PathLike[str], mmap: bool = True) -> Index:
    """The index saved in ``folder`` (:func:`save`); its arrays memory-mapped unless ``mmap=False``.

    Raises :class:`SavedIndexError` for a folder without a saved index of this format.
    """
    src = Path(folder)
    try:
        meta = json.loads((src / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SavedIndexError(f"{src}: no saved suggestion index ({exc})") from None
    if meta.get("format") != FORMAT:
        raise SavedIndexError(f"{src}: a saved suggestion index of format {meta.get('format')}, not {FORMAT}")
    a = {name: np.load(src / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
         for name in meta["arrays"]}
    ix = Index.__new__(Index)
    for p, v in meta["params"].items():
        setattr(ix, p, v)
    nodes = a["nodes"].tolist()
    n = len(nodes)
    ix.nodes = nodes
    ix.pos = {t: i for i, t in enumerate(nodes)}
    for name in SETS:
        ptr, idx = a[f"{name}.ptr"].tolist(), a[f"{name}.idx"].tolist()
        table: dict[str, set[str]] = defaultdict(set)
        for i in range(n):
            if ptr[i + 1] > ptr[i]:
                table[nodes[i]] = {nodes[j] for j in idx[ptr[i]:ptr[i + 1]]}
        setattr(ix, name, table)
    for name in SPARSE:
        kind = float if name == "platform" else int
        table = {nodes[i]: kind(v) for i, v in zip(a[f"{name}.idx"].tolist(), a[f"{name}.val"].tolist())}
        setattr(ix, name, table if name == "platform" else defaultdict(int, table))
    ix.weight = dict(zip(nodes, a["weight"].tolist()))
    ix._prior = dict(zip(nodes, a["prior"].tolist()))
    ix._priors = {(PRIOR, POP): np.asarray(a["prior"])}
    kind_names = a["kind.names"].tolist()
    ix._kind_ids = {k: i for i, k in enumerate(kind_names)}
    kind_of = a["kind.of"]
    ix._kinded = np.flatnonzero(kind_of >= 0)
    ix._kind_of = np.asarray(kind_of[ix._kinded])
    ix.kinds = {nodes[i]: kind_names[k] for i, k in zip(ix._kinded.tolist(), ix._kind_of.tolist())}
    ix._link_ptr, ix._link_idx = a["links.ptr"], a["links.idx"]
    ix._degree = np.diff(ix._link_ptr)
    community = a["community"]
    ix.community = {nodes[i]: c for i, c in enumerate(community.tolist()) if c >= 0}
    members: dict[int, list[str]] = defaultdict(list)
    for t, c in ix.community.items():  # nodes in slug order: each list comes out sorted
        members[c].append(t)
    ix.members = dict(sorted(members.items()))
    ix._members = {c: np.asarray([ix.pos[t] for t in ms], dtype=np.int64) for c, ms in ix.members.items()}
    ix._P = CSR(a["P.data"], a["P.indices"], a["P.indptr"], (n, n))
    ix._M = CSR(a["M.data"], a["M.indices"], a["M.indptr"], (n, meta["communities"]))
    ix._PT = CSR(a["PT.data"], a["PT.indices"], a["PT.indptr"], (n, n))
    ix._MT = CSR(a["MT.data"], a["MT.indices"], a["MT.indptr"], (meta["communities"], n))
    ix._unnamed = np.asarray(a["unnamed"])
    ix.unnamed = {nodes[i]: meta["unnamed_factor"] for i in ix._unnamed.tolist()}
    return ix


__all__ = ["FORMAT", "SavedIndexError", "arrays", "load", "save"]
