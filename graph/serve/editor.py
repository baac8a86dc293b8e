"""``/sparql`` in a browser: the query editor page, and what its completion and ready queries read.

A browser asking ``/sparql`` for HTML with no ``query`` gets the editor (static/sparql.html);
every other request is the SPARQL 1.1 Protocol's, answered as before. The editor's
completion is served from here, never fetched from a prefix service: the prefixes
every query may use, and the terms of each namespace that the shipped ontology and
shapes name (the vocabulary the exports write).

>>> wants_editor("text/html,application/xhtml+xml,*/*;q=0.8", [])
True
>>> wants_editor("text/html", [("query", "ASK {}")]), wants_editor("application/sparql-results+json", [])
(False, False)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from graph.rdf.mapping import topic_iri
from graph.rdf.vocab import ontology_text, shapes_text
from graph.sparql.run import bundled_queries, describe_query, prefixes


def wants_editor(accept: str, params: list[tuple[str, str]]) -> bool:
    """Whether a GET of ``/sparql`` is a browser's visit (HTML accepted, no protocol parameter)
    rather than a protocol request."""
    names = {name for name, _ in params}
    media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return "text/html" in media and not names & {"query", "update"}


@lru_cache(maxsize=1)
def _named_terms() -> dict[str, list[str]]:
    """prefix → the local names the ontology and the shapes use of it."""
    known = prefixes()
    found: dict[str, set[str]] = {}
    pattern = r"\b(" + "|".join(map(re.escape, known)) + r"):([A-Za-z]\w*)"
    for prefix, local in re.findall(pattern, ontology_text() + shapes_text()):
        found.setdefault(prefix, set()).add(local)
    return {p: sorted(names) for p, names in sorted(found.items())}


def vocabulary(base_iri: str) -> dict[str, Any]:
    """What the editor offers: ``prefixes`` (prefix → namespace), ``terms`` (prefix → local names),
    ``queries`` (the bundled ones: name, summary, text) and ``topic_base`` (a topic's IRI is it + slug)."""
    queries = bundled_queries()
    return {"prefixes": prefixes(base_iri), "terms": _named_terms(),
            "queries": [{"name": n, "summary": describe_query(t), "text": t} for n, t in queries.items()],
            "topic_base": topic_iri("", base_iri)}


__all__ = ["wants_editor", "vocabulary"]
