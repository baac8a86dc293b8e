"""Where ``pickgraph build`` spends its time: each stage run alone, one after another, in one process.

``python -m benchmarks.stages CORPUS [--out DIR]`` prints one JSON object: seconds of
reading (parallel parse), resolving names, building the graph, each default export,
the cache and the models (the fit and the suggestion index the build saves), and the
total of the stages. ``build`` itself runs the exports and the
cache side by side in forked processes, so its wall time is less than this total; the
per-stage figures say which stage to make faster.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.stages", description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--out", default=None, help="where the exports go (default: a temporary folder)")
    args = ap.parse_args(argv)

    from graph.export.registry import DEFAULT_FORMATS, export
    from graph.kg.graph import build_graph, resolve_report
    from graph.build.pipeline import find_alias_file, save_cache, snapshot
    from graph.read import read_paths
    from graph.resolve.names import AliasFile
    from graph.build.documents import paused_gc
    from graph.query.models import Models

    out = args.out or tempfile.mkdtemp(prefix="pickgraph-stages-")
    seconds: dict[str, float] = {}

    def timed(name, f, *a, **k):
        t = time.perf_counter()
        r = f(*a, **k)
        seconds[name] = round(time.perf_counter() - t, 3)
        return r

    with paused_gc():  # as build does
        alias = find_alias_file([args.corpus])
        before = timed("snapshot inputs", snapshot, [args.corpus])
        report = timed("read (parse, all cores)", read_paths, [args.corpus], jobs=os.cpu_count() or 1)
        ident = timed("resolve names", resolve_report, report, AliasFile.load(alias) if alias else None)
        G = timed("graph", build_graph, report, ident)
        G.graph["fingerprint"] = before.digest
        for fmt in DEFAULT_FORMATS:
            timed(f"export {fmt}", export, G, fmt, out_dir=out)
        timed("cache", save_cache, G, out, [args.corpus])
        models = Models(G)
        timed("models: fit", lambda: models.fit)
        timed("models: suggestion index", lambda: models.index)
    print(json.dumps({"corpus": args.corpus, "pages": len(report.pages), "seconds": seconds,
                      "total_s": round(sum(seconds.values()), 3)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
