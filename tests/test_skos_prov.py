"""SKOS and PROV as their tools read them: skos:related without inference, a SKOS checker, the build's provenance."""

from __future__ import annotations

import hashlib
import logging

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from graph.export.registry import DEFAULT_FORMATS, FORMATS, export
from graph.build.pipeline import build
from graph.rdf import mapping as rdf
from graph.rdf import syntaxes
from graph.rdf.vocab import DCTERMS, ONTOLOGY, OWL, PG, PROV, RDF, RDFS, SKOS, ontology_text
from graph import __version__
from conftest import render_topic_page

B = rdf.DEFAULT_BASE
T = rdf.topic_iri
RELATED_QUERY = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?a ?b { ?a skos:related ?b }"

#: the tiny corpus's "Related to:" lines, as unordered pairs (see conftest.tiny_pages)
TINY_RELATED = {("alpha", "shared"), ("alpha", "beta"), ("beta", "common"), ("gamma", "shared"), ("gamma", "common"),
                ("delta", "rare"), ("xeno", "island"), ("yotta", "island"), ("pi", "common"), ("qubit", "common")}
TINY_PAIRS = {(T(a), T(b)) for a, b in TINY_RELATED} | {(T(b), T(a)) for a, b in TINY_RELATED}


# ------------------------------------------------------------ skos:related --

def test_skos_related_on_rdflib_without_inference(tiny_graph):
    g = rdflib.Graph().parse(data=syntaxes.serialize(tiny_graph, "turtle"), format="turtle")
    got = {(str(r.a), str(r.b)) for r in g.query(RELATED_QUERY)}
    assert got == TINY_PAIRS and len(got) == 20


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_skos_related_on_oxigraph_without_inference(tiny_graph, fmt):
    store = ox.Store()
    fmt_ox = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[fmt]
    store.load(syntaxes.serialize(tiny_graph, fmt), format=fmt_ox)
    # the union of the named graphs, as the store's users query it
    got = {(r["a"].value, r["b"].value) for r in store.query(RELATED_QUERY, use_default_graph_as_union=True)}
    assert got == TINY_PAIRS


def test_pg_related_keeps_the_page_direction(tiny_graph):
    ts = rdf.triples(tiny_graph)
    assert {(s, o) for s, p, o in ts if p == str(PG.relatedTo)} >= {(T("alpha"), T("shared")), (T("beta"), T("common"))}
    assert (T("shared"), str(PG.relatedTo), T("alpha")) not in ts
    assert (T("shared"), str(SKOS.related), T("alpha")) in ts


# ----------------------------------------------------------- SKOS checker --

def skos_problems(g: rdflib.Graph, caplog) -> list[str]:
    """What skosify's checks (S13, S14, S27, cycles, redundancy, loose concepts) say of ``g``."""
    from skosify import check
    from skosify.skosify import setup_top_concepts

    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        # policy "all" (log only) is refused by skosify 2.3.0 itself; "shortest" logs the same warning
        check.preflabel_uniqueness(g, "shortest")
        check.label_overlap(g, fix=False)
        check.hierarchy_cycles(g, fix=False)
        check.disjoint_relations(g, fix=False)
        check.hierarchical_redundancy(g, fix=False)
        setup_top_concepts(g, mark_top_concepts=False)  # logs each loose concept
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING or "loose" in r.getMessage()]


def reference_problems(g: rdflib.Graph) -> list[str]:
    """The SKOS reference's integrity conditions our data could break, checked directly."""
    out = []
    for c in g.subjects(RDF.type, SKOS.Concept):
        prefs = list(g.objects(c, SKOS.prefLabel))
        langs = [p.language for p in prefs]
        if len(langs) != len(set(langs)):  # S14
            out.append(f"{c}: two prefLabels in one language")
        if set(prefs) & set(g.objects(c, SKOS.altLabel)):  # S13
            out.append(f"{c}: a label both preferred and alternative")
        if not all(isinstance(x, rdflib.Literal) and x.language == "en"
                   for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.definition) for x in g.objects(c, p)):
            out.append(f"{c}: a label or definition without its language")
        if (c, SKOS.related, c) in g:
            out.append(f"{c}: related to itself")
        if not set(g.objects(c, SKOS.topConceptOf)) & set(g.subjects(RDF.type, SKOS.ConceptScheme)):
            out.append(f"{c}: a loose concept")
    for a, b in g.subject_objects(SKOS.related):
        if (b, SKOS.related, a) not in g:
            out.append(f"{a} related to {b}, not back")
    return out


def test_skos_checker_finds_no_problem(data_graph, caplog):
    g = syntaxes.to_rdflib(data_graph)
    assert reference_problems(g) == []
    assert skos_problems(g, caplog) == []
    assert len(set(g.subjects(RDF.type, SKOS.Concept))) == data_graph.number_of_nodes() > 200


def test_skos_checker_fails_on_a_broken_export(tiny_graph, caplog):
    """The checks above can fail: a second English prefLabel, a label both preferred and alternative, a loose concept."""
    g = syntaxes.to_rdflib(tiny_graph)
    alpha, beta = rdflib.URIRef(T("alpha")), rdflib.URIRef(T("beta"))
    g.add((alpha, SKOS.prefLabel, rdflib.Literal("Alpha again", lang="en")))
    g.add((beta, SKOS.altLabel, rdflib.Literal("Beta", lang="en")))
    g.remove((beta, SKOS.topConceptOf, None))
    g.remove((None, SKOS.hasTopConcept, beta))
    reference = sorted(reference_problems(g))
    problems = skos_problems(g, caplog)  # skosify moves the second prefLabel to altLabel: check ours first
    assert any("more than one prefLabel@en" in p and "alpha" in p for p in problems), problems
    assert any("loose concept" in p and "beta" in p for p in problems), problems
    assert reference == [f"{T('alpha')}: two prefLabels in one language",
                                             f"{T('beta')}: a label both preferred and alternative",
                                             f"{T('beta')}: a loose concept"]


def test_aliases_are_alternative_labels(data_graph):
    """`show kafka` finds Apache Kafka through the alias file; a SKOS tool finds it by skos:altLabel."""
    ts = set(rdf.triples(data_graph))
    assert (T("apache-kafka"), str(SKOS.altLabel), "Kafka") in ts
    assert (T("apache-kafka"), str(SKOS.prefLabel), "Apache Kafka") in ts
    lit = next(o for s, p, o in ts if s == T("apache-kafka") and p == str(SKOS.altLabel))
    assert type(lit) is rdf.Text


def test_definitions_only_from_topic_pages_and_advice_apart(make_corpus):
    from conftest import render_comparison

    G, _ = build([make_corpus({
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha", descriptions={"Alpha": "Developers should use Alpha when fast"}),
        "a.txt": render_topic_page("Alpha", "Alpha is a thing that does one job.")})])
    got = {(p, str(o), type(o).__name__) for s, p, o in rdf.triples(G) if s == T("alpha") and isinstance(o, rdf.Lit)}
    assert (str(SKOS.definition), "Alpha is a thing that does one job.", "Text") in got
    assert (str(PG.useWhen), "Developers should use Alpha when fast", "Text") in got
    assert not any(p == str(SKOS.definition) and "Developers" in o for p, o, _ in got)


# ------------------------------------------------------------------- PROV --

def test_the_build_is_a_prov_activity_named_by_its_inputs(tiny_graph):
    docs = sorted(tiny_graph.graph["documents"])
    fp = hashlib.sha256("\n".join(docs).encode()).hexdigest()
    build_iri, agent = f"{B}build/{fp}", f"{B}software/pickgraph/{__version__}"
    ts = set(rdf.triples(tiny_graph))
    about_build = {(p, o) for s, p, o in ts if s == build_iri}
    assert about_build == {(str(RDF.type), str(PROV.Activity)), (str(RDFS.label), "pickgraph build"),
                           (str(PROV.wasAssociatedWith), agent)} | {(str(PROV.used), rdf.IRIs().document(d)) for d in docs}
    assert {(p, o) for s, p, o in ts if s == agent} == {
        (str(RDF.type), str(PROV.SoftwareAgent)), (str(RDFS.label), "pickgraph"), (str(OWL.versionInfo), __version__)}
    scheme = rdf.scheme_iri()
    assert (scheme, str(PROV.wasGeneratedBy), build_iri) in ts
    assert (scheme, str(DCTERMS.conformsTo), ONTOLOGY) in ts


def test_the_build_iri_changes_with_the_inputs_only(make_corpus):
    from conftest import tiny_pages

    pages = tiny_pages()
    a = build([make_corpus(pages, "a")])[0]
    b = build([make_corpus(dict(reversed(list(pages.items()))), "b")])[0]
    c = build([make_corpus({k: v for k, v in pages.items() if k != "xy.txt"}, "c")])[0]

    def activity(G):
        return {s for s, p, o in rdf.triples(G) if p == str(RDF.type) and o == str(PROV.Activity)}

    assert activity(a) == activity(b) and len(activity(a)) == 1
    assert activity(c) != activity(a)


def test_the_ontology_is_written_beside_the_data_by_default(tiny_graph, tmp_path):
    assert "ontology" in DEFAULT_FORMATS and FORMATS["ontology"].file == "pickgraph-ontology.ttl"
    path = export(tiny_graph, "ontology", out_dir=tmp_path)
    assert path.read_text() == ontology_text()
    onto = rdflib.Graph().parse(path, format="turtle")
    assert (rdflib.URIRef(ONTOLOGY), RDF.type, OWL.Ontology) in onto
    assert (PG.useWhen, RDF.type, OWL.DatatypeProperty) in onto


def test_the_stream_build_states_the_same_provenance_and_labels(data_graph, tmp_path):
    """The streaming build writes its topics graph from other data (no graph in memory): the same statements."""
    from graph.build import stream
    from conftest import DATA

    stream.stream_build([DATA], tmp_path / "s", formats=["turtle"], jobs=1)
    got = rdflib.Graph().parse(tmp_path / "s" / "pickgraph.ttl", format="turtle")
    assert isomorphic(got, syntaxes.to_rdflib(data_graph))


def test_shapes_catch_broken_skos_and_provenance(tiny_graph):
    """The new shapes fail where they should: a one-way skos:related, a document the build did not use,
    an untagged label, a build without its software."""
    import pyshacl

    from graph.rdf.vocab import shapes_text

    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    g = syntaxes.to_rdflib(tiny_graph)
    assert pyshacl.validate(g, shacl_graph=shapes)[0]
    alpha, shared = rdflib.URIRef(T("alpha")), rdflib.URIRef(T("shared"))
    g.remove((shared, SKOS.related, alpha))
    doc = next(g.subjects(RDF.type, PG.Document))
    g.remove((None, PROV.used, doc))
    g.remove((alpha, SKOS.prefLabel, None))
    g.add((alpha, SKOS.prefLabel, rdflib.Literal("Alpha")))
    g.remove((None, PROV.wasAssociatedWith, None))
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes)
    assert not conforms
    assert "skos:related is symmetric" in text
    assert f"document {doc} is not among what the build used" in text
    assert "exactly one display name (skos:prefLabel, in English)" in text
    assert "a build names the software that ran it" in text
