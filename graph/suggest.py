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
compared next is mostly what gets compared. The constants were tuned with
``pickgraph evaluate`` on generated corpora (seeds other than the reported ones).

>>> from graph.read import parse_text
>>> from graph.model import ReadReport
>>> from graph.kg import build_graph
>>> from graph.render import render_comparison as page
>>> G = build_graph(ReadReport(pages=[
...     parse_text(page("Ant", "Bee", "Ant", related={"Ant": ["insects"], "Bee": ["honey"]}), "1"),
...     parse_text(page("Cat", "Dog", "Dog", related={"Cat": ["pets"], "Dog": ["honey"]}), "2")]))
>>> [(s["slug"], s["reasons"][0]) for s in suggest(G, "bee", k=1)]
[('dog', 'both relate to Honey')]
"""

from __future__ import annotations

import math
import weakref
from collections import defaultdict
from typing import Any

import networkx as nx

from .kg import ALTERNATIVE, RELATED, VERSUS
from .rank import graph_size as _size
from .model import PickgraphError

SELF = 0.5
OPPONENT = 0.4
SMOOTH = 0.5
PRIOR = 0.5
POP = 0.75
#: Weight of being listed as related by another topic, as evidence of popularity.
LISTED = 0.5
#: Bonus affinity for two topics in the same community of the graph (Louvain): category-like structure.
COMMUNITY = 0.3
#: Louvain resolution: above 1 favours small communities, closer to a category than to a whole field.
RESOLUTION = 3.0
#: Weight of a short random walk with restart from the query (3 steps over every link), which
#: reaches well-linked topics a few hops away; scaled to 1 at its best candidate.
WALK = 0.3
#: Prior factor of a topic no page names (known only as a ``Related to:`` slug): a concept more than a product.
UNNAMED = 1.0
#: Floor of the affinity, so that topics the graph says nothing about still rank by popularity.
EPSILON = 1e-4


class SuggestError(PickgraphError):
    """A suggestion request that cannot be answered (bad ``k``, unknown slug)."""


def _rarity(degree: int) -> float:
    return 1 / math.log(2 + degree)


class Index:
    """Neighbourhoods, profiles and an inverted index of one graph (built once, then cached)."""

    def __init__(self, G: nx.MultiDiGraph, self_w: float = SELF, opponent: float = OPPONENT,
                 smooth: float = SMOOTH, listed: float = LISTED, community: float = COMMUNITY,
                 resolution: float = RESOLUTION, unnamed: float = UNNAMED,
                 walk: float = WALK):
        self.walk_w = walk
        self.G = G
        self.listed: dict[str, int] = defaultdict(int)
        self.rel_out: dict[str, set[str]] = defaultdict(set)
        self.rel: dict[str, set[str]] = defaultdict(set)
        self.opp: dict[str, set[str]] = defaultdict(set)
        self.games: dict[str, int] = defaultdict(int)
        for u, v, d in G.edges(data=True):
            if u == v:
                continue
            if d["kind"] == VERSUS:
                self.opp[u].add(v)
                self.opp[v].add(u)
                self.games[u] += 1
                self.games[v] += 1
            elif d["kind"] in (RELATED, ALTERNATIVE):
                if v not in self.rel_out[u]:
                    self.listed[v] += 1
                    self.rel_out[u].add(v)
                self.rel[u].add(v)
                self.rel[v].add(u)
        base: dict[str, dict[str, float]] = {}
        for n in G.nodes:
            p: dict[str, float] = {n: self_w}
            for r in self.rel.get(n, ()):
                p[r] = p.get(r, 0.0) + _rarity(len(self.rel[r]))
            for x in self.opp.get(n, ()):
                p[x] = p.get(x, 0.0) + opponent * _rarity(len(self.opp[x]))
            base[n] = p
        self.links = {n: sorted(self.rel.get(n, set()) | self.opp.get(n, set())) for n in G.nodes}
        self.community_w = community
        self.community: dict[str, int] = {}
        self.members: dict[int, list[str]] = {}
        if community:
            U = nx.Graph()
            U.add_nodes_from(sorted(G.nodes))
            U.add_edges_from(sorted((u, v) for u in self.rel for v in self.rel[u]))
            U.add_edges_from(sorted((u, v) for u in self.opp for v in self.opp[u]))
            comms = nx.community.louvain_communities(U, resolution=resolution, seed=0)
            for i, c in enumerate(sorted(comms, key=min)):
                self.members[i] = sorted(c)
                for n in c:
                    self.community[n] = i
        # Being listed as related is evidence of popularity only for topics a page names: for a bare
        # slug it mostly marks a concept (``nosql``), which nobody compares.
        self.weight = {n: self.games.get(n, 0) + (listed * self.listed.get(n, 0) if d.get("documents") else 0)
                       for n, d in G.nodes(data=True)}
        self.unnamed = {n: unnamed for n, d in G.nodes(data=True) if not d.get("documents")}
        self._prior = {n: (self.weight[n] + PRIOR) ** POP * self.unnamed.get(n, 1.0) for n in G.nodes}
        self.profile: dict[str, dict[str, float]] = {}
        self.inverted: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for n in sorted(G.nodes):
            p = dict(base[n])
            opps = self.opp.get(n, ())
            for x in opps:
                for dim, w in base[x].items():
                    p[dim] = p.get(dim, 0.0) + smooth * w / len(opps)
            norm = math.sqrt(sum(w * w for w in p.values()))
            p = {dim: w / norm for dim, w in p.items()}
            self.profile[n] = p
            for dim, w in p.items():
                self.inverted[dim].append((n, w))

    def prior(self, c: str, prior: float = PRIOR, pop: float = POP) -> float:
        if prior == PRIOR and pop == POP:
            return self._prior[c]
        return (self.weight.get(c, 0.0) + prior) ** pop * self.unnamed.get(c, 1.0)

    def affinity(self, q: str) -> dict[str, float]:
        """Cosine of ``q``'s profile with every topic sharing a dimension with it."""
        out: dict[str, float] = defaultdict(float)
        for dim, w in self.profile[q].items():
            for c, wc in self.inverted[dim]:
                out[c] += w * wc
        if self.community_w and q in self.community:
            for c in self.members[self.community[q]]:
                out[c] += self.community_w
        if self.walk_w:
            w = self.walk(q)
            top = max((v for c, v in w.items() if c != q), default=0.0)
            for c, v in w.items():
                if top > 0:
                    out[c] += self.walk_w * v / top
        return out

    def walk(self, q: str, steps: int = 3, restart: float = 0.15) -> dict[str, float]:
        """Where a random walk over every link, restarting at ``q``, spends its first ``steps`` steps."""
        mass = {q: 1.0}
        total: dict[str, float] = defaultdict(float)
        for _ in range(steps):
            nxt: dict[str, float] = defaultdict(float)
            for n, m in mass.items():
                nb = self.links.get(n)
                if not nb:
                    continue
                share = (1 - restart) * m / len(nb)
                for c in nb:
                    nxt[c] += share
            for c, m in nxt.items():
                total[c] += m
            mass = nxt
        return total

    def scores(self, q: str, prior: float = PRIOR, pop: float = POP) -> dict[str, float]:
        """Score of every candidate with some affinity (not ``q``, not its past opponents)."""
        done = self.opp.get(q, set())
        return {c: (a + EPSILON) * self.prior(c, prior, pop)
                for c, a in self.affinity(q).items() if c != q and c not in done}

    def floor(self, c: str, prior: float = PRIOR, pop: float = POP) -> float:
        """The score of a candidate without any affinity to the query."""
        return EPSILON * self.prior(c, prior, pop)


_indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def index(G: nx.MultiDiGraph) -> Index:
    """The cached :class:`Index` of ``G`` (rebuilt when its topics or documents changed)."""
    key = _size(G)
    hit = _indexes.get(G)
    if hit is None or hit[0] != key:
        hit = (key, Index(G))
        _indexes[G] = hit
    return hit[1]


def _name(G: nx.MultiDiGraph, n: str) -> str:
    return G.nodes[n].get("name", n)


def reasons(G: nx.MultiDiGraph, a: str, b: str, limit: int = 4) -> list[str]:
    """Readable reasons why ``a`` and ``b`` belong together, strongest first.

    Shared related topics come rarest first; then common opponents, then direct
    links and the links through an opponent.
    """
    ix = index(G)
    ra, rb, oa, ob = ix.rel.get(a, set()), ix.rel.get(b, set()), ix.opp.get(a, set()), ix.opp.get(b, set())
    out: list[tuple[float, str]] = []
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
    out.sort(key=lambda t: (-t[0], t[1]))
    seen: list[str] = []
    for _, text in out:
        if text not in seen:
            seen.append(text)
    return seen[:limit]


def _popularity_reason(ix: Index, c: str) -> str:
    n = ix.games.get(c, 0)
    return f"compared {n} time{'s' if n != 1 else ''} elsewhere" if n else "not compared yet"


def suggest(G: nx.MultiDiGraph, topic: str, k: int = 5) -> list[dict[str, Any]]:
    """Up to ``k`` topics worth comparing with ``topic`` (a slug of ``G``) next, best first.

    Each entry: ``{"slug", "name", "score", "reasons": [str, …]}``; topics already
    compared with ``topic`` are left out, and so are topics the graph links to it in no way.
    """
    if k < 0:
        raise SuggestError(f"k must be 0 or more, not {k}")
    if topic not in G:
        raise SuggestError(f"no topic with slug {topic!r}")
    ix = index(G)
    # rounded so that float sums taken in set order (which varies with the hash seed) tie exactly
    scores = {c: round(s, 9) for c, s in ix.scores(topic).items() if s > ix.floor(c) * 1.0001}
    best = sorted(scores, key=lambda c: (-scores[c], c))[:k]
    return [{"slug": c, "name": _name(G, c), "score": round(scores[c], 6),
             "reasons": reasons(G, topic, c) + [_popularity_reason(ix, c)]} for c in best]


def suggest_many(G: nx.MultiDiGraph, topics: list[str], k: int = 5) -> dict[str, list[dict[str, Any]]]:
    """:func:`suggest` for several topics at once (one index, one start-up)."""
    return {t: suggest(G, t, k) for t in topics}


def suggest_for_pair(G: nx.MultiDiGraph, a: str, b: str, k: int = 5) -> list[dict[str, Any]]:
    """Pairs a reader of ``a vs b`` would want next: existing comparisons first, then new ones.

    Each entry: ``{"a", "b", "a_name", "b_name", "existing": bool, "score", "reasons", "sources"}``.
    Existing comparisons are the other pages of ``a`` or ``b``, ordered by how close the other topic
    is to the pair; new pairs are the best suggestions for ``a`` and for ``b``.
    """
    for t in (a, b):
        if t not in G:
            raise SuggestError(f"no topic with slug {t!r}")
    if k < 0:
        raise SuggestError(f"k must be 0 or more, not {k}")
    ix = index(G)
    aff = {t: ix.affinity(t) for t in (a, b)}
    docs = G.graph.get("documents", {})
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    for u, v, d in G.edges(data=True):
        if d["kind"] != VERSUS or {u, v} == {a, b} or not ({u, v} & {a, b}):
            continue
        pair = (u, v)
        if pair not in existing:
            member, other = (u, v) if u in (a, b) else (v, u)
            partner = b if member == a else a
            score = round(aff[a].get(other, 0.0) + aff[b].get(other, 0.0), 9)
            existing[pair] = {"a": u, "b": v, "a_name": _name(G, u), "b_name": _name(G, v), "existing": True,
                              "score": round(score, 6), "sources": [],
                              "reasons": [f"a comparison of {_name(G, member)}"] + reasons(G, partner, other)}
        existing[pair]["sources"].append(getattr(docs.get(d["doc"]), "path", d["doc"]))
    rows = sorted(existing.values(), key=lambda r: (-r["score"], r["a"], r["b"]))
    fresh: list[dict[str, Any]] = []
    for t in (a, b):
        for s in suggest(G, t, k):
            if s["slug"] in (a, b):
                continue
            fresh.append({"a": t, "b": s["slug"], "a_name": _name(G, t), "b_name": s["name"], "existing": False,
                          "score": s["score"], "reasons": s["reasons"], "sources": []})
    fresh.sort(key=lambda r: (-r["score"], r["a"], r["b"]))
    for r in rows:
        r["sources"].sort()
    return (rows + fresh)[:k]


__all__ = ["Index", "SuggestError", "index", "reasons", "suggest", "suggest_many", "suggest_for_pair"]
