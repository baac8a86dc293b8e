"""``/api/table``: every topic with its record, community and kind; filtered, sorted and paged on the server.

The rows are made once per build (:func:`table_rows`, kept beside the build's graph) and every view is
a filter and a sort of them (:func:`table_view`), so a page of 50 costs a pass over the rows, not over
the graph. The CSV of a view is every row of it, not one page.

>>> rows = [{"slug": "a", "name": "A", "comparisons": 2, "wins": 2, "losses": 0, "community": 0, "kind": "tool"},
...         {"slug": "b", "name": "B", "comparisons": 2, "wins": 0, "losses": 2, "community": 0, "kind": ""},
...         {"slug": "c", "name": "C", "comparisons": 1, "wins": 0, "losses": 0, "community": 1, "kind": "tool"}]
>>> [r["slug"] for r in table_view(rows, sort="losses", order="desc")]
['b', 'a', 'c']
>>> [r["slug"] for r in table_view(rows, kind="tool", sort="name", order="desc")]
['c', 'a']
>>> print(table_csv(table_view(rows, community=1)), end="")
slug,name,comparisons,wins,losses,community,kind
c,C,1,0,0,1,tool
"""

from __future__ import annotations

import csv
import io
import threading
import weakref
from collections import Counter
from typing import Any

import networkx as nx

from graph.export.graphml import graph_stats

from graph.query.topics import list_topics

#: the columns, in the order the table and its CSV show them; each is a sort key
COLUMNS = ("slug", "name", "comparisons", "wins", "losses", "community", "kind")
_made: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph → its rows: made once per build
_making = threading.Lock()


class BadView(ValueError):
    """A sort column or order the table does not have."""


def table_rows(G: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Every topic's row (most compared first), made once per graph: the communities cost a Louvain run."""
    with _making:  # two first requests at once make the rows once
        if G not in _made:
            stats = graph_stats(G)  # Louvain's communities, numbered largest first
            _made[G] = [{**r, "community": stats[r["slug"]]["community"], "kind": G.nodes[r["slug"]].get("kind", "")}
                        for r in list_topics(G)]
        return _made[G]


def table_view(rows: list[dict[str, Any]], sort: str = "comparisons", order: str = "desc",
               community: int | None = None, kind: str | None = None, q: str = "") -> list[dict[str, Any]]:
    """The rows of one community and kind (``None``: any) whose name or slug holds ``q``, sorted by
    ``sort`` (ties by slug, always ascending)."""
    if sort not in COLUMNS:
        raise BadView(f"'sort' must be one of {', '.join(COLUMNS)}, not {sort!r}")
    if order not in ("asc", "desc"):
        raise BadView(f"'order' must be asc or desc, not {order!r}")
    needle = q.strip().casefold()
    picked = [r for r in rows if (community is None or r["community"] == community)
              and (kind is None or r["kind"] == kind)
              and (not needle or needle in r["name"].casefold() or needle in r["slug"])]
    picked.sort(key=lambda r: r["slug"])
    text = sort in ("slug", "name", "kind")
    picked.sort(key=lambda r: r[sort].casefold() if text else r[sort], reverse=order == "desc")
    return [{c: r[c] for c in COLUMNS} for r in picked]


def facets(rows: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """``{"communities": [[id, topics], …], "kinds": [[kind, topics], …]}``: what the filters offer."""
    return {"communities": sorted([c, n] for c, n in Counter(r["community"] for r in rows).items()),
            "kinds": sorted([k, n] for k, n in Counter(r["kind"] for r in rows).items())}


#: what a spreadsheet reads as the start of a formula (OWASP's CSV injection list); pages.js's csv() guards the same
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: Any) -> Any:
    """``value``, with a ``'`` before a text that a spreadsheet would run as a formula.

    >>> [as_text_cell(v) for v in ("=SUM(A1)", "@Home", "Go", -1)]
    ["'=SUM(A1)", "'@Home", 'Go', -1]
    """
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def table_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV (RFC 4180, a header line first), each text cell kept as text in a spreadsheet."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: as_text_cell(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


__all__ = ["COLUMNS", "BadView", "table_rows", "table_view", "facets", "table_csv", "as_text_cell"]
