"""The evaluation harness: split without leaks, ranks with ties, metrics, baselines."""

import math

import pytest

from graph.evaluate.score import (EvaluationError, average_rank, baseline_scorers, evaluate, format_table, metrics,
                            split)
from graph.evaluate.generate import generate, write
from graph.kg.graph import RELATED, build_graph, resolve_report
from graph.read.records import ReadReport
from graph.read import parse_text, read_paths


def test_average_rank_ties():
    assert average_rank({"a": 1.0, "b": 1.0, "c": 1.0}, "b") == 2.0
    assert average_rank({"a": 5.0, "b": 1.0, "c": 0.0}, "a") == 1.0
    assert average_rank({"a": 5.0, "b": 1.0, "c": 0.0}, "c") == 3.0


def test_metrics_with_misses():
    m = metrics([1.0, 10.0, 10.5, math.inf], [True, True, False, False])
    assert m == {"hits@5": 0.25, "hits@10": 0.5, "mrr": pytest.approx((1 + 0.1 + 1 / 10.5) / 4), "coverage": 0.5}


def test_split_holds_out_documents_without_leaks():
    corpus = generate(50, 16, seed=7)
    report = ReadReport(pages=[parse_text(t, n) for n, t in sorted(corpus.pages.items())])
    kept, held = split(report, 0.2, seed=0)
    assert len(held) == 10 and len(kept.pages) == 40
    held_shas = {p.sha256 for p in held}
    G = build_graph(kept, resolve_report(kept))
    assert not any(d["doc"] in held_shas for _, _, d in G.edges(data=True))
    assert all(d["kind"] != RELATED or d["doc"] not in held_shas for _, _, d in G.edges(data=True))
    assert split(report, 0.2, seed=0)[1] == held and split(report, 0.2, seed=1)[1] != held
    with pytest.raises(EvaluationError):
        split(report, 0.001, seed=0)


def test_baselines_on_tiny_graph(tiny_graph):
    s = baseline_scorers(tiny_graph, seed=0)
    assert s["common-neighbours"]("alpha")["gamma"] == 2  # beta and shared
    assert s["jaccard"]("alpha")["gamma"] == pytest.approx(2 / 4)
    assert s["popularity"]("alpha")["beta"] == 2
    assert s["personalized-pagerank"]("xeno").keys() <= {"xeno", "yotta", "island"}


def test_evaluate_generated_corpus(tmp_path):
    # 60 topics, so that ten random guesses are far from covering the answer by chance
    folder = write(generate(200, 60, seed=9), tmp_path / "g")
    r = evaluate([folder], holdout=0.2, seeds=2)
    assert r["has_ceiling"] and r["documents"] == 200 and r["seeds"] == [0, 1]
    assert list(r["suggest"]) == ["suggest", "random", "popularity", "common-neighbours", "jaccard", "adamic-adar",
                                  "personalized-pagerank", "ceiling"]
    assert list(r["picks"]) == ["derived", "bradley-terry", "win-rate", "ceiling"]
    assert all(run["held_out"] == 40 for run in r["runs"])
    # the graph's structure is far better than chance on a corpus built from categories
    assert r["suggest"]["suggest"]["hits@10"][0] > 2 * r["suggest"]["random"]["hits@10"][0]
    table = format_table(r)
    assert "adamic-adar" in table and "ceiling" in table and " ± " in table


def test_evaluate_data(data_graph):
    from tests.conftest import DATA

    r = evaluate([DATA], holdout=0.2, seeds=1, report=read_paths([DATA]))
    assert not r["has_ceiling"] and r["documents"] == 92
    assert r["runs"][0]["held_out"] == 18


def test_top_and_platform_share():
    from graph.evaluate.score import platform_share, top

    assert top({"a": 1.0, "b": 3.0, "c": 3.0, "d": 2.0}, 2) == ["b", "c"]
    # two queries, five slots each: one holds its platform
    assert platform_share([["p", "a", "b", "c", "d"], ["a", "b", "c", "d", "e"]], ["p", "q"]) == 0.1
    assert platform_share([], []) == 0.0


def test_evaluate_reports_platform_share(tmp_path):
    folder = write(generate(300, 48, seed=5, platforms=4), tmp_path / "p")
    r = evaluate([folder], holdout=0.2, seeds=1, methods=("suggest", "popularity", "personalized-pagerank"))
    rows = r["suggest"]
    assert all("platform@5" in row for row in rows.values())
    assert rows["ceiling"]["platform@5"] == [0.0, 0.0]  # the true model never pairs a topic with its platform
    # the walk of personalized PageRank goes straight to the platform every topic lists
    assert rows["personalized-pagerank"]["platform@5"][0] > 0.1
    assert "platform@5" in format_table(r)
    plain = evaluate([write(generate(150, 30, seed=9), tmp_path / "g")], holdout=0.2, seeds=1, methods=("suggest",))
    assert "platform@5" not in plain["suggest"]["suggest"] and "platform@5" not in format_table(plain)
