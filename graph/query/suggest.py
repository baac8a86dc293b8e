""""You might also compare": topics worth comparing next, with reasons from the graph.

The model. Two topics are worth comparing when they sit in the same corner of
the graph and the candidate is a topic people compare. Each topic gets a
*profile*, a sparse vector over topics:

* its related topics (``related-to`` and ``alternative-to``), each weighted by
  rarity (``1/log(2 + degree)``) so that ``machine-learning``, which everything
  relates to, says less than ``fairness-metrics``;
* the topics it was compared with (weight :data:`OPPONENT`), so common opponents count;
* itself (weight :data:`SELF`), so that a topic listed as related counts too;
* a share (:data:`SMOOTH`) of its opponents' profiles — two-hop, category-like
  structure: topics compared with the same kind of topic are the same kind.

The affinity of two topics is the cosine of their profiles; the score multiplies
it by a popularity prior, ``(comparisons + PRIOR) ** POP``, because what gets
compared next is mostly what gets compared. A *settled* query, one with a few
opponents, leans on its community instead: its group ranks by popularity, a popular
topic outside it still ranks, its direct links weigh little and a slug no page names
counts as a concept (:meth:`Index._mix`); a topic whose few links split between two
groups counts as half in each (:meth:`Index._memberships`). The constants were tuned with
``pickgraph evaluate`` on generated corpora (seeds other than the reported ones).

>>> from graph.read import parse_text
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> from graph.read.render import render_comparison as page
>>> G = build_graph(ReadReport(pages=[
...     parse_text(page("Ant", "Bee", "Ant", related={"Ant": ["insects"], "Bee": ["honey"]}), "1"),
...     parse_text(page("Cat", "Dog", "Dog", related={"Cat": ["pets"], "Dog": ["honey"]}), "2")]))
>>> [(s["slug"], s["reasons"][0]) for s in suggest(G, "bee", k=1)]
[('dog', 'both relate to Honey')]
"""

from __future__ import annotations

import math
from collections import defaultdict
from operator import mul
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.kg.graph import ALTERNATIVE, RELATED, VERSUS, find_topic, versus_edges
from graph.errors import PickgraphError

SELF = 0.5
OPPONENT = 0.4
SMOOTH = 0.5
PRIOR = 0.5
POP = 0.9
#: Weight of being listed as related by another topic, as evidence of popularity.
LISTED = 0.5
#: Bonus affinity for two topics in the same community of the graph (Louvain): category-like structure.
#: Strong enough that a query's own kind ranks mostly by popularity, as what gets compared next does.
COMMUNITY = 1.0
#: Louvain resolution: above 1 favours small communities, closer to a category than to a whole field.
RESOLUTION = 3.0
#: How sure one unit of link weight into a community makes a topic of belonging there: a topic's membership of
#: each community is ``exp(MEMBERSHIP * w)`` for its link weight ``w`` into it, normalised over every community
#: (one link: about 0.82 when there are 34 communities; two: all but sure). Louvain must put a topic with one
#: link into each of two communities in one of them; with this, it is half in each (:meth:`Index._memberships`).
MEMBERSHIP = 5.0
#: Weight of a short random walk with restart from the query (3 steps over every link), which
#: reaches well-linked topics a few hops away; scaled to 1 at its best candidate.
WALK = 0.3
#: Prior factor of a topic no page names (known only as a ``Related to:`` slug): a concept more than a product.
UNNAMED = 1.0
#: Floor of the affinity, so that topics the graph says nothing about still rank by popularity.
EPSILON = 1e-4
#: Shrinkage of the platform score: a topic listed as related by ``n`` topics it was never compared
#: with scores at most ``n / (n + PLATFORM_PRIOR)``, so one or two listings say little.
PLATFORM_PRIOR = 2.0
#: Affinity bonus of a topic its topic page lists as an alternative (either way).
ALTERNATIVE_BONUS = 1.0
#: Power of the demotion: a candidate demoted by ``d`` (:meth:`Index.demotion`) keeps ``(1 - d) ** DEMOTE``
#: of its score.
DEMOTE = 3.0
#: How many opponents it takes for a query's community and the popularity of its members to outweigh its
#: direct links (half way; the shift goes with the fourth power of the opponents, so it is quick): a topic
#: compared a few times is mostly compared next within its own group, by popularity, and its own links say
#: little more; for a topic compared once or never, its links are all there is (:meth:`Index._mix`).
SETTLE = 1.5
#: Weight of the direct links (cosine and walk) of a settled query, against 1 for its community.
SETTLED_LINKS = 0.01
#: Affinity floor of a settled query: a popular topic outside its group and without links still ranks,
#: a hundredth of a group member as popular (:data:`EPSILON` for a query with no opponents).
SETTLED_FLOOR = 0.01
#: Prior factor, for a settled query, of a topic no page names: after that many pages, a concept.
CONCEPT = 0.01
#: Score factor of two topics whose topic pages give different kinds (``concept`` and ``tool``).
KIND_MISMATCH = 0.5


class SuggestError(PickgraphError):
    """A suggestion request that cannot be answered (a bad ``k``; an unknown topic is :class:`~graph.errors.UnknownTopic`)."""


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
            U = nx.Graph()
            U.add_nodes_from(self.nodes)
            links = self._community_links()
            U.add_edges_from((u, v, {"weight": w}) for (u, v), w in links.items())
            comms = nx.community.louvain_communities(U, weight="weight", resolution=resolution, seed=0)
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

    # -- the dictionaries of the plain model, made on request from the matrices --

    @property
    def profile(self) -> dict[str, dict[str, float]]:
        """Every topic's normalised profile, ``{topic: {dimension: weight}}`` (made on first use)."""
        if "_profile" not in self.__dict__:
            P, nodes = self._P, self.nodes
            self._profile = {n: dict(zip([nodes[j] for j in P.indices[P.indptr[i]:P.indptr[i + 1]].tolist()],
                                         P.data[P.indptr[i]:P.indptr[i + 1]].tolist()))
                             for i, n in enumerate(nodes)}
        return self._profile

    @property
    def inverted(self) -> dict[str, list[tuple[str, float]]]:
        """``{dimension: [(topic, weight), …]}``, topics in slug order (made on first use)."""
        if "_inverted" not in self.__dict__:
            T, nodes = self._PT, self.nodes
            inv: dict[str, list[tuple[str, float]]] = defaultdict(list)
            for i, n in enumerate(nodes):
                lo, hi = T.indptr[i], T.indptr[i + 1]
                if hi > lo:
                    inv[n] = [(nodes[j], w) for j, w in zip(T.indices[lo:hi].tolist(), T.data[lo:hi].tolist())]
            self._inverted = inv
        return self._inverted

    @property
    def links(self) -> dict[str, list[str]]:
        """Every topic's related topics and opponents, in slug order (made on first use)."""
        if "_links" not in self.__dict__:
            nodes, ptr = self.nodes, self._link_ptr
            self._links = {n: [nodes[j] for j in self._link_idx[ptr[i]:ptr[i + 1]].tolist()]
                           for i, n in enumerate(nodes)}
        return self._links

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

    def affinity(self, q: str) -> dict[str, float]:
        """Cosine of ``q``'s profile with every topic sharing a dimension with it."""
        keys = np.zeros(len(self.nodes), dtype=bool)
        a = self._affinity(q, keys)
        at = np.flatnonzero(keys)
        nodes = self.nodes
        return dict(zip([nodes[j] for j in at.tolist()], a[at].tolist()))

    def walk(self, q: str, steps: int = 3, restart: float = 0.15) -> dict[str, float]:
        """Where a random walk over every link, restarting at ``q``, spends its first ``steps`` steps."""
        reached = np.zeros(len(self.nodes), dtype=bool)
        w = self._walk(self.pos[q], steps, restart, reached)
        at = np.flatnonzero(reached)
        nodes = self.nodes
        return dict(zip([nodes[j] for j in at.tolist()], w[at].tolist()))

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


def _group_sums(rows: np.ndarray, dims: np.ndarray, vals: np.ndarray, n: int) -> sp.csr_array:
    """The ``n x n`` CSR matrix of ``vals`` summed per ``(row, dim)``: exactly ``p[dim] = p.get(dim, 0.0) + val``
    over the entries in the order given, for one dict ``p`` per row (``rows`` must come in increasing order).

    Each row keeps its dimensions in the order they first appear, as the dict would; every sum is taken
    in the order of the entries (``np.bincount`` adds its weights one after the other).
    """
    if not len(rows):
        return sp.csr_array((n, n), dtype=float)
    key = rows * n + dims
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=vals, minlength=len(uniq))
    order = np.argsort(first)
    uniq = uniq[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(uniq // n, minlength=n), out=ptr[1:])
    return sp.csr_array((sums[order], uniq % n, ptr), shape=(n, n))


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


def _profiles(nodes: list[str], pos: dict[str, int], opp: dict[str, set[str]], base: sp.csr_array,
              smooth: float) -> sp.csr_array:
    """The normalised profiles: each topic's base profile plus ``smooth / len(opponents)`` of each
    opponent's (opponents in set order), divided by its Euclidean norm."""
    n = len(nodes)
    at = pos.__getitem__
    src: list[int] = []  # the base rows each profile adds up: its own, then its opponents'
    k: list[int] = []  # how many opponents
    for i, t in enumerate(nodes):
        src.append(i)
        xs = opp.get(t)
        if xs:
            src.extend(map(at, xs))
            k.append(len(xs))
        else:
            k.append(0)
    counts = np.asarray(k, dtype=np.int64) + 1
    src_a = np.asarray(src, dtype=np.int64)
    own = np.zeros(len(src_a), dtype=bool)
    own[np.cumsum(counts) - counts] = True
    spans = _spans(base.indptr, src_a)
    lens = np.diff(base.indptr)[src_a]
    w = base.data[spans]
    share = np.where(own, 1, np.repeat(counts - 1, counts)).astype(float)
    vals = np.where(np.repeat(own, lens), w, smooth * w / np.repeat(share, lens))
    rows = np.repeat(np.repeat(np.arange(n, dtype=np.int64), counts), lens)
    P = _group_sums(rows, base.indices[spans], vals, n)
    # the norm summed in Python, in the dict's order, as ``sum`` of this Python version does it
    data, ptr = P.data.tolist(), P.indptr.tolist()
    norms = np.asarray([math.sqrt(sum(map(mul, row, row))) for row in (data[ptr[i]:ptr[i + 1]] for i in range(n))])
    P.data /= np.repeat(norms, np.diff(P.indptr))
    return P


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


def index(G: nx.MultiDiGraph) -> Index:
    """The :class:`Index` of ``G`` as it is now.

    Never cached here: a caller asking for many suggestions from one graph makes the
    index once and passes it (``index=``), so no suggestion outlives its graph.
    """
    return Index(G)


def _name(G: nx.MultiDiGraph, n: str) -> str:
    return G.nodes[n].get("name", n)


def reasons(G: nx.MultiDiGraph, a: str, b: str, limit: int = 4, *, index: Index | None = None) -> list[str]:
    """Readable reasons why ``a`` and ``b`` belong together, strongest first.

    Each reason names its signal: an alternative on a topic page first, then shared related
    topics (rarest first) and common opponents, direct links, links through an opponent and the
    same kind on topic pages; failing all of these, the same community of the graph.
    """
    ix = index or Index(G)
    ra, rb, oa, ob = ix.rel.get(a, set()), ix.rel.get(b, set()), ix.opp.get(a, set()), ix.opp.get(b, set())
    out: list[tuple[float, str]] = []
    for src, dst in ((a, b), (b, a)):
        if dst in ix.alt.get(src, ()) and G.has_edge(src, dst) and any(
                d["kind"] == ALTERNATIVE for d in G[src][dst].values()):
            out.append((3.0, f"the topic page of {_name(G, src)} lists {_name(G, dst)} as an alternative"))
    kind = ix.kinds.get(a)
    if kind and kind == ix.kinds.get(b):
        out.append((0.5, f"both are a {kind} (topic pages)"))
    for r in ra & rb:
        out.append((2 * _rarity(len(ix.rel[r])), f"both relate to {_name(G, r)}"))
    for x in oa & ob:
        out.append((2 * _rarity(len(ix.opp[x])), f"both were compared with {_name(G, x)}"))
    for src, dst in ((a, b), (b, a)):
        if dst in ix.rel_out.get(src, ()):
            out.append((1.5, f"{_name(G, src)} lists {_name(G, dst)} as related"))
    for x in sorted(oa):
        if b in ix.rel.get(x, ()):
            out.append((_rarity(len(ix.rel[x])), f"{_name(G, b)} relates to {_name(G, x)}, which {_name(G, a)} was compared with"))
    for x in sorted(ob):
        if a in ix.rel.get(x, ()) or x in ra:
            out.append((_rarity(len(ix.rel[x])), f"{_name(G, a)} relates to {_name(G, x)}, which {_name(G, b)} was compared with"))
    if not out and ix.community_w and a in ix.community and (ix.community.get(b) == ix.community[a]
                                                            or ix.together(a, b) >= 0.25):
        # the community bonus put it there and no direct signal says more
        out.append((0.1, "in the same group of closely linked topics"))
    out.sort(key=lambda t: (-t[0], t[1]))
    seen: list[str] = []
    for _, text in out:
        if text not in seen:
            seen.append(text)
    return seen[:limit]


def _popularity_reason(ix: Index, c: str) -> str:
    n = ix.games.get(c, 0)
    return f"compared {n} time{'s' if n != 1 else ''} elsewhere" if n else "not compared yet"


def suggest(G: nx.MultiDiGraph, topic: str, k: int = 5, *, index: Index | None = None) -> list[dict[str, Any]]:
    """Up to ``k`` topics worth comparing with ``topic`` (a name, slug or alias) next, best first.

    Each entry: ``{"slug", "name", "score", "reasons": [str, …]}``; topics already
    compared with ``topic`` are left out, and so are topics the graph links to it in no way.
    ``index``: the graph's :class:`Index` when the caller keeps one (else made now).
    """
    if k < 0:
        raise SuggestError(f"k must be 0 or more, not {k}")
    topic = find_topic(G, topic)
    ix = index or Index(G)
    # scores rounded to 9 digits so that float sums taken in set order (which varies with the hash seed) tie exactly
    return [{"slug": c, "name": _name(G, c), "score": round(s, 6),
             "reasons": reasons(G, topic, c, index=ix) + [_popularity_reason(ix, c)]} for c, s in ix.best(topic, k)]


def suggest_many(G: nx.MultiDiGraph, topics: list[str], k: int = 5, *,
                 index: Index | None = None) -> dict[str, list[dict[str, Any]]]:
    """:func:`suggest` for several topics at once (one index, one start-up), keyed as given."""
    ix = index or Index(G)
    return {t: suggest(G, t, k, index=ix) for t in topics}


def suggest_for_pair(G: nx.MultiDiGraph, a: str, b: str, k: int = 5, *,
                     index: Index | None = None) -> list[dict[str, Any]]:
    """Pairs a reader of ``a vs b`` would want next: existing comparisons first, then new ones.

    Each entry: ``{"a", "b", "a_name", "b_name", "existing": bool, "score", "reasons", "sources"}``.
    Existing comparisons are the other pages of ``a`` or ``b``, ordered by how close the other topic
    is to the pair; new pairs are the best suggestions for ``a`` and for ``b``.
    """
    a, b = find_topic(G, a), find_topic(G, b)
    if k < 0:
        raise SuggestError(f"k must be 0 or more, not {k}")
    ix = index or Index(G)
    aff = {t: ix._affinity(t) for t in (a, b)}  # 0.0 where affinity() has no key, as .get(c, 0.0) gives
    docs = G.graph.get("documents", {})
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    # the pages of a and of b, each edge once (a self-comparison is both an out- and an in-edge), not
    # a walk of every edge of the graph (190 ms for two hubs at 100,000 pages)
    edges = {id(d): (u, v, d) for t in (a, b) for u, v, d in versus_edges(G, t)}
    for u, v, d in edges.values():
        if {u, v} == {a, b}:
            continue
        pair = (u, v)
        if pair not in existing:
            member, other = (u, v) if u in (a, b) else (v, u)
            partner = b if member == a else a
            score = round(float(aff[a][ix.pos[other]]) + float(aff[b][ix.pos[other]]), 9)
            existing[pair] = {"a": u, "b": v, "a_name": _name(G, u), "b_name": _name(G, v), "existing": True,
                              "score": round(score, 6), "sources": [], "reasons": (member, partner, other)}
        existing[pair]["sources"].append(getattr(docs.get(d["doc"]), "path", d["doc"]))
    rows = sorted(existing.values(), key=lambda r: (-r["score"], r["a"], r["b"]))[:k]
    for r in rows:  # the reasons of the rows shown only: a hub's hundreds of pages would cost 50 ms
        member, partner, other = r["reasons"]
        r["reasons"] = [f"a comparison of {_name(G, member)}"] + reasons(G, partner, other, index=ix)
    fresh: list[dict[str, Any]] = []
    for t in (a, b):
        for s in suggest(G, t, k, index=ix):
            if s["slug"] in (a, b):
                continue
            fresh.append({"a": t, "b": s["slug"], "a_name": _name(G, t), "b_name": s["name"], "existing": False,
                          "score": s["score"], "reasons": s["reasons"], "sources": []})
    fresh.sort(key=lambda r: (-r["score"], r["a"], r["b"]))
    for r in rows:
        r["sources"].sort()
    return (rows + fresh)[:k]


def suggest_answer(G: nx.MultiDiGraph, slugs: list[str], k: int = 5, pair: bool | None = None, *,
                   index: Index | None = None) -> dict[str, Any]:
    """What ``pickgraph suggest --json`` prints (and ``/api/suggest`` serves) for topics ``slugs`` (names,
    slugs or aliases).

    ``pair=None`` reads two topics that a page compares as one comparison page; a pair
    needs exactly two topics (the caller checks, as a usage error of its own kind).
    """
    slugs = [find_topic(G, s) for s in slugs]  # names, slugs or aliases, as the CLI takes them
    if pair is None:
        pair = len(slugs) == 2 and bool(versus_edges(G, slugs[0], slugs[1]))
    if pair:
        a, b = slugs
        return {"mode": "pair", "a": a, "b": b, "k": k, "suggestions": suggest_for_pair(G, a, b, k, index=index)}
    ix = index or Index(G)
    return {"mode": "topics", "k": k,
            "results": [{"topic": s, "name": G.nodes[s]["name"], "suggestions": suggest(G, s, k, index=ix)}
                        for s in slugs]}


__all__ = ["Index", "SuggestError", "index", "reasons", "suggest", "suggest_many", "suggest_for_pair",
           "suggest_answer"]
