"""SPARQL: the embedded store, bound values, the ready queries against the CLI's graph queries, the command."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import PurePath

import pytest
from click.testing import CliRunner

from graph.sparql import run as sparql
from graph.sparql import store as sparql_store
from graph.sparql.store import load_store
from graph.rdf import mapping as rdf
from graph.rdf import syntaxes
from graph.cli import main
from graph.kg.graph import VERSUS, related, versus_edges
from graph.read.records import Comparison, is_informative
from graph.build.pipeline import build
from graph.read.render import render_comparison
from graph.query.topics import record, topic_info

DONE_WHEN = """SELECT ?slug WHERE { ?c a pg:Comparison ; pg:comparedTopic ?a, ?b ; pg:pick ?w .
  ?a skos:notation "model-robustness" . ?b skos:notation "model-interpretability" . ?w skos:notation ?slug }"""

Q = sparql.bundled_queries()


def slug_of(iri: str) -> str:
    assert iri.startswith(f"{rdf.DEFAULT_BASE}topic/"), iri
    return iri.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def data_store(data_graph):
    return sparql.load_store(data_graph)


@pytest.fixture(scope="module")
def data_graph():
    # module-scoped twin of the session fixture, so that the store fixture can share its scope
    from conftest import DATA

    G, _ = build([DATA])
    return G


# ------------------------------------------------------------- done when --

def test_done_when_query_on_the_seeds(seeds_graph):
    assert sparql.select(seeds_graph, DONE_WHEN) == [{"slug": "model-robustness"}]


def test_bundled_queries_are_listed():
    assert sorted(Q) == ["also-compare", "pick-evidence", "topic-comparisons", "win-loss"]
    assert all(sparql.describe_query(text) for text in Q.values())
    body = "\n".join(line for line in Q["also-compare"].splitlines() if not line.lstrip().startswith("#"))
    assert "MINUS" not in body and "NOT EXISTS" in body  # a MINUS reads every comparedWith pair of the store
    # ?topic joined before the subquery, which then gets the bound topic: alone, it is every topic's paths
    assert " ".join(body.split()).split("WHERE { ", 1)[1].startswith("?topic a pg:Topic . { SELECT ?topic ?candidate")


# ---------------------------------------- ready queries vs graph queries --

def test_topic_comparisons_agree_with_topic_info(data_graph, data_store):
    rows = sparql.select(data_store, Q["topic-comparisons"])
    by_topic: dict[str, list[tuple]] = {}
    for r in rows:
        by_topic.setdefault(r["slug"], []).append(
            (slug_of(r["against"]), slug_of(r["pick"]) if "pick" in r else None, r["result"],
             r["contested"], r["title"], r["sha"], r["file"]))
    expected = {}
    for n in data_graph:
        comps = topic_info(data_graph, n)["comparisons"]
        if comps:
            expected[n] = sorted((c["against"], c["pick"], c["result"], c["contested"], c["title"], c["doc"],
                                  PurePath(c["source"]).name) for c in comps)
    assert {k: sorted(v) for k, v in by_topic.items()} == expected
    assert any(c[3] for v in expected.values() for c in v), "data/ has contested pairs to compare"


def test_topic_comparisons_bound_to_one_topic(data_graph, data_store):
    topic = sparql.topic_term(data_graph, "PostgreSQL")
    rows = sparql.select(data_store, Q["topic-comparisons"], {"topic": topic})
    info = topic_info(data_graph, "postgresql")
    assert sorted((slug_of(r["against"]), r["result"]) for r in rows) == \
        sorted((c["against"], c["result"]) for c in info["comparisons"])
    assert {r["slug"] for r in rows} == {"postgresql"}


def test_win_loss_agrees_with_record(data_graph, data_store):
    rows = sparql.select(data_store, Q["win-loss"])
    got = {r["slug"]: (int(r["wins"]), int(r["losses"]), int(r["noPick"])) for r in rows}
    expected = {}
    for n in data_graph:
        wins, losses = record(data_graph, n)
        no_pick = sum(1 for _, _, d in versus_edges(data_graph, n) if d["pick"] is None)
        expected[n] = (wins, losses, no_pick)
    assert got == expected
    assert max(w for w, _, _ in got.values()) >= 2


def test_win_loss_counts_no_pick_comparisons(make_corpus):
    G, _ = build([make_corpus({"a.txt": render_comparison("Alpha", "Beta", "Alpha"),
                               "b.txt": render_comparison("Beta", "Gamma", "Gamma")})])
    # the graph schema allows a comparison without a pick (pages seen so far always pick)
    for _, _, d in G.edges(data=True):
        if d["kind"] == VERSUS and d["pick"] == "alpha":
            d["pick"] = None
    rows = {r["slug"]: (r["wins"], r["losses"], r["noPick"]) for r in sparql.select(G, Q["win-loss"])}
    assert rows == {"alpha": (0, 0, 1), "beta": (0, 1, 1), "gamma": (1, 0, 0)}
    assert record(G, "beta") == (0, 1)


def test_pick_evidence_agrees_with_versus_edges(data_graph, data_store):
    rows = sparql.select(data_store, Q["pick-evidence"])
    got = Counter((slug_of(r["winner"]), slug_of(r["loser"]), r["sha"], r["file"], r.get("pro"), r.get("useIf"))
                  for r in rows)
    ident = data_graph.graph["identity"]
    docs = data_graph.graph["documents"]
    expected: Counter = Counter()
    for u, v, d in versus_edges(data_graph):
        if not d["pick"]:
            continue
        page: Comparison = docs[d["doc"]]
        loser = v if d["pick"] == u else u
        card = next(c for c in page.cards if ident.canonical(c.name) == d["pick"])
        use_if = next((x.text for x in page.verdict if ident.canonical(x.topic) == d["pick"]), None)
        pros = sorted({b.text for b in card.pros if is_informative(b.text)}) or [None]
        for pro in pros:
            expected[(d["pick"], loser, d["doc"], PurePath(page.path).name, pro, use_if)] += 1
    assert got == expected
    assert sum(1 for *_, pro, _ in expected if pro) > 50


def test_pick_evidence_bound_winner_and_loser(data_graph, data_store):
    rows = sparql.select(data_store, Q["pick-evidence"], {"winner": sparql.topic_term(data_graph, "redis"),
                                                          "loser": sparql.topic_term(data_graph, "Memcached")})
    assert {r["title"] for r in rows} == {"Redis vs Memcached"}
    assert all(r["winnerSlug"] == "redis" for r in rows)


def also_compare_nx(G) -> dict[tuple[str, str], set[str]]:
    """(topic, candidate) → shared related topics, for candidates never compared with the topic."""
    rel = {n: set(related(G, n)) for n in G}
    compared = {n: set() for n in G}
    for u, v, d in G.edges(data=True):
        if d["kind"] == VERSUS:
            compared[u].add(v)
            compared[v].add(u)
    out = {}
    for t in G:
        for c in G:
            shared = rel[t] & rel[c]
            if c != t and c not in compared[t] and shared:
                out[(t, c)] = shared
    return out


def test_also_compare_agrees_with_networkx(data_graph, data_store):
    rows = sparql.select(data_store, Q["also-compare"])
    got = {(slug_of(r["topic"]), r["slug"]): set(r["via"].split()) for r in rows}
    assert all(int(r["sharedCount"]) == len(r["via"].split()) for r in rows)
    assert got == also_compare_nx(data_graph)


def test_also_compare_agrees_with_suggest_reasons(data_graph, data_store):
    suggest = pytest.importorskip("graph.query.suggest")
    rows = sparql.select(data_store, Q["also-compare"],
                         {"topic": sparql.topic_term(data_graph, "postgresql")})
    assert rows, "PostgreSQL has candidates sharing related topics"
    for r in rows:
        reasons = suggest.reasons(data_graph, "postgresql", r["slug"], limit=1000)
        for shared in r["via"].split():
            assert f"both relate to {data_graph.nodes[shared]['name']}" in reasons, (r["slug"], shared)


def test_also_compare_on_tiny(tiny_graph):
    """Alpha relates to shared and beta (compared with it, so no candidate); Gamma also relates to shared;
    'common' is related to Beta (as Alpha is). Nothing else shares a related topic with Alpha."""
    rows = sparql.select(tiny_graph, Q["also-compare"], {"topic": sparql.topic_term(tiny_graph, "alpha")})
    assert [(r["slug"], r["via"], r["sharedCount"]) for r in rows] == [("common", "beta", 1), ("gamma", "shared", 1)]


def test_rdflib_engine_gives_the_same_answers(data_graph, data_store):
    """The engine choice does not change answers: rdflib's own SPARQL agrees on a ready query."""
    g = syntaxes.to_rdflib(data_graph)
    via_rdflib = sorted(tuple(str(x) if x is not None else None for x in row) for row in g.query(Q["pick-evidence"]))
    names = ["winner", "loser", "winnerSlug", "loserSlug", "title", "file", "sha", "pro", "useIf"]
    via_ox = sorted(tuple(r.get(n) for n in names) for r in sparql.select(data_store, Q["pick-evidence"]))
    assert via_rdflib == via_ox


# ------------------------------------------------------- bound user input --

HOSTILE = 'Evil" } ; DROP ALL ; SELECT * { ?s ?p "'


def test_user_input_is_bound_not_pasted(make_corpus):
    G, _ = build([make_corpus({"e.txt": render_comparison("Plain DB", "Other DB", "Plain DB")})])
    q = "SELECT ?name ?t WHERE { ?t skos:prefLabel ?label FILTER (STR(?label) = ?name) }"
    assert sparql.select(G, q, {"name": HOSTILE}) == []
    assert sparql.select(G, q, {"name": "Plain DB"}) == [{"name": "Plain DB", "t": rdf.topic_iri("plain-db")}]


def test_topic_with_quotes_is_found_by_binding(make_corpus):
    from test_rdf import QUOTED, tricky_pages

    G, _ = build([make_corpus(tricky_pages())])
    q = "SELECT ?name ?slug WHERE { ?t skos:prefLabel ?label ; skos:notation ?slug FILTER (STR(?label) = ?name) }"
    assert sparql.select(G, q, {"name": QUOTED}) == [{"name": QUOTED, "slug": "say-hi-lang"}]


def test_binding_errors(tiny_graph):
    with pytest.raises(sparql.SparqlError, match="no variable \\?nope"):
        sparql.select(tiny_graph, "SELECT ?s WHERE { ?s ?p ?o }", {"nope": "x"})
    with pytest.raises(sparql.SparqlError, match="NAME=VALUE"):
        sparql.parse_binding("no-equals-sign")
    with pytest.raises(sparql.SparqlError, match="syntax error"):
        sparql.run(tiny_graph, "SELECT WHERE")
    with pytest.raises(sparql.SparqlError, match="updates are not allowed"):
        sparql.run(tiny_graph, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_parse_binding_forms():
    assert sparql.parse_binding("?x=<urn:ex:1>")[0] == "x"
    assert sparql.parse_binding("x=<urn:ex:1>")[1].value == "urn:ex:1"
    assert sparql.parse_binding("x=a=b")[1] == "a=b"


# -------------------------------------------------------------- formats --

def test_result_formats(tiny_graph):
    q = ("SELECT ?slug (STR(?label) AS ?name) WHERE { ?t a pg:Topic ; skos:notation ?slug ; skos:prefLabel ?label . "
         "FILTER (?slug IN (\"alpha\", \"beta\")) } ORDER BY ?slug")
    store = sparql.load_store(tiny_graph)

    def write(result, fmt="table"):
        return sparql.write_result(result, fmt).body.decode()

    table = write(sparql.run(store, q), "table")
    assert table.splitlines() == ["slug   name", "-----  -----", "alpha  Alpha", "beta   Beta", "(2 rows)"]
    assert write(sparql.run(store, q), "csv") == "slug,name\r\nalpha,Alpha\r\nbeta,Beta\r\n"
    assert write(sparql.run(store, q), "tsv").splitlines() == \
        ["?slug\t?name", '"alpha"\t"Alpha"', '"beta"\t"Beta"']
    doc = json.loads(write(sparql.run(store, q), "json"))
    assert doc["head"]["vars"] == ["slug", "name"]
    assert doc["results"]["bindings"][0] == {"slug": {"type": "literal", "value": "alpha"},
                                             "name": {"type": "literal", "value": "Alpha"}}
    for fmt in ("json", "csv", "tsv"):
        assert sparql.parse_results(write(sparql.run(store, q), fmt), fmt) == \
            [{"slug": "alpha", "name": "Alpha"}, {"slug": "beta", "name": "Beta"}]
    assert write(sparql.run(store, "ASK { topic:alpha pg:preferredOver topic:beta }")) == "yes"
    nt = write(sparql.run(store, "CONSTRUCT WHERE { topic:alpha skos:prefLabel ?n }"), "json")
    assert nt == '<https://w3id.org/pickgraph/topic/alpha> <http://www.w3.org/2004/02/skos/core#prefLabel> "Alpha"@en .\n'


def test_table_shortens_iris(tiny_graph):
    out = sparql.execute(tiny_graph, "SELECT ?w WHERE { ?c pg:pick ?w } ORDER BY ?w LIMIT 1").body.decode()
    assert out.splitlines()[2] == "topic:alpha"


# ------------------------------------------------------------------ CLI --

def cli(*args: str, corpus: str, out: str):
    return CliRunner().invoke(main, ["--corpus", corpus, "--out", out, *args], catch_exceptions=False)


def test_cli_sparql_done_when(seeds_dir, tmp_path):
    r = cli("sparql", DONE_WHEN, "--format", "csv", corpus=str(seeds_dir), out=str(tmp_path))
    assert r.exit_code == 0, r.output
    assert r.stdout_bytes == b"slug\r\nmodel-robustness\r\n"  # RFC 4180 line ends, as the standard says


def test_cli_sparql_bundled_query_with_topic(tiny_corpus, tmp_path):
    r = cli("sparql", "@win-loss", "--topic", "topic=ALPHA", "-f", "tsv", corpus=str(tiny_corpus), out=str(tmp_path))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1].split("\t")[1:] == ['"alpha"', '"Alpha"', "1", "0", "0"]


def test_cli_sparql_query_file_and_bind(tiny_corpus, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("SELECT ?slug ?name WHERE { ?t skos:notation ?slug ; skos:prefLabel ?name }")
    r = cli("sparql", f"@{f}", "--bind", "slug=gamma", "--format", "json", corpus=str(tiny_corpus), out=str(tmp_path))
    assert r.exit_code == 0, r.output
    assert sparql.parse_results(r.output) == [{"slug": "gamma", "name": "Gamma"}]


def test_cli_sparql_list_and_errors(tiny_corpus, tmp_path):
    r = cli("sparql", "--list", corpus=str(tiny_corpus), out=str(tmp_path))
    assert r.exit_code == 0 and "@also-compare" in r.output and "@win-loss" in r.output
    r = cli("sparql", "@no-such-query", corpus=str(tiny_corpus), out=str(tmp_path))
    assert r.exit_code == 1 and "bundled: @also-compare" in r.output
    r = cli("sparql", "@win-loss", "--topic", "topic=Zzzzz", corpus=str(tiny_corpus), out=str(tmp_path))
    assert r.exit_code == 1 and "unknown topic 'Zzzzz'" in r.output and "Traceback" not in r.output
    r = cli("sparql", "SELECT ?x WHERE {", corpus=str(tiny_corpus), out=str(tmp_path))
    assert r.exit_code == 1 and r.output.startswith("Error: SPARQL syntax error")
    r = cli("sparql", corpus=str(tiny_corpus), out=str(tmp_path))
    assert r.exit_code == 2


def test_cli_help_explains():
    r = CliRunner().invoke(main, ["sparql", "--help"])
    assert r.exit_code == 0 and "--bind" in r.output and "@NAME" in r.output
    r = CliRunner().invoke(main, ["push", "--help"])
    assert r.exit_code == 0 and "PICKGRAPH_PUSH_TOKEN" in r.output


# ------------------------------------------------- the README's examples --

README_CONTESTED = """SELECT DISTINCT ?a ?b WHERE {
  ?x pg:preferredOver ?y . ?y pg:preferredOver ?x .
  ?x skos:prefLabel ?a . ?y skos:prefLabel ?b . FILTER (STR(?a) < STR(?b))
}"""
README_BEAT = """SELECT ?winner ?file WHERE {
  ?c pg:comparedTopic topic:postgresql ; pg:pick ?w ; prov:wasDerivedFrom ?d .
  FILTER (?w != topic:postgresql)
  ?w skos:prefLabel ?winner . ?d pg:fileName ?file
}"""


def test_readme_examples_agree_with_the_graph(data_graph, data_store):
    from graph.kg.graph import contested_pairs

    names = lambda a, b: tuple(sorted((data_graph.nodes[a]["name"], data_graph.nodes[b]["name"])))  # noqa: E731
    got = {(r["a"], r["b"]) for r in sparql.select(data_store, README_CONTESTED)}
    assert got == {names(a, b) for a, b in contested_pairs(data_graph)} and got
    beat = {(r["winner"], r["file"]) for r in sparql.select(data_store, README_BEAT)}
    assert beat == {(c["against_name"], PurePath(c["source"]).name)
                    for c in topic_info(data_graph, "postgresql")["comparisons"] if c["result"] == "loss"}


def test_a_big_graph_keeps_its_store_beside_the_cache(tiny_corpus, tmp_path, monkeypatch):
    from graph.build.record import cache_path
    from graph.build.load import load_graph

    out = tmp_path / "out"
    G = load_graph([tiny_corpus], out)
    cache = cache_path(out, [tiny_corpus])
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?t a pg:Topic }"
    assert load_store(G, cache_file=cache, min_docs=10**6).__class__.__name__ == "Store"  # small: in memory
    assert not list(cache.parent.glob("*-store-*"))
    first = load_store(G, cache_file=cache, min_docs=0)
    [made] = cache.parent.glob("*-store-*")
    assert made.name.startswith(f"{cache.stem}-store-{G.graph['fingerprint'][:16]}-")
    stamp = (made / ".complete").stat().st_mtime_ns
    again = load_store(load_graph([tiny_corpus], out), cache_file=cache, min_docs=0)
    assert (made / ".complete").stat().st_mtime_ns == stamp  # opened, not made again
    assert sparql.select(first, count) == sparql.select(again, count) == [{"n": G.number_of_nodes()}]
    node = __import__("pyoxigraph").NamedNode("https://x.org/a")
    with pytest.raises(RuntimeError, match="read-write"):  # nobody writes into a cached store
        again.add(__import__("pyoxigraph").Quad(node, node, node))
    # a changed corpus is another build: its store replaces the old one
    (tiny_corpus / "extra.txt").write_text(render_comparison("Omega", "Sigma", "Omega"), encoding="utf-8")
    G2 = load_graph([tiny_corpus], out)
    load_store(G2, cache_file=cache, min_docs=0)
    [now] = cache.parent.glob("*-store-*")
    assert now != made and not made.exists()
    assert sparql.select(load_store(G2, cache_file=cache, min_docs=0), count) == [{"n": G2.number_of_nodes()}]


def test_cli_sparql_answers_the_same_from_a_cached_store(tiny_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(sparql_store, "STORE_CACHE_MIN_DOCS", 0)
    args = ["--out", str(tmp_path / "out"), "sparql", "@win-loss", "-c", str(tiny_corpus), "--format", "csv"]
    first = CliRunner().invoke(main, args)
    second = CliRunner().invoke(main, args)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.output == second.output and "alpha" in first.output
    assert len(list((tmp_path / "out" / ".cache").glob("*-store-*"))) == 1


def test_a_cache_folder_that_cannot_be_written_falls_back_to_memory(tiny_corpus, tmp_path):
    from graph.build.load import load_graph

    G = load_graph([tiny_corpus], tmp_path / "out")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")  # even root cannot make a folder here
    store = load_store(G, cache_file=blocked / "graph-x.pickle", min_docs=0)
    assert len(store) > 0 and blocked.read_text() == "not a folder"


def test_a_store_that_must_be_on_disk_is_none_where_no_folder_can_hold_it(tiny_corpus, tmp_path):
    from graph.build.load import load_graph

    G = load_graph([tiny_corpus], tmp_path / "out")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert load_store(G, cache_file=blocked / "graph-x.pickle", memory=False) is None  # small, yet never in memory
    assert load_store(G, cache_file=blocked / "graph-x.pickle", min_docs=0, memory=False) is None
    assert len(load_store(G, cache_file=blocked / "graph-x.pickle", min_docs=0)) == len(load_store(G)) > 0


def test_no_bundled_query_splits_its_patterns_with_a_bind():
    """A BIND among triple patterns ends their group, and Oxigraph then evaluates the next group alone:
    @topic-comparisons bound to a hub took over 100 s at 100,000 pages that way, 40 ms with the BIND after."""
    import re

    for name, text in sparql.bundled_queries().items():
        lines = [line.split("#")[0].rstrip() for line in text.splitlines()]
        for i, line in enumerate(lines):
            if not line.strip().startswith("BIND"):
                continue
            indent = len(line) - len(line.lstrip())
            for later in lines[i + 1:]:
                if later.strip() and len(later) - len(later.lstrip()) < indent:
                    break  # the group ended
                if len(later) - len(later.lstrip()) == indent and re.match(r"\s*\?\w+\s+[\w:^|]+", later):
                    raise AssertionError(f"@{name}: a triple pattern after a BIND in one group: {later.strip()}")


@pytest.mark.parametrize("fmt", sparql.RESULT_FORMATS)
def test_a_row_cap_keeps_an_answer_whole_and_refuses_one_row_more(tiny_graph, fmt):
    # serve's row cap goes through the one writer: under the cap the bytes are the uncapped answer's
    store = sparql.load_store(tiny_graph)
    q = 'SELECT ?t ?l WHERE { ?t skos:prefLabel ?l } ORDER BY ?t'
    n = len(sparql.select(store, q))
    assert n == 13
    whole = sparql.execute(store, q, fmt=fmt)
    assert sparql.execute(store, q, fmt=fmt, row_cap=n) == whole
    with pytest.raises(sparql.TooManyResults, match="the query has more than 12 results; add a LIMIT"):
        sparql.execute(store, q, fmt=fmt, row_cap=n - 1)
    with pytest.raises(sparql.TooManyResults):
        sparql.execute(store, "CONSTRUCT WHERE { ?t skos:prefLabel ?l }", fmt=fmt, row_cap=n - 1)


def test_bundled_queries_bound_to_a_hub_give_exact_rows(make_corpus):
    """A hub compared with three topics, and one pair beside it. Hub beats Ant and Bee, loses to Cat;
    Ant and Bee list the hub and Dot as related, Cat the hub only; Dot (compared with Ant, not with
    the hub) is the one topic to suggest, via Ant and Bee."""
    pages = {
        "h-ant.txt": render_comparison("Hub", "Ant", "Hub", pros={"Hub": ["Hub scales to many nodes"]},
                                       related={"Ant": ["hub", "dot"]}),
        "h-bee.txt": render_comparison("Hub", "Bee", "Hub", related={"Bee": ["hub", "dot"]}),
        "h-cat.txt": render_comparison("Hub", "Cat", "Cat", related={"Cat": ["hub"]}),
        "ant-dot.txt": render_comparison("Ant", "Dot", "Dot"),
    }
    G, _ = build([make_corpus(pages, "hub")])
    store = sparql.load_store(G)
    hub = {"topic": sparql.topic_term(G, "hub")}
    rows = sparql.select(store, Q["also-compare"], hub)
    assert [(r["slug"], sorted(r["via"].split()), r["sharedCount"]) for r in rows] == [("dot", ["ant", "bee"], 2)]
    rows = sparql.select(store, Q["win-loss"], hub)
    assert [(r["slug"], r["wins"], r["losses"], r["noPick"]) for r in rows] == [("hub", 2, 1, 0)]
    rows = sparql.select(store, Q["topic-comparisons"], hub)  # ordered by page digest: compared as a set
    assert sorted((r["againstSlug"], r["result"], r["contested"], r["file"]) for r in rows) == \
        [("ant", "win", False, "h-ant.txt"), ("bee", "win", False, "h-bee.txt"), ("cat", "loss", False, "h-cat.txt")]
    rows = sparql.select(store, Q["pick-evidence"], {"winner": hub["topic"]})
    assert sorted((r["loserSlug"], r["file"], r.get("pro")) for r in rows) == [
        ("ant", "h-ant.txt", "Hub scales to many nodes"), ("bee", "h-bee.txt", "Hub has a clear strength for its main use case")]
