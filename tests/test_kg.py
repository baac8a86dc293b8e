"""The graph built from small corpora: nodes, edges, provenance, duplicates, contested pairs."""

from __future__ import annotations

from graph.kg.graph import RELATED, VERSUS, contested_pairs, find_topic, pair_picks
from graph.errors import UnknownTopic
from graph.build.pipeline import build
from graph.read.render import render_comparison
from graph.query.topics import list_topics, record, topic_info

import pytest


def test_tiny_graph_exact(tiny_graph):
    G = tiny_graph
    assert sorted(G.nodes) == ["alpha", "beta", "common", "delta", "gamma", "island", "pi", "qubit", "rare",
                               "shared", "xeno", "yotta"]
    versus = sorted((u, v, d["pick"]) for u, v, d in G.edges(data=True) if d["kind"] == VERSUS)
    assert versus == [("alpha", "beta", "alpha"), ("beta", "gamma", "beta"), ("gamma", "delta", "gamma"),
                      ("pi", "qubit", "pi"), ("qubit", "pi", "qubit"), ("xeno", "yotta", "yotta")]
    related = sorted({(u, v) for u, v, d in G.edges(data=True) if d["kind"] == RELATED})
    assert related == [("alpha", "beta"), ("alpha", "shared"), ("beta", "common"), ("delta", "rare"),
                       ("gamma", "common"), ("gamma", "shared"), ("pi", "common"), ("qubit", "common"),
                       ("xeno", "island"), ("yotta", "island")]
    # every edge says which document said it
    docs = G.graph["documents"]
    assert all(d["doc"] in docs for _, _, d in G.edges(data=True))
    assert contested_pairs(G) == [("pi", "qubit")]
    assert G.graph["summary"]["contested_pairs"] == 1
    assert record(G, "beta") == (1, 1) and record(G, "pi") == (1, 1) and record(G, "delta") == (0, 1)


def test_duplicates_are_one_document(make_corpus):
    text = render_comparison("Go", "Rust", "Go")
    folder = make_corpus({"a.txt": text, "b.txt": text, "c.txt": "\ufeff" + text.replace("\n", "\r\n")})
    G, report = build([folder])
    assert [d.same_as for d in report.duplicates] == [str(folder / "a.txt")] * 2
    assert G.graph["summary"]["comparisons"] == 1 and G.graph["summary"]["duplicates"] == 2


def test_two_documents_about_one_pair_agreeing_are_not_contested(make_corpus):
    folder = make_corpus({"a.txt": render_comparison("Go", "Rust", "Go"),
                          "b.txt": render_comparison("Rust", "Go", "Go", descriptions={"Go": "Another page"})})
    G, _ = build([folder])
    assert contested_pairs(G) == []
    assert [w for w, _ in pair_picks(G)[("go", "rust")]] == ["go", "go"]


def test_topic_info_of_a_contested_pair(tiny_graph):
    info = topic_info(tiny_graph, "pi")
    assert [(c["against"], c["result"], c["contested"]) for c in info["comparisons"]] == [
        ("qubit", "win", True), ("qubit", "loss", True)] or [(c["against"], c["result"], c["contested"]) for c in info["comparisons"]] == [
        ("qubit", "loss", True), ("qubit", "win", True)]
    assert info["related"] == ["common"]
    assert (info["wins"], info["losses"]) == (1, 1)


def test_topic_with_no_comparisons(tiny_graph):
    info = topic_info(tiny_graph, "shared")
    assert info["name"] == "Shared" and info["comparisons"] == [] and info["related"] == ["alpha", "gamma"]


def test_find_topic_accepts_names_slugs_and_aliases_in_any_case(tiny_graph):
    assert find_topic(tiny_graph, "ALPHA") == "alpha"
    assert find_topic(tiny_graph, "Alpha") == "alpha"
    with pytest.raises(UnknownTopic) as info:
        find_topic(tiny_graph, "Alpah")
    assert info.value.suggestions[0] == "Alpha"


def test_list_topics_order(tiny_graph):
    rows = list_topics(tiny_graph)
    assert [r["slug"] for r in rows[:6]] == ["beta", "gamma", "pi", "qubit", "alpha", "delta"]


def test_seeds_graph(seeds_graph):
    G = seeds_graph
    assert G.graph["summary"]["comparisons"] == 2 and G.graph["summary"]["topics"] == 10
    assert sorted(G["model-robustness"]) == ["adversarial-machine-learning", "model-interpretability", "model-validation"]
    [(u, v, d)] = [(u, v, d) for u, v, d in G.edges(data=True) if d["kind"] == VERSUS and u == "model-robustness"]
    assert v == "model-interpretability" and d["pick"] == "model-robustness"
    assert G.nodes["machine-learning"]["name"] == "Machine Learning"


def test_data_corpus_builds_with_zero_rejections(data_graph):
    s = data_graph.graph["summary"]
    assert s["rejected"] == 0 and s["comparison_pages"] >= 80 and s["topic_pages"] >= 3
    assert s["contested_pairs"] >= 2
    import networkx as nx
    assert nx.is_weakly_connected(data_graph)


def test_contested_pairs_of_one_topic_are_the_pairs_of_that_topic(data_graph):
    everything = contested_pairs(data_graph)
    assert everything  # data/ has contested pairs
    for topic in {t for pair in everything for t in pair} | {"redis", "python"}:
        if topic in data_graph:
            assert contested_pairs(data_graph, topic) == [p for p in everything if topic in p]
