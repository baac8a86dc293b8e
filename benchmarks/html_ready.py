"""How long pickgraph's HTML pages take to be ready in headless Chromium.

``python -m benchmarks.html_ready PAGE.html [PAGE.html …] [--runs 3]`` opens each page
in Debian's ``chromium`` (Playwright drives it; every request that leaves file:// is
refused), and waits for ``window.pickgraph.ready`` — set by the page once the network
is drawn with its fixed layout (there is no physics to settle). It prints one JSON
line per page: size, topics and links drawn, the median (min–max) seconds from
navigation to ready over ``--runs`` fresh browser contexts, and any console errors.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

CHROMIUM = os.environ.get("PICKGRAPH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def runs_parser(doc: str, prog: str, what: str, kind: type) -> argparse.ArgumentParser:
    """The command line both browser benchmarks take: things to open (``what``, one or more) and ``--runs``."""
    ap = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    ap.add_argument(what, nargs="+", type=kind)
    ap.add_argument("--runs", type=int, default=3)
    return ap


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium, headless under Playwright, closed on leaving."""
    from playwright.sync_api import sync_playwright  # an optional dependency: asked for only when run

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def spread(values: list[float]) -> dict[str, float]:
    """The median, min and max of ``values``, rounded to the millisecond."""
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def ready_seconds(browser, page_path: Path) -> tuple[float, dict, list[str]]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, service_workers="block")
    errors: list[str] = []
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        started = time.perf_counter()
        page.goto(page_path.resolve().as_uri())
        page.wait_for_function("window.pickgraph && window.pickgraph.ready", timeout=120_000)
        seconds = time.perf_counter() - started
        counts = page.evaluate("({topics: window.pickgraph.nodes.length, links: window.pickgraph.edges.length})")
        return seconds, counts, errors
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    args = runs_parser(__doc__, "python -m benchmarks.html_ready", "pages", Path).parse_args(argv)
    with chromium() as browser:
        for page in args.pages:
            times, counts, errors = [], {}, []
            for _ in range(args.runs):
                s, counts, errs = ready_seconds(browser, page)
                times.append(s)
                errors += errs
            print(json.dumps({"page": str(page), "bytes": page.stat().st_size, **counts, "ready_s": spread(times),
                              "runs": args.runs, "errors": sorted(set(errors))}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
