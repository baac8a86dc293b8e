"""The bundled SPARQL queries bound to a hub, in process, on a hub-heavy corpus made here.

Usage: .venv/bin/python -m benchmarks.sparql_hubs [--spokes 2000] [--others 2000] [--runs 3]

The corpus: one topic ("Hub") compared with ``--spokes`` others, each spoke listing the hub
and two other spokes as related, and ``--others`` pages between random spokes: the shape of a
comparison site's language or database page (issue 28), small enough to build in seconds.
Until ``pickgraph generate --popularity zipf:S`` is in, this stands in for a Zipf corpus.
Each bundled query is run ``--runs`` times bound to the hub on an in-memory store; the
median and the row count are printed (a median, not a minimum: others share the machine).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from graph.kg.graph import build_graph, resolve_report
from graph.read import parse_text
from graph.read.records import ReadReport
from graph.read.render import render_comparison
from graph.sparql.run import bundled_queries, select, topic_term
from graph.sparql.store import load_store


def hub_pages(spokes: int, others: int, seed: int = 0) -> dict[str, str]:
    """``{file name: page text}`` of the hub-heavy corpus."""
    rng = random.Random(seed)
    names = [f"Spoke {i:05d}" for i in range(spokes)]
    slugs = [f"spoke-{i:05d}" for i in range(spokes)]
    pages = {}
    for i, name in enumerate(names):
        related = {name: ["hub", *rng.sample(slugs, 2)], "Hub": rng.sample(slugs, 2)}
        pick = "Hub" if rng.random() < 0.6 else name
        pages[f"hub-{i:05d}.txt"] = render_comparison("Hub", name, pick, related=related)
    for j in range(others):
        a, b = rng.sample(range(spokes), 2)
        pages[f"pair-{j:05d}.txt"] = render_comparison(names[a], names[b], names[a],
                                                       related={names[a]: [slugs[b]], names[b]: [slugs[a]]})
    return pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spokes", type=int, default=2000)
    ap.add_argument("--others", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    t = time.perf_counter()
    pages = hub_pages(args.spokes, args.others)
    report = ReadReport(pages=[parse_text(text, name) for name, text in sorted(pages.items())])
    G = build_graph(report, resolve_report(report))
    store = load_store(G)
    print(f"corpus: {len(pages)} pages, {G.number_of_nodes()} topics, hub degree {G.degree('hub')}; "
          f"built and stored in {time.perf_counter() - t:.1f} s; load average {os.getloadavg()[0]:.2f}")
    hub = topic_term(G, "Hub")
    for name, text in bundled_queries().items():
        times, rows = [], 0
        for _ in range(args.runs):
            t = time.perf_counter()
            rows = len(select(store, text, {"topic" if "?topic" in text else "winner": hub}))
            times.append((time.perf_counter() - t) * 1000)
        print(f"@{name:<20} median {statistics.median(times):8.1f} ms  (runs: "
              + ", ".join(f"{x:.0f}" for x in times) + f")  rows {rows}")


if __name__ == "__main__":
    main()
