"""Shared fixtures: the seeds, the bundled corpus, and small hand-made corpora."""

from __future__ import annotations

import os
import sys

import secrets
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest

from servehelp import Server, build as build_out

from graph.build.pipeline import build
from graph.read import read_file
from graph.read.records import Comparison, TopicPage
from graph.read.render import render_comparison, render_topic_page

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: one invented file per real page shape (tests/fixtures/real/README.md)
REAL = FIXTURES / "real"


def real_text(name: str) -> str:
    """The text of one real-shape fixture."""
    return (REAL / name).read_text(encoding="utf-8")


def read_real(name: str) -> Comparison | TopicPage:
    """One real-shape fixture read as a page (every one of them must be accepted)."""
    page, _ = read_file(REAL / name)
    assert isinstance(page, (Comparison, TopicPage)), page
    return page
SEEDS = Path(os.environ.get("PICKGRAPH_SEEDS", ROOT.parent / "shared" / "seeds"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = Path(os.environ.get("PICKGRAPH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def missing(reason: str) -> None:
    """Skip a test that needs what this machine lacks; under CI, which provides it, fail instead.

    So a fresh clone with nothing beside it passes, and in CI such tests cannot stop running unnoticed.
    """
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The user's two real sample pages (../shared/seeds, or $PICKGRAPH_SEEDS), where that folder exists."""
    if not SEEDS.is_dir():
        missing(f"the sample pages (outside the repository) are not at {SEEDS}; set PICKGRAPH_SEEDS to their folder")
    return SEEDS


@pytest.fixture(scope="session")
def seeds_graph(seeds_dir):
    G, _ = build([seeds_dir])
    return G


@pytest.fixture(scope="session")
def data_graph():
    """The graph of the bundled data/ corpus."""
    G, _ = build([DATA])
    return G


def write_corpus(folder: Path, pages: dict[str, str]) -> Path:
    """Write ``{file name: text}`` into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def make_corpus(tmp_path):
    """``make_corpus({"a.txt": text, …})`` → a folder of pages."""
    def make(pages: dict[str, str], name: str = "corpus") -> Path:
        return write_corpus(tmp_path / name, pages)
    return make


#: markup that must be shown as text, never run, wherever document text is displayed
IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"


@pytest.fixture
def payload_graph(make_corpus):
    """A graph whose document text carries markup payloads."""
    folder = make_corpus({
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha",
                                    descriptions={"Alpha": f"Developers should use Alpha {IMG} and {SCRIPT} for it"},
                                    pros={"Alpha": [f"Fast builds {IMG} for everyone here"]}),
    }, "payload")
    G, _ = build([folder])
    return G


def tiny_pages() -> dict[str, str]:
    """A hand-made corpus whose answers can be worked out by hand.

    Picks: A beats B, B beats C, C beats D; X vs Y stands apart (another component);
    P vs Q is contested (one page each way). Related: A→shared, C→shared, D→rare.
    """
    return {
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha", related={"Alpha": ["shared", "beta"], "Beta": ["common"]}),
        "bc.txt": render_comparison("Beta", "Gamma", "Beta", related={"Beta": ["common"], "Gamma": ["shared"]}),
        "cd.txt": render_comparison("Gamma", "Delta", "Gamma", related={"Gamma": ["common"], "Delta": ["rare"]}),
        "xy.txt": render_comparison("Xeno", "Yotta", "Yotta", related={"Xeno": ["island"], "Yotta": ["island"]}),
        "pq.txt": render_comparison("Pi", "Qubit", "Pi", related={"Pi": ["common"], "Qubit": ["common"]}),
        "qp.txt": render_comparison("Qubit", "Pi", "Qubit", related={"Qubit": ["common"], "Pi": ["common"]}, compact=True),
    }


@pytest.fixture
def tiny_corpus(make_corpus) -> Path:
    return make_corpus(tiny_pages(), "tiny")


@pytest.fixture
def tiny_graph(tiny_corpus):
    G, _ = build([tiny_corpus])
    return G


def session_alive(sid: int) -> list[int]:
    """The processes of session ``sid`` still alive (not zombies), from Linux's /proc."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields after the name: state, ppid, pgrp, session
            alive.append(int(stat.parent.name))
    return alive


@pytest.fixture(scope="module")
def data_out(tmp_path_factory) -> Path:
    """An out folder holding a build of data/ by a real ``pickgraph build``; one per test module, which may change it."""
    from servehelp import build as build_out  # the tests' folder is on sys.path, as for every test module

    out = tmp_path_factory.mktemp("data-build") / "out"
    build_out(["data"], out)
    return out


__all__ = ["render_comparison", "render_topic_page", "write_corpus", "tiny_pages"]


#: The ``pickgraph`` command as a process of this interpreter (the tests' own checkout).
PICKGRAPH = [sys.executable, "-c", "from graph.cli import main; main(prog_name='pickgraph')"]

def stop_server(proc: subprocess.Popen, grace: float) -> None:
    """Stop a server the tests started: asked first, killed after ``grace`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------- Virtuoso --

VIRTUOSO = shutil.which("virtuoso-t")  # Debian's virtuoso-opensource (.ci/run installs it)
VIRTUOSO_ISQL = shutil.which("isql-vt")


@dataclass(frozen=True)
class Virtuoso:
    """A running Virtuoso: its HTTP root, the Graph Store endpoint behind Digest auth, and its dba's password."""

    url: str
    sql_port: int
    password: str
    user: str = "dba"

    @property
    def crud(self) -> str:
        """The authenticated Graph Store Protocol endpoint (HTTP Digest)."""
        return f"{self.url}/sparql-graph-crud-auth"

    def env(self) -> dict[str, str]:
        """The environment that lets ``pickgraph push`` write into this store."""
        return {"PICKGRAPH_PUSH_USER": self.user, "PICKGRAPH_PUSH_PASSWORD": self.password,
                "PICKGRAPH_PUSH_AUTH": "digest"}

    def select(self, query: str, graph: str | None = None, typed: bool = True) -> list[dict]:
        """Rows of a SELECT on the public SPARQL endpoint (``graph``: the default graph), values typed."""
        from graph.sparql import run as sparql

        params = {"query": query, **({"default-graph-uri": graph} if graph else {})}
        req = urllib.request.Request(f"{self.url}/sparql", data=urllib.parse.urlencode(params).encode(),
                                     headers={"Accept": "application/sparql-results+json",
                                              "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return sparql.parse_results(resp.read(), "json", typed=typed)


_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/www
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory) -> Virtuoso:
    """A real Virtuoso on 127.0.0.1 (free ports, its own database folder), for the whole session.

    Its dba gets a fresh password; its Graph Store endpoint ``/sparql-graph-crud-auth``
    asks for HTTP Digest; ``/sparql`` answers anonymous SELECTs. Skipped where Debian's
    ``virtuoso-opensource`` is not installed, except under CI, which installs it: there it fails.
    """
    if not VIRTUOSO or not VIRTUOSO_ISQL:
        missing("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "www").mkdir()
    sql, http = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_VIRTUOSO_INI.format(d=folder, sql=sql, http=http))
    log = open(folder / "console.log", "wb")
    proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                            stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        stop_server(proc, 30)
        log.close()

    def failed(why: str) -> None:
        stop()
        pytest.fail(f"Virtuoso {why}: {(folder / 'console.log').read_text(errors='replace')[-2000:]}")

    url = f"http://127.0.0.1:{http}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            failed(f"exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            failed("did not answer within 120 s")
        time.sleep(0.25)
    password = "pg-" + secrets.token_hex(8)
    done = subprocess.run([VIRTUOSO_ISQL, f"127.0.0.1:{sql}", "dba", "dba",
                           f"exec=USER_SET_PASSWORD ('dba', '{password}');"], capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0 or "Error" in done.stdout + done.stderr:
        failed(f"did not take the dba password: {done.stdout}{done.stderr}")
    yield Virtuoso(url, sql, password)
    stop()


__all__ = ["render_comparison", "render_topic_page", "write_corpus", "tiny_pages", "free_port", "Virtuoso"]


# The browser fixtures live here, not in a test module, so that the browser test files share them
# without importing a fixture from one another.
def _browser_unavailable() -> str | None:
    if find_spec("playwright") is None:
        return "Playwright's Python package is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}: install it (Debian: apt-get install chromium) or set PICKGRAPH_CHROMIUM"
    return None


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Playwright); skips with the reason when absent, fails in CI."""
    reason = _browser_unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def data_server(tmp_path_factory):
    """A real ``pickgraph serve`` of a build of data/."""
    out = tmp_path_factory.mktemp("serve-browser") / "out"
    build_out(["data"], out)
    with Server(out) as s:
        yield s


@pytest.fixture
def tmpfs(tmp_path):
    """A mount of a small tmpfs, or a skip where this process may not mount."""
    mounts = []

    def mount(size: str) -> Path:
        where = tmp_path / f"mnt{len(mounts)}"
        where.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
        if r.returncode:
            if os.environ.get("CI") and os.geteuid() == 0:
                pytest.fail(f"cannot mount a tmpfs: {r.stderr.decode()}")
            pytest.skip("mounting a tmpfs needs root")
        mounts.append(where)
        return where

    yield mount
    for where in mounts:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
