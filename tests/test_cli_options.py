"""One letter, one meaning: the audit of every short option against docs/cli.md, and the old spellings."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from conftest import ROOT
from graph.cli import main
from graph.read.render import render_comparison

OLD_OUTPUT = "pickgraph: '-O FILE' is deprecated: write '-o FILE' (or --output FILE)\n"
OLD_OUT = "pickgraph: '-o DIR' for the out folder is deprecated: write '--out DIR' (-o names an output file)\n"


def short_options() -> dict[str, dict[str, set[str]]]:
    """``{letter: {long option: {commands}}}`` of the visible options; the group is "pickgraph"."""
    ctx = click.Context(main, info_name="pickgraph", **main.context_settings)
    found: dict[str, dict[str, set[str]]] = {}
    commands = [("pickgraph", main)] + [(n, main.get_command(ctx, n)) for n in main.list_commands(ctx)]
    for name, cmd in commands:
        for p in cmd.get_params(ctx):
            if not isinstance(p, click.Option) or p.hidden:
                continue
            names = p.opts + p.secondary_opts
            long = next((o for o in names if o.startswith("--")), "")
            for o in names:
                if re.fullmatch(r"-[A-Za-z]", o):
                    found.setdefault(o, {}).setdefault(long, set()).add(name)
    return found


def documented() -> dict[str, tuple[str, set[str]]]:
    """The option-letter table of docs/cli.md."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## Option letters", 1)[1].split("###", 1)[0]
    rows = re.findall(r"^\| `(-\w)` \| (?:`(--[\w-]+)`)? ?\| [^|]+ \| ([^|]+) \|$", section, re.M)
    return {letter: (long, {c.strip() for c in commands.split(",")}) for letter, long, commands in rows}


def test_every_letter_has_one_meaning_and_the_doc_lists_them_all():
    found = short_options()
    assert {letter: len(meanings) for letter, meanings in found.items() if len(meanings) > 1} == {}
    docs = documented()
    assert sorted(docs) == sorted(found)
    for letter, meanings in found.items():
        [(long, commands)] = meanings.items()
        doc_long, doc_commands = docs[letter]
        assert doc_long == long, letter
        if letter != "-h":  # documented as "all"
            assert doc_commands == commands, letter


def test_o_is_the_output_file_and_out_the_folder():
    letters = short_options()
    assert letters["-o"] == {"--output": {"export", "view"}}
    assert "--out" not in {long for meanings in letters.values() for long in meanings}


@pytest.fixture
def corpus(make_corpus):
    return make_corpus({"a.txt": render_comparison("Go", "Rust", "Rust")})


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_old_capital_o_still_writes_the_file_with_one_warning(corpus, tmp_path):
    new, old = tmp_path / "new.ttl", tmp_path / "old.ttl"
    r_new = invoke("--out", str(tmp_path / "o"), "export", "-f", "turtle", "-o", str(new), "-c", str(corpus))
    r_old = invoke("--out", str(tmp_path / "o"), "export", "-f", "turtle", "-O", str(old), "-c", str(corpus))
    assert r_new.exit_code == r_old.exit_code == 0
    assert r_new.stderr == "" and r_old.stderr == OLD_OUTPUT
    assert r_old.stdout == f"wrote {old}\n"
    assert old.read_bytes() == new.read_bytes()


def test_old_capital_o_on_view(corpus, tmp_path):
    target = tmp_path / "page.html"
    r = invoke("--out", str(tmp_path / "o"), "view", "-O", str(target), "--no-open", "-c", str(corpus))
    assert r.exit_code == 0 and r.stderr == OLD_OUTPUT
    assert r.stdout.startswith(f"wrote {target} (") and target.is_file()


@pytest.mark.parametrize("where", ["group", "command"])
def test_old_lowercase_o_still_names_the_out_folder(corpus, tmp_path, where):
    out = tmp_path / "old-out"
    args = ["-o", str(out), "build", str(corpus)] if where == "group" else ["build", str(corpus), "-o", str(out)]
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    assert r.stderr == OLD_OUT
    assert (out / "pickgraph-build.json").is_file()
    q = invoke("topics", "-o", str(out), "-n", "1")
    assert q.exit_code == 0 and q.stderr == OLD_OUT
    assert q.stdout.splitlines()[1].split() == ["Go", "go", "1", "0", "1"]


def test_out_on_the_command_line_beats_the_environment(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PICKGRAPH_OUT", str(tmp_path / "env-out"))
    assert invoke("-o", str(tmp_path / "cli-out"), "build", str(corpus)).exit_code == 0
    assert (tmp_path / "cli-out" / "pickgraph-build.json").is_file()
    assert not (tmp_path / "env-out").exists()


def test_o_naming_a_folder_on_export_says_to_use_out(corpus, tmp_path):
    r = invoke("--out", str(tmp_path / "o"), "export", "-f", "turtle", "-o", str(tmp_path), "-c", str(corpus))
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1] == (f"Error: Invalid value for '--output' / '-o': {tmp_path} is a folder: "
                                         "-o/--output names the file to write; name the out folder with --out DIR")
