"""Full --help: every command's summary whole in the command list, epilogs pointing to the next step."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph.cli import main

SUMMARIES = {
    "build": "Read pages, build the topic graph, write exports and the cache.",
    "compare": "Compare topics A and B, directly or by a derived comparison.",
    "evaluate": "Score suggestions and derived picks on held-out pages.",
    "export": "Write the graph in one export format, atomically.",
    "generate": "Write a synthetic corpus drawn from a hidden model.",
    "identity": "Explain merged names and list likely duplicate topics.",
    "push": "Replace a named graph of a SPARQL store with the graph's triples.",
    "serve": "Explore the last build in a browser, with a SPARQL endpoint.",
    "show": "Everything known of one topic.",
    "sparql": "Run a SPARQL query over the graph (embedded Oxigraph).",
    "suggest": "Topics most worth comparing next, with the reasons.",
    "topics": "List topics, most compared first, with wins and losses.",
    "view": "Write an interactive HTML page of the graph and open it.",
    "why": "Why the graph prefers A or B, with sources and win chains.",
}


def help_text(*args: str, width: int) -> str:
    r = CliRunner().invoke(main, [*args, "--help"], prog_name="pickgraph", terminal_width=width)
    assert r.exit_code == 0, r.output
    return r.stdout


def command_list(text: str) -> dict[str, str]:
    """``{command: summary}`` from the Commands section, continuation lines joined."""
    section = text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    listed: dict[str, str] = {}
    name = ""
    for line in section.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            name, _, summary = line.strip().partition(" ")
            listed[name] = summary.strip()
        else:
            listed[name] += " " + line.strip()
    return listed


def test_every_summary_is_whole_on_one_line_at_80_columns():
    text = help_text(width=80)
    assert command_list(text) == SUMMARIES
    section = text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    assert "..." not in section
    assert len(section.splitlines()) == len(SUMMARIES)  # one line each


def test_a_narrow_terminal_wraps_summaries_but_never_cuts_them():
    text = help_text(width=50)
    assert command_list(text) == SUMMARIES
    assert "..." not in text.split("Commands:\n", 1)[1]


@pytest.mark.parametrize("command, next_step", [
    ("build", "Next: pickgraph topics, pickgraph show TOPIC, pickgraph view."),
    ("topics", "Next: pickgraph show TOPIC (a name or slug from this list)."),
    ("sparql", "Ready queries: pickgraph sparql --list. Your own store: pickgraph push."),
])
def test_epilogs_say_what_to_do_next(command, next_step):
    text = help_text(command, width=200)
    assert text.rstrip().endswith(next_step)


def test_every_command_has_help_that_exits_0():
    for name in SUMMARIES:
        text = help_text(name, width=80)
        assert text.startswith(f"Usage: pickgraph {name} ")
        assert "--color / --no-color" in text
