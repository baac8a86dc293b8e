"""The query commands, made from the table of :mod:`graph.query.api` (as ``serve``'s ``/api/`` routes
are: same parameters, same checks, same JSON), and ``evaluate`` and ``generate``."""

from __future__ import annotations

from typing import Any, Callable

import click
import networkx as nx

from graph.cli.state import State, pass_state, corpus_options, json_option, width_option
from graph.cli.complete import complete_topic
from graph.cli.term import emit, current_width, printable, strong
from graph.evaluate.generate import GeneratorError, generate as generate_corpus, parse_popularity, \
    write as write_corpus
from graph.evaluate.score import ceiling as score_ceiling, evaluate as run_evaluate, format_table as format_scores
from graph.query.api import QUERIES, Param, Query
from graph.query.compare import format_compare
from graph.query.explain import format_why
from graph.texttable import format_table


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


@click.command(short_help="Score suggestions and derived picks on held-out pages.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--holdout", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.2,
              show_default=True, help="Share of comparison pages held out per seed.")
@click.option("--seeds", type=click.IntRange(1), default=5, show_default=True, help="Number of random splits.")
@click.option("--first-seed", type=int, default=0, show_default=True, help="Seed of the first split.")
@json_option
@width_option
@pass_state
def evaluate(state: State, paths: tuple[str, ...], holdout: float, seeds: int, first_seed: int,
             as_json: bool) -> None:
    """Measure suggestions and derived picks against baselines by holding out pages.

    \b
    Per seed: drop a share of the comparison pages, rebuild the graph from the rest (related-to
    links only from kept pages), then rank each held-out partner among all topics not yet compared
    with the query topic (both directions; ties share the average rank).
    Suggestions: hits@5, hits@10, MRR, coverage for suggest and the baselines random, popularity,
    common neighbours, Jaccard, Adamic–Adar, personalized PageRank.
    Picks: accuracy and Brier score of the derived pick vs plain Bradley–Terry and the higher win rate.
    Mean ± sd over the seeds. A generated corpus (hidden-model.json) adds the true model's ceiling.
    PATHS default to the corpus (data/).
    """
    emit(run_evaluate(paths or state.inputs().paths, holdout, seeds, first_seed), as_json,
         lambda result: format_scores(result, current_width()), fit=False)


def _popularity(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        parse_popularity(value)
    except GeneratorError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command(short_help="Write a synthetic corpus drawn from a hidden model.",
               epilog="Next: pickgraph build OUT, pickgraph evaluate OUT.")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--docs", "n_docs", type=click.IntRange(1), default=2000, show_default=True, help="Comparison pages.")
@click.option("--topics", "n_topics", type=click.IntRange(4), default=400, show_default=True, help="Topics.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the hidden model and the pages.")
@click.option("--within", type=click.FloatRange(0, 1), default=0.85, show_default=True,
              help="Share of comparisons inside one category.")
@click.option("--platforms", type=click.IntRange(0), default=0, show_default=True,
              help="Platform topics (others build on them and list them as related; they are compared "
                   "only among themselves): 0, or 2 or more.")
@click.option("--popularity", default="lognormal", show_default=True, callback=_popularity,
              help="How often topics are compared: lognormal, or zipf:S for a hub-heavy corpus (the topics by "
                   "the same draws, ranked, get rank**-S; zipf:1.1 puts the top topic in about 5% of 100,000 pages).")
@click.option("--ceiling/--no-ceiling", default=True, show_default=True,
              help="Score the hidden model itself under evaluate's protocol (--holdout, --seeds).")
@click.option("--holdout", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.2, show_default=True)
@click.option("--seeds", type=click.IntRange(1), default=5, show_default=True)
@json_option
def generate(out: str, n_docs: int, n_topics: int, seed: int, within: float, platforms: int, popularity: str,
             ceiling: bool, holdout: float, seeds: int, as_json: bool) -> None:
    """Write a corpus of N pages drawn from a hidden model into OUT, with hidden-model.json.

    The model: topics in categories, each with a popularity and a latent strength; comparisons mostly
    within a category, by popularity; picks drawn from the strengths. With --platforms N, N of the
    topics are platforms that the other categories build on (evaluate then reports the platform share).
    Prints the model's own ceiling: the generating process scored with its true parameters, so a
    method reads as a share of the best.
    """
    corpus = generate_corpus(n_docs, n_topics, seed, within=within, platforms=platforms, popularity=popularity)
    folder = write_corpus(corpus, out)
    data = {"folder": str(folder), "documents": len(corpus.pages), "topics": n_topics,
            "categories": len(corpus.model["categories"]), "platforms": platforms, "seed": seed,
            "ceiling": score_ceiling(corpus, holdout, seeds) if ceiling else None}
    emit(data, as_json, _generate_text)


def _generate_text(d) -> str:
    plat = f", {d['platforms']} of them platforms" if d.get("platforms") else ""
    out = [f"wrote {d['documents']} pages over {d['topics']} topics{plat} in {d['categories']} categories "
           f"to {d['folder']} (seed {d['seed']})"]
    c = d["ceiling"]
    if c:
        s, p = c["suggest"], c["picks"]
        out.append(f"ceiling (true model): hits@5 {s['hits@5'][0]:.3f}, hits@10 {s['hits@10'][0]:.3f}, "
                   f"MRR {s['mrr'][0]:.3f}; pick accuracy {p['accuracy'][0]:.3f}, Brier {p['brier'][0]:.3f}")
    return "\n".join(out)


commands = [topics, show, compare, suggest, why, evaluate, generate]
