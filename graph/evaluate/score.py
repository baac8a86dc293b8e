"""Measure suggestions and derived picks against baselines, by holding out documents.

One run, per seed: hold out a share of the comparison pages, rebuild the graph
from the pages kept (related-to links then come only from kept pages, so nothing
of a held-out page leaks), and ask each method:

* **suggest** — for each held-out pair, in both directions, rank the partner
  among every topic not yet compared with the query topic (ties share the
  average rank). hits@5, hits@10, MRR and coverage (the share of cases where
  the partner scored above the method's floor, i.e. the method had evidence).
  A partner or query topic missing from the kept graph is a miss for everyone.
  Baselines on the same split: random, popularity (comparisons so far), and on
  the undirected graph of all links: common neighbours, Jaccard, Adamic–Adar and
  personalized PageRank.
* **picks** — for each held-out page with a pick, the probability that its first
  topic wins: accuracy (a probability of exactly 0.5 counts half) and Brier
  score, for the derived pick (:mod:`graph.query.rank`), plain Bradley–Terry and the
  higher win rate.

On a generated corpus (a ``hidden-model.json`` beside the pages, see
:mod:`graph.evaluate.generate`) a ``ceiling`` row scores the generating process with its
true parameters on the same split; when that world has platform topics, every
method also gets its **platform share** (``platform@5``): of the top-5
suggestions it makes for the query topics of the cases, the share that is the
query topic's own platform — something it is built on, never an alternative.

>>> m = metrics([1.0, 3.5, 12.0], [True, True, False])
>>> m["hits@5"], m["hits@10"], round(m["mrr"], 4), round(m["coverage"], 4)
(0.6667, 0.6667, 0.4563, 0.6667)
"""

from __future__ import annotations

import heapq
import math
import os
import random
import statistics
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx

from graph.build.record import find_alias_file
from graph.evaluate.generate import Corpus, Oracle, load_model
from graph.kg.graph import VERSUS, build_graph, resolve_report
from graph.query import rank
from graph.read import parse_text, read_paths
from graph.read.records import Comparison, ReadReport
from graph.resolve.names import AliasFile
from graph.texttable import format_table as fit
from graph.errors import PickgraphError

SUGGEST_METHODS = ("suggest", "random", "popularity", "common-neighbours", "jaccard", "adamic-adar",
                   "personalized-pagerank")
SUGGEST_METRICS = ("hits@5", "hits@10", "mrr", "coverage")
#: the platform share, reported on generated worlds with platform topics
PLATFORM_METRIC = "platform@5"
PICK_METRICS = ("accuracy", "brier", "coverage")


class EvaluationError(PickgraphError):
    """An evaluation that cannot run (bad holdout, too few documents)."""


def metrics(ranks: Sequence[float], covered: Sequence[bool]) -> dict[str, float]:
    """hits@5, hits@10, MRR and coverage of 1-based ranks (``inf`` for a miss)."""
    n = len(ranks) or 1
    return {"hits@5": round(sum(r <= 5 for r in ranks) / n, 4),
            "hits@10": round(sum(r <= 10 for r in ranks) / n, 4),
            "mrr": sum(0.0 if math.isinf(r) else 1 / r for r in ranks) / n,
            "coverage": round(sum(covered) / n, 4)}


def top(scores: dict[str, float], k: int = 5) -> list[str]:
    """The ``k`` best-scored topics, ties by slug.

    >>> top({"a": 1.0, "b": 2.0, "c": 2.0, "d": 0.5}, 3)
    ['b', 'c', 'a']
    """
    return [c for _, c in heapq.nsmallest(k, ((-v, c) for c, v in scores.items()))]


def platform_share(tops: Sequence[Sequence[str]], platforms: Sequence[str | None]) -> float:
    """Share of the suggestions in ``tops`` (one list per query) that are that query's platform.

    >>> platform_share([["py", "flask"], ["go", "rust"]], ["py", "llvm"])
    0.25
    """
    slots = sum(len(t) for t in tops)
    hits = sum(p is not None and p in t for t, p in zip(tops, platforms))
    return round(hits / slots, 4) if slots else 0.0


def average_rank(scores: dict[str, float], target: str) -> float:
    """1-based rank of ``target`` among ``scores``; tied candidates share the average rank.

    >>> average_rank({"a": 3, "b": 1, "c": 1, "d": 1}, "c")
    3.0
    """
    s = scores[target]
    above = sum(1 for v in scores.values() if v > s)
    ties = sum(1 for v in scores.values() if v == s)
    return above + (ties + 1) / 2


# ------------------------------------------------------------- the split --

def split(report: ReadReport, holdout: float, seed: int) -> tuple[ReadReport, list[Comparison]]:
    """Kept pages (every topic page, the comparisons not held out) and the held-out comparisons."""
    if not 0 < holdout < 1:
        raise EvaluationError(f"holdout must be between 0 and 1, not {holdout}")
    comps = sorted(report.comparisons, key=lambda p: p.sha256)
    n_out = round(holdout * len(comps))
    if n_out < 1 or n_out >= len(comps):
        raise EvaluationError(f"holding out {holdout:.0%} of {len(comps)} comparison pages leaves nothing to test")
    out = set(random.Random(seed).sample(range(len(comps)), n_out))
    held = [c for i, c in enumerate(comps) if i in out]
    kept = [c for i, c in enumerate(comps) if i not in out] + list(report.topic_pages)
    return ReadReport(pages=kept), held


# ------------------------------------------------------------ baselines --

def _undirected(G: nx.MultiDiGraph) -> nx.Graph:
    U = nx.Graph()
    U.add_nodes_from(G.nodes)
    U.add_edges_from((u, v) for u, v in G.edges() if u != v)
    return U


def baseline_scorers(G: nx.MultiDiGraph, seed: int) -> dict[str, Callable[[str], dict[str, float]]]:
    """``{method: scores(query) -> {topic: score}}`` for the baselines (missing topics score 0)."""
    # late: numpy and scipy cost start-up, and `pickgraph --help` imports this module (through cli.evaluate)
    import numpy as np
    import scipy.sparse as sp  # late: as numpy
    import scipy.sparse.linalg as spla  # late: as numpy

    U = _undirected(G)
    games: dict[str, int] = {}
    for u, v, d in G.edges(data=True):
        if d["kind"] == VERSUS:
            games[u] = games.get(u, 0) + 1
            games[v] = games.get(v, 0) + 1
    nodes = sorted(U.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    A = nx.to_scipy_sparse_array(U, nodelist=nodes, format="csc", dtype=float)
    deg = np.asarray(A.sum(axis=0)).ravel()
    M = A @ sp.diags(np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0))
    alpha = 0.85
    lu = spla.splu(sp.csc_matrix(sp.identity(len(nodes)) - alpha * M))
    rng = random.Random(seed)
    noise = {n: rng.random() for n in nodes}

    def nbrs(n: str) -> set[str]:
        return set(U[n])

    def common(q: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for z in U[q]:
            for c in U[z]:
                out[c] = out.get(c, 0) + 1
        return out

    def jaccard(q: str) -> dict[str, float]:
        nq = nbrs(q)
        return {c: k / len(nq | nbrs(c)) for c, k in common(q).items()}

    def adamic(q: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for z in U[q]:
            w = 1 / math.log(U.degree(z)) if U.degree(z) > 1 else 0.0
            for c in U[z]:
                out[c] = out.get(c, 0) + w
        return out

    def ppr(q: str) -> dict[str, float]:
        e = np.zeros(len(nodes))
        e[pos[q]] = 1 - alpha
        x = lu.solve(e)
        return {n: float(x[i]) for i, n in enumerate(nodes) if x[i] > 1e-15}

    return {"random": lambda q: noise, "popularity": lambda q: games, "common-neighbours": common,
            "jaccard": jaccard, "adamic-adar": adamic, "personalized-pagerank": ppr}


# ------------------------------------------------------------- one seed --

def _canon(ident: Any, name: str) -> str:
    return ident.canonical(name)


def evaluate_split(report: ReadReport, holdout: float, seed: int, alias_file: Any = None,
                   oracle_model: dict[str, Any] | None = None, params: dict[str, float] | None = None,
                   methods: Sequence[str] = SUGGEST_METHODS) -> dict[str, Any]:
    """Scores of every method on one split (``params`` override :mod:`graph.query.suggest`'s constants)."""
    from graph.query import suggest as sg  # late: suggest brings numpy and scipy (see baseline_scorers)

    kept, held = split(report, holdout, seed)
    ident = resolve_report(kept, alias_file)
    Gk = build_graph(kept, ident)
    params = dict(params or {})
    prior_kw = {k: params.pop(k) for k in ("prior", "pop") if k in params}
    ix = sg.Index(Gk, **params)
    scorers: dict[str, Callable[[str], dict[str, float]]] = {}
    # the score of a candidate a method has no evidence for, given the query and the candidate
    floors: dict[str, Callable[[str, str], float]] = {}
    if "suggest" in methods:
        scorers["suggest"] = lambda q: ix.scores(q, **prior_kw)
        floors["suggest"] = lambda q, c: ix.floor(c, **prior_kw, q=q)
    base = baseline_scorers(Gk, seed)
    for m in methods:
        if m in base:
            scorers[m] = base[m]
            floors[m] = lambda q, c: 0.0
    oracle = None
    if oracle_model is not None:
        oracle = Oracle(oracle_model, ident.canonical)
        scorers["ceiling"] = lambda q: {c: oracle.pair_score(q, c) for c in Gk.nodes}
        floors["ceiling"] = lambda q, c: 0.0

    cases: set[tuple[str, str]] = set()
    for page in held:
        a, b = (_canon(ident, n) for n in page.topics)
        if a != b:
            cases |= {(a, b), (b, a)}
    ranks: dict[str, list[float]] = {m: [] for m in scorers}
    covered: dict[str, list[bool]] = {m: [] for m in scorers}
    # top 5 of each method for the queries that build on a platform of the hidden model
    with_platforms = oracle is not None and bool(oracle.platforms)
    tops: dict[str, list[list[str]]] = {m: [] for m in scorers}
    bases: list[str] = []
    n_cases = 0
    for q, t in sorted(cases):
        if q in Gk and t in ix.opp.get(q, ()):
            continue  # compared in a kept page too: nothing to predict
        n_cases += 1
        if q not in Gk or t not in Gk:
            for m in scorers:
                ranks[m].append(math.inf)
                covered[m].append(False)
            continue
        candidates = [c for c in Gk.nodes if c != q and c not in ix.opp.get(q, ())]
        base = oracle.platform_of.get(q) if with_platforms else None
        if base is not None:
            bases.append(base)
        for m, score in scorers.items():
            raw = score(q)
            full = {c: raw[c] if c in raw else floors[m](q, c) for c in candidates}
            ranks[m].append(average_rank(full, t))
            covered[m].append(t in raw and full[t] > min(full.values()))
            if base is not None:
                tops[m].append(top(full, 5))
    suggest_rows = {m: metrics(ranks[m], covered[m]) for m in scorers}
    if with_platforms:
        for m in scorers:
            suggest_rows[m][PLATFORM_METRIC] = platform_share(tops[m], bases)

    derived = rank.fit(Gk, rank.ALPHA)
    plain = rank.Fit(Gk, rank.PLAIN_ALPHA)
    rec = rank.records(Gk)

    def win_rate(t: str) -> float:
        w, l = rec.get(t, (0, 0))
        return (w + 1) / (w + l + 2)

    pickers: dict[str, Callable[[str, str], float]] = {
        "derived": lambda a, b: p if (p := derived.probability(a, b)) is not None else 0.5,
        "bradley-terry": plain.raw_probability,
        "win-rate": lambda a, b: win_rate(a) / (win_rate(a) + win_rate(b)),
    }
    if oracle is not None:
        pickers["ceiling"] = oracle.pick
    probs: dict[str, list[tuple[float, int]]] = {m: [] for m in pickers}
    for page in held:
        if not page.pick:
            continue
        a, b = (_canon(ident, n) for n in page.topics)
        if a == b:
            continue
        y = 1 if _canon(ident, page.pick) == a else 0
        for m, f in pickers.items():
            probs[m].append((f(a, b), y))
    pick_rows = {}
    for m, ps in probs.items():
        n = len(ps) or 1
        pick_rows[m] = {"accuracy": round(sum(1.0 if (p > 0.5) == bool(y) and p != 0.5 else 0.5 if p == 0.5 else 0.0
                                              for p, y in ps) / n, 4),
                        "brier": round(sum((p - y) ** 2 for p, y in ps) / n, 4),
                        "coverage": round(sum(p != 0.5 for p, _ in ps) / n, 4)}
    return {"seed": seed, "held_out": len(held), "cases": n_cases, "pick_cases": len(probs["derived"]),
            "topics": Gk.number_of_nodes(), "suggest": suggest_rows, "picks": pick_rows}


def _mean_sd(values: list[float]) -> list[float]:
    return [round(statistics.fmean(values), 4), round(statistics.stdev(values), 4) if len(values) > 1 else 0.0]


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation, over the runs, of every metric of every method."""
    out: dict[str, Any] = {}
    for part in ("suggest", "picks"):
        out[part] = {m: {k: _mean_sd([r[part][m][k] for r in runs]) for k in runs[0][part][m]}
                     for m in runs[0][part]}
    return out


def evaluate(paths: Sequence[str | os.PathLike[str]], holdout: float = 0.2, seeds: int = 5, first_seed: int = 0,
             params: dict[str, float] | None = None, methods: Sequence[str] = SUGGEST_METHODS,
             report: ReadReport | None = None) -> dict[str, Any]:
    """Evaluate on the pages under ``paths`` over ``seeds`` splits (seeds ``first_seed``, ``first_seed + 1``, …).

    Returns ``{"corpus", "holdout", "seeds", "documents", "has_ceiling", "suggest": {method: {metric: [mean, sd]}},
    "picks": {method: {metric: [mean, sd]}}, "runs": [per-seed results]}``.
    """
    if seeds < 1:
        raise EvaluationError("seeds must be 1 or more")
    alias_path = find_alias_file(paths)
    alias_file = AliasFile.load(alias_path) if alias_path else None
    if report is None:
        report = read_paths(paths, jobs=os.cpu_count() or 1)
    model = load_model([str(p) for p in paths])
    runs = [evaluate_split(report, holdout, s, alias_file, model, params, methods)
            for s in range(first_seed, first_seed + seeds)]
    return {"corpus": [str(p) for p in paths], "holdout": holdout, "seeds": list(range(first_seed, first_seed + seeds)),
            "documents": len(report.comparisons), "has_ceiling": model is not None,
            **summarise(runs), "runs": runs}


def format_table(result: dict[str, Any], width: int | None = None) -> str:
    """The evaluation as two text tables (mean ± sd over the seeds), fitted to ``width`` columns."""
    def cell(v: list[float]) -> str:
        return f"{v[0]:.3f} ± {v[1]:.3f}"

    first = next(iter(result["suggest"].values()), {})
    columns = SUGGEST_METRICS + ((PLATFORM_METRIC,) if PLATFORM_METRIC in first else ())
    lines = [f"corpus: {', '.join(result['corpus'])}  ({result['documents']} comparison pages; "
             f"holdout {result['holdout']:.0%}; seeds {', '.join(map(str, result['seeds']))})", "",
             "Suggestions (rank of the held-out partner, both directions)"]
    lines += fit(["method", *columns], [[m, *(cell(row[k]) for k in columns)] for m, row in result["suggest"].items()],
                 width, align="<" + ">" * len(columns))
    lines += ["", "Picks (held-out pages with a pick)"]
    lines += fit(["method", *PICK_METRICS], [[m, *(cell(row[k]) for k in PICK_METRICS)]
                                             for m, row in result["picks"].items()],
                 width, align="<" + ">" * len(PICK_METRICS))
    runs = result["runs"]
    lines.append("")
    lines.append(f"per seed: {statistics.fmean(r['cases'] for r in runs):.0f} suggestion cases, "
                 f"{statistics.fmean(r['pick_cases'] for r in runs):.0f} pick cases on average")
    if result["has_ceiling"]:
        lines.append("ceiling: the generating process scored with its true parameters (hidden-model.json)")
    if PLATFORM_METRIC in columns:
        lines.append("platform@5: share of the top-5 suggestions that are the query topic's platform "
                     "(the topic it builds on, in hidden-model.json)")
    return "\n".join(lines)


def ceiling(corpus: Corpus, holdout: float = 0.2, seeds: int = 5, first_seed: int = 0) -> dict[str, Any]:
    """The generating process scored with its true parameters under ``pickgraph evaluate``'s protocol.

    Returns ``{"suggest": {metric: [mean, sd]}, "picks": {metric: [mean, sd]}}``.
    """
    report = ReadReport(pages=[parse_text(text, name) for name, text in sorted(corpus.pages.items())])
    runs = [evaluate_split(report, holdout, s, None, corpus.model, methods=())
            for s in range(first_seed, first_seed + seeds)]
    summary = summarise(runs)
    return {"suggest": summary["suggest"]["ceiling"], "picks": summary["picks"]["ceiling"]}


__all__ = ["EvaluationError", "SUGGEST_METHODS", "PLATFORM_METRIC", "metrics", "top",
           "platform_share", "average_rank", "split",
           "baseline_scorers", "evaluate_split", "evaluate", "summarise", "format_table", "ceiling"]
