"""Readable reasons why two topics belong together, from the suggestion index."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.kg.graph import ALTERNATIVE
from graph.query.suggest.constants import rarity
from graph.query.suggest.index import Index

if TYPE_CHECKING:
    import networkx as nx


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
        out.append((2 * rarity(len(ix.rel[r])), f"both relate to {_name(G, r)}"))
    for x in oa & ob:
        out.append((2 * rarity(len(ix.opp[x])), f"both were compared with {_name(G, x)}"))
    for src, dst in ((a, b), (b, a)):
        if dst in ix.rel_out.get(src, ()):
            out.append((1.5, f"{_name(G, src)} lists {_name(G, dst)} as related"))
    for x in sorted(oa):
        if b in ix.rel.get(x, ()):
            out.append((rarity(len(ix.rel[x])), f"{_name(G, b)} relates to {_name(G, x)}, which {_name(G, a)} was compared with"))
    for x in sorted(ob):
        if a in ix.rel.get(x, ()) or x in ra:
            out.append((rarity(len(ix.rel[x])), f"{_name(G, a)} relates to {_name(G, x)}, which {_name(G, b)} was compared with"))
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
