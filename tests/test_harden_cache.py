"""An out folder from anywhere (#24): its cache files never run code, hang or bloat; cleanup touches only
pickgraph's own files; a signal gets a truthful status.

Every case runs the real ``pickgraph`` in a process of its own, with a cache key of the test's own
(``PICKGRAPH_CACHE_KEY``) and, where a file could bloat it, an address-space limit of 2 GB.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import ROOT, session_alive
from graph.build import outdir as output
from graph.build.record import BUILD_RECORD, cache_path, pages_path
from graph.build.queryindex import index_paths
from graph.evaluate.generate import generate, write
from graph.query.models import models_path, part_path
from graph.read.render import render_comparison

#: a hang guard, not a speed limit: a command that waits on a pipe never ends by itself
HANG = 120


def page(a: str, b: str, pick: str) -> str:
    return render_comparison(a, b, pick, related={a: ["build-tools"], b: ["memory-safety"]})


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(page("Go", "Rust", "Rust"), encoding="utf-8")
    (folder / "b.txt").write_text(page("Zig", "Odin", "Zig"), encoding="utf-8")
    return folder


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def cli(tmp: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PICKGRAPH_CACHE_KEY": str(tmp / "key" / "cache-key")}
    return subprocess.run([sys.executable, "-c", "from graph.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, timeout=HANG, preexec_fn=limit_memory, **kw)


def damaged_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "damaged" in line]


@pytest.fixture
def built(tmp_path):
    """A corpus built into ``out``: (tmp, corpus, out, the graph cache's path)."""
    folder = corpus(tmp_path / "c")
    out = tmp_path / "out"
    r = cli(tmp_path, "--out", str(out), "build", str(folder))
    assert r.returncode == 0, r.stderr
    r = cli(tmp_path, "--out", str(out), "suggest", "Go")  # the build saved the models; this checks they load
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return tmp_path, folder, out, cache_path(out, [str(folder)])


# ------------------------------------------------------- no code from the out folder --

class Evil:
    """What an attacker pickles: loading it runs ``touch MARKER``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def cache_file(cache: Path, kind: str) -> Path:
    return {"graph": cache, "files": pages_path(cache), "docs": cache.with_suffix(".docs"),
            "models": part_path(models_path(cache), "index"), "index": index_paths(cache)[0],
            "index data": index_paths(cache)[1]}[kind]


#: the layout of each cache file before #24: magic line, an unkeyed sha256, the pickle
OLD_MAGIC = {"graph": b"pickgraph-cache 2\n", "files": b"pickgraph-files 1\n", "models": b"pickgraph-model 2\n",
             "index": b"pickgraph-qindex 0\n"}


def plant_unkeyed(path: Path, kind: str, evil: bytes, layout: str) -> None:
    """The attack of #24: a pickle behind a digest anyone can compute (old layout), or a seal made without
    the user's key (today's)."""
    if layout == "old":
        path.write_bytes(OLD_MAGIC[kind] + hashlib.sha256(evil).digest() + evil)
        return
    from graph.build import cachefile
    from graph.build.pipeline import CACHE_MAGIC, FILES_MAGIC
    from graph.build.queryindex import INDEX_MAGIC
    from graph.query.models import MODELS_MAGIC

    magic = {"graph": CACHE_MAGIC, "files": FILES_MAGIC, "models": MODELS_MAGIC, "index": INDEX_MAGIC}[kind]
    path.write_bytes(cachefile.seal(magic, evil, os.urandom(32)) + evil)


def forge_crc(data: bytearray, start: int, want: int) -> None:
    """Set the 4 bytes at ``start`` so that the CRC-32 of ``data`` is ``want`` (CRC-32 is affine over GF(2))."""
    data[start:start + 4] = b"\0\0\0\0"
    base = zlib.crc32(data)
    effects = []  # the CRC change of each bit of the 4 bytes
    for bit in range(32):
        data[start + bit // 8] ^= 1 << (bit % 8)
        effects.append(zlib.crc32(data) ^ base)
        data[start + bit // 8] ^= 1 << (bit % 8)
    rows = [(effects[i], 1 << i) for i in range(32)]  # Gaussian elimination: which bits make base ^ want
    need, chosen = base ^ want, 0
    for pos in reversed(range(32)):
        pivot = next((r for r in rows if r[0] >> pos & 1), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        rows = [(e ^ pivot[0], m ^ pivot[1]) if e >> pos & 1 else (e, m) for e, m in rows]
        if need >> pos & 1:
            need, chosen = need ^ pivot[0], chosen ^ pivot[1]
    assert need == 0
    for bit in range(32):
        if chosen >> bit & 1:
            data[start + bit // 8] ^= 1 << (bit % 8)


def plant_record(docs: Path, evil: bytes) -> None:
    """An evil pickle in the place of the record of a.txt (Go vs Rust), the store's size and CRC-32 kept."""
    from graph.build.documents import STORE_MAGIC

    data = bytearray(docs.read_bytes())
    crc = zlib.crc32(data)
    # the records' pickles (protocol 5, framed), end to end after the magic line and the token
    starts = [i for i in range(len(STORE_MAGIC) + 16, len(data)) if data.startswith(b"\x80\x05\x95", i)]
    assert starts[0] == len(STORE_MAGIC) + 16
    at = data.index(b"a.txt")
    start = max(i for i in starts if i < at)
    end = min([i for i in starts if i > at] + [len(data)])
    assert end - start > len(evil) + 4
    data[start:start + len(evil)] = evil  # pickle.loads stops at the evil pickle's STOP
    forge_crc(data, start + len(evil), crc)
    assert zlib.crc32(data) == crc and len(data) == docs.stat().st_size
    docs.write_bytes(bytes(data))


# query commands read the query index, never the graph cache; export reads the whole graph
PLANTS = [(kind, command, layout) for kind, command in [("graph", "export"), ("index", "topics"), ("index", "show"),
                                                       ("files", "build"), ("models", "suggest")]
          for layout in ("old", "today")]
# the store has one layout: records end to end, each checked against the sealed index before it is unpickled
PLANTS += [("docs", "why", "record"), ("docs", "build", "record")]


@pytest.mark.parametrize("kind,command,layout", PLANTS)
def test_a_planted_pickle_never_runs(built, kind, command, layout):
    tmp, folder, out, cache = built
    marker = tmp / "pwned"
    evil = pickle.dumps(Evil(marker))
    target = cache_file(cache, kind)
    if kind == "docs":
        plant_record(target, evil)
    else:
        plant_unkeyed(target, kind, evil, layout)
    args = {"topics": ["topics"], "show": ["show", "Go"], "suggest": ["suggest", "Go"], "why": ["why", "Rust", "Go"],
            "build": ["build", str(folder)], "export": ["export", "-f", "graphml", "-o", str(tmp / "g.graphml")]}[command]
    r = cli(tmp, "--out", str(out), *args)
    assert not marker.exists(), "the planted pickle ran"
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    if layout != "old":  # a file the key does not vouch for: one line, and a rebuild
        lines = damaged_lines(r.stderr)
        assert len(lines) == 1 and lines[0].endswith("; rebuilding it"), r.stderr
    r = cli(tmp, "--out", str(out), *args)  # the cache is whole again
    assert r.returncode == 0 and damaged_lines(r.stderr) == [] and not marker.exists(), r.stderr


def test_without_a_usable_key_no_cache_is_read_or_written(tmp_path):
    folder = corpus(tmp_path / "c")
    out = tmp_path / "out"
    key = tmp_path / "key" / "cache-key"
    key.parent.mkdir()
    key.write_bytes(os.urandom(32))
    key.chmod(0o644)  # readable by others: they could seal caches as this user
    r = cli(tmp_path, "--out", str(out), "build", str(folder))
    assert r.returncode == 0, r.stderr
    assert r.stderr == (f"warning: no cache key ({key}: not private to this user (want mode 0600, owned by you)); "
                        "the build cache is neither read nor written\n")
    assert not (out / ".cache").exists() or list((out / ".cache").iterdir()) == []
    r = cli(tmp_path, "--out", str(out), "show", "Go", "--json")  # answers all the same, from a build in memory
    assert r.returncode == 0 and json.loads(r.stdout)["slug"] == "go"


# ------------------------------------------------------- special files never waited on --

def replace_with(path: Path, what: str) -> None:
    path.unlink()
    if what == "pipe":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.parametrize("what", ["pipe", "link to /dev/zero"])
@pytest.mark.parametrize("kind,command", [("graph", "export"), ("index", "show"), ("index data", "suggest"),
                                          ("graph", "build"),
                                          ("docs", "show"), ("docs", "suggest"), ("docs", "build"),
                                          ("files", "build"), ("models", "suggest")])
def test_a_special_file_in_the_cache_is_damaged_never_waited_on(built, kind, command, what):
    tmp, folder, out, cache = built
    replace_with(cache_file(cache, kind), what)
    args = {"show": ["show", "Go"], "suggest": ["suggest", "Go"], "build": ["build", str(folder)],
            "export": ["export", "-f", "graphml", "-o", str(tmp / "g.graphml")]}[command]
    r = cli(tmp, "--out", str(out), *args)  # under a 2 GB address-space limit, HANG seconds at most
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    lines = damaged_lines(r.stderr)
    if kind == "graph" and command == "build":
        assert lines == []  # a build does not read the graph cache: it writes a new one in its place
    else:
        assert len(lines) == 1 and lines[0].endswith("; rebuilding it"), r.stderr
        assert ("is a pipe" if what == "pipe" else "is a link") in lines[0]
    assert cache_file(cache, kind).is_file() and not cache_file(cache, kind).is_symlink()
    r = cli(tmp, "--out", str(out), *args)
    assert r.returncode == 0 and damaged_lines(r.stderr) == [], r.stderr


# ------------------------------------------------------- only our own leftovers --

def test_build_into_a_folder_of_others_removes_none_of_their_files(tmp_path):
    folder = corpus(tmp_path / "c")
    d = tmp_path / "D"
    (d / ".cache").mkdir(parents=True)
    theirs = {d / ".draft.tmp": "draft", d / ".cache" / ".session.tmp": "session",
              d / ".pickgraph-notes.txt": "mine, not pickgraph's",
              # a temporary of a pickgraph process still running (this one): not a leftover
              d / f".pickgraph-tmp-{os.getpid()}-abcd.tmp": "in progress"}
    for path, text in theirs.items():
        path.write_text(text)
    r = cli(tmp_path, "--out", str(d), "build", str(folder))
    assert r.returncode == 0, r.stderr
    assert {p: p.read_text() for p in theirs} == theirs
    r = cli(tmp_path, "--out", str(d), "build", str(folder))  # a second build, which clears leftovers first
    assert r.returncode == 0 and {p: p.read_text() for p in theirs} == theirs


# ------------------------------------------------------- signals --

def popen(tmp: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PICKGRAPH_CACHE_KEY": str(tmp / "key" / "cache-key")}
    return subprocess.Popen([sys.executable, "-c", "from graph.cli import main; main()", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig,word", [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "terminated")])
def test_a_signal_after_the_outputs_are_in_place_ends_the_build_as_built(tmp_path, sig, word):
    """The report of 800 duplicates is bigger than a pipe holds: the build blocks writing it, after its commit,
    until this test reads — the moment the signal is sent."""
    folder = corpus(tmp_path / "c")
    for i in range(800):
        (folder / f"copy-{i:03d}.txt").write_text(page("Go", "Rust", "Rust"), encoding="utf-8")
    out = tmp_path / "out"
    proc = popen(tmp_path, "--out", str(out), "build", "--json", str(folder))
    try:
        deadline = time.monotonic() + HANG
        while not (out / BUILD_RECORD).is_file():  # the record is put in place last
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None  # blocked on its report
        os.kill(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=HANG)
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if proc.poll() is None else None
        proc.wait()
    assert proc.returncode == 0, stderr
    result = json.loads(stdout)  # the report, whole
    assert result["ok"] is True and len(result["duplicates"]) == 800
    assert stderr.decode().splitlines()[-1] == (f"note: {word} after the build's outputs were put in place; "
                                                "the new outputs are complete")
    record = json.loads((out / BUILD_RECORD).read_text())
    assert output.check(out, record["files"]) == [] and record["inputs_digest"]
    assert [p.name for p in out.iterdir() if p.name.startswith(output.MARK)] == []


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
@pytest.mark.parametrize("as_json", [False, True])
def test_sigterm_during_a_build_stops_it_with_143_and_leaves_nothing(tmp_path, as_json):
    pages = write(generate(n_docs=6000, n_topics=600, seed=3), tmp_path / "pages")
    out = tmp_path / "out"
    proc = popen(tmp_path, "--out", str(out), "build", "-v", "-q", *(["--json"] if as_json else []), str(pages))
    try:
        line = b""
        while b"build: reading pages" not in line:  # pages are being read, in worker processes
            line = proc.stderr.readline()
            assert line, "the build ended before it read"
        time.sleep(0.3)
        os.kill(proc.pid, signal.SIGTERM)  # as `kill PID` does: the build alone, not its group
        stdout, stderr = proc.communicate(timeout=HANG)
        time.sleep(2)
        alive = session_alive(proc.pid)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    message = "terminated; nothing written (the previous outputs are unchanged)"
    assert proc.returncode == 143, stderr
    assert stderr.decode().splitlines()[-1] == f"Error: {message}"
    if as_json:
        assert json.loads(stdout) == {"error": message, "exit_code": 143, "kind": "terminated"}
    assert alive == []
    assert not out.exists() or [p.name for p in out.iterdir()] == []  # no staging folder, no output


@pytest.mark.parametrize("what", ["pipe", "link to /dev/zero"])
@pytest.mark.parametrize("args", [["topics"], ["sparql", "@win-loss"], ["serve", "--port", "0"]],
                         ids=["topics", "sparql", "serve"])
def test_a_special_file_in_place_of_the_build_record_is_one_line(built, what, args):
    tmp, folder, out, cache = built
    replace_with(out / BUILD_RECORD, what)
    r = cli(tmp, "--out", str(out), *args)  # HANG seconds at most: a read of the pipe would never end
    assert r.returncode == 1
    kind = "a pipe" if what == "pipe" else "a link"
    assert r.stderr == f"Error: {out / BUILD_RECORD} is {kind}, not a file pickgraph wrote\n"
