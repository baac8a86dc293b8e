"""The project's Python has no unused import, undefined name or unused variable (pyflakes), so a
moved function leaves no dead import behind and a renamed one no broken reference; an import
inside a function hides such breakage from a test run until that function runs."""

from __future__ import annotations

from pathlib import Path

from pyflakes.api import checkPath
from pyflakes.reporter import Reporter

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("graph", "tests", "benchmarks", "tools")


class Collect(Reporter):
    def __init__(self) -> None:
        self.found: list[str] = []

    def flake(self, message) -> None:
        line = Path(message.filename).read_text(encoding="utf-8").splitlines()[message.lineno - 1]
        if "# noqa" not in line:  # a re-export kept on purpose says so, as flake8 reads it
            self.found.append(f"{message.filename}:{message.lineno}: {message.message % message.message_args}")

    def unexpectedError(self, filename, message) -> None:
        self.found.append(f"{filename}: {message}")

    def syntaxError(self, filename, msg, lineno, offset, text) -> None:
        self.found.append(f"{filename}:{lineno}: {msg}")


def test_pyflakes_finds_nothing():
    report = Collect()
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            checkPath(str(path), report)
    assert report.found == []


def test_the_check_finds_an_unused_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nimport sys  # noqa: F401\n", encoding="utf-8")
    report = Collect()
    checkPath(str(bad), report)
    assert report.found == [f"{bad}:1: 'os' imported but unused"]
