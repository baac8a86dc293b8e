"""How the explorer's start page (the whole graph in WebGL) behaves in headless Chromium against a real serve.

``python -m benchmarks.explorer OUT [OUT …] [--runs 3]`` starts ``pickgraph serve --out OUT`` (a finished
build), opens ``/`` in Debian's ``chromium`` (Playwright; every request off the server refused) ``--runs``
times in fresh contexts, and prints one JSON line per out folder with the median (min–max) of:

- ``first_frame_s``: navigation to sigma.js's first drawn frame of the whole graph (``performance.now()``);
- ``pan_fps``: frames per second while the camera pans for two seconds, one step per ``requestAnimationFrame``
  (1000 / the median frame interval);
- ``hover_ms``: a mouse move onto the most compared topic until the page has it as hovered (its neighbourhood
  highlighted), as Playwright sees it: an upper bound, with the round trip to the browser in it;
- ``click_ms``: a click on it until its card and neighbourhood are shown (two API answers in it).

Chromium runs without a GPU here (SwiftShader): the figures are of software WebGL, a floor for a real screen.
A benchmark, not a test: the figures depend on the machine and its load, printed with them (``load``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servehelp import Server  # noqa: E402 - the tests' real-server helper

CHROMIUM = os.environ.get("PICKGRAPH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

#: pan the camera one step a frame for this long, counting frames (runs in the page)
PAN = """async (ms) => {
  const cam = explorer.overview.sigma.getCamera();
  const times = [];
  const start = performance.now();
  await new Promise((done) => {
    const step = (t) => {
      times.push(t);
      const s = cam.getState();
      cam.setState({ ...s, x: s.x + 0.002 });
      if (t - start < ms) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  const gaps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
  return gaps.length ? 1000 / gaps[Math.floor(gaps.length / 2)] : 0;
}"""


def one_run(browser, server: Server) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1500, "height": 900}, service_workers="block")
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url + "/") else r.abort())
        page = context.new_page()
        page.goto(server.url + "/")
        page.wait_for_function("() => window.explorer && explorer.firstFrame && explorer.ready", timeout=600_000)
        first = page.evaluate("() => explorer.firstFrame") / 1000
        fps = page.evaluate(PAN, 2000)
        # the most compared topic in the middle of the view, zoomed in: clear of the legend and of crowded neighbours
        top = page.evaluate("() => explorer.overview.data.nodes[0][0]")
        page.evaluate(f"() => {{ const d = explorer.overview.sigma.getNodeDisplayData({top!r}); "
                      "explorer.overview.sigma.getCamera().setState({ x: d.x, y: d.y, ratio: 0.1, angle: 0 }); }")
        page.wait_for_timeout(500)
        pos = page.evaluate(f"() => explorer.nodeScreen({top!r})")
        began = time.perf_counter()
        page.mouse.move(pos["x"], pos["y"])
        page.wait_for_function("() => explorer.overview.hovered", timeout=60_000)
        hover = (time.perf_counter() - began) * 1000
        top = page.evaluate("() => explorer.overview.hovered")  # the topic under the mouse: the one to click
        began = time.perf_counter()
        page.mouse.click(pos["x"], pos["y"])
        page.wait_for_function(f"() => location.search === '?topic={top}' && explorer.ready && explorer.busy === 0",
                               timeout=60_000)
        click = (time.perf_counter() - began) * 1000
        return {"first_frame_s": first, "pan_fps": fps, "hover_ms": hover, "click_ms": click}
    finally:
        context.close()


def _median(values: list[float]) -> list[float]:
    return [round(statistics.median(values), 3), round(min(values), 3), round(max(values), 3)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.explorer", description=__doc__.split("\n\n")[0])
    ap.add_argument("outs", nargs="+", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for out in args.outs:
                with Server(out, start_timeout=3600) as server:  # a big build loads for minutes on a busy machine
                    status = server.get("/api/status")[1]
                    runs = []
                    for _ in range(args.runs):
                        runs.append(one_run(browser, server))
                        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)  # each run as it ends
                print(json.dumps({"out": str(out), "topics": status["topics"], "pages": status["documents"],
                                  "runs": args.runs, "load": [round(x, 2) for x in os.getloadavg()],
                                  **{k: _median([r[k] for r in runs]) for k in runs[0]}}), flush=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
