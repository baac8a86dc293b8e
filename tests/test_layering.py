"""The import layering of the package (docs/architecture.md, "Layering"): arrows run one way, from the
front ends down to ``errors``, and no module imports itself back round a cycle.

Imports are read with ``ast`` from every module's text: at the top and inside functions alike (a
late import is still a dependency). An import made only for type checking (``if TYPE_CHECKING:``)
runs nothing and is left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "graph"
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"

#: each top-level part of the package and its stage: a module may import its own stage and the ones below
STAGE = {"errors": 0, "version": 0, "texttable": 1,
         "read": 1, "resolve": 2, "kg": 3, "build": 4,
         "query": 5, "evaluate": 5, "export": 5, "rdf": 5, "sparql": 5,
         "cli": 7, "serve": 7, "__init__": 8}

#: build/ holds two kinds of module: the tools every stage writes and reads its files with (at the
#: bottom, beside errors), and the runs of the stages into an out folder (above the stages they run)
BUILD_TOOLS = {"outdir", "cachefile", "workers", "progress"}
BUILD_RUNS = {"pipeline", "run", "stream", "load", "signals", "queryindex", "textindex"}


def module_name(path: Path) -> str:
    parts = ["graph", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``path`` imports (``from graph.cli import core`` is ``graph.cli.core``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "graph")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "graph":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {m for m in found if m in known}


def import_graph() -> nx.DiGraph:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    G = nx.DiGraph()
    G.add_nodes_from(paths)
    for name, path in paths.items():
        G.add_edges_from((name, target) for target in imports(path, set(paths)) if target != name)
    return G


def stage(module: str) -> tuple[str, int]:
    parts = module.split(".")
    part = parts[1] if len(parts) > 1 else "__init__"
    if part == "build" and len(parts) > 2:
        if parts[2] in BUILD_TOOLS:
            return part, 0
        if parts[2] in BUILD_RUNS:
            return part, 6
    return part, STAGE[part]


def test_every_part_of_the_package_has_a_stage():
    assert {stage(m)[0] for m in import_graph()} <= set(STAGE)


def test_no_import_cycle():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert sorted(cycles) == []


def test_no_upward_import():
    upward = {f"{u} -> {v}" for u, v in import_graph().edges if stage(v)[1] > stage(u)[1]}
    assert sorted(upward) == []


def test_serve_never_imports_the_cli():
    assert sorted(f"{u} -> {v}" for u, v in import_graph().edges
                  if stage(u)[0] == "serve" and stage(v)[0] == "cli") == []


#: what staging, committing and stopping a build is made of: the build's (run.py, signals.py), never the CLI's
BUILD_LOGIC = {"signal", "graph.build.outdir.Generation", "graph.build.outdir.generation",
               "graph.build.outdir.discard_staged", "graph.build.workers.exit_on_interrupt",
               "graph.build.workers.interrupts_held"}


def test_the_cli_holds_no_staging_commit_or_signal_logic():
    found = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            found += [f"{path.name}: {name}" for name in names if name in BUILD_LOGIC]
    assert found == []


def drawn_modules() -> dict[str, set[str]]:
    """The modules docs/architecture.md lists under each folder's heading of "Stages and folders"."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text[text.index("## Stages and folders"):]
    section = section[:section.index("\n## ", 1)]
    drawn: dict[str, set[str]] = {}
    folder = None
    for line in section.splitlines():
        if heading := re.match(r"### `(graph/[\w/]*)`", line):
            folder = heading.group(1)
            drawn[folder] = set()
        elif folder and (item := re.match(r"- `(graph/[\w/]+\.py)`", line)):
            assert item.group(1).rpartition("/")[0] + "/" == folder, f"{item.group(1)} drawn under {folder}"
            drawn[folder].add(item.group(1).rpartition("/")[2])
    return drawn


def test_the_architecture_doc_draws_every_folder_with_its_modules():
    """Each package folder is drawn, with every module it holds and none it does not (``__init__.py`` aside)."""
    folders = {f"{p.parent.relative_to(PACKAGE.parent).as_posix()}/":
               {m.name for m in p.parent.glob("*.py")} - {"__init__.py"} for p in PACKAGE.rglob("__init__.py")}
    drawn = {folder: names - {"__init__.py"} for folder, names in drawn_modules().items()}
    assert drawn == folders


@pytest.mark.parametrize("source, found", [
    ("import graph.kg.graph\n", {"graph.kg.graph"}),
    ("from graph.cli import core\n", {"graph.cli.core"}),
    ("from graph.cli import State\n", {"graph.cli"}),
    ("def f():\n    from graph.serve import app\n", {"graph.serve.app"}),
    ("if TYPE_CHECKING:\n    from graph.cli import core\n", set()),
    ("import json\nfrom . import x\n", set()),
])
def test_imports_are_read_at_the_top_and_inside_functions(tmp_path, source, found):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert imports(path, {"graph.kg.graph", "graph.cli", "graph.cli.core", "graph.serve", "graph.serve.app"}) == found
