"""Hostile inputs (issue #24): folders that lead into the running system, alias files nested without
end, and page text, file names and server replies that carry terminal control sequences.

Every command runs as a real ``pickgraph`` process; the subprocess timeouts only guard against a hang.
Output is checked as bytes: nothing a terminal acts on may reach it raw.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import PICKGRAPH, render_comparison
from graph.read import files

HANG_GUARD = 180  # seconds; a walk of /proc never ends, so a regression fails here instead of hanging

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_LINK = "\x1b]8;;http://127.0.0.1/\x07link\x1b]8;;\x07"
EVIL_NAME = f"Evil{OSC_TITLE}Tool\u202e"
EVIL_SLUG = "evil-0-pwned-tool"
EVIL_PRO = f"Fast {OSC_LINK}\x1b[2J\u202e\x9b31m\x7f builds\u2066 for all"
#: how the name and the pro read once escaped
EVIL_NAME_SHOWN = "Evil\\x1b]0;pwned\\x07Tool\\u202e"
EVIL_PRO_SHOWN = ("Fast \\x1b]8;;http://127.0.0.1/\\x07link\\x1b]8;;\\x07\\x1b[2J\\u202e\\x9b31m\\x7f builds\\u2066 "
                  "for all")


def raw_controls(data: bytes) -> list[str]:
    """The characters of ``data`` a terminal would act on: C0 but the line break, DEL, C1, bidi controls."""
    return [c for c in data.decode("utf-8") if (c < " " and c != "\n") or "\x7f" <= c <= "\x9f"
            or "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``pickgraph ARGS`` as a process, its output as bytes."""
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    return subprocess.run([*PICKGRAPH, *args], cwd=cwd, capture_output=True, timeout=HANG_GUARD,
                          env={**environ, **(env or {})})


# --------------------------------------------------------- the system's trees --

def test_links_to_proc_sys_and_dev_are_not_walked(tmp_path):
    corpus = tmp_path / "pages"
    corpus.mkdir()
    (corpus / "a.txt").write_text(render_comparison("Redis", "Memcached", "Redis"), encoding="utf-8")
    for tree in ("proc", "sys", "dev"):
        (corpus / tree).symlink_to(f"/{tree}")
    (corpus / "status.txt").symlink_to("/proc/self/status")  # a "page" that is the process's own status
    out = tmp_path / "out"
    r = run("--out", str(out), "build", str(corpus), "--json", cwd=tmp_path)
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["comparisons"] == 1 and data["summary"]["documents"] == 1
    reasons = {Path(x["path"]).name: x["reason"] for x in data["rejections"]}
    view = "file system (a view of the running system, not saved pages); not read"
    dev = reasons.pop("dev")
    assert reasons == {"proc": f"on a proc {view}", "sys": f"on a sysfs {view}", "status.txt": f"on a proc {view}"}
    # /dev is devtmpfs on a machine, often a plain tmpfs in a container: known by its type or as /dev itself
    assert dev in (f"on a devtmpfs {view}", "the system's /dev folder, not saved pages; not read")
    # the text report names each skipped entry on one line
    r = run("--out", str(out), "build", str(corpus), cwd=tmp_path)
    assert f"rejected {corpus}/proc:0: on a proc {view}".encode() in r.stderr.splitlines()
    assert b"1 documents (1 comparison pages" in r.stdout


def test_a_walk_stops_at_its_bounds_and_says_where(tmp_path):
    top = tmp_path / "wide"
    top.mkdir()
    for i in range(30):
        (top / f"p{i:02}.txt").write_text("page", encoding="utf-8")
    found = files.scan([top], max_entries=10)
    assert found.files == []
    assert [(r.path, r.reason) for r in found.rejections] == [
        (str(top), "the walk stopped here: the inputs hold more than 10 entries; the rest was not read")]
    assert len(files.scan([top]).files) == 30  # the default bound is far above a corpus

    deep = tmp_path / "deep"
    folder = deep
    for i in range(files.MAX_DEPTH + 5):
        folder = folder / "d"
    folder.mkdir(parents=True)
    (folder / "bottom.txt").write_text("page", encoding="utf-8")
    (deep / "top.txt").write_text("page", encoding="utf-8")
    found = files.scan([deep])
    assert [Path(f.path).name for f in found.files] == ["top.txt"]
    too_deep = str(deep) + "/d" * (files.MAX_DEPTH + 1)
    assert [(r.path, r.reason) for r in found.rejections] == [
        (too_deep, f"the folder is nested more than {files.MAX_DEPTH} folders below {deep}; not read")]


# ----------------------------------------------------------------- alias file --

@pytest.mark.parametrize("nested", [
    "x = " + "[" * 100_000 + "]" * 100_000,
    "x = " + "{ a = " * 5_000 + "1" + " }" * 5_000,
])
def test_an_alias_file_nested_without_end_is_one_line_error(tmp_path, nested):
    corpus = tmp_path / "pages"
    corpus.mkdir()
    (corpus / "a.txt").write_text(render_comparison("Redis", "Memcached", "Redis"), encoding="utf-8")
    aliases = tmp_path / "aliases.toml"
    aliases.write_text(f"[aliases]\n{nested}\n", encoding="utf-8")
    r = run("--aliases", str(aliases), "--out", str(tmp_path / "out"), "build", str(corpus), cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == b""
    assert r.stderr.decode() == (f"Error: {aliases}: too deeply nested (arrays or tables inside each other beyond "
                                 "what can be read); an alias file holds lists of names\n")
