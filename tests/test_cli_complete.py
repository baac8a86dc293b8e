"""Shell completion: click's protocol in a real process, topic names from the last build's cache."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from click.testing import CliRunner

from conftest import PICKGRAPH
from graph.cli import main
from graph.read.render import render_comparison


def complete(words: str, cwd, shell: str = "bash", **env: str) -> subprocess.CompletedProcess:
    """What the shell would receive for the command line ``words`` with the cursor after its last word."""
    split = words.split(" ")
    cword = split[-1] if shell == "fish" else str(len(split) - 1)  # fish passes the word itself
    inherited = {k: v for k, v in os.environ.items() if k != "PICKGRAPH_OUT"}
    environ = {**inherited, "_PICKGRAPH_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
               "COMP_CWORD": cword, **env}
    return subprocess.run(PICKGRAPH, capture_output=True, text=True, env=environ, cwd=cwd, timeout=60)


def values(r: subprocess.CompletedProcess) -> list[str]:
    """The bash completions: ``type,value`` lines."""
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return [line.split(",", 1)[1] for line in r.stdout.splitlines() if line]


@pytest.fixture
def built(make_corpus, tmp_path):
    folder = make_corpus({
        "a.txt": render_comparison("PostgreSQL", "MySQL", "PostgreSQL"),
        "b.txt": render_comparison("Ruby on Rails", "Django", "Django"),
        "c.txt": render_comparison("Postman", "Insomnia", "Postman"),
    })
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "exports"), "build", str(folder)])
    assert r.exit_code == 0, r.output
    return tmp_path


def test_topic_arguments_complete_to_slugs_of_the_last_build(built):
    assert values(complete("pickgraph show post", built)) == ["postgresql", "postman"]
    assert values(complete("pickgraph show Postg", built)) == ["postgresql"]  # any case, by name
    assert values(complete("pickgraph compare mysql R", built)) == ["ruby-on-rails"]
    assert values(complete("pickgraph why postgresql ruby-on", built)) == ["ruby-on-rails"]
    assert values(complete("pickgraph suggest django I", built)) == ["insomnia"]
    assert values(complete("pickgraph view dj", built)) == ["django"]
    assert values(complete("pickgraph show zzz", built)) == []


def test_the_out_folder_is_read_from_the_command_line(built):
    os.rename(built / "exports", built / "elsewhere")
    assert values(complete("pickgraph show my", built)) == []
    assert values(complete("pickgraph --out elsewhere show my", built)) == ["mysql"]
    assert values(complete("pickgraph show --out elsewhere my", built)) == ["mysql"]
    assert values(complete("pickgraph show my", built, PICKGRAPH_OUT="elsewhere")) == ["mysql"]


def test_zsh_and_fish_get_the_name_beside_the_slug(built):
    r = complete("pickgraph show ruby", built, shell="zsh")
    assert r.returncode == 0 and r.stdout.splitlines() == ["plain", "ruby-on-rails", "Ruby on Rails"]
    r = complete("pickgraph show ruby", built, shell="fish")
    assert r.returncode == 0 and r.stdout.splitlines() == ["plain,ruby-on-rails\tRuby on Rails"]


def test_no_build_completes_nothing_without_building_and_silently(tmp_path):
    assert values(complete("pickgraph show post", tmp_path)) == []
    # no build is run or read: the process imports neither the build's run nor its cache reader
    r = complete("pickgraph show post", tmp_path, PYTHONPROFILEIMPORTTIME="1")
    assert r.returncode == 0 and r.stdout.split() == []  # no candidate
    modules = {line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert "graph.cli.complete" in modules  # the list is real
    assert {"graph.build.run", "graph.build.pipeline", "graph.build.documents"} & modules == set()
    assert not (tmp_path / "exports").exists()
    (tmp_path / "exports" / ".cache").mkdir(parents=True)
    (tmp_path / "exports" / "pickgraph-build.json").write_text("{not json")
    assert values(complete("pickgraph show post", tmp_path)) == []


def test_the_names_file_follows_the_cache(built, make_corpus):
    assert values(complete("pickgraph show my", built)) == ["mysql"]
    [names] = (built / "exports" / ".cache").glob("*.topics.json")
    assert [t[0] for t in json.loads(names.read_text())["topics"]] == [
        "django", "insomnia", "mysql", "postgresql", "postman", "ruby-on-rails"]
    # a new build of the same folder replaces the cache: the next completion sees the new topics
    folder = built / "corpus"
    (folder / "d.txt").write_text(render_comparison("MySQL", "MariaDB", "MariaDB"))
    r = CliRunner().invoke(main, ["--out", str(built / "exports"), "build", str(folder)])
    assert r.exit_code == 0, r.output
    assert values(complete("pickgraph show ma", built)) == ["mariadb"]


def test_commands_and_choices_complete_too(built):
    assert values(complete("pickgraph sh", built)) == ["show"]
    assert values(complete("pickgraph export --format graph", built)) == ["graphml"]


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F _pickgraph_completion pickgraph"),
                                           ("zsh", "compdef _pickgraph_completion pickgraph"),
                                           ("fish", "complete --no-files --command pickgraph")])
def test_the_documented_scripts_are_generated(tmp_path, shell, marker):
    environ = {**os.environ, "_PICKGRAPH_COMPLETE": f"{shell}_source"}
    r = subprocess.run(PICKGRAPH, capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=60)
    assert r.returncode == 0 and marker in r.stdout
