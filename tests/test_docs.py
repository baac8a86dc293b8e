"""Every console block of README.md and docs/*.md runs, and prints what the document shows.

The rules (the ``…`` wildcard, the temporary folder) are in tests/doccheck.py; to accept new
output after a deliberate change: ``PICKGRAPH_UPDATE_DOCS=1 make test`` (or this file alone),
then read the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import doccheck
from conftest import ROOT

UPDATE = os.environ.get("PICKGRAPH_UPDATE_DOCS") == "1"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CONSOLE_DOCS = [d for d in DOCS if doccheck.console_blocks(d.read_text(encoding="utf-8"))]


def test_the_readme_tour_is_a_console_block():
    # the parametrisation below must never become empty without notice
    assert ROOT / "README.md" in CONSOLE_DOCS


@pytest.mark.parametrize("doc", CONSOLE_DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_console_blocks_print_what_the_doc_shows(doc, tmp_path):
    failures = doccheck.check_doc(doc, doccheck.make_workspace(ROOT, tmp_path), update=UPDATE)
    assert not failures, "\n\n".join(failures) + "\n\n(accept new output: PICKGRAPH_UPDATE_DOCS=1, see tests/doccheck.py)"


# ------------------------------------------------------------------ the runner itself, on tiny documents --

TINY = """# A tiny doc

```console
$ printf 'one\\ntwo\\n'
one
two

$ pickgraph show Postgress
Error: unknown topic 'Postgress'; did you mean: …? List topics with 'pickgraph topics'.
$ echo $?
1
$ seq 1 5
1
…
5
$ echo "built in $RANDOM s"
built in … s
```
"""


def tiny(tmp_path, text: str):
    doc = tmp_path / "doc.md"
    doc.write_text(text, encoding="utf-8")
    return doc, doccheck.make_workspace(ROOT, tmp_path / "ws")


def test_runner_passes_a_doc_that_shows_its_output(tmp_path):
    doc, ws = tiny(tmp_path, TINY)
    assert doccheck.check_doc(doc, ws) == []


def test_runner_fails_on_a_changed_output(tmp_path):
    doc, ws = tiny(tmp_path, TINY.replace("one\ntwo\n", "one\nthree\n"))
    assert doccheck.check_doc(doc, ws) == [
        f"{doc}:4: the output of `printf 'one\\ntwo\\n'` differs:\n"
        "--- shown\n+++ printed\n@@ -1,2 +1,2 @@\n one\n-three\n+two"]


@pytest.mark.parametrize("wrong, right", [
    ("1\n…\n5\n", "1\n…\n4\n"),        # an elision does not excuse the wrong last line
    ("1\n…\n5\n", "1\n5\n"),            # lines left out without a … line
    ("built in … s", "built in … ms"),  # a wildcard covers only the part it stands in
    ("$ echo $?\n1\n", "$ echo $?\n0\n"),  # the status of the command before
    ("$ echo \"built", "$ exit 3\n$ echo \"built"),  # a command that ends the shell: the next did not run
])
def test_runner_is_exact_outside_its_wildcards(tmp_path, wrong, right):
    doc, ws = tiny(tmp_path, TINY.replace(wrong, right))
    assert len(doccheck.check_doc(doc, ws)) == 1


def test_update_rewrites_only_the_changed_output_and_keeps_its_wildcards(tmp_path):
    stale = TINY.replace("one\ntwo\n", "one\n").replace("built in … s", "built in … s\nand more")
    doc, ws = tiny(tmp_path, stale)
    assert doccheck.check_doc(doc, ws, update=True) == []
    assert doc.read_text(encoding="utf-8") == TINY
    assert doccheck.check_doc(doc, ws) == []


def test_commands_write_into_the_workspace_not_the_repository(tmp_path):
    doc, ws = tiny(tmp_path, "```console\n$ pickgraph build data/ --json > /dev/null; pwd; ls\n…\n```\n")
    before = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True, text=True)
    assert doccheck.check_doc(doc, ws) == []
    (ws_out,) = doccheck.run_block(doccheck.console_blocks(doc.read_text())[0], ws, doccheck.command_env())
    assert ws_out.splitlines()[:2] == [str(ws), "data"] and "exports" in ws_out.split()
    after = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True, text=True)
    assert after.stdout == before.stdout


def test_pickgraph_is_the_installed_command(tmp_path):
    doc, ws = tiny(tmp_path, "```console\n$ command -v pickgraph\n…\n```\n")
    (out,) = doccheck.run_block(doccheck.console_blocks(doc.read_text())[0], ws, doccheck.command_env())
    assert out.strip() == os.path.join(os.path.dirname(sys.executable), "pickgraph")
