"""The explorer's start page: the whole graph's layout, and names found as a person types them.

The layout is the build's ``overview`` export (:mod:`graph.export.layout`), read from the out folder
when it is this build's, else made from the graph. Names are matched by the CLI's own rules:
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
from pathlib import Path
from typing import Any

import networkx as nx

from graph.export.layout import overview
from graph.export.registry import FORMATS
from graph.kg.graph import closest_topics, find_topic, spellings
from graph.errors import UnknownTopic

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
