"""Writing several exports side by side in forked processes: same bytes, errors come back, nothing half-written."""

from __future__ import annotations

import os

import pytest

from graph.export.registry import export_many, run_side_by_side
from graph.errors import PickgraphError
from graph.build.pipeline import build

FORMATS = ["turtle", "graphml", "html", "ntriples"]


def test_forked_exports_are_the_bytes_of_serial_ones(tiny_graph, tmp_path):
    forked = export_many(tiny_graph, FORMATS, tmp_path / "f", fork=True)
    serial = export_many(tiny_graph, FORMATS, tmp_path / "s", fork=False)
    assert [p.name for p in forked] == ["pickgraph.ttl", "pickgraph.graphml", "pickgraph.html", "pickgraph.nt"]
    for f, s in zip(forked, serial):
        assert f.read_bytes() == s.read_bytes() and f.stat().st_size > 100


def test_a_failing_child_raises_in_the_parent_and_leaves_its_target_alone(make_corpus, tmp_path):
    from test_rdf import tricky_pages

    G, _ = build([make_corpus(tricky_pages(), "tricky")])
    node = next(iter(G.nodes))
    G.nodes[node]["name"] = "bell \x07 character"  # RDF/XML cannot hold it
    out = tmp_path / "out"
    out.mkdir()
    (out / "pickgraph.rdf").write_text("previous export")
    with pytest.raises(PickgraphError, match="RDF/XML cannot hold the control character"):
        export_many(G, ["turtle", "rdfxml"], out, fork=True)
    assert (out / "pickgraph.rdf").read_text() == "previous export"
    assert (out / "pickgraph.ttl").stat().st_size > 100  # the other child finished its file
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_tasks_run_in_other_processes_when_forked(tmp_path):
    seen = tmp_path / "pids"

    def task(i):
        return lambda: (seen / str(i)).write_text(str(os.getpid()))

    seen.mkdir()
    run_side_by_side([task(1), task(2)], fork=True)
    pids = {p.read_text() for p in seen.iterdir()}
    assert len(pids) == 2 and str(os.getpid()) not in pids
    run_side_by_side([task(3)], fork=True)  # a single task runs here
    assert (seen / "3").read_text() == str(os.getpid())


def test_a_child_that_dies_without_an_exception_is_reported():
    with pytest.raises(PickgraphError, match=r"an export process stopped without an answer \(exit status 3\)"):
        run_side_by_side([lambda: os._exit(3), lambda: None], fork=True)
