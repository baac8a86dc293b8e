"""Topic lookups: the list of topics and everything the graph knows of one.

Pure functions of the graph returning plain data (dicts, lists, strings), so
the CLI prints them and ``--json`` dumps them unchanged.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> info = topic_info(G, "redis")
>>> info["related"], [(c["against"], c["pick"]) for c in info["comparisons"]]
(['caching', 'key-value-stores', 'memcached'], [('memcached', 'redis')])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.kg.graph import contested_pairs, find_topic, related, versus_edges
from graph.query.reasons import card_points
from graph.read.records import Comparison

if TYPE_CHECKING:
    import networkx as nx


def list_topics(G: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Every topic with its record, most compared first, then by slug."""
    rows = []
    for n, d in G.nodes(data=True):
        wins, losses = record(G, n)
        rows.append({"slug": n, "name": d["name"], "comparisons": wins + losses + _no_pick(G, n),
                     "wins": wins, "losses": losses, "related": len(related(G, n))})
    return sorted(rows, key=lambda r: (-r["comparisons"], r["slug"]))


def _no_pick(G: nx.MultiDiGraph, n: str) -> int:
    return sum(1 for _, _, d in versus_edges(G, n) if d["pick"] is None)


def record(G: nx.MultiDiGraph, topic: str) -> tuple[int, int]:
    """(wins, losses) of a topic over its comparison documents."""
    wins = losses = 0
    for _, _, d in versus_edges(G, topic):
        if d["pick"] == topic:
            wins += 1
        elif d["pick"] is not None:
            losses += 1
    return wins, losses


def topic_info(G: nx.MultiDiGraph, topic: str) -> dict[str, Any]:
    """All the graph says about one topic (``topic``: its name, slug or alias, as :func:`~graph.kg.graph.find_topic` reads it)."""
    topic = find_topic(G, topic)
    d = G.nodes[topic]
    docs = G.graph.get("documents", {})
    contested = set(contested_pairs(G, topic))
    comparisons = []
    pros: list[dict[str, Any]] = []
    cons: list[dict[str, Any]] = []
    for u, v, e in versus_edges(G, topic):
        other = v if u == topic else u
        page = docs.get(e["doc"])
        comparisons.append({
            "against": other,
            "against_name": G.nodes[other]["name"],
            "pick": e["pick"],
            "result": "win" if e["pick"] == topic else "loss" if e["pick"] else "no pick",
            "contested": tuple(sorted((u, v))) in contested,
            "title": e["title"],
            "source": page.path if page else "",
            "doc": e["doc"],
        })
        if isinstance(page, Comparison):
            for card in page.cards:
                if card.name in page.topics and _canon(G, card.name) == topic:
                    mine = card_points(card)
                    pros += [{"text": b.text, "source": page.path, "line": b.line} for b in mine[0] if b.informative]
                    cons += [{"text": b.text, "source": page.path, "line": b.line} for b in mine[1] if b.informative]
    wins, losses = record(G, topic)
    return {
        "slug": topic,
        "name": d["name"],
        "labels": d["labels"],
        "kind": d.get("kind", ""),
        "definition": d.get("definition", ""),
        "descriptions": [{"text": t, "source": getattr(docs.get(s), "path", "")} for t, s in d["descriptions"]],
        "pros": pros,
        "cons": cons,
        "related": related(G, topic),
        "alternatives": sorted({v for _, v, e in G.out_edges(topic, data=True) if e["kind"] == "alternative-to"}),
        "wins": wins,
        "losses": losses,
        "comparisons": comparisons,
    }


def _canon(G: nx.MultiDiGraph, name: str) -> str:
    ident = G.graph.get("identity")
    return ident.canonical(name) if ident else name


__all__ = ["list_topics", "topic_info", "record"]
