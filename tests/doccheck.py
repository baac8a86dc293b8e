"""The docs' console blocks, run and compared with what they show (used by tests/test_docs.py).

A console block is a fenced block opened with ```console. Each line that starts with ``$ `` is
a command, run by bash; the lines up to the next command are its expected output: stdout and
stderr together, as a terminal shows them. The commands of one document run in order, in one
temporary folder holding copies of the repository's ``data/`` and ``tests/fixtures/`` (so
``pickgraph build`` reads ``data/`` and writes ``exports/`` there, never into the repository), and
``pickgraph`` is the installed command beside the running Python.

The one wildcard is ``…`` (U+2026), for what changes from run to run or is left out:
a line that is only ``…`` stands for any number of lines (none included), and ``…`` within
a line for any text on that line (a time, a cache hash, a temporary path). Trailing spaces
and trailing blank lines are ignored; everything else must be equal.

``PICKGRAPH_UPDATE_DOCS=1`` accepts new output: each command whose output differs gets the
real output in its place, keeping an old line with ``…`` wherever it matches a new line
(elided ``…`` lines of a changed output must be put back by hand).
"""

from __future__ import annotations

import difflib
import os
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from graph.build.outdir import atomic_write_bytes

ELLIPSIS = "…"
FENCE = re.compile(r"^(`{3,})\s*(\S*)")
#: the folders a document's commands find beside them, copied from the repository
WORKSPACE = ("data", "tests/fixtures")


@dataclass
class Command:
    """One ``$ `` line of a console block and the output shown after it."""

    line: int  # 0-based index of the ``$ `` line in the document
    command: str
    expected: list[str]  # the output lines, trailing blank lines dropped

    @property
    def output_span(self) -> tuple[int, int]:
        """The document lines [start, end) that hold the expected output."""
        return self.line + 1, self.line + 1 + len(self.expected)


def console_blocks(text: str) -> list[list[Command]]:
    """Every console block of a Markdown text, as its commands in order."""
    lines = text.splitlines()
    blocks: list[list[Command]] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(fence)), len(lines))
        if lang == "console":
            blocks.append(_commands(lines, i + 1, end))
        i = end + 1
    return blocks


def _commands(lines: list[str], start: int, end: int) -> list[Command]:
    commands: list[Command] = []
    for j in range(start, end):
        if lines[j].startswith("$ "):
            commands.append(Command(j, lines[j][2:], []))
        elif commands:
            commands[-1].expected.append(lines[j])
    for c in commands:
        while c.expected and not c.expected[-1].strip():
            c.expected.pop()
    return commands


def _line_regex(pattern: str) -> str:
    return ".*".join(re.escape(part) for part in pattern.rstrip().split(ELLIPSIS))


def pattern_regex(expected: list[str]) -> re.Pattern:
    """The regular expression of an expected output (see the module's rules for ``…``)."""
    parts = []
    for line in expected:
        if line.strip() == ELLIPSIS:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(_line_regex(line) + r"\n")
    return re.compile("".join(parts))


def normalise(output: str) -> str:
    """Output as compared: trailing spaces and trailing blank lines dropped, each line ended by a newline."""
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(line + "\n" for line in lines)


def matches(expected: list[str], output: str) -> bool:
    """Does ``output`` fit the expected lines exactly, ``…`` aside?"""
    return pattern_regex(expected).fullmatch(normalise(output)) is not None


def refreshed(expected: list[str], output: str) -> list[str]:
    """The new expected lines for ``output``: its lines, an old line with ``…`` kept where it matches."""
    patterns = [p for p in expected if ELLIPSIS in p and p.strip() != ELLIPSIS]
    new = []
    for line in normalise(output).splitlines():
        keep = next((p for p in patterns if re.fullmatch(_line_regex(p), line)), None)
        if keep is not None:
            patterns.remove(keep)
        new.append(keep if keep is not None else line)
    return new


def make_workspace(root: Path, folder: Path) -> Path:
    """``folder`` with copies of the repository folders the documents' commands use."""
    for name in WORKSPACE:
        shutil.copytree(root / name, folder / name, symlinks=True)
    return folder


def command_env() -> dict[str, str]:
    """The environment of the commands: this Python's scripts first on PATH, no PICKGRAPH_ settings."""
    bindir = Path(sys.executable).parent
    if not (bindir / "pickgraph").exists():
        raise RuntimeError(f"no pickgraph command beside {sys.executable}; install pickgraph first (make install)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PICKGRAPH_")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr reach the pipe in the order a terminal shows them
    return env


def run_block(commands: list[Command], cwd: Path, env: dict[str, str], timeout: float = 600) -> list[str]:
    """Run a block's commands in one bash, in ``cwd``; the output of each, stdout and stderr merged.

    One shell for the block, so ``echo $?`` after a command shows that command's status.
    """
    marker = f"@@doccheck-{secrets.token_hex(8)}@@"
    script = ["exec 2>&1", "__s=0"]
    for c in commands:
        # the marker's printf would reset $?: keep the status and restore it for the next command
        script.append(f"__s=$?; printf '\\n%s\\n' '{marker}'; (exit $__s); {c.command}")
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=timeout)
    outputs = done.stdout.decode("utf-8", errors="replace").split(f"\n{marker}\n")[1:]
    # a command that ended the shell (exit, exec) leaves the rest without output: shown as such
    return outputs + ["(the shell ended before this command)"] * (len(commands) - len(outputs))


def check_doc(doc: Path, workspace: Path, update: bool = False) -> list[str]:
    """Run every console block of ``doc`` in ``workspace``; one message per command whose output differs.

    With ``update``, ``doc`` is rewritten with the new outputs and nothing is reported.
    """
    text = doc.read_text(encoding="utf-8")
    env = command_env()
    failures: list[str] = []
    changes: list[tuple[Command, list[str]]] = []
    for block in console_blocks(text):
        for c, output in zip(block, run_block(block, workspace, env), strict=True):
            if matches(c.expected, output):
                continue
            changes.append((c, refreshed(c.expected, output)))
            diff = difflib.unified_diff(c.expected, normalise(output).splitlines(), "shown", "printed", lineterm="")
            failures.append(f"{doc}:{c.line + 1}: the output of `{c.command}` differs:\n" + "\n".join(diff))
    if update and changes:
        lines = text.splitlines()
        for c, new in sorted(changes, key=lambda change: -change[0].line):
            start, end = c.output_span
            lines[start:end] = new
        atomic_write_bytes(doc, ("\n".join(lines) + "\n").encode("utf-8"))
        return []
    return failures
