"""The core commands through click's CliRunner: exit codes, output, --json, --strict, the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.read.render import render_comparison


@pytest.fixture
def run(tmp_path):
    out = tmp_path / "out"

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, ["--out", str(out), *args], input=input, catch_exceptions=False)
    invoke.out = out
    return invoke


def good(a="Go", b="Rust", pick="Rust"):
    return render_comparison(a, b, pick, related={a: ["concurrency"], b: ["memory-safety"]})


def test_build_all_accepted_exits_0(run, make_corpus):
    folder = make_corpus({"a.txt": good(), "b.txt": good("Rust", "Zig", "Zig")})
    r = run("build", str(folder))
    assert r.exit_code == 0, r.output
    assert "2 documents (2 comparison pages, 0 topic pages), 0 duplicates, 0 rejected" in r.output
    assert (run.out / "pickgraph.graphml").is_file()


def test_build_with_rejections_exits_1_reports_and_builds_the_rest(run, make_corpus):
    folder = make_corpus({"a.txt": good(), "b.txt": "", "c.txt": good().replace("Rust wins", "Go wins")})
    r = run("build", str(folder))
    assert r.exit_code == 1
    assert f"rejected {folder / 'b.txt'}:1: empty file: no text to read" in r.output
    assert f"rejected {folder / 'c.txt'}:" in r.output and "the pick disagrees" in r.output
    assert "1 documents (1 comparison pages" in r.output
    assert "Traceback" not in r.output


def test_build_json(run, make_corpus):
    folder = make_corpus({"a.txt": good(), "b.txt": "<html><body>x</body></html>"})
    r = run("build", str(folder), "--json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["ok"] is False
    assert data["rejections"] == [{"path": str(folder / "b.txt"), "line": 1,
                                   "reason": "an HTML page, not a saved text page; save the page as plain text"}]
    assert data["summary"]["topics"] == 4 and data["summary"]["comparisons"] == 1


def test_strict_leaves_existing_outputs_untouched(run, make_corpus):
    folder = make_corpus({"a.txt": good()})
    assert run("build", str(folder)).exit_code == 0
    graphml = run.out / "pickgraph.graphml"
    before = graphml.read_bytes()
    stamp = graphml.stat().st_mtime_ns
    (folder / "b.txt").write_text(good("Go", "Zig", "Zig"))
    (folder / "c.txt").write_bytes(b"\x00\x01")
    r = run("build", str(folder), "--strict")
    assert r.exit_code == 1
    assert "no output was written" in r.output and "binary file" in r.output
    assert graphml.read_bytes() == before and graphml.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in run.out.iterdir()) == [".cache", "pickgraph-build.json", "pickgraph-ontology.ttl", "pickgraph-overview.json", "pickgraph.graphml", "pickgraph.html",
                                                     "pickgraph.ttl"]


def test_show_json_and_text(run, make_corpus):
    folder = make_corpus({"a.txt": good(), "b.txt": good("Rust", "Zig", "Zig")})
    r = run("show", "rust", "--corpus", str(folder), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["slug"] == "rust" and data["name"] == "Rust"
    assert data["related"] == ["concurrency", "memory-safety"]
    assert sorted((c["against"], c["pick"]) for c in data["comparisons"]) == [("go", "rust"), ("zig", "zig")]
    assert all(c["source"].startswith(str(folder)) for c in data["comparisons"])
    text = run("show", "RUST", "--corpus", str(folder)).output
    assert "Comparisons (1 won, 1 lost):" in text and "vs Zig: loss (pick: Zig)" in text


def test_unknown_topic_is_a_clear_error(run, make_corpus):
    folder = make_corpus({"a.txt": good()})
    r = run("show", "Rustt", "--corpus", str(folder))
    assert r.exit_code == 1
    assert "Error: unknown topic 'Rustt'; did you mean: Rust" in r.output
    assert "Traceback" not in r.output


def test_topics_lists_most_compared_first(run, make_corpus):
    folder = make_corpus({"a.txt": good(), "b.txt": good("Rust", "Zig", "Zig")})
    data = json.loads(run("topics", "--corpus", str(folder), "--json").stdout)
    assert [(t["slug"], t["comparisons"], t["wins"], t["losses"]) for t in data[:3]] == [
        ("rust", 2, 1, 1), ("go", 1, 0, 1), ("zig", 1, 1, 0)]


def test_query_commands_use_the_cache_and_see_changes(run, make_corpus):
    folder = make_corpus({"a.txt": good()})
    assert run("build", str(folder)).exit_code == 0
    [cache] = (run.out / ".cache").glob("*.pickle")
    built = cache.stat().st_mtime_ns
    assert run("show", "go", "-c", str(folder)).exit_code == 0
    assert cache.stat().st_mtime_ns == built  # served from the cache
    (folder / "b.txt").write_text(good("Go", "Zig", "Go"))
    r = run("show", "go", "-c", str(folder), "--json")
    assert [c["against"] for c in json.loads(r.stdout)["comparisons"]] != []
    assert "zig" in {c["against"] for c in json.loads(r.stdout)["comparisons"]}
    assert cache.stat().st_mtime_ns != built


def test_export_graphml_reads_back(run, make_corpus, tmp_path):
    import networkx as nx

    folder = make_corpus({"a.txt": good()})
    target = tmp_path / "g.graphml"
    r = run("export", "--format", "graphml", "-o", str(target), "-c", str(folder))
    assert r.exit_code == 0, r.output
    H = nx.read_graphml(target)
    assert sorted(H.nodes) == ["concurrency", "go", "memory-safety", "rust"]
    assert [d["pick"] for _, _, d in H.edges(data=True) if d["kind"] == "versus"] == ["rust"]


def test_missing_input_is_a_usage_error(run, tmp_path):
    r = run("build", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "does not exist" in r.output


def test_identity_command(run, make_corpus):
    folder = make_corpus({"a.txt": good("Canary Deployment", "Rolling Update", "Canary Deployment"),
                          "b.txt": good("Canary Deployments", "Feature Flags", "Feature Flags")})
    r = run("identity", "-c", str(folder))
    assert r.exit_code == 0
    assert "[plural] canary-deployments → canary-deployment: 'deployments' is the plural of 'deployment'" in r.output
    data = json.loads(run("identity", "-c", str(folder), "--json").stdout)
    assert data["merges"][0]["labels"] == ["Canary Deployment", "Canary Deployments"]


def test_help_explains():
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0 and "knowledge graph" in r.output and "pickgraph build data/" in r.output
    r = CliRunner().invoke(main, ["build", "--help"])
    assert "Exit status: 0 every page accepted; 1 some rejected" in " ".join(r.output.split())


def test_every_kind_of_bad_input_is_reported_and_the_rest_built(run):
    from conftest import FIXTURES

    folder = FIXTURES / "bad"
    r = run("build", str(folder), "--json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    got = {(Path(x["path"]).name, x["line"]): x["reason"] for x in data["rejections"]}
    assert got == {
        ("binary.txt", 3): "binary file (NUL byte): not a text page",
        ("blank.txt", 1): "empty file: no text to read",
        ("cut.txt", 28): "the page is cut off at line 28 before its pick can be read: only the headline names 'Rust'; "
                         "a cut page needs the headline and the winner's badge",
        ("disagree.txt", 49): "the pick disagrees: the headline names 'Rust' but the bottom line names 'Go'",
        ("empty.txt", 1): "empty file: no text to read",
        ("latin1.txt", 5): "not UTF-8 text (byte 0xe9 at offset 24); save the page as UTF-8",
        ("no-title.txt", 3): "no comparison title ('A vs B') on the first lines, and not a topic page (no 'Why learn X?' heading, nor the three lines name, definition, 'Developers should learn/use X …')",
        ("pick-elsewhere.txt", 9): "the pick 'Zig' in the headline is not one of the compared topics (Go, Rust)",
        ("saved.txt", 1): "an HTML page, not a saved text page; save the page as plain text",
        ("wrong-card.txt", 13): "expected the card of 'Go' or 'Rust', found 'Python'; cards must match the title (Go vs Rust)",
    }
    assert data["summary"]["comparison_pages"] == 2  # good.txt and truncated-ok.txt
    assert [Path(w["path"]).name for w in data["warnings"]] == ["truncated-ok.txt"]
    text = run("build", str(folder))
    assert "Traceback" not in text.output
    assert "1 warnings on 1 accepted pages" in text.output


def test_build_takes_out_formats_and_jobs_after_the_subcommand(make_corpus, tmp_path, monkeypatch):
    import graph.read.parse

    folder = make_corpus({"a.txt": good(), "b.txt": good("Rust", "Zig", "Zig"), "c.txt": good("Go", "Zig", "Go")})
    out = tmp_path / "elsewhere"
    monkeypatch.setattr(graph.read.parse, "PARALLEL_MIN", 0)  # take the worker-process path on a tiny corpus
    r = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "-f", "ntriples", "-f", "graphml",
                                  "--jobs", "2", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["summary"]["comparisons"] == 3 and data["summary"]["topics"] == 5
    assert sorted(p.name for p in out.iterdir()) == [".cache", "pickgraph-build.json", "pickgraph.graphml", "pickgraph.nt"]


def test_parallel_and_serial_reading_agree(make_corpus, monkeypatch):
    import graph.read.parse
    from graph.read import read_paths

    folder = make_corpus({"a.txt": good(), "b.txt": "", "c.txt": good("Rust", "Zig", "Zig"), "d.txt": good()})
    serial = read_paths([folder], jobs=1)
    monkeypatch.setattr(graph.read.parse, "PARALLEL_MIN", 0)
    parallel = read_paths([folder], jobs=2)
    assert parallel.pages == serial.pages
    assert parallel.rejections == serial.rejections and parallel.duplicates == serial.duplicates
    assert len(serial.pages) == 2 and len(serial.duplicates) == 1


def test_corpus_from_the_environment(make_corpus, tmp_path, monkeypatch):
    folder = make_corpus({"a.txt": good()})
    monkeypatch.setenv("PICKGRAPH_CORPUS", str(folder))
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "o"), "topics", "--json"])
    assert r.exit_code == 0, r.output
    assert sorted(t["slug"] for t in json.loads(r.stdout)) == ["concurrency", "go", "memory-safety", "rust"]


def test_export_base_iri(run, make_corpus, tmp_path):
    folder = make_corpus({"a.txt": good()})
    target = tmp_path / "g.nt"
    r = run("export", "-f", "ntriples", "-o", str(target), "--base-iri", "https://example.org/kg/", "-c", str(folder))
    assert r.exit_code == 0, r.output
    text = target.read_text()
    assert "<https://example.org/kg/topic/rust>" in text and "w3id.org/pickgraph/topic/" not in text
    r = run("export", "-f", "graphml", "--base-iri", "https://example.org/kg/", "-c", str(folder))
    assert r.exit_code == 2 and "--base-iri applies to the RDF formats only" in r.output


def test_build_of_a_big_graph_writes_exports_and_cache_from_forked_writers(run, make_corpus, monkeypatch):
    import graph.export.registry

    monkeypatch.setattr(graph.export.registry, "FORK_MIN_EDGES", 0)  # every graph counts as big
    folder = make_corpus({"a.txt": good(), "b.txt": good("Rust", "Zig", "Zig")})
    r = run("build", str(folder))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1].startswith("built in ")
    cache = next((run.out / ".cache").glob("graph-*.pickle"))
    files = len(list((run.out / ".cache").iterdir()))
    assert f"wrote {run.out / '.cache'}/ ({files} files: the query cache and what the next build reuses)" in r.output
    assert f"wrote {cache}" not in r.output  # one line for the cache's files
    assert sorted(p.name for p in run.out.iterdir()) == [".cache", "pickgraph-build.json", "pickgraph-ontology.ttl", "pickgraph-overview.json", "pickgraph.graphml", "pickgraph.html",
                                                     "pickgraph.ttl"]
    built = cache.stat().st_mtime_ns
    r = run("show", "rust", "-c", str(folder), "--json")
    assert r.exit_code == 0 and {c["against"] for c in json.loads(r.stdout)["comparisons"]} == {"go", "zig"}
    assert cache.stat().st_mtime_ns == built  # the cache the child wrote is fresh and used


def test_build_into_from_python_makes_the_folder_pickgraph_build_makes(tmp_path, make_corpus):
    """One build function: the CLI only calls it, so both ways give the same files, byte for byte."""
    import os
    import subprocess

    from graph import build_into
    from conftest import PICKGRAPH

    folder = make_corpus({"a.txt": good(), "b.txt": good("Rust", "Zig", "Zig"), "c.txt": "not a page\n"})
    cli_out, py_out = tmp_path / "cli", tmp_path / "py"
    r = subprocess.run([*PICKGRAPH, "--out", str(cli_out), "build", str(folder)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 1, r.stderr  # c.txt rejected
    cwd = os.getcwd()
    os.chdir(tmp_path)  # the record says where the build was run from: the same place
    try:
        built = build_into(py_out, [str(folder)])
    finally:
        os.chdir(cwd)
    assert built.result["ok"] is False and built.result["summary"]["comparisons"] == 2
    assert built.graph is not None and sorted(built.graph.nodes) == ["concurrency", "go", "memory-safety", "rust",
                                                                     "zig"]

    def files(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    cli_files, py_files = files(cli_out), files(py_out)
    assert sorted(cli_files) == sorted(py_files) == sorted(built.names)
    # the query cache carries a random token of its own (its store's), so two builds' caches differ anyway
    assert [n for n in cli_files if cli_files[n] != py_files[n] and not n.startswith(".cache/")] == [
        "pickgraph-build.json"]
    records = [json.loads(f["pickgraph-build.json"]) for f in (cli_files, py_files)]
    for r in records:
        r["files"] = {n: d for n, d in r["files"].items() if not n.startswith(".cache/")}
    assert records[0] == records[1]
    shows = [CliRunner().invoke(main, ["--out", str(o), "show", "Rust", "--json"]) for o in (cli_out, py_out)]
    assert shows[0].exit_code == 0 and shows[0].stdout == shows[1].stdout
