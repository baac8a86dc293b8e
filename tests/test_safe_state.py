"""Outputs and caches that never lie: fresh or rebuilt, all-or-nothing, clean failures, no orphans.

Real processes, real signals, real file systems: the read-only and full-disk
cases mount a small tmpfs (this machine's CI runs as root); a disk error that a
tmpfs cannot produce (a failing sync at close) is injected.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import graph.build.freshness
import graph.build.pipeline
from conftest import ROOT, session_alive
from graph.build import outdir as output
from graph.cli import main
from graph.evaluate.generate import generate, write
from graph.build.pipeline import build
from graph.build.record import BUILD_RECORD, cache_path
from graph.build.load import load_graph
from graph.build.queryindex import index_paths
from graph.errors import WriteFailed
from graph.read.render import render_comparison


def page(a: str, b: str, pick: str) -> str:
    return render_comparison(a, b, pick, related={a: ["build-tools"], b: ["memory-safety"]})


def corpus(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def tree(out: Path) -> dict[str, str]:
    """Every file under ``out`` (hidden ones too) → sha256 of its bytes."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.name.startswith(output.MARK) or p.name.endswith(".tmp"))


def manifest(out: Path) -> dict:
    return json.loads((out / BUILD_RECORD).read_text())


def PICK(r) -> str:
    """The pick of the one page comparing the pair, from ``compare --json``."""
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["documents"][0]["pick"]


def cli(*args: str, cwd: Path | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from graph.cli import main; main()", *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, **kw)


def test_page_helper_reads_as_one_comparison(tmp_path):
    G, report = build([corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})])
    assert not report.rejections and G.number_of_nodes() >= 2


# ------------------------------------------------------------ freshness --

def test_a_page_edited_while_the_build_reads_is_never_cached_as_read(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust"), "b.txt": page("Zig", "Odin", "Zig")})
    real = graph.build.pipeline.read_paths

    def read_then_edit(*a, **k):  # the edit lands after the page was read, before the build ends
        report = real(*a, **k)
        (folder / "a.txt").write_text(page("Go", "Rust", "Go"), encoding="utf-8")
        return report

    monkeypatch.setattr(graph.build.pipeline, "read_paths", read_then_edit)
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "build", str(folder)])
    assert r.exit_code == 0, r.output
    assert f"warning: 1 input(s) changed while the build read them (first: {folder / 'a.txt'})" in r.stderr
    assert not (tmp_path / "out" / ".cache").exists()  # nothing cached as the graph of these pages
    assert manifest(tmp_path / "out")["inputs_digest"] is None
    monkeypatch.setattr(graph.build.pipeline, "read_paths", real)
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "compare", "Go", "Rust", "--json"])
    assert PICK(r) == "go"  # the page as it is now


def test_an_edit_that_restores_size_and_mtime_is_seen(tmp_path):
    folder = corpus(tmp_path / "c", {"a.txt": page("Lua", "Zig", "Zig"), "b.txt": page("Odin", "Nim", "Nim")})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    target = folder / "a.txt"
    st = target.stat()
    time.sleep(0.06)
    target.write_text(page("Lua", "Zig", "Lua"), encoding="utf-8")  # the other pick, the same number of bytes
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # `touch -d` the old time back
    assert target.stat().st_size == st.st_size and target.stat().st_mtime_ns == st.st_mtime_ns
    r = CliRunner().invoke(main, ["--out", str(out), "compare", "Lua", "Zig", "--json"])
    assert PICK(r) == "lua"


def test_a_racy_page_is_compared_by_content(tmp_path):
    """A file changed within the clock tick of the snapshot: stat cannot tell, its content does."""
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})
    before = graph.build.freshness.snapshot([folder])
    path = str((folder / "a.txt").absolute())
    assert list(before.racy) == [path]  # just written: racy
    forged = before._replace(racy={path: ("0" * 64, before.racy[path][1])})  # as if read before a same-tick edit
    assert graph.build.freshness.changed_since(forged, [folder]) == [path]
    assert graph.build.freshness.changed_since(before, [folder]) == []


# ----------------------------------------------------------------- cache --

def test_a_relative_out_is_queried_from_another_folder(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust"), "b.txt": page("Zig", "Odin", "Zig")})
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert CliRunner().invoke(main, ["build", str(folder), "--out", "rel"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "there")
    r = CliRunner().invoke(main, ["why", "Rust", "Go", "--out", "../here/rel"])
    assert r.exit_code == 0, r.output
    assert "Rust" in r.stdout and "damaged" not in r.stderr and "Traceback" not in r.output


def _damage(kind: str, cache: Path) -> None:
    docs, index = cache.with_suffix(".docs"), index_paths(cache)[0]
    if kind == "store deleted":
        docs.unlink()
    elif kind == "store cut short":
        docs.write_bytes(docs.read_bytes()[:-10])
    elif kind == "store byte flipped":  # in the record the query reads: each is checked as it is read
        data = bytearray(docs.read_bytes())
        data[data.index(b"a.txt")] ^= 0xFF
        docs.write_bytes(bytes(data))
    elif kind == "index cut short":  # the part of the cache a query reads (never the whole graph)
        index.write_bytes(index.read_bytes()[:100])
    elif kind == "index byte flipped":
        data = bytearray(index.read_bytes())
        data[-50] ^= 0xFF
        index.write_bytes(bytes(data))
    elif kind == "store replaced by a pipe":  # never waited on
        docs.unlink()
        os.mkfifo(docs)
    elif kind == "store replaced by a folder":
        docs.unlink()
        (docs / "x").mkdir(parents=True)


@pytest.mark.parametrize("kind", ["store deleted", "store cut short", "store byte flipped", "index cut short",
                                  "index byte flipped", "store replaced by a pipe", "store replaced by a folder"])
def test_a_damaged_cache_is_rebuilt_with_a_notice(tmp_path, kind):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust"), "b.txt": page("Zig", "Odin", "Zig")})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    cache = cache_path(out, [str(folder)])
    _damage(kind, cache)
    r = CliRunner().invoke(main, ["--out", str(out), "why", "Rust", "Go"])
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output and "Aborted" not in r.output
    notice = [line for line in r.stderr.splitlines() if "damaged" in line]
    assert len(notice) == 1 and notice[0].endswith("; rebuilding it"), r.stderr
    assert "Rust" in r.stdout
    r = CliRunner().invoke(main, ["--out", str(out), "why", "Rust", "Go"])  # the rebuilt cache is whole again
    assert r.exit_code == 0 and "damaged" not in r.stderr
    assert output.check(out, manifest(out)["files"]) == []  # and the record describes it


def test_a_page_dated_in_the_future_costs_no_wait(tmp_path):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})
    target = folder / "a.txt"
    ahead = time.time_ns() + 3600 * 10**9
    os.utime(target, ns=(ahead, ahead))  # `touch -d '+1 hour'`, or a file server's clock ahead
    started = time.monotonic()
    before = graph.build.freshness.snapshot([folder])
    assert graph.build.freshness.changed_since(before, [folder]) == []
    assert time.monotonic() - started < 1.0


def test_the_size_limit_is_part_of_what_a_cache_was_built_from(tmp_path):
    big = page("Go", "Rust", "Rust")
    folder = corpus(tmp_path / "c", {"a.txt": big, "b.txt": page("Zig", "Odin", "Zig")})
    out = tmp_path / "out"
    limit = str(len(big.encode()) - 1)  # a.txt is rejected as too big
    assert CliRunner().invoke(main, ["--out", str(out), "build", "--max-bytes", limit, str(folder)]).exit_code == 1
    r = CliRunner().invoke(main, ["--out", str(out), "--corpus", str(folder), "topics", "--json"])  # default limit
    assert {t["slug"] for t in json.loads(r.stdout)} >= {"go", "rust", "zig", "odin"}


# ---------------------------------------------------------------- writes --

def test_an_interrupt_during_the_renames_finishes_them(tmp_path, monkeypatch):
    out = tmp_path / "out"
    with output.generation(out) as gen:
        (gen.dir / "a.txt").write_text("old a")
        (gen.dir / "b.txt").write_text("old b")
        gen.commit()
    real, moved = os.replace, []

    def replace_then_interrupt(src, dst):
        real(src, dst)
        moved.append(dst)
        if len(moved) == 1:
            raise KeyboardInterrupt  # Ctrl-C between the first rename and the second

    monkeypatch.setattr(output.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        with output.generation(out) as gen:
            (gen.dir / "a.txt").write_text("new a")
            (gen.dir / "b.txt").write_text("new b")
            gen.commit()
    assert gen.begun and (out / "a.txt").read_text() == "new a" and (out / "b.txt").read_text() == "new b"
    assert leftovers(out) == []


def test_a_rename_failing_mid_commit_says_the_set_is_partly_in_place(tmp_path):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    (out / "pickgraph.ttl").unlink()
    (out / "pickgraph.ttl" / "in-the-way").mkdir(parents=True)  # a folder where the Turtle file goes
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(folder)])
    assert r.exit_code == 3
    assert r.stderr.strip() == (f"Error: cannot write {out / 'pickgraph.ttl'}: Is a directory; the outputs were "
                                "partly put in place; the next build finishes or replaces them")
    (out / "pickgraph.ttl" / "in-the-way").rmdir()
    (out / "pickgraph.ttl").rmdir()
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    assert output.check(out, manifest(out)["files"]) == [] and leftovers(out) == []



def test_a_failing_sync_at_close_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "x.ttl"
    target.write_bytes(b"old")

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "fsync", full)
    with pytest.raises(WriteFailed) as caught:
        output.atomic_write_bytes(target, b"new")
    assert str(caught.value) == f"cannot write {target}: No space left on device; the previous outputs are unchanged"
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["x.ttl"]


def test_a_build_failing_at_close_exits_3_and_changes_nothing(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    before = tree(out)
    (folder / "b.txt").write_text(page("Zig", "Odin", "Zig"))
    monkeypatch.setattr(output.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(folder)])
    assert r.exit_code == 3, r.output
    assert r.stderr.count("\n") == 1 and "No space left on device; the previous outputs are unchanged" in r.stderr
    assert tree(out) == before and leftovers(out) == []


def test_a_read_only_out_folder_is_one_line_and_exit_3(tmp_path, tmpfs):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})
    out = tmpfs("8m") / "out"
    assert cli("--out", str(out), "build", str(folder)).returncode == 0
    before = tree(out)
    subprocess.run(["mount", "-o", "remount,ro", str(out.parent)], check=True)
    (folder / "b.txt").write_text(page("Zig", "Odin", "Zig"))
    for args in (["build", str(folder)], ["export", "-f", "nquads"], ["view"]):
        r = cli("--out", str(out), *args)
        assert r.returncode == 3, (args, r.stderr)
        assert r.stderr.startswith(f"Error: cannot write {out}") and "Read-only file system" in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = cli("generate", str(out.parent / "pages"), "--docs", "5", "--topics", "6", "--no-ceiling")
    assert r.returncode == 3 and "Read-only file system" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = cli("--out", str(out), "compare", "Zig", "Odin", "--json")  # queries still answer, from memory
    assert r.returncode == 0 and json.loads(r.stdout)["documents"][0]["pick"] == "zig"
    assert tree(out) == before


def test_a_full_disk_is_one_line_exit_3_and_frees_what_it_took(tmp_path, tmpfs):
    small = corpus(tmp_path / "small", {"a.txt": page("Go", "Rust", "Rust")})
    disk = tmpfs("4m")
    out = disk / "out"
    assert cli("--out", str(out), "build", str(small)).returncode == 0
    before = tree(out)
    big = write(generate(n_docs=3000, n_topics=400, seed=1), tmp_path / "big")
    free = os.statvfs(disk).f_bfree
    r = cli("--out", str(out), "build", str(big))
    assert r.returncode == 3, r.stderr
    assert "No space left on device; the previous outputs are unchanged" in r.stderr and "Traceback" not in r.stderr
    assert tree(out) == before and leftovers(out) == []
    assert os.statvfs(disk).f_bfree == free  # every temporary removed


# ------------------------------------------------------- lock, leftovers --

def stderr_until(proc: subprocess.Popen, text: str, guard: float = 120) -> str:
    """What ``proc`` wrote on stderr up to the first line holding ``text`` (``guard`` s at most: a hang guard)."""
    seen: list[str] = []
    deadline = time.monotonic() + guard
    while (left := deadline - time.monotonic()) > 0 and select.select([proc.stderr], [], [], left)[0]:
        line = proc.stderr.readline()
        seen.append(line)
        if not line or text in line:
            break
    assert seen and text in seen[-1], f"no {text!r} on stderr: {''.join(seen)!r}"
    return "".join(seen)


def test_a_second_build_waits_or_stops_and_the_set_stays_whole(tmp_path):
    a = corpus(tmp_path / "a", {"a.txt": page("Go", "Rust", "Rust")})
    b = corpus(tmp_path / "b", {"b.txt": page("Zig", "Odin", "Zig")})
    out = tmp_path / "out"
    with output.generation(out):  # this test holds the folder as a build would
        r = cli("--out", str(out), "build", "--no-wait", str(a))
        assert r.returncode == 4
        assert r.stderr.strip() == (f"Error: another build (pid {os.getpid()}) is writing {out}; wait for it to end, "
                                    "or write elsewhere with --out")
        procs = [subprocess.Popen([sys.executable, "-c", "from graph.cli import main; main()", "--out", str(out),
                                   "build", str(c)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in (a, b)]
        said = [stderr_until(p, "waiting for it to end") for p in procs]  # not a sleep: a busy machine is slow
        assert [p.poll() for p in procs] == [None, None]  # both wait
    for p in procs:
        p.communicate(timeout=60)
    assert [p.returncode for p in procs] == [0, 0]
    assert all("waiting for it to end" in err for err in said)
    record = manifest(out)
    assert output.check(out, record["files"]) == [] and leftovers(out) == []
    last = record["inputs"][0]
    topics = {"a": "Go", "b": "Zig"}[Path(last).name]
    assert f">{topics}<" in (out / "pickgraph.graphml").read_text()


def dead_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_leftovers_of_killed_builds_are_removed_and_a_begun_commit_is_finished(tmp_path):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    dead = dead_pid()
    (out / f"{output.STAGING_PREFIX}{dead}-dead").mkdir()
    (out / f"{output.STAGING_PREFIX}{dead}-dead" / "pickgraph.ttl").write_text("half")
    (out / f".pickgraph-tmp-{dead}-abc.tmp").write_text("half")
    (out / ".cache" / f".pickgraph-tmp-{dead}-abc.tmp").write_text("half")
    (out / f".pickgraph-stream-{dead}-xyz").mkdir()
    # a build killed between its journal and its renames: the staged files are whole, the renames half done
    begun = out / f"{output.STAGING_PREFIX}{dead}-begun"
    begun.mkdir()
    (begun / "extra.txt").write_text("new")
    (begun / output.JOURNAL).write_text(json.dumps({"move": ["pickgraph.graphml", "extra.txt"], "remove": []}))
    r = CliRunner().invoke(main, ["--out", str(out), "topics"])  # a reader finishes it
    assert r.exit_code == 0
    assert (out / "extra.txt").read_text() == "new" and not begun.exists()
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    assert leftovers(out) == []


def test_an_export_rewritten_later_keeps_the_manifest_true(tmp_path):
    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust")})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["--out", str(out), "build", str(folder)]).exit_code == 0
    assert CliRunner().invoke(main, ["--out", str(out), "view", "Go", "--no-open"]).exit_code == 0
    files = manifest(out)["files"]
    assert "pickgraph-go.html" in files and output.check(out, files) == []


# --------------------------------------------------- kill -9 and Ctrl-C --

class Build:
    """A ``build -v --full`` in a session of its own, its phase lines read as they come (``--full``: every page is
    read, as in a first build, so that each phase lasts as long as it can)."""

    def __init__(self, corpus: Path, out: Path, *extra: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from graph.cli import main; main()", "--out", str(out), "build", "-v", "-q", "--full",
             *extra, str(corpus)], env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE if extra else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, phase: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while f"build: {phase}" not in self.seen:
            self.seen.append(self.lines.get(timeout=max(0.1, deadline - time.monotonic())))

    def kill(self) -> None:
        """Whatever the test's outcome: nothing of this build outlives it."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def rest(self) -> list[str]:
        self.proc.wait(timeout=30)
        time.sleep(0.1)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen


def ctrl_c(pid: int) -> None:
    """SIGINT as a terminal sends it: to the whole foreground group."""
    os.killpg(pid, signal.SIGINT)


@contextlib.contextmanager
def signalled(big, phase: str, delay: float, send: Callable[[int], None], *extra: str) -> Iterator[Build]:
    """A build of the ``big`` corpus, ``send(pid)`` ``delay`` seconds into its ``phase``; killed at the end."""
    pages, out, _ = big
    b = Build(pages, out, *extra)
    try:
        b.wait_for(phase)
        time.sleep(delay)
        send(b.proc.pid)
        yield b
    finally:
        b.kill()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 20,000-page corpus, built once: the outputs the faults below must leave whole."""
    root = tmp_path_factory.mktemp("faults")
    pages = write(generate(n_docs=20_000, n_topics=2_000, seed=5), root / "pages")
    out = root / "out"
    r = cli("--out", str(out), "build", "-q", str(pages))
    assert r.returncode == 0, r.stderr
    (pages / "zz-new.txt").write_text(page("Go", "Rust", "Rust"))  # so a finished build would change the outputs
    return pages, out, tree(out)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
@pytest.mark.parametrize("phase,delay", [("reading pages", 0.5), ("resolving names", 0.0),
                                         ("writing the exports and the cache", 0.3)])
def test_kill_9_of_a_big_build_leaves_the_old_set_and_no_process(big, phase, delay):
    _, out, before = big
    with signalled(big, phase, delay, lambda pid: os.kill(pid, signal.SIGKILL)) as b:
        b.proc.wait()
        time.sleep(2)
        assert session_alive(b.proc.pid) == []
    assert {k: v for k, v in tree(out).items() if k in before} == before
    assert set(tree(out)) - set(before) <= {k for k in tree(out) if k.startswith(output.STAGING_PREFIX)}


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
@pytest.mark.parametrize("phase,delay", [("reading pages", 0.05), ("reading pages", 0.2), ("reading pages", 0.6),
                                         ("resolving names", 0.0), ("writing the exports and the cache", 0.1),
                                         ("writing the exports and the cache", 0.4)])
def test_ctrl_c_stops_a_big_build_within_a_second_and_writes_nothing(big, phase, delay):
    _, out, before = big
    with signalled(big, phase, delay, ctrl_c) as b:
        sent = time.monotonic()
        b.proc.wait(timeout=10)
        took = time.monotonic() - sent
        lines = b.rest()
    assert b.proc.returncode == 130, lines
    assert took <= 1.0, f"stopped in {took:.2f} s"
    assert lines[-1] == "Error: interrupted; nothing written (the previous outputs are unchanged)"
    assert not [line for line in lines if "Traceback" in line or "KeyboardInterrupt" in line]
    time.sleep(2)
    assert session_alive(b.proc.pid) == []
    assert tree(out) == before


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
def test_ctrl_c_of_a_json_build_prints_the_json_error(big):
    _, out, before = big
    with signalled(big, "reading pages", 0.2, ctrl_c, "--json") as b:
        stdout = b.proc.stdout.read()
        b.proc.wait(timeout=10)
    assert b.proc.returncode == 130
    assert json.loads(stdout) == {"error": "interrupted; nothing written (the previous outputs are unchanged)",
                                  "exit_code": 130, "kind": "interrupted"}
    assert tree(out) == before


def test_after_the_faults_the_next_build_succeeds_and_leaves_no_temporary(big):
    pages, out, before = big
    r = cli("--out", str(out), "build", "-q", str(pages))
    assert r.returncode == 0, r.stderr
    assert leftovers(out) == [] and tree(out) != before
    record = manifest(out)
    assert output.check(out, record["files"]) == [] and record["inputs_digest"]
    G = load_graph([str(pages)], out)
    assert G.graph["fingerprint"] == record["inputs_digest"]


def test_a_sparql_store_that_cannot_be_made_on_a_full_disk_is_made_in_memory(tmp_path, tmpfs):
    from graph.sparql import run as sparql
    from graph.sparql.store import load_store

    folder = corpus(tmp_path / "c", {"a.txt": page("Go", "Rust", "Rust"), "b.txt": page("Zig", "Odin", "Zig")})
    G = load_graph([str(folder)], tmp_path / "out")
    disk = tmpfs("2m")
    filler = disk / "filler"
    with open(filler, "wb") as fh:  # leave about 16 KB: too little for the store's database
        try:
            fh.write(b"\0" * (os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize - 16_384))
        except OSError:
            pass
    store = load_store(G, cache_file=disk / ".cache" / "graph-x.pickle", min_docs=0)
    rows = sparql.select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t a <https://w3id.org/pickgraph/ns#Topic> }")
    assert rows == [{"n": G.number_of_nodes()}]
    assert [p.name for p in (disk / ".cache").iterdir()] == []  # the half-made store is gone
