r"""The terminal conventions of the command line: output width, colour, wrapping, warnings, and what
may reach the terminal at all.

Names, texts and file paths come from the user's pages, file names and alias file, and a store's
replies from a server: any of them may hold terminal control sequences (a window title set by
``ESC ] 0 ;``, a hyperlink, a cursor move, ``\r`` over a line, a bidi override that reverses what
follows). Every printer goes through :func:`echo`, which lets through only the layout (line breaks)
and the colour codes the command line makes itself; the data is escaped before it is formatted
(:func:`printable_data`), so a line break inside a name shows as ``\n`` instead of making a line.

Settings travel in ``ctx.meta`` (one dict shared by a command and its group), so a
group option (``pickgraph --no-color show X``) and a command option
(``pickgraph show X --no-color``) mean the same.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from typing import Any, Callable

import click

from graph.read.records import escape_path

JSON_KEY = "pickgraph.json"
WIDTH_KEY = "pickgraph.width"
COLOR_KEY = "pickgraph.color"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# what a text output may carry raw: its own line breaks and the colour codes of click.style
_LAYOUT = re.compile(rf"(\n|{_ANSI.pattern})")


# ------------------------------------------------------------- printable --

#: One text with every character that is not printable (C0 and C1 controls, DEL, bidi overrides and
#: isolates, line separators) escaped visibly (``\x1b``, ``\n``, ``\u202e``), and bytes that were not
#: UTF-8 as ``\xNN``: the rule the reader stores page paths by, so a path reads the same everywhere.
printable = escape_path


def printable_data(data: Any) -> Any:
    r"""``data`` (JSON-like: dicts, lists, strings) with every string made :func:`printable`, for a
    text formatter to lay out.

    >>> printable_data({"name": "X\x1b]0;pwned\x07", "pros": ["a\nb"], "n": 3})
    {'name': 'X\\x1b]0;pwned\\x07', 'pros': ['a\\nb'], 'n': 3}
    """
    kind = type(data)  # by exact type: an answer of a big corpus holds millions of values
    if kind is str:
        return data if data.isprintable() else printable(data)
    if kind is dict:
        return {printable_data(k): printable_data(v) for k, v in data.items()}
    if kind is list:
        return [printable_data(v) for v in data]
    if kind is tuple:
        return tuple(printable_data(v) for v in data)
    if isinstance(data, str):  # a str subclass (an enum's value, say)
        return printable(data)
    return data


def shown(text: str) -> str:
    r"""``text`` as it may reach a terminal: its line breaks and colour codes kept, anything else that
    is not printable escaped (the guard under every formatter).

    >>> shown("\x1b[1mok\x1b[0m\nbad\r\x1b]0;t\x07")
    '\x1b[1mok\x1b[0m\nbad\\r\\x1b]0;t\\x07'
    """
    if all(line.isprintable() for line in text.split("\n")):
        return text
    parts = _LAYOUT.split(text)
    return "".join(part if i % 2 else printable(part) for i, part in enumerate(parts))


def echo(text: str = "", err: bool = False, **kwargs: Any) -> None:
    """Print one text (``click.echo``) through :func:`shown`: how every command writes text."""
    click.echo(shown(text), err=err, **kwargs)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:  # JSON spells a character beyond the BMP as its UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_shown(text: str) -> str:
    r"""A JSON text with every character that is not printable written as a ``\uXXXX`` escape: the
    same value, nothing raw for a terminal (``json.dumps`` escapes only C0 controls).

    >>> json_shown('{"a": "x\u202ey\x9b"}')
    '{"a": "x\\u202ey\\u009b"}'
    """
    lines = text.split("\n")
    if all(line.isprintable() for line in lines):
        return text
    return "\n".join(line if line.isprintable() else
                     "".join(c if c.isprintable() or c in "\t\r" else _json_escape(c) for c in line)
                     for line in lines)


def json_text(data: Any) -> str:
    """``data`` as the command line prints JSON: indented, keys sorted, nothing raw for a terminal."""
    return json_shown(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


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
    echo(caution(f"pickgraph: {printable(message)}"), err=True)


def emit(data: Any, as_json: bool, text: Callable[[Any], str], fit: bool = True) -> None:
    """Print ``data`` as JSON or through ``text``; long text lines wrapped to the width (``fit``).

    ``text`` lays out ``data`` with every string in it escaped (a name cannot make a line break or
    reach the terminal as a control sequence).
    """
    if as_json:
        echo(json_text(data))
    else:
        out = text(printable_data(data))
        echo(wrap(out, current_width()) if fit else out)


__all__ = ["emit", "output_width", "current_width", "wrap", "visible_len", "resolve_color", "error_label", "strong",
           "caution", "warn", "printable", "printable_data", "shown", "echo", "json_shown", "json_text"]
