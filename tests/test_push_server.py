"""Push to a REAL SPARQL server (the oxigraph server from PyPI) and query it over the SPARQL protocol.

The server runs on 127.0.0.1 and a free port for this module and is stopped at teardown.
Also: the errors of ``push`` against a closed port, HTTP errors and a store that never answers.
"""

from __future__ import annotations

import http.server
import json
import re
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import stop_server
from graph.sparql import run as sparql
from graph.rdf import mapping as rdf
from graph.rdf import syntaxes
from graph.cli import main
from graph.sparql.push import PushError, default_graph_iri, push
from graph.errors import EXIT_TIMEOUT, EXIT_USAGE, TimedOut

pytestmark = pytest.mark.server

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
DONE_WHEN = """SELECT ?slug WHERE { ?c a pg:Comparison ; pg:comparedTopic ?a, ?b ; pg:pick ?w .
  ?a skos:notation "model-robustness" . ?b skos:notation "model-interpretability" . ?w skos:notation ?slug }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``http://127.0.0.1:PORT`` of a running ``oxigraph serve`` with its own store folder."""
    assert OXIGRAPH.is_file(), f"the oxigraph server (PyPI package 'oxigraph') is missing at {OXIGRAPH}"
    location = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    log = open(location.parent / f"oxigraph-{port}.log", "wb")
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            log.close()
            pytest.fail(f"oxigraph exited with {proc.returncode}: {Path(log.name).read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/", timeout=1) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("oxigraph did not answer within 30 s")
        time.sleep(0.1)
    yield url
    stop_server(proc, 10)
    log.close()


def remote_select(server: str, query: str, graph: str, method: str = "POST") -> list[dict[str, str]]:
    """Rows of a SELECT over the SPARQL 1.1 protocol, with ``graph`` as the default graph."""
    headers = {"Accept": "application/sparql-results+json"}
    if method == "POST":
        req = urllib.request.Request(f"{server}/query?default-graph-uri={urllib.parse.quote(graph, safe='')}",
                                     data=query.encode(), method="POST",
                                     headers={**headers, "Content-Type": "application/sparql-query"})
    else:
        qs = urllib.parse.urlencode({"query": query, "default-graph-uri": graph})
        req = urllib.request.Request(f"{server}/query?{qs}", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return sparql.parse_results(resp.read(), "json", typed=True)


def count(server: str, graph: str) -> int:
    return int(remote_select(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graph, "GET")[0]["n"])


def canonical(rows: list[dict[str, str]]) -> Counter:
    """Rows as a multiset, with GROUP_CONCAT lists (whose order SPARQL leaves open) sorted."""
    out: Counter = Counter()
    for r in rows:
        r = dict(r)
        if "via" in r:
            r["via"] = " ".join(sorted(r["via"].split()))
        out[tuple(sorted(r.items()))] += 1
    return out


def test_push_then_query_over_the_protocol(server, data_graph):
    result = push(data_graph, f"{server}/store")
    graph = default_graph_iri()
    n = len(rdf.triples(data_graph))
    assert result == {"endpoint": f"{server}/store", "graph": graph, "triples": n, "status": 201, "requests": 1}
    assert count(server, graph) == n
    store = sparql.load_store(data_graph)
    for name, query in sparql.bundled_queries().items():
        remote = remote_select(server, query, graph)
        assert remote, name
        assert canonical(remote) == canonical(sparql.select(store, query)), name


def test_second_push_is_idempotent_and_replaces(server, data_graph, tiny_graph):
    graph = "https://example.org/graphs/idempotent"
    first = push(data_graph, f"{server}/store", graph)
    after_first = count(server, graph)
    second = push(data_graph, f"{server}/store", graph)
    assert (first["status"], second["status"]) == (201, 204)  # created, then replaced
    assert count(server, graph) == after_first == len(rdf.triples(data_graph))
    push(tiny_graph, f"{server}/store", graph)  # a smaller graph replaces, never adds
    assert count(server, graph) == len(rdf.triples(tiny_graph))


def test_done_when_query_on_the_server(server, seeds_graph):
    graph = "https://example.org/graphs/seeds"
    push(seeds_graph, f"{server}/store", graph)
    assert remote_select(server, sparql.with_prefixes(DONE_WHEN), graph) == [{"slug": "model-robustness"}]


def test_cli_push(server, tiny_corpus, tmp_path):
    graph = "https://example.org/graphs/cli"
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path), "push", "--endpoint",
                                  f"{server}/store", "--graph", graph, "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["graph"] == graph and out["status"] == 201 and out["triples"] == count(server, graph)
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path), "push", "--endpoint",
                                  f"{server}/store", "--graph", graph, "--base-iri", "https://example.org/kg/"])
    assert r.exit_code == 0 and r.output.startswith(f"pushed {out['triples']} triples into <{graph}>")
    rows = remote_select(server, "SELECT ?t WHERE { ?t <http://www.w3.org/2004/02/skos/core#notation> \"alpha\" }",
                         graph)
    assert rows == [{"t": "https://example.org/kg/topic/alpha"}]


def test_http_4xx_from_the_server(server, tiny_graph):
    with pytest.raises(PushError, match=r"answered HTTP 404 Not Found"):
        push(tiny_graph, f"{server}/no-such-service")


# ------------------------------------------------------ errors, no server --

def test_refused_connection_is_a_clean_error(tiny_graph, tiny_corpus, tmp_path):
    port = free_port()  # nothing listens there any more
    with pytest.raises(PushError, match=rf"cannot connect to http://127.0.0.1:{port}/store: connection refused"):
        push(tiny_graph, f"http://127.0.0.1:{port}/store", timeout=5)
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path), "push", "--endpoint",
                                  f"http://127.0.0.1:{port}/store"])
    assert r.exit_code == 1
    assert r.output.startswith("Error: cannot connect to") and "Traceback" not in r.output


class _Failing(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_PUT(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Failing.seen.append(dict(self.headers))
        body = b"store is on fire"
        self.send_response(500, "Internal Server Error")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_http_5xx_and_credentials_are_never_echoed(tiny_graph):
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Failing)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}/store"
        env = {"PICKGRAPH_PUSH_USER": "ann", "PICKGRAPH_PUSH_PASSWORD": "hunter2-secret"}
        with pytest.raises(PushError) as exc:
            push(tiny_graph, url, env=env, timeout=5)
        assert str(exc.value) == f"{url} answered HTTP 500 Internal Server Error to the PUT: store is on fire"
        assert _Failing.seen[-1]["Authorization"] == "Basic YW5uOmh1bnRlcjItc2VjcmV0"  # sent...
        assert "hunter2" not in str(exc.value)  # ...never shown
        token_env = {"PICKGRAPH_PUSH_TOKEN": "tok-123"}
        with pytest.raises(PushError):
            push(tiny_graph, url, env=token_env, timeout=5)
        assert _Failing.seen[-1]["Authorization"] == "Bearer tok-123"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_credentials_in_the_url_are_refused_unechoed(tiny_graph):
    with pytest.raises(PushError) as exc:
        push(tiny_graph, "http://ann:hunter2-secret@127.0.0.1:1/store")
    assert "carries credentials" in str(exc.value) and "hunter2" not in str(exc.value)


def test_a_store_that_never_answers_times_out(tiny_graph):
    with socket.socket() as listener:  # accepts connections (kernel backlog) but never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/store"
        with pytest.raises(TimedOut, match=r"^no complete answer from .* within 0.5 s \(timeout\)"):
            push(tiny_graph, url, timeout=0.5)


def test_bad_endpoint_and_graph(tiny_graph):
    with pytest.raises(PushError, match="http:// or https://"):
        push(tiny_graph, "ftp://example.org/store")
    with pytest.raises(rdf.BadIRI):
        push(tiny_graph, "http://127.0.0.1:1/store", graph_iri="not an iri")


def test_oxigraph_cli_syntax_is_what_the_fixture_uses():
    out = subprocess.run([str(OXIGRAPH), "serve", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--location" in out and "--bind" in out
    assert os.access(OXIGRAPH, os.X_OK)


def test_skos_related_on_the_oxigraph_server_without_inference(server, tiny_graph):
    """A SKOS-only query answers on a plain store: skos:related is written, both ways (issue 15)."""
    from test_skos_prov import RELATED_QUERY, TINY_PAIRS

    graph = "https://example.org/graphs/skos"
    push(tiny_graph, f"{server}/store", graph)
    rows = remote_select(server, RELATED_QUERY, graph)
    assert {(r["a"], r["b"]) for r in rows} == TINY_PAIRS and len(rows) == len(TINY_PAIRS) == 20

# ------------------------------------------- replies that are not "stored" --

class RawStore:
    """A store on 127.0.0.1 that reads each request whole, then answers with ``reply(conn)``: any bytes, any pace."""

    def __init__(self, reply):
        self.reply, self.requests, self.heads = reply, [], []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/store"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    head += chunk
                head, _, body = head.partition(b"\r\n\r\n")
                length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), b"0"))
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append((head.split(b" ")[0].decode(), body))
                self.heads.append(head.decode("latin-1"))
                try:
                    self.reply(conn)
                except OSError:  # the client gave up: fine
                    pass

    def close(self):
        self.listener.close()


@pytest.fixture
def raw_store():
    stores = []

    def make(reply):
        stores.append(RawStore(reply))
        return stores[-1]

    yield make
    for s in stores:
        s.close()


def trickle(conn):
    for byte in b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n":
        conn.sendall(bytes([byte]))
        time.sleep(2)


def test_one_deadline_for_the_whole_push_even_when_the_store_trickles(raw_store, tiny_graph, tiny_corpus, tmp_path):
    store = raw_store(trickle)  # a byte every 2 s: no single read ever waits 3 s
    t = time.monotonic()
    with pytest.raises(TimedOut, match=rf"^no complete answer from {store.url} within 3 s \(timeout\)"):
        push(tiny_graph, store.url, timeout=3)
    assert 2.9 < time.monotonic() - t < 4.0
    t = time.monotonic()
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path), "push", "--endpoint",
                                  store.url, "--timeout", "3"])
    assert time.monotonic() - t < 4.5  # the build of the tiny corpus included
    assert r.exit_code == EXIT_TIMEOUT == 5
    assert r.output.startswith("Error: no complete answer from") and "pushed" not in r.output
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("answer, message", [
    (b"garbage\r\n\r\n", r"sent a malformed reply \(illegal status line"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly ten..", r"sent a malformed reply \(peer closed connection without sending complete message body \(received 10 bytes, expected 50\)\)$"),
    (b"", r"closed the connection without a complete answer"),
    (b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
     r"answered HTTP 202 Accepted to the PUT \(not one of 200, 201, 204: the store did not say it stored the graph\)"),
    (b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/store\r\nContent-Length: 0\r\n\r\n",
     r"answered HTTP 302 Found to the PUT \(it moved to http://elsewhere.example/store: push there\)"),
])
def test_a_reply_that_is_not_stored_is_an_error(raw_store, tiny_graph, answer, message):
    store = raw_store(lambda conn: conn.sendall(answer))
    with pytest.raises(PushError, match=message):
        push(tiny_graph, store.url, timeout=10)


def test_cli_prints_pushed_only_after_a_stored_reply(raw_store, tiny_corpus, tmp_path):
    accepted = raw_store(lambda conn: conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    args = ["--corpus", str(tiny_corpus), "--out", str(tmp_path), "push", "--endpoint"]
    r = CliRunner().invoke(main, args + [accepted.url])
    assert r.exit_code == 1 and "pushed" not in r.output and "HTTP 202 Accepted" in r.output
    created = raw_store(lambda conn: conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"))
    r = CliRunner().invoke(main, args + [created.url])
    assert r.exit_code == 0 and r.output.startswith("pushed ") and r.output.rstrip().endswith("(HTTP 201)")


@pytest.mark.parametrize("endpoint, reason", [
    ("http://[::1", "is not a URL: Invalid IPv6 URL"),
    ("http://127.0.0.1:99999/store", "is not a URL: Port out of range 0-65535"),
    ("http://127.0.0.1:port/store", "is not a URL: Port could not be cast to integer value"),
    ("http:///store", "must be an http:// or https:// URL"),
    ("http://127.0.0.1/store#frag", "a #fragment or a space"),
])
def test_bad_endpoint_is_one_line_before_any_work(endpoint, reason, tiny_graph, tmp_path):
    with pytest.raises(PushError, match=re.escape(reason)):
        push(tiny_graph, endpoint)
    # no --corpus and an empty out folder: the endpoint is refused before any build is looked for
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "push", "--endpoint", endpoint])
    assert r.exit_code == EXIT_USAGE == 2
    assert "Invalid value for '--endpoint'" in r.output and reason in r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()


# ----------------------------------------------------------------- batches --

def test_batches_replace_then_add(raw_store, tiny_graph):
    store = raw_store(lambda conn: conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n"))
    body = syntaxes.serialize(tiny_graph, "ntriples")
    n = body.count(b"\n")
    result = push(tiny_graph, store.url, batch_size=10, timeout=10)
    assert result["triples"] == n and result["requests"] == -(-n // 10) and result["status"] == 204
    methods = [m for m, _ in store.requests]
    assert methods == ["PUT"] + ["POST"] * (len(methods) - 1)
    assert [b.count(b"\n") for _, b in store.requests] == [10] * (n // 10) + ([n % 10] if n % 10 else [])
    sent = b"".join(b for _, b in store.requests)
    assert sorted(sent.splitlines()) == body.splitlines()  # the export's lines, each once


def test_a_failed_batch_says_how_much_arrived(raw_store, tiny_graph):
    answers = iter([b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                    b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!"])
    store = raw_store(lambda conn: conn.sendall(next(answers)))
    total = syntaxes.serialize(tiny_graph, "ntriples").count(b"\n")
    with pytest.raises(PushError, match=rf"answered HTTP 413 Payload Too Large to the POST: too big!; "
                                        rf"the graph now holds 10 of {total} triples: push again$"):
        push(tiny_graph, store.url, batch_size=10, timeout=10)


def test_batched_push_to_oxigraph_equals_one_put(server, data_graph, tiny_graph):
    graph = "https://example.org/graphs/batched"
    n = len(rdf.triples(data_graph))
    result = push(data_graph, f"{server}/store", graph, batch_size=700)
    assert result["requests"] == -(-n // 700) and result["triples"] == n
    assert count(server, graph) == n
    rows = remote_select(server, sparql.with_prefixes(sparql.bundled_queries()["win-loss"]), graph)
    assert canonical(rows) == canonical(sparql.select(data_graph, sparql.bundled_queries()["win-loss"]))
    push(tiny_graph, f"{server}/store", graph, batch_size=7)  # replaces, never adds
    assert count(server, graph) == len(rdf.triples(tiny_graph))


def test_pushed_lines_are_the_ntriples_export_each_once(data_graph):
    from graph.sparql.push import ntriples

    lines = bytes(ntriples(data_graph)).splitlines(keepends=True)
    assert len(lines) == len(set(lines)) == len(rdf.triples(data_graph))
    assert sorted(lines) == syntaxes.serialize(data_graph, "ntriples").splitlines(keepends=True)


def test_digest_answers_the_challenge_and_a_stale_nonce(raw_store, tiny_graph):
    challenge = 'WWW-Authenticate: Digest realm="SPARQL", nonce="{}", qop="auth", algorithm="MD5"{}\r\n'
    # each answer says "Connection: close", as RawStore closes after one reply: a kept-alive
    # connection closed under httpx would be retried, and the retry rightly counts nc up once more
    answers = iter(a.replace("Content-Length: 0", "Connection: close\r\nContent-Length: 0") for a in [
        "HTTP/1.1 401 Unauthorized\r\n" + challenge.format("n1", "") + "Content-Length: 0\r\n\r\n",  # HEAD
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",  # HEAD again, answered: no such graph yet
        "HTTP/1.1 401 Unauthorized\r\n" + challenge.format("n2", ", stale=true") + "Content-Length: 0\r\n\r\n",
        "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
    ])
    store = raw_store(lambda conn: conn.sendall(next(answers).encode()))
    env = {"PICKGRAPH_PUSH_USER": "dba", "PICKGRAPH_PUSH_PASSWORD": "pw", "PICKGRAPH_PUSH_AUTH": "digest"}
    result = push(tiny_graph, store.url, env=env, timeout=10)
    assert result["status"] == 201 and [m for m, _ in store.requests] == ["HEAD", "HEAD", "PUT", "PUT"]
    auth = [re.search(r"(?m)^Authorization: (.*)$", h) for h in store.heads]
    assert auth[0] is None  # nothing to answer yet, and no password in any form
    seen = [(re.search(r'nonce="(\w+)"', a[1])[1], re.search(r"nc=(\w+)", a[1])[1]) for a in auth[1:]]
    assert seen == [("n1", "00000001"), ("n1", "00000002"), ("n2", "00000001")]
    assert all('username="dba"' in a[1] and "pw" not in a[1] for a in auth[1:])
    assert [len(b) for _, b in store.requests][:2] == [0, 0]  # the body went only with an answered challenge
