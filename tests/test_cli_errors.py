"""Errors under --json: one JSON object on standard output, the same exit status as the text error.

Every case runs twice, with and without --json, through the real command group.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading

import click
import pytest
from click.testing import CliRunner

from graph.cli import PickgraphGroup, main
from graph.errors import EXIT_BUSY, EXIT_TIMEOUT, EXIT_WRITE, Busy, TimedOut, WriteFailed
from graph.read.render import render_comparison
from conftest import PICKGRAPH


@pytest.fixture
def corpus(make_corpus):
    return make_corpus({"a.txt": render_comparison("Go", "Rust", "Rust"),
                        "b.txt": render_comparison("Rust", "Zig", "Zig")})


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="pickgraph", catch_exceptions=False)


def both(*args: str):
    """The text run and the --json run of one command line."""
    return run(*args), run(*args, "--json")


def test_unknown_topic_json_has_the_query_and_the_suggestions(corpus, tmp_path):
    text, js = both("--out", str(tmp_path / "o"), "show", "Rustt", "--corpus", str(corpus))
    assert text.exit_code == js.exit_code == 1
    message = "unknown topic 'Rustt'; did you mean: Rust?"
    # the pointer to `topics` is for a reader; the JSON is the API's error body, word for word
    assert text.stderr == f"Error: {message} List topics with 'pickgraph topics'.\n" and text.stdout == ""
    assert json.loads(js.stdout) == {"error": message, "exit_code": 1, "kind": "unknown_topic",
                                     "query": "Rustt", "suggestions": ["Rust"]}
    assert js.stderr == ""


def test_no_build_is_json_with_exit_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/ folder here to fall back on
    text, js = both("--out", "nowhere", "topics")
    assert text.exit_code == js.exit_code == 1
    data = json.loads(js.stdout)
    assert data["kind"] == "no_build" and data["exit_code"] == 1
    assert data["error"].startswith("no build in nowhere/ to answer from")
    assert text.stderr == f"Error: {data['error']}\n"


@pytest.mark.parametrize("args, kind, fields", [
    (["show"], "missing_parameter", {"param": "topic", "command": "pickgraph show",
                                     "usage": "Usage: pickgraph show [OPTIONS] TOPIC"}),
    (["topics", "--limt", "3"], "no_such_option", {"option": "--limt", "suggestions": ["--limit", "--width"],
                                                     "command": "pickgraph topics",
                                                     "usage": "Usage: pickgraph topics [OPTIONS]"}),
    (["topics", "--limit", "x"], "bad_parameter", {"param": "--limit", "command": "pickgraph topics",
                                                   "usage": "Usage: pickgraph topics [OPTIONS]"}),
    (["shw", "Go"], "no_such_command", {"command": "pickgraph", "usage": "Usage: pickgraph [OPTIONS] COMMAND [ARGS]..."}),
    (["--outt", "x", "topics"], "no_such_option", {"option": "--outt", "suggestions": ["--out", "--quiet"], "command": "pickgraph",
                                               "usage": "Usage: pickgraph [OPTIONS] COMMAND [ARGS]..."}),
])
def test_usage_errors_are_json_with_exit_2(args, kind, fields):
    text, js = both(*args)
    assert text.exit_code == js.exit_code == 2
    data = json.loads(js.stdout)
    assert data.pop("exit_code") == 2
    assert data.pop("kind") == kind
    message = data.pop("error")
    assert data == fields
    assert text.stderr.endswith(f"Error: {message}\n")
    assert text.stderr.startswith(fields["usage"] + "\n")


@pytest.mark.parametrize("flag", [["--format", "json"], ["--json"]])
def test_a_bad_sparql_query_is_json_with_format_json(corpus, tmp_path, flag):
    args = ["--out", str(tmp_path / "o"), "sparql", "SELECT nonsense", "--corpus", str(corpus)]
    text, js = run(*args), run(*args, *flag)
    assert text.exit_code == js.exit_code == 1
    data = json.loads(js.stdout)
    assert data["kind"] == "sparql_error" and data["error"] in text.stderr


def test_json_after_a_double_dash_is_an_argument_not_the_flag(corpus, tmp_path):
    r = run("--out", str(tmp_path / "o"), "show", "--corpus", str(corpus), "--", "--json")
    assert r.exit_code == 1 and r.stderr.startswith("Error: unknown topic '--json'")


# The exit statuses 3, 4 and 5 are raised by the build and by push; here the group maps the real
# error classes, raised by a command of a real PickgraphGroup.
@pytest.mark.parametrize("error, status, kind, fields", [
    (WriteFailed("out/pickgraph.ttl", "No space left on device"), EXIT_WRITE, "write_failed",
     {"path": "out/pickgraph.ttl", "reason": "No space left on device", "outcome": "the previous outputs are unchanged"}),
    (Busy("another build is writing out/"), EXIT_BUSY, "busy", {}),
    (TimedOut("the query ran out of time (10 s)"), EXIT_TIMEOUT, "timed_out", {}),
])
def test_each_error_class_keeps_its_exit_status_in_json(error, status, kind, fields):
    @click.group(cls=PickgraphGroup)
    def group():
        pass

    @group.command()
    @click.option("--json", "as_json", is_flag=True)
    def fail(as_json):
        raise error

    text = CliRunner().invoke(group, ["fail"])
    js = CliRunner().invoke(group, ["fail", "--json"])
    assert text.exit_code == js.exit_code == status
    assert text.stderr == f"Error: {error}\n"
    assert json.loads(js.stdout) == {"error": str(error), "exit_code": status, "kind": kind, **fields}


def test_ctrl_c_exits_130_with_a_json_error(corpus, tmp_path):
    """A push waiting on a store that never answers, interrupted like a user's Ctrl-C."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = threading.Event()
    conns = []

    def accept():
        conn, _ = server.accept()
        conns.append(conn)  # held open, never answered
        accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    port = server.getsockname()[1]
    env = {**os.environ, "NO_COLOR": "1"}
    for as_json in (False, True):
        accepted.clear()
        if as_json:
            threading.Thread(target=accept, daemon=True).start()
        cmd = [*PICKGRAPH, "--out", str(tmp_path / "o"), "push", "--corpus", str(corpus),
               "--endpoint", f"http://127.0.0.1:{port}/store", "--timeout", "60"] + (["--json"] if as_json else [])
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        assert accepted.wait(60), proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        if as_json:
            assert json.loads(out) == {"error": "interrupted", "exit_code": 130, "kind": "interrupted"}
        else:
            assert out == "" and err.strip() == "Error: interrupted"
    server.close()
    for c in conns:
        c.close()
