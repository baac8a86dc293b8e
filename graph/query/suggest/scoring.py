"""The suggestions themselves: the best candidates of the index for a topic or a pair, with their reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.kg.graph import find_topic, versus_edges
from graph.errors import PickgraphError
from graph.query.suggest.index import Index
from graph.query.suggest.reasons import _name, _popularity_reason, reasons

if TYPE_CHECKING:
    import networkx as nx


class SuggestError(PickgraphError):
    """A suggestion request that cannot be answered (a bad ``k``; an unknown topic is :class:`~graph.errors.UnknownTopic`)."""


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
    # a walk of every edge of the graph, which costs in proportion to the whole graph (docs/performance.md)
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
    for r in rows:  # the reasons of the rows shown only, not of a hub's hundreds of pages (docs/performance.md)
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
