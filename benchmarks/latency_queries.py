"""In-process latency of ``suggest`` and ``why`` on a generated corpus (default 10,000 documents).

Usage: .venv/bin/python benchmarks/latency_queries.py [--docs 10000] [--topics 2000] [--queries 500]

Builds the graph in memory from generated pages, pays the one-time costs (the
suggestion index, the Bradley–Terry fit) once and reports them, then times one
call per topic (suggest) and per random pair (why): median and 95th percentile.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from graph.query.explain import why
from graph.evaluate.generate import generate
from graph.kg.graph import build_graph, resolve_report
from graph.read.records import ReadReport
from graph.query.rank import fit
from graph.read import parse_text
from graph.query.suggest import Index, suggest


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--topics", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t = time.perf_counter()
    corpus = generate(args.docs, args.topics, seed=args.seed)
    report = ReadReport(pages=[parse_text(text, name) for name, text in sorted(corpus.pages.items())])
    G = build_graph(report, resolve_report(report))
    print(f"corpus: {args.docs} documents, {G.number_of_nodes()} topics, {G.number_of_edges()} edges "
          f"(generated and built in {time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    ix = Index(G)
    t_index = time.perf_counter() - t
    t = time.perf_counter()
    fitted = fit(G)
    t_fit = time.perf_counter() - t
    print(f"one-time per graph: suggestion index {t_index * 1000:.0f} ms, Bradley–Terry fit {t_fit * 1000:.0f} ms")

    rng = random.Random(args.seed)
    named = sorted(n for n, d in G.nodes(data=True) if d["documents"])
    topics = rng.sample(named, min(args.queries, len(named)))
    times = {"suggest": [], "why": []}
    for q in topics:
        t = time.perf_counter()
        suggest(G, q, k=10, index=ix)
        times["suggest"].append((time.perf_counter() - t) * 1000)
        other = rng.choice(named)
        while other == q:
            other = rng.choice(named)
        t = time.perf_counter()
        why(G, q, other, fit=fitted)
        times["why"].append((time.perf_counter() - t) * 1000)
    for name, v in times.items():
        print(f"{name:<8} n={len(v)}  median {statistics.median(v):.2f} ms  p95 {pct(v, 0.95):.2f} ms  "
              f"max {max(v):.2f} ms")


if __name__ == "__main__":
    main()
