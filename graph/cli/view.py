"""``view``: the interactive HTML page of the graph or of one topic's neighbourhood."""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path

import click

from graph.build.record import write_into
from graph.export.html import MAX_TOPICS, OVERVIEW_TOPICS, write_page
from graph.cli.state import State, pass_state, corpus_options, json_option, output_option
from graph.cli.term import emit
from graph.cli.complete import complete_topic

@click.command(short_help="Write an interactive HTML page of the graph and open it.")
@click.argument("topic", required=False, shell_complete=complete_topic)
@click.option("--depth", "-d", type=click.IntRange(0), default=2, show_default=True,
              help="With TOPIC: how many links away from it a topic may be.")
@output_option("File to write. Default: pickgraph.html, or pickgraph-<topic>.html, in the out folder.")
@click.option("--max-topics", type=click.IntRange(1), default=MAX_TOPICS, show_default=True,
              help="Largest page drawn in full; a bigger graph gets an overview of its best connected topics.")
@click.option("--overview-topics", type=click.IntRange(1), default=OVERVIEW_TOPICS, show_default=True,
              help="How many topics an overview shows.")
@click.option("--open/--no-open", "open_", default=None,
              help="Open the page in the web browser. Default: open when run in a terminal.")
@json_option
@corpus_options(old_o=False)
@pass_state
def view(state: State, topic: str | None, depth: int, output: str | None, max_topics: int,
         overview_topics: int, open_: bool | None, as_json: bool) -> None:
    """Write an interactive HTML page of the topic graph and open it.

    \b
    Without TOPIC: every topic (or, above --max-topics, an overview).
    With TOPIC (a name, slug or alias): the topics within --depth links of it,
    with TOPIC selected.

    The page is one file that works offline: hover a topic or a link for its
    card, click a topic to light up its neighbours, search with the box, and
    hide kinds of links with the check boxes.
    """
    G = state.graph()
    slug = state.topic(topic) if topic else None
    def write(path: Path) -> dict:
        return write_page(G, path, slug, depth, max_topics=max_topics, overview_topics=overview_topics)

    if output:
        target = Path(output)
        result = write(target)
    else:  # a file of the out folder: written under its lock, like a build's
        name = f"pickgraph-{slug}.html" if slug else "pickgraph.html"
        target = Path(state.out) / name
        result = {**write_into(state.out, lambda staging: write(staging / name), on_wait=state.waiting),
                  "path": str(target)}
    emit(result, as_json, _text)
    if open_ if open_ is not None else (sys.stdout.isatty() and not as_json):
        webbrowser.open(target.resolve().as_uri())


def _text(r: dict) -> str:
    lines = [f"wrote {r['path']} ({r['topics_shown']} topics, {r['edges_shown']} links, {r['bytes']:,} bytes)"]
    if r["note"]:
        lines.append(r["note"])
    return "\n".join(lines)


commands = [view]
