"""``python -m benchmarks.serve_load``: 32 clients against ``pickgraph serve`` on a 100,000-page build.

Each client (a coroutine: the 32 share one thread, so the load costs a few percent of a core
and a latency is the server's, not a client thread's wait for the interpreter) holds one
keep-alive connection and sends requests one after another, drawn at
random (fixed seed) from a mix of API calls (show, topics prefix search, neighbours, suggest,
compare, why) and the bundled SPARQL queries with a topic bound. By default a client sends its
next request as soon as the last is answered (a closed loop, no pause): the clients then keep
the server saturated and measure its throughput X; by Little's law the mean latency is
clients / X, whatever the server does with each request. ``--think-ms M`` makes each client
pause a random time (exponential, mean M ms) between requests, like people reading a page:
then the latencies are those of a server under a given load, not at saturation.
Reported: requests, errors, p50/p95 per kind and per family (API, SPARQL), the server's RSS
(its process and its query processes, sampled twice a second), the peak of each process of the
server's tree (the kernel's ``VmHWM``, so a short peak is not missed) and their sum, the CPU seconds of the clients,
the server process and its query processes, the load average before, and where the SPARQL
requests' time went by the server's ``Server-Timing`` header (answers kept or run; for those
run, the wait for a query process and the query itself).

``--switch`` adds a second phase: a rebuild of the corpus with one page more is committed into
the same out folder while the clients run; the phase ends 5 s after the server switched.
Errors must stay zero; its latencies are reported apart (the rebuild takes the same two cores).
``--switches N`` repeats that phase N times (a new extra page each time), for the RSS after each.

``--browser`` then runs the Playwright tour of tests/test_serve_browser.py on the same build.

    python -m benchmarks.serve_load --pages 100000 --seconds 30 --clients 32 --switch --browser
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from . import HUB_HEAVY, LOGNORMAL, WORK, corpus, pickgraph_cmd, popularity_tag, process_peaks_mb, tree_rss

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servehelp import Server  # noqa: E402

API_KINDS = ("show", "topics", "neighbours", "suggest", "compare", "why")
SPARQL_KINDS = ("topic-comparisons", "also-compare", "pick-evidence", "win-loss")


def progress(msg: str) -> None:
    print(f"[serve-load] {msg}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile.

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), percentile([3.0], 50)
    (10, 3.0)
    """
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))]


def family(pid: int, children: bool = True) -> list[int]:
    """``pid`` and (unless told not to) its children: the server and its query processes."""
    try:
        return [pid, *([int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
                       if children else [])]
    except OSError:
        return [pid]


def rss_mb(pid: int, children: bool = True) -> float:
    """The resident memory of ``pid`` and (unless told not to) its children, in MB (0 when gone)."""
    total = 0
    for p in family(pid, children):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Mix:
    """The requests of one client: random kinds and topics, from a fixed seed."""

    def __init__(self, topics: list[dict], queries: dict[str, str], seed: int, sparql_share: float):
        self.rng, self.topics, self.queries, self.sparql_share = random.Random(seed), topics, queries, sparql_share

    def _topic(self) -> dict:
        # most requests for well-known topics, some for the long tail, as people browse
        pool = self.topics[:500] if self.rng.random() < 0.7 else self.topics
        return self.rng.choice(pool)

    def next(self) -> tuple[str, str, str, bytes | None]:
        """(kind, method, path, body)."""
        t = self._topic()
        if self.rng.random() < self.sparql_share:
            kind = self.rng.choice(SPARQL_KINDS)
            var = "winner" if kind == "pick-evidence" else "topic"
            form = {"query": self.queries[kind], f"${var}": f"<https://w3id.org/pickgraph/topic/{t['slug']}>"}
            return kind, "POST", "/sparql", urllib.parse.urlencode(form).encode()
        kind = self.rng.choice(API_KINDS)
        other = self._topic()
        if other["slug"] == t["slug"]:
            other = self.topics[(self.topics.index(t) + 1) % len(self.topics)]
        q = urllib.parse.quote
        path = {
            "show": f"/api/show?topic={q(t['slug'])}",
            "topics": f"/api/topics?q={q(t['name'][:self.rng.randint(1, 4)])}&limit=10",
            "neighbours": f"/api/neighbours?topic={q(t['slug'])}&limit=25",
            "suggest": f"/api/suggest?topic={q(t['slug'])}&k=5&pair=false",
            "compare": f"/api/compare?a={q(t['slug'])}&b={q(other['slug'])}",
            "why": f"/api/why?a={q(t['slug'])}&b={q(other['slug'])}",
        }[kind]
        return kind, "GET", path, None


def load(server: Server, topics: list[dict], queries: dict[str, str], clients: int, seconds: float | None,
         sparql_share: float, until: threading.Event | None = None, think_ms: float = 0) -> dict:
    """Run ``clients`` clients for ``seconds`` (or until ``until`` is set), each pausing ``think_ms`` on average
    between requests (0: none, a closed loop); their figures, and the CPU the load itself and the server took."""
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    rss: list[float] = []
    server_rss: list[float] = []
    peaks: dict[int, tuple[str, int]] = {}  # each process's own peak (VmHWM): the server and its query processes
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            rss.append(rss_mb(server.proc.pid))
            server_rss.append(rss_mb(server.proc.pid, children=False))
            tree_rss(server.proc.pid, peaks)
            time.sleep(0.5)

    sampling = threading.Thread(target=sampler)
    cpu0, server0, all0 = time.process_time(), cpu_seconds(server.proc.pid, False), cpu_seconds(server.proc.pid)
    started = time.perf_counter()
    sampling.start()
    try:
        samples = asyncio.run(_clients(host, int(port), topics, queries, clients, seconds, sparql_share, until,
                                       think_ms))
    finally:
        done.set()
        sampling.join()
    wall = time.perf_counter() - started
    each = process_peaks_mb(peaks)
    return {**summarise(samples, wall, rss), "process_peaks_mb": each,
            "largest_process_mb": max((mb for _, mb in each), default=None),
            "server_peak_mb": round(peaks[server.proc.pid][1] / 2**20, 1) if server.proc.pid in peaks else None,
            "process_peaks_sum_mb": round(sum(mb for _, mb in each), 1),
            "cpu_s": {"clients": round(time.process_time() - cpu0, 1),
                      "server": round(cpu_seconds(server.proc.pid, False) - server0, 1),
                      "query_processes": round(cpu_seconds(server.proc.pid) - all0 - (cpu_seconds(server.proc.pid, False) - server0), 1)},
            "server_rss_mb": {"max": round(max(server_rss)), "end": round(server_rss[-1])} if server_rss else None}


async def _clients(host: str, port: int, topics: list[dict], queries: dict[str, str], clients: int,
                   seconds: float | None, sparql_share: float, until: threading.Event | None,
                   think_ms: float) -> list[tuple[str, float, bool, str, dict]]:
    """The clients as coroutines of one thread: a client's latency is then the server's, not the time its
    thread waited for the interpreter (32 threads of http.client spent a core and waited 5 ms turns for it)."""
    stop = asyncio.Event()
    samples: list[tuple[str, float, bool, str, dict]] = []
    tasks = [asyncio.create_task(_client(host, port, Mix(topics, queries, 1000 + i, sparql_share),
                                         random.Random(2000 + i), think_ms, stop, samples))
             for i in range(clients)]
    if until is None:
        await asyncio.sleep(seconds)
    else:
        while not until.is_set():
            await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks)
    return samples


async def _client(host: str, port: int, mix: Mix, pause: random.Random, think_ms: float, stop: asyncio.Event,
                  samples: list) -> None:
    """One keep-alive connection, one request after another until ``stop``; a sample for each."""
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while not stop.is_set():
        if think_ms:
            try:
                await asyncio.wait_for(stop.wait(), pause.expovariate(1000 / think_ms))
                break
            except asyncio.TimeoutError:
                pass
        kind, method, path, body = mix.next()
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        if body:
            head += ("Content-Type: application/x-www-form-urlencoded\r\nAccept: application/sparql-results+json\r\n"
                     f"Content-Length: {len(body)}\r\n")
        request = (head + "\r\n").encode() + (body or b"")
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(host, port)
            reader, writer = conn
            writer.write(request)
            status, headers = _response_head(await reader.readuntil(b"\r\n\r\n"))
            data = await reader.readexactly(int(headers.get("content-length", "0")))
            ok, why = status == 200, "" if status == 200 else f"{status} {data[:160]!r}"
            timing = _server_timing(headers.get("server-timing", ""))
            if headers.get("connection", "").lower() == "close":
                writer.close()
                conn = None
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            ok, why, timing = False, f"{type(exc).__name__}: {exc}", {}
            if conn is not None:
                conn[1].close()
            conn = None
        samples.append((kind, (time.perf_counter() - t0) * 1000, ok, why, timing))
    if conn is not None:
        conn[1].close()


def _server_timing(header: str) -> dict[str, float]:
    """The durations (ms) of a Server-Timing header.

    >>> _server_timing("wait;dur=2.1, query;dur=13.5, total;dur=16.2")
    {'wait': 2.1, 'query': 13.5, 'total': 16.2}
    """
    found = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if params.startswith("dur="):
            found[name] = float(params[4:])
    return found


def _response_head(raw: bytes) -> tuple[int, dict[str, str]]:
    """The status and the headers (names lowercased) of an HTTP/1.1 response head.

    >>> _response_head(b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\nConnection: close\\r\\n\\r\\n")
    (200, {'content-length': '2', 'connection': 'close'})
    """
    lines = raw.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User and system CPU seconds of ``pid`` and (unless told not to) its live children so far (0 when gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in family(pid, children):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def summarise(samples: list[tuple[str, float, bool, str, dict]], wall: float, rss: list[float]) -> dict:
    def stats(ms: list[float]) -> dict:
        return {"n": len(ms), "mean_ms": round(sum(ms) / len(ms), 1), "p50_ms": round(percentile(ms, 50), 1),
                "p95_ms": round(percentile(ms, 95), 1), "max_ms": round(max(ms), 1)} if ms else {"n": 0}

    by_kind = {k: stats([ms for kind, ms, *_ in samples if kind == k]) for k in (*API_KINDS, *SPARQL_KINDS)}
    errors = [why for _, _, ok, why, _ in samples if not ok]
    sparql = [(ms, timing) for kind, ms, ok, _, timing in samples if kind in SPARQL_KINDS and ok]
    ran = [(ms, timing) for ms, timing in sparql if "query" in timing]
    return {
        "seconds": round(wall, 1), "requests": len(samples), "per_second": round(len(samples) / wall, 1),
        "errors": len(errors), "first_errors": errors[:5],
        "api": stats([ms for kind, ms, *_ in samples if kind in API_KINDS]),
        "sparql": stats([ms for kind, ms, *_ in samples if kind in SPARQL_KINDS]),
        # where a SPARQL request's time went, by the server's Server-Timing header: answers that ran a
        # query, then their wait for a query process, the query's run, and the time outside the handler
        # (the request and the answer queued on the server's event loop, the sockets)
        "sparql_ran": stats([ms for ms, _ in ran]),
        "sparql_kept": stats([ms for ms, timing in sparql if "query" not in timing]),
        "sparql_wait": stats([timing["wait"] for _, timing in ran]),
        "sparql_query": stats([timing["query"] for _, timing in ran]),
        "sparql_outside": stats([ms - timing["total"] for ms, timing in sparql if "total" in timing]),
        "kinds": by_kind,
        "rss_mb": {"start": round(rss[0]) if rss else None, "max": round(max(rss)) if rss else None,
                   "end": round(rss[-1]) if rss else None},
    }


def host_reference(runs: int = 5) -> float:
    """Milliseconds this host takes for a fixed piece of pure-Python work (median of ``runs``), taken
    before the server starts: two runs of the benchmark compare only as far as this figure agrees
    (the same machine was a third slower at times)."""
    def work() -> None:
        table = {str(i): i * 7 % 1009 for i in range(200_000)}
        sorted(table.items(), key=lambda kv: (kv[1], kv[0]))

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return round(sorted(times)[runs // 2] * 1000, 1)


@contextlib.contextmanager
def competing(n: int):
    """``n`` processes that only spin, for as long as the block runs: other work on the same cores."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in spinners:
            p.kill()
            p.wait()


def ensure_build(pages: int, out: Path, popularity: str = LOGNORMAL) -> Path:
    """The out folder of a build of the generated corpus of ``pages`` pages (built now if missing)."""
    folder, _ = corpus(pages, popularity=popularity)
    if not (out / "pickgraph-build.json").is_file():
        progress(f"building {folder} into {out} (minutes at 100,000 pages)")
        subprocess.run([*pickgraph_cmd(), "build", str(folder), "--out", str(out), "-q"], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def switch_phase(server: Server, out: Path, folder: Path, topics, queries, clients, sparql_share,
                 think_ms: float = 0) -> dict:
    """Clients run while a rebuild with one page more is committed into ``out``; until 5 s after the switch."""
    extra = folder.parent / f"{folder.name}-plus-one"
    if not extra.exists():
        progress(f"copying {folder} with one page more (for the switch)")
        shutil.copytree(folder, extra, copy_function=os.link)
    from graph.read.render import render_comparison

    stamp = time.time_ns()  # a new page each time, so each rebuild is a newer build
    (extra / "zz-serve-load-extra.txt").write_text(
        render_comparison(f"Serve Load {stamp}", "Serve Load Beta", f"Serve Load {stamp}"), encoding="utf-8")
    digest = server.get("/api/status")[1]["inputs_digest"]
    switched = threading.Event()
    t0 = time.perf_counter()
    timing: dict = {}

    def rebuild() -> None:
        subprocess.run([*pickgraph_cmd(), "build", str(extra), "--out", str(out), "-q"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        timing["build_s"] = round(time.perf_counter() - t0, 1)
        while server.get("/api/status")[1]["inputs_digest"] == digest:
            time.sleep(0.2)
        timing["switched_s"] = round(time.perf_counter() - t0, 1)
        time.sleep(5)
        switched.set()

    threading.Thread(target=rebuild, daemon=True).start()
    result = load(server, topics, queries, clients, None, sparql_share, until=switched, think_ms=think_ms)
    status = server.get("/api/status")[1]
    return {**result, **timing, "switches": status["switches"], "topics_after": status["topics"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=100_000)
    ap.add_argument("--out", type=Path, help="out folder of a build to serve (default: benchmarks/out/serve-PAGES, "
                                             "built from the generated corpus when missing)")
    ap.add_argument("--popularity", default=LOGNORMAL,
                    help=f"popularity law of the generated corpus: lognormal, or zipf:S for a hub-heavy one "
                         f"({HUB_HEAVY}: the top topic in about 5%% of 100,000 pages)")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--sparql-share", type=float, default=0.3, help="share of SPARQL requests in the mix")
    ap.add_argument("--query-workers", type=int, help="the server's --query-workers (default: the server's own)")
    ap.add_argument("--answer-cache", type=float, default=64, help="the server's --answer-cache (MB; 0: none)")
    ap.add_argument("--think-ms", type=float, default=0,
                    help="mean pause of a client between requests (0: none, the clients saturate the server)")
    ap.add_argument("--competing", type=int, default=0,
                    help="CPU-bound processes run beside the load (a host with less CPU to give)")
    ap.add_argument("--switch", action="store_true", help="also: a newer build committed during the load")
    ap.add_argument("--switches", type=int, default=1, help="with --switch: how many newer builds, one after another")
    ap.add_argument("--browser", action="store_true", help="also: the Playwright tour on this build")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args(argv)

    out = args.out or WORK / f"serve-{args.pages}{popularity_tag(args.popularity)}" / "out"
    folder = ensure_build(args.pages, out, args.popularity) if not args.out else None
    from graph.sparql.run import bundled_queries

    queries = bundled_queries()
    result: dict = {"pages": args.pages, "popularity": args.popularity, "clients": args.clients, "sparql_share": args.sparql_share,
                    "competing": args.competing,
                    "think_ms": args.think_ms, "loadavg_before": os.getloadavg(), "host_reference_ms": host_reference(),
                    "cpus": os.cpu_count(), "command": " ".join(["python -m benchmarks.serve_load", *(argv or sys.argv[1:])])}
    started = time.perf_counter()
    workers = ["--query-workers", str(args.query_workers)] if args.query_workers else []
    with Server(out, *workers, "--answer-cache", str(args.answer_cache)) as server:
        result["start_s"] = round(time.perf_counter() - started, 1)
        progress(f"server up in {result['start_s']} s at {server.url}")
        topics = server.get("/api/topics?limit=1000")[1]
        total = int(server.request("/api/topics?limit=1")[1]["x-total-count"])
        if total > 1000:  # and the long tail (a smaller build has all its topics already)
            topics += server.get(f"/api/topics?offset={total - 1000}&limit=1000")[1]
        progress(f"load: {args.clients} clients for {args.seconds:g} s"
                 + (f", beside {args.competing} CPU-bound processes" if args.competing else ""))
        with competing(args.competing):
            result["steady"] = load(server, topics, queries, args.clients, args.seconds, args.sparql_share,
                                    think_ms=args.think_ms)
        status = server.get("/api/status")[1]
        result["steady"]["sparql_cache"], result["steady"]["api_cache"] = status["sparql_cache"], status["api_cache"]
        progress(json.dumps({k: result["steady"][k] for k in ("requests", "errors", "api", "sparql", "rss_mb")}))
        if args.switch:
            if folder is None:
                raise SystemExit("--switch needs the generated corpus: leave out --out")
            result["switch"] = []
            for n in range(args.switches):
                progress(f"load while a newer build is committed ({n + 1} of {args.switches})")
                phase = switch_phase(server, out, folder, topics, queries, args.clients, args.sparql_share,
                                     args.think_ms)
                result["switch"].append(phase)
                progress(json.dumps({k: phase.get(k) for k in
                                     ("requests", "errors", "first_errors", "build_s", "switched_s", "switches",
                                      "api", "sparql", "rss_mb")}))
            result["rss_after_each_switch_mb"] = [p["rss_mb"]["end"] for p in result["switch"]]
            result["server_rss_after_each_switch_mb"] = [p["server_rss_mb"]["end"] for p in result["switch"]]
    if args.browser:
        env = {**os.environ, "PICKGRAPH_SERVE_100K": str(out)}
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/test_serve_browser.py::test_explore_100k"], cwd=ROOT, env=env)
        result["browser"] = {"passed": r.returncode == 0, "seconds": round(time.perf_counter() - t0, 1)}
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    steady = result["steady"]
    ok = steady["errors"] == 0 and all(p["errors"] == 0 for p in result.get("switch", []))
    return 0 if ok and result.get("browser", {}).get("passed", True) else 1


if __name__ == "__main__":
    sys.exit(main())
