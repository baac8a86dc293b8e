"""Queries follow the last build: `pickgraph build DIR`, then bare query commands
answer about DIR — in a folder outside the repository, and from an installed wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, render_comparison, tiny_pages, write_corpus
from graph.cli import main
from graph.build.record import BUILD_RECORD


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """A working folder outside the repository (no data/ in it) holding a corpus in pages/."""
    work = tmp_path / "work"
    write_corpus(work / "pages", tiny_pages())
    monkeypatch.chdir(work)
    monkeypatch.delenv("PICKGRAPH_CORPUS", raising=False)
    monkeypatch.delenv("PICKGRAPH_OUT", raising=False)
    return work


def test_bare_queries_answer_from_the_last_build(elsewhere):
    assert cli("build", "pages").exit_code == 0
    record = json.loads((elsewhere / "exports" / BUILD_RECORD).read_text())
    assert record["inputs"] == [str(elsewhere / "pages")] and record["aliases"] is None
    assert record["given"] == {"cwd": str(elsewhere), "inputs": ["pages"], "aliases": None}
    r = cli("show", "Alpha")
    assert r.exit_code == 0 and r.output.startswith("Alpha  (alpha)"), r.output
    r = cli("compare", "Alpha", "Delta")
    assert r.exit_code == 0 and r.output.startswith("Alpha vs Delta: derived"), r.output
    r = cli("suggest", "Alpha", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout), r.output
    r = cli("sparql", "@win-loss", "--topic", "topic=Alpha", "-f", "tsv")
    assert r.exit_code == 0 and r.output.splitlines()[1].split("\t")[1:] == ['"alpha"', '"Alpha"', "1", "0", "0"]


def test_the_last_build_wins_over_the_bundled_corpus(elsewhere):
    write_corpus(elsewhere / "data", {"x.txt": render_comparison("Kafka", "Pulsar", "Kafka")})
    r = cli("show", "Kafka")  # no build yet: the bundled ./data answers, as in the repository's tour
    assert r.exit_code == 0 and r.output.startswith("Kafka  (kafka)")
    assert cli("build", "pages").exit_code == 0
    r = cli("show", "Kafka")
    assert r.exit_code == 1 and "unknown topic 'Kafka'" in r.output
    assert cli("show", "Alpha").exit_code == 0
    assert cli("--corpus", "data", "show", "Kafka").exit_code == 0  # --corpus still names other pages


def test_same_out_finds_the_build(elsewhere, tmp_path, monkeypatch):
    out = tmp_path / "elsewhere-out"
    assert cli("--out", str(out), "build", "pages").exit_code == 0
    cache = next((out / ".cache").glob("graph-*.pickle"))
    stamp = cache.stat().st_mtime_ns
    assert cli("--out", str(out), "show", "Alpha").exit_code == 0
    monkeypatch.chdir(tmp_path)  # another folder: the record's absolute paths, the same fresh cache
    r = cli("--out", str(out), "show", "Alpha", "--json")
    assert r.exit_code == 0 and cache.stat().st_mtime_ns == stamp
    assert json.loads(r.stdout)["comparisons"][0]["source"] == "pages/ab.txt"  # as the build read it
    monkeypatch.chdir(elsewhere)
    assert cli("show", "Alpha", "--out", str(out)).exit_code == 0
    r = cli("show", "Alpha")  # exports/ here holds no build
    assert r.exit_code == 1
    assert r.output == ("Error: no build in exports/ to answer from: run 'pickgraph build PATH' first (PATH: your "
                        "folder of pages), or name the pages with --corpus PATH\n")


def test_no_build_says_what_to_do(elsewhere):
    for args in (["show", "Alpha"], ["compare", "Alpha", "Beta"], ["suggest", "Alpha"], ["sparql", "@win-loss"],
                 ["topics"]):
        r = cli(*args)
        assert r.exit_code == 1 and r.output.startswith("Error: no build in exports/ to answer from"), (args, r.output)
        assert "Traceback" not in r.output
    r = cli("build")
    assert r.exit_code == 2 and "name the pages to build: pickgraph build PATH" in r.output


def test_a_build_whose_pages_are_gone_says_so(elsewhere):
    assert cli("build", "pages").exit_code == 0
    (elsewhere / "pages").rename(elsewhere / "moved")
    r = cli("show", "Alpha")
    assert r.exit_code == 1
    assert r.output.startswith("Error: the last build in exports/ read pages, which is gone; run ")


def test_queries_see_pages_changed_since_the_build(elsewhere):
    assert cli("build", "pages").exit_code == 0
    (elsewhere / "pages" / "new.txt").write_text(render_comparison("Alpha", "Omega", "Omega"), encoding="utf-8")
    r = cli("show", "Alpha", "--json")
    assert r.exit_code == 0
    assert sorted(c["against_name"] for c in json.loads(r.stdout)["comparisons"]) == ["Beta", "Omega"]


# ----------------------------------------------------------- installed wheel --

@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """pickgraph built as a wheel and installed in a fresh venv; the bin folder.

    The venv sees this environment's dependencies through a path file (not its
    packages' own path hooks, so the editable checkout stays invisible), which
    keeps the test off the network; pickgraph itself comes from the wheel only.
    """
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy, so the build's scratch folders stay out of the checkout
    shutil.copytree(ROOT / "graph", src / "graph", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(wheels), str(src)], cwd=tmp, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = wheels.glob("pickgraph-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "pickgraph-test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True)
    return env_dir / "bin"


def test_installed_wheel_follows_the_last_build(installed, tmp_path):
    work = tmp_path / "work"
    write_corpus(work / "pages", tiny_pages())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PICKGRAPH_CORPUS", "PICKGRAPH_OUT")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([installed / "pickgraph", *args], cwd=work, capture_output=True, text=True, env=env,
                              timeout=120)

    where = subprocess.run([installed / "python", "-c", "import graph; print(graph.__file__)"], cwd=work,
                           capture_output=True, text=True, env=env, check=True).stdout
    assert where.startswith(str(installed.parent)), where  # the wheel's copy, not the checkout
    r = run("show", "Alpha")
    assert r.returncode == 1 and r.stderr.startswith("Error: no build in exports/ to answer from")
    assert run("build", "pages").returncode == 0
    r = run("show", "Alpha")
    assert r.returncode == 0 and r.stdout.startswith("Alpha  (alpha)"), r.stderr
    r = run("compare", "Alpha", "Delta")
    assert r.returncode == 0 and r.stdout.startswith("Alpha vs Delta: derived"), r.stderr
    r = run("suggest", "Alpha")
    assert r.returncode == 0 and r.stdout.strip(), r.stderr
    r = run("sparql", "@win-loss", "--topic", "topic=Alpha", "-f", "tsv")
    assert r.returncode == 0 and r.stdout.splitlines()[1].split("\t")[1:] == ['"alpha"', '"Alpha"', "1", "0", "0"]


def test_a_damaged_build_record_says_to_build_again(elsewhere):
    assert cli("build", "pages").exit_code == 0
    (elsewhere / "exports" / BUILD_RECORD).write_text("{not json")
    r = cli("show", "Alpha")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output == (f"Error: exports/{BUILD_RECORD}: not a build record pickgraph can read; run "
                        "'pickgraph build PATH' again\n")


def test_a_rebuild_by_a_query_reads_what_the_build_read(elsewhere):
    big = render_comparison("Kafka", "Pulsar", "Kafka") + "\n" + "x" * 5000
    (elsewhere / "pages" / "big.txt").write_text(big, encoding="utf-8")
    assert cli("build", "pages", "--max-bytes", "4000").exit_code == 1  # big.txt rejected
    assert json.loads((elsewhere / "exports" / BUILD_RECORD).read_text())["max_bytes"] == 4000
    (elsewhere / "pages" / "new.txt").write_text(render_comparison("Alpha", "Omega", "Omega"), encoding="utf-8")
    r = cli("show", "Alpha", "--json")  # stale: the query rebuilds, with the build's limit
    assert r.exit_code == 0 and "Omega" in {c["against_name"] for c in json.loads(r.stdout)["comparisons"]}
    r = cli("show", "Kafka")
    assert r.exit_code == 1 and "unknown topic 'Kafka'" in r.output
