"""Topics by the start of a name, alias or slug: a sorted index made once per loaded build.

>>> idx = TopicIndex([{"slug": "go", "name": "Go"}, {"slug": "golang-x", "name": "Gin"}, {"slug": "rust", "name": "Rust"}],
...                  {"go": ["Go", "Golang"], "golang-x": ["Gin"], "rust": ["Rust"]})
>>> [r["slug"] for r in idx.search("GO")[1]]
['go', 'golang-x']
>>> idx.search("gin")[0], idx.search("")[0]
(1, 3)
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any


class TopicIndex:
    """``rows``: :func:`graph.query.topics.list_topics`' rows (their order is the rank); ``labels``: slug → names."""

    def __init__(self, rows: list[dict[str, Any]], labels: dict[str, list[str]]):
        self.rows = rows
        self._rank = {r["slug"]: i for i, r in enumerate(rows)}
        keys = {(label.casefold(), slug) for slug, names in labels.items() for label in [slug, *names]}
        self._keys = sorted(keys)
        self._words = [k for k, _ in self._keys]

    def search(self, prefix: str, offset: int = 0, limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
        """(how many topics match, the page ``offset:offset+limit`` of them, most compared first)."""
        p = prefix.strip().casefold()
        if not p:
            return len(self.rows), self.rows[offset:offset + limit]
        found: set[str] = set()
        i = bisect_left(self._words, p)
        while i < len(self._words) and self._words[i].startswith(p):
            found.add(self._keys[i][1])
            i += 1
        ranked = sorted((self._rank[s] for s in found if s in self._rank))
        return len(ranked), [self.rows[r] for r in ranked[offset:offset + limit]]
