"""``python -m benchmarks``: measure pickgraph on generated corpora, side by side with the rdflib baseline.

For each size it generates (or reuses) a corpus under ``benchmarks/out/`` and measures,
each run in a fresh process: ``pickgraph build`` with every default export, a query
command that hits the build cache (``show`` of the biggest hub), each export format,
and the baseline of :mod:`benchmarks.baseline` (Turtle, then the rdflib SPARQL
suggestion query). One worker process times ``suggest``/``why``/``compare`` and the
shipped SPARQL queries in process. The result is a Markdown table on stdout, also
saved with the raw figures as ``results.md`` and ``results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

from . import LOGNORMAL, SEED, WORK, corpus, in_process, measure, n_topics_for, pickgraph_cmd, sparql_store_made, summarise

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = (1000, 10000, 100000)
STEPS = ("build", "stream", "show", "latency", "export", "sparql", "baseline", "incremental", "queries")


def progress(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 page or more")
    return sizes


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from graph.export.registry import FORMATS

    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0],
                                 epilog="A million pages: --sizes 1000000 --runs 1 (not a default: generating "
                                        "the corpus alone takes a long while and several GB). Every figure the "
                                        "README quotes, on the even and the hub-heavy corpus: "
                                        "python -m benchmarks readme (--help for its options).")
    ap.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES),
                    help="corpus sizes in pages, comma-separated (default 1000,10000,100000)")
    ap.add_argument("--runs", type=int, default=3, help="fresh-process runs per measurement; medians are shown (default 3)")
    ap.add_argument("--seed", type=int, default=SEED, help="corpus seed (default 0)")
    ap.add_argument("--popularity", type=_names, default=[LOGNORMAL],
                    help="popularity laws of the corpora, comma-separated: lognormal (today's even draw) and/or "
                         "zipf:S (hub-heavy; zipf:1.1 puts the top topic in about 5%% of the pages) (default lognormal)")
    ap.add_argument("--steps", type=_names, default=list(STEPS),
                    help=f"what to measure, comma-separated from {','.join(STEPS)} (default all)")
    ap.add_argument("--formats", type=_names, default=sorted(FORMATS),
                    help="export formats to time one by one (default all)")
    ap.add_argument("--queries", type=int, default=200,
                    help="sampled topics for the in-process latency (hubs are added; default 200)")
    output_options(ap, timeout=600, out="results.json")
    args = ap.parse_args(argv)
    unknown = [s for s in args.steps if s not in STEPS] + [f for f in args.formats if f not in FORMATS]
    if unknown:
        ap.error(f"unknown step or format: {', '.join(unknown)}")
    if args.runs < 1:
        ap.error("--runs must be 1 or more")
    check_popularity(ap, args.popularity)
    return args


def check_popularity(ap: argparse.ArgumentParser, laws: list[str]) -> None:
    """Each ``--popularity`` law as ``pickgraph generate`` reads it, or the parser's usage error."""
    from graph.evaluate.generate import GeneratorError, parse_popularity

    for law in laws:
        try:
            parse_popularity(law)
        except GeneratorError as exc:
            ap.error(str(exc))


# ------------------------------------------------------------------ runs --

def repeat(cmd: list[str], runs: int, timeout: float, label: str) -> dict[str, Any]:
    """``runs`` fresh-process measurements of ``cmd``, stopping at the first that fails."""
    results = []
    for i in range(runs):
        progress(f"{label}: run {i + 1}/{runs}")
        r = measure(cmd, timeout=timeout, cwd=ROOT)
        results.append(r)
        if r["status"] != "ok":
            progress(f"{label}: {r['status']} (rc {r['rc']}) {r['stderr'].strip()[-300:]}")
            break
    ok = [r for r in results if r["status"] == "ok"]
    row = {"status": results[-1]["status"] if not ok or len(ok) < len(results) else "ok",
           "command": shlex.join(cmd),
           "wall_s": summarise([r["wall_s"] for r in ok]),
           "cpu_s": summarise([r["cpu_s"] for r in ok]),
           "peak_rss_mb": summarise([r["peak_rss_mb"] for r in ok], 1),
           "tree_rss_mb": summarise([r["tree_rss_mb"] for r in ok], 1),
           # the largest single process of each run (a parser worker, an export child, the parent)
           "largest_process_mb": summarise([max((mb for _, mb in r["process_peaks_mb"]), default=0.0)
                                            for r in ok], 1),
           "process_peaks_mb": ok[-1]["process_peaks_mb"] if ok else []}
    if row["status"] != "ok":
        bad = results[-1]
        row["failed"] = {"wall_s": bad["wall_s"], "peak_rss_mb": bad["peak_rss_mb"], "stderr": bad["stderr"][-2000:]}
    row["stdout"] = [r["stdout"] for r in results]  # a killed baseline still printed the phases it finished
    return row


def _phases(stdouts: list[str]) -> dict[str, Any]:
    """Median seconds of each phase the baseline printed, and its other figures (from the last run)."""
    per: dict[str, list[float]] = {}
    figures: dict[str, Any] = {}
    for out in stdouts:
        for line in out.splitlines():
            if line.startswith("{"):
                d = json.loads(line)
                per.setdefault(d["phase"], []).append(d.pop("seconds"))
                figures.update({k: v for k, v in d.items() if k != "phase"})
    return {"phases_s": {p: summarise(v)["median"] for p, v in per.items()}, **figures}


def query_commands(pg: list[str], out: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Each query command on the biggest hub, a whole process each, after the build in ``out``."""
    r = subprocess.run(pg + ["--out", str(out), "topics", "--json", "--limit", "1"], capture_output=True, text=True,
                       cwd=ROOT)
    hub = json.loads(r.stdout)[0]["slug"]
    r = subprocess.run(pg + ["--out", str(out), "show", hub, "--json"], capture_output=True, text=True, cwd=ROOT)
    shown = json.loads(r.stdout)
    other = sorted(c["against"] for c in shown["comparisons"])[0]
    rows = []
    for name, argv in (("show", ["show", hub]), ("compare", ["compare", hub, other]), ("why", ["why", hub, other]),
                       ("suggest", ["suggest", hub])):
        row = repeat(pg + ["--out", str(out), *argv], args.runs, args.timeout, f"pickgraph {' '.join(argv)}")
        rows.append({"step": f"query: {name}", **row, "topic": hub, "topic_pages": len(shown["comparisons"])})
    return rows


def incremental(pg: list[str], folder: Path, work: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """A build after changing 1 page, then after changing 100, of a copy of the corpus built once before.

    The copy is made of hard links (fast, no space); a page is changed by writing a new
    file in its place, so the cached corpus itself is never touched.
    """
    shutil.rmtree(work, ignore_errors=True)
    pages, out = work / "pages", work / "out"
    work.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(folder), str(pages)], check=True)
    progress(f"incremental: first build of {pages}")
    first = measure(pg + ["--out", str(out), "--quiet", "build", str(pages)], timeout=args.timeout, cwd=ROOT)
    if first["status"] != "ok":
        return [{"step": "build after changing 1 page", "status": first["status"], "stderr": first["stderr"][-2000:]}]
    files = sorted(p for p in pages.iterdir() if p.suffix == ".txt")
    rows, edited = [], 0
    for k in (1, 100):
        results = []
        for run in range(args.runs):
            for p in files[edited:edited + k]:
                fresh = p.with_name(p.name + ".new")
                fresh.write_bytes(p.read_bytes() + b"\n")  # another page text: a new sha256, the same facts
                os.replace(fresh, p)
            edited += k
            progress(f"incremental: build after changing {k} page(s), run {run + 1}/{args.runs}")
            results.append(measure(pg + ["--out", str(out), "--quiet", "build", "--json", str(pages)],
                                   timeout=args.timeout, cwd=ROOT))
        ok = [r for r in results if r["status"] == "ok"]
        reused = [json.loads(r["stdout"])["pages_reused"] for r in ok]
        rows.append({"step": f"build after changing {k} page{'s' if k > 1 else ''}",
                     "status": "ok" if len(ok) == len(results) else results[-1]["status"],
                     "command": shlex.join(pg + ["--out", str(out), "--quiet", "build", str(pages)]),
                     "wall_s": summarise([r["wall_s"] for r in ok]),
                     # user + sys of the build and its workers: what a machine shared with others inflates less
                     "cpu_s": summarise([r["cpu_s"] for r in ok]),
                     "peak_rss_mb": summarise([r["peak_rss_mb"] for r in ok], 1),
                     "tree_rss_mb": summarise([r["tree_rss_mb"] for r in ok], 1),
                     "pages_reused": reused})
    return rows


def bench_size(n: int, args: argparse.Namespace, popularity: str = LOGNORMAL) -> dict[str, Any]:
    work = args.work.resolve()
    progress(f"[{n:,} pages] corpus ({n_topics_for(n):,} topics, seed {args.seed}, popularity {popularity})")
    folder, info = corpus(n, args.seed, work, popularity=popularity)
    progress(f"[{n:,} pages] corpus {'reused' if info['cached'] else 'generated'}: {folder}")
    out = work / f"run-{folder.name.removeprefix('corpus-')}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    pg = pickgraph_cmd()
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {"size": n, "popularity": popularity, "corpus": {**info, "path": str(folder)},
                              "out": str(out), "rows": rows}

    def add(step: str, tool: str, row: dict[str, Any], **extra: Any) -> dict[str, Any]:
        row.pop("stdout", None)
        rows.append({"size": n, "step": step, "tool": tool, **row, **extra})
        return rows[-1]

    steps = set(args.steps)
    built = False
    if steps & {"build", "show", "latency", "export", "sparql", "queries"}:
        # built once when only the steps after it are asked for; --full: every run reads every page, as a
        # first build does (else runs 2… would reuse run 1's pages)
        row = repeat(pg + ["--out", str(out), "--quiet", "build", "--full", str(folder)],
                     args.runs if "build" in steps else 1, args.timeout,
                     f"[{n:,} pages] pickgraph build")
        built = row["status"] == "ok"
        if "build" in steps or not built:
            add("build", "pickgraph", row)
    if "stream" in steps:
        stream_out = out.with_name(out.name + "-stream")
        shutil.rmtree(stream_out, ignore_errors=True)
        add("build --stream", "pickgraph", repeat(
            pg + ["--out", str(stream_out), "--quiet", "build", "--stream", str(folder)], args.runs, args.timeout,
            f"[{n:,} pages] pickgraph build --stream"))
    hub = None
    if built and steps & {"latency", "show", "baseline"}:
        progress(f"[{n:,} pages] in-process latency and SPARQL ({args.queries} topics + hubs)")
        cmd = [sys.executable, "-m", "benchmarks", "_in-process", str(folder), str(out),
               "--queries", str(args.queries), "--seed", str(args.seed)]
        r = measure(cmd, timeout=args.timeout, cwd=ROOT)
        if r["status"] == "ok":
            inproc = json.loads(r["stdout"].strip().splitlines()[-1])
            hub = inproc["hubs"][0]
            result["in_process"] = inproc
        else:
            progress(f"[{n:,} pages] in-process worker: {r['status']} {r['stderr'].strip()[-300:]}")
            result["in_process"] = {"status": r["status"], "stderr": r["stderr"][-2000:]}
        result["in_process_worker"] = {k: r[k] for k in ("status", "wall_s", "peak_rss_mb", "tree_rss_mb")}
    if built and hub and "show" in steps:
        add("show (cache hit)", "pickgraph", repeat(
            pg + ["show", hub, "--corpus", str(folder), "--out", str(out)], args.runs, args.timeout,
            f"[{n:,} pages] pickgraph show {hub}"), topic=hub)
    if built and "queries" in steps:
        for row in query_commands(pg, out, args):
            add(row.pop("step"), "pickgraph", row)
    if built and "sparql" in steps:  # before the exports, which rewrite the build's Turtle file
        made = []
        for i in range(args.runs):  # each run removes the store and makes it again
            progress(f"[{n:,} pages] pickgraph sparql: making the store (run {i + 1} of {args.runs})")
            one, top, cmd = sparql_store_made(out, args.timeout)
            made.append(one)
        ask = cmd[:cmd.index("@win-loss")] + ["ASK { ?s ?p ?o }"]
        add("sparql, first call (makes the store)", "pickgraph", {
            "status": "ok" if all(m["status"] == "ok" for m in made) else made[-1]["status"],
            "command": shlex.join(ask),
            **{k: summarise([m[k] for m in made], 3 if k == "wall_s" else 1)
               for k in ("wall_s", "cpu_s", "peak_rss_mb", "tree_rss_mb")}})
        add("sparql @win-loss -t HUB (store made)", "pickgraph", repeat(cmd, args.runs, args.timeout,
                                                                 f"[{n:,} pages] pickgraph sparql @win-loss"), topic=top)
    if "incremental" in steps:
        for row in incremental(pg, folder, out.with_name(out.name + "-incremental"), args):
            add(row.pop("step"), "pickgraph", row)
    if built and "export" in steps:
        from graph.export.registry import FORMATS

        for fmt in args.formats:
            row = repeat(pg + ["--out", str(out), "--quiet", "--corpus", str(folder), "export", "--format", fmt],
                         args.runs, args.timeout, f"[{n:,} pages] pickgraph export --format {fmt}")
            target = out / FORMATS[fmt].file
            add(f"export {fmt}", "pickgraph", row, bytes=target.stat().st_size if target.is_file() else None)
    if "baseline" in steps:
        base = [sys.executable, "-m", "benchmarks.baseline", str(folder)]
        row = repeat(base + ["--turtle", str(out / "baseline.ttl")], args.runs, args.timeout,
                     f"[{n:,} pages] baseline (rdflib) parse → Graph → Turtle")
        add("baseline build (Turtle)", "rdflib", row, **_phases(row.get("stdout", [])))
        if hub:
            row = repeat(base + ["--query-topic", hub], args.runs, args.timeout,
                         f"[{n:,} pages] baseline (rdflib) parse → Graph → SPARQL also-compare for {hub}")
            add("baseline query (also-compare)", "rdflib", row, topic=hub, **_phases(row.get("stdout", [])))
    return result


def machine() -> dict[str, Any]:
    """What the figures depend on: cores, Python, platform, load, memory, pickgraph's commit."""
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(), "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in os.getloadavg()]}
    try:
        with open("/proc/meminfo") as fh:
            info["mem_total_gb"] = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True, timeout=10).stdout.strip() or None
        info["dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--", "graph"], cwd=ROOT,
                                            capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        info["commit"] = None
    return info


# --------------------------------------------------------------- tables --

def rng(s: dict[str, Any], digits: int = 2) -> str:
    """A summary as ``median (min–max)``, just the median for one run, ``–`` for none.

    >>> rng({"median": 1.5, "min": 1.0, "max": 2.25, "n": 3}), rng({"median": 3, "min": 3, "max": 3, "n": 1})
    ('1.50 (1.00–2.25)', '3.00')
    """
    if not s or s.get("median") is None:
        return "–"
    if s["n"] == 1:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def _size(nbytes: int | None) -> str:
    """A file size for people.

    >>> _size(2_500_000), _size(4_000), _size(None)
    ('2.4 MB', '3.9 KB', '–')
    """
    if nbytes is None:
        return "–"
    return f"{nbytes / 2**20:.1f} MB" if nbytes >= 2**20 else f"{nbytes / 2**10:.1f} KB"


def _status(row: dict[str, Any]) -> str:
    if row["status"] == "ok":
        return ""
    f = row.get("failed", {})
    return f"**{row['status']}** after {f.get('wall_s', 0):.0f} s at {f.get('peak_rss_mb', 0):.0f} MB"


def _pages(size: dict[str, Any]) -> str:
    """The pages column: the size, and the popularity law when the corpus is not the default one.

    >>> _pages({"size": 1000}), _pages({"size": 100000, "popularity": "zipf:1.1"})
    ('1,000', '100,000 zipf:1.1')
    """
    law = size.get("popularity", LOGNORMAL)
    return f"{size['size']:,}" + ("" if law == LOGNORMAL else f" {law}")


def header(results: dict[str, Any]) -> list[str]:
    """The lines that say how a run was made: command, date, machine, load at start, commit, corpora."""
    m = results["machine"]
    return [f"Command: `{results['command']}`  ",
            f"Date: {results['date']} · `nproc` {m['nproc']} · Python {m['python']} · {m['platform']} · "
            f"{m.get('mem_total_gb', '?')} GB RAM · load average at start {m['loadavg'][0]} · "
            f"pickgraph commit {m.get('commit') or '?'}{' (+ uncommitted changes)' if m.get('dirty') else ''}  ",
            f"Corpora: `graph.evaluate.generate`, topics = pages / 5, seed {results['seed']}; "
            f"{results['runs']} run(s) per figure, each in a fresh process; median (min–max).", ""]


def markdown(results: dict[str, Any], with_header: bool = True) -> str:
    """The results as Markdown: machine, process table, pickgraph vs baseline, latency, SPARQL."""
    out = header(results) if with_header else []
    out += ["### Whole process", "",
            "| pages | step | wall s | peak RSS MB | tree RSS MB | notes |", "|---:|---|---:|---:|---:|---|"]
    for size in results["sizes"]:
        for r in size["rows"]:
            notes = [_status(r)] if r["status"] != "ok" else []
            if "bytes" in r:
                notes.append(f"file {_size(r['bytes'])}")
            if r.get("largest_process_mb", {}).get("median") is not None and len(r.get("process_peaks_mb", [])) > 1:
                notes.append(f"{len(r['process_peaks_mb'])} processes, largest {rng(r['largest_process_mb'], 0)} MB")
            if r["step"].startswith("build") and r["wall_s"]["median"]:
                notes.append(f"{size['size'] / r['wall_s']['median']:,.0f} pages/s")
            if "phases_s" in r:
                order = ["import", "parse", "graph", "turtle", "query"]
                phases = sorted(r["phases_s"].items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 9, kv[0]))
                notes.append(", ".join(f"{p} {s:.2f} s" for p, s in phases))
            if "triples" in r:
                notes.append(f"{r['triples']:,} triples")
            if "topic" in r:
                notes.append(f"topic `{r['topic']}`")
            if r["step"].startswith("sparql") and r.get("cpu_s", {}).get("median") is not None:
                notes.append(f"CPU {rng(r['cpu_s'])} s")
            out.append(f"| {_pages(size)} | {r['step']} | {rng(r['wall_s'])} | {rng(r['peak_rss_mb'], 0)} | "
                       f"{rng(r['tree_rss_mb'], 0)} | {'; '.join(n for n in notes if n)} |")
    out += ["", "### pickgraph vs the rdflib baseline", "",
            "| pages | what | pickgraph | baseline (rdflib) | baseline ÷ pickgraph |", "|---:|---|---:|---:|---:|"]
    for size in results["sizes"]:
        by = {r["step"]: r for r in size["rows"]}
        b, p = by.get("baseline build (Turtle)"), by.get("build")
        inproc = size.get("in_process", {})
        if b and p:
            for key, label, unit in (("wall_s", "build wall", "s"), ("peak_rss_mb", "build peak RSS", "MB")):
                pv, bv = p[key]["median"], b[key]["median"]
                ratio = f"{bv / pv:.1f}×" if pv and bv else (">" if b["status"] == "timeout" else "–")
                pshow = f"{pv:.2f} {unit}" if pv is not None else _status(p)
                bshow = f"{bv:.2f} {unit}" if bv is not None else _status(b)
                out.append(f"| {_pages(size)} | {label} | {pshow} | {bshow} | {ratio} |")
            if "graph" in inproc and "triples" in b:
                out.append(f"| {_pages(size)} | triples stored | {inproc['graph']['triples']:,} | {b['triples']:,} | "
                           f"{b['triples'] / inproc['graph']['triples']:.2f} |")
        q = by.get("baseline query (also-compare)")
        if q and "sparql" in inproc:
            pms = inproc["sparql"]["also-compare"]["median"]
            bs = q.get("phases_s", {}).get("query")
            bshow = f"{bs * 1000:.1f} ms" if bs is not None else _status(q)
            ratio = f"{bs * 1000 / pms:,.0f}×" if bs is not None and pms else "–"
            out.append(f"| {_pages(size)} | also-compare query (in process) | {pms:.1f} ms | {bshow} | {ratio} |")
    out += ["", "### In process: suggest, why, compare", "",
            "| pages | call | calls | p50 ms | p95 ms | max ms | hubs max ms |", "|---:|---|---:|---:|---:|---:|---:|"]
    for size in results["sizes"]:
        lat = size.get("in_process", {}).get("latency", {})
        for name, s in lat.items():
            out.append(f"| {_pages(size)} | {name} | {s['n']} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | "
                       f"{s['max_ms']:.2f} | {'–' if s['hub_max_ms'] is None else format(s['hub_max_ms'], '.2f')} |")
    once = [(s["size"], s["in_process"]["one_time_ms"]) for s in results["sizes"] if "one_time_ms" in s.get("in_process", {})]
    if once:
        out += ["", "One-time costs per process, imports included (ms): " + "; ".join(
            f"{n:,} pages: " + ", ".join(f"{k.removesuffix('_ms').replace('_', ' ')} {v:,.0f}" for k, v in o.items())
            for n, o in once)]
    out += ["", "### Shipped SPARQL queries (embedded pyoxigraph store, bound to the biggest hub)", "",
            "| pages | query | ms | rows |", "|---:|---|---:|---:|"]
    for size in results["sizes"]:
        for name, s in size.get("in_process", {}).get("sparql", {}).items():
            out.append(f"| {_pages(size)} | {name} | {rng(s, 1)} | {s['rows']:,} |")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------- main --

def _worker(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks _in-process")
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args(argv)
    print(json.dumps(in_process(a.corpus, a.out, a.queries, seed=a.seed), sort_keys=True))
    return 0


def output_options(ap: argparse.ArgumentParser, *, timeout: float, out: str) -> None:
    """The options every benchmark command shares: a process's time limit, where corpora and results go,
    and --render of an earlier results file."""
    ap.add_argument("--timeout", type=float, default=timeout,
                    help=f"seconds before a single process is killed and recorded as 'timeout' (default {timeout:g})")
    ap.add_argument("--work", type=Path, default=WORK,
                    help="folder for generated corpora and run outputs (default benchmarks/out/)")
    ap.add_argument("--out", type=Path, default=HERE / out,
                    help=f"JSON results; the Markdown goes beside it as .md (default benchmarks/{out})")
    ap.add_argument("--render", type=Path, metavar="JSON",
                    help="measure nothing: print the Markdown of an earlier results file (its tables made again)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_in-process"]:
        return _worker(argv[1:])
    if argv[:1] == ["readme"]:
        # imported here, not at the top: benchmarks.readme builds on this module's steps (a cycle otherwise)
        from .readme import main as readme

        return readme(argv[1:])
    args = parse_args(argv)
    if args.render:
        print(markdown(json.loads(args.render.read_text(encoding="utf-8"))), end="")
        return 0
    results: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "benchmarks"] + argv),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(), "runs": args.runs, "seed": args.seed, "timeout_s": args.timeout,
        "steps": args.steps, "sizes": []}
    progress(f"sizes {', '.join(f'{n:,}' for n in args.sizes)}; {args.runs} run(s) each; "
             f"{results['machine']['nproc']} cores; load average {results['machine']['loadavg'][0]}")
    return run_corpora(results, args, bench_size, markdown)


def run_corpora(results: dict[str, Any], args: argparse.Namespace, measure_one: Callable[..., dict],
                render: Callable[[dict], str], before_save: Callable[[dict], None] = lambda r: None) -> int:
    """``measure_one(n, args, law)`` for each size and popularity law, into ``results["sizes"]``.

    ``args.out`` (JSON) and its ``.md`` (``render``) are saved after every corpus: a long run that
    dies later keeps what it measured."""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    md_path = args.out.with_suffix(".md")
    for n, law in ((n, law) for n in args.sizes for law in args.popularity):
        results["sizes"].append(measure_one(n, args, law))
        before_save(results)
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        md_path.write_text(render(results), encoding="utf-8")
    print(render(results), end="")
    progress(f"wrote {args.out} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
