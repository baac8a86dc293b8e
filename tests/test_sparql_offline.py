"""``sparql`` stays offline and inside its time: SERVICE refused (and detected as Oxigraph parses it),
runaway queries stopped, bad base IRIs refused up front; typed values and DataFrames for Python users."""

from __future__ import annotations

import datetime
import decimal
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import free_port
from stubs import sparql_stub

from graph.sparql import run as sparql
from graph.rdf import mapping as rdf
from graph.cli import main
from graph.errors import EXIT_ERROR, EXIT_TIMEOUT, EXIT_USAGE, TimedOut

Q = sparql.bundled_queries()
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # a cartesian product


# ------------------------------------------------------------- SERVICE --

CALLS = [  # (query, what SERVICE calls it makes; None: rdflib's parser cannot read it, so it is refused unread)
    ("SELECT * WHERE { SERVICE <{ep}> { ?s ?p ?o } }", ["<{ep}>"]),
    ("select * where { service silent <{ep}> { ?s ?p ?o } }", ["<{ep}>"]),
    ("SELECT * WHERE { ?x ?y ?z .SERVICE <{ep}> { ?s ?p ?o } }", ["<{ep}>"]),
    ("SELECT * WHERE {\nSERVICE\n<{ep}>\n{ ?s ?p ?o } }", ["<{ep}>"]),
    ("PREFIX ex: <http://example.org/>\nSELECT * WHERE { OPTIONAL { ?x ex:a\\# ?y } SERVICE <{ep}> { ?s ?p ?o } }",
     None),
    ("SELECT * WHERE { OPTIONAL { ?x ?y 'it\\'s' } SERVICE <{ep}> { ?s ?p ?o } }", ["<{ep}>"]),
    ("SELECT * WHERE { ?x ?y ?z FILTER (?y < ?z || EXISTS { SERVICE <{ep}> { ?s ?p ?o } }) }", ["<{ep}>"]),
    # an escape inside an IRI must not end it early, nor turn its '#' into a comment hiding the rest of the line
    ("SELECT * WHERE { OPTIONAL { ?x <http://x/\\u0041#> ?y } SERVICE <{ep}> { ?s ?p ?o } }", None),
]
NOT_CALLS = [  # the word, where it is no keyword
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:service ?o }",
    "PREFIX service: <http://example.org/>\nSELECT * WHERE { ?s service:x ?o }",
    "PREFIX ex.service: <http://example.org/>\nSELECT * WHERE { ?s ex.service:x ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <{ep}> { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p \"SERVICE <{ep}> {{ }}\" }",
    "SELECT * WHERE { ?s ?p '''\nSERVICE <{ep}> { ?s ?p ?o }\n''' }",
    "SELECT * WHERE { ?s ?p \"a \\\" SERVICE <{ep}> {{}}\" }",
    "SELECT * WHERE { ?s <{ep}/SERVICE> ?o }",
]


#: the paths the stub endpoint was asked for: a test compares its length before and after
ENDPOINT_HITS: list[str] = []


@pytest.fixture(scope="module")
def endpoint():
    with sparql_stub("/sparql", ENDPOINT_HITS) as url:
        yield url


@pytest.mark.parametrize("query, calls", CALLS)
def test_service_is_found_and_refused(query, calls, endpoint, tiny_graph):
    query = query.replace("{ep}", endpoint)
    before = len(ENDPOINT_HITS)
    if calls is None:
        with pytest.raises(sparql.ServiceRefused, match=r"^the query mentions SERVICE and the offline check cannot "
                                                        r"parse it \(.*\); queries run offline unless allowed"):
            sparql.select(tiny_graph, query)
    else:
        assert sparql.service_calls(query) == [c.replace("{ep}", endpoint) for c in calls]
        with pytest.raises(sparql.SparqlError, match=r"^the query calls a remote endpoint \(SERVICE <http://127"):
            sparql.select(tiny_graph, query)
    assert len(ENDPOINT_HITS) == before
    # what the detector calls a SERVICE call, Oxigraph really makes
    sparql.select(tiny_graph, query, allow_service=True)
    assert len(ENDPOINT_HITS) > before


@pytest.mark.parametrize("query", NOT_CALLS)
def test_the_word_elsewhere_is_no_service(query, endpoint, tiny_graph):
    query = query.replace("{ep}", endpoint)
    assert sparql.service_calls(query) == []
    before = len(ENDPOINT_HITS)
    sparql.select(tiny_graph, query, timeout=30)  # runs, and Oxigraph calls no one either
    assert len(ENDPOINT_HITS) == before


def test_cli_refuses_service_then_allows_it(tiny_corpus, tmp_path, endpoint):
    args = ["--corpus", str(tiny_corpus), "--out", str(tmp_path / "out"), "sparql"]
    query = f"SELECT ?s WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    r = CliRunner().invoke(main, args + [query])
    assert r.exit_code == EXIT_ERROR == 1
    assert r.output == (f"Error: the query calls a remote endpoint (SERVICE <{endpoint}>); queries run offline "
                        "unless allowed (--allow-service, or allow_service=True)\n")
    before = len(ENDPOINT_HITS)
    r = CliRunner().invoke(main, args + [query, "--allow-service", "-f", "csv"])
    assert r.exit_code == 0 and r.stdout_bytes == b"s\r\n" and len(ENDPOINT_HITS) == before + 1


def test_a_refused_service_is_one_line(tiny_corpus, tmp_path):
    query = f"SELECT ?s WHERE {{ SERVICE <http://127.0.0.1:{free_port()}/sparql> {{ ?s ?p ?o }} }}"
    for timeout in ("30", "0"):  # in a child process, and in this one
        r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path / "out"), "sparql",
                                      query, "--allow-service", "--timeout", timeout])
        assert r.exit_code == 1, r.output
        assert r.output == "Error: the query failed: Connection refused (os error 111)\n"


# ------------------------------------------------------------ time limit --

def _children(pid: int | None = None) -> set[int]:
    """The child processes of ``pid`` (this process by default), over all its threads; a thread that
    ends while they are read has none left to count, nor has a process that ends."""
    pids: set[int] = set()
    try:
        tasks = list(Path(f"/proc/{pid or os.getpid()}/task").iterdir())
    except FileNotFoundError:
        return pids
    for task in tasks:
        try:
            pids |= {int(p) for p in (task / "children").read_text().split()}
        except FileNotFoundError:
            pass
    return pids


def test_a_runaway_query_is_stopped_at_its_deadline(data_graph):
    store = sparql.load_store(data_graph)
    before = _children()
    t = time.monotonic()
    with pytest.raises(TimedOut, match=r"^the query ran longer than 1 s and was stopped; give it more time"):
        sparql.select(store, RUNAWAY, timeout=1)
    assert 0.9 < time.monotonic() - t < 2.5
    assert _children() == before  # killed and reaped: no process left behind


def test_cli_timeout_exit_status(tiny_corpus, tmp_path):
    args = ["--corpus", str(tiny_corpus), "--out", str(tmp_path / "out"), "sparql"]
    t = time.monotonic()
    r = CliRunner().invoke(main, args + [RUNAWAY.replace("?j ?k ?l", "?j ?k ?l . ?m ?n ?q"), "--timeout", "1"])
    assert r.exit_code == EXIT_TIMEOUT == 5 and time.monotonic() - t < 4
    assert r.output.startswith("Error: the query ran longer than 1 s and was stopped; give it more time with "
                               "--timeout SECONDS") and len(r.output.splitlines()) == 1


@pytest.mark.parametrize("fmt", sparql.RESULT_FORMATS)
def test_a_child_answers_byte_for_byte_what_this_process_answers(data_graph, fmt):
    store = sparql.load_store(data_graph)
    term = sparql.topic_term(data_graph, "PostgreSQL")
    queries = {**Q, "ask": "ASK { topic:postgresql pg:preferredOver ?x }",
               "construct": "CONSTRUCT { ?t skos:prefLabel ?n } WHERE { ?t skos:prefLabel ?n }",
               "typed": 'SELECT ?t ?n ?l WHERE { ?t skos:prefLabel ?n . BIND (STRLEN(?n) AS ?l) '
                        'BIND (STRLANG(?n, "en") AS ?tagged) } ORDER BY ?t'}
    for name, text in queries.items():
        b = {"topic": term} if name == "topic-comparisons" else {}
        here = sparql.write_result(sparql.run(store, text, b), fmt)
        assert here.body and sparql.execute(store, text, b, fmt=fmt) == here, name
        assert sparql.write_result(sparql.run(store, text, b, timeout=60), fmt) == here, name
        assert sparql.execute(store, text, b, fmt=fmt, timeout=60) == here, name


def test_errors_come_back_from_the_child(tiny_graph):
    for timeout in (None, 10):
        with pytest.raises(sparql.SparqlError, match=r"^SPARQL syntax error: .*\(updates are not allowed"):
            sparql.run(tiny_graph, "DELETE WHERE { ?s ?p ?o }", timeout=timeout)


# -------------------------------------------------------------- base IRI --

BAD_BASES = [
    ("http://127.0.0.1/%zz/", "is not a valid IRI: Invalid IRI percent encoding '%zz'"),
    ("http://[::1/", "is not a valid IRI: Invalid character '[' in host"),
    ("example.org/kg/", "is not an absolute IRI"),
    ("https://example.org/kg", "must end with '/' or '#'"),
]


@pytest.mark.parametrize("base, reason", BAD_BASES)
def test_bad_base_iri_is_refused_up_front(base, reason, tiny_graph, tiny_corpus, tmp_path):
    with pytest.raises(rdf.BadIRI, match=reason.replace("[", r"\[").replace("(", r"\(")):
        rdf.check_base(base)
    with pytest.raises(rdf.BadIRI):  # the library, whatever calls it
        sparql.select(tiny_graph, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", base_iri=base)
    out = tmp_path / "out"
    for cmd in (["sparql", "SELECT * WHERE { ?s ?p ?o }"], ["push", "--endpoint", "http://127.0.0.1:9/store"]):
        r = CliRunner().invoke(main, ["--out", str(out), *cmd, "--base-iri", base])
        assert r.exit_code == EXIT_USAGE, r.output
        assert "Invalid value for '--base-iri'" in r.output and reason in r.output and "Traceback" not in r.output
    assert not out.exists()  # refused before any build was looked for
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(out), "export", "-f", "turtle",
                                  "--base-iri", base])
    assert r.exit_code == EXIT_ERROR and reason in r.output and "Traceback" not in r.output


# ----------------------------------------------------------- typed values --

TYPED = """SELECT ?i ?b ?d ?dt ?f ?dec ?s ?lang ?iri ?bad ?unbound WHERE {
  BIND (42 AS ?i) BIND (true AS ?b) BIND ("2024-02-29"^^xsd:date AS ?d)
  BIND ("2024-02-29T10:30:00Z"^^xsd:dateTime AS ?dt) BIND (2.5e0 AS ?f) BIND (0.1 AS ?dec)
  BIND ("text" AS ?s) BIND ("Wort"@de AS ?lang) BIND (topic:alpha AS ?iri) BIND ("x"^^xsd:integer AS ?bad)
  OPTIONAL { ?nothing pg:nothing ?unbound }
}"""


def test_select_gives_typed_values(tiny_graph):
    [row] = sparql.select(tiny_graph, TYPED)
    assert row == {"i": 42, "b": True, "d": datetime.date(2024, 2, 29),
                   "dt": datetime.datetime(2024, 2, 29, 10, 30, tzinfo=datetime.timezone.utc), "f": 2.5,
                   "dec": decimal.Decimal("0.1"), "s": "text", "lang": "Wort",
                   "iri": f"{rdf.DEFAULT_BASE}topic/alpha", "bad": "x"}
    assert [type(row[k]) for k in ("i", "b", "f")] == [int, bool, float]
    [text] = sparql.select(tiny_graph, TYPED, typed=False)
    assert text == {"i": "42", "b": "true", "d": "2024-02-29", "dt": "2024-02-29T10:30:00Z", "f": "2.5",
                    "dec": "0.1", "s": "text", "lang": "Wort", "iri": f"{rdf.DEFAULT_BASE}topic/alpha", "bad": "x"}
    assert sparql.select(tiny_graph, TYPED, timeout=30) == [row]  # the same through a child process


def test_win_loss_rows_are_numbers(tiny_graph):
    rows = {r["slug"]: (r["wins"], r["losses"], r["noPick"]) for r in sparql.select(tiny_graph, Q["win-loss"])}
    assert rows["alpha"] == (1, 0, 0) and rows["beta"] == (1, 1, 0) and rows["delta"] == (0, 1, 0)
    assert rows["pi"] == (1, 1, 0)  # the contested pair: one page each way


def test_select_df(tiny_graph):
    import pandas as pd

    df = sparql.select_df(tiny_graph, Q["win-loss"])
    assert list(df.columns) == [v.lstrip("?") for v in
                                "?topic ?slug ?name ?wins ?losses ?noPick".split()]
    assert len(df) == tiny_graph.number_of_nodes()
    assert str(df["wins"].dtype) == "Int64" and str(df["slug"].dtype).startswith("str")
    row = df.set_index("slug").loc["gamma"]
    assert (row["name"], row["wins"], row["losses"]) == ("Gamma", 1, 1)
    df = sparql.select_df(tiny_graph, TYPED)
    assert df.loc[0, "i"] == 42 and bool(df.loc[0, "b"]) is True and pd.isna(df.loc[0, "unbound"])
    assert list(df.columns)[-1] == "unbound"
    with pytest.raises(sparql.SparqlError, match="needs a SELECT query"):
        sparql.select_df(tiny_graph, "ASK { ?s ?p ?o }")


def test_the_query_process_dies_with_a_killed_command(tiny_corpus, tmp_path):
    import signal
    import subprocess
    import sys

    cmd = [sys.executable, "-c", "from graph.cli import main; main()", "--corpus", str(tiny_corpus), "--out",
           str(tmp_path / "out"), "sparql", RUNAWAY, "--timeout", "120"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        children: set[int] = set()
        while not children and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            children = _children(proc.pid)
        assert children, "the command started no query process"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        gone = time.monotonic() + 2
        while any(Path(f"/proc/{c}").exists() for c in children) and time.monotonic() < gone:
            time.sleep(0.05)
        alive = [c for c in children if Path(f"/proc/{c}").exists()
                 and Path(f"/proc/{c}/stat").read_text().split()[2] != "Z"]
        assert not alive, f"query processes {alive} outlived the killed command"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
