"""Every path, module, link and command the docs name exists, so no doc can point at what moved.

Scanned: README.md, docs/*.md, benchmarks/README.md, the comments of pyproject.toml, and the
header (module docstring and leading comments) of graph/**/*.py and graph/**/*.ttl. In them:
repository paths (``graph/…``, ``docs/…``, ``tests/…``, ``benchmarks/…``, ``data/…``), dotted
names (``graph.xxx.yyy``, ``benchmarks.xxx``: a module, then attributes of it), relative
Markdown links, and in code blocks and inline code the ``pickgraph`` subcommands and their
``--options``, ``make`` targets and ``python -m`` modules.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import re
import subprocess
import tokenize
from pathlib import Path

import click
import pytest

from conftest import ROOT
from graph.cli import main

PATH = re.compile(r"(?<![\w./}-])((?:graph|docs|tests|benchmarks|data|notebooks)/[\w./*-]*)")
#: the RDF named graphs {base}graph/topics and {base}graph/all: IRIs the docs name, not files
NAMED_GRAPHS = ("graph/topics", "graph/all")
DOTTED = re.compile(r"(?<![\w./@-])((?:graph|benchmarks)(?:\.[A-Za-z_]\w*)+)")
LINK = re.compile(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)")
OUTSIDE = re.compile(r"(?<![\w.])(/work/|\.\./shared\b)")
FENCE = re.compile(r"^```(\S*)\s*$")
INLINE = re.compile(r"`([^`\n]+)`")
#: words a command line may start with before the command itself
PREFIX = re.compile(r"^(?:\$ |sudo |nice -n \d+ |\w+=\S* )*")


def header(path: Path) -> str:
    """The module docstring and the comments before the first statement (.py), or the leading comments (.ttl)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ttl":
        return "\n".join(line for line in text.splitlines()[:40] if line.startswith("#"))
    tree = ast.parse(text)
    first = tree.body[0].lineno if tree.body else len(text.splitlines()) + 1
    comments = [tok.string for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                if tok.type == tokenize.COMMENT and tok.start[0] < first]
    return "\n".join([ast.get_docstring(tree) or "", *comments])


def pyproject_comments() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)


def sources() -> dict[str, str]:
    """``{name: text}`` of everything scanned."""
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
    found = {str(d.relative_to(ROOT)): d.read_text(encoding="utf-8") for d in docs}
    found["pyproject.toml (comments)"] = pyproject_comments()
    for f in sorted([*(ROOT / "graph").rglob("*.py"), *(ROOT / "graph").rglob("*.ttl")]):
        found[f"{f.relative_to(ROOT)} (header)"] = header(f)
    return found


SOURCES = sources()


def path_exists(name: str) -> bool:
    """In the repository, or a generated output the repository ignores (benchmarks/out/), or a named graph."""
    name = name.rstrip(".")
    if name in NAMED_GRAPHS:
        return True
    if any(ROOT.glob(name)) if "*" in name else (ROOT / name).exists():
        return True
    return subprocess.run(["git", "check-ignore", "-q", "--no-index", name], cwd=ROOT).returncode == 0


def dotted_exists(name: str) -> bool:
    """A module, or a module and then attributes of it (``graph.sparql.run.select``)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            found = None
        if found is None:
            continue
        obj = importlib.import_module(module)
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def anchors(doc: Path) -> set[str]:
    """The link anchors of a Markdown file's headings, made as GitHub makes them."""
    heads = re.findall(r"^#+ (.+)$", doc.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


def link_problem(doc: Path, target: str, anchor: str) -> str | None:
    """Why a relative Markdown link from ``doc`` leads nowhere, or None."""
    if "://" in target or target.startswith("mailto:"):
        return None
    path = (doc.parent / target) if target else doc
    if not path.exists():
        return f"broken link {target}"
    if anchor and path.suffix == ".md" and anchor not in anchors(path):
        return f"broken link {target}#{anchor}: no such heading"
    return None


def code_lines(text: str) -> list[str]:
    """The lines of fenced code blocks (only the ``$ `` lines of console blocks) and every inline code span."""
    lines, lang = [], None
    for line in text.splitlines():
        m = FENCE.match(line)
        if m:
            lang = None if lang is not None else m.group(1)
        elif lang is not None and lang not in ("python", "json", "toml", "sparql"):
            if lang != "console" or line.startswith("$ "):
                lines.append(line)
    # inline spans: a Markdown table's `a\|b` is one span
    lines += [m.group(1).replace("\\|", "|") for m in INLINE.finditer(text)]
    return lines


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([\w-]+):", text, re.M))


def command_problem(line: str) -> str | None:
    """What a command line names that does not exist, or None."""
    words = PREFIX.sub("", line.strip()).split()
    if not words:
        return None
    if words[0] in ("pickgraph", ".venv/bin/pickgraph") and len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]):
        cmd = main.get_command(click.Context(main), words[1])  # commands load on first use
        if cmd is None:
            return f"no command 'pickgraph {words[1]}'"
        known = {o for p in [*cmd.params, *main.params] if isinstance(p, click.Option) for o in p.opts + p.secondary_opts}
        unknown = [o for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", " ".join(words[2:])) if o not in known]
        return f"'pickgraph {words[1]}' has no option {', '.join(unknown)}" if unknown else None
    if words[0] == "make" and len(words) > 1 and re.fullmatch(r"[a-z][\w-]*", words[1]):
        return None if words[1] in make_targets() else f"no make target '{words[1]}'"
    if re.fullmatch(r"(?:\.venv/bin/)?python3?", words[0]) and words[1:2] == ["-m"] and len(words) > 2:
        return None if dotted_exists(words[2]) else f"no module '{words[2]}'"
    return None


def problems(name: str, text: str) -> list[str]:
    doc = ROOT / name.split(" ")[0]
    found = [f"{name}: no path {p}" for p in PATH.findall(text) if not path_exists(p)]
    found += [f"{name}: no module or attribute {d}" for d in DOTTED.findall(text) if not dotted_exists(d)]
    found += [f"{name}: points outside the repository: {m.group(0)}…" for m in OUTSIDE.finditer(text)
              if not name.startswith(("docs/", "README"))]  # docs may say what CI keeps beside the clone
    if name.endswith(".md"):
        found += [f"{name}: {why}" for target, anchor in LINK.findall(text) if (why := link_problem(doc, target, anchor))]
        found += [f"{name}: `{line.strip()}`: {why}" for line in code_lines(text)
                  if (why := command_problem(line))]
    return found


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_everything_a_doc_names_exists(name):
    assert problems(name, SOURCES[name]) == []


def test_the_scan_sees_the_files_it_must():
    # an empty scan would pass; these must be in it
    assert {"README.md", "docs/serve.md", "pyproject.toml (comments)", "graph/rdf/shapes.ttl (header)",
            "graph/read/parse.py (header)"} <= set(SOURCES)


@pytest.mark.parametrize("text, expected", [
    ("see graph/queries/topic-comparisons.rq.", ["x.md: no path graph/queries/topic-comparisons.rq."]),
    ("see graph/sparql/queries/*.rq and `docs/serve.md`", []),
    ("graph.sparql.select_df is gone, graph.sparql.run.select is not", ["x.md: no module or attribute graph.sparql.select_df"]),
    ("[up](README.md) [gone](nowhere.md#x) [web](https://example.org/a.md)", ["x.md: broken link nowhere.md"]),
    ("[ok](README.md#python-api) [moved](README.md#dependencies)", ["x.md: broken link README.md#dependencies: no such heading"]),
    ("```sh\npickgraph sparql @win-loss --format csv --frobnicate\nnice -n 5 pickgraph evaluate data\n```",
     ["x.md: `pickgraph sparql @win-loss --format csv --frobnicate`: 'pickgraph sparql' has no option --frobnicate"]),
    ("`pickgraph explode X` and `make bench` and `make deploy`",
     ["x.md: `pickgraph explode X`: no command 'pickgraph explode'", "x.md: `make deploy`: no make target 'deploy'"]),
    ("```\n$ python -m benchmarks.serve_load --pages 10\n$ python -m benchmarks.gone\n```",
     ["x.md: no module or attribute benchmarks.gone", "x.md: `$ python -m benchmarks.gone`: no module 'benchmarks.gone'"]),
    ("results in benchmarks/out/corpus-N/ and {base}graph/all; tests/nowhere/", ["x.md: no path tests/nowhere/"]),
])
def test_the_scan_finds_what_does_not_exist(text, expected):
    assert problems("x.md", text) == expected


def test_the_named_graphs_are_the_ones_the_code_makes():
    code = "".join((ROOT / "graph" / f).read_text() for f in ("rdf/mapping.py", "rdf/iris.py", "sparql/push.py"))
    assert all("{base}" + g in code or "{check_base(base_iri)}" + g in code for g in NAMED_GRAPHS)


def test_a_header_pointing_outside_the_repository_is_found():
    assert problems("graph/x.py (header)", "Accepted shapes (``/work/shared/FORMAT.md``)") == [
        "graph/x.py (header): points outside the repository: /work/…"]
