"""What a command imports, and why an import sits inside a function (docs/performance.md, "Start-up").

A query command (``show``, ``compare``, ``why``, ``suggest``, ``topics``) reads the build's query index: it
must not import the build itself, rdflib, pyoxigraph, the exports, the server or the other commands. The
commands run as real ``pickgraph`` processes with ``PYTHONPROFILEIMPORTTIME``, which lists every module a
process imports.

An import inside a function hides a dependency, so it is allowed only where it keeps a measured heavy
module off a path that does not need it, and then says so with a ``# late: …`` comment on its line or
the line above.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import render_comparison, write_corpus

PACKAGE = Path(__file__).resolve().parent.parent / "graph"
PICKGRAPH = shutil.which("pickgraph", path=os.path.dirname(sys.executable)) or "pickgraph"

#: modules no query command may import: the build's runs, RDF, SPARQL, exports, the server, other commands
NOT_FOR_QUERIES = (
    "rdflib", "pyoxigraph", "jinja2", "starlette", "uvicorn", "httpx",
    "graph.build.run", "graph.build.stream", "graph.build.workers", "graph.build.textindex",
    "graph.export", "graph.rdf", "graph.sparql", "graph.serve",
    "graph.cli.core", "graph.cli.rdf", "graph.cli.serve", "graph.cli.view", "graph.cli.identity",
)
#: numpy and scipy are for the fitted models: a direct comparison and a topic's record do not need them
NUMERIC = ("numpy", "scipy")
#: what a saved suggestion index is read without: scipy only makes its profiles (graph.query.suggest.profiles)
NOT_FOR_SUGGEST = ("scipy", "graph.query.suggest.profiles")
#: networkx makes and walks the whole graph; a query reads its part from the query index and the saved models
GRAPH_LIBRARY = ("networkx",)
#: what `sparql` needs none of: a store the build made answers it (the IRIs are plain strings, graph.rdf.iris)
NOT_FOR_SPARQL = ("rdflib", "networkx", "numpy", "scipy", "graph.rdf.mapping", "graph.rdf.turtle", "graph.rdf.vocab",
                  "graph.build.run", "graph.export", "graph.serve")

_LATE = re.compile(r"#\s*late:\s*\S")


def imported(argv: list[str], cwd: Path) -> set[str]:
    """Every module the ``pickgraph`` process of ``argv`` imports (it must succeed)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", "PICKGRAPH_QUIET": "1"}
    done = subprocess.run([PICKGRAPH, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


def heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of a few pages, made by a real ``pickgraph build``."""
    root = tmp_path_factory.mktemp("imports")
    write_corpus(root / "pages", {
        "a.txt": render_comparison("PostgreSQL", "MySQL", "PostgreSQL"),
        "b.txt": render_comparison("MySQL", "SQLite", "MySQL"),
        "c.txt": render_comparison("SQLite", "DuckDB", "DuckDB"),
        "d.txt": render_comparison("Redis", "Memcached", "Redis"),
    })
    done = subprocess.run([PICKGRAPH, "--quiet", "--out", "out", "build", "pages"], cwd=root, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return root


@pytest.mark.parametrize("argv", [
    ["show", "PostgreSQL"],
    ["topics"],
    ["compare", "PostgreSQL", "MySQL"],
    ["why", "PostgreSQL", "MySQL"],
])
def test_query_command_imports_no_build_rdf_or_numbers(built: Path, argv: list[str]) -> None:
    modules = imported(["--out", "out", *argv, "--json"], built)
    assert "graph.build.queryindex" in modules  # answered from the query index
    assert heavy(modules, NOT_FOR_QUERIES + NUMERIC + GRAPH_LIBRARY) == []


def test_suggest_imports_no_build_or_rdf(built: Path) -> None:
    modules = imported(["--out", "out", "suggest", "PostgreSQL", "--json"], built)
    assert "graph.query.suggest.index" in modules  # read as the build saved it: nothing that makes one
    assert heavy(modules, NOT_FOR_QUERIES + GRAPH_LIBRARY + NOT_FOR_SUGGEST) == []


def test_sparql_imports_no_rdflib_or_networkx(built: Path) -> None:
    imported(["--out", "out", "sparql", "@win-loss", "-t", "topic=MySQL", "--json"], built)  # the store, made once
    modules = imported(["--out", "out", "sparql", "@win-loss", "-t", "topic=MySQL", "--json"], built)
    assert "pyoxigraph" in modules  # answered by the store
    assert heavy(modules, NOT_FOR_SPARQL) == []


def test_help_of_one_command_imports_only_its_module(built: Path) -> None:
    modules = imported(["show", "--help"], built)
    assert heavy(modules, NOT_FOR_QUERIES + NUMERIC + ("graph.build.pipeline",)) == []


def test_command_table_names_each_command_where_it_is_defined() -> None:
    from importlib import import_module

    from graph.cli import COMMANDS

    found = {c.name: m for m in set(COMMANDS.values()) for c in import_module(f"graph.cli.{m}").commands}
    assert found == COMMANDS


def late_imports(path: Path) -> list[int]:
    """Lines of the imports inside a function of ``path`` without a ``# late:`` reason, on the import's
    line or in the comment lines just above it."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    bare = []
    for fn in ast.walk(ast.parse(text)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not _LATE.search(lines[node.lineno - 1]):
                    above = node.lineno - 2
                    while above >= 0 and lines[above].strip().startswith("#") and not _LATE.match(lines[above].strip()):
                        above -= 1
                    if not (above >= 0 and _LATE.match(lines[above].strip())):
                        bare.append(node.lineno)
    return sorted(set(bare))


def test_late_imports_say_why() -> None:
    sites = {str(p.relative_to(PACKAGE.parent)): late_imports(p) for p in sorted(PACKAGE.rglob("*.py"))}
    unexplained = [f"{f}:{n}" for f, lines in sites.items() for n in lines]
    assert unexplained == [], "an import inside a function needs a '# late: why' comment, or belongs at the top"


def test_late_import_rule_reads_the_comment(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\n\n\ndef f():\n    import json\n    # late: rdflib costs start-up\n"
                      "    import rdflib\n    import numpy  # late: numeric models only\n    import re  # late:\n"
                      "    # late: scipy only to fit\n    # (a second line)\n    import scipy\n"
                      "    # a comment that says no reason\n    import csv\n",
                      encoding="utf-8")
    assert late_imports(module) == [5, 9, 14]
