"""Push to a REAL Virtuoso (Debian's virtuoso-opensource, the session fixture ``virtuoso``) through its
authenticated Graph Store endpoint, which asks for HTTP Digest, and read the triples back with SPARQL."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner

from graph.sparql import run as sparql
from graph.rdf import mapping as rdf
from graph.cli import main
from graph.sparql.push import PushError, push

pytestmark = pytest.mark.server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def rows(result: list[dict]) -> Counter:
    return Counter(tuple(sorted(r.items())) for r in result)


def test_push_data_with_digest_then_select(virtuoso, data_graph):
    graph = "https://example.org/graphs/virtuoso-data"
    n = len(rdf.triples(data_graph))
    result = push(data_graph, virtuoso.crud, graph, env=virtuoso.env(), timeout=120)
    assert (result["status"], result["triples"], result["requests"]) == (201, n, 1)
    assert virtuoso.select(COUNT, graph) == [{"n": n}]
    # exact values: a label, a pick, and the win/loss records, typed as the local store types them
    pg = sparql.with_prefixes
    assert virtuoso.select(pg("SELECT ?name WHERE { topic:postgresql skos:prefLabel ?name }"), graph) == \
        [{"name": "PostgreSQL"}]
    picks = pg("SELECT ?file ?pick WHERE { ?c pg:comparedTopic topic:postgresql, topic:mysql ; pg:pick ?w ; "
               "prov:wasDerivedFrom ?d . ?d pg:fileName ?file . ?w skos:notation ?pick } ORDER BY ?file")
    assert virtuoso.select(picks, graph) == sparql.select(data_graph, picks) == [
        {"file": "a001_postgresql-vs-mysql.txt", "pick": "postgresql"},
        {"file": "a002_mysql-vs-postgresql.txt", "pick": "mysql"}]
    win_loss = pg(sparql.bundled_queries()["win-loss"])
    remote = virtuoso.select(win_loss, graph)
    assert rows(remote) == rows(sparql.select(data_graph, win_loss))
    assert {type(r["wins"]) for r in remote} == {int}


def test_batched_push_replaces_on_virtuoso(virtuoso, data_graph, tiny_graph):
    graph = "https://example.org/graphs/virtuoso-batches"
    n = len(rdf.triples(data_graph))
    first = push(data_graph, virtuoso.crud, graph, env=virtuoso.env(), batch_size=1000, timeout=120)
    assert first["requests"] == -(-n // 1000) and virtuoso.select(COUNT, graph) == [{"n": n}]
    again = push(tiny_graph, virtuoso.crud, graph, env=virtuoso.env(), batch_size=50, timeout=120)
    assert again["status"] in (200, 204)  # replaced, not created
    assert virtuoso.select(COUNT, graph) == [{"n": len(rdf.triples(tiny_graph))}]


def test_wrong_or_missing_digest_is_a_clean_401(virtuoso, tiny_graph):
    graph = "https://example.org/graphs/virtuoso-refused"
    wrong = {**virtuoso.env(), "PICKGRAPH_PUSH_PASSWORD": "not-" + virtuoso.password}
    with pytest.raises(PushError) as exc:
        push(tiny_graph, virtuoso.crud, graph, env=wrong, timeout=60)
    assert str(exc.value) == (f"{virtuoso.crud} answered HTTP 401 Unauthorized to the PUT "
                              "(check the credentials in the PICKGRAPH_PUSH_* variables)")
    assert virtuoso.password not in str(exc.value)
    basic = {**virtuoso.env(), "PICKGRAPH_PUSH_AUTH": "basic"}
    with pytest.raises(PushError, match=r"a store that asks for Digest, as Virtuoso does, needs "
                                        r"PICKGRAPH_PUSH_AUTH=digest\)$"):
        push(tiny_graph, virtuoso.crud, graph, env=basic, timeout=60)
    assert virtuoso.select(COUNT, graph) == [{"n": 0}]


def test_cli_push_to_virtuoso(virtuoso, tiny_corpus, tmp_path, monkeypatch, tiny_graph):
    for name, value in virtuoso.env().items():
        monkeypatch.setenv(name, value)
    graph = "https://example.org/graphs/virtuoso-cli"
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path / "out"), "push",
                                  "--endpoint", virtuoso.crud, "--graph", graph, "--batch-size", "100"])
    n = len(rdf.triples(tiny_graph))
    assert r.exit_code == 0, r.output
    assert r.output == f"pushed {n} triples into <{graph}> at {virtuoso.crud} (HTTP 201, {-(-n // 100)} requests)\n"
    assert virtuoso.password not in r.output
    assert virtuoso.select(sparql.with_prefixes("SELECT ?t WHERE { ?t skos:notation \"alpha\" }"), graph) == \
        [{"t": f"{rdf.DEFAULT_BASE}topic/alpha"}]


def test_skos_related_on_virtuoso_without_inference(virtuoso, tiny_graph):
    """A SKOS-only query, as a Virtuoso user writes it, finds every related pair (no rules, no ontology)."""
    from test_skos_prov import RELATED_QUERY, TINY_PAIRS

    graph = "https://example.org/graphs/virtuoso-skos"
    push(tiny_graph, virtuoso.crud, graph, env=virtuoso.env(), timeout=60)
    got = {(r["a"], r["b"]) for r in virtuoso.select(RELATED_QUERY, graph)}
    assert got == TINY_PAIRS and len(got) == 20
