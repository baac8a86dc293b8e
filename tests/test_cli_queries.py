"""CLI: compare, suggest, why, evaluate, generate (exit codes and output)."""

import json

import pytest
from click.testing import CliRunner

from graph.cli import main


@pytest.fixture
def run(tiny_corpus, tmp_path):
    def invoke(*args):
        return CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path / "out"), *args])
    return invoke


def test_compare_text_and_json(run):
    r = run("compare", "Alpha", "delta")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Alpha vs Delta: derived")
    assert "chain: Alpha beat Beta, Beta beat Gamma, Gamma beat Delta" in r.output
    data = json.loads(run("compare", "Pi", "Qubit", "--json").output)
    assert data["mode"] == "direct" and data["contested"] is True and len(data["documents"]) == 2


def test_no_evidence(run):
    r = run("compare", "Xeno", "Alpha")
    assert r.exit_code == 0 and "no evidence" in r.output and "probability" not in r.output


def test_unknown_topic_exits_1_with_closest(run):
    r = run("compare", "Alpah", "Beta")
    assert r.exit_code == 1
    assert "Error: unknown topic 'Alpah'; did you mean: Alpha" in r.output
    r = run("why", "Zzzzzz", "Beta")
    assert r.exit_code == 1 and "unknown topic 'Zzzzzz'" in r.output


def test_suggest_several_topics_json(run):
    data = json.loads(run("suggest", "Alpha", "rare", "-k", "2", "--json").output)
    assert data["mode"] == "topics" and [r["topic"] for r in data["results"]] == ["alpha", "rare"]
    assert [s["slug"] for s in data["results"][0]["suggestions"]] == ["gamma", "delta"]  # Shared: a bare slug
    assert [s["slug"] for s in data["results"][1]["suggestions"]] == ["delta", "gamma"]


def test_suggest_pair_mode(run):
    data = json.loads(run("suggest", "Alpha", "Beta", "--json").output)
    assert data["mode"] == "pair" and data["suggestions"][0]["existing"] is True
    assert (data["suggestions"][0]["a"], data["suggestions"][0]["b"]) == ("beta", "gamma")
    each = json.loads(run("suggest", "Alpha", "Beta", "--each", "--json").output)
    assert each["mode"] == "topics"
    r = run("suggest", "Alpha", "Gamma", "Delta", "--pair")
    assert r.exit_code == 2 and r.output == "Error: a pair is two topics, not 3\n"


def test_suggest_text(run):
    r = run("suggest", "Alpha", "-k", "1")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0] == "Alpha: you might also compare"
    assert lines[1].startswith("  1. Gamma  (score ")
    assert lines[2] == "       - both relate to Shared"


def test_why_text(run):
    r = run("why", "Delta", "Alpha")
    assert r.exit_code == 0
    assert r.output.startswith("Alpha is predicted over Delta with probability")
    assert "Win chain: Alpha beat Beta, Beta beat Gamma, Gamma beat Delta" in r.output
    data = json.loads(run("why", "Pi", "Qubit", "--json").output)
    assert [s["winner"] for s in data["sides"]] == ["pi", "qubit"]


def test_generate_and_evaluate(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "gen"
    r = runner.invoke(main, ["generate", str(folder), "--docs", "120", "--topics", "24", "--seed", "3",
                             "--seeds", "1", "--json"])
    assert r.exit_code == 0, r.output
    g = json.loads(r.output)
    assert g["documents"] == 120 and g["categories"] == 2 and set(g["ceiling"]) == {"suggest", "picks"}
    assert (folder / "hidden-model.json").is_file() and len(list(folder.glob("*.txt"))) == 120
    r = runner.invoke(main, ["evaluate", str(folder), "--seeds", "2", "--holdout", "0.25"])
    assert r.exit_code == 0, r.output
    assert "personalized-pagerank" in r.output and "ceiling" in r.output and "seeds 0, 1" in r.output
    r = runner.invoke(main, ["evaluate", str(folder), "--holdout", "1.5"])
    assert r.exit_code == 2


def test_help_mentions_modes():
    r = CliRunner().invoke(main, ["compare", "--help"])
    assert r.exit_code == 0 and "no evidence" in r.output
