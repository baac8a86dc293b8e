"""A fresh clone with nothing beside it: `make run` installs only what running needs, and the
tests of material outside the repository (../shared/seeds) skip with one reason, but fail in CI.

The whole of it, a real clone running both commands, is .ci/fresh-clone (run by CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

SEED_TESTS = [
    "tests/test_read.py::test_seed_robustness",
    "tests/test_turtle.py::test_turtle_blocks_state_the_reference_triples[seeds]"]


def run_pytest(seeds, ci: str | None) -> subprocess.CompletedProcess:
    """The seed tests in a real pytest process, the seeds folder at ``seeds``, CI set to ``ci`` or unset."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PICKGRAPH_SEEDS"] = str(seeds)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-rsE", "-p", "no:cacheprovider", *SEED_TESTS],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def reason(seeds) -> str:
    return f"the sample pages (outside the repository) are not at {seeds}; set PICKGRAPH_SEEDS to their folder"


def test_absent_seeds_skip_with_one_reason(tmp_path):
    seeds = tmp_path / "seeds"
    r = run_pytest(seeds, None)
    assert r.returncode == 0, r.stdout + r.stderr
    skips = sorted(line.split(": ", 1)[1] for line in r.stdout.splitlines() if line.startswith("SKIPPED"))
    assert skips == [reason(seeds)] * 2
    assert r.stdout.splitlines()[0].startswith("ss ")  # both skipped, nothing else ran


@pytest.mark.parametrize("ci", ["true", "1"])
def test_absent_seeds_fail_under_ci(tmp_path, ci):
    seeds = tmp_path / "seeds"
    r = run_pytest(seeds, ci)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines()[0].startswith("EE ")  # both errors at setup, none skipped
    errors = [line.split(" - ", 1)[1] for line in r.stdout.splitlines() if line.startswith("ERROR ")]
    assert errors == [f"Failed: {reason(seeds)} (required under CI=true)"] * 2


def pip_lines(tmp_path, target: str) -> list[str]:
    """The pip commands ``make TARGET`` would run in a clone without a venv (``make -n``: nothing runs)."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    done = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def test_make_run_installs_only_what_running_needs_and_shows_pip(tmp_path):
    assert pip_lines(tmp_path, "run") == [".venv/bin/python -m pip install --disable-pip-version-check -e ."]


def test_make_test_adds_the_test_tools(tmp_path):
    assert pip_lines(tmp_path, "test") == [".venv/bin/python -m pip install --disable-pip-version-check -e '.[test]'"]
