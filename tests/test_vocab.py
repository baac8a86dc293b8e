"""The pg: vocabulary: graph/rdf/vocab.py, the ontology, the shapes, the exports and the queries use the same terms."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from graph.sparql import run as sparql
from graph.rdf import mapping as rdf
from graph.rdf import syntaxes
from graph.rdf.vocab import NS, PG, PREFIXES, ontology_text, shapes_text, terms


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(data=ontology_text(), format="turtle")


def ontology_terms(g: rdflib.Graph) -> set[str]:
    return {str(s)[len(NS):] for s in g.subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(NS)}


def test_every_ontology_term_is_in_the_class_and_vice_versa(ontology):
    assert ontology_terms(ontology) == set(terms())
    assert len(terms()) == 28


def test_every_term_is_declared_labelled_and_explained(ontology):
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    for name in terms():
        iri = PG[name]
        assert set(ontology.objects(iri, rdflib.RDF.type)) & kinds, name
        assert ontology.value(iri, rdflib.RDFS.label), name
        assert len(str(ontology.value(iri, rdflib.RDFS.comment) or "")) > 10, name


def test_object_and_datatype_properties_match_the_jsonld_context(ontology):
    ctx = syntaxes.jsonld_context()
    for term, definition in ctx.items():
        if isinstance(definition, dict) and definition["@id"].startswith(NS):
            kind = OWL.ObjectProperty if definition.get("@type") == "@id" else OWL.DatatypeProperty
            assert (PG[term], rdflib.RDF.type, kind) in ontology, term


def test_misspelt_term_fails():
    assert str(PG.preferredOver) == "https://w3id.org/pickgraph/ns#preferredOver"
    with pytest.raises(AttributeError):
        PG.prefferedOver  # noqa: B018
    with pytest.raises(AttributeError):
        PG["comparedTopics"]


def test_topic_is_a_skos_concept(ontology):
    assert (PG.Topic, rdflib.RDFS.subClassOf, rdflib.SKOS.Concept) in ontology
    assert (PG.relatedTo, rdflib.RDFS.subPropertyOf, rdflib.SKOS.related) in ontology


def test_exports_use_only_vocabulary_terms(data_graph):
    used = set()
    for s, p, o, g in rdf.quads(data_graph):
        for iri in (p, o):
            if not isinstance(iri, rdf.Lit) and iri.startswith(NS):
                used.add(iri[len(NS):])
    assert used <= set(terms())
    assert used >= {"Topic", "Comparison", "Card", "Document", "comparedTopic", "pick", "preferredOver",
                    "comparedWith", "relatedTo", "alternativeTo", "sha256", "fileName", "title"}


def _pg_names(text: str) -> set[str]:
    return set(re.findall(r"\bpg:([A-Za-z][A-Za-z0-9]*)", text))


def test_shapes_and_queries_use_only_vocabulary_terms():
    assert _pg_names(shapes_text()) <= set(terms())
    for name, text in sparql.bundled_queries().items():
        assert _pg_names(text) <= set(terms()), name
        assert f"PREFIX pg:   <{NS}>" in text, name  # each file pastes into any store as it is


def test_prefixes_are_the_w3c_namespaces():
    assert PREFIXES["skos"] == "http://www.w3.org/2004/02/skos/core#"
    assert PREFIXES["prov"] == "http://www.w3.org/ns/prov#"
    assert PREFIXES["pg"] == NS == "https://w3id.org/pickgraph/ns#"


def test_plain_prefixes_are_rdflibs_namespaces():
    # graph.rdf.iris spells them as strings so that `pickgraph sparql` needs no rdflib: each must be rdflib's own
    # (XSD read off the module: a lenient namespace as a global makes pytest's collector warn)
    assert PREFIXES == {"pg": NS, "dcterms": str(DCTERMS), "owl": str(OWL), "prov": str(PROV), "rdf": str(RDF),
                        "rdfs": str(RDFS), "skos": str(SKOS), "xsd": str(rdflib.namespace.XSD)}
