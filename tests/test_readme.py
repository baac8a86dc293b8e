"""The README's Python examples run as written (from the repository root)."""

from __future__ import annotations

import doctest
import os

from conftest import ROOT


def test_readme_python_examples(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3
    assert result.failed == 0


def test_readme_quotes_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    assert os.path.exists(ROOT / "docs" / "pickgraph-html.png") and "docs/pickgraph-html.png" in text
