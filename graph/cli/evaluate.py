"""``evaluate`` and ``generate``: score the methods on held-out pages, and write synthetic corpora.

Apart from the query commands (:mod:`.queries`), whose processes then import neither the evaluation
nor networkx, which it needs (docs/performance.md, "Start-up")."""

from __future__ import annotations

import click

from graph.cli.state import State, pass_state, json_option, width_option
from graph.cli.term import emit, current_width
from graph.evaluate.generate import GeneratorError, generate as generate_corpus, parse_popularity, \
    write as write_corpus
from graph.evaluate.score import ceiling as score_ceiling, evaluate as run_evaluate, format_table as format_scores


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


commands = [evaluate, generate]
