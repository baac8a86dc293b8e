"""Benchmarks of pickgraph against the plain rdflib way (issue 7): the measuring tools.

``python -m benchmarks`` (see :mod:`benchmarks.__main__`) drives them; this module
holds what it needs and what a test can call on its own:

- :func:`measure` runs one command in a fresh process and returns its wall time and
  peak RSS (the child's own, from ``wait4``, plus a sampled sum over its process tree);
- :func:`corpus` generates (once, cached on disk) a corpus of ``n`` pages;
- :func:`summarise` and :func:`percentile` turn repeated figures into medians and ranges;
- :func:`in_process` is the worker that times ``suggest``/``why``/``compare`` and the
  shipped SPARQL queries inside one process.

Only the standard library is imported at module level: the harness process stays small
so that what it measures is the children.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: pages per topic of a generated corpus: ``n_topics = max(MIN_TOPICS, n // TOPIC_RATIO)``
TOPIC_RATIO = 5
#: enough topics that a small corpus still has distinct pairs to draw
MIN_TOPICS = 50
#: the corpus seed unless told otherwise
SEED = 0
#: where generated corpora and run outputs go (git-ignored)
WORK = Path(__file__).resolve().parent / "out"

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def n_topics_for(n_pages: int) -> int:
    """Topics of a generated corpus of ``n_pages``: one per five pages, at least 50.

    Five pages per topic gives each topic ten comparisons on average (every page
    names two) and a few hubs with hundreds, as the popularity is log-normal. The
    floor keeps tiny corpora drawable (the generator needs distinct pairs).

    >>> n_topics_for(1000), n_topics_for(10)
    (200, 50)
    """
    return max(MIN_TOPICS, n_pages // TOPIC_RATIO)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile of ``values`` (nearest rank, no interpolation).

    >>> percentile([5, 1, 3, 2, 4], 0.5), percentile(list(range(100)), 0.95)
    (3, 95)
    """
    if not values:
        raise ValueError("percentile of no values")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def summarise(values: list[float], digits: int = 3) -> dict[str, Any]:
    """``{"median", "min", "max", "n"}`` of repeated measurements (``None`` figures for none).

    >>> summarise([3.0, 1.0, 2.0])
    {'median': 2.0, 'min': 1.0, 'max': 3.0, 'n': 3}
    >>> summarise([])
    {'median': None, 'min': None, 'max': None, 'n': 0}
    """
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "n": len(values)}


# ------------------------------------------------------------ measuring --

def _tree(root: int) -> set[int]:
    """``root`` and all its live descendants."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            # field 4 is the parent pid; the command name (field 2) may hold spaces, so split after ')'
            parent[int(entry)] = int(stat[stat.rindex(b")") + 2:].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for child, ppid in parent.items():
            if ppid == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    return tree


def _status(pid: int) -> tuple[str, int, int] | None:
    """``(name, resident bytes now, peak resident bytes so far)`` of a live process, from ``/proc/PID/status``
    (``VmHWM`` is the kernel's own peak of the process: a sample cannot miss it)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            fields = dict(line.split(b":", 1) for line in fh.read().splitlines() if b":" in line)
        return (fields[b"Name"].strip().decode("utf-8", "replace"), int(fields[b"VmRSS"].split()[0]) * 1024,
                int(fields[b"VmHWM"].split()[0]) * 1024)
    except (OSError, KeyError, ValueError, IndexError):
        return None  # gone, or a zombie (no memory fields)


def _tree_rss(root: int, peaks: dict[int, tuple[str, int]] | None = None) -> int:
    """Bytes resident in ``root`` and all its descendants now (0 once it is gone); each one's peak so far
    goes into ``peaks`` (``{pid: (name, bytes)}``), kept for processes that have ended since."""
    total = 0
    for pid in _tree(root):
        st = _status(pid)
        if st is None:
            continue
        name, rss, hwm = st
        total += rss
        if peaks is not None and hwm >= peaks.get(pid, ("", 0))[1]:
            peaks[pid] = (name, hwm)
    return total


def measure(cmd: list[str], timeout: float = 600.0, cwd: str | os.PathLike[str] | None = None,
            env: dict[str, str] | None = None, sample: float = 0.1) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process; its whole-process wall time and peak memory.

    Returns ``{"status": "ok"|"error"|"timeout", "rc", "wall_s", "cpu_s", "peak_rss_mb", "tree_rss_mb",
    "process_peaks_mb", "stdout", "stderr"}``. ``cpu_s`` is the user and system time of the child and the children it
    reaped: a busy machine inflates it less than the wall time. ``peak_rss_mb`` is the kernel's peak RSS of the child (``wait4``:
    the larger of its own and that of any descendant it reaped, e.g. parser workers);
    ``tree_rss_mb`` samples the sum over the live process tree every ``sample`` seconds
    (it can miss a short peak, and counts pages shared by forked workers once per process).
    ``process_peaks_mb`` is the peak RSS of each process of the tree seen by a sample (``VmHWM``, the
    kernel's own peak, so a short peak is not missed; a process that lives less than ``sample`` may be),
    ``[[name, MB], …]`` largest first; their sum bounds what the tree could hold at once.
    On timeout the whole process group is killed and the figures are those up to then.

    >>> r = measure([sys.executable, "-c", "print('hi')"])
    >>> r["status"], r["rc"], r["stdout"]
    ('ok', 0, 'hi\\n')
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env, start_new_session=True)
        done: dict[str, Any] = {}

        def reap() -> None:
            _, status, usage = os.wait4(proc.pid, 0)
            done["end"] = time.perf_counter()
            done["status"] = status
            done["usage"] = usage

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        tree_peak, timed_out = 0, False
        peaks: dict[int, tuple[str, int]] = {}
        while waiter.is_alive():
            if time.perf_counter() - started > timeout:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                waiter.join()
                break
            tree_peak = max(tree_peak, _tree_rss(proc.pid, peaks))
            waiter.join(sample)
        proc.returncode = os.waitstatus_to_exitcode(done["status"])  # Popen must not wait for it again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    rss = done["usage"].ru_maxrss * 1024  # kilobytes on Linux
    status = "timeout" if timed_out else "ok" if proc.returncode == 0 else "error"
    cpu = done["usage"].ru_utime + done["usage"].ru_stime  # of the child and the children it reaped
    return {"status": status, "rc": proc.returncode, "wall_s": round(done["end"] - started, 4), "cpu_s": round(cpu, 3),
            "peak_rss_mb": round(rss / 2**20, 1), "tree_rss_mb": round(max(tree_peak, rss) / 2**20, 1),
            "process_peaks_mb": [[name, round(b / 2**20, 1)] for name, b in
                                 sorted(peaks.values(), key=lambda nb: (-nb[1], nb[0]))],
            "stdout": stdout, "stderr": stderr}


def pickgraph_cmd() -> list[str]:
    """How to start the ``pickgraph`` command of this interpreter's environment."""
    script = Path(sys.executable).parent / "pickgraph"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from graph.cli import main; main()"]


# --------------------------------------------------------------- corpora --

#: the popularity law of the generator unless told (``graph.evaluate.generate.LOGNORMAL``, not imported:
#: the harness stays on the standard library)
LOGNORMAL = "lognormal"
#: the hub-heavy corpus beside the default one: the top topic in about 5% of the pages at 100,000
HUB_HEAVY = "zipf:1.1"


def popularity_tag(popularity: str) -> str:
    """What a folder name says of a corpus's popularity law: nothing for the default one.

    >>> popularity_tag("lognormal"), popularity_tag("zipf:1.1")
    ('', '-zipf1.1')
    """
    return "" if popularity == LOGNORMAL else "-" + popularity.replace(":", "")


def corpus_dir(n_pages: int, seed: int = SEED, work: str | os.PathLike[str] = WORK,
               popularity: str = LOGNORMAL) -> Path:
    """Where the corpus of ``n_pages`` pages, ``seed`` and ``popularity`` lives.

    >>> corpus_dir(1000, 0, "/tmp/w").as_posix(), corpus_dir(1000, 0, "/tmp/w", "zipf:1.1").name
    ('/tmp/w/corpus-1000-seed0', 'corpus-1000-seed0-zipf1.1')
    """
    return Path(work) / f"corpus-{n_pages}-seed{seed}{popularity_tag(popularity)}"


def corpus(n_pages: int, seed: int = SEED, work: str | os.PathLike[str] = WORK,
           timeout: float = 7200.0, popularity: str = LOGNORMAL) -> tuple[Path, dict[str, Any]]:
    """The folder of a generated corpus of ``n_pages`` pages, generated now unless already on disk.

    Generation runs in a child process (a million pages take gigabytes while drawn)
    and the folder counts only once its ``.complete`` marker exists, so an interrupted
    run regenerates. Returns ``(folder, info)``; ``info`` has ``pages``, ``topics``,
    ``seed``, ``popularity``, ``generated_s`` (of the run that made it) and ``cached`` (reused now).
    """
    folder = corpus_dir(n_pages, seed, work, popularity)
    marker = folder / ".complete"
    if marker.is_file():
        return folder, {**json.loads(marker.read_text()), "cached": True}
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    code = ("import json, sys, time; from graph.evaluate.generate import generate, write; t = time.perf_counter(); "
            f"write(generate({n_pages}, {n_topics_for(n_pages)}, seed={seed}, popularity={popularity!r}), sys.argv[1]); "
            "print(json.dumps({'generated_s': round(time.perf_counter() - t, 2)}))")
    r = measure([sys.executable, "-c", code, str(folder)], timeout=timeout)
    if r["status"] != "ok":
        raise RuntimeError(f"generating {n_pages} pages failed ({r['status']}): {r['stderr'][-2000:]}")
    info = {"pages": n_pages, "topics": n_topics_for(n_pages), "seed": seed, "popularity": popularity,
            **json.loads(r["stdout"].strip().splitlines()[-1])}
    marker.write_text(json.dumps(info, sort_keys=True))
    return folder, {**info, "cached": False}


# ------------------------------------------------------- in one process --

def hubs(G, k: int = 5) -> list[str]:
    """The ``k`` topics with the most comparison edges, most first (ties by slug)."""
    degree = {n: 0 for n in G.nodes}
    for u, v, d in G.edges(data=True):
        if d["kind"] == "versus":
            degree[u] += 1
            degree[v] += 1
    return sorted(degree, key=lambda n: (-degree[n], n))[:k]


def _bindings(query: str, term) -> dict[str, Any]:
    for name in ("topic", "winner"):
        if f"?{name}" in query:
            return {name: term}
    return {}


def _timed(f, *args, **kwargs) -> float:
    t = time.perf_counter()
    f(*args, **kwargs)
    return (time.perf_counter() - t) * 1000


def in_process(corpus_path: str, out_dir: str, queries: int = 200, sparql_runs: int = 5,
               seed: int = SEED) -> dict[str, Any]:
    """Latency of ``suggest``/``why``/``compare`` and of each shipped SPARQL query in this process.

    Loads the graph once (from the cache of the last build in ``out_dir``), pays the
    one-time costs (suggestion index, Bradley–Terry fit, filling the SPARQL store) and
    reports them apart, then times one call per topic: ``queries`` sampled topics plus
    the five hubs, each against a random topic and each hub also against its most
    frequent opponent. SPARQL queries are bound to the biggest hub.
    """
    import random

    from graph.query import rank
    from graph.sparql import run as sparql
    from graph.sparql.store import load_store
    from graph.query.compare import compare
    from graph.query.explain import why
    from graph.kg.graph import versus_edges
    from graph.build.load import load_graph
    from graph.query.suggest import Index, suggest

    t = time.perf_counter()
    G = load_graph([corpus_path], out_dir)
    once = {"load_graph_ms": (time.perf_counter() - t) * 1000}
    top = hubs(G)
    t = time.perf_counter()
    ix = Index(G)
    once["suggest_index_ms"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    fitted = rank.fit(G)
    once["fit_ms"] = (time.perf_counter() - t) * 1000
    rng = random.Random(seed)
    named = sorted(n for n, d in G.nodes(data=True) if d["documents"])
    picked = rng.sample(named, min(queries, len(named)))
    pairs = []
    for a in picked + top:
        b = rng.choice(named)
        while b == a and len(named) > 1:
            b = rng.choice(named)
        pairs.append((a, b))
    for h in top:
        opponents: dict[str, int] = {}
        for u, v, _d in versus_edges(G, h):
            o = v if u == h else u
            opponents[o] = opponents.get(o, 0) + 1
        if opponents:
            pairs.append((h, min(opponents, key=lambda o: (-opponents[o], o))))
    times: dict[str, list[float]] = {"suggest": [], "why": [], "compare": []}
    for a in picked + top:
        times["suggest"].append(_timed(suggest, G, a, 10, index=ix))
    for a, b in pairs:
        times["why"].append(_timed(why, G, a, b, fit=fitted))
        times["compare"].append(_timed(compare, G, a, b, fit=fitted))
    hub_set = set(top)
    latency = {}
    for name, v in times.items():
        hub_v = v[len(picked):] if name == "suggest" else [x for (a, _), x in zip(pairs, v) if a in hub_set]
        latency[name] = {"n": len(v), "p50_ms": round(percentile(v, 0.5), 3), "p95_ms": round(percentile(v, 0.95), 3),
                         "max_ms": round(max(v), 3), "hub_max_ms": round(max(hub_v), 3) if hub_v else None}

    t = time.perf_counter()
    store = load_store(G)
    once["sparql_load_ms"] = (time.perf_counter() - t) * 1000
    term = sparql.topic_term(G, top[0])
    queries_out = {}
    for name, text in sparql.bundled_queries().items():
        b = _bindings(text, term)
        ms, rows = [], 0
        for _ in range(sparql_runs):
            t = time.perf_counter()
            rows = sum(1 for _row in sparql.run(store, text, b))
            ms.append((time.perf_counter() - t) * 1000)
        queries_out[name] = {**{k: v for k, v in summarise(ms).items()}, "rows": rows,
                             "bound": {k: top[0] for k in b}}
    versus = sum(1 for _u, _v, d in G.edges(data=True) if d["kind"] == "versus")
    return {"graph": {"topics": G.number_of_nodes(), "edges": G.number_of_edges(), "comparisons": versus,
                      "documents": len(G.graph.get("documents", {})), "triples": len(store)},
            "hubs": top, "one_time_ms": {k: round(v, 1) for k, v in once.items()},
            "latency": latency, "sparql": queries_out}


# ------------------------------------------------------ sparql process --

#: the topic in the most comparison pages, by slug (ties by slug): what the ``sparql`` step binds
HUB_QUERY = ("SELECT ?slug (COUNT(?c) AS ?n) WHERE { ?c pg:comparedTopic ?t . ?t skos:notation ?slug } "
             "GROUP BY ?slug ORDER BY DESC(?n) ?slug LIMIT 1")


def sparql_store_made(out_dir: str | os.PathLike[str], timeout: float = 600.0) -> tuple[dict[str, Any], str, list[str]]:
    """The ``sparql`` step after a build in ``out_dir``: the call that makes the SPARQL store, the hub, the command to time.

    Every store of ``out_dir`` is removed first, so the first ``pickgraph sparql`` (an
    ``ASK`` that reads nothing) makes it from the build's export: its wall time and
    peak RSS are the store's cost. The hub is then found by a SPARQL query (not
    timed), and the command returned is ``sparql @win-loss -t topic=HUB -f csv``,
    which the caller runs in fresh processes.
    """
    import shutil

    for old in Path(out_dir, ".cache").glob("*-store-*"):
        shutil.rmtree(old, ignore_errors=True)
    base = pickgraph_cmd() + ["--out", str(out_dir), "sparql"]
    made = measure(base + ["ASK { ?s ?p ?o }"], timeout=timeout)
    found = measure(base + [HUB_QUERY, "-f", "csv"], timeout=timeout)
    lines = found["stdout"].splitlines()
    if made["status"] != "ok" or found["status"] != "ok" or len(lines) < 2:
        raise RuntimeError(f"pickgraph sparql failed: {made['stderr'][-500:]}{found['stderr'][-500:]}")
    hub = lines[1].split(",")[0]
    return made, hub, base + ["@win-loss", "-t", f"topic={hub}", "-f", "csv"]


__all__ = ["MIN_TOPICS", "SEED", "TOPIC_RATIO", "WORK", "corpus", "corpus_dir", "hubs", "in_process", "measure",
           "n_topics_for", "percentile", "pickgraph_cmd", "sparql_store_made", "summarise"]
