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
    (corpus / "nest").mkdir()
    (corpus / "nest" / "up").symlink_to("..")  # a loop: its folder is walked once, no rejection
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


def test_an_alias_file_over_the_size_limit_is_one_line_error(tmp_path):
    corpus = tmp_path / "pages"
    corpus.mkdir()
    (corpus / "a.txt").write_text(render_comparison("Redis", "Memcached", "Redis"), encoding="utf-8")
    aliases = tmp_path / "aliases.toml"
    aliases.write_text("[aliases]\n" + "".join(f'a{i} = ["b{i}"]\n' for i in range(300_000)), encoding="utf-8")
    r = run("--aliases", str(aliases), "--out", str(tmp_path / "out"), "build", str(corpus), cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == b""
    assert r.stderr.decode() == (f"Error: {aliases}: cannot read the alias file: larger than "
                                 f"{files.DEFAULT_MAX_BYTES:,} bytes\n")


# ------------------------------------------------------------ control sequences --

@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path]:
    """A built corpus whose topic name and pros carry control sequences, and whose file names carry
    line breaks and ESC: (the folder the commands run in, the corpus)."""
    home = tmp_path_factory.mktemp("hostile")
    corpus = home / "pages"
    corpus.mkdir()
    (corpus / "evil.txt").write_text(render_comparison(
        EVIL_NAME, "Goodtool", EVIL_NAME, pros={EVIL_NAME: [EVIL_PRO], "Goodtool": ["Plain pro\x1b[31m red"]},
        related={EVIL_NAME: ["goodtool", "other"], "Goodtool": ["other"]}), encoding="utf-8")
    (corpus / "ok\x1b[31m\nname.txt").write_text(render_comparison("Other", "Goodtool", "Other"), encoding="utf-8")
    (corpus / "x\nrejected fake.txt:1: forged\x1b]0;t\x07.txt").write_text("no title here\n", encoding="utf-8")
    r = run("--out", "out", "build", str(corpus), cwd=home)
    assert r.returncode == 1, r.stderr
    return home, corpus


def test_build_report_shows_file_names_escaped(hostile):
    home, corpus = hostile
    r = run("--out", "out\x1b]0;t\x07\n", "build", str(corpus), cwd=home)  # an out folder named like a page
    assert raw_controls(r.stdout + r.stderr) == []
    [line] = r.stderr.decode().splitlines()
    assert line.startswith(f"rejected {corpus}/x\\nrejected fake.txt:1: forged\\x1b]0;t\\x07.txt:1: no comparison ")
    assert "wrote out\\x1b]0;t\\x07\\n/pickgraph.ttl" in r.stdout.decode().splitlines()


@pytest.mark.parametrize("args, expected", [
    (["topics"], f"{EVIL_NAME_SHOWN}  {EVIL_SLUG}    1  1  0"),
    (["show", EVIL_SLUG], f"  + {EVIL_PRO_SHOWN}  [PAGES/evil.txt:21]"),
    (["show", "goodtool"], f"  vs {EVIL_NAME_SHOWN}: loss (pick: {EVIL_NAME_SHOWN})  [PAGES/evil.txt]"),
    (["show", "other"], "  vs Goodtool: win (pick: Other)  [PAGES/ok\\x1b[31m\\nname.txt]"),
    (["compare", "goodtool", "other"], "  [PAGES/ok\\x1b[31m\\nname.txt] Other vs Goodtool: pick Other"),
    (["compare", "goodtool", "other"], f"  both relate to: {EVIL_NAME_SHOWN}"),
    (["why", EVIL_SLUG, "goodtool"], f"  + {EVIL_PRO_SHOWN}  [PAGES/evil.txt:21]"),
    (["why", EVIL_SLUG, "goodtool"], f"Win chain: {EVIL_NAME_SHOWN} beat Goodtool"),
    (["suggest", "other"], f"  1. {EVIL_NAME_SHOWN}  (score 1.614)"),
    (["suggest", "goodtool", "other"], f"  1. {EVIL_NAME_SHOWN} vs Goodtool  (page exists; score 1.625)"),
])
def test_query_output_shows_control_sequences_escaped(hostile, args, expected):
    home, corpus = hostile
    r = run("--out", "out", *args, "--corpus", "pages", cwd=home)
    assert r.returncode == 0, r.stderr
    assert raw_controls(r.stdout + r.stderr) == []
    assert expected.replace("PAGES", str(corpus)) in r.stdout.decode().splitlines()


def test_identity_shows_merged_spellings_escaped(tmp_path):
    corpus = tmp_path / "pages"
    corpus.mkdir()
    (corpus / "a.txt").write_text(render_comparison(EVIL_NAME, "Goodtool", EVIL_NAME), encoding="utf-8")
    (corpus / "b.txt").write_text(render_comparison(EVIL_NAME.upper(), "Other", "Other"), encoding="utf-8")
    r = run("--out", "out", "identity", "--corpus", "pages", cwd=tmp_path)
    assert r.returncode == 0 and raw_controls(r.stdout + r.stderr) == []
    assert r.stdout.decode().splitlines()[:2] == [
        "Merges (1):", f"  [slug] {EVIL_SLUG}: EVIL\\x1b]0;PWNED\\x07TOOL\\u202e = {EVIL_NAME_SHOWN}"]


def test_errors_show_control_sequences_escaped(hostile):
    home, _ = hostile
    r = run("--out", "out", "show", "evil-tool", "--corpus", "pages", cwd=home)
    assert r.returncode == 1 and raw_controls(r.stdout + r.stderr) == []
    assert r.stderr.decode() == (f"Error: unknown topic 'evil-tool'; did you mean: {EVIL_NAME_SHOWN}? "
                                 "List topics with 'pickgraph topics'.\n")
    r = run("--out", "out", "show", f"no\n{OSC_TITLE}such", "--corpus", "pages", cwd=home)
    assert r.returncode == 1 and raw_controls(r.stdout + r.stderr) == [] and r.stderr.count(b"\n") == 1


def test_colour_is_the_only_escape_sequence_left(hostile):
    home, _ = hostile
    r = run("--out", "out", "show", "goodtool", "--corpus", "pages", "--color", cwd=home)
    text = r.stdout.decode()
    assert "\x1b[1mGoodtool\x1b[0m  (goodtool)" in text.splitlines()
    assert [c for c in text.replace("\x1b[1m", "").replace("\x1b[0m", "") if c in "\x1b\x07\x9b\u202e"] == []


def test_json_output_has_no_raw_controls_and_the_same_values(hostile):
    home, _ = hostile
    r = run("--out", "out", "show", EVIL_SLUG, "--corpus", "pages", "--json", cwd=home)
    assert r.returncode == 0 and raw_controls(r.stdout) == []
    info = json.loads(r.stdout)
    assert info["name"] == EVIL_NAME and [p["text"] for p in info["pros"]] == [EVIL_PRO]
    r = run("--out", "out", "show", "evil-tool", "--corpus", "pages", "--json", cwd=home)
    assert r.returncode == 1 and raw_controls(r.stdout) == []
    assert json.loads(r.stdout)["suggestions"] == [EVIL_NAME]


def test_sparql_table_and_json_show_control_sequences_escaped(hostile):
    home, _ = hostile
    query = "SELECT ?n WHERE { ?t a pg:Topic ; skos:prefLabel ?n } ORDER BY ?n"
    r = run("--out", "out", "sparql", query, "--corpus", "pages", cwd=home)
    assert r.returncode == 0 and raw_controls(r.stdout + r.stderr) == []
    assert r.stdout.decode().splitlines()[2:5] == [EVIL_NAME_SHOWN, "Goodtool", "Other"]
    r = run("--out", "out", "sparql", query, "--corpus", "pages", "--json", cwd=home)
    assert r.returncode == 0 and raw_controls(r.stdout) == []
    assert json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"] == EVIL_NAME


def test_completion_menus_show_names_escaped(hostile):
    home, _ = hostile
    env = {"_PICKGRAPH_COMPLETE": "zsh_complete", "COMP_WORDS": "pickgraph --out out show Ev", "COMP_CWORD": "4"}
    r = run(cwd=home, env=env)
    assert r.returncode == 0 and raw_controls(r.stdout) == []
    assert r.stdout.decode().splitlines() == ["plain", EVIL_SLUG, EVIL_NAME_SHOWN]


# ---------------------------------------------------------- a store's replies --

class _Hostile:
    """A stub store on 127.0.0.1 that answers every request with ``reply`` (raw bytes) and closes."""

    def __init__(self, reply: bytes):
        import socket

        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(HANG_GUARD)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/store"
        self.thread = threading.Thread(target=self._answer, daemon=True)
        self.thread.start()

    def _answer(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(HANG_GUARD)
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            conn.sendall(self.reply)

    def close(self) -> None:
        self.thread.join(HANG_GUARD)
        self.sock.close()


@pytest.mark.parametrize("reply, shown", [
    (b"HTTP/1.1 400 Bad\x1b]0;pwned\x07Request\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"
     b"line one\n\x1b]0;pwned\x07line two\r\n\xc2\x9b31mred\xe2\x80\xae",
     "answered HTTP 400 Bad\\x1b]0;pwned\\x07Request to the PUT: line one \\x1b]0;pwned\\x07line two "
     "\\x9b31mred\\u202e"),
    (b"HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1/a\r\n \x1b]0;pwned\x07second\r\n"
     b"Content-Length: 0\r\nConnection: close\r\n\r\n",
     # a folded Location header with controls in it: httpx refuses the reply, and the error quotes it escaped
     "sent a malformed reply (Invalid URL in location header: Invalid non-printable ASCII character in URL, "
     "'\\x1b' at position 19..)"),
])
def test_push_error_echoing_a_hostile_reply_is_one_line(hostile, reply, shown):
    home, _ = hostile
    store = _Hostile(reply)
    try:
        r = run("--out", "out", "push", "--endpoint", store.url, "--corpus", "pages", "--timeout", "60", cwd=home)
    finally:
        store.close()
    assert r.returncode == 1 and r.stdout == b""
    assert raw_controls(r.stderr) == [] and r.stderr.count(b"\n") == 1
    assert r.stderr.decode() == f"Error: {store.url} {shown}\n"
