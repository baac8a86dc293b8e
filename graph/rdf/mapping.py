"""The one mapping from page records to RDF statements, in the ``pg:`` vocabulary.

Every syntax writes what this module states: the fast Turtle and TriG writers
(:mod:`graph.rdf.turtle`) render its statement groups as text, and
:func:`quads` flattens the same groups into the reference list that N-Triples,
N-Quads, JSON-LD, RDF/XML and rdflib read (:mod:`graph.rdf.syntaxes`).

A statement group is ``(subject, [(predicate IRI, [object, …]), …])``. Terms
are made by a *namer*: :class:`IRIs` gives full IRIs and :class:`Lit` /
:class:`Text` literals; the Turtle namer gives prefixed names and quoted
literals. The mapping never writes a predicate as text: it names each one
through :class:`graph.rdf.vocab.Terms`, which fails on a misspelt term.

Every IRI is built from a slug or a document's sha256 under a base (default
``https://w3id.org/pickgraph/``), so the same corpus gives the same IRIs in any
file order; there are no blank nodes.

Named graphs (TriG, N-Quads): each source document's statements are in a graph
named by the document's IRI; what belongs to no single document — the topics'
types, labels, slugs and scheme, the concept scheme and the build (PROV) — is
in the graph ``{base}graph/topics``.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> [o for s, p, o, g in quads(G) if p == PG_TERM.pick]
['https://w3id.org/pickgraph/topic/redis']
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from graph.kg.graph import VERSUS
from graph.read.records import Comparison, TopicPage, is_informative
from graph.resolve.names import label_from_slug, slugify
from graph.version import __version__
# the IRIs and their checks live apart, where `pickgraph sparql` reads them without rdflib; the mapping's
# callers find them here too
from graph.rdf.iris import DEFAULT_BASE, LANG, ONTOLOGY, BadIRI, check_base, check_iri, topics_graph_iri, topic_iri
from graph.rdf.vocab import DCTERMS, OWL, PG, PROV, RDF, RDFS, SKOS, Terms

# each namespace's terms as plain strings (fast attribute reads that still fail on a misspelt name)
PG_TERM, SKOS_TERM, PROV_TERM, RDF_TERM = Terms(PG), Terms(SKOS), Terms(PROV), Terms(RDF)
RDFS_TERM, DCTERMS_TERM, OWL_TERM = Terms(RDFS), Terms(DCTERMS), Terms(OWL)


class Lit(str):
    """A plain (xsd:string) literal; an object that is a bare ``str`` is an IRI.

    ``Lit("x") == "x"``, so a literal and an IRI with the same text would be one
    set member; that cannot happen here because every predicate takes either
    literals or IRIs, never both (the JSON-LD context and the ontology say which).
    """

    __slots__ = ()


class Text(Lit):
    """A literal in the language :data:`graph.rdf.vocab.LANG` (``"en"``): SKOS labels, definitions, advice."""

    __slots__ = ()


#: (subject, predicate, object, graph); the object is an IRI (``str``), a :class:`Lit` or a :class:`Text`
Quad = tuple[str, str, str, str]
#: one subject's statements: ``(subject, [(predicate, [object, …]), …])``
Group = tuple[str, list[tuple[str, Sequence[str]]]]

_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def lit(text: str) -> str:
    """A plain literal as Turtle and N-Triples write it (UTF-8 kept, controls escaped).

    >>> print(lit('say "hi"\\n'))
    "say \\"hi\\"\\n"
    """
    if _SPECIAL.search(text) is None:  # the common case: nothing to escape
        return f'"{text}"'
    return '"' + _SPECIAL.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), text) + '"'


# ------------------------------------------------------------------ IRIs --

def scheme_iri(base: str = DEFAULT_BASE) -> str:
    """The one ``skos:ConceptScheme`` every topic is in."""
    return f"{base}topics"


def input_fingerprint(doc_shas: Iterable[str]) -> str:
    """A digest of the documents read (their sha256, sorted): the same inputs, the same build IRI.

    >>> input_fingerprint(["b", "a"]) == input_fingerprint(["a", "b"])
    True
    """
    h = hashlib.sha256()
    for i, sha in enumerate(sorted(doc_shas)):  # the digest of the shas joined by newlines, without the join
        h.update(f"\n{sha}".encode() if i else sha.encode())
    return h.hexdigest()


def build_iri(fingerprint: str, base: str = DEFAULT_BASE) -> str:
    """The ``prov:Activity`` of the build that read the documents with this :func:`input_fingerprint`."""
    return f"{base}build/{fingerprint}"


def agent_iri(version: str, base: str = DEFAULT_BASE) -> str:
    """The ``prov:SoftwareAgent``: pickgraph at one version."""
    return f"{base}software/pickgraph/{version}"


class IRIs:
    """The namer of :func:`quads`: full IRIs, :class:`Lit` and :class:`Text` literals."""

    lit = Lit
    text = Text

    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base

    def topic(self, slug: str) -> str:
        return f"{self.base}topic/{slug}"

    def document(self, sha: str) -> str:
        return f"{self.base}document/{sha}"

    def comparison(self, sha: str) -> str:
        return f"{self.base}comparison/{sha}"

    def card(self, sha: str, slug: str) -> str:
        return f"{self.base}comparison/{sha}/card/{slug}"

    def iri(self, iri: str) -> str:
        """Any other IRI: a vocabulary class, the scheme, the build."""
        return iri


# ------------------------------------------------------------- statements --

FROM_PAGE = object()


def document_statements(page: Comparison | TopicPage, canon: Callable[[str], str], known: Collection[str] | None,
                        n: Any, pick: str | None | object = FROM_PAGE) -> list[Group]:
    """Every statement one page makes (its named graph), grouped by subject.

    ``canon`` maps a name or slug to its topic's canonical slug; ``known`` holds
    the graph's topic slugs (a card's topic that is not a node gets no advice),
    or ``None`` when every card names a compared topic, as the reader guarantees;
    ``n`` is the namer; ``pick``: the winner's slug as the graph holds it
    (default: the page's own pick, resolved).
    """
    sha = page.sha256
    doc = n.document(sha)
    if isinstance(page, TopicPage):
        return _topic_page(page, canon, n, doc)
    groups: list[Group] = [(doc, [(RDF_TERM.type, (n.iri(PG_TERM.Document), n.iri(PG_TERM.ComparisonPage))),
                                  (PG_TERM.fileName, (n.lit(os.path.basename(page.path)),)),
                                  (PG_TERM.sha256, (n.lit(sha),)), (PG_TERM.title, (n.lit(page.title),))])]
    a, b = canon(page.topics[0]), canon(page.topics[1])
    if a == b:  # kept as a document, draws no comparison (see graph.kg.graph)
        return groups
    ta, tb = n.topic(a), n.topic(b)
    if pick is FROM_PAGE:
        pick = canon(page.pick) if page.pick else None
    comp = [(RDF_TERM.type, (n.iri(PG_TERM.Comparison),)), (RDFS_TERM.label, (n.lit(page.title),)),
            (PROV_TERM.wasDerivedFrom, (doc,)), (PG_TERM.comparedTopic, (ta, tb))]
    if page.bottom_line:
        comp.append((PG_TERM.bottomLine, (n.lit(page.bottom_line),)))
    topics: dict[str, list[tuple[str, Sequence[str]]]] = {a: [(PG_TERM.comparedWith, (tb,))],
                                                           b: [(PG_TERM.comparedWith, (ta,))]}
    if pick in (a, b):
        comp.append((PG_TERM.pick, (n.topic(pick),)))
        topics[pick].append((PG_TERM.preferredOver, (tb if pick == a else ta,)))
    verdicts = {canon(v.topic): v.text for v in page.verdict}
    card_iris: list[str] = []
    cards: list[Group] = []
    for card in page.cards:
        t = canon(card.name)
        if card.description and (known is None or t in known):
            topics.setdefault(t, []).append((PG_TERM.useWhen, (n.text(card.description),)))
        tt = n.topic(t)
        rel = [u for u in map(canon, card.related) if u != t]
        related = list(map(n.topic, rel)) if rel else rel
        if rel:
            _related(topics, t, tt, rel, related)
        if t not in (a, b):
            continue
        k = n.card(sha, t)
        card_iris.append(k)
        topics[t].append((PG_TERM.mentionedIn, (doc,)))
        pairs = [(RDF_TERM.type, (n.iri(PG_TERM.Card),)), (PG_TERM.topic, (tt,)), (PROV_TERM.wasDerivedFrom, (doc,)),
                 (PG_TERM.nameOnPage, (n.lit(card.name),))]
        if card.description:
            pairs.append((PG_TERM.description, (n.lit(card.description),)))
        pros = [n.lit(p.text) for p in card.pros if is_informative(p.text)]
        if pros:
            pairs.append((PG_TERM.pro, pros))
        cons = [n.lit(x.text) for x in card.cons if is_informative(x.text)]
        if cons:
            pairs.append((PG_TERM.con, cons))
        if t in verdicts:
            pairs.append((PG_TERM.useIf, (n.lit(verdicts[t]),)))
        if related:  # listsRelated names the card's own related topics (all nodes of the graph)
            pairs.append((PG_TERM.listsRelated, related))
        cards.append((k, pairs))
    if card_iris:
        comp.append((PG_TERM.hasCard, card_iris))
    groups.append((n.comparison(sha), comp))
    groups += cards
    groups += [(n.topic(t), pairs) for t, pairs in topics.items()]
    return groups


def _related(topics: dict[str, list[tuple[str, Sequence[str]]]], t: str, tt: str, slugs: list[str],
             related: list[str]) -> None:
    """``t`` (term ``tt``) lists ``slugs`` (terms ``related``): pg:relatedTo in the page's direction,
    skos:related both ways (SKOS declares it symmetric; a store without inference answers only what is written)."""
    topics.setdefault(t, []).extend([(PG_TERM.relatedTo, related), (SKOS_TERM.related, related)])
    for u in slugs:
        topics.setdefault(u, []).append((SKOS_TERM.related, (tt,)))


def _topic_page(page: TopicPage, canon: Callable[[str], str], n: Any, doc: str) -> list[Group]:
    t = canon(page.name)
    tt = n.topic(t)
    groups: list[Group] = [(doc, [(RDF_TERM.type, (n.iri(PG_TERM.Document), n.iri(PG_TERM.TopicPage))),
                                  (PG_TERM.fileName, (n.lit(os.path.basename(page.path)),)),
                                  (PG_TERM.sha256, (n.lit(page.sha256),)), (PG_TERM.title, (n.lit(page.name),)),
                                  (PG_TERM.about, (tt,))])]
    topics: dict[str, list[tuple[str, Sequence[str]]]] = {t: [(PG_TERM.mentionedIn, (doc,))]}
    if page.definition:
        topics[t].append((SKOS_TERM.definition, (n.text(page.definition),)))
    if page.kind:
        topics[t].append((PG_TERM.kind, (n.lit(page.kind),)))
    rel = [u for u in map(canon, page.related_tools) if u != t]
    if rel:
        _related(topics, t, tt, rel, list(map(n.topic, rel)))
    alternatives = [n.topic(u) for u in map(canon, page.alternatives) if u != t]
    if alternatives:
        topics[t].append((PG_TERM.alternativeTo, alternatives))
    groups += [(n.topic(s), pairs) for s, pairs in topics.items()]
    return groups


def topic_statements(slug: str, name: str, labels: Iterable[str], n: Any, scheme: str) -> Group:
    """A topic's own statements (the topics graph): types, scheme, English labels, slug.

    ``labels`` holds every other name of the topic (spellings seen, aliases);
    the display name is the one ``skos:prefLabel``, the rest ``skos:altLabel``.
    """
    pairs = [(RDF_TERM.type, [n.iri(PG_TERM.Topic), n.iri(SKOS_TERM.Concept)]), (SKOS_TERM.inScheme, [scheme]),
             (SKOS_TERM.topConceptOf, [scheme]), (SKOS_TERM.prefLabel, [n.text(name)]), (SKOS_TERM.notation, [n.lit(slug)])]
    alt = sorted(set(labels) - {name})
    if alt:
        pairs.append((SKOS_TERM.altLabel, [n.text(x) for x in alt]))
    return n.topic(slug), pairs


def build_statements(slugs: Iterable[str], doc_shas: Iterable[str], n: Any, version: str | None = None) -> list[Group]:
    """The concept scheme (its top concepts, the ontology it conforms to) and the build that made it (PROV).

    The build is a ``prov:Activity`` named by the :func:`input_fingerprint` of
    the documents it used, associated with pickgraph as a ``prov:SoftwareAgent``.
    """
    version = version or __version__
    shas = sorted(doc_shas)
    scheme, build = n.iri(scheme_iri(n.base)), n.iri(build_iri(input_fingerprint(shas), n.base))
    agent = n.iri(agent_iri(version, n.base))
    top = [n.topic(s) for s in slugs]
    scheme_pairs = [(RDF_TERM.type, [n.iri(SKOS_TERM.ConceptScheme)]),
                    (SKOS_TERM.prefLabel, [n.text("pickgraph topics")]),
                    (DCTERMS_TERM.conformsTo, [n.iri(ONTOLOGY)]), (PROV_TERM.wasGeneratedBy, [build])]
    if top:
        scheme_pairs.append((SKOS_TERM.hasTopConcept, top))
    build_pairs = [(RDF_TERM.type, [n.iri(PROV_TERM.Activity)]), (RDFS_TERM.label, [n.lit("pickgraph build")]),
                   (PROV_TERM.wasAssociatedWith, [agent])]
    if shas:
        build_pairs.append((PROV_TERM.used, [n.document(s) for s in shas]))
    return [(scheme, scheme_pairs), (build, build_pairs),
            (agent, [(RDF_TERM.type, [n.iri(PROV_TERM.SoftwareAgent)]), (RDFS_TERM.label, [n.lit("pickgraph")]),
                     (OWL_TERM.versionInfo, [n.lit(version)])])]


# --------------------------------------------------------------- a graph --

def alias_labels(identity: Any) -> dict[str, list[str]]:
    """``{slug: [name, …]}``: the names a topic answers to that no page spelt as its label.

    A merged slug (``kafka`` into ``apache-kafka`` by the alias file, a plural
    into its singular) finds its topic in ``show``; stored as ``skos:altLabel``,
    a SKOS tool finds it too.
    """
    if identity is None:
        return {}
    spelt: dict[str, set[str]] = {}
    out: dict[str, list[str]] = {}
    for s, c in sorted(identity.canon.items()):
        if s == c:
            continue
        if c not in spelt:
            spelt[c] = {slugify(x) for x in identity.labels.get(c, ())}
        if s not in spelt[c]:
            out.setdefault(c, []).append(label_from_slug(s))
    return out


def graph_topics(G: nx.MultiDiGraph) -> list[tuple[str, str, list[str]]]:
    """``(slug, name, labels and aliases)`` of every topic of ``G``, by slug."""
    aliases = alias_labels(G.graph.get("identity"))
    return [(s, d["name"], list(d.get("labels", ())) + aliases.get(s, [])) for s, d in sorted(G.nodes(data=True))]


def graph_picks(G: nx.MultiDiGraph) -> dict[str, str | None]:
    """``{document sha: pick}``: each comparison's pick as the graph holds it (the graph is what is exported)."""
    return {d["doc"]: d["pick"] for _, _, d in G.edges(data=True) if d["kind"] == VERSUS}


def topics_groups(topics: Iterable[tuple[str, str, Iterable[str]]], doc_shas: Iterable[str], n: Any) -> list[Group]:
    """The topics graph: the scheme and the build, then each topic (``(slug, name, labels)``, in order)."""
    topics = list(topics)
    scheme = n.iri(scheme_iri(n.base))
    return build_statements([s for s, _, _ in topics], doc_shas, n) + [
        topic_statements(s, name, labels, n, scheme) for s, name, labels in topics]


def quads(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE) -> list[Quad]:
    """Every statement of ``G`` as a sorted, duplicate-free list of quads."""
    n = IRIs(check_base(base_iri))
    ident = G.graph.get("identity")
    canon = ident.canonical if ident is not None else (lambda x: x)
    docs: Mapping[str, Any] = G.graph.get("documents", {})
    picks = graph_picks(G)
    out: set[Quad] = set()
    tg = topics_graph_iri(n.base)
    for s, pairs in topics_groups(graph_topics(G), docs.keys(), n):
        out.update((s, p, o, tg) for p, objs in pairs for o in objs)
    for sha, page in docs.items():
        g = n.document(sha)
        for s, pairs in document_statements(page, canon, G, n, picks.get(sha)):
            out.update((s, p, o, g) for p, objs in pairs for o in objs)
    return sorted(out, key=lambda q: (q[3], q[0], q[1], term_key(q[2])))


def term_key(o: str) -> str:
    """An object as N-Triples writes it (the sort key of every sorted syntax)."""
    if isinstance(o, Lit):
        return lit(o) + f"@{LANG}" if type(o) is Text else lit(o)
    return f"<{o}>"


def triples(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE) -> list[tuple[str, str, str]]:
    """The union of every graph: sorted, distinct ``(s, p, o)``."""
    return sorted({(s, p, o) for s, p, o, _ in quads(G, base_iri)}, key=lambda t: (t[0], t[1], term_key(t[2])))


__all__ = [
    "DEFAULT_BASE", "BadIRI", "Lit", "Text", "IRIs", "Group", "Quad",
    "PG_TERM", "SKOS_TERM", "PROV_TERM", "RDF_TERM", "RDFS_TERM", "DCTERMS_TERM", "OWL_TERM",
    "quads", "triples", "document_statements", "topic_statements", "build_statements", "topics_groups",
    "graph_topics", "graph_picks", "alias_labels", "input_fingerprint", "check_base", "check_iri", "topic_iri",
    "scheme_iri", "topics_graph_iri", "build_iri", "agent_iri",
    "term_key", "lit", "FROM_PAGE",
]
