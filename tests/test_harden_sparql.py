"""SPARQL that cannot reach the network, in bounded query processes (issue #24 items 1, 6, 7b, 8d; #25 item 6).

Real processes throughout: ``pickgraph sparql`` and ``pickgraph serve`` as subprocesses, a stub SPARQL
endpoint on 127.0.0.1 that records every request it gets, and the query runner's own worker processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import threading
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servehelp import PICKGRAPH, ROOT, Server
from stubs import sparql_stub

from graph.sparql import run as sparql
from graph.errors import EXIT_TIMEOUT
from graph.serve.state import store_path

Q = urllib.parse.quote
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
#: grows a string 20-fold seven times over (40 × 20⁷ characters): memory, fast, on any data
BLOWUP = '"' + "a" * 40 + '"'
for _ in range(7):
    BLOWUP = f'REPLACE({BLOWUP}, "a", "{"a" * 20}")'
BLOWUP = f"SELECT (STRLEN({BLOWUP}) AS ?n) WHERE {{}}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# ------------------------------------------------------------ the stub --

#: the paths the stub endpoint was asked for: a test compares its length before and after
STUB_HITS: list[str] = []


@pytest.fixture(scope="module")
def stub():
    """An endpoint that answers one row with a secret, as an internal service would."""
    secret = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"SECRET"}}]}}'
    with sparql_stub("/admin", STUB_HITS, secret) as url:
        yield url


def cli(out: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*PICKGRAPH, "--out", str(out), "sparql", *args], cwd=ROOT, env=ENV, capture_output=True,
                          text=True, timeout=timeout)


# ---------------------------------------------------- 1: SERVICE refusal --

#: SERVICE glued to the token before it: a literal, a number, a language tag (React's label is "React"@en)
GLUED = [
    'SELECT * WHERE { ?t skos:prefLabel "React"@en.SERVICE <{ep}> { ?s ?p ?o } }',
    'SELECT * WHERE { ?t skos:prefLabel "React"@en.sErViCe SILENT <{ep}>{} }',
    'SELECT * WHERE { ?t skos:prefLabel "React"@en.\\u0053ERVICE <{ep}> { ?s ?p ?o } }',
    'SELECT * WHERE { { { ?t skos:prefLabel "React"@en.SERVICE#x\n<{ep}> { ?s ?p ?o } } } }',
]


@pytest.mark.parametrize("query", GLUED)
def test_cli_refuses_glued_service_and_the_stub_is_never_reached(query, stub, data_out):
    query = query.replace("{ep}", stub)
    before = len(STUB_HITS)
    r = cli(data_out, query, "--format", "csv")
    assert len(STUB_HITS) == before, "the query reached the stub endpoint"
    assert "SECRET" not in r.stdout + r.stderr
    assert r.returncode == 1, r.stderr
    assert re.fullmatch(r"Error: the query (calls a remote endpoint \(SERVICE <http://127\.0\.0\.1:\d+/admin>\)|"
                        r"mentions SERVICE and the offline check cannot parse it \(.*\)); queries run offline "
                        r"unless allowed \(--allow-service, or allow_service=True\)\n", r.stderr), r.stderr


def test_serve_refuses_glued_service_and_the_stub_is_never_reached(stub, data_out):
    with Server(data_out, "--time-limit", "20") as s:
        for query in GLUED[:3]:
            before = len(STUB_HITS)
            status, err = s.get(f"/sparql?query={Q(query.replace('{ep}', stub))}")
            assert len(STUB_HITS) == before, query
            assert status == 400 and err["kind"] == "query_refused", err
            assert err["error"] == f"SERVICE is refused (SERVICE <{stub}>): this endpoint queries only its own " \
                                   "graph, never another endpoint"
        # what the check lets through, the query processes still answer
        status, body = s.get(f"/sparql?query={Q('SELECT ?service WHERE { ?service skos:notation ?n } LIMIT 1')}")
        assert status == 200 and len(body["results"]["bindings"]) == 1


def test_no_other_form_calls_out(stub, tiny_graph):
    # FROM / FROM NAMED name graphs of the store, they are not fetched; LOAD and other updates are refused
    store = sparql.load_store(tiny_graph)
    before = len(STUB_HITS)
    for query in (f"SELECT * FROM <{stub}> WHERE {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <{stub}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                  f"DESCRIBE <{stub}>", f"ASK {{ <{stub}> ?p ?o }}"):
        sparql.select(store, query) if query.startswith("SELECT") else sparql.run(store, query)
    for update in (f"LOAD <{stub}>", f"LOAD SILENT <{stub}> INTO GRAPH <x:g>"):
        with pytest.raises(sparql.SparqlError, match=r"^SPARQL syntax error: .*\(updates are not allowed"):
            sparql.run(store, update, timeout=30)
    assert len(STUB_HITS) == before


def _store_of_literals():
    """A store where ``?s ?p 1``, ``?s ?p "x"@en`` and ``?s ?p true`` all match, so a glued SERVICE is reached."""
    store = ox.Store()
    s, p = ox.NamedNode("x:s"), ox.NamedNode("x:p")
    for o in (ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
              ox.Literal("x", language="en"), ox.Literal("true", datatype=ox.NamedNode(
                  "http://www.w3.org/2001/XMLSchema#boolean")), ox.NamedNode("x:o")):
        store.add(ox.Quad(s, p, o))
    return store


def _escaped(word: str, which: list[bool]) -> str:
    return "".join(f"\\u{ord(c):04X}" if esc else c for c, esc in zip(word, which))


@st.composite
def service_queries(draw) -> str:
    """SERVICE written every way the grammar allows near it: glued, commented, escaped, nested."""
    word = "".join(c.upper() if up else c for c, up in zip("service", draw(st.lists(st.booleans(), min_size=7,
                                                                                  max_size=7))))
    if draw(st.booleans()):
        word = _escaped(word, draw(st.lists(st.booleans(), min_size=7, max_size=7)))
    before = draw(st.sampled_from(["?s ?p ?o .", "?s ?p ?o.", "?s ?p 1.", '?s ?p "x"@en.', "?s ?p true.",
                                   "?s ?p <x:o>.", "?s ?p ?o #c\n", "?s ?p ?o .#c\r", "{}", "?s ?p ?o FILTER(1)",
                                   "OPTIONAL{?s ?p ?o}", "?s ?p ?o . BIND(1 AS ?b)", ""]))
    gap = draw(st.sampled_from(["", " ", "\n", "\t", "#c\n", " SILENT ", "\r", "/**/"]))
    ep = draw(st.sampled_from(["<{ep}>", "<\\u0068{ep}>"]))  # the IRI's "h" escaped, or not
    pattern = f"{before}{word}{gap}{ep}{draw(st.sampled_from(['{}', '{ ?a ?b ?c }', '{?s ?p ?o}']))}"
    for wrap in draw(st.lists(st.sampled_from(["{ %s }", "OPTIONAL { %s }", "{ %s } UNION { }",
                                               "FILTER EXISTS { %s }", "MINUS { %s }", "{ SELECT * { %s } }",
                                               "GRAPH ?g { %s }"]), max_size=3)):
        pattern = wrap % pattern
    return f"SELECT * WHERE {{ ?s ?p ?o {pattern} }}"


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=service_queries())
def test_fuzz_no_service_form_reaches_the_stub(stub, query):
    store = _store_of_literals()
    query = query.replace("\\u0068{ep}", "\\u0068" + stub[1:]).replace("{ep}", stub)
    before = len(STUB_HITS)
    try:
        sparql.select(store, query)  # in this process: the check alone stands between the query and the stub
    except sparql.ServiceRefused:
        pass
    except sparql.SparqlError as exc:  # a form Oxigraph itself does not read
        assert "syntax error" in str(exc) or "cannot run" in str(exc), exc
    assert len(STUB_HITS) == before, f"{query!r} reached the stub"


def test_the_check_is_not_fooled_where_oxigraph_calls_out(stub):
    # the other way round: each form here is one Oxigraph really calls (allowed), and the check refuses it
    store = _store_of_literals()
    for before in ("?s ?p 1.", '?s ?p "x"@en.', "?s ?p true.", "{}", "?s ?p ?o#c\n"):
        query = f"SELECT * WHERE {{ {before}SERVICE <{stub}> {{}} }}"
        n = len(STUB_HITS)
        sparql.select(store, query, allow_service=True)
        assert len(STUB_HITS) == n + 1, query
        with pytest.raises(sparql.ServiceRefused):
            sparql.check_query(query)


# ------------------------------------------- 1b: no network in the child --

def test_a_query_process_cannot_connect_even_when_the_check_is_bypassed(stub):
    from graph.sparql.sandbox import network_isolation
    from graph.build.workers import call_in_child

    assert network_isolation()  # this machine allows it (root, or user namespaces)
    port = int(urllib.parse.urlsplit(stub).port)
    store = _store_of_literals()
    query = f"SELECT * WHERE {{ SERVICE <{stub}> {{ ?s ?p ?o }} }}"
    before = len(STUB_HITS)

    def connect() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return b"connected"

    def query_it() -> bytes:  # no check here: straight to Oxigraph, as a check that missed would let it
        return repr(list(store.query(query))).encode()

    from graph.sparql.sandbox import confine  # the setup of every query child (sparql._within)

    for task in (connect, query_it):
        with pytest.raises((OSError, sparql.SparqlError)) as exc:
            call_in_child(task, 30, setup=lambda: confine(None, network=False))
        assert "SECRET" not in str(exc.value)
    assert len(STUB_HITS) == before
    # the same child with the network left on does reach it: the test can fail
    assert call_in_child(connect, 30, setup=lambda: confine(None, network=True)) == b"connected"


def test_serve_query_processes_live_in_a_network_namespace_of_their_own(data_out):
    with Server(data_out, "--query-workers", "1", "--time-limit", "60") as s:
        assert s.get(f"/sparql?query={Q('ASK { ?s ?p ?o }')}")[0] == 200  # so its one process is past its start
        workers = _query_processes(s.proc.pid)
        assert len(workers) == 1
        ours = os.readlink("/proc/self/ns/net")
        assert os.readlink(f"/proc/{s.proc.pid}/ns/net") == ours
        assert all(os.readlink(f"/proc/{w}/ns/net") != ours for w in workers)
        assert not any("network namespace" in line for line in s.log)


def _query_processes(pid: int) -> list[int]:
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in children if b"spawn_main(" in Path(f"/proc/{c}/cmdline").read_bytes()]


# ------------------------------------------------------- 6: memory limit --

def test_cli_stops_a_query_at_its_memory_limit(data_out):
    r = cli(data_out, BLOWUP, "--memory", "200")
    assert r.returncode == EXIT_TIMEOUT == 5, r.stderr
    assert r.stderr == "Error: the query needed more than 200 MB of memory and was stopped; give it more with " \
                       "--memory MB, or narrow it\n"
    assert r.stdout == ""


def test_serve_stops_a_query_at_its_memory_limit_and_replaces_the_process(data_out):
    with Server(data_out, "--query-workers", "1", "--query-memory", "200", "--time-limit", "60") as s:
        status, err = s.get(f"/sparql?query={Q(BLOWUP)}")
        assert status == 400 and err["kind"] == "query_too_big", err
        assert err["error"] == "the query needed more than 200 MB of memory and was stopped; give it more with " \
                               "serve --query-memory MB, or narrow it"
        status, body = s.get(f"/sparql?query={Q('ASK { ?s a pg:Topic }')}")
        assert status == 200 and body["boolean"] is True
        assert len(_query_processes(s.proc.pid)) == 1


# ---------------------------------------------------- 7b: parser limits --

@pytest.mark.parametrize("opening, closing", [("{", "}"), ("(", ")"), ("[ ?p ", "]")])
def test_pathological_nesting_is_one_line_not_a_segfault(data_out, opening, closing):
    depth = 5000
    body = {"{": "{" * depth + "}" * depth, "(": "FILTER(" + "(" * depth + "1" + ")" * depth + ")",
            "[ ?p ": "?s ?p " + "[ ?p " * depth + "1" + "]" * depth}[opening]
    query = f"SELECT * WHERE {{ {body} }}"
    r = cli(data_out, query, "--timeout", "0")
    assert r.returncode == 5, (r.returncode, r.stderr[-300:])
    assert r.stderr == f"Error: the query nests brackets {depth + 1 + (opening == '(')} deep; at most 100 levels " \
                       "are taken\n"


def test_a_crashed_query_process_is_one_line():
    from graph.build.workers import ChildDied, call_in_child

    def crash() -> bytes:
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)  # no faulthandler (pytest's): a plain crash
        os.kill(os.getpid(), signal.SIGSEGV)
        return b""

    with pytest.raises(ChildDied) as exc:
        call_in_child(crash, 30)
    assert exc.value.code == -signal.SIGSEGV
    assert str(sparql.query_died(exc.value.code, exc.value.stderr, None, "--memory MB")) == \
        "the query process ended unexpectedly (signal 11 (SIGSEGV)); the query was not answered"


# ------------------------------------------------------ 8d: 503 honesty --

def test_a_query_that_only_waited_is_told_the_server_was_busy(tmp_path, tiny_graph):
    from graph.serve.runner import QueryRunner, QueryTimedOut, ServerBusy

    db = store_path(tiny_graph, tmp_path / "graph-x.pickle", sparql.DEFAULT_BASE)
    runner = QueryRunner(workers=1, time_limit=3, slow_after=1000)  # one process, no spare

    async def scenario():
        ask = "ASK { ?s ?p ?o }"
        while True:  # the process is up: its start-up is no part of what follows
            try:
                await runner.run(str(db), ask, [], sparql.DEFAULT_BASE)
                break
            except ServerBusy:
                pass
        # the runaway's process is replaced when it is stopped; a process now starts in well under the 0.1 s
        # by which the quick query's wait outlasts the runaway, so the replacement is held back: the quick
        # query can only wait
        runner._start = lambda: None
        tasks = [asyncio.ensure_future(runner.run(str(db), RUNAWAY, [], sparql.DEFAULT_BASE))]
        await asyncio.sleep(0.1)
        tasks.append(asyncio.ensure_future(runner.run(str(db), ask, [], sparql.DEFAULT_BASE)))
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        runaway, quick = asyncio.run(scenario())
    finally:
        runner.close()
    assert type(runaway) is QueryTimedOut
    assert str(runaway) == "the query ran past the time limit of 3 s and was stopped"
    # it waited behind the runaway and never had a process before its own 3 s ran out
    assert type(quick) is ServerBusy
    assert str(quick) == "the server is busy: the query waited 3 s for a free query process and never ran; try again"


def test_serve_a_query_queued_behind_runaways_never_hears_it_ran_too_long(data_out):
    # one process, and a spare once the first query has run a second: two runaways fill both and the quick
    # query waits. It either gets the process that replaces the first runaway (and its own time) or is told
    # the server was busy: never that it "ran past the time limit", which it did not
    with Server(data_out, "--query-workers", "1", "--time-limit", "3") as s:
        assert s.get(f"/sparql?query={Q('ASK { ?s ?p ?o }')}", timeout=60)[0] in (200, 503)  # up
        answers: dict[str, tuple] = {}

        def ask(name: str, query: str) -> None:
            answers[name] = s.get(f"/sparql?query={Q(query)}")

        threads = [threading.Thread(target=ask, args=("a", RUNAWAY)),
                   threading.Thread(target=ask, args=("b", RUNAWAY.replace("?l }", "?l . ?m ?n ?q }"))),
                   threading.Thread(target=ask, args=("quick", "ASK { ?s a pg:Topic }"))]
        for t in threads:
            t.start()
            threading.Event().wait(0.1)
        for t in threads:
            t.join(60)
    assert answers["a"] == (503, {"error": "the query ran past the time limit of 3 s and was stopped", "exit_code": 5,
                                  "kind": "query_timed_out"})
    assert answers["quick"] in [(200, {"head": {}, "boolean": True}), (503, {
        "error": "the server is busy: the query waited 3 s for a free query process and never ran; try again",
        "exit_code": 5, "kind": "server_busy"})]


# ----------------------------------------------- #25: set semantics --

def test_counts_agree_with_rdflib_loading_the_turtle_export(data_out, tmp_path):
    import rdflib

    g = rdflib.Graph()
    g.parse(data_out / "pickgraph.ttl", format="turtle")
    pfx = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sparql.prefixes().items())

    def ours(query: str, *args: str) -> list:
        r = cli(data_out, query, "--format", "json", *args)
        assert r.returncode == 0, r.stderr
        return _canon(sparql.parse_results(r.stdout))

    def theirs(query: str, **bind) -> list:
        res = g.query(pfx + query, initBindings=bind)
        return _canon([{str(v): str(row[v]) for v in res.vars if row[v] is not None} for row in res])

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert ours(count) == theirs(count) == [(("n", str(len(g))),)]
    related = "SELECT ?o WHERE { topic:react skos:related ?o }"
    assert ours(related) == theirs(related) and len(ours(related)) == 4
    react = rdflib.URIRef(sparql.topic_iri("react", sparql.DEFAULT_BASE))
    for name, text in sparql.bundled_queries().items():
        bound = ("--topic", "topic=react") if name in ("topic-comparisons", "also-compare") else ()
        got = ours(f"@{name}", *bound)
        assert got == theirs(text, **({"topic": react} if bound else {})), name
        assert got, name
    # the named graphs still tell which page said what
    per_page = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?c pg:pick ?w } }"
    assert int(ours(per_page)[0][0][1]) == len(list(g.subjects(rdflib.URIRef(sparql.PREFIXES["pg"] + "pick"))))


def _canon(rows: list[dict]) -> list:
    """Rows as sorted tuples; GROUP_CONCAT's order is the engine's own, so its parts are sorted."""
    out = []
    for row in rows:
        out.append(tuple(sorted((k, " ".join(sorted(v.split())) if k == "via" else v) for k, v in row.items())))
    return sorted(out)


def test_every_way_of_making_a_store_holds_the_same_quads(data_out, data_graph, tmp_path):
    from graph.sparql.store import Export, write_trig_of_export, write_trig_of_graph

    record = json.loads((data_out / "pickgraph-build.json").read_text())["files"]["pickgraph.ttl"]
    export = Export(data_out / "pickgraph.ttl", int(record["bytes"]), record["sha256"])
    stores = []
    for write in (lambda fh: write_trig_of_export(export, sparql.DEFAULT_BASE, fh),
                  lambda fh: write_trig_of_graph(data_graph, sparql.DEFAULT_BASE, fh)):
        import io

        buf = io.BytesIO()
        write(buf)
        stores.append(set(ox.parse(buf.getvalue(), format=ox.RdfFormat.TRIG)))
    assert stores[0] == stores[1]
    default = {q.triple for q in stores[0] if isinstance(q.graph_name, ox.DefaultGraph)}
    named = {q.triple for q in stores[0] if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert default == named and default
