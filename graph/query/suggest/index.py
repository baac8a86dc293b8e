"""The suggestion index of one graph: neighbourhoods, profiles, communities, and the scores of a query."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from graph.kg.kept import active, digest, remembered
from graph.kg.graph import ALTERNATIVE, RELATED, VERSUS
from graph.query.suggest.constants import (ALTERNATIVE_BONUS, COMMUNITY, CONCEPT, DEMOTE, EPSILON, KIND_MISMATCH,
                                           LISTED, MEMBERSHIP, OPPONENT, PLATFORM_PRIOR, POP, PRIOR, RESOLUTION,
                                           SELF, SETTLE, SETTLED_FLOOR, SETTLED_LINKS, SMOOTH, UNNAMED,
                                           WALK)
from graph.query.suggest.sparse import CSR, csr, spans, transpose

if TYPE_CHECKING:
    import networkx as nx


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
    touches, done by numpy (scipy only makes the profiles, :mod:`~graph.query.suggest.profiles`), and
    every float sum is taken in the same order as a plain walk over the dictionaries would take it, so
    the figures are the same to the last bit.
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
        # late: scipy makes the profiles and memberships; a query reads them made, and its start-up is the cost
        from graph.query.suggest.profiles import base_profiles, memberships, profiles

        base = base_profiles(self.nodes, pos, rel, opp, self_w, opponent)
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
        self._M = self._MT = CSR(np.zeros(0), np.zeros(0, dtype=np.int32), np.zeros(n_nodes + 1, dtype=np.int32),
                                 (n_nodes, 0))
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
            self._M = csr(memberships(self.nodes, pos, self.community, len(self.members), membership, links))
            self._MT = transpose(self._M)
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
        self._P = csr(profiles(self.nodes, pos, opp, base, smooth))
        # The inverted index: dimension -> (topic, weight), topics in slug order.
        self._PT = transpose(self._P)

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
        self._PT = transpose(self._P)
        self._MT = transpose(self._M)

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
        if hi == lo:
            return np.zeros(n)
        # (1 x dimensions) @ inverted index, as scipy's product sums it: over q's dimensions in its profile's
        # own order, each adding its weight times the dimension's entries (``np.bincount`` adds in that order)
        T = self._PT
        dims = P.indices[lo:hi]
        at = spans(T.indptr, dims)
        idx = T.indices[at]
        out = np.bincount(idx, weights=T.data[at] * np.repeat(P.data[lo:hi], np.diff(T.indptr)[dims]), minlength=n)
        if keys is not None:
            keys[idx] = True
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
            at = spans(ptr, src)
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
                at = spans(MT.indptr, comms)
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
