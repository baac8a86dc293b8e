"""The streaming build writes what the in-memory build writes, in chunks and worker processes."""

from __future__ import annotations

import json
import re
import shutil

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.build import stream
from graph.cli import main
from graph.export.registry import export
from graph.evaluate.generate import generate, write
from graph.export.html import select_topics
from graph.build.pipeline import build
from conftest import DATA, FIXTURES
from test_html import embedded_data
from test_turtle import edge_case_pages


def _triples(path) -> set[tuple[str, str, str]]:
    return {(q.subject.value, q.predicate.value, str(q.object)) for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)}


def _graphml(path) -> tuple[dict, list]:
    H = nx.read_graphml(path, force_multigraph=True)
    return dict(H.nodes(data=True)), sorted(H.edges(keys=True, data=True), key=str)


@pytest.fixture
def mixed_corpus(tmp_path, make_corpus):
    """Generated pages, hand-made edge cases, a duplicate and every kind of bad file, in several chunks."""
    folder = write(generate(n_docs=120, n_topics=30, seed=5), tmp_path / "mixed")
    for name, text in edge_case_pages().items():
        (folder / f"edge-{name}").write_text(text, encoding="utf-8")
    shutil.copy(folder / "edge-pair.txt", folder / "zz-copy-of-pair.txt")
    for bad in FIXTURES.joinpath("bad").glob("*.txt"):
        shutil.copy(bad, folder / f"bad-{bad.name}")
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_stream_writes_what_the_in_memory_build_writes(mixed_corpus, tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(stream, "CHUNK", 17)  # many chunks, some with duplicates and rejections
    result = stream.stream_build([mixed_corpus], tmp_path / "s", jobs=jobs)
    G, report = build([mixed_corpus])
    for fmt in ("turtle", "graphml"):
        export(G, fmt, out_dir=tmp_path / "m")
    assert _triples(tmp_path / "s" / "pickgraph.ttl") == _triples(tmp_path / "m" / "pickgraph.ttl")
    assert _graphml(tmp_path / "s" / "pickgraph.graphml") == _graphml(tmp_path / "m" / "pickgraph.graphml")
    assert result["summary"] == G.graph["summary"]
    assert result["rejections"] == [r.to_dict() for r in report.rejections] and result["rejections"]
    assert result["duplicates"] == [d.to_dict() for d in report.duplicates] and len(result["duplicates"]) == 1
    assert result["warnings"] == G.graph["report"]["warnings"]
    assert not [p for p in (tmp_path / "s").iterdir() if p.name.startswith(".")]  # the spool is gone


def test_stream_output_does_not_depend_on_chunking(tmp_path, monkeypatch):
    corpus = write(generate(n_docs=60, n_topics=20, seed=2), tmp_path / "g")
    monkeypatch.setattr(stream, "CHUNK", 7)
    stream.stream_build([corpus], tmp_path / "a", jobs=2)
    monkeypatch.setattr(stream, "CHUNK", 1000)
    stream.stream_build([corpus], tmp_path / "b", jobs=1)
    for name in ("pickgraph.ttl", "pickgraph.graphml", "pickgraph.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_stream_page_of_data_shows_every_topic(tmp_path):
    result = stream.stream_build([DATA], tmp_path / "s", formats=["html"])
    assert result["written"] == [str(tmp_path / "s" / "pickgraph.html")]
    data = embedded_data((tmp_path / "s" / "pickgraph.html").read_text(encoding="utf-8"))
    assert data["meta"]["mode"] == "full"
    assert len(data["nodes"]) == data["meta"]["topics_total"] == result["summary"]["topics"] == 233


def test_overview_of_a_part_says_how_many_topics_there_are():
    H = nx.MultiDiGraph([("a", "b"), ("b", "c")])
    H.graph["topics_total"] = 5000
    sel = select_topics(H)
    assert sel["mode"] == "overview" and sel["topics"] == ["a", "b", "c"]
    assert sel["note"].startswith("Overview: this corpus has 5000 topics")


def test_stream_refuses_formats_it_cannot_stream(tmp_path):
    with pytest.raises(stream.StreamError, match="not jsonld"):
        stream.stream_build([DATA], tmp_path, formats=["turtle", "jsonld"])


def test_cli_stream_reports_like_build_and_strict_writes_nothing(tmp_path, mixed_corpus):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--out", str(out), "build", "--stream", str(mixed_corpus)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"rejected {mixed_corpus / 'bad-empty.txt'}:1: empty file: no text to read" in r.output
    assert f"duplicate {mixed_corpus / 'zz-copy-of-pair.txt'}: same text as {mixed_corpus / 'edge-pair.txt'}" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["pickgraph-build.json", "pickgraph.graphml", "pickgraph.html",
                                                     "pickgraph.ttl"]
    assert re.search(r"^built in [\d.]+ s \(scan [\d.]+ s, resolve [\d.]+ s, emit [\d.]+ s, turtle [\d.]+ s, "
                     r"graphml [\d.]+ s, html [\d.]+ s\)$", r.stdout, re.M)
    r = CliRunner().invoke(main, ["--out", str(out), "build", "--stream", "--json", "-f", "turtle", str(mixed_corpus)])
    data = json.loads(r.stdout)
    assert sorted(data["phases_s"]) == ["emit", "resolve", "scan", "turtle"] and data["seconds"] > 0  # keys sorted
    assert data["written"] == [str(out / "pickgraph.ttl"), str(out / "pickgraph-build.json")] and data["ok"] is False

    strict_out = tmp_path / "strict"
    r = CliRunner().invoke(main, ["--out", str(strict_out), "build", "--stream", "--strict", "--json", str(mixed_corpus)])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["written"] == []
    assert not strict_out.exists() or not [p for p in strict_out.iterdir()]

    r = CliRunner().invoke(main, ["--out", str(out), "build", "--stream", "-f", "nquads", str(mixed_corpus)])
    assert r.exit_code != 0 and "Traceback" not in r.output and "not nquads" in r.output
