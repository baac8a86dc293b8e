"""GraphML and the CSV/TSV edge list as networkx, igraph and pandas read them back."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest

from graph.export.registry import export
from graph.export import graphml, edges as table

#: wins, losses, comparisons of the tiny corpus (conftest.tiny_pages): A>B, B>C, C>D, Y>X, P>Q and Q>P
TINY_RECORDS = {"alpha": (1, 0, 1), "beta": (1, 1, 2), "gamma": (1, 1, 2), "delta": (0, 1, 1), "xeno": (0, 1, 1),
                "yotta": (1, 0, 1), "pi": (1, 1, 2), "qubit": (1, 1, 2), "shared": (0, 0, 0), "common": (0, 0, 0),
                "rare": (0, 0, 0), "island": (0, 0, 0)}
NODE_ATTRS = {"name", "labels", "definition", "kind", "documents", "wins", "losses", "comparisons", "community", "x", "y"}
EDGE_ATTRS = {"kind", "doc", "source", "pick", "title"}


@pytest.fixture
def tiny_graphml(tiny_graph, tmp_path):
    return export(tiny_graph, "graphml", out_dir=tmp_path)


def test_edge_ids_are_unique(data_graph, tmp_path):
    import xml.etree.ElementTree as ET

    path = export(data_graph, "graphml", out_dir=tmp_path)
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    ids = [e.get("id") for e in ET.parse(path).getroot().iter(f"{ns}edge")]
    assert len(ids) == len(set(ids)) == data_graph.number_of_edges()
    # before, a page's related-to edges shared the id related:<sha>: the same data has such pages
    keys = [k for _, _, k in data_graph.edges(keys=True)]
    assert len(set(keys)) < len(keys)


def test_networkx_reads_the_records_communities_and_layout(tiny_graph, tiny_graphml):
    H = nx.read_graphml(tiny_graphml, force_multigraph=True)
    assert {n: (d["wins"], d["losses"], d["comparisons"]) for n, d in H.nodes(data=True)} == TINY_RECORDS
    for n, d in H.nodes(data=True):
        assert set(d) == NODE_ATTRS and json.loads(d["labels"]) == tiny_graph.nodes[n]["labels"]
        assert isinstance(d["x"], float) and isinstance(d["community"], int)
    community = {n: d["community"] for n, d in H.nodes(data=True)}
    apart = {n for n in community if community[n] == community["xeno"]}
    assert apart == {"xeno", "yotta", "island"}  # the component of its own is a community of its own
    assert len({(d["x"], d["y"]) for _, d in H.nodes(data=True)}) == 12  # no two topics on one spot


def test_the_same_stats_from_plain_data():
    """node_stats is what the streaming build calls: exact on a hand-made input."""
    stats = graphml.node_stats(["a", "b", "c", "d"], [("a", "b", "a"), ("b", "c", None), ("c", "a", "a")],
                               [("c", "d", 2)])
    assert {n: (s["wins"], s["losses"], s["comparisons"]) for n, s in stats.items()} == {
        "a": (2, 0, 2), "b": (0, 1, 2), "c": (0, 1, 2), "d": (0, 0, 0)}
    assert stats == graphml.node_stats(["d", "c", "b", "a"], [("c", "a", "a"), ("b", "c", None), ("a", "b", "a")],
                                       [("c", "d", 2)])  # the order of the input does not matter


def test_igraph_reads_every_attribute(tiny_graph, tiny_graphml):
    igraph = pytest.importorskip("igraph")
    g = igraph.Graph.Read_GraphML(str(tiny_graphml))
    H = nx.read_graphml(tiny_graphml, force_multigraph=True)
    assert g.is_directed() and g.vcount() == 12 and g.ecount() == tiny_graph.number_of_edges()
    assert set(g.vs.attributes()) == NODE_ATTRS | {"id"}
    assert set(g.es.attributes()) >= EDGE_ATTRS
    for v in g.vs:
        want = H.nodes[v["id"]]
        assert {a: v[a] for a in NODE_ATTRS} == {a: want.get(a, "") for a in NODE_ATTRS}, v["id"]
    got = sorted((g.vs[e.source]["id"], g.vs[e.target]["id"], e["kind"], e["doc"], e["source"], e["pick"], e["title"])
                 for e in g.es)
    want = sorted((u, v, d["kind"], d["doc"], d["source"], d.get("pick", ""), d.get("title", ""))
                  for u, v, d in H.edges(data=True))
    assert got == want


# ------------------------------------------------------------------ tables --

def test_edge_list_rows_are_exact(tiny_graph):
    docs = {p.path.rsplit("/", 1)[-1]: sha for sha, p in tiny_graph.graph["documents"].items()}
    rows = [r for r in table.rows(tiny_graph) if r[0] in ("xeno", f"versus:{docs['xy.txt']}:xeno:yotta")]
    src = next(p.path for p in tiny_graph.graph["documents"].values() if p.path.endswith("xy.txt"))
    vs = f"versus:{docs['xy.txt']}:xeno:yotta"
    assert rows == [("xeno", "related-to", "island", f"related:{docs['xy.txt']}:xeno:island", src),
                    ("xeno", "versus", "yotta", vs, src),
                    (vs, "pick", "yotta", f"{vs}-pick", src)]
    ids = [r[3] for r in table.rows(tiny_graph)]
    assert len(ids) == len(set(ids)) == tiny_graph.number_of_edges() + 6  # one pick row per picked comparison


def test_csv_reads_back_in_pandas_and_csv(tiny_graph, tmp_path):
    pd = pytest.importorskip("pandas")
    path = export(tiny_graph, "csv", out_dir=tmp_path)
    assert path.name == "pickgraph-edges.csv"
    want = [list(r) for r in table.rows(tiny_graph)]
    with open(path, newline="", encoding="utf-8") as fh:
        got = list(csv.reader(fh))
    assert got == [list(table.HEADER)] + want
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(df.columns) == ["node1", "label", "node2", "id", "source"]
    assert df.values.tolist() == want
    assert df[df.label == "pick"].node2.value_counts().to_dict() == {"alpha": 1, "beta": 1, "gamma": 1, "yotta": 1,
                                                                     "pi": 1, "qubit": 1}


def test_tsv_is_a_kgtk_edge_file(tiny_graph, tmp_path):
    path = export(tiny_graph, "tsv", out_dir=tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "node1\tlabel\tnode2\tid\tsource"
    cells = [line.split("\t") for line in lines[1:]]
    assert all(len(c) == 5 for c in cells)
    assert [c[:4] for c in cells] == [list(r[:4]) for r in table.rows(tiny_graph)]
    assert all(c[4].startswith('"') and c[4].endswith('"') for c in cells)  # a KGTK string
    assert table.kgtk_string('C:\\x\t"y"\n|') == '"C:\\\\x\\t\\"y\\"\\n\\|"'


def test_tables_are_the_same_bytes_whatever_the_file_order(make_corpus, tmp_path):
    from conftest import tiny_pages
    from graph.build.pipeline import build

    pages = tiny_pages()
    a = build([make_corpus(pages, "one")])[0]
    b = build([make_corpus(dict(reversed(list(pages.items()))), "two")])[0]
    for fmt in ("csv", "tsv"):
        ta = export(a, fmt, tmp_path / f"a.{fmt}").read_text().replace("/one/", "/X/")
        tb = export(b, fmt, tmp_path / f"b.{fmt}").read_text().replace("/two/", "/X/")
        assert ta == tb


def test_big_graphs_take_connected_components(tiny_graph, monkeypatch):
    """Above LOUVAIN_MAX topics the communities are the connected components: exact on the tiny corpus."""
    louvain = graphml.graph_stats(tiny_graph)
    monkeypatch.setattr(graphml, "LOUVAIN_MAX", 3)
    stats = graphml.graph_stats(tiny_graph)
    assert stats == graphml.graph_stats(tiny_graph)
    groups: dict[int, set[str]] = {}
    for n, s in stats.items():
        groups.setdefault(s["community"], set()).add(n)
    assert groups == {0: {"alpha", "beta", "gamma", "delta", "shared", "common", "rare", "pi", "qubit"},
                      1: {"xeno", "yotta", "island"}}
    assert {n: s["wins"] for n, s in stats.items()} == {n: s["wins"] for n, s in louvain.items()}
