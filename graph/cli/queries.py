"""``compare``, ``suggest``, ``why``, ``evaluate`` and ``generate``: thin wrappers of the query API."""

from __future__ import annotations

import click

from graph.cli import State, pass_state, corpus_options, emit, json_option, width_option
from graph.cli.complete import complete_topic
from graph.cli.term import current_width, printable, strong

@click.command(short_help="Compare topics A and B, directly or by a derived comparison.",
               epilog="Next: pickgraph why A B (the reasons), pickgraph suggest A B (what to read next).")
@click.argument("a", shell_complete=complete_topic)
@click.argument("b", shell_complete=complete_topic)
@json_option
@width_option
@corpus_options
@pass_state
def compare(state: State, a: str, b: str, as_json: bool) -> None:
    """Compare topics A and B: every page comparing them (direct), or a derived comparison.

    \b
    direct       each page, its pick and its "Use X if:" lines; contested when pages disagree
    derived      never compared: predicted pick and probability (Bradley–Terry fit of all picks),
                 the win chain that links them, common opponents, shared related topics
    no evidence  nothing links them: no probability is printed

    A and B are names, slugs or aliases (any case).
    """
    from graph.query.compare import compare as run, format_compare

    G = state.graph(a, b)
    answer = run(G, state.topic(a), state.topic(b), fit=state.models().fit)
    state.keep_models()
    emit(answer, as_json, lambda d: _headline(format_compare(d)))


@click.command(short_help="Topics most worth comparing next, with the reasons.",
               epilog="Next: pickgraph compare A B on a suggested pair.")
@click.argument("topics", nargs=-1, required=True, shell_complete=complete_topic)
@click.option("--top", "-k", "k", type=click.IntRange(1), default=5, show_default=True, help="Suggestions per topic.")
@click.option("--pair/--each", "pair", default=None,
              help="Treat two topics as one comparison page (--pair) or each on its own (--each). "
                   "Default: --pair when exactly two topics that a page compares are given.")
@json_option
@width_option
@corpus_options
@pass_state
def suggest(state: State, topics: tuple[str, ...], k: int, pair: bool | None, as_json: bool) -> None:
    """"You might also compare": for each TOPIC, the topics most worth comparing with it next.

    Each suggestion has a score and the reasons drawn from the graph (shared related topics, rarest
    first; common opponents; links through opponents). Several topics in one call share one start-up.

    With two topics forming a comparison page (``suggest Django Flask``), suggests the pairs a reader of
    that page would want next: its topics' other existing comparisons first, then new pairs.
    """
    from graph.query.suggest import suggest_answer

    G = state.graph(*topics)
    slugs = [state.topic(t) for t in topics]
    if pair and len(slugs) != 2:
        raise click.UsageError("--pair needs exactly two topics")
    data = suggest_answer(G, slugs, k, pair, index=state.models().index)
    state.keep_models()
    emit(data, as_json, (lambda d: _pair_text(G, d)) if data["mode"] == "pair" else _topics_text)


def _topics_text(d) -> str:
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


@click.command(short_help="Why the graph prefers A or B, with sources and win chains.",
               epilog="Next: pickgraph show A, pickgraph view A.")
@click.argument("a", shell_complete=complete_topic)
@click.argument("b", shell_complete=complete_topic)
@json_option
@width_option
@corpus_options
@pass_state
def why(state: State, a: str, b: str, as_json: bool) -> None:
    """Why the graph prefers A or B: verdicts, pros and cons with sources, records and win chains.

    Contested pairs show both sides; derived pairs (never compared) explain the chain and the
    probability; with no evidence, says so.
    """
    from graph.query.explain import format_why, why as run

    G = state.graph(a, b)
    answer = run(G, state.topic(a), state.topic(b), fit=state.models().fit)
    state.keep_models()
    emit(answer, as_json, lambda d: _headline(format_why(d)))


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
    from graph.evaluate.score import evaluate as run, format_table

    emit(run(paths or state.inputs().paths, holdout, seeds, first_seed), as_json,
         lambda result: format_table(result, current_width()), fit=False)


def _popularity(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from graph.evaluate.generate import GeneratorError, parse_popularity

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
    from graph.evaluate.generate import ceiling as score, generate as run, write

    corpus = run(n_docs, n_topics, seed, within=within, platforms=platforms, popularity=popularity)
    folder = write(corpus, out)
    data = {"folder": str(folder), "documents": len(corpus.pages), "topics": n_topics,
            "categories": len(corpus.model["categories"]), "platforms": platforms, "seed": seed,
            "ceiling": score(corpus, holdout, seeds) if ceiling else None}
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


commands = [compare, suggest, why, evaluate, generate]
