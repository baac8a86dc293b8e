"""The ``pg:`` vocabulary as an rdflib namespace that refuses misspelt terms.

The terms are those of ``graph/rdf/ontology.ttl`` (the public contract);
``tests/test_vocab.py`` checks that the two list exactly the same terms.

>>> PG.Comparison
rdflib.term.URIRef('https://w3id.org/pickgraph/ns#Comparison')
>>> PG.comparedTopics
Traceback (most recent call last):
...
AttributeError: term 'comparedTopics' not in namespace 'https://w3id.org/pickgraph/ns#'
"""

from __future__ import annotations

from importlib import resources

from rdflib import namespace as _ns
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, Namespace
from rdflib.term import URIRef

# the IRIs as plain strings, which `pickgraph sparql` reads without rdflib
from graph.rdf.iris import LANG, NS, ONTOLOGY, PREFIXES, XSD_NS

# Only namespaces that raise on unknown names are module globals: pytest's
# doctest collector probes every global for attributes, and the lenient ones
# (XSD, the DefinedNamespace base) would warn about each probe.


class PG(_ns.DefinedNamespace):
    """``https://w3id.org/pickgraph/ns#`` — see ``graph/rdf/ontology.ttl`` for each term's meaning."""

    _NS = Namespace(NS)
    _fail = True

    # classes
    Topic: URIRef
    Comparison: URIRef
    Card: URIRef
    Document: URIRef
    ComparisonPage: URIRef
    TopicPage: URIRef
    # comparison (n-ary relation)
    comparedTopic: URIRef
    pick: URIRef
    hasCard: URIRef
    bottomLine: URIRef
    # cards
    topic: URIRef
    nameOnPage: URIRef
    description: URIRef
    pro: URIRef
    con: URIRef
    useIf: URIRef
    useWhen: URIRef
    listsRelated: URIRef
    # shortcuts between topics
    comparedWith: URIRef
    preferredOver: URIRef
    relatedTo: URIRef
    alternativeTo: URIRef
    mentionedIn: URIRef
    kind: URIRef
    # documents
    sha256: URIRef
    fileName: URIRef
    title: URIRef
    about: URIRef


class Terms:
    """The terms of one namespace as plain ``str`` attributes: what the mapping uses on its hot path.

    Reading an attribute of an rdflib namespace class costs a method call and a
    check; this object answers from its ``__dict__`` and still raises
    ``AttributeError`` on a misspelt term, because only declared terms are set.

    >>> P = Terms(PG)
    >>> P.pick
    'https://w3id.org/pickgraph/ns#pick'
    >>> P.pik
    Traceback (most recent call last):
    ...
    AttributeError: 'Terms' object has no attribute 'pik'
    """

    def __init__(self, namespace: type[_ns.DefinedNamespace]):
        for name in namespace.__annotations__:
            if not name.startswith("_"):
                setattr(self, name, str(namespace[name]))


def terms() -> list[str]:
    """The local names of every ``pg:`` term, sorted.

    >>> "preferredOver" in terms()
    True
    """
    return sorted(k for k in PG.__annotations__ if not k.startswith("_"))


def ontology_text() -> str:
    """The Turtle text of the shipped ontology."""
    return resources.files("graph.rdf").joinpath("ontology.ttl").read_text(encoding="utf-8")


def shapes_text() -> str:
    """The Turtle text of the shipped SHACL shapes."""
    return resources.files("graph.rdf").joinpath("shapes.ttl").read_text(encoding="utf-8")


__all__ = ["PG", "NS", "ONTOLOGY", "LANG", "PREFIXES", "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD_NS",
           "Terms", "terms", "ontology_text", "shapes_text"]
