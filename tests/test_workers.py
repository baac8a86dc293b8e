"""Worker processes die with the build that started them (kill -9 of the parent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from graph.evaluate.generate import generate, write


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("stream", [False, True])
def test_workers_die_with_a_killed_build(tmp_path, stream):
    corpus = write(generate(n_docs=6000, n_topics=1200, seed=3), tmp_path / "corpus")
    cmd = [sys.executable, "-c", "from graph.cli import main; main()", "--out", str(tmp_path / "out"), "build",
           "--jobs", "2", "-q", str(corpus)] + (["--stream"] if stream else [])
    proc = subprocess.Popen(cmd, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers |= _children(proc.pid)
        time.sleep(0.005)
    assert len(workers) >= 2, "the build started no worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(2)
    assert [w for w in workers if _alive(w)] == []
