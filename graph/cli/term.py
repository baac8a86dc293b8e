"""The terminal conventions of the command line: output width, colour, wrapping and warnings.

Settings travel in ``ctx.meta`` (one dict shared by a command and its group), so a
group option (``pickgraph --no-color show X``) and a command option
(``pickgraph show X --no-color``) mean the same.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

import click

JSON_KEY = "pickgraph.json"
WIDTH_KEY = "pickgraph.width"
COLOR_KEY = "pickgraph.color"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def visible_len(text: str) -> int:
    """Length of ``text`` as shown: colour codes take no room."""
    return len(_ANSI.sub("", text))


# ------------------------------------------------------------------ width --

def output_width(explicit: int | None = None, is_tty: bool | None = None) -> int | None:
    """Columns that text output should fit, or ``None`` for no limit.

    ``--width N`` first (0: no limit), then ``COLUMNS``, then the terminal's
    width when standard output is a terminal; piped output is never cut.
    """
    if explicit is not None:
        return explicit or None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if is_tty is None:
        is_tty = sys.stdout.isatty()
    return shutil.get_terminal_size().columns if is_tty else None


def current_width() -> int | None:
    """:func:`output_width` of the running command (its ``--width``, if any)."""
    ctx = click.get_current_context(silent=True)
    return output_width(ctx.meta.get(WIDTH_KEY) if ctx else None)


def wrap(text: str, width: int | None) -> str:
    """Each line longer than ``width`` broken at spaces, continued under its own indent plus two.

    Words are never split (a path or IRI stays whole); colour codes are not counted.

    >>> print(wrap("  - one two three four", 14))
      - one two
        three four
    """
    if width is None:
        return text
    out = []
    for line in text.split("\n"):
        if visible_len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" ")
        indent = " " * (len(line) - len(body) + 2)
        current = line[: len(line) - len(body)]
        start = True
        for word in body.split(" "):
            if start and not word:  # a double space where the line was broken
                continue
            if not start and visible_len(current) + 1 + visible_len(word) > width:
                out.append(current.rstrip(" "))
                current, start = indent, True
                if not word:
                    continue
            current += word if start else " " + word
            start = False
        out.append(current.rstrip(" "))
    return "\n".join(out)


# ----------------------------------------------------------------- colour --

def resolve_color(flag: bool | None, as_json: bool = False) -> bool | None:
    """``ctx.color``: False under ``--json``, ``--no-color`` or ``NO_COLOR``; True with ``--color``; else
    None, which click reads as "only on a terminal"."""
    if as_json or flag is False:
        return False
    if flag:
        return True
    return False if os.environ.get("NO_COLOR") else None


def error_label() -> str:
    return click.style("Error:", fg="red", bold=True)


def strong(text: str) -> str:
    """A pick, a winner, a heading."""
    return click.style(text, bold=True)


def caution(text: str) -> str:
    """A rejected page, a deprecated spelling."""
    return click.style(text, fg="yellow")


def warn(message: str) -> None:
    """One line on standard error (yellow on a terminal), e.g. a deprecated spelling."""
    click.echo(caution(f"pickgraph: {message}"), err=True)


__all__ = ["output_width", "current_width", "wrap", "visible_len", "resolve_color", "error_label", "strong",
           "caution", "warn"]
