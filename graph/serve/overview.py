"""The explorer's start page: the whole graph's layout, and names found as a person types them.

The layout is the build's ``overview`` export (:mod:`graph.export.layout`), read from the out folder
when it is this build's, else made from the graph; :func:`overview_tier` cuts it into tiers (the most
compared topics first) for a page that cannot take the whole of a big graph at once. Names are matched by the CLI's own rules:
:func:`graph.kg.graph.find_topic` for the exact answer, :func:`graph.kg.graph.closest_topics` for
misspellings; only the prefix and infix scan over every spelling is this module's.

>>> G = nx.MultiDiGraph()
>>> G.add_nodes_from([("postgresql", {"name": "PostgreSQL", "labels": ["PostgreSQL", "Postgres"]}),
...                   ("sqlite", {"name": "SQLite", "labels": ["SQLite"]}), ("redis", {"name": "Redis", "labels": ["Redis"]})])
>>> [(r["slug"], r["match"]) for r in find_names(G, "sql")["results"]]
[('sqlite', 'prefix'), ('postgresql', 'infix')]
>>> [(r["slug"], r["match"]) for r in find_names(G, "postgress")["results"]]
[('postgresql', 'typo')]
>>> find_names(G, "Redis")["results"][0]["match"]
'exact'
"""

from __future__ import annotations

import json
import weakref
from bisect import bisect_left
from pathlib import Path
from typing import Any

import networkx as nx

from graph.export.layout import overview
from graph.export.registry import FORMATS
from graph.kg.graph import closest_topics, find_topic, spellings
from graph.errors import UnknownTopic

#: each graph's overview, parsed, with its links in tier order (see overview_tier), made once per graph
_TIERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: each graph's spellings to scan, casefolded, and its topics' rank (most compared first), made once per graph
_SPELLINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def overview_bytes(G: nx.MultiDiGraph, out: str) -> bytes:
    """The JSON of :func:`graph.export.layout.overview` for ``G``: the out folder's file when the build wrote it
    for this graph (same fingerprint), else made now."""
    saved = Path(out) / FORMATS["overview"].file
    fp = G.graph.get("fingerprint")
    try:
        blob = saved.read_bytes()
        if fp and json.loads(blob).get("fingerprint") == fp:
            return blob
    except (OSError, ValueError):  # none, or damaged: made again below
        pass
    return json.dumps(overview(G), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def overview_tier(data: dict[str, Any], start: int, stop: int,
                  order: tuple[list[list[int]], list[int]] | None = None) -> dict[str, Any]:
    """The topics ranked ``start`` to ``stop`` (end excluded) of an overview, and the links whose later-ranked
    topic is among them: the part a level of detail adds when it shows ``stop`` topics instead of ``start``.

    Links keep their topic indexes (ranks in the whole overview) and come by the rank of their later-ranked
    topic, so that every prefix of the tiers' links is among a prefix of the topics. ``total_nodes``,
    ``total_edges`` and ``bbox`` (``[xmin, xmax, ymin, ymax]`` of every topic) describe the whole, so that
    the page frames the whole layout and says how much it shows from the first tier on. ``order``:
    :func:`tier_order` of ``data``, when kept from an earlier call.

    >>> data = {"fingerprint": "f", "kinds": ["versus"], "communities": [],
    ...         "nodes": [["a", "A", 0, 0, 5, 0, 2], ["b", "B", 4, -1, 3, 0, 1], ["c", "C", 2, 3, 3, 0, 1]],
    ...         "edges": [[2, 0, 0, 1], [1, 0, 0, 0]]}
    >>> top = overview_tier(data, 0, 2)
    >>> [n[0] for n in top["nodes"]], top["edges"], top["total_nodes"], top["total_edges"], top["bbox"]
    (['a', 'b'], [[1, 0, 0, 0]], 3, 2, [0, 4, -1, 3])
    >>> rest = overview_tier(data, 2, 10)
    >>> rest["start"], [n[0] for n in rest["nodes"]], rest["edges"]
    (2, ['c'], [[2, 0, 0, 1]])
    """
    ranked, ends = order or tier_order(data)
    start = min(max(start, 0), len(data["nodes"]))
    stop = min(max(stop, start), len(data["nodes"]))
    xs, ys = [n[2] for n in data["nodes"]], [n[3] for n in data["nodes"]]
    return {"fingerprint": data.get("fingerprint"), "kinds": data["kinds"], "communities": data["communities"],
            "total_nodes": len(data["nodes"]), "total_edges": len(data["edges"]),
            "bbox": [min(xs), max(xs), min(ys), max(ys)] if xs else [0, 0, 0, 0],
            "start": start, "nodes": data["nodes"][start:stop],
            "edges": ranked[bisect_left(ends, start):bisect_left(ends, stop)]}


def tier_order(data: dict[str, Any]) -> tuple[list[list[int]], list[int]]:
    """The links by the rank of their later-ranked topic (stable), and that rank of each."""
    ranked = sorted(data["edges"], key=lambda e: max(e[0], e[1]))
    return ranked, [max(e[0], e[1]) for e in ranked]


def overview_part(G: nx.MultiDiGraph, out: str, start: int, stop: int) -> dict[str, Any]:
    """:func:`overview_tier` of :func:`overview_bytes`' overview of ``G``, parsed once per graph."""
    kept = _TIERS.get(G)
    if kept is None:
        data = json.loads(overview_bytes(G, out))
        kept = _TIERS[G] = (data, tier_order(data))
    return overview_tier(kept[0], start, stop, kept[1])


def _scan_table(G: nx.MultiDiGraph) -> tuple[list[tuple[str, str]], dict[str, int]]:
    kept = _SPELLINGS.get(G)
    if kept is None:
        pairs = sorted({(s.casefold(), n) for s, n in spellings(G)})
        compared = {n: sum(1 for _, _, d in G.edges(n, data=True) if d.get("kind") == "versus")
                    + sum(1 for _, _, d in G.in_edges(n, data=True) if d.get("kind") == "versus") for n in G}
        rank = {n: i for i, n in enumerate(sorted(G, key=lambda n: (-compared[n], n)))}
        kept = _SPELLINGS[G] = (pairs, rank)
    return kept


def find_names(G: nx.MultiDiGraph, query: str, limit: int = 10) -> dict[str, Any]:
    """Topics whose name, alias or slug ``query`` is (``exact``), starts (``prefix``), is inside (``infix``)
    or is a misspelling of (``typo``), in that order, most compared first within each; ``did_you_mean``:
    :func:`graph.kg.graph.closest_topics`' names when nothing else matched.

    ``{"query", "results": [{"slug", "name", "match"}], "total", "did_you_mean": [{"slug", "name"}]}``.
    """
    q = query.strip().casefold()
    found: dict[str, str] = {}
    if q:
        try:
            found[find_topic(G, query)] = "exact"
        except UnknownTopic:
            pass
        pairs, rank = _scan_table(G)
        for kind in ("prefix", "infix"):
            hits = {n for s, n in pairs if (s.startswith(q) if kind == "prefix" else q in s)}
            for n in sorted(hits - set(found), key=rank.__getitem__):
                found[n] = kind
    for name in [] if found else closest_topics(G, query, limit=5):
        try:
            found.setdefault(find_topic(G, name), "typo")
        except UnknownTopic:  # a name the identity merged away
            continue
    results = [{"slug": n, "name": G.nodes[n].get("name", n), "match": m} for n, m in list(found.items())[:limit]]
    return {"query": query, "results": results, "total": len(found),
            "did_you_mean": [r for r in results if r["match"] == "typo"]}
