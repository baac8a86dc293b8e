"""``pickgraph serve`` against pages of other origins and against connections that hold it (issue #24).

A real server, a real second HTTP server on another port of 127.0.0.1 for the other origin's page, real
Chromium (Debian's, through Playwright) for what a browser lets that page do, real sockets for the idle
and dribbling connections.
"""

from __future__ import annotations

import html
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from servehelp import PICKGRAPH, ROOT, Server

pytestmark = pytest.mark.server
Q = urllib.parse.quote


class OtherOrigin:
    """A page at http://127.0.0.1:PORT/ (another origin than the server's): ``with OtherOrigin() as o: o.url``."""

    def __init__(self):
        self.html = b""
        owner = self

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(owner.html)))
                self.end_headers()
                self.wfile.write(owner.html)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.origin = self.url

    def __enter__(self) -> OtherOrigin:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def other():
    with OtherOrigin() as o:
        yield o


def _page(other: OtherOrigin, server: Server, query: str) -> str:
    """The other origin's page: a form that POSTs ``query`` to the server's /sparql."""
    other.html = (f'<!doctype html><title>elsewhere</title><form id="f" method="post" action="{server.url}/sparql">'
                  f'<input type="hidden" name="query" value="{html.escape(query)}"><button id="go">go</button></form>').encode()
    return other.url + "/"


READ = """async (url) => {
    try { const r = await fetch(url); return [r.status, await r.text()]; }
    catch (e) { return 'blocked:' + e.name; }
}"""
POST = """async ([url, query]) => {
    try { const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/sparql-query'},
                                     body: query});
          return [r.status, await r.text()]; }
    catch (e) { return 'blocked:' + e.name; }
}"""


def _ran(server: Server) -> int:
    """SPARQL queries the server has run (not answered from its cache) so far."""
    return server.get("/api/status")[1]["sparql_cache"]["misses"]


@pytest.mark.browser
def test_a_page_of_another_origin_can_neither_read_nor_post(browser, data_out, other):
    probe = 'SELECT ?x WHERE { BIND("probe-one" AS ?x) }'
    with Server(data_out) as s:
        context = browser.new_context(service_workers="block")
        try:
            page = context.new_page()
            page.goto(_page(other, s, probe))
            ran = _ran(s)
            # a simple GET (no preflight): the browser sends it; the server refuses it before it runs
            assert page.evaluate(READ, f"{s.url}/sparql?query={Q(probe)}") == "blocked:TypeError"
            assert page.evaluate(READ, f"{s.url}/api/show?topic=postgresql") == "blocked:TypeError"
            assert page.evaluate(POST, [f"{s.url}/sparql", probe]) == "blocked:TypeError"
            # a form POST to /sparql: no CORS at all, the browser shows the answer; it is the refusal
            with page.expect_navigation() as nav:
                page.click("#go")
            assert nav.value.status == 403
            assert page.text_content("body").strip() == (
                f"a page of another origin ({other.origin}) may not use this server; to let it, start the "
                "server with --cors ORIGIN")
            assert _ran(s) == ran  # none of them ran the query
            # the server's own explorer still reads its API (Sec-Fetch-Site: same-origin)
            page.goto(s.url + "/")
            status, text = page.evaluate(READ, "/api/show?topic=postgresql")
            assert status == 200 and json.loads(text)["slug"] == "postgresql"
        finally:
            context.close()


@pytest.mark.browser
def test_an_origin_named_with_cors_may_read_and_post(browser, data_out, other):
    probe = 'SELECT ?x WHERE { BIND("probe-two" AS ?x) }'
    with Server(data_out, "--cors", other.origin) as s:
        context = browser.new_context(service_workers="block")
        try:
            page = context.new_page()
            page.goto(_page(other, s, probe))
            ran = _ran(s)
            status, text = page.evaluate(READ, f"{s.url}/sparql?query={Q(probe)}")
            assert (status, json.loads(text)["results"]["bindings"]) == (200, [{"x": {"type": "literal",
                                                                                    "value": "probe-two"}}])
            status, text = page.evaluate(READ, f"{s.url}/api/show?topic=postgresql")
            assert status == 200 and json.loads(text)["slug"] == "postgresql"
            # a preflighted POST (its Content-Type is not a form's): the preflight is answered, then the query
            status, text = page.evaluate(POST, [f"{s.url}/sparql", "ASK {}"])
            assert (status, json.loads(text)["boolean"]) == (200, True)
            with page.expect_response(f"{s.url}/sparql") as answer:  # a download: JSON is not shown
                page.click("#go")
            assert answer.value.status == 200
            assert _ran(s) == ran + 3  # the probe, the ASK, the probe as XML (a navigation's Accept names XML)
        finally:
            context.close()


def test_cors_headers_name_only_the_origins_given(data_out):
    asked = {"Origin": "http://127.0.0.1:9", "Access-Control-Request-Method": "POST"}
    with Server(data_out, "--cors", "http://127.0.0.1:9", "--cors", "https://yasgui.example") as s:
        status, headers, _ = s.request("/sparql", method="OPTIONS", headers=asked)
        assert (status, headers["access-control-allow-origin"]) == (200, "http://127.0.0.1:9")
        assert headers["access-control-allow-methods"] == "GET, POST"
        status, headers, _ = s.request("/sparql", method="OPTIONS", headers={**asked, "Origin": "http://127.0.0.1:10"})
        assert status == 403 and "access-control-allow-origin" not in headers
        status, headers, _ = s.request(f"/sparql?query={Q('ASK {}')}", headers={"Origin": "https://yasgui.example",
                                                                             "Sec-Fetch-Site": "cross-site"})
        assert (status, headers["access-control-allow-origin"], headers["vary"]) == (200, "https://yasgui.example",
                                                                                     "Origin")
    with Server(data_out, "--cors", "*") as s:
        status, headers, _ = s.request(f"/sparql?query={Q('ASK {}')}", headers={"Origin": "http://anywhere.example"})
        assert (status, headers["access-control-allow-origin"]) == (200, "*")
    r = subprocess.run([*PICKGRAPH, "serve", "--out", str(data_out), "--cors", "http://127.0.0.1:9/"], cwd=ROOT,
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--cors': 'http://127.0.0.1:9/' is not an origin: scheme://host[:port], "
        "with no path (or * for any)")


# ---------------------------------------------------------- connections --

def _connect(server: Server, n: int, head: bytes = b"") -> list[socket.socket]:
    host, port = server.url.removeprefix("http://").split(":")
    socks = []
    for _ in range(n):
        sock = socket.create_connection((host, int(port)), timeout=30)
        if head:
            sock.sendall(head)
        socks.append(sock)
    return socks


def _until_closed(socks: list[socket.socket], dribble: list[socket.socket], within: float) -> dict[int, bytes]:
    """What each socket received before the server closed it, by index; a byte sent on each of ``dribble``
    every 0.2 s meanwhile. Stops after ``within`` seconds."""
    got: dict[int, bytes] = {}
    received = {i: b"" for i in range(len(socks))}
    for sock in socks:
        sock.setblocking(False)
    deadline = time.monotonic() + within
    while len(got) < len(socks) and time.monotonic() < deadline:
        for i, sock in enumerate(socks):
            if i in got:
                continue
            try:
                part = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                part = b""
            if part:
                received[i] += part
            else:
                got[i] = received[i]
        for sock in dribble:
            try:
                sock.send(b"x")
            except OSError:  # closed by the server
                pass
        time.sleep(0.2)
    return got


def test_idle_and_dribbling_connections_neither_lock_a_client_out_nor_stay(data_out):
    head = b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    with Server(data_out) as s:  # the defaults: 512 connections, 256 per address, 5 s idle, 10 s per request
        idle = _connect(s, 300)
        dribbling = _connect(s, 20, head)
        try:
            status, _, body = s.request("/api/status", timeout=10)
            assert status == 200, body
            assert json.loads(body)["topics"] == 233
            closed = _until_closed(idle + dribbling, dribbling, within=30)
        finally:
            for sock in idle + dribbling:
                sock.close()
    assert sorted(closed) == list(range(320))  # every one closed by the server
    assert {closed[i] for i in range(300)} == {b""}  # the idle ones without a word
    refusal = b"the request did not arrive whole within 10 s\n"
    assert {closed[i] for i in range(300, 320)} == {
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
        b"connection: close\r\n\r\n%s" % (len(refusal), refusal)}


def test_a_body_that_does_not_arrive_in_time_is_cut_off_without_a_traceback(data_out):
    with Server(data_out, "--request-timeout", "1") as s:
        slow = _connect(s, 1, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query"
                              b"\r\nContent-Length: 1000\r\n\r\nASK")[0]
        try:
            assert _until_closed([slow], [slow], within=10) == {0: b""}  # a byte every 0.2 s: still too slow
        finally:
            slow.close()
        assert s.request("/api/status")[0] == 200
        time.sleep(0.5)  # anything the server would say about it is said by now
    assert [line for line in s.log if "Traceback" in line or "Exception" in line] == []


def test_past_the_cap_the_longest_waiting_connection_goes_first(data_out):
    with Server(data_out, "--max-per-client", "8", "--max-connections", "100", "--idle-timeout", "60") as s:
        first = _connect(s, 8)
        try:
            status, _ = s.get("/api/status", timeout=10)  # a ninth connection: the oldest idle one is closed
            assert status == 200
            assert _until_closed(first[:1], [], within=10) == {0: b""}
            for sock in first[1:]:  # the others are still open (a closed one would read b"")
                sock.setblocking(False)
                with pytest.raises(BlockingIOError):
                    sock.recv(1)
        finally:
            for sock in first:
                sock.close()


def test_when_every_connection_is_busy_a_new_one_is_refused(data_out):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with Server(data_out, "--max-per-client", "2", "--query-workers", "1", "--time-limit", "5") as s:
        busy = _connect(s, 2, f"GET /sparql?query={Q(runaway)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        try:
            time.sleep(0.5)  # both requests read: their connections are busy (one query runs, one waits)
            refused = _connect(s, 1)[0]
            assert _until_closed([refused], [], within=10) == {0: (
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
                b"content-length: 51\r\nconnection: close\r\n\r\n"
                b"every connection is busy with a request; try again\n")}
        finally:
            for sock in busy:
                sock.close()


# ---------------------------------------------------------------- 8c --

def test_no_build_stops_even_beside_a_data_folder(tmp_path):
    # the folder the query commands would read when there is no build: serve must not build it
    shutil.copytree(ROOT / "data", tmp_path / "data")
    proc = subprocess.Popen([*PICKGRAPH, "serve", "--port", "0"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        said = proc.stdout.readline()  # "serving …" if it started, "" once it ended
        assert said == ""
        assert proc.wait(60) == 1
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert err.strip().splitlines() == ["Error: no build in exports/ to serve: run 'pickgraph build PATH' first "
                                        "(PATH: your folder of pages), or name the out folder of a build with "
                                        "--out DIR"]
    assert not Path(tmp_path / "exports").exists()  # nothing built
