"""A topic's neighbourhood for the explorer: a few linked topics at a time, never the whole graph.

>>> G = nx.MultiDiGraph()
>>> G.add_nodes_from([("a", {"name": "A"}), ("b", {"name": "B"}), ("c", {"name": "C"})])
>>> _ = G.add_edge("a", "b", kind="versus", pick="a"); _ = G.add_edge("a", "c", kind="related-to")
>>> n = neighbourhood(G, "a", limit=1)
>>> [x["id"] for x in n["nodes"]], n["edges"], n["hidden"]
(['a', 'b'], [{'from': 'a', 'to': 'b', 'kind': 'versus', 'pick': 'a', 'count': 1}], 1)
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.kg.graph import VERSUS

#: the order in which a neighbour earns its place: compared first, then alternatives, then related
_KIND_RANK = {VERSUS: 0, "alternative-to": 1, "related-to": 2}


def neighbourhood(G: nx.MultiDiGraph, topic: str, limit: int = 30) -> dict[str, Any]:
    """``topic`` (a slug) and up to ``limit`` linked topics, closest kinds and best connected first.

    ``{"topic", "nodes": [{"id", "name", "degree"}], "edges": [{"from", "to", "kind", "pick", "count"}],
    "hidden": how many neighbours were left out}``. Edges of one kind between one pair are merged
    (``count`` pages); ``pick`` is the pick when the pages agree, else ``None``.
    """
    links: dict[tuple[str, str, str], dict[str, Any]] = {}
    best: dict[str, int] = {}
    for u, v, d in [*G.out_edges(topic, data=True), *G.in_edges(topic, data=True)]:
        other = v if u == topic else u
        if other == topic:
            continue
        kind = d.get("kind", "")
        key = (u, v, kind) if kind != VERSUS else (*sorted((u, v)), kind)
        link = links.setdefault(key, {"from": key[0], "to": key[1], "kind": kind, "picks": set(), "count": 0})
        link["count"] += 1
        link["picks"].add(d.get("pick"))
        best[other] = min(best.get(other, 9), _KIND_RANK.get(kind, 3))
    ranked = sorted(best, key=lambda n: (best[n], -G.degree(n), n))
    shown = [topic, *ranked[:limit]]
    keep = set(shown)
    nodes = [{"id": n, "name": G.nodes[n].get("name", n), "degree": G.degree(n)} for n in shown]
    edges = [{"from": link["from"], "to": link["to"], "kind": link["kind"],
              "pick": next(iter(link["picks"])) if len(link["picks"]) == 1 else None, "count": link["count"]}
             for link in links.values() if link["from"] in keep and link["to"] in keep]
    edges.sort(key=lambda e: (e["from"], e["to"], e["kind"]))
    return {"topic": topic, "nodes": nodes, "edges": edges, "hidden": len(ranked) - len(shown) + 1}
