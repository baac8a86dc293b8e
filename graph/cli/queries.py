"""The query commands, made from the table of :mod:`graph.query.api` (as ``serve``'s ``/api/`` routes
are: same parameters, same checks, same JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import click

from graph.cli.state import State, pass_state, corpus_options, json_option, width_option
from graph.cli.complete import complete_topic
from graph.cli.term import emit, current_width, printable, strong
from graph.query.api import QUERIES, Param, Query
from graph.query.compare import format_compare
from graph.query.explain import format_why
from graph.texttable import format_table

if TYPE_CHECKING:
    import networkx as nx


def query_command(query: Query, text: Callable[[nx.MultiDiGraph, Any], str], *, fit: bool = True,
                  **settings: Any) -> Callable[[Callable], click.Command]:
    """The command of ``query``: its parameters as arguments (topics) and options, ``--json``, ``--width``,
    ``--corpus`` and ``--out``; the answer printed as JSON or through ``text(G, answer)``. The decorated
    function gives the help text only."""

    def decorate(doc: Callable) -> click.Command:
        def run(state: State, as_json: bool, **args: Any) -> None:
            named = [t for p in query.params if p.topic for t in (args[p.name] if p.many else [args[p.name]])]
            # the named topics' part (or the topics' table), from the query index when it is fresh
            G = state.table_graph() if query.table_only else state.graph(*named)
            answer = query.answer(G, state.models, args)
            state.keep_models()  # when the query had to make them: the next process loads them
            emit(answer, as_json, lambda d: text(G, d), fit=fit)

        f = json_option(width_option(corpus_options(pass_state(run))))
        for p in reversed(query.params):
            f = _param(p)(f)
        return click.command(query.name, help=doc.__doc__, **settings)(f)

    return decorate


def _param(p: Param) -> Callable:
    if p.topic:
        return click.argument(p.name, nargs=-1 if p.many else 1, required=True, shell_complete=complete_topic)
    flags = p.flags or (f"--{p.name}",)
    kind = click.IntRange(p.low, p.high) if p.type is int else None
    show = p.type is int and p.default not in (None, 0)
    return click.option(*flags, p.name, type=kind, default=p.default, show_default=show, help=p.help)


@query_command(QUERIES["topics"], lambda G, rows: _topic_table_text(G, rows), fit=False,
               short_help="List topics, most compared first, with wins and losses.",
               epilog="Next: pickgraph show TOPIC (a name or slug from this list).")
def topics() -> None:
    """List topics, most compared first, with their win/loss record (cmp: comparisons, W: won, L: lost)."""


@query_command(QUERIES["show"], lambda G, info: _show_text(G, info), short_help="Everything known of one topic.",
               epilog="Next: pickgraph compare TOPIC OTHER, pickgraph suggest TOPIC, pickgraph view TOPIC.")
def show() -> None:
    """Everything known of one TOPIC (a name, slug or alias, any case)."""


def _compare_text(_G: nx.MultiDiGraph, d: dict) -> str:
    return _headline(format_compare(d))


def _why_text(_G: nx.MultiDiGraph, d: dict) -> str:
    return _headline(format_why(d))


@query_command(QUERIES["compare"], _compare_text,
               short_help="Compare topics A and B, directly or by a derived comparison.",
               epilog="Next: pickgraph why A B (the reasons), pickgraph suggest A B (what to read next).")
def compare() -> None:
    """Compare topics A and B: every page comparing them (direct), or a derived comparison.

    \b
    direct       each page, its pick and its "Use X if:" lines; contested when pages disagree
    derived      never compared: predicted pick and probability (Bradley–Terry fit of all picks),
                 the win chain that links them, common opponents, shared related topics
    no evidence  nothing links them: no probability is printed

    A and B are names, slugs or aliases (any case).
    """


@query_command(QUERIES["suggest"], lambda G, d: _pair_text(G, d) if d["mode"] == "pair" else _suggestions_text(d),
               short_help="Topics most worth comparing next, with the reasons.",
               epilog="Next: pickgraph compare A B on a suggested pair.")
def suggest() -> None:
    """"You might also compare": for each TOPIC, the topics most worth comparing with it next.

    Each suggestion has a score and the reasons drawn from the graph (shared related topics, rarest
    first; common opponents; links through opponents). Several topics in one call share one start-up.

    With two topics forming a comparison page (``suggest Django Flask``), suggests the pairs a reader of
    that page would want next: its topics' other existing comparisons first, then new pairs.
    """


@query_command(QUERIES["why"], _why_text,
               short_help="Why the graph prefers A or B, with sources and win chains.",
               epilog="Next: pickgraph show A, pickgraph view A.")
def why() -> None:
    """Why the graph prefers A or B: verdicts, pros and cons with sources, records and win chains.

    Contested pairs show both sides; derived pairs (never compared) explain the chain and the
    probability; with no evidence, says so.
    """


def _topic_table_text(_G, rows: list[dict]) -> str:
    cells = [[r["name"], r["slug"], str(r["comparisons"]), str(r["wins"]), str(r["losses"])] for r in rows]
    lines = format_table(["topic", "slug", "cmp", "W", "L"], cells, current_width(), align="<<>>>")
    return "\n".join([strong(lines[0])] + lines[1:])


def _show_text(G, i) -> str:
    out = [f"{strong(i['name'])}  ({i['slug']})"]
    if len(i["labels"]) > 1:
        out.append(f"  also: {', '.join(l for l in i['labels'] if l != i['name'])}")
    if i["definition"]:
        out.append(f"  definition: {i['definition']}")
    for d in i["descriptions"]:
        out.append(f"  - {d['text']}  [{d['source']}]")
    if i["pros"]:
        out.append("Pros:")
        out += [f"  + {p['text']}  [{p['source']}:{p['line']}]" for p in i["pros"]]
    if i["cons"]:
        out.append("Cons:")
        out += [f"  - {p['text']}  [{p['source']}:{p['line']}]" for p in i["cons"]]
    if i["related"]:
        out.append("Related: " + ", ".join(printable(G.nodes[r]["name"]) for r in i["related"]))
    out.append(f"Comparisons ({i['wins']} won, {i['losses']} lost):")
    if not i["comparisons"]:
        out.append("  none yet — try 'pickgraph suggest' for topics worth comparing")
    for c in i["comparisons"]:
        mark = " [contested]" if c["contested"] else ""
        pick = strong(printable(G.nodes[c["pick"]]["name"])) if c["pick"] else "no pick"
        out.append(f"  vs {c['against_name']}: {c['result']} (pick: {pick}){mark}  [{c['source']}]")
    return "\n".join(out)


def _suggestions_text(d) -> str:
    out = []
    for r in d["results"]:
        out.append(f"{r['name']}: you might also compare")
        if not r["suggestions"]:
            out.append("  nothing: the graph links this topic to no other topic it has not been compared with")
        for i, s in enumerate(r["suggestions"], 1):
            out.append(f"  {i}. {strong(s['name'])}  (score {s['score']:.3f})")
            out += [f"       - {why}" for why in s["reasons"]]
    return "\n".join(out)


def _pair_text(G, d) -> str:
    a, b = (printable(G.nodes[d[k]]["name"]) for k in "ab")
    out = [f"Readers of {a} vs {b} might also read:"]
    for i, s in enumerate(d["suggestions"], 1):
        tag = "page exists" if s["existing"] else "not compared yet"
        out.append(f"  {i}. {strong(s['a_name'] + ' vs ' + s['b_name'])}  ({tag}; score {s['score']:.3f})")
        out += [f"       - {why}" for why in s["reasons"]]
        out += [f"       [{src}]" for src in s["sources"]]
    return "\n".join(out)


def _headline(text: str) -> str:
    """The first line (the verdict) bold."""
    first, sep, rest = text.partition("\n")
    return strong(first) + sep + rest


commands = [topics, show, compare, suggest, why]
