"""RDF export: exact triples on hand-made pages, round trips, determinism, SHACL, atomic writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from graph.rdf import mapping as rdf
from graph.rdf import syntaxes
from graph.export.registry import FORMATS, export
from graph.errors import PickgraphError
from graph.build.pipeline import build
from graph.read.render import render_comparison, render_topic_page
from graph.rdf.vocab import DCTERMS, OWL, PG, PROV, RDF, SKOS, shapes_text

ROOT = Path(__file__).resolve().parent.parent
B = rdf.DEFAULT_BASE
T = rdf.topic_iri

RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml", "trig": "trig",
                 "nquads": "nquads"}
OX_FORMAT = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
             "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
DATASET_FORMATS = ("trig", "nquads")

QUOTED = 'Say "Hi" Lang'
BACKSLASH = "Back\\slash DB"
ACCENTED = "Crème Brûlée Café"


def tricky_pages() -> dict[str, str]:
    """Names with quotes, backslashes and non-ASCII; descriptions and pros with markup and escapes."""
    return {
        "q.txt": render_comparison(
            QUOTED, BACKSLASH, BACKSLASH,
            descriptions={QUOTED: 'Use <b>it</b> & "quote" it when \\n is literal',
                          BACKSLASH: "Developers should pick it when paths look like C:\\temp\\x"},
            pros={QUOTED: ["Handles <script>alert(1)</script> & ünïcödé “smart quotes” safely"]},
            cons={BACKSLASH: ['Costs {braces} and \\u0041 escapes in "strings" often']},
            related={QUOTED: ["shared-thing"], BACKSLASH: ["creme-brulee-cafe"]}),
        "c.txt": render_comparison(
            ACCENTED, QUOTED, ACCENTED, compact=True,
            descriptions={ACCENTED: "Développeurs: choose it for <em>crisp</em> tops — 焦糖 & ‘quotes’"},
            related={ACCENTED: ["shared-thing"], QUOTED: ["shared-thing"]}),
        "t.txt": render_topic_page("Shared Thing", 'A thing with a "definition" & <markup>', kind="concept",
                                   alternatives=["Other Thing"]),
    }


@pytest.fixture
def tricky_graph(make_corpus):
    G, report = build([make_corpus(tricky_pages(), "tricky")])
    assert not report.rejections
    return G


def parse_rdflib(data: bytes, fmt: str) -> rdflib.Graph:
    """The union graph of an export, read back by rdflib."""
    if fmt in DATASET_FORMATS:
        ds = rdflib.Dataset()
        ds.parse(data=data, format=RDFLIB_FORMAT[fmt])
        g = rdflib.Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return rdflib.Graph().parse(data=data, format=RDFLIB_FORMAT[fmt])


def parse_oxigraph(data: bytes, fmt: str) -> rdflib.Graph:
    """The union graph of an export, read back by pyoxigraph (converted to rdflib for comparison)."""
    g = rdflib.Graph()
    for q in ox.parse(data, format=OX_FORMAT[fmt]):
        s, p, o = q.subject, q.predicate, q.object
        assert isinstance(s, ox.NamedNode) and isinstance(o, (ox.NamedNode, ox.Literal)), "no blank nodes"
        obj = rdflib.URIRef(o.value) if isinstance(o, ox.NamedNode) else rdflib.Literal(o.value, lang=o.language)
        g.add((rdflib.URIRef(s.value), rdflib.URIRef(p.value), obj))
    return g


def quads_of(data: bytes, fmt: str) -> set[tuple[str, str, str, str]]:
    return {(q.subject.value, q.predicate.value, q.object.value, q.graph_name.value)
            for q in ox.parse(data, format=OX_FORMAT[fmt])}


# ------------------------------------------------------- exact triples --

def test_tiny_comparison_triples(tiny_graph):
    """Alpha vs Beta (Alpha picked): the n-ary comparison, its cards and the shortcuts, exactly."""
    G = tiny_graph
    sha = next(d["doc"] for u, v, d in G.edges(data=True) if d["kind"] == "versus" and (u, v) == ("alpha", "beta"))
    c, doc = rdf.IRIs().comparison(sha), rdf.IRIs().document(sha)
    got = {(s, p, o) for s, p, o, g in rdf.quads(G) if g == doc and s == c}
    assert got == {
        (c, str(RDF.type), str(PG.Comparison)),
        (c, str(rdflib.RDFS.label), "Alpha vs Beta"),
        (c, str(PROV.wasDerivedFrom), doc),
        (c, str(PG.comparedTopic), T("alpha")),
        (c, str(PG.comparedTopic), T("beta")),
        (c, str(PG.pick), T("alpha")),
        (c, str(PG.bottomLine), "Alpha wins"),
        (c, str(PG.hasCard), f"{B}comparison/{sha}/card/alpha"),
        (c, str(PG.hasCard), f"{B}comparison/{sha}/card/beta"),
    }
    shortcuts = {(s, p, o) for s, p, o, g in rdf.quads(G) if g == doc and s.startswith(f"{B}topic/")}
    assert (T("alpha"), str(PG.preferredOver), T("beta")) in shortcuts
    assert (T("beta"), str(PG.preferredOver), T("alpha")) not in shortcuts
    assert {(T("alpha"), str(PG.comparedWith), T("beta")), (T("beta"), str(PG.comparedWith), T("alpha"))} <= shortcuts
    # related-to keeps the page's direction: Alpha lists shared and beta; Beta lists common
    related = {(s, o) for s, p, o in shortcuts if p == str(PG.relatedTo)}
    assert related == {(T("alpha"), T("shared")), (T("alpha"), T("beta")), (T("beta"), T("common"))}


def test_card_carries_pros_use_if_and_provenance(tiny_graph):
    G = tiny_graph
    sha = next(d["doc"] for u, v, d in G.edges(data=True) if d["kind"] == "versus" and (u, v) == ("alpha", "beta"))
    card = f"{B}comparison/{sha}/card/alpha"
    got = {(p, str(o)) for s, p, o in rdf.triples(G) if s == card}
    assert got == {
        (str(RDF.type), str(PG.Card)),
        (str(PG.topic), T("alpha")),
        (str(PG.nameOnPage), "Alpha"),
        (str(PROV.wasDerivedFrom), rdf.IRIs().document(sha)),
        (str(PG.description), "Developers should choose Alpha when its strengths match the project"),
        (str(PG.pro), "Alpha has a clear strength for its main use case"),
        (str(PG.useIf), "You want alpha has a clear strength for its main use case and can live with "
                        "specific tradeoffs depend on your use case."),
        (str(PG.listsRelated), T("shared")),
        (str(PG.listsRelated), T("beta")),
    }  # the placeholder con is no information: no pg:con


def test_topics_are_skos_concepts_in_one_scheme(tiny_graph):
    ts = rdf.triples(tiny_graph)
    alpha = {(p, str(o)) for s, p, o in ts if s == T("alpha")}
    assert {(str(RDF.type), str(PG.Topic)), (str(RDF.type), str(SKOS.Concept)),
            (str(SKOS.inScheme), rdf.scheme_iri()), (str(SKOS.prefLabel), "Alpha"),
            (str(SKOS.notation), "alpha")} <= alpha
    schemes = {o for _, p, o in ts if p == str(SKOS.inScheme)}
    assert schemes == {rdf.scheme_iri()}
    assert {s for s, p, o in ts if p == str(RDF.type) and o == str(PG.Topic)} == {T(n) for n in tiny_graph}


def test_topic_page_and_document_triples(tricky_graph):
    G = tricky_graph
    sha = next(s for s, p in G.graph["documents"].items() if p.path.endswith("t.txt"))
    doc = rdf.IRIs().document(sha)
    got = {(p, str(o)) for s, p, o, g in rdf.quads(G) if s == doc}
    assert got == {(str(RDF.type), str(PG.Document)), (str(RDF.type), str(PG.TopicPage)),
                   (str(PG.sha256), sha), (str(PG.fileName), "t.txt"), (str(PG.title), "Shared Thing"),
                   (str(PG.about), T("shared-thing"))}
    ts = set(rdf.triples(G))
    assert (T("shared-thing"), str(SKOS.definition), 'A thing with a "definition" & <markup>') in ts
    assert (T("shared-thing"), str(PG.alternativeTo), T("other-thing")) in ts
    assert (T("shared-thing"), str(PG.kind), "concept") in ts


def test_no_blank_nodes_and_stable_iris(data_graph):
    for s, p, o, g in rdf.quads(data_graph):
        for iri in (s, p, g) + (() if isinstance(o, rdf.Lit) else (o,)):
            assert iri.startswith(("https://", "http://")), iri
    docs = data_graph.graph["documents"]
    comparisons = {s for s, p, o in rdf.triples(data_graph) if o == str(PG.Comparison)}
    assert comparisons == {rdf.IRIs().comparison(d["doc"]) for _, _, d in data_graph.edges(data=True)
                           if d["kind"] == "versus"}
    assert all(rdf.IRIs().comparison(sha)[len(B):] == f"comparison/{sha}" for sha in docs)


def test_named_graphs_one_per_document(tricky_graph):
    G = tricky_graph
    graphs = {g for *_, g in rdf.quads(G)}
    assert graphs == {rdf.topics_graph_iri()} | {rdf.IRIs().document(s) for s in G.graph["documents"]}
    for s, p, o, g in rdf.quads(G):
        if g == rdf.topics_graph_iri():
            assert p in (str(RDF.type), str(SKOS.inScheme), str(SKOS.topConceptOf), str(SKOS.hasTopConcept),
                         str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.notation), str(rdflib.RDFS.label),
                         str(DCTERMS.conformsTo), str(PROV.wasGeneratedBy), str(PROV.used),
                         str(PROV.wasAssociatedWith), str(OWL.versionInfo)), p
        elif p == str(PROV.wasDerivedFrom):
            assert o == g  # a document's graph holds only what that document says


def test_base_iri_option(tiny_graph):
    nt = syntaxes.serialize(tiny_graph, "ntriples", base_iri="https://example.org/kg/").decode()
    assert "<https://example.org/kg/topic/alpha> " in nt
    assert "w3id.org/pickgraph/topic" not in nt
    assert "<https://w3id.org/pickgraph/ns#pick>" in nt  # the vocabulary does not move
    for bad in ("example.org/kg/", "https://example.org/kg", "https://exa mple.org/", 'https://x.org/"/'):
        with pytest.raises(rdf.BadIRI):
            syntaxes.serialize(tiny_graph, "turtle", base_iri=bad)


# --------------------------------------------------------- round trips --

@pytest.mark.parametrize("fmt", sorted(f for f in FORMATS if FORMATS[f].rdf))
def test_round_trip_data(data_graph, fmt):
    data = syntaxes.serialize(data_graph, fmt)
    expected = syntaxes.to_rdflib(data_graph)
    assert isomorphic(parse_rdflib(data, fmt), expected)
    assert isomorphic(parse_oxigraph(data, fmt), expected)
    if fmt in DATASET_FORMATS:
        assert quads_of(data, fmt) == {(s, p, str(o), g) for s, p, o, g in rdf.quads(data_graph)}


@pytest.mark.parametrize("fmt", sorted(f for f in FORMATS if FORMATS[f].rdf))
def test_round_trip_keeps_awkward_text(tricky_graph, fmt):
    G = tricky_graph
    # names come from page lines, so newlines, tabs and CR can only be tested by putting them in directly
    G.nodes["shared-thing"]["name"] = 'Line one\nline "two"\r\n\ttabbed \\ end'
    data = syntaxes.serialize(G, fmt)
    expected = syntaxes.to_rdflib(G)
    for got in (parse_rdflib(data, fmt), parse_oxigraph(data, fmt)):
        assert isomorphic(got, expected)
        labels = {str(o) for o in got.objects(None, SKOS.prefLabel)}
        assert {QUOTED, BACKSLASH, ACCENTED, 'Line one\nline "two"\r\n\ttabbed \\ end'} <= labels
        pros = {str(o) for o in got.objects(None, PG.pro)}
        assert "Handles <script>alert(1)</script> & ünïcödé “smart quotes” safely" in pros
        cons = {str(o) for o in got.objects(None, PG.con)}
        assert 'Costs {braces} and \\u0041 escapes in "strings" often' in cons


def test_turtle_literals_are_escaped_not_raw(tricky_graph):
    ttl = syntaxes.serialize(tricky_graph, "turtle").decode()
    assert r'"Say \"Hi\" Lang"' in ttl
    assert r'"Back\\slash DB"' in ttl
    assert '"Crème Brûlée Café"' in ttl  # UTF-8, not \u escapes


def test_ntriples_are_sorted_and_canonical(data_graph):
    lines = syntaxes.serialize(data_graph, "ntriples").decode().splitlines()
    assert lines == sorted(set(lines))
    assert len(lines) == len(rdf.triples(data_graph))
    nq = syntaxes.serialize(data_graph, "nquads").decode().splitlines()
    assert nq == sorted(set(nq)) and len(nq) == len(rdf.quads(data_graph))


def test_jsonld_has_small_explicit_context(tiny_graph):
    import json

    doc = json.loads(syntaxes.serialize(tiny_graph, "jsonld"))
    ctx = doc["@context"]
    assert ctx["pg"] == "https://w3id.org/pickgraph/ns#"
    assert ctx["pick"] == {"@id": "https://w3id.org/pickgraph/ns#pick", "@type": "@id"}
    assert ctx["prefLabel"] == {"@id": "http://www.w3.org/2004/02/skos/core#prefLabel", "@language": "en"}
    assert ctx["related"] == {"@id": "http://www.w3.org/2004/02/skos/core#related", "@type": "@id",
                              "@container": "@set"}
    assert not isinstance(ctx, str) and len(ctx) < 50
    alpha = next(n for n in doc["@graph"] if n["@id"] == T("alpha"))
    assert alpha["@type"] == ["pg:Topic", "skos:Concept"]
    assert alpha["prefLabel"] == "Alpha" and alpha["notation"] == "alpha"
    assert alpha["related"] == [T("beta"), T("shared")]
    assert [n["@id"] for n in doc["@graph"]] == sorted(n["@id"] for n in doc["@graph"])


def _shapes_of_keys(doc) -> dict[str, set[str]]:
    shapes: dict[str, set[str]] = {}
    for node in doc["@graph"]:
        for key, value in node.items():
            shapes.setdefault(key, set()).add(type(value).__name__)
    return shapes


def test_jsonld_keys_have_one_shape_each(data_graph, tiny_graph):
    """Every key is always a list (a "@set" term, and @type) or always one value, on every node of every file."""
    import json

    for G in (tiny_graph, data_graph):
        doc = json.loads(syntaxes.serialize(G, "jsonld"))
        shapes = _shapes_of_keys(doc)
        assert {k: s for k, s in shapes.items() if len(s) > 1} == {}
        ctx = doc["@context"]
        for key, (shape,) in shapes.items():
            if key.startswith("@"):
                assert shape == ("str" if key == "@id" else "list"), key
            else:
                assert (shape == "list") == (ctx[key].get("@container") == "@set"), key
    assert _shapes_of_keys(doc)["altLabel"] == {"list"} and _shapes_of_keys(doc)["prefLabel"] == {"str"}


def test_jsonld_context_is_written_as_a_file_and_expands_the_export_alike(tiny_graph, tmp_path):
    """The context file is the export's own context: a document that refers to it reads as the same graph."""
    import json

    path = export(tiny_graph, "jsonld-context", out_dir=tmp_path)
    assert path.name == "pickgraph.context.jsonld"
    ctx = json.loads(path.read_text())
    assert ctx == {"@context": syntaxes.jsonld_context()}
    doc = json.loads(syntaxes.serialize(tiny_graph, "jsonld"))
    swapped = json.dumps({**ctx, "@graph": doc["@graph"]})
    assert isomorphic(rdflib.Graph().parse(data=swapped, format="json-ld"), syntaxes.to_rdflib(tiny_graph))


# --------------------------------------------------------- determinism --

def _all_exports(G) -> dict[str, bytes]:
    return {fmt: syntaxes.serialize(G, fmt) for fmt in FORMATS if FORMATS[fmt].rdf}


def test_byte_identical_whatever_the_file_order(tmp_path, data_graph):
    files = sorted(p for p in (ROOT / "data").rglob("*") if p.is_file())
    copy = tmp_path / "elsewhere" / "corpus"
    for f in reversed(files):  # another folder, files created in the opposite order
        dest = copy / f.relative_to(ROOT / "data")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest)
    # every page named on the command line, last first; the corpus's alias file named explicitly
    G2, _ = build([str(p) for p in reversed(sorted(copy.rglob("*.txt")))], aliases=copy / "aliases.toml")
    assert _all_exports(G2) == _all_exports(data_graph)


def test_byte_identical_across_hash_seeds(tmp_path):
    script = (
        "import sys\n"
        "from graph.build.pipeline import build\n"
        "from graph.export.registry import export\n"
        "G, _ = build(['data'])\n"
        "for fmt in ('turtle', 'ntriples', 'jsonld', 'rdfxml', 'trig', 'nquads', 'jsonld-context', 'ontology',\n"
        "            'graphml', 'csv', 'tsv'):\n"
        "    export(G, fmt, out_dir=sys.argv[1])\n"
    )
    outs = []
    for seed in ("1", "4242", "77"):  # the communities of GraphML go through sets of strings: several seeds
        out = tmp_path / f"seed{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT, env=env, check=True)
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outs[0]) == ["pickgraph-edges.csv", "pickgraph-edges.tsv", "pickgraph-ontology.ttl",
                               "pickgraph.context.jsonld", "pickgraph.graphml", "pickgraph.jsonld", "pickgraph.nq",
                               "pickgraph.nt", "pickgraph.rdf", "pickgraph.trig", "pickgraph.ttl"]
    assert outs[0] == outs[1] == outs[2]


# --------------------------------------------------------------- SHACL --

@pytest.fixture(scope="module")
def shapes():
    return rdflib.Graph().parse(data=shapes_text(), format="turtle")


@pytest.mark.parametrize("fmt", sorted(f for f in FORMATS if FORMATS[f].rdf))
def test_every_export_of_data_validates(data_graph, shapes, fmt):
    import pyshacl

    conforms, _, text = pyshacl.validate(parse_rdflib(syntaxes.serialize(data_graph, fmt), fmt), shacl_graph=shapes)
    assert conforms, text


def test_shapes_catch_broken_comparisons(tiny_graph, shapes):
    import pyshacl

    g = syntaxes.to_rdflib(tiny_graph)
    c = next(g.subjects(RDF.type, PG.Comparison))
    picked = next(g.objects(c, PG.pick))
    other = next(t for t in g.objects(c, PG.comparedTopic) if t != picked)
    g.remove((c, PG.pick, picked))
    g.add((c, PG.pick, rdflib.URIRef(T("delta"))))  # a topic the page does not compare
    g.remove((c, PG.comparedTopic, other))  # one compared topic left
    g.remove((c, PROV.wasDerivedFrom, None))
    g.remove((rdflib.URIRef(T("gamma")), SKOS.prefLabel, None))
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes)
    assert not conforms
    assert "picks a topic it does not compare" in text
    assert "compares exactly two topics" in text
    assert "derived from exactly one document" in text
    assert "exactly one display name" in text


# --------------------------------------------------------------- writes --

@pytest.mark.parametrize("fmt", sorted(f for f in FORMATS if FORMATS[f].rdf))
def test_writers_are_registered_and_write_files(tiny_graph, tmp_path, fmt):
    path = export(tiny_graph, fmt, out_dir=tmp_path)
    assert path.name == FORMATS[fmt].file
    assert path.read_bytes() == syntaxes.serialize(tiny_graph, fmt)
    custom = tmp_path / "custom" / "x.out"
    export(tiny_graph, fmt, custom, base_iri="https://example.org/kg/")
    assert b"https://example.org/kg/topic" in custom.read_bytes()
    assert b"https://w3id.org/pickgraph/topic" not in custom.read_bytes()


def test_failed_write_leaves_the_old_file(tiny_graph, tmp_path):
    target = tmp_path / "out" / "pickgraph.rdf"
    export(tiny_graph, "rdfxml", target)
    before = target.read_bytes()
    tiny_graph.nodes["alpha"]["name"] = "Alpha\x01"  # XML 1.0 cannot hold U+0001
    with pytest.raises(PickgraphError, match="RDF/XML cannot hold"):
        export(tiny_graph, "rdfxml", target)
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["pickgraph.rdf"]  # no temporary file left behind
    # N-Triples can carry it, escaped
    export(tiny_graph, "ntriples", tmp_path / "x.nt")
    assert b'"Alpha\\u0001"' in (tmp_path / "x.nt").read_bytes()
