"""The block-by-block Turtle and GraphML writers say exactly what the reference statements say."""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox
import pytest

from graph.rdf import mapping as rdf
from graph.rdf import syntaxes
from graph.rdf import turtle
from graph.export import graphml
from graph.evaluate.generate import generate, write
from graph.build.pipeline import build
from graph.read.render import render_comparison, render_topic_page
from conftest import DATA
from test_rdf import tricky_pages


def _ref(G, base=rdf.DEFAULT_BASE) -> set[tuple[str, str, tuple[str, str]]]:
    return {(s, p, ("L", str(o)) if isinstance(o, rdf.Lit) else ("I", o)) for s, p, o in rdf.triples(G, base)}


def _parsed(text: str) -> set[tuple[str, str, tuple[str, str]]]:
    out = set()
    for q in ox.parse(text, format=ox.RdfFormat.TURTLE):
        o = q.object
        out.add((q.subject.value, q.predicate.value, ("L", o.value) if isinstance(o, ox.Literal) else ("I", o.value)))
    return out


def edge_case_pages() -> dict[str, str]:
    """Two names of one topic compared with each other, plurals merged, a topic page with aliases and links."""
    return {
        "same.txt": render_comparison("Canary Deployment", "Canary Deployments", "Canary Deployment",
                                      related={"Canary Deployment": ["rolling-update"]}),
        "pair.txt": render_comparison("Canary Deployments", "Rolling Update", "Rolling Update",
                                      descriptions={"Rolling Update": "Replace instances a few at a time"},
                                      related={"Canary Deployments": ["rolling-update", "canary-deployment"],
                                               "Rolling Update": ["blue-green-deployment"]}),
        "nopick.txt": render_comparison("Blue Green Deployment", "Rolling Update", None),
        "topic.txt": render_topic_page("Canary Deployment", "Send a little traffic to the new version first.",
                                       kind="technique", aliases=["Canary Release"],
                                       related_tools=["Argo Rollouts", "Canary Deployment"],
                                       alternatives=["Rolling Update"]),
    }


@pytest.fixture(params=["tiny", "tricky", "edge", "generated", "seeds", "data"])
def corpus(request, make_corpus, tiny_corpus, tmp_path):
    if request.param == "tiny":
        return [tiny_corpus]
    if request.param == "tricky":
        return [make_corpus(tricky_pages(), "tricky")]
    if request.param == "edge":
        return [make_corpus(edge_case_pages(), "edge")]
    if request.param == "generated":
        return [write(generate(n_docs=150, n_topics=40, seed=3), tmp_path / "gen")]
    if request.param == "seeds":
        return [request.getfixturevalue("seeds_dir")]
    return [DATA]


def test_turtle_blocks_state_the_reference_triples(corpus):
    G, _ = build(corpus)
    ref = _ref(G)
    got = _parsed(syntaxes.serialize(G, "turtle").decode())
    assert got == ref and len(ref) > 20


def test_turtle_blocks_under_another_base(tiny_graph):
    base = "https://example.org/kg#"
    got = _parsed(syntaxes.serialize(tiny_graph, "turtle", base_iri=base).decode())
    assert got == _ref(tiny_graph, base)
    assert all(s.startswith(("https://example.org/kg#", "https://w3id.org/pickgraph/ns#")) for s, _, _ in got
               if "pickgraph" in s or "example" in s)


def test_a_page_comparing_a_topic_with_itself_is_only_a_document(make_corpus):
    G, _ = build([make_corpus(edge_case_pages(), "edge")])
    page = next(p for p in G.graph["documents"].values() if p.path.endswith("same.txt"))
    block = turtle.document_block(page, G.graph["identity"].canonical, G)
    assert block == (f"document:{page.sha256}\n"
                     "    a pg:Document, pg:ComparisonPage ;\n"
                     '    pg:fileName "same.txt" ;\n'
                     f'    pg:sha256 "{page.sha256}" ;\n'
                     '    pg:title "Canary Deployment vs Canary Deployments" .\n')


def test_odd_slugs_are_written_as_full_iris():
    section = turtle.topics_section([("c++", "C++", ["C++", "cpp"])], [])
    assert "\n<https://w3id.org/pickgraph/topic/c++>\n    a pg:Topic" in section
    assert _parsed(turtle.prefixes() + section)  # parses


def test_literals_escape_only_what_they_must():
    assert turtle.lit("plain é") == '"plain é"'
    assert turtle.lit('a "b" \\ c\n\x01') == '"a \\"b\\" \\\\ c\\n\\u0001"'


# ---------------------------------------------------------------- GraphML --

def test_graphml_reads_back_with_every_attribute(tiny_graph, tmp_path):
    import json

    target = tmp_path / "g.graphml"
    graphml.write_graphml(tiny_graph, target)
    H = nx.read_graphml(target, force_multigraph=True)
    assert sorted(H.nodes) == sorted(tiny_graph.nodes)
    for n, d in tiny_graph.nodes(data=True):
        h = H.nodes[n]
        assert h["name"] == d["name"] and json.loads(h["labels"]) == d["labels"]
        assert h["documents"] == len(d["documents"])
        assert h.get("definition", "") == d["definition"] and h.get("kind", "") == d["kind"]
    docs = tiny_graph.graph["documents"]
    want = sorted((u, v, f"{k}:{u}:{v}", d["kind"], d["doc"], docs[d["doc"]].path,
                   d.get("pick") or "" if d["kind"] == "versus" else None)
                  for u, v, k, d in tiny_graph.edges(keys=True, data=True))
    got = sorted((u, v, k, d["kind"], d["doc"], d["source"], d.get("pick") if d["kind"] == "versus" else None)
                 for u, v, k, d in H.edges(keys=True, data=True))
    assert got == want


def test_graphml_escapes_markup_and_drops_what_xml_cannot_hold(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node('a"<&>', name='Say "<&>"\x01', labels=["x\ty", 'a " | b'], documents=["s"])
    G.add_node("b", name="B", labels=["B"], documents=[])
    G.add_edge('a"<&>', "b", key="versus:s", kind="versus", doc="s", pick=None, title="A & B")
    target = tmp_path / "g.graphml"
    graphml.write_graphml(G, target)
    H = nx.read_graphml(target, force_multigraph=True)
    assert H.nodes['a"<&>']["name"] == 'Say "<&>"\ufffd' and H.nodes['a"<&>']["labels"] == '["x\\ty", "a \\" | b"]'
    (_, _, d), = H.edges(data=True)
    assert d == {"kind": "versus", "doc": "s", "source": "", "pick": "", "title": "A & B"}


def test_graphml_is_the_same_bytes_whatever_the_file_order(make_corpus, tmp_path):
    pages = tricky_pages()
    a = build([make_corpus(pages, "one")])[0]
    b = build([make_corpus(dict(reversed(list(pages.items()))), "two")])[0]
    graphml.write_graphml(a, tmp_path / "a.graphml")
    graphml.write_graphml(b, tmp_path / "b.graphml")
    # the source column names each folder; everything else is equal byte for byte
    ta = (tmp_path / "a.graphml").read_text().replace("/one/", "/X/")
    tb = (tmp_path / "b.graphml").read_text().replace("/two/", "/X/")
    assert ta == tb


def test_trig_blocks_state_the_reference_quads(corpus):
    G, _ = build(corpus)
    ref = {(s, p, ("L", str(o)) if isinstance(o, rdf.Lit) else ("I", o), g) for s, p, o, g in rdf.quads(G)}
    got = set()
    for q in ox.parse(syntaxes.serialize(G, "trig"), format=ox.RdfFormat.TRIG):
        o = q.object
        got.add((q.subject.value, q.predicate.value,
                 ("L", o.value) if isinstance(o, ox.Literal) else ("I", o.value), q.graph_name.value))
    assert got == ref and len({g for *_, g in ref}) > 2
