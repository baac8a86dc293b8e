"""Width and colour: tables fitted to the terminal, prose wrapped, colour only where it belongs.

A real terminal is a pseudo-terminal of a given size with the command as a process on it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import termios

import pytest
from click.testing import CliRunner

from conftest import PICKGRAPH
from graph.cli import main
from graph.read.render import render_comparison
from graph.texttable import ELLIPSIS, fit_widths, format_table

BOLD, RED, YELLOW = "\x1b[1m", "\x1b[31m", "\x1b[33m"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "LINES")}
    return {**env, **extra}


def in_terminal(args: list[str], columns: int = 80, **env: str) -> tuple[int, str]:
    """Run ``pickgraph ARGS`` on a pseudo-terminal ``columns`` wide; its exit status and what it showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen([*PICKGRAPH, *args], stdin=slave, stdout=slave, stderr=slave, env=clean_env(**env))
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(timeout=60), shown.decode().replace("\r\n", "\n")


def piped(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PICKGRAPH, *args], capture_output=True, text=True, env=clean_env(**env), timeout=120)


@pytest.fixture
def built(make_corpus, tmp_path):
    """A small corpus, built: ``--out`` arguments for the query commands."""
    folder = make_corpus({
        "a.txt": render_comparison("PostgreSQL", "MySQL", "PostgreSQL",
                                   related={"PostgreSQL": ["relational-databases"], "MySQL": ["relational-databases"]}),
        "b.txt": render_comparison("PostgreSQL", "Apache Cassandra Distributed Database", "PostgreSQL"),
        "c.txt": render_comparison("MySQL", "SQLite", "SQLite"),
    })
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(folder)])
    assert r.exit_code == 0, r.output
    return ["--out", str(out)]


# ------------------------------------------------------------------- tables --

def test_fit_widths_narrows_the_widest_first():
    assert fit_widths([10, 40, 3], 40) == [10, 23, 3]
    assert fit_widths([12, 12, 12], 30) == [9, 9, 8]  # 26 characters + 2 gaps of 2
    assert fit_widths([2, 50], 10) == [2, 6]
    assert fit_widths([30, 30, 30], 20) == [6, 5, 5]
    assert fit_widths([30, 30, 30], 13) == [3, 3, 3]  # below the floor of 4: an even share


def test_a_fitted_table_keeps_one_line_per_row():
    rows = [["apache-cassandra-distributed-database", "x" * 70, "12"], ["go", "short", "3"]]
    assert format_table(["slug", "text", "n"], rows, width=40, align="<<>") == [
        "slug               text                n",
        "apache-cassandra…  xxxxxxxxxxxxxxxx…  12",
        "go                 short               3",
    ]


def test_topics_fit_the_width_asked(built):
    r = CliRunner().invoke(main, [*built, "topics", "--width", "32"])
    assert r.exit_code == 0, r.output
    # natural widths 37, 36, 3, 1, 1; 24 columns left after the gaps: cap 9, the spare one to the first
    assert r.stdout.splitlines() == [
        "topic       slug       cmp  W  L",
        "MySQL       mysql        2  0  2",
        "PostgreSQL  postgres…    2  2  0",
        "Apache Ca…  apache-c…    1  0  1",
        "SQLite      sqlite       1  1  0",
        "Relationa…  relation…    0  0  0",
    ]


def test_sparql_table_fits_columns_and_never_splits_a_row(built):
    args = [*built, "sparql", "@topic-comparisons", "--topic", "topic=PostgreSQL"]
    full = CliRunner().invoke(main, args).stdout.splitlines()
    assert max(map(len, full)) > 200  # the wide table of the issue
    assert CliRunner().invoke(main, [*args, "--width", "0"]).stdout.splitlines() == full
    for width in (60, 100):
        fitted = CliRunner().invoke(main, [*args, "--width", str(width)]).stdout.splitlines()
        assert len(fitted) == len(full) == 5  # header, rule, 2 rows, count
        assert max(map(len, fitted)) <= width
        assert ELLIPSIS in fitted[2]
    assert CliRunner().invoke(main, args, env={"COLUMNS": "70"}).stdout == \
        CliRunner().invoke(main, [*args, "--width", "70"]).stdout


def test_show_wraps_prose_under_its_indent(built):
    wide = CliRunner().invoke(main, [*built, "show", "postgresql", "--width", "0"]).stdout
    narrow = CliRunner().invoke(main, [*built, "show", "postgresql", "--width", "40"]).stdout
    assert max(map(len, wide.splitlines())) > 40
    assert all(len(line) <= 40 or " " not in line.strip() for line in narrow.splitlines())
    assert narrow.split() == wide.split()  # the same words, nothing cut
    lines = narrow.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("  vs Apache"))
    assert lines[i + 1].startswith("    ") and not lines[i + 1].startswith("     ")


def test_a_terminal_gets_its_width_and_a_pipe_the_whole_table(built):
    status, shown = in_terminal([*built, "topics"], columns=30)
    assert status == 0
    assert max(len(line) for line in strip_ansi(shown).splitlines()) <= 30
    p = piped([*built, "topics"])
    assert "Apache Cassandra Distributed Database" in p.stdout


def strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# ------------------------------------------------------------------- colour --

def test_colour_on_a_terminal_bolds_the_pick(built):
    status, shown = in_terminal([*built, "show", "mysql"])
    assert status == 0
    assert f"(pick: {BOLD}SQLite" in shown and f"(pick: {BOLD}PostgreSQL" in shown


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color", "group --no-color", "--json"])
def test_no_colour_when_asked_or_in_json(built, how):
    env = {"NO_COLOR": "1"} if how == "NO_COLOR" else {}
    args = [*built, "show", "mysql"]
    if how == "group --no-color":
        args = ["--no-color", *args]
    elif how != "NO_COLOR":
        args.append(how)
    status, shown = in_terminal(args, **env)
    assert status == 0 and "\x1b[" not in shown
    if how == "--json":
        assert json.loads(shown)["slug"] == "mysql"


def test_no_colour_into_a_pipe_unless_forced(built):
    assert "\x1b[" not in piped([*built, "show", "mysql"]).stdout
    assert f"{BOLD}SQLite" in piped([*built, "show", "mysql", "--color"]).stdout
    assert "\x1b[" not in piped([*built, "show", "mysql", "--color", "--json"]).stdout


def test_errors_red_and_rejections_yellow_on_a_terminal(built, make_corpus):
    status, shown = in_terminal([*built, "show", "Postgress"])
    assert status == 1 and shown.startswith(f"{RED}")
    assert strip_ansi(shown).startswith("Error: unknown topic 'Postgress'")
    folder = make_corpus({"a.txt": render_comparison("Go", "Rust", "Rust"), "b.txt": ""}, "rejects")
    status, shown = in_terminal(["--out", str(folder.parent / "o2"), "-q", "build", str(folder)])
    assert status == 1
    assert f"{YELLOW}rejected {folder / 'b.txt'}:1: empty file" in shown
    status, shown = in_terminal(["--out", str(folder.parent / "o2"), "-q", "build", str(folder)], NO_COLOR="1")
    assert "\x1b[" not in shown and f"rejected {folder / 'b.txt'}:1: empty file" in shown
