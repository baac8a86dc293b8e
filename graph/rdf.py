"""The graph as RDF: triples in the ``pg:`` vocabulary and deterministic writers.

Every IRI is built from a slug or a document's sha256 under a base (default
``https://w3id.org/pickgraph/``), so the same corpus gives the same IRIs in any
file order; there are no blank nodes. All literals are plain strings.

Named graphs (TriG, N-Quads): each source document's own statements are in a
graph named by the document's IRI (``{base}document/{sha256}``); what belongs to
no single document — each topic's type, labels, slug and scheme, and the scheme
itself — is in the named graph ``{base}graph/topics``. Turtle, N-Triples,
JSON-LD and RDF/XML hold the union of all graphs.

Every writer here serialises itself in a fixed order, so an export is
byte-identical whatever the file order or ``PYTHONHASHSEED``: N-Triples, N-Quads,
JSON-LD and RDF/XML sort subjects, predicates and objects; Turtle and TriG
(:mod:`graph.turtle`) write the topics sorted by slug, then one block per
document sorted by sha256.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.model import ReadReport
>>> from graph.kg import build_graph
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> nt = serialize(G, "ntriples").decode()
>>> '<https://w3id.org/pickgraph/topic/redis> <https://w3id.org/pickgraph/ns#preferredOver> <https://w3id.org/pickgraph/topic/memcached> .' in nt
True
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

import networkx as nx

from .export import atomic_open
from .kg import ALTERNATIVE, RELATED, VERSUS
from .read.model import Comparison, PickgraphError, TopicPage, is_informative
from .vocab import NS as PG_NS
from . import turtle
from .turtle import data_prefixes as _data_prefixes
from .turtle import lit
from .vocab import PG, PREFIXES, PROV, RDF, RDFS, SKOS

DEFAULT_BASE = "https://w3id.org/pickgraph/"


class BadIRI(PickgraphError):
    """A base or graph IRI that cannot be used."""


class Lit(str):
    """A plain (xsd:string) literal; an object that is a bare ``str`` is an IRI.

    ``Lit("x") == "x"``, so a literal and an IRI with the same text would be one
    set member; that cannot happen here because every predicate takes either
    literals or IRIs, never both (the JSON-LD context and the ontology say which).
    """

    __slots__ = ()


#: (subject, predicate, object, graph); the object is an IRI (``str``) or a :class:`Lit`
Quad = tuple[str, str, str, str]

_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def check_iri(iri: str, what: str = "IRI") -> str:
    """``iri`` if it is an absolute IRI that every RDF syntax can write, else :class:`BadIRI`.

    >>> check_iri("https://example.org/kg/")
    'https://example.org/kg/'
    >>> check_iri("example.org/kg/")
    Traceback (most recent call last):
    ...
    graph.rdf.BadIRI: example.org/kg/ is not an absolute IRI (it needs a scheme such as https:)
    """
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
        raise BadIRI(f"{iri} is not an absolute IRI (it needs a scheme such as https:)")
    if _IRI_BAD.search(iri):
        raise BadIRI(f"{what} {iri!r} contains a character IRIs cannot hold (space, quote, <>{{}}|^`\\)")
    from pyoxigraph import NamedNode

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


# ------------------------------------------------------------------ IRIs --

def topic_iri(slug: str, base: str = DEFAULT_BASE) -> str:
    """The IRI of a topic.

    >>> topic_iri("redis")
    'https://w3id.org/pickgraph/topic/redis'
    """
    return f"{base}topic/{slug}"


def comparison_iri(sha: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}comparison/{sha}"


def card_iri(sha: str, slug: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}comparison/{sha}/card/{slug}"


def document_iri(sha: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}document/{sha}"


def scheme_iri(base: str = DEFAULT_BASE) -> str:
    """The one ``skos:ConceptScheme`` every topic is in."""
    return f"{base}topics"


def topics_graph_iri(base: str = DEFAULT_BASE) -> str:
    """The named graph of the topics' shared statements (TriG, N-Quads)."""
    return f"{base}graph/topics"


# --------------------------------------------------------------- triples --

def quads(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE) -> list[Quad]:
    """Every statement of ``G`` as a sorted, duplicate-free list of quads.

    >>> from graph.read import parse_text, EXAMPLE
    >>> from graph.read.model import ReadReport
    >>> from graph.kg import build_graph
    >>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
    >>> [o for s, p, o, g in quads(G) if p == str(PG.pick)]
    ['https://w3id.org/pickgraph/topic/redis']
    """
    base = check_base(base_iri)
    ident = G.graph.get("identity")
    canon = ident.canonical if ident is not None else (lambda n: n)
    docs: dict[str, Any] = G.graph.get("documents", {})
    out: set[Quad] = set()
    tg = topics_graph_iri(base)
    T = lambda slug: topic_iri(slug, base)  # noqa: E731

    scheme = scheme_iri(base)
    out.add((scheme, str(RDF.type), str(SKOS.ConceptScheme), tg))
    out.add((scheme, str(SKOS.prefLabel), Lit("pickgraph topics"), tg))
    for n, d in G.nodes(data=True):
        t = T(n)
        out |= {(t, str(RDF.type), str(PG.Topic), tg), (t, str(RDF.type), str(SKOS.Concept), tg),
                (t, str(SKOS.inScheme), scheme, tg), (t, str(SKOS.prefLabel), Lit(d["name"]), tg),
                (t, str(SKOS.notation), Lit(n), tg)}
        out |= {(t, str(SKOS.altLabel), Lit(label), tg) for label in d.get("labels", ()) if label != d["name"]}
        for text, sha in d.get("descriptions", ()):
            out.add((t, str(SKOS.definition), Lit(text), document_iri(sha, base)))

    for sha, page in docs.items():
        doc = document_iri(sha, base)
        kind = PG.ComparisonPage if isinstance(page, Comparison) else PG.TopicPage
        title = page.title if isinstance(page, Comparison) else page.name
        out |= {(doc, str(RDF.type), str(PG.Document), doc), (doc, str(RDF.type), str(kind), doc),
                (doc, str(PG.sha256), Lit(sha), doc), (doc, str(PG.fileName), Lit(PurePath(page.path).name), doc),
                (doc, str(PG.title), Lit(title), doc)}
        if isinstance(page, TopicPage):
            t = canon(page.name)
            if t in G:
                out |= {(doc, str(PG.about), T(t), doc), (T(t), str(PG.mentionedIn), doc, doc)}
                if page.definition:
                    out.add((T(t), str(SKOS.definition), Lit(page.definition), doc))
                if page.kind:
                    out.add((T(t), str(PG.kind), Lit(page.kind), doc))

    for u, v, e in G.edges(data=True):
        doc = document_iri(e["doc"], base)
        if e["kind"] == VERSUS:
            out |= _comparison(G, docs[e["doc"]], u, v, e, base, canon)
        elif e["kind"] == RELATED:
            out.add((T(u), str(PG.relatedTo), T(v), doc))
        elif e["kind"] == ALTERNATIVE:
            out.add((T(u), str(PG.alternativeTo), T(v), doc))
    return sorted(out, key=lambda q: (q[3], q[0], q[1], _term(q[2])))


def _comparison(G: nx.MultiDiGraph, page: Comparison, a: str, b: str, e: dict[str, Any], base: str,
                canon) -> set[Quad]:
    sha = e["doc"]
    doc, c = document_iri(sha, base), comparison_iri(sha, base)
    ta, tb = topic_iri(a, base), topic_iri(b, base)
    out = {(c, str(RDF.type), str(PG.Comparison), doc), (c, str(RDFS.label), Lit(page.title), doc),
           (c, str(PROV.wasDerivedFrom), doc, doc), (c, str(PG.comparedTopic), ta, doc),
           (c, str(PG.comparedTopic), tb, doc), (ta, str(PG.comparedWith), tb, doc),
           (tb, str(PG.comparedWith), ta, doc)}
    if page.bottom_line:
        out.add((c, str(PG.bottomLine), Lit(page.bottom_line), doc))
    pick = e.get("pick")
    if pick in (a, b):
        loser = b if pick == a else a
        out |= {(c, str(PG.pick), topic_iri(pick, base), doc),
                (topic_iri(pick, base), str(PG.preferredOver), topic_iri(loser, base), doc)}
    verdicts = {canon(v.topic): v.text for v in page.verdict}
    for card in page.cards:
        slug = canon(card.name)
        if slug not in (a, b):
            continue
        k, t = card_iri(sha, slug, base), topic_iri(slug, base)
        out |= {(c, str(PG.hasCard), k, doc), (k, str(RDF.type), str(PG.Card), doc), (k, str(PG.topic), t, doc),
                (k, str(PROV.wasDerivedFrom), doc, doc), (k, str(PG.nameOnPage), Lit(card.name), doc),
                (t, str(PG.mentionedIn), doc, doc)}
        if card.description:
            out.add((k, str(PG.description), Lit(card.description), doc))
        out |= {(k, str(PG.pro), Lit(p.text), doc) for p in card.pros if is_informative(p.text)}
        out |= {(k, str(PG.con), Lit(x.text), doc) for x in card.cons if is_informative(x.text)}
        if slug in verdicts:
            out.add((k, str(PG.useIf), Lit(verdicts[slug]), doc))
        for r in card.related:
            rs = canon(r)
            if rs != slug and rs in G:
                out.add((k, str(PG.listsRelated), topic_iri(rs, base), doc))
    return out


def triples(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE) -> list[tuple[str, str, str]]:
    """The union of every graph: sorted, distinct ``(s, p, o)``."""
    return sorted({(s, p, o) for s, p, o, _ in quads(G, base_iri)}, key=lambda t: (t[0], t[1], _term(t[2])))


# ------------------------------------------------------------- N-Triples --

def _term(o: str) -> str:
    return lit(o) if isinstance(o, Lit) else f"<{o}>"


def _nt_lines(G: nx.MultiDiGraph, base_iri: str, with_graph: bool) -> list[str]:
    if with_graph:
        lines = {f"<{s}> <{p}> {_term(o)} <{g}> .\n" for s, p, o, g in quads(G, base_iri)}
    else:
        lines = {f"<{s}> <{p}> {_term(o)} .\n" for s, p, o in triples(G, base_iri)}
    return sorted(lines)


# ---------------------------------------------------------------- Turtle --

_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")


def _shorten(iri: str, prefixes: dict[str, str]) -> str:
    """``iri`` as a prefixed name when one fits (longest namespace first), else ``<iri>``."""
    for p, ns in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
            return f"{p}:{iri[len(ns):]}"
    return f"<{iri}>"


def _topics_section(G: nx.MultiDiGraph, base: str) -> str:
    return turtle.topics_section(((n, d["name"], d.get("labels", ())) for n, d in sorted(G.nodes(data=True))), base)


def _document_blocks(G: nx.MultiDiGraph, base: str) -> Iterator[tuple[str, str]]:
    """``(sha, block)`` of every document, by sha: written from the records (graph.turtle), the same
    statements as :func:`quads` without materialising and sorting millions of tuples first."""
    ident = G.graph.get("identity")
    canon = ident.canonical if ident is not None else (lambda n: n)
    # the graph, not the page, is what is exported: each comparison's pick as the graph holds it
    picks = {d["doc"]: d["pick"] for _, _, d in G.edges(data=True) if d["kind"] == VERSUS}
    # items(): a cached graph's records come from its store in one read, not one open per page
    for sha, page in sorted(G.graph.get("documents", {}).items()):
        yield sha, turtle.document_block(page, canon, G, base, picks.get(sha))


def _turtle(G: nx.MultiDiGraph, base: str) -> str:
    return "\n".join([turtle.prefixes(base), _topics_section(G, base)] + [b for _, b in _document_blocks(G, base)])


def _trig(G: nx.MultiDiGraph, base: str) -> str:
    # each document's block is its named graph; the topics' own statements are the topics graph
    parts = [turtle.prefixes(base), f"<{topics_graph_iri(base)}> {{\n{_topics_section(G, base)}}}\n"]
    parts += [f"document:{sha} {{\n{block}}}\n" for sha, block in _document_blocks(G, base)]
    return "\n".join(parts)


# --------------------------------------------------------------- JSON-LD --

#: JSON-LD term → (IRI, whether values are IRIs); every predicate the exporter writes
_JSONLD_TERMS: dict[str, tuple[str, bool]] = {
    **{name: (f"{PG_NS}{name}", name in {"comparedTopic", "pick", "hasCard", "topic", "listsRelated",
                                         "comparedWith", "preferredOver", "relatedTo", "alternativeTo",
                                         "mentionedIn", "about"})
       for name in ("comparedTopic", "pick", "hasCard", "bottomLine", "topic", "nameOnPage", "description", "pro",
                    "con", "useIf", "listsRelated", "comparedWith", "preferredOver", "relatedTo", "alternativeTo",
                    "mentionedIn", "kind", "sha256", "fileName", "title", "about")},
    "prefLabel": (str(SKOS.prefLabel), False),
    "altLabel": (str(SKOS.altLabel), False),
    "notation": (str(SKOS.notation), False),
    "definition": (str(SKOS.definition), False),
    "inScheme": (str(SKOS.inScheme), True),
    "wasDerivedFrom": (str(PROV.wasDerivedFrom), True),
    "label": (str(RDFS.label), False),
}


def jsonld_context() -> dict[str, Any]:
    """The explicit, fixed JSON-LD context of the export (prefixes and one term per property)."""
    ctx: dict[str, Any] = {p: PREFIXES[p] for p in ("pg", "prov", "rdfs", "skos")}
    for term, (iri, is_iri) in _JSONLD_TERMS.items():
        ctx[term] = {"@id": iri, "@type": "@id"} if is_iri else {"@id": iri}
    return ctx


def _jsonld(G: nx.MultiDiGraph, base: str) -> str:
    by_iri = {iri: term for term, (iri, _) in _JSONLD_TERMS.items()}
    type_prefixes = {p: PREFIXES[p] for p in ("pg", "skos")}
    nodes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples(G, base):
        if p == str(RDF.type):
            nodes[s]["@type"].append(_shorten(o, type_prefixes))
        elif p in by_iri:
            nodes[s][by_iri[p]].append(str(o))
        else:  # a predicate without a term would be silently dropped: refuse instead
            raise PickgraphError(f"no JSON-LD term for {p}")
    graph = []
    for s in sorted(nodes):
        node: dict[str, Any] = {"@id": s}
        for key, values in nodes[s].items():
            values = sorted(set(values))
            node[key] = values[0] if len(values) == 1 else values
        graph.append(node)
    doc = {"@context": jsonld_context(), "@graph": graph}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
            if isinstance(o, Lit):
                lines.append(f"    <{qname}>{_xml_text(o)}</{qname}>")
            else:
                lines.append(f'    <{qname} rdf:resource="{_xml_attr(o)}"/>')
        lines.append("  </rdf:Description>")
    lines.append("</rdf:RDF>")
    return "\n".join(lines) + "\n"


def _split(iri: str) -> tuple[str, str]:
    for ns in PREFIXES.values():
        if iri.startswith(ns):
            return ns, iri[len(ns):]
    raise PickgraphError(f"no XML namespace for predicate {iri}")


# --------------------------------------------------------------- writers --

#: format name → (media type, function making the text); every RDF export goes through here
SYNTAXES = {
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "turtle": "text/turtle",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


def serialize(G: nx.MultiDiGraph, fmt: str, base_iri: str = DEFAULT_BASE) -> bytes:
    """The export of ``G`` in one RDF syntax (a key of :data:`SYNTAXES`), as UTF-8 bytes."""
    base = check_base(base_iri)
    if fmt == "ntriples":
        text = "".join(_nt_lines(G, base, with_graph=False))
    elif fmt == "nquads":
        text = "".join(_nt_lines(G, base, with_graph=True))
    elif fmt == "turtle":
        text = _turtle(G, base)
    elif fmt == "trig":
        text = _trig(G, base)
    elif fmt == "jsonld":
        text = _jsonld(G, base)
    elif fmt == "rdfxml":
        text = _rdfxml(G, base)
    else:
        raise PickgraphError(f"unknown RDF syntax {fmt!r}; choose one of: {', '.join(sorted(SYNTAXES))}")
    return text.encode("utf-8")


def _write(fmt: str, G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str) -> None:
    data = serialize(G, fmt, base_iri)  # render fully before touching the target
    with atomic_open(path) as fh:
        fh.write(data)


def write_turtle(G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str = DEFAULT_BASE) -> None:
    """Turtle (the union graph): the topics by slug, then one block per document by sha256."""
    _write("turtle", G, path, base_iri)


def write_ntriples(G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str = DEFAULT_BASE) -> None:
    """Sorted canonical N-Triples (the union graph)."""
    _write("ntriples", G, path, base_iri)


def write_jsonld(G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str = DEFAULT_BASE) -> None:
    """JSON-LD (the union graph) with a small explicit context, nodes and keys sorted."""
    _write("jsonld", G, path, base_iri)


def write_rdfxml(G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str = DEFAULT_BASE) -> None:
    """RDF/XML (the union graph), one sorted ``rdf:Description`` per subject."""
    _write("rdfxml", G, path, base_iri)


def write_trig(G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str = DEFAULT_BASE) -> None:
    """TriG: the topics graph, then one named graph per source document by sha256."""
    _write("trig", G, path, base_iri)


def write_nquads(G: nx.MultiDiGraph, path: str | os.PathLike[str], base_iri: str = DEFAULT_BASE) -> None:
    """Sorted N-Quads: one named graph per source document plus the topics graph."""
    _write("nquads", G, path, base_iri)


# ----------------------------------------------------------- rdflib view --

def to_rdflib(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE):
    """The union graph as an :class:`rdflib.Graph` (for pyshacl and rdflib's own SPARQL)."""
    from rdflib import Graph, Literal, URIRef

    g = Graph()
    for p, ns in {**PREFIXES, **_data_prefixes(check_base(base_iri))}.items():
        g.bind(p, ns, replace=True)
    for s, p, o in triples(G, base_iri):
        g.add((URIRef(s), URIRef(p), Literal(str(o)) if isinstance(o, Lit) else URIRef(o)))
    return g


__all__ = [
    "DEFAULT_BASE", "BadIRI", "Lit", "SYNTAXES", "quads", "triples", "serialize", "to_rdflib", "check_base",
    "check_iri", "topic_iri", "comparison_iri", "card_iri", "document_iri", "scheme_iri", "topics_graph_iri",
    "jsonld_context", "write_turtle", "write_ntriples", "write_jsonld", "write_rdfxml", "write_trig",
    "write_nquads",
]
