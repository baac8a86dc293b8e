"""``python -m benchmarks readme``: every figure the README quotes, on the even and the hub-heavy corpora.

For each size and popularity law (default 10,000 and 100,000 pages, ``lognormal`` and
``zipf:1.1``: today's corpus and the hub-heavy one of issue 28) it measures, each in fresh
processes: the cold ``build`` (wall, CPU, the peak RSS of its largest process and the sum over
its process tree) with the rdflib baseline beside it, a build after changing 1 and 100 pages,
each query command on the top hub (and ``suggest``/``why``/``compare`` in one process),
``sparql`` (the store made, then a query), ``pickgraph serve`` under ``--clients`` clients
(:mod:`benchmarks.serve_load`: API and SPARQL p95, errors, requests/s, the RSS of the server
and the peak of each of its processes) and the suggestion index alone
(:mod:`benchmarks.stages`: time, CPU, peak MB). The results go to ``--out`` (JSON) and beside
it as Markdown: the README's own short table, every figure with its unit in a column per
corpus, then every measurement in full.

A smoke run (its time is in benchmarks/README.md)::

    python -m benchmarks readme --sizes 1000 --runs 1 --seconds 5 --out /tmp/readme.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import statistics
import sys
from pathlib import Path
from typing import Any, Callable

from . import HUB_HEAVY, LOGNORMAL, SEED, measure, summarise
from .__main__ import (ROOT, _names, _sizes, bench_size, check_popularity, header, machine, markdown,
                       output_options, progress, run_corpora)

HERE = Path(__file__).resolve().parent
#: the steps of ``python -m benchmarks`` whose figures the README quotes (latency: the in-process p95 that
#: issue 28 keeps, and the hub the baseline's query is bound to)
STEPS = ["build", "queries", "sparql", "incremental", "latency", "baseline"]
QUERIES = ("show", "compare", "why", "suggest")


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks readme", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=_sizes, default=[10_000, 100_000],
                    help="corpus sizes in pages, comma-separated (default 10000,100000)")
    ap.add_argument("--popularity", type=_names, default=[LOGNORMAL, HUB_HEAVY],
                    help=f"popularity laws, comma-separated (default {LOGNORMAL},{HUB_HEAVY}: the even corpus and "
                         "the hub-heavy one)")
    ap.add_argument("--runs", type=int, default=3, help="fresh-process runs per figure; medians are shown (default 3)")
    ap.add_argument("--seconds", type=float, default=30, help="seconds of load on pickgraph serve per run (default 30)")
    ap.add_argument("--clients", type=int, default=32, help="clients of pickgraph serve (default 32)")
    ap.add_argument("--seed", type=int, default=SEED, help="corpus seed (default 0)")
    output_options(ap, timeout=1200, out="results-readme.json")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.seconds <= 0 or args.clients < 1:
        ap.error("--runs and --clients must be 1 or more, --seconds more than 0")
    check_popularity(ap, args.popularity)
    # what bench_size reads of the options of ``python -m benchmarks``
    args.steps, args.queries, args.formats = STEPS, 200, []
    return args


# ----------------------------------------------------------- the steps --

def _median(values: list[float | None]) -> float | None:
    """The median of the figures that exist (``None`` for none).

    >>> _median([3.0, None, 1.0, 2.0]), _median([None])
    (2.0, None)
    """
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def serve(col: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """``benchmarks.serve_load`` on the build of ``col``, ``--runs`` times: each run's figures and their medians."""
    runs = []
    for i in range(args.runs):
        target = args.work.resolve() / f"serve-load-{Path(col['out']).name}-{i}.json"
        target.unlink(missing_ok=True)
        progress(f"[{col['size']:,} pages {col['popularity']}] serve under {args.clients} clients, "
                 f"run {i + 1}/{args.runs}")
        r = measure([sys.executable, "-m", "benchmarks.serve_load", "--out", col["out"], "--pages", str(col["size"]),
                     "--popularity", col["popularity"], "--seconds", str(args.seconds), "--clients",
                     str(args.clients), "--json", str(target)], timeout=args.timeout + args.seconds, cwd=ROOT)
        if not target.is_file():  # it writes the file whatever the errors: none means it did not get that far
            progress(f"serve_load: {r['status']} (rc {r['rc']}) {r['stderr'].strip()[-300:]}")
            return {"status": r["status"], "stderr": r["stderr"][-2000:], "runs": runs}
        runs.append(json.loads(target.read_text())["steady"])
    return {"status": "ok", "clients": args.clients, "seconds": args.seconds, "runs": runs}


def suggestion_index(col: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The suggestion index made alone (``benchmarks.stages --no-exports``), ``--runs`` fresh processes."""
    got: list[dict[str, Any]] = []
    for i in range(args.runs):
        progress(f"[{col['size']:,} pages {col['popularity']}] the suggestion index alone, run {i + 1}/{args.runs}")
        r = measure([sys.executable, "-m", "benchmarks.stages", col["corpus"]["path"], "--no-exports"],
                    timeout=args.timeout, cwd=ROOT)
        if r["status"] != "ok":
            return {"status": r["status"], "stderr": r["stderr"][-2000:]}
        got.append(json.loads(r["stdout"]))
    stage = "suggestion index"
    return {"status": "ok", "wall_s": summarise([g["seconds"][stage] for g in got]),
            "cpu_s": summarise([g["cpu_s"][stage] for g in got]),
            "peak_mb": summarise([g["peak_mb"].get(stage) for g in got if stage in g["peak_mb"]], 1)}


def measure_corpus(n: int, law: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of one corpus: ``python -m benchmarks``'s steps, then serve, then the suggestion index."""
    before = [round(x, 2) for x in os.getloadavg()]
    col = bench_size(n, args, law)
    col["serve"] = serve(col, args)
    col["suggestion_index"] = suggestion_index(col, args)
    col["loadavg"] = {"before": before, "after": [round(x, 2) for x in os.getloadavg()]}
    return col


# ------------------------------------------------------------ the table --

def _row(step: str, key: str, of: str = "median") -> Callable[[dict[str, Any]], Any]:
    def get(col: dict[str, Any]) -> Any:
        row = next((r for r in col["rows"] if r["step"] == step), None)
        if row is None or row.get("status") != "ok" or key not in row:
            return None
        return row[key] if of is None else row[key][of]
    return get


def _ratio(col: dict[str, Any]) -> float | None:
    base, ours = _row("baseline build (Turtle)", "wall_s")(col), _row("build", "wall_s")(col)
    return round(base / ours, 2) if base and ours else None


def _latency(call: str) -> Callable[[dict[str, Any]], Any]:
    return lambda col: col.get("in_process", {}).get("latency", {}).get(call, {}).get("p95_ms")


#: what the serve figures read of one run of ``benchmarks.serve_load`` (its ``steady`` phase)
SERVE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "api_p95_ms": lambda s: s["api"].get("p95_ms"), "sparql_p95_ms": lambda s: s["sparql"].get("p95_ms"),
    "errors": lambda s: s["errors"], "per_second": lambda s: s["per_second"],
    "server_rss_mb": lambda s: (s["server_rss_mb"] or {}).get("max"), "tree_rss_mb": lambda s: s["rss_mb"]["max"],
    "server_peak_mb": lambda s: s.get("server_peak_mb"), "largest_process_mb": lambda s: s["largest_process_mb"],
    "processes": lambda s: len(s["process_peaks_mb"])}


def _serve(key: str) -> Callable[[dict[str, Any]], Any]:
    """The median over the serve runs of one figure (``None`` when serve was not measured)."""
    return lambda col: _median([SERVE[key](s) for s in col.get("serve", {}).get("runs", [])])


def _index(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda col: (col.get("suggestion_index", {}).get(key) or {}).get("median")


#: the README's figures: (what, unit, how to read it from one corpus's results)
FIGURES: list[tuple[str, str, Callable[[dict[str, Any]], Any]]] = [
    ("topics", "count", lambda col: col["corpus"]["topics"]),
    ("top hub", "slug", _row("query: show", "topic", None)),
    ("top hub: comparison pages", "count", _row("query: show", "topic_pages", None)),
    ("build: wall", "s", _row("build", "wall_s")),
    ("build: CPU", "s", _row("build", "cpu_s")),
    ("build: peak RSS of the largest process", "MB", _row("build", "largest_process_mb")),
    ("build: RSS summed over the process tree", "MB", _row("build", "tree_rss_mb")),
    ("build: processes", "count", lambda col: len(_row("build", "process_peaks_mb", None)(col) or []) or None),
    ("rdflib baseline build (Turtle): wall", "s", _row("baseline build (Turtle)", "wall_s")),
    ("rdflib baseline build (Turtle): peak RSS", "MB", _row("baseline build (Turtle)", "peak_rss_mb")),
    ("rdflib baseline ÷ build, wall", "×", _ratio),
    ("build after changing 1 page: wall", "s", _row("build after changing 1 page", "wall_s")),
    ("build after changing 100 pages: wall", "s", _row("build after changing 100 pages", "wall_s")),
    *[(f"{q} TOP-HUB, whole process: wall", "s", _row(f"query: {q}", "wall_s")) for q in QUERIES],
    *[(f"{q} TOP-HUB, whole process: peak RSS", "MB", _row(f"query: {q}", "peak_rss_mb")) for q in QUERIES],
    *[(f"{q} in process: p95", "ms", _latency(q)) for q in ("suggest", "why", "compare")],
    ("sparql @win-loss -t TOP-HUB, whole process: wall", "s", _row("sparql @win-loss -t HUB (store made)", "wall_s")),
    ("sparql @win-loss -t TOP-HUB, whole process: CPU", "s", _row("sparql @win-loss -t HUB (store made)", "cpu_s")),
    ("sparql, the store made: wall", "s", _row("sparql, first call (makes the store)", "wall_s")),
    ("sparql, the store made: peak RSS", "MB", _row("sparql, first call (makes the store)", "peak_rss_mb")),
    ("serve: API p95", "ms", _serve("api_p95_ms")),
    ("serve: SPARQL p95", "ms", _serve("sparql_p95_ms")),
    ("serve: errors", "count", _serve("errors")),
    ("serve: requests", "1/s", _serve("per_second")),
    ("serve: RSS of the server process", "MB", _serve("server_rss_mb")),
    ("serve: peak RSS of the server process, its start included", "MB", _serve("server_peak_mb")),
    ("serve: RSS of the server and its query processes", "MB", _serve("tree_rss_mb")),
    ("serve: peak RSS of the largest process", "MB", _serve("largest_process_mb")),
    ("serve: processes", "count", _serve("processes")),
    ("suggestion index: wall", "s", _index("wall_s")),
    ("suggestion index: CPU", "s", _index("cpu_s")),
    ("suggestion index: peak", "MB", _index("peak_mb")),
]


def column(col: dict[str, Any]) -> str:
    """A corpus's column heading: its pages and its popularity law.

    >>> column({"size": 100000, "popularity": "zipf:1.1"})
    '100,000 zipf:1.1'
    """
    return f"{col['size']:,} {col['popularity']}"


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{"figure", "unit", "values"}]``: each README figure, a value per corpus (``None``: not measured)."""
    return [{"figure": what, "unit": unit, "values": [get(col) for col in results["sizes"]]}
            for what, unit, get in FIGURES]


def _cell(value: Any, unit: str) -> str:
    """One figure for people.

    >>> _cell(31.234, "s"), _cell(1534.4, "MB"), _cell(1.94, "×"), _cell(12.345, "ms"), _cell(None, "s")
    ('31.2', '1,534', '1.9×', '12.3', '–')
    >>> _cell(0.613, "s"), _cell("treapu-flow", "slug"), _cell(2, "count")
    ('0.61', '`treapu-flow`', '2')
    """
    if value is None:
        return "–"
    if unit == "slug":
        return f"`{value}`"
    if unit == "s":
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    if unit == "ms":
        return f"{value:.1f}"
    if unit == "×":
        return f"{value:.1f}×"
    return f"{value:,.0f}"


#: the README's own, shorter table: (row label, the figures of :data:`FIGURES` it shows, how they are joined)
README_ROWS: list[tuple[str, list[str], str]] = [
    ("topics (the top hub's comparison pages)", ["topics", "top hub: comparison pages"], "{} ({})"),
    ("`build`: wall s (CPU s)", ["build: wall", "build: CPU"], "{} ({})"),
    ("`build`: peak MB, largest process / summed over its processes",
     ["build: peak RSS of the largest process", "build: RSS summed over the process tree"], "{} / {}"),
    ("the rdflib way: wall s, peak MB (its time ÷ pickgraph's)",
     ["rdflib baseline build (Turtle): wall", "rdflib baseline build (Turtle): peak RSS",
      "rdflib baseline ÷ build, wall"], "{}, {} ({})"),
    ("`build` after changing 1 / 100 pages, s",
     ["build after changing 1 page: wall", "build after changing 100 pages: wall"], "{} / {}"),
    ("`show` / `compare` / `why` / `suggest` the top hub, whole process, s",
     [f"{q} TOP-HUB, whole process: wall" for q in QUERIES], "{} / {} / {} / {}"),
    ("`sparql @win-loss` on the top hub, whole process, s; making the store, s",
     ["sparql @win-loss -t TOP-HUB, whole process: wall", "sparql, the store made: wall"], "{}; {}"),
    ("`serve` under CLIENTS clients: API / SPARQL p95 ms", ["serve: API p95", "serve: SPARQL p95"], "{} / {}"),
    ("`serve`: requests/s, errors", ["serve: requests", "serve: errors"], "{}, {}"),
    ("`serve`: MB, server under load / with its query processes; the server's peak",
     ["serve: RSS of the server process", "serve: RSS of the server and its query processes",
      "serve: peak RSS of the server process, its start included"], "{} / {}; {}"),
    ("suggestion index: s, peak MB", ["suggestion index: wall", "suggestion index: peak"], "{}, {}"),
]


def readme_rows(results: dict[str, Any]) -> list[str]:
    """:data:`README_ROWS` as Markdown table lines, a column per corpus."""
    by = {row["figure"]: row for row in results["table"]}
    lines = ["| | " + " | ".join(results["columns"]) + " |", "|---|" + "---:|" * len(results["columns"])]
    for label, names, joined in README_ROWS:
        cells = [joined.format(*(_cell(by[n]["values"][i], by[n]["unit"]) for n in names))
                 for i in range(len(results["columns"]))]
        lines.append(f"| {label.replace('CLIENTS', str(results['clients']))} | " + " | ".join(cells) + " |")
    return lines


def readme_markdown(results: dict[str, Any]) -> str:
    """The README's table, every figure (a column per corpus), the load of each corpus's run, every measurement."""
    cols = [column(c) for c in results["sizes"]]
    out = header(results) + ["## For the README", "", *readme_rows(results), "", "## The README's figures", "",
                             f"Medians; serve: {results['clients']} clients, {results['seconds']:g} s per run; "
                             "TOP-HUB: the topic in the most comparison pages.", "",
                             "| figure | unit | " + " | ".join(cols) + " |",
                             "|---|---|" + "---:|" * len(cols)]
    for row in results["table"]:
        out.append(f"| {row['figure']} | {row['unit']} | "
                   + " | ".join(_cell(v, row["unit"]) for v in row["values"]) + " |")
    out += ["", "Load average (1, 5, 15 min) before and after each corpus's run: " + "; ".join(
        f"{column(c)}: {' '.join(map(str, c['loadavg']['before']))} → {' '.join(map(str, c['loadavg']['after']))}"
        for c in results["sizes"] if "loadavg" in c), "", "## Every measurement", ""]
    return "\n".join(out) + "\n" + markdown(results, with_header=False)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.render:
        results = json.loads(args.render.read_text(encoding="utf-8"))
        results["columns"], results["table"] = [column(c) for c in results["sizes"]], table(results)
        print(readme_markdown(results), end="")
        return 0
    results: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "benchmarks", "readme"] + argv),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(), "runs": args.runs, "seed": args.seed, "timeout_s": args.timeout,
        "clients": args.clients, "seconds": args.seconds, "steps": STEPS, "sizes": []}
    progress(f"README figures: sizes {', '.join(f'{n:,}' for n in args.sizes)} × {', '.join(args.popularity)}; "
             f"{args.runs} run(s) each; {results['machine']['nproc']} cores; "
             f"load average {results['machine']['loadavg'][0]}")
    def with_table(results: dict[str, Any]) -> None:
        results["columns"], results["table"] = [column(c) for c in results["sizes"]], table(results)

    return run_corpora(results, args, lambda n, args, law: measure_corpus(n, law, args), readme_markdown, with_table)


if __name__ == "__main__":
    sys.exit(main())
