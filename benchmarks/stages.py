"""Where ``pickgraph build`` spends its time: each stage run alone, one after another, in one process.

``python -m benchmarks.stages CORPUS [--out DIR] [--no-exports]`` prints one JSON object: seconds of
reading (parallel parse), resolving names, building the graph, the suggestion index
(``graph.query.suggest.Index``, which a build makes for its saved models), each default
export and the cache, and the total of the stages; and for each stage the memory it took
at its peak (``peak_mb``: the process's peak RSS during the stage above its RSS before, the
kernel's figure, reset before each stage) and its CPU time in this process (``cpu_s``: what a busy
machine inflates less than the wall time; the parser workers' CPU is not in it). ``build`` itself runs the exports and the
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


def _memory() -> tuple[int, int]:
    """This process's resident bytes now and its peak since the last reset (``/proc/self/status``)."""
    with open("/proc/self/status", "rb") as fh:
        fields = dict(line.split(b":", 1) for line in fh.read().splitlines() if b":" in line)
    return int(fields[b"VmRSS"].split()[0]) * 1024, int(fields[b"VmHWM"].split()[0]) * 1024


def _reset_peak() -> int | None:
    """Reset the kernel's peak RSS of this process to its RSS now, and return that (``None`` where Linux
    does not let us: then no stage gets a peak)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _memory()[0]
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.stages", description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--out", default=None, help="where the exports go (default: a temporary folder)")
    ap.add_argument("--no-exports", action="store_true", help="stop after the suggestion index (no exports, no cache)")
    args = ap.parse_args(argv)

    from graph.export.registry import DEFAULT_FORMATS, export
    from graph.kg.graph import build_graph, resolve_report
    from graph.build.pipeline import save_cache
    from graph.build.record import find_alias_file
    from graph.build.freshness import snapshot
    from graph.read import read_paths
    from graph.resolve.names import AliasFile
    from graph.build.documents import paused_gc
    from graph.query.suggest import Index

    out = args.out or tempfile.mkdtemp(prefix="pickgraph-stages-")
    seconds: dict[str, float] = {}
    peak_mb: dict[str, float] = {}
    cpu_s: dict[str, float] = {}

    def timed(name, f, *a, **k):
        before = _reset_peak()
        t, c = time.perf_counter(), time.process_time()
        r = f(*a, **k)
        seconds[name] = round(time.perf_counter() - t, 3)
        cpu_s[name] = round(time.process_time() - c, 3)
        if before is not None:
            peak_mb[name] = round((_memory()[1] - before) / 2**20, 1)
        return r

    with paused_gc():  # as build does
        alias = find_alias_file([args.corpus])
        before = timed("snapshot inputs", snapshot, [args.corpus])
        report = timed("read (parse, all cores)", read_paths, [args.corpus], jobs=os.cpu_count() or 1)
        ident = timed("resolve names", resolve_report, report, AliasFile.load(alias) if alias else None)
        G = timed("graph", build_graph, report, ident)
        G.graph["fingerprint"] = before.digest
        timed("suggestion index", Index, G)
        if not args.no_exports:
            for fmt in DEFAULT_FORMATS:
                timed(f"export {fmt}", export, G, fmt, out_dir=out)
            timed("cache", save_cache, G, out, [args.corpus])
    print(json.dumps({"corpus": args.corpus, "pages": len(report.pages), "topics": G.number_of_nodes(),
                      "seconds": seconds, "total_s": round(sum(seconds.values()), 3), "peak_mb": peak_mb, "cpu_s": cpu_s,
                      "loadavg": [round(x, 2) for x in os.getloadavg()]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
