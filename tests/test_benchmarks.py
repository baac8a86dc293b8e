"""The benchmark harness (``python -m benchmarks``): its measuring, its baseline and its result tables.

No figure is asserted as fast or slow; the tests check that the harness measures
the child process, stops a runaway one, and reports every step it was asked for.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# benchmarks/ is not an installed package: make the repository root importable even under the bare
# `pytest` script, which (unlike `python -m pytest`) does not put the working directory on sys.path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import corpus, measure, summarise  # noqa: E402
from benchmarks.__main__ import main  # noqa: E402
from benchmarks.baseline import build_graph, parse_page  # noqa: E402
from graph.read.render import render_comparison  # noqa: E402
from graph.sparql.run import bundled_queries  # noqa: E402


def test_measure_reports_the_childs_peak_memory():
    # the child holds 200 MB; the harness itself never allocates that much
    r = measure([sys.executable, "-c", "b = b'x' * (200 * 2**20); print(len(b))"])
    assert r["status"] == "ok" and r["rc"] == 0
    assert r["stdout"] == f"{200 * 2**20}\n"
    assert 200 <= r["peak_rss_mb"] < 600
    assert r["tree_rss_mb"] >= r["peak_rss_mb"]


def test_measure_reports_the_peak_of_each_process_of_the_tree():
    # a parent holding 60 MB starts two children: one holds 300 MB and ends, the other 150 MB; each peak is its own
    child = "import time; b = b'x' * ({} * 2**20); time.sleep(1.5)"
    code = ("import subprocess, sys, time; a = b'y' * (60 * 2**20); "
            f"ps = [subprocess.Popen([sys.executable, '-c', {child.format(300)!r}]), "
            f"subprocess.Popen([sys.executable, '-c', {child.format(150)!r}])]; [p.wait() for p in ps]; time.sleep(0.5)")
    r = measure([sys.executable, "-c", code], sample=0.05)
    assert r["status"] == "ok"
    peaks = [mb for _, mb in r["process_peaks_mb"]]
    assert len(peaks) == 3 and all(name.startswith("python") for name, _ in r["process_peaks_mb"])
    big, mid, parent = peaks
    assert 300 <= big < 340 and 150 <= mid < 190 and 60 <= parent < 100
    # the kernel's figure for the parent is the largest child it reaped; the sampled tree held all three at once
    assert 300 <= r["peak_rss_mb"] < 340 and r["tree_rss_mb"] >= 510


def test_measure_kills_a_process_that_runs_past_its_timeout():
    r = measure([sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"], timeout=1.0)
    assert r["status"] == "timeout"
    assert r["rc"] == -9
    assert r["stdout"] == "started\n"


def test_measure_reports_a_failing_command():
    r = measure([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert (r["status"], r["rc"]) == ("error", 3)


def test_summarise_gives_median_and_range():
    assert summarise([4.0, 1.0, 2.0, 10.0]) == {"median": 3.0, "min": 1.0, "max": 10.0, "n": 4}


@pytest.mark.parametrize("compact", [False, True])
def test_baseline_parser_reads_title_pick_and_related(compact):
    text = render_comparison("Go", "Rust", "Rust", related={"Go": ["c", "zig"], "Rust": ["cargo"]}, compact=compact)
    assert parse_page(text) == {"title": "Go vs Rust", "topics": ["Go", "Rust"], "pick": "Rust",
                                "related": [["c", "zig"], ["cargo"]]}


def test_baseline_parser_keeps_cards_apart_when_one_lists_nothing():
    text = render_comparison("Go", "Rust", "Go", related={"Rust": ["cargo"]})
    assert parse_page(text)["related"] == [[], ["cargo"]]
    assert parse_page("no title here\n") is None


def test_baseline_graph_and_suggestion_query(make_corpus):
    from rdflib import URIRef

    from benchmarks.baseline import ALSO_COMPARE, NS

    folder = make_corpus({
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha", related={"Alpha": ["shared"], "Beta": ["other"]}),
        "cd.txt": render_comparison("Gamma", "Delta", "Delta", related={"Gamma": ["shared"], "Delta": ["other"]}),
    })
    phases = []
    g = build_graph(str(folder), lambda phase, **f: phases.append((phase, f.get("pages"), f.get("triples"))))
    # per page: type, label, 2 comparedTopic, pick (5); per topic: type, label (4 topics: 8); 4 relatedTo
    assert phases[1:] == [("parse", 2, None), ("graph", None, 5 * 2 + 8 + 4)]
    rows = g.query(ALSO_COMPARE, initBindings={"topic": URIRef(f"{NS}topic/alpha")})
    # Gamma shares "shared" with Alpha and was never compared with it; Beta was
    assert [(str(r[0]).rsplit("/", 1)[-1], int(r[1])) for r in rows] == [("gamma", 1)]


def test_corpus_is_generated_once_and_then_reused(tmp_path):
    folder, info = corpus(20, seed=3, work=tmp_path)
    assert (info["pages"], info["topics"], info["cached"]) == (20, 50, False)
    assert len(list(folder.glob("*.txt"))) == 20
    again, info2 = corpus(20, seed=3, work=tmp_path)
    assert again == folder and info2["cached"] is True
    hubs, info3 = corpus(20, seed=3, work=tmp_path, popularity="zipf:1.1")
    assert hubs.name == "corpus-20-seed3-zipf1.1" and (info3["popularity"], info3["cached"]) == ("zipf:1.1", False)
    assert json.loads((hubs / "hidden-model.json").read_text())["popularity"] == "zipf:1.1"


def test_harness_measures_every_step_on_a_tiny_corpus(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["--sizes", "40", "--runs", "1", "--work", str(tmp_path / "work"), "--out", str(out),
                 "--formats", "ntriples", "--queries", "10"]) == 0
    results = json.loads(out.read_text())
    assert results["runs"] == 1 and results["machine"]["nproc"] >= 1
    [size] = results["sizes"]
    assert size["size"] == 40 and size["corpus"]["pages"] == 40
    steps = [(r["step"], r["tool"], r["status"]) for r in size["rows"]]
    assert steps == [("build", "pickgraph", "ok"), ("build --stream", "pickgraph", "ok"), ("show (cache hit)", "pickgraph", "ok"),
                     ("query: show", "pickgraph", "ok"), ("query: compare", "pickgraph", "ok"),
                     ("query: why", "pickgraph", "ok"), ("query: suggest", "pickgraph", "ok"),
                     ("sparql, first call (makes the store)", "pickgraph", "ok"),
                     ("sparql @win-loss -t HUB (store made)", "pickgraph", "ok"),
                     ("build after changing 1 page", "pickgraph", "ok"),
                     ("build after changing 100 pages", "pickgraph", "ok"),
                     ("export ntriples", "pickgraph", "ok"), ("baseline build (Turtle)", "rdflib", "ok"),
                     ("baseline query (also-compare)", "rdflib", "ok")]
    for r in size["rows"]:
        assert r["wall_s"]["n"] == 1 and r["wall_s"]["median"] > 0 and r["peak_rss_mb"]["median"] > 0
    by = {r["step"]: r for r in size["rows"]}
    # the other pages are taken from the build before; "100" of 40: the 39 not changed just before
    assert by["build after changing 1 page"]["pages_reused"] == [39]
    assert by["build after changing 100 pages"]["pages_reused"] == [1]
    assert by["export ntriples"]["bytes"] == (tmp_path / "work" / "run-40-seed0" / "pickgraph.nt").stat().st_size
    assert (tmp_path / "work" / "run-40-seed0-stream" / "pickgraph.ttl").is_file()
    assert set(by["baseline build (Turtle)"]["phases_s"]) == {"import", "parse", "graph", "turtle"}
    assert by["baseline query (also-compare)"]["topic"] == size["in_process"]["hubs"][0]
    assert by["sparql @win-loss -t HUB (store made)"]["topic"] == size["in_process"]["hubs"][0]
    assert len(list((tmp_path / "work" / "run-40-seed0" / ".cache").glob("*-store-*"))) == 1
    inproc = size["in_process"]
    assert set(inproc["latency"]) == {"suggest", "why", "compare"}
    assert set(inproc["sparql"]) == set(bundled_queries())
    assert all(q["n"] == 5 for q in inproc["sparql"].values())
    table = capsys.readouterr().out
    assert table == (tmp_path / "results.md").read_text()
    assert "| 40 | build |" in table and "| 40 | build wall |" in table and "| 40 | also-compare |" in table
    # the tables can be rendered again from the JSON alone
    assert main(["--render", str(out)]) == 0
    assert capsys.readouterr().out == table


def test_unknown_step_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["--steps", "build,fly"])
    assert "unknown step or format: fly" in capsys.readouterr().err


def test_stages_times_every_stage_of_a_build(tiny_corpus, tmp_path, capsys):
    from benchmarks.stages import main as stages

    assert stages([str(tiny_corpus), "--out", str(tmp_path / "out")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result["seconds"]) == ["snapshot inputs", "read (parse, all cores)", "resolve names", "graph",
                                       "suggestion index", "export graphml", "export turtle", "export ontology",
                                       "export html", "export overview", "cache"]
    assert result["pages"] == 6 and result["total_s"] == round(sum(result["seconds"].values()), 3)
    assert list(result["peak_mb"]) == list(result["seconds"]) == list(result["cpu_s"])
    assert all(v >= 0 for v in result["peak_mb"].values())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".cache", "pickgraph-ontology.ttl",
                                                                     "pickgraph-overview.json", "pickgraph.graphml",
                                                                     "pickgraph.html", "pickgraph.ttl"]


def test_stages_can_stop_after_the_suggestion_index(tiny_corpus, tmp_path, capsys):
    from benchmarks.stages import main as stages

    assert stages([str(tiny_corpus), "--out", str(tmp_path / "out"), "--no-exports"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result["seconds"])[-1] == "suggestion index" and not (tmp_path / "out").exists()


def test_serve_load_reports_the_peak_of_each_process_of_the_server(tiny_corpus, tmp_path):
    # issue 28 item 3: the server and each of its SPARQL query processes measured, not only their sampled sum
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from servehelp import PICKGRAPH, Server

    from benchmarks.serve_load import family, load

    out = tmp_path / "out"
    subprocess.run([*PICKGRAPH, "--out", str(out), "--quiet", "build", str(tiny_corpus)], check=True)
    with Server(out, "--query-workers", "2") as server:
        topics = server.get("/api/topics?limit=40")[1]
        figures = load(server, topics, bundled_queries(), clients=2, seconds=2, sparql_share=1.0)
        alive = family(server.proc.pid)
    assert figures["errors"] == 0 and figures["sparql"]["n"] > 0
    each = figures["process_peaks_mb"]
    # the server, its query processes and whatever else it started: one peak each, largest first
    assert len(each) == len(alive) >= 3
    assert [mb for _, mb in each] == sorted((mb for _, mb in each), reverse=True) and all(mb > 0 for _, mb in each)
    assert figures["largest_process_mb"] == each[0][1]
    assert figures["server_peak_mb"] in [mb for _, mb in each]
    assert figures["process_peaks_sum_mb"] == round(sum(mb for _, mb in each), 1)
