"""A real ``pickgraph serve`` process on a free port of 127.0.0.1, for the server's tests and benchmark."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

PICKGRAPH = [sys.executable, "-c", "from graph.cli import main; main(prog_name='pickgraph')"]
ROOT = Path(__file__).resolve().parent.parent


class Server:
    """``with Server(out, *options) as s: s.get("/api/status")``; stderr lines kept in ``s.log``."""

    def __init__(self, out: str | os.PathLike[str], *options: str, cwd: str | os.PathLike[str] = ROOT,
                 start_timeout: float = 600):
        self.args = [*PICKGRAPH, "serve", "--out", str(out), "--port", "0", *options]
        self.cwd, self.start_timeout = cwd, start_timeout
        self.log: list[str] = []
        self.url = ""

    def __enter__(self) -> Server:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_err, daemon=True).start()
        deadline = time.monotonic() + self.start_timeout
        line = self.proc.stdout.readline()  # blocks until the server says where it listens, or ends
        m = re.match(r"serving (http://\S+/) ", line)
        if not m:
            self.proc.wait(10)
            raise RuntimeError(f"the server did not start: {line!r} {self.log}")
        self.url = m.group(1).rstrip("/")
        while time.monotonic() < deadline:  # the first answer: uvicorn is up
            try:
                self.get("/api/status")
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not answer")

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None,
                method: str | None = None, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        """(status, headers with lower-case names, body) of one request; an HTTP error status is returned."""
        req = urllib.request.Request(self.url + path, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def get(self, path: str, **kw):
        status, _, body = self.request(path, **kw)
        return status, json.loads(body)


def cli_json(out: str | os.PathLike[str], *args: str) -> object:
    """What ``pickgraph --out OUT ARGS`` prints, parsed (the CLI's --json)."""
    r = subprocess.run([*PICKGRAPH, "--out", str(out), *args], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(r.stdout)


def build(paths: list[str | os.PathLike[str]], out: str | os.PathLike[str], cwd=ROOT) -> None:
    subprocess.run([*PICKGRAPH, "build", *map(str, paths), "--out", str(out), "-q"], cwd=cwd, check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


#: Chromium's note on its software WebGL (no GPU here) when sigma.js reads the pixel under the mouse: the
#: driver's, not the page's, so not counted as a console error
GL_NOTE = re.compile(r"\[\.WebGL-[0-9a-fx]+\]GL Driver Message \(OpenGL, Performance, .*\): GPU stall due to ReadPixels"
                     r"( \(this message will no longer repeat\))?$")


class Tab:
    """One page of a real server in a fresh browser context, for the browser tests: requests that leave the
    server are refused and kept in ``outside``, console errors and warnings in ``errors``.

    ``with Tab(browser, server, "/topics") as t: t.page.click(…); t.settle()``; the page counts as settled when
    its ``window.explorer`` (the start page) or ``window.pages`` (/topics, /sparql) is ready with no request out.
    """

    #: a function, not a string: the pages' CSP forbids eval
    READY = "() => [window.explorer, window.pages].some(p => p && p.ready && p.busy === 0)"

    def __init__(self, browser, server: Server, path: str = "/", width: int = 1280, height: int = 800):
        self.server, self.errors, self.outside = server, [], []
        self.context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") and not GL_NOTE.match(m.text) else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.context.route("**/*", self._route)
        self.page.goto(server.url + path)
        self.settle()

    def _route(self, route) -> None:
        if route.request.url.startswith(self.server.url + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def settle(self) -> None:
        self.page.wait_for_function(self.READY, timeout=60_000)

    def js(self, expr: str):
        """The value of the expression ``expr`` in the page."""
        return self.page.evaluate(f"() => ({expr})")

    def texts(self, selector: str) -> list[str]:
        return self.page.locator(selector).all_text_contents()

    @property
    def query(self) -> str:
        """The page's address without the server's: ``/?topic=redis``."""
        return self.page.url.removeprefix(self.server.url)

    def clean(self) -> None:
        """Nothing asked of another address, no console error, no markup of the graph's text run."""
        assert self.errors == [] and self.outside == []
        assert self.js("document.querySelectorAll('img, main script, #panel script, #legend script').length") == 0
        assert self.js("window.__pwned") is None

    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> Tab:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
