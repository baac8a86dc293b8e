"""Progress on every long phase: real ``pickgraph`` processes on a real pseudo-terminal (bars naming each
phase), on a pipe (nothing on stderr but the summary's warnings) and with ``--quiet`` (no bar)."""

from __future__ import annotations

import fcntl
import http.server
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading

import pytest
from conftest import PICKGRAPH, ROOT, render_comparison, render_topic_page, write_corpus

#: the phases of a build and the outputs its "writing outputs" bar names as each is written (GraphML and the
#: overview by one process, which draws both from one Louvain run: graph.export.registry.TOGETHER)
BUILD_PHASES = ["reading", "resolving names", "building the graph", "checking the inputs did not change",
                "writing outputs", "fitting every pick", "making the suggestion index"]
OUTPUTS = ["graphml, overview", "turtle", "ontology", "html", "cache", "models", "search"]
SUMMARY = "3 documents (2 comparison pages, 1 topic pages), 0 duplicates, 0 rejected"


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "pages", {
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha", related={"Alpha": ["Gamma"]}),
        "bc.txt": render_comparison("Beta", "Gamma", "Gamma"),
        "alpha.txt": render_topic_page("Alpha", "A first letter of the alphabet."),
    })


def on_terminal(*args: str, columns: int = 120, command: list[str] = PICKGRAPH) -> str:
    """What a terminal shows of ``pickgraph ARGS`` (stdout and stderr), run on a pseudo-terminal of
    ``columns`` columns; carriage returns become new lines, so every redraw of a bar is a line."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PICKGRAPH_QUIET")}
    proc = subprocess.Popen([*command, *args], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                            env={**env, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"})
    os.close(slave)
    out = b""
    try:
        while True:  # until the process ends and its terminal closes (or 5 minutes of silence)
            ready, _, _ = select.select([master], [], [], 300)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not data:
                break
            out += data
    finally:
        os.close(master)
        proc.wait(60)
    assert proc.returncode == 0, out.decode(errors="replace")
    return out.decode().replace("\r\n", "\n").replace("\r", "\n")


def bar_lines(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name + ":")]


def test_a_build_on_a_terminal_shows_every_phase(corpus, tmp_path):
    shown = on_terminal("build", str(corpus), "--out", str(tmp_path / "o"))
    for name in BUILD_PHASES:
        assert bar_lines(shown, name), f"no bar for {name!r} in:\n{shown}"
    assert "3/3 [" in " ".join(bar_lines(shown, "reading"))  # a count of the known size, with a rate
    assert "page/s" in " ".join(bar_lines(shown, "reading"))
    written = bar_lines(shown, "writing outputs")
    assert [o for o in OUTPUTS if any(line.rstrip().endswith(f"file/s, {o}]") for line in written)] == OUTPUTS
    assert "8/8 [" in written[-1]
    # and the bars are cleared: the summary follows on its own lines
    assert SUMMARY in shown.splitlines()

    again = on_terminal("build", str(corpus), "--out", str(tmp_path / "o"))  # the last build's pages reused
    assert bar_lines(again, "checking the last build")


def test_a_streamed_build_shows_its_phases(corpus, tmp_path):
    shown = on_terminal("build", str(corpus), "--stream", "--out", str(tmp_path / "o"))
    for name in ("reading", "resolving names", "writing", "writing exports"):
        assert bar_lines(shown, name), f"no bar for {name!r} in:\n{shown}"


def test_quiet_draws_no_bar(corpus, tmp_path):
    shown = on_terminal("build", str(corpus), "--out", str(tmp_path / "o"), "--quiet")
    assert [line for line in shown.splitlines() if ": " in line and "[" in line] == []
    assert shown.splitlines()[0] == SUMMARY
    shown = on_terminal("--quiet", "build", str(corpus), "--out", str(tmp_path / "p"))
    assert shown.splitlines()[0] == SUMMARY


def test_a_pipe_gets_no_bar(corpus, tmp_path):
    r = subprocess.run([*PICKGRAPH, "build", str(corpus), "--out", str(tmp_path / "o")], cwd=ROOT,
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.splitlines()[0] == SUMMARY


def test_the_sparql_store_is_made_with_progress(corpus, tmp_path):
    out = str(tmp_path / "o")
    on_terminal("build", str(corpus), "--out", out, "--quiet")
    shown = on_terminal("--out", out, "sparql", "@win-loss")
    for name in ("SPARQL store: reading the Turtle export", "SPARQL store: loading", "SPARQL store: compacting"):
        assert bar_lines(shown, name), f"no bar for {name!r} in:\n{shown}"
    assert "B/s" in " ".join(bar_lines(shown, "SPARQL store: loading"))  # bytes of a known size, with a rate


class _Store(http.server.BaseHTTPRequestHandler):
    """A graph store that takes every PUT and POST (and keeps the triples' lines)."""

    lines: list[bytes] = []

    def _take(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Store.lines += body.splitlines()
        self.send_response(201 if self.command == "PUT" else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST = _take

    def log_message(self, *args) -> None:
        pass


def test_push_shows_the_triples_sent(corpus, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _Store.lines = []
        shown = on_terminal("--out", str(tmp_path / "o"), "push", "--corpus", str(corpus), "--endpoint",
                            f"http://127.0.0.1:{server.server_address[1]}/store", "--batch-size", "10")
    finally:
        server.shutdown()
        server.server_close()
    sent = len(_Store.lines)
    assert sent > 10 and bar_lines(shown, "push: N-Triples of the graph")
    assert f"{sent}/{sent} [" in bar_lines(shown, "push")[-1] and "triple/s" in bar_lines(shown, "push")[-1]


def test_exports_written_in_forked_processes_are_named_as_each_ends(corpus, tmp_path):
    """Forked writers draw nothing themselves; the parent's bar names each as its process ends."""
    script = ("import sys; from graph import load as build; from graph.build import progress; from graph.export.registry import export_many; "
              "progress.show(True); G, _ = build([sys.argv[1]]); "
              "export_many(G, ['graphml', 'csv', 'ontology'], sys.argv[2], fork=True)")
    (tmp_path / "o").mkdir()
    shown = on_terminal(str(corpus), str(tmp_path / "o"), command=[sys.executable, "-c", script])
    written = bar_lines(shown, "writing outputs")
    assert [o for o in ("graphml", "csv", "ontology") if any(line.rstrip().endswith(f"file/s, {o}]")
                                                             for line in written)] == ["graphml", "csv", "ontology"]
    assert "3/3 [" in written[-1]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["pickgraph-edges.csv", "pickgraph-ontology.ttl",
                                                                   "pickgraph.graphml"]
