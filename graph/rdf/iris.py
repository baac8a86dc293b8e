"""The IRIs of the vocabulary and of the data as plain strings, and their checks, without rdflib.

``pickgraph sparql`` reads a store the build made and needs only these: the prefixes a query may
use undeclared, the data IRIs under a base, and the base's check. Importing rdflib (through the
namespaces of :mod:`graph.rdf.vocab`) or the mapping would cost that process much of its start-up
(docs/performance.md, "Query commands, whole process"), so they live here, and
:mod:`graph.rdf.vocab`, :mod:`graph.rdf.mapping` and :mod:`graph.rdf.turtle` take them from here.

>>> topic_iri("redis")
'https://w3id.org/pickgraph/topic/redis'
>>> data_prefixes("https://example.org/kg/")["topic"]
'https://example.org/kg/topic/'
"""

from __future__ import annotations

import re

from pyoxigraph import NamedNode

from graph.errors import PickgraphError

#: the ``pg:`` namespace
NS = "https://w3id.org/pickgraph/ns#"
#: the ontology's own IRI (graph/rdf/ontology.ttl); the data links to it with dcterms:conformsTo
ONTOLOGY = "https://w3id.org/pickgraph/ns"
#: the language tag of SKOS labels, definitions and advice: the pages read so far are all English
LANG = "en"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"

#: prefix → namespace of every vocabulary the exports use, in the order files declare them
#: (tests/test_vocab.py holds them to rdflib's namespaces)
PREFIXES: dict[str, str] = {
    "pg": NS,
    "dcterms": "http://purl.org/dc/terms/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": SKOS_NS,
    "xsd": XSD_NS,
}

#: the base of the data IRIs unless ``--base-iri`` names another
DEFAULT_BASE = "https://w3id.org/pickgraph/"

_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class BadIRI(PickgraphError):
    """A base or graph IRI that cannot be used."""


def check_iri(iri: str, what: str = "IRI") -> str:
    """``iri`` if it is an absolute IRI that every RDF syntax can write, else :class:`BadIRI`.

    >>> check_iri("https://example.org/kg/")
    'https://example.org/kg/'
    >>> check_iri("example.org/kg/")
    Traceback (most recent call last):
    ...
    graph.rdf.iris.BadIRI: example.org/kg/ is not an absolute IRI (it needs a scheme such as https:)
    """
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
        raise BadIRI(f"{iri} is not an absolute IRI (it needs a scheme such as https:)")
    if _IRI_BAD.search(iri):
        raise BadIRI(f"{what} {iri!r} contains a character IRIs cannot hold (space, quote, <>{{}}|^`\\)")
    try:  # the full IRI grammar, as the SPARQL store will check it: %-escapes, host, port
        NamedNode(iri)
    except ValueError as exc:
        raise BadIRI(f"{what} {iri} is not a valid IRI: {exc}") from None
    return iri


def check_base(base_iri: str) -> str:
    """A usable base for data IRIs: absolute, ending with ``/`` or ``#``."""
    check_iri(base_iri, "base IRI")
    if not base_iri.endswith(("/", "#")):
        raise BadIRI(f"base IRI {base_iri} must end with '/' or '#', e.g. {base_iri}/")
    return base_iri


def topic_iri(slug: str, base: str = DEFAULT_BASE) -> str:
    """The IRI of a topic."""
    return f"{base}topic/{slug}"


def topics_graph_iri(base: str = DEFAULT_BASE) -> str:
    """The named graph of the topics' shared statements (TriG, N-Quads)."""
    return f"{base}graph/topics"


def data_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """The prefixes of the data IRIs under ``base``."""
    return {"topic": f"{base}topic/", "comparison": f"{base}comparison/", "document": f"{base}document/"}


def turtle_prefixes(base: str = DEFAULT_BASE) -> str:
    """The ``@prefix`` lines every Turtle file starts with."""
    pfx = {**PREFIXES, **data_prefixes(base)}
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in pfx.items()) + "\n"


__all__ = ["NS", "ONTOLOGY", "LANG", "SKOS_NS", "XSD_NS", "PREFIXES", "DEFAULT_BASE", "BadIRI", "check_iri",
           "check_base", "topic_iri", "topics_graph_iri", "data_prefixes", "turtle_prefixes"]
