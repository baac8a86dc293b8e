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
from pathlib import Path

CHROMIUM = os.environ.get("PICKGRAPH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


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
    ap = argparse.ArgumentParser(prog="python -m benchmarks.html_ready", description=__doc__.split("\n\n")[0])
    ap.add_argument("pages", nargs="+", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for page in args.pages:
                times, counts, errors = [], {}, []
                for _ in range(args.runs):
                    s, counts, errs = ready_seconds(browser, page)
                    times.append(s)
                    errors += errs
                print(json.dumps({"page": str(page), "bytes": page.stat().st_size, **counts,
                                  "ready_s": {"median": round(statistics.median(times), 3),
                                              "min": round(min(times), 3), "max": round(max(times), 3)},
                                  "runs": args.runs, "errors": sorted(set(errors))}), flush=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
