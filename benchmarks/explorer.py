"""How the explorer's start page (the whole graph in WebGL) behaves in headless Chromium against a real serve.

``python -m benchmarks.explorer OUT [OUT …] [--runs 3] [--stub]`` starts ``pickgraph serve --out OUT`` (a
finished build), opens ``/`` in Debian's ``chromium`` (Playwright; every request off the server refused)
``--runs`` times in fresh contexts, and prints one JSON line per out folder with the median, min and max of:

- ``first_frame_s``: navigation to sigma.js's first drawn frame of the whole graph (``performance.now()``),
  and ``marks_ms``: the page's own marks on the way (``fetched``: the first tier's answer parsed; ``graph``:
  its topics and links in graphology; ``sigma``: sigma.js made, its first render done; ``firstFrame``; ``rest``:
  the rest of the layout fetched, after the first frame);
- ``pan_fps``: frames per second while the camera pans for two seconds, one step per ``requestAnimationFrame``
  (1000 / the median frame interval): the frames the user sees, on the page of today the last real frame moved
  by a CSS transform;
- ``pan_cpu_ms``: the CPU time the page's renderer and Chromium's GPU process (software WebGL and the compositor)
  spent while panning (and settling), per frame seen, from a Chrome trace: what a frame costs, less sensitive
  to the machine's load than the frame rate;
- ``settle_ms``: from the camera's last step to the real frame on screen (the page's ``explorer.overview.settled``,
  the frame after sigma's draw): the wait for the drawing at rest; absent for a page that redraws every frame;
- ``hover_ms``: a mouse move onto the most compared topic until the page has it as hovered (its neighbourhood
  highlighted), as Playwright sees it: an upper bound, with the round trip to the browser in it;
- ``click_ms``: a click on it until its card is shown (the ``show`` answer in it), as Playwright sees it;
- ``click_drawn_ms``: the same click until its neighbourhood is drawn too (vis-network's layout settled, the page
  ready with no request out), and in ``marks_ms`` the page's marks of the click, in ms after it (``click.*``: the
  ``show`` and ``neighbours`` answers in, the card in the DOM, vis-network ready, the neighbourhood drawn).

``--stub``: instead of ``pickgraph serve`` (which loads the whole build, SPARQL store and all: minutes at
100,000 pages on a busy machine), a stub server on 127.0.0.1 answers only what the start page asks (its
static files, ``/api/overview`` and its tiers from the out folder's ``pickgraph-overview.json`` by the
server's own :func:`graph.serve.overview.overview_tier`, ``/api/status``); no ``click_ms`` nor ``click_drawn_ms`` then.

Chromium runs without a GPU here (SwiftShader): the figures are of software WebGL, a floor for a real screen.
A benchmark, not a test: the figures depend on the machine and its load, printed with them (``load``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servehelp import Server  # noqa: E402 - the tests' real-server helper

from benchmarks.html_ready import chromium, runs_parser, spread  # noqa: E402
from graph.serve.overview import overview_tier, tier_order  # noqa: E402

#: pan the camera one step a frame for this long, counting frames (runs in the page); then, on a page that shows
#: the last frame moved while the camera moves (``explorer.overview.settled``), how long after the camera's last
#: step the real frame is on screen
PAN = """async (ms) => {
  const ov = explorer.overview, cam = ov.sigma.getCamera();
  const times = [];
  const start = performance.now();
  let last = 0;
  await new Promise((done) => {
    const step = (t) => {
      times.push(t);
      const s = cam.getState();
      cam.setState({ ...s, x: s.x + 0.002 });
      last = performance.now();
      if (t - start < ms) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  const gaps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
  const fps = gaps.length ? 1000 / gaps[Math.floor(gaps.length / 2)] : 0;
  if (!("settled" in ov)) return { fps, frames: times.length, settle: null };  // a page that draws every frame for real
  await new Promise((done) => { const wait = () => (ov.settled > last ? done() : requestAnimationFrame(wait)); wait(); });
  return { fps, frames: times.length, settle: ov.settled - last };
}"""


def cpu_ms(trace: bytes, frames: int) -> float:
    """The CPU time of the page's renderer and of the GPU process (where software WebGL draws and the compositor
    puts the layers together) in a Chrome trace of the ``toplevel`` tasks, per frame: the frame's cost whatever
    else the machine runs, which the frame rate is not."""
    events = json.loads(trace)["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "process_name"}
    work = sum(e["tdur"] for e in events if e.get("ph") == "X" and "tdur" in e and e.get("name") == "ThreadControllerImpl::RunTask"
               and names.get(e["pid"]) in ("Renderer", "GPU Process"))
    return work / 1000 / max(frames, 1)


def one_run(browser, url: str, click: bool = True) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1500, "height": 900}, service_workers="block")
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url + "/") else r.abort())
        page = context.new_page()
        page.goto(url + "/")
        page.wait_for_function("() => window.explorer && explorer.firstFrame && explorer.ready", timeout=600_000)
        first = page.evaluate("() => explorer.firstFrame") / 1000
        # the rest of a big layout comes after the first frame: pan and hover with it in
        page.wait_for_function("() => explorer.busy === 0", timeout=600_000)
        marks = page.evaluate("() => explorer.marks || {}")  # a page before the marks: none
        browser.start_tracing(page=page, categories=["toplevel"])
        pan = page.evaluate(PAN, 2000)
        pan_cpu = cpu_ms(browser.stop_tracing(), pan["frames"])
        # the most compared topic in the middle of the view, zoomed in: clear of crowded neighbours
        top = page.evaluate("() => (explorer.overview.nodes || explorer.overview.data.nodes)[0][0]")
        page.evaluate(f"() => {{ const d = explorer.overview.sigma.getNodeDisplayData({top!r}); "
                      "explorer.overview.sigma.getCamera().setState({ x: d.x, y: d.y, ratio: 0.1, angle: 0 }); }")
        page.wait_for_timeout(500)
        pos = page.evaluate(f"() => explorer.nodeScreen({top!r})")
        began = time.perf_counter()
        page.mouse.move(pos["x"], pos["y"])
        page.wait_for_function("() => explorer.overview.hovered", timeout=60_000)
        hover = (time.perf_counter() - began) * 1000
        out = {"first_frame_s": first, "pan_fps": pan["fps"], "pan_cpu_ms": pan_cpu, "settle_ms": pan["settle"], "hover_ms": hover, "marks_ms": marks}
        if click:
            top = page.evaluate("() => explorer.overview.hovered")  # the topic under the mouse: the one to click
            began = time.perf_counter()
            page.mouse.click(pos["x"], pos["y"])
            # answered: the topic's card shown (its name as the panel's heading); then its neighbourhood drawn
            page.wait_for_function(f"() => location.search === '?topic={top}' && document.querySelector('#panel h2')",
                                   timeout=60_000)
            out["click_ms"] = (time.perf_counter() - began) * 1000
            page.wait_for_function(f"() => location.search === '?topic={top}' && explorer.ready && explorer.busy === 0",
                                   timeout=60_000)
            out["click_drawn_ms"] = (time.perf_counter() - began) * 1000
            # the page's own marks of the click, in ms after it (a page before them: none)
            out["marks_ms"] = {**marks, **page.evaluate("() => explorer.clickMarks || {}")}
        return out
    finally:
        context.close()


@contextmanager
def stub(out: Path) -> Iterator[str]:
    """A server of only the start page's requests (see the module's ``--stub``); yields its URL."""
    data = json.loads((out / "pickgraph-overview.json").read_bytes())
    order = tier_order(data)  # once, as serve keeps it
    static = ROOT / "graph" / "serve" / "static"
    types = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            q = {k: int(v[0]) for k, v in parse_qs(parts.query).items() if k in ("start", "stop")}
            if parts.path == "/api/overview":
                self._send(json.dumps(overview_tier(data, q.get("start", 0), q.get("stop", 10**9), order)).encode(), "application/json")
            elif parts.path == "/api/status":
                self._send(json.dumps({"topics": len(data["nodes"]), "documents": 0}).encode(), "application/json")
            elif parts.path == "/" or parts.path.startswith("/static/"):
                name = "index.html" if parts.path == "/" else parts.path.removeprefix("/static/")
                path = (static / name).resolve()
                if name.startswith("vis-network"):
                    from graph.export.html import vis_assets

                    js, css = vis_assets()
                    self._send((js if name.endswith(".js") else css).encode(), types[Path(name).suffix])
                elif path.is_relative_to(static) and path.is_file():
                    self._send(path.read_bytes(), types.get(path.suffix, "application/octet-stream"))
                else:
                    self._send(b'{"error": "not found"}', "application/json", 404)
            else:
                self._send(b'{"error": "not in the stub"}', "application/json", 404)

        def _send(self, body: bytes, media: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


@contextmanager
def served(out: Path, use_stub: bool) -> Iterator[tuple[str, dict]]:
    """The URL of a server of ``out`` and its status."""
    if use_stub:
        with stub(out) as url:
            yield url, {"topics": len(json.loads((out / "pickgraph-overview.json").read_bytes())["nodes"]), "documents": None}
        return
    with Server(out, start_timeout=3600) as server:  # a big build loads for minutes on a busy machine
        yield server.url, server.get("/api/status")[1]


def main(argv: list[str] | None = None) -> int:
    ap = runs_parser(__doc__, "python -m benchmarks.explorer", "outs", Path)
    ap.add_argument("--stub", action="store_true", help="only the start page's requests, from the overview file")
    args = ap.parse_args(argv)
    with chromium() as browser:
        for out in args.outs:
            with served(out, args.stub) as (url, status):
                runs = []
                for _ in range(args.runs):
                    runs.append(one_run(browser, url, click=not args.stub))
                    print(json.dumps(runs[-1]), file=sys.stderr, flush=True)  # each run as it ends
            figures = {k: spread([r[k] for r in runs]) for k in runs[0] if k != "marks_ms" and runs[0][k] is not None}
            marks = {k: spread([r["marks_ms"][k] for r in runs]) for k in runs[0]["marks_ms"]}
            print(json.dumps({"out": str(out), "topics": status["topics"], "pages": status["documents"],
                              "runs": args.runs, "stub": args.stub, "load": [round(x, 2) for x in os.getloadavg()],
                              **figures, "marks_ms": marks}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
