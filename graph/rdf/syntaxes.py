"""The RDF syntaxes of the export, each a rendering of :mod:`graph.rdf.mapping`'s statements.

Every writer serialises in a fixed order, so an export is byte-identical
whatever the file order or ``PYTHONHASHSEED``: N-Triples, N-Quads, JSON-LD and
RDF/XML sort subjects, predicates and objects; Turtle and TriG
(:mod:`graph.rdf.turtle`) write the topics graph by slug, then one block per
document by sha256. The formats are registered in :data:`graph.export.registry.FORMATS`.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> nt = serialize(G, "ntriples").decode()
>>> '<https://w3id.org/pickgraph/topic/redis> <https://w3id.org/pickgraph/ns#preferredOver> <https://w3id.org/pickgraph/topic/memcached> .' in nt
True
>>> '<https://w3id.org/pickgraph/topic/redis> <http://www.w3.org/2004/02/skos/core#prefLabel> "Redis"@en .' in nt
True
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from typing import Any

import networkx as nx
from rdflib import Graph, Literal, URIRef

from graph.build.outdir import atomic_open
from graph.errors import PickgraphError
from graph.rdf import turtle
from graph.rdf.mapping import DCTERMS_TERM, DEFAULT_BASE, OWL_TERM, PG_TERM, PROV_TERM, RDF_TERM, RDFS_TERM, \
    SKOS_TERM, Lit, Text, check_base, quads, term_key, triples
from graph.rdf.vocab import LANG, PREFIXES, ontology_text

# ------------------------------------------------------------- N-Triples --


def _nt_lines(G: nx.MultiDiGraph, base_iri: str, with_graph: bool) -> list[str]:
    if with_graph:
        lines = {f"<{s}> <{p}> {term_key(o)} <{g}> .\n" for s, p, o, g in quads(G, base_iri)}
    else:
        lines = {f"<{s}> <{p}> {term_key(o)} .\n" for s, p, o in triples(G, base_iri)}
    return sorted(lines)


# --------------------------------------------------------------- JSON-LD --

# Every key has one shape in every file: a term whose subject can hold several
# values is a "@set" container and always a list; the others (one value per
# subject by construction of the mapping) are always a single value.
_SETS = {PG_TERM.comparedTopic, PG_TERM.hasCard, PG_TERM.pro, PG_TERM.con, PG_TERM.listsRelated, PG_TERM.comparedWith,
         PG_TERM.preferredOver, PG_TERM.relatedTo, PG_TERM.alternativeTo, PG_TERM.mentionedIn, PG_TERM.kind,
         PG_TERM.useWhen, SKOS_TERM.altLabel, SKOS_TERM.definition, SKOS_TERM.related, SKOS_TERM.hasTopConcept,
         PROV_TERM.used}
_ONE = {PG_TERM.pick, PG_TERM.bottomLine, PG_TERM.topic, PG_TERM.nameOnPage, PG_TERM.description, PG_TERM.useIf,
        PG_TERM.sha256, PG_TERM.fileName, PG_TERM.title, PG_TERM.about, SKOS_TERM.prefLabel, SKOS_TERM.notation,
        SKOS_TERM.inScheme, SKOS_TERM.topConceptOf, PROV_TERM.wasDerivedFrom, RDFS_TERM.label, DCTERMS_TERM.conformsTo,
        PROV_TERM.wasGeneratedBy, PROV_TERM.wasAssociatedWith, OWL_TERM.versionInfo}
_IRI_VALUED = {PG_TERM.comparedTopic, PG_TERM.hasCard, PG_TERM.listsRelated, PG_TERM.comparedWith, PG_TERM.preferredOver,
               PG_TERM.relatedTo, PG_TERM.alternativeTo, PG_TERM.mentionedIn, SKOS_TERM.related, SKOS_TERM.hasTopConcept,
               PROV_TERM.used, PG_TERM.pick, PG_TERM.topic, PG_TERM.about, SKOS_TERM.inScheme, SKOS_TERM.topConceptOf,
               PROV_TERM.wasDerivedFrom, DCTERMS_TERM.conformsTo, PROV_TERM.wasGeneratedBy, PROV_TERM.wasAssociatedWith}
#: the values in the language LANG: the context gives them their tag, so they stay plain strings
_TEXT = {SKOS_TERM.prefLabel, SKOS_TERM.altLabel, SKOS_TERM.definition, PG_TERM.useWhen}
_CONTEXT_PREFIXES = ("pg", "dcterms", "owl", "prov", "rdfs", "skos")


def _term_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def jsonld_context() -> dict[str, Any]:
    """The explicit, fixed JSON-LD context of the export (prefixes and one term per property)."""
    ctx: dict[str, Any] = {p: PREFIXES[p] for p in _CONTEXT_PREFIXES}
    for iri in sorted(_SETS | _ONE):
        d: dict[str, str] = {"@id": iri}
        if iri in _IRI_VALUED:
            d["@type"] = "@id"
        if iri in _TEXT:
            d["@language"] = LANG
        if iri in _SETS:
            d["@container"] = "@set"
        ctx[_term_name(iri)] = d
    return ctx


def _jsonld(G: nx.MultiDiGraph, base: str) -> str:
    by_iri = {iri: _term_name(iri) for iri in _SETS | _ONE}
    type_prefixes = {p: PREFIXES[p] for p in ("pg", "prov", "skos")}
    nodes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples(G, base):
        if p == RDF_TERM.type:
            nodes[s]["@type"].append(_shorten(o, type_prefixes))
            continue
        if p not in by_iri:  # a predicate without a term would be silently dropped: refuse instead
            raise PickgraphError(f"no JSON-LD term for {p}")
        if (type(o) is Text) != (p in _TEXT):  # the context tags every value of a term alike
            raise PickgraphError(f"JSON-LD term {by_iri[p]} cannot hold {o!r}")
        nodes[s][by_iri[p]].append(str(o))
    graph = []
    one = {by_iri[i] for i in _ONE}
    for s in sorted(nodes):
        node: dict[str, Any] = {"@id": s}
        for key, values in nodes[s].items():
            values = sorted(set(values))
            if key in one:
                if len(values) != 1:
                    raise PickgraphError(f"{s} has {len(values)} values of {key}, which the export writes once")
                node[key] = values[0]
            else:
                node[key] = values
        graph.append(node)
    doc = {"@context": jsonld_context(), "@graph": graph}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")


def _shorten(iri: str, prefixes: dict[str, str]) -> str:
    """``iri`` as a prefixed name when one fits (longest namespace first), else the IRI."""
    for p, ns in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
            return f"{p}:{iri[len(ns):]}"
    return iri


# --------------------------------------------------------------- RDF/XML --

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    if _XML_ILLEGAL.search(text):
        raise PickgraphError(f"RDF/XML cannot hold the control character in {text[:60]!r}; export Turtle or N-Triples")
    # \r would come back as \n from any XML parser: write it as a character reference
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _rdfxml(G: nx.MultiDiGraph, base: str) -> str:
    by_ns = {ns: p for p, ns in PREFIXES.items()}
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    lines += [f'    xmlns:{p}="{_xml_attr(ns)}"' for p, ns in PREFIXES.items()]
    lines[-1] += ">"
    by_subject: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s, p, o in triples(G, base):
        by_subject[s].append((p, o))
    for s in sorted(by_subject):
        lines.append(f'  <rdf:Description rdf:about="{_xml_attr(s)}">')
        for p, o in by_subject[s]:
            ns, local = _split(p)
            qname = f"{by_ns[ns]}:{local}"
            if type(o) is Text:
                lines.append(f'    <{qname} xml:lang="{LANG}">{_xml_text(o)}</{qname}>')
            elif isinstance(o, Lit):
                lines.append(f"    <{qname}>{_xml_text(o)}</{qname}>")
            else:
                lines.append(f'    <{qname} rdf:resource="{_xml_attr(o)}"/>')
        lines.append("  </rdf:Description>")
    lines.append("</rdf:RDF>")
    return "\n".join(lines) + "\n"


def _split(iri: str) -> tuple[str, str]:
    for ns in sorted(PREFIXES.values(), key=len, reverse=True):
        if iri.startswith(ns):
            return ns, iri[len(ns):]
    raise PickgraphError(f"no XML namespace for predicate {iri}")


# --------------------------------------------------------------- writers --

_RENDER = {
    "ntriples": lambda G, base: "".join(_nt_lines(G, base, with_graph=False)),
    "nquads": lambda G, base: "".join(_nt_lines(G, base, with_graph=True)),
    "turtle": turtle.turtle_text,
    "trig": turtle.trig_text,
    "jsonld": _jsonld,
    "rdfxml": _rdfxml,
}


#: the syntaxes spelt block by block, which can reuse an earlier build's blocks (:class:`turtle.Fragments`)
BY_BLOCK = ("turtle", "trig")


def serialize(G: nx.MultiDiGraph, fmt: str, base_iri: str = DEFAULT_BASE,
              fragments: turtle.Fragments | None = None) -> bytes:
    """The export of ``G`` in one RDF syntax (``ntriples``, ``nquads``, ``turtle``, ``trig``, ``jsonld``,
    ``rdfxml``), as UTF-8 bytes; ``fragments``: the blocks of an earlier build (:data:`BY_BLOCK` only)."""
    base = check_base(base_iri)
    if fmt not in _RENDER:
        raise PickgraphError(f"unknown RDF syntax {fmt!r}; choose one of: {', '.join(sorted(_RENDER))}")
    if fragments is not None and fmt in BY_BLOCK:
        return _RENDER[fmt](G, base, fragments).encode("utf-8")
    return _RENDER[fmt](G, base).encode("utf-8")


def write_rdf(G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str = DEFAULT_BASE, *,
              syntax: str, fragments: turtle.Fragments | None = None) -> None:
    """Write ``G`` in ``syntax`` to ``path`` (the registry binds ``syntax`` for each format)."""
    data = serialize(G, syntax, base_iri, fragments)  # render fully before touching the target
    with atomic_open(path) as fh:
        fh.write(data)


def write_context(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """The JSON-LD context alone, for documents that refer to it instead of carrying it."""
    text = json.dumps({"@context": jsonld_context()}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    with atomic_open(path) as fh:
        fh.write(text.encode("utf-8"))


def write_ontology(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """The ``pg:`` ontology (graph/rdf/ontology.ttl) beside the data that conforms to it."""
    with atomic_open(path) as fh:
        fh.write(ontology_text().encode("utf-8"))


# ----------------------------------------------------------- rdflib view --

def to_rdflib(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE):
    """The union graph as an :class:`rdflib.Graph` (for pyshacl and rdflib's own SPARQL)."""
    g = Graph()
    for p, ns in {**PREFIXES, **turtle.data_prefixes(check_base(base_iri))}.items():
        g.bind(p, ns, replace=True)
    for s, p, o in triples(G, base_iri):
        if isinstance(o, Lit):
            obj = Literal(str(o), lang=LANG) if type(o) is Text else Literal(str(o))
        else:
            obj = URIRef(o)
        g.add((URIRef(s), URIRef(p), obj))
    return g


__all__ = ["serialize", "write_rdf", "write_context", "write_ontology", "to_rdflib", "jsonld_context"]
