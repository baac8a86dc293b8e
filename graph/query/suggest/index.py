"""The suggestion index of one graph: neighbourhoods, profiles, communities, and the scores of a query."""

from __future__ import annotations

import math
from collections import defaultdict
from operator import mul
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from graph.kg.kept import active, digest, remembered
from graph.kg.graph import ALTERNATIVE, RELATED, VERSUS
from graph.query.suggest.constants import (ALTERNATIVE_BONUS, COMMUNITY, CONCEPT, DEMOTE, EPSILON, KIND_MISMATCH,
                                           LISTED, MEMBERSHIP, OPPONENT, PLATFORM_PRIOR, POP, PRIOR, RESOLUTION,
                                           SELF, SETTLE, SETTLED_FLOOR, SETTLED_LINKS, SMOOTH, SMOOTH_CAP, UNNAMED,
                                           WALK)

if TYPE_CHECKING:
    import networkx as nx

#: Entries summed at a time when the profiles are made: bounds their temporary arrays (a few MB each).
CHUNK = 1 << 20


def _rarity(degree: int) -> float:
    return 1 / math.log(2 + degree)


_NONE: frozenset[str] = frozenset()


def _builds_on_it(u: str, c: str, opp: dict[str, set[str]]) -> bool:
    """Whether ``u``, listing ``c`` as related, may build on it: never compared with ``c`` nor with any of
    its opponents (``c`` is compared among its own kind, ``u`` among another)."""
    mine = opp.get(c, _NONE)
    return u not in mine and mine.isdisjoint(opp.get(u, _NONE))


def platform_scores(lists: dict[str, set[str]], opp: dict[str, set[str]],
                    prior: float = PLATFORM_PRIOR) -> dict[str, float]:
    """How much each listed topic is a *platform* of the topics that list it, in ``[0, 1)``.

    A platform (Python under Django and Flask, Kubernetes under Argo CD) is listed as related by
    topics that *build on* it: topics never compared with it nor with any of its opponents — it is
    compared among its own kind (Python with Go and R), they among theirs. The score is the share
    of its listers that build on it, shrunk by ``prior``; below two builders it is 0. A topic its
    listers are compared with (Kafka, listed by RabbitMQ and compared with it) is an alternative
    to them, not their platform; a topic no page compares has no kind of its own to be compared
    among (a concept, or a product the graph knows too little about): 0 too, its low prior
    already keeps it down.

    ``lists``: each topic's ``related-to`` targets; ``opp``: each topic's opponents.

    >>> lists = {"django": {"python"}, "flask": {"python"}, "fastapi": {"python"}, "rabbitmq": {"kafka"},
    ...          "sqs": {"kafka"}, "go": {"python"}}
    >>> opp = {"django": {"flask"}, "flask": {"django"}, "python": {"go"}, "go": {"python"},
    ...        "kafka": {"rabbitmq"}, "rabbitmq": {"kafka", "sqs"}, "sqs": {"rabbitmq"}}
    >>> platform_scores(lists, opp)
    {'kafka': 0.0, 'python': 0.5}
    """
    listed_by: dict[str, set[str]] = defaultdict(set)
    for u, targets in lists.items():
        for v in targets:
            if v != u:
                listed_by[v].add(u)
    out: dict[str, float] = {}
    for c in sorted(listed_by):
        listers = listed_by[c]
        if not opp.get(c):
            out[c] = 0.0
            continue
        builders = sum(1 for u in listers if _builds_on_it(u, c, opp))
        out[c] = round(builders / (len(listers) + prior), 6) if builders >= 2 else 0.0
    return out


class Index:
    """Neighbourhoods, profiles and an inverted index of one graph (built once, then cached).

    Topics are numbered in slug order (:attr:`nodes`, :attr:`pos`). The normalised profiles are
    kept as a CSR matrix whose rows hold each profile's dimensions in the order the model adds
    them, its transpose serves as the inverted index, and the links of the random walk are a CSR
    adjacency (neighbours in slug order). A query then costs work in proportion to the entries it
    touches, done by scipy and numpy, and every float sum is taken in the same order as a plain
    walk over the dictionaries would take it, so the figures are the same to the last bit.
    """

    def __init__(self, G: nx.MultiDiGraph, self_w: float = SELF, opponent: float = OPPONENT,
                 smooth: float = SMOOTH, listed: float = LISTED, community: float = COMMUNITY,
                 resolution: float = RESOLUTION, unnamed: float = UNNAMED,
                 walk: float = WALK, alternative: float = ALTERNATIVE_BONUS, kind_mismatch: float = KIND_MISMATCH,
                 platform_prior: float = PLATFORM_PRIOR, demote: float = DEMOTE,
                 settle: float = SETTLE, settled_links: float = SETTLED_LINKS, settled_floor: float = SETTLED_FLOOR,
                 concept: float = CONCEPT, membership: float = MEMBERSHIP):
        self.walk_w = walk
        self.concept = concept
        self.settled_links = settled_links
        self.settled_floor = settled_floor
        self.settle = settle
        self.demote = demote
        self.alternative_w = alternative
        self.kind_mismatch = kind_mismatch
        #: ``related-to`` targets only (what a topic builds on or relates to), and topic-page alternatives
        self.lists: dict[str, set[str]] = defaultdict(set)
        self.alt: dict[str, set[str]] = defaultdict(set)
        self.listed: dict[str, int] = defaultdict(int)
        self.rel_out: dict[str, set[str]] = defaultdict(set)
        self.rel: dict[str, set[str]] = defaultdict(set)
        self.opp: dict[str, set[str]] = defaultdict(set)
        self.games: dict[str, int] = defaultdict(int)
        rel, opp, rel_out, games, listed_n = self.rel, self.opp, self.rel_out, self.games, self.listed
        for u, v, d in G.edges(data=True):
            if u == v:
                continue
            kind = d["kind"]
            if kind == VERSUS:
                opp[u].add(v)
                opp[v].add(u)
                games[u] += 1
                games[v] += 1
            elif kind == RELATED or kind == ALTERNATIVE:
                out = rel_out[u]
                if v not in out:
                    listed_n[v] += 1
                    out.add(v)
                rel[u].add(v)
                rel[v].add(u)
                if kind == RELATED:
                    self.lists[u].add(v)
                else:
                    self.alt[u].add(v)
                    self.alt[v].add(u)
        self.nodes: list[str] = sorted(G.nodes)
        self.pos: dict[str, int] = {n: i for i, n in enumerate(self.nodes)}
        pos, n_nodes = self.pos, len(self.nodes)
        #: how much each topic is a platform of the topics listing it (:func:`platform_scores`)
        self.platform: dict[str, float] = platform_scores(self.lists, opp, platform_prior)
        self.listed_by: dict[str, set[str]] = defaultdict(set)
        for u, targets in self.lists.items():
            for v in targets:
                self.listed_by[v].add(u)
        #: the kind line of each topic with a topic page (``concept``, ``tool``…)
        self.kinds = {n: d["kind"] for n, d in G.nodes(data=True) if d.get("kind")}
        self._kind_ids = {k: i for i, k in enumerate(sorted(set(self.kinds.values())))}
        self._kinded = np.asarray([pos[n] for n in sorted(self.kinds)], dtype=np.int64)
        self._kind_of = np.asarray([self._kind_ids[self.kinds[n]] for n in sorted(self.kinds)], dtype=np.int64)
        base = _base_profiles(self.nodes, pos, rel, opp, self_w, opponent)
        # The links of the walk: every topic's related topics and opponents, in slug order.
        link_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
        link_idx: list[int] = []
        for i, n in enumerate(self.nodes):
            nb = rel.get(n, set()) | opp.get(n, set())
            link_idx.extend(sorted(pos[x] for x in nb))
            link_ptr[i + 1] = len(link_idx)
        self._link_ptr = link_ptr
        self._link_idx = np.asarray(link_idx, dtype=np.int64)
        self._degree = np.diff(link_ptr)
        self.community_w = community
        self.community: dict[str, int] = {}
        self.members: dict[int, list[str]] = {}
        self._members: dict[int, np.ndarray] = {}
        #: each topic's membership of each community (topics x communities, CSR) and its transpose
        self._M = self._MT = sp.csr_array((n_nodes, 0), dtype=float)
        if community:
            # late: the communities bring networkx, which `suggest` on a saved index never needs
            from graph.kg.communities import louvain

            links = self._community_links()
            comms = louvain(self.nodes, links, resolution=resolution, seed=0)
            for i, c in enumerate(sorted(comms, key=min)):
                self.members[i] = sorted(c)
                self._members[i] = np.asarray([pos[n] for n in self.members[i]], dtype=np.int64)
                for n in c:
                    self.community[n] = i
            self._M = self._memberships(membership, links)
            self._MT = self._M.T.tocsr()
        # Being listed as related is evidence of popularity only for topics a page names: for a bare
        # slug it mostly marks a concept (``nosql``), which nobody compares; and only as far as the
        # topic is not a platform of its listers, which they list because they build on it.
        self.weight = {n: self.games.get(n, 0) + (listed * self.listed.get(n, 0) * (1 - self.platform.get(n, 0.0))
                                                  if d.get("documents") else 0)
                       for n, d in G.nodes(data=True)}
        self.unnamed = {n: unnamed for n, d in G.nodes(data=True) if not d.get("documents")}
        self._unnamed = np.asarray(sorted(pos[n] for n in self.unnamed), dtype=np.int64)
        self._prior = {n: (self.weight[n] + PRIOR) ** POP * self.unnamed.get(n, 1.0) for n in G.nodes}
        self._priors: dict[tuple[float, float], np.ndarray] = {
            (PRIOR, POP): np.asarray([self._prior[n] for n in self.nodes], dtype=float)}
        # The normalised profiles, row by row in slug order: the CSR matrix P (topics x dimensions).
        self._P = _profiles(self.nodes, pos, opp, base, smooth)
        # The inverted index: dimension -> (topic, weight), topics in slug order.
        self._PT = self._P.T.tocsr()

    def _community_links(self) -> dict[tuple[str, str], float]:
        """Each link of the graph the communities are drawn from, once as ``(u, v)`` with ``u < v``, and its
        weight: 1 for a comparison; for a ``related-to`` link, 1 - the platform score of its ends, because a
        link to a platform says "built on", not "of one kind" (the topics built on Python must not fall into
        one community across their kinds). In the order Louvain has always been given them (related-to
        links sorted, then the comparisons not among them, sorted), so its communities do not move.
        """
        plat = self.platform
        links = {(u, v): 1 - max(plat.get(u, 0.0), plat.get(v, 0.0))
                 for u, v in sorted((u, v) for u in self.rel for v in self.rel[u] if u < v)}
        links.update(((u, v), 1.0) for u, v in sorted((u, v) for u in self.opp for v in self.opp[u] if u < v))
        return links

    def _memberships(self, sure: float, links: dict[tuple[str, str], float]) -> sp.csr_array:
        """How much each topic belongs to each community, from its link weight ``w`` into it in the graph the
        communities were drawn from (``links``, :meth:`_community_links`):
        ``exp(sure * w)`` over the same sum for every community, those it has no link into counting 1 each;
        below 1e-4, nothing. A topic without links belongs to its own.

        Louvain gives a topic with few links one community even when its links say "this one or that one"
        equally: a topic compared once in each of two groups is half in each here, so each group suggests it
        and both of them are suggested for it; with a few links more, the membership is all but Louvain's.
        """
        pos, n = self.pos, len(self.nodes)
        n_comm = len(self.members)
        comm = np.asarray([self.community[x] for x in self.nodes], dtype=np.int64)
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

    def together(self, a: str, b: str) -> float:
        """How surely ``a`` and ``b`` sit in one community: the sum over communities of both memberships."""
        M = self._M
        if not M.shape[1]:
            return 0.0
        i, j = self.pos[a], self.pos[b]
        ra = dict(zip(M.indices[M.indptr[i]:M.indptr[i + 1]].tolist(), M.data[M.indptr[i]:M.indptr[i + 1]].tolist()))
        return sum(ra.get(k, 0.0) * v for k, v in zip(M.indices[M.indptr[j]:M.indptr[j + 1]].tolist(),
                                                       M.data[M.indptr[j]:M.indptr[j + 1]].tolist()))

    def __getstate__(self) -> dict:
        # the transposes are the profiles and memberships again (half of a saved index at 100,000 pages):
        # made on load instead
        state = dict(self.__dict__)
        state.pop("_PT", None)
        state.pop("_MT", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._PT = self._P.T.tocsr()
        self._MT = self._M.T.tocsr()

    # -- vectors over every topic (numbered as in :attr:`nodes`) --

    def prior_vector(self, prior: float = PRIOR, pop: float = POP) -> np.ndarray:
        """:meth:`prior` of every topic, as an array in :attr:`nodes` order (cached per constants)."""
        key = (prior, pop)
        if key not in self._priors:
            self._priors[key] = np.asarray([self.prior(n, prior, pop) for n in self.nodes], dtype=float)
        return self._priors[key]

    def _cosine(self, i: int, keys: np.ndarray | None = None) -> np.ndarray:
        """Cosine of topic ``i``'s profile with every topic (marking in ``keys`` those sharing a dimension)."""
        P, n = self._P, len(self.nodes)
        lo, hi = P.indptr[i], P.indptr[i + 1]
        out = np.zeros(n)
        if hi == lo:
            return out
        # (1 x dimensions) @ inverted index: sums over q's dimensions in its profile's own order
        row = sp.csr_array((P.data[lo:hi], P.indices[lo:hi], np.array([0, hi - lo])), shape=(1, n))
        prod = row @ self._PT
        out[prod.indices] = prod.data
        if keys is not None:
            T = self._PT
            keys[T.indices[_spans(T.indptr, P.indices[lo:hi])]] = True
        return out

    def _walk(self, i: int, steps: int = 3, restart: float = 0.15,
              reached: np.ndarray | None = None) -> np.ndarray:
        """:meth:`walk` from topic ``i`` as an array (marking in ``reached`` the topics it reaches)."""
        n, ptr, idx, degree = len(self.nodes), self._link_ptr, self._link_idx, self._degree
        total = np.zeros(n)
        src = np.array([i], dtype=np.int64)
        mass = np.array([1.0])
        for step in range(steps):
            deg = degree[src]
            live = deg > 0
            if not live.all():
                src, mass, deg = src[live], mass[live], deg[live]
            if not len(src):
                break
            share = (1 - restart) * mass / deg
            at = _spans(ptr, src)
            dst = idx[at]
            # every source adds its share to its neighbours, sources in the order they were reached
            nxt = np.bincount(dst, weights=np.repeat(share, deg), minlength=n)
            total += nxt
            if reached is not None:
                reached[dst] = True
            if step + 1 < steps:
                seen, first = np.unique(dst, return_index=True)
                src = seen[np.argsort(first)]
                mass = nxt[src]
        return total

    def _settled(self, q: str) -> float:
        """How settled ``q`` is, ``g⁴ / (g⁴ + settle⁴)`` for ``g`` opponents (1 when ``settle`` is 0)."""
        if not self.settle:
            return 1.0
        g = len(self.opp.get(q, _NONE))
        return g ** 4 / (g ** 4 + self.settle ** 4)

    def _mix(self, q: str) -> tuple[float, float, float]:
        """The weight of ``q``'s direct links (cosine and walk), its affinity floor, and the factor
        of the topics no page names.

        ``q`` is settled by ``m = g⁴ / (g⁴ + settle⁴)`` for ``g`` opponents: its community, drawn from
        comparisons, then says more than its links. Settled, links weigh ``settled_links``, the floor
        is ``settled_floor`` and a topic still unnamed after all those pages is a concept (factor
        ``concept``); with no opponents, links weigh 1, the floor is :data:`EPSILON` and the factor 1;
        in between, in proportion to ``m``. ``settle=0`` settles every query.
        """
        if not self.settle:
            return self.settled_links, self.settled_floor, self.concept
        m = self._settled(q)
        return (1 - m * (1 - self.settled_links), EPSILON + m * (self.settled_floor - EPSILON),
                1 - m * (1 - self.concept))

    def _affinity(self, q: str, keys: np.ndarray | None = None) -> np.ndarray:
        i = self.pos[q]
        out = self._cosine(i, keys)
        link = self._mix(q)[0]
        if link != 1:
            out *= link
        if self.community_w and q in self.community:
            # Louvain's members for a query with few opponents, whose links rule anyway; every topic by how
            # surely it shares a community with q as far as q is settled
            hard = 1 - self._settled(q)
            if hard:
                out[self._members[self.community[q]]] += hard * self.community_w
                if keys is not None:
                    keys[self._members[self.community[q]]] = True
            if hard < 1:
                M, MT = self._M, self._MT
                lo, hi = M.indptr[i], M.indptr[i + 1]
                comms = M.indices[lo:hi]
                at = _spans(MT.indptr, comms)
                idx = MT.indices[at]
                share = MT.data[at] * np.repeat(M.data[lo:hi], np.diff(MT.indptr)[comms])
                out += ((1 - hard) * self.community_w) * np.bincount(idx, weights=share, minlength=len(out))
                if keys is not None:
                    keys[idx] = True
        if self.walk_w:
            reached = np.zeros(len(self.nodes), dtype=bool) if keys is not None else None
            w = self._walk(i, reached=reached)
            own = w[i]
            w[i] = 0.0
            top = float(w.max()) if len(w) else 0.0
            w[i] = own
            if top > 0:
                out += (link * self.walk_w) * w / top
                if keys is not None:
                    keys |= reached
        alts = self.alt.get(q)
        if alts and self.alternative_w:
            at = [self.pos[a] for a in alts]
            out[at] += self.alternative_w
            if keys is not None:
                keys[at] = True
        return out

    def _builds_on(self, q: str) -> dict[str, float]:
        """The topics ``q`` builds on, with how surely: 1 when ``q`` lists it, else the share of
        ``q``'s opponents that list it (its siblings know its platform when its own pages do not).
        A topic compared with ``q`` or with one of its opponents is of ``q``'s own kind, never its base
        (platforms list each other as related)."""
        opp = self.opp
        out = {v: 1.0 for v in self.lists.get(q, ()) if _builds_on_it(q, v, opp)}
        mates = opp.get(q, ())
        share: dict[str, float] = defaultdict(float)
        for o in mates:
            for v in self.lists.get(o, ()):
                if v not in opp.get(o, ()):  # listed and compared: an alternative, not a base
                    share[v] += 1 / len(mates)
        for v, x in share.items():
            if v != q and x > out.get(v, 0.0) and _builds_on_it(q, v, opp):
                out[v] = x
        return out

    def demotion(self, q: str) -> dict[str, float]:
        """How far each candidate is demoted for ``q`` as a platform or of a platform's kind, in ``[0, 1]``.

        A platform ``q`` builds on (:meth:`_builds_on`, times its :attr:`platform` score), and that
        platform's opponents (its own kind: Go and R for Django, through Python); and the other way,
        a candidate that builds on ``q`` or on one of ``q``'s opponents when ``q`` is a platform. A
        candidate that shares an opponent with ``q`` is of its kind and never demoted.
        """
        plat = self.platform
        out: dict[str, float] = defaultdict(float)
        for v, sure in self._builds_on(q).items():
            d = sure * plat.get(v, 0.0)
            if d <= 0:
                continue
            for c in (v, *self.opp.get(v, ())):
                if c != q:
                    out[c] = max(out[c], d)
        for p in (q, *self.opp.get(q, ())):
            d = plat.get(p, 0.0)
            if d <= 0:
                continue
            for c in self.listed_by.get(p, ()):
                if _builds_on_it(c, p, self.opp):
                    out[c] = max(out[c], d)
            # a candidate whose opponents build on p builds on it too, by that share
            share: dict[str, int] = defaultdict(int)
            for u in self.listed_by.get(p, ()):
                if not _builds_on_it(u, p, self.opp):
                    continue
                for c in self.opp.get(u, ()):
                    share[c] += 1
            for c, k in share.items():
                out[c] = max(out[c], d * k / len(self.opp[c]))
        out.pop(q, None)
        # a candidate compared with one of q's opponents is of q's own kind, whatever it lists
        mine = self.opp.get(q, _NONE)
        return {c: d for c, d in out.items() if mine.isdisjoint(self.opp.get(c, _NONE))}

    def _scores(self, q: str, prior: float = PRIOR, pop: float = POP,
                keys: np.ndarray | None = None) -> np.ndarray:
        """Scores of every topic as an array; ``q`` and its past opponents get ``-inf``."""
        _, eps, concept = self._mix(q)
        s = (self._affinity(q, keys) + eps) * self.prior_vector(prior, pop)
        if concept != 1:
            s[self._unnamed] *= concept  # topics no page names: concepts, as far as q is settled
        pos = self.pos
        down = self.demotion(q)
        if down:
            s[[pos[c] for c in down]] *= (1 - np.fromiter(down.values(), dtype=float, count=len(down))) ** self.demote
        kind = self.kinds.get(q)
        if kind and self.kind_mismatch != 1:
            s[self._kinded[self._kind_of != self._kind_ids[kind]]] *= self.kind_mismatch
        s[pos[q]] = -np.inf
        done = self.opp.get(q)
        if done:
            s[[pos[x] for x in done]] = -np.inf
        return s

    # -- the public model --

    def prior(self, c: str, prior: float = PRIOR, pop: float = POP) -> float:
        if prior == PRIOR and pop == POP:
            return self._prior[c]
        return (self.weight.get(c, 0.0) + prior) ** pop * self.unnamed.get(c, 1.0)

    def scores(self, q: str, prior: float = PRIOR, pop: float = POP) -> dict[str, float]:
        """Score of every candidate with some affinity (not ``q``, not its past opponents)."""
        keys = np.zeros(len(self.nodes), dtype=bool)
        s = self._scores(q, prior, pop, keys)
        at = np.flatnonzero(keys & (s != -np.inf))
        nodes = self.nodes
        return dict(zip([nodes[j] for j in at.tolist()], s[at].tolist()))

    def floor(self, c: str, prior: float = PRIOR, pop: float = POP, q: str | None = None) -> float:
        """The score of a candidate without any affinity to the query ``q`` (by default, a query
        with no opponents)."""
        if q is None:
            return EPSILON * self.prior(c, prior, pop)
        _, eps, concept = self._mix(q)
        return eps * self.prior(c, prior, pop) * (concept if c in self.unnamed else 1.0)

    def best(self, q: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best candidates for ``q`` above their floor, ``(slug, score rounded to 9 digits)``, best first.

        Ties on the rounded score go by slug. Only the candidates that can reach the top ``k`` are
        rounded and sorted, so the cost does not grow with the number of candidates.
        """
        if k <= 0:
            return []
        s = self._scores(q)
        _, eps, concept = self._mix(q)
        floor = (eps * 1.0001) * self.prior_vector()  # a fresh array: scaled in place
        if concept != 1:
            floor[self._unnamed] *= concept
        ok = np.flatnonzero(s > floor)
        if len(ok) > k:
            vals = s[ok]
            kth = float(np.partition(vals, len(vals) - k)[len(vals) - k])
            # rounding is monotone: whatever rounds to at least round(kth, 9) is at least this
            ok = ok[vals >= round(kth, 9) - 1e-8]
        rounded = [round(v, 9) for v in s[ok].tolist()]
        order = sorted(range(len(ok)), key=lambda j: (-rounded[j], ok[j]))[:k]
        nodes = self.nodes
        return [(nodes[int(ok[j])], rounded[j]) for j in order]


def kept_index(G: nx.MultiDiGraph) -> Index:
    """``Index(G)``, taken from an earlier build whose graph gave it the very same input (:mod:`graph.kg.kept`).

    The index reads of ``G`` only its topics, with each one's kind and whether a page names it, and the kind
    and ends of each link (a multiset: it counts and collects them). The graph's order of the topics (which
    moves with the pages' sha256) orders some of its dicts but no answer, which looks each topic up (as
    :mod:`~graph.query.suggest.saved` does, which keeps them in slug order). A rebuild whose edits changed
    none of that (a page's wording, a pick) makes it no more. Outside a build's store, ``Index(G)``.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph([("a", "b", {"kind": VERSUS})]); G.add_nodes_from("ab", documents=["d"])
    >>> kept_index(G).nodes
    ['a', 'b']
    """
    if not active():
        return Index(G)
    topics = sorted(f"{n}\0{d.get('kind') or ''}\0{bool(d.get('documents'))}" for n, d in G.nodes(data=True))
    key = digest("suggest-index", topics, sorted(f"{u}\0{v}\0{d['kind']}" for u, v, d in G.edges(data=True)))
    return remembered(key, lambda: Index(G))


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


def _base_profiles(nodes: list[str], pos: dict[str, int], rel: dict[str, set[str]], opp: dict[str, set[str]],
                   self_w: float, opponent: float) -> sp.csr_array:
    """Each topic's own profile, before smoothing: itself, its related topics (weighted by rarity)
    and its opponents (:data:`OPPONENT` times their rarity), in that order, set order within each."""
    rel_rarity = {r: _rarity(len(s)) for r, s in rel.items()}
    opp_rarity = {x: opponent * _rarity(len(s)) for x, s in opp.items()}
    at = pos.__getitem__
    dims: list[int] = []
    vals: list[float] = []
    lens: list[int] = []
    for n in nodes:
        dims.append(pos[n])
        vals.append(self_w)
        size = 1
        rs = rel.get(n)
        if rs:
            dims.extend(map(at, rs))
            vals.extend(map(rel_rarity.__getitem__, rs))
            size += len(rs)
        xs = opp.get(n)
        if xs:
            dims.extend(map(at, xs))
            vals.extend(map(opp_rarity.__getitem__, xs))
            size += len(xs)
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


def _profiles(nodes: list[str], pos: dict[str, int], opp: dict[str, set[str]], base: sp.csr_array,
              smooth: float, cap: int = SMOOTH_CAP, chunk: int = CHUNK) -> sp.csr_array:
    """The normalised profiles: each topic's base profile plus ``smooth / len(opponents)`` of each
    opponent's (opponents in set order), divided by its Euclidean norm.

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
            src.extend(n + x for x in map(at, xs))
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
        spans = _spans(s_ptr, rs)
        lens = s_len[rs]
        w = s_data[spans]
        share = np.where(own, 1, np.repeat(c - 1, c)).astype(float)
        vals = np.where(np.repeat(own, lens), w, smooth * w / np.repeat(share, lens))
        rows = np.repeat(np.repeat(np.arange(hi - lo, dtype=np.int64), c), lens)
        P = _group_sums(rows, s_idx[spans], vals, n, hi - lo)
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


def _spans(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions of the entries of ``rows`` of a CSR structure, row after row in the order given."""
    starts = indptr[rows].astype(np.int64)
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # start of each row, minus where that row begins in the output, repeated over the row
    offsets = np.cumsum(lens) - lens
    return np.repeat(starts - offsets, lens) + np.arange(total, dtype=np.int64)
