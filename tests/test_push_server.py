"""Push to a REAL SPARQL server (the oxigraph server from PyPI) and query it over the SPARQL protocol.

The server runs on 127.0.0.1 and a free port for this module and is stopped at teardown.
Also: the errors of ``push`` against a closed port, HTTP errors and a store that never answers.
"""

from __future__ import annotations

import http.server
import json
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

from graph import sparql
from graph.rdf import mapping as rdf
from graph.rdf import syntaxes
from graph.cli import main
from graph.push import PushError, default_graph_iri, push

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
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
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
        return sparql.parse_results(resp.read(), "json")


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
    assert result == {"endpoint": f"{server}/store", "graph": graph, "triples": n, "status": 201}
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
        assert str(exc.value) == f"{url} answered HTTP 500 Internal Server Error: store is on fire"
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
        with pytest.raises(PushError, match=r"no answer from .* within 0.5 s \(timeout\)"):
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
