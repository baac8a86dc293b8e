"""The whole graph as the explorer's start page draws it: positions, sizes, communities, links.

One layout for every front end that draws the whole graph: ``pickgraph build`` writes it as the
``overview`` export (``pickgraph-overview.json``) and ``serve`` answers ``/api/overview`` with that
file, or with :func:`overview` of its build when the file is of another build.

The layout must stay cheap at tens of thousands of topics, where a force layout of the whole
graph (:func:`graph.export.html.spring_positions`, quadratic in memory and time) does not fit:
each community is a disc placed by :func:`graph.export.graphml.graph_stats` (largest in the
middle, most compared topics at each disc's centre), and inside the discs of small communities
the topics are laid out by force along their own links, so that a community's structure shows.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> data = overview(build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")])))
>>> [n[0] for n in data["nodes"]], data["kinds"]
(['redis', 'memcached', 'caching', 'key-value-stores'], ['versus', 'contested', 'related-to', 'alternative-to'])
>>> [data["kinds"][e[2]] for e in data["edges"]].count("versus"), len(data["communities"]) >= 1
(1, True)
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from typing import Any

import networkx as nx

from graph.build.outdir import atomic_open
from graph.export.graphml import graph_stats
from graph.export.html import OTHER_COLOUR, PALETTE, node_size, spring_positions
from graph.kg.graph import ALTERNATIVE, RELATED, VERSUS, contested_pairs

#: the edge kinds, in the order of the edges' kind index; "contested" is a versus pair whose pages disagree
KINDS = [VERSUS, "contested", RELATED, ALTERNATIVE]
#: communities of this many topics or fewer (and more than two) get a force layout inside their disc; bigger
#: ones keep the sunflower, hubs in the middle, which is what a hub's star looks like anyway
FORCE_MAX = 200
#: force rounds per community: a small graph settles in few (see spring_positions)
FORCE_ROUNDS = 60


def overview(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The whole graph as plain data, most compared topics first (the order a level of detail reveals them).

    ``nodes``: ``[slug, name, x, y, size, community, comparisons]``; ``edges``: ``[i, j, kind, arrow]``
    by node index, ``kind`` an index into ``kinds``, ``arrow`` 1 when the link points from ``i`` to ``j``
    (a versus link from the loser to the pick; an alternative from the topic to its alternative);
    one edge per pair and kind. ``communities``: ``{"id", "colour", "label", "count"}``, largest first,
    the colours of the HTML export; ``fingerprint``: the build's, so a reader knows whose layout it is.
    """
    stats = graph_stats(G)
    order = sorted(G.nodes, key=lambda t: (-stats[t]["comparisons"], -G.degree(t), t))
    index = {t: i for i, t in enumerate(order)}
    members: dict[int, list[str]] = defaultdict(list)
    for t in order:
        members[stats[t]["community"]].append(t)
    links = _links(G)
    pos = {t: (stats[t]["x"], stats[t]["y"]) for t in order}
    _force_inside(pos, members, links)
    edges = []
    for (kind, a, b), arrow_to in sorted(links.items()):
        i, j = index[a], index[b]
        if arrow_to == a:
            i, j = j, i
        edges.append([i, j, KINDS.index(kind), int(arrow_to is not None)])
    return {
        "fingerprint": G.graph.get("fingerprint"),
        "kinds": KINDS,
        "communities": _legend(G, members, stats),
        "nodes": [[t, G.nodes[t].get("name", t), round(pos[t][0], 2), round(pos[t][1], 2),
                   node_size(stats[t]["comparisons"]), stats[t]["community"], stats[t]["comparisons"]] for t in order],
        "edges": edges,
    }


def _links(G: nx.MultiDiGraph) -> dict[tuple[str, str, str], str | None]:
    """``(kind, a, b)`` with ``a < b`` → the topic its arrow points to (None: no arrow)."""
    contested = set(contested_pairs(G))
    picks: dict[tuple[str, str], set[str | None]] = defaultdict(set)
    out: dict[tuple[str, str, str], str | None] = {}
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        a, b = sorted((u, v))
        if d["kind"] == VERSUS:
            picks[(a, b)].add(d.get("pick"))
        elif d["kind"] == ALTERNATIVE:
            out.setdefault((ALTERNATIVE, a, b), v)
        else:
            out[(RELATED, a, b)] = None
    for (a, b), found in picks.items():
        if (a, b) in contested:
            out[("contested", a, b)] = None
        else:
            pick = next(iter(found)) if len(found) == 1 else None
            out[(VERSUS, a, b)] = pick if pick in (a, b) else None
    return out


def _force_inside(pos: dict[str, tuple[float, float]], members: dict[int, list[str]],
                  links: dict[tuple[str, str, str], str | None]) -> None:
    """Lay out each small community by force inside its disc (the disc's centre: its first member)."""
    adj: dict[str, set[str]] = defaultdict(set)
    for _kind, a, b in links:
        adj[a].add(b)
        adj[b].add(a)
    for group in members.values():
        if not 2 < len(group) <= FORCE_MAX:
            continue
        inside = set(group)
        H = nx.Graph()
        H.add_nodes_from(group)
        H.add_edges_from((a, b) for a in group for b in adj[a] if b in inside and a < b)
        cx, cy = pos[group[0]]
        radius = max(((pos[t][0] - cx) ** 2 + (pos[t][1] - cy) ** 2) ** 0.5 for t in group) or 1.0
        for t, (x, y) in spring_positions(H, iterations=FORCE_ROUNDS).items():
            pos[t] = (cx + radius * x, cy + radius * y)


def _legend(G: nx.MultiDiGraph, members: dict[int, list[str]], stats: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each community's colour and a name (its two most compared topics); past the palette, one grey "smaller groups"."""
    named = len(PALETTE) if len(members) == len(PALETTE) else len(PALETTE) - 1
    out = []
    for c in sorted(members):
        if c < named:
            top = members[c][:2]  # members are most compared first
            out.append({"id": c, "colour": PALETTE[c][0], "label": " · ".join(G.nodes[t].get("name", t) for t in top),
                        "count": len(members[c])})
    rest = sum(len(m) for c, m in members.items() if c >= named)
    if rest:
        out.append({"id": -1, "colour": OTHER_COLOUR[0], "label": "smaller groups", "count": rest})
    return out


def write_overview(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """Write :func:`overview` of ``G`` to ``path`` as compact JSON, atomically (the ``overview`` export)."""
    blob = json.dumps(overview(G), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with atomic_open(path) as fh:
        fh.write(blob)


__all__ = ["overview", "write_overview", "KINDS"]
