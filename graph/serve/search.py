"""``GET /api/search``: full-text search over the topics' names, aliases, descriptions, pros and cons.

The answer is plain data from the build's own index (:mod:`graph.build.textindex`);
snippets are plain text with the matched words between ``[`` and ``]``: the page
escapes them like any other text.
"""

from __future__ import annotations

from typing import Any

from graph.build.textindex import TextIndex

#: the most hits one answer may ask for
MAX_LIMIT = 100


def search_answer(index: TextIndex, query: str, limit: int = 20) -> dict[str, Any]:
    """``{"query": query, "results": [{"id", "label", "field", "snippet"}, …]}``, best first."""
    return {"query": query, "results": index.search(query, limit)}


__all__ = ["search_answer", "MAX_LIMIT"]
