"""Screenshots of the live explorer for docs/: ``make screenshot`` (or ``python tools/screenshots.py [DIR]``).

Builds data/ into a temporary out folder, starts ``pickgraph serve`` on a free port of 127.0.0.1, and
takes each page in Debian's Chromium (Playwright) at 1280×800, refusing every request that would leave
the server. Needs Playwright's Python package and a Chromium (``PICKGRAPH_CHROMIUM``, default
/usr/bin/chromium).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PICKGRAPH_CHROMIUM", "/usr/bin/chromium")
PICKGRAPH = [sys.executable, "-c", "from graph.cli import main; main(prog_name='pickgraph')"]
#: file name in docs/ → the path shown; a and b of the comparison: a pair data/ compares
SHOTS = {
    "explorer-start.png": "/",
    "explorer-topic.png": "/?topic=postgresql",
    "explorer-compare.png": "/?a=postgresql&b=mysql",
    "explorer-sparql.png": "/sparql#query=" + quote((ROOT / "graph/sparql/queries/win-loss.rq").read_text(), safe=""),
    "explorer-topics.png": "/topics",
}


def main(folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="pickgraph-shots-") as tmp:
        out = Path(tmp) / "out"
        subprocess.run([*PICKGRAPH, "build", "data", "--out", str(out), "-q"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        server = subprocess.Popen([*PICKGRAPH, "serve", "--out", str(out), "--port", "0"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            m = re.match(r"serving (http://\S+?)/? ", server.stdout.readline())
            if not m:
                raise SystemExit("the server did not start")
            shoot(m.group(1), folder)
        finally:
            server.terminate()
            server.wait(30)


def shoot(url: str, folder: Path) -> None:
    outside: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(url + "/"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for name, path in SHOTS.items():
                context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
                context.route("**/*", route)
                page = context.new_page()
                page.goto(url + path, wait_until="networkidle")
                # each page says when its requests are answered (a function: the CSP forbids eval)
                page.wait_for_function("() => [window.explorer, window.pages].every(p => !p || (p.ready && p.busy === 0))",
                                       timeout=120_000)
                page.wait_for_timeout(500)  # let a drawing settle (no figure: a screenshot, not a test)
                page.screenshot(path=str(folder / name))
                context.close()
                print(f"wrote {folder / name}")
        finally:
            browser.close()
    if outside:
        raise SystemExit(f"requests left 127.0.0.1: {outside}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")
