"""Full-text search (/api/search), the topics table (/topics, /api/table) and the SPARQL editor (/sparql in a
browser): plain HTTP against a real ``pickgraph serve`` with exact values on a small hand-made corpus, then
the pages in Debian's Chromium (Playwright), every request outside the server blocked and counted."""

from __future__ import annotations

import json
import sqlite3
import time
from urllib.parse import quote

import pytest
from conftest import IMG, SCRIPT, write_corpus
from servehelp import Server, Tab, build

import networkx as nx

from graph.build.textindex import TextIndex, TextIndexMissing, fts_query, load_index, write_index
from graph.read.render import render_comparison, render_topic_page

pytestmark = [pytest.mark.server]

EPSILON = f"Epsilon {IMG}"
EPSILON_SLUG = "epsilon-img-src-x-onerror-window-pwned-1"
PAGES = {
    "ab.txt": render_comparison("Alpha", "Beta", "Alpha",
                                descriptions={"Alpha": "Developers should use Alpha for large monorepos",
                                              "Beta": "Developers should use Beta for tiny prototypes"},
                                pros={"Alpha": ["Incremental compilation keeps rebuilds quick"],
                                      "Beta": ["Zero configuration for small teams"]},
                                cons={"Beta": ["Plugin ecosystem is thin for now"]}),
    "bc.txt": render_comparison("Beta", "Gamma", "Gamma",
                                descriptions={"Gamma": "Developers should use Gamma for snapshot-heavy suites"},
                                pros={"Gamma": ["Snapshot testing comes out of the box"]}),
    "gamma.txt": render_topic_page("Gamma", "A test runner that values snapshots", aliases=["GammaJS"], kind="tool"),
    # a second community, with markup in a name and in a pro
    "de.txt": render_comparison("Delta", EPSILON, "Delta", pros={"Delta": [f"Streams logs {SCRIPT} to any sink"]}),
}


def row(slug, name, comparisons, wins, losses, community, kind=""):
    return {"slug": slug, "name": name, "comparisons": comparisons, "wins": wins, "losses": losses,
            "community": community, "kind": kind}


ALPHA, BETA, GAMMA = row("alpha", "Alpha", 1, 1, 0, 0), row("beta", "Beta", 2, 0, 2, 0), row("gamma", "Gamma", 1, 1, 0, 0, "tool")
DELTA, EPS = row("delta", "Delta", 1, 1, 0, 1), row(EPSILON_SLUG, EPSILON, 1, 0, 1, 1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pages")
    build([write_corpus(tmp / "corpus", PAGES)], tmp / "out")
    with Server(tmp / "out") as s:
        yield s


def hits(server: Server, q: str, limit: int | None = None) -> list[dict]:
    status, body = server.get(f"/api/search?q={quote(q)}" + (f"&limit={limit}" if limit else ""))
    assert status == 200 and body["query"] == q
    return body["results"]


# ------------------------------------------------------------------------- search --

def test_search_finds_a_topic_by_a_word_of_its_pros(server):
    assert hits(server, "incremental") == [{"id": "alpha", "label": "Alpha", "field": "pro",
                                            "snippet": "[Incremental] compilation keeps rebuilds quick"}]
    assert hits(server, "plugin") == [{"id": "beta", "label": "Beta", "field": "con",
                                       "snippet": "[Plugin] ecosystem is thin for now"}]


def test_search_reads_descriptions_aliases_and_a_word_being_typed(server):
    assert hits(server, "monorep") == [{"id": "alpha", "label": "Alpha", "field": "description",
                                        "snippet": "Developers should use Alpha for large [monorepos]"}]
    assert hits(server, "gammajs") == [{"id": "gamma", "label": "Gamma", "field": "alias", "snippet": "[GammaJS]"}]
    # one hit per topic (its best field); texts of equal score (beta's and alpha's: as long, the same
    # words), the most compared topic first
    assert [h["id"] for h in hits(server, "developers should use")] == ["beta", "alpha", "gamma"]
    assert [h["id"] for h in hits(server, "developers should use", limit=2)] == ["beta", "alpha"]
    assert hits(server, "nothing-of-the-kind") == []


@pytest.mark.parametrize("typed, found", [
    ('"', []), ("*", []), ("NEAR(alpha beta", []), ("snap*shot", []), ("beta OR alpha", []),
    ("-beta", ["beta"]), ('alpha"', ["alpha"]), ("AND", []), ("incremental)", ["alpha"]), ("^zero", ["beta"]),
    ("body:zero", []), ("{slug field} : alpha", []),
])
def test_search_text_is_never_fts_syntax(server, typed, found):
    """Quotes, stars, NEAR, OR, column filters: each is text (one term of the hit), never an error."""
    assert [h["id"] for h in hits(server, typed)] == found


def test_fts_query_is_what_raw_text_would_break():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    db.execute("INSERT INTO t VALUES ('NEAR the end, or not')")
    for typed in ['"', "NEAR(", "a -", "*", "x OR", "AND", "nobody:x", "a)"]:
        with pytest.raises(sqlite3.OperationalError):
            db.execute("SELECT * FROM t WHERE t MATCH ?", (typed,)).fetchall()
        db.execute("SELECT * FROM t WHERE t MATCH ?", (fts_query(typed) or '""',)).fetchall()
    assert db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (fts_query("near("),)).fetchone() == (1,)


def test_an_index_is_read_only_by_the_build_it_was_made_for(tmp_path):
    G = nx.MultiDiGraph(fingerprint="one", documents={})
    G.add_node("go", name="Go", labels=["Go", "Golang"], descriptions=[], definition="", kind="")
    path = write_index(G, tmp_path / "graph-x.search")
    assert TextIndex.open(path, "one").search("golang") == [{"id": "go", "label": "Go", "field": "alias",
                                                             "snippet": "[Golang]"}]
    (tmp_path / "junk.search").write_bytes(b"not a database")
    for other, fp in [(path, "two"), (tmp_path / "missing.search", "one"), (tmp_path / "junk.search", "one")]:
        with pytest.raises(TextIndexMissing):
            TextIndex.open(other, fp)
    G.nodes["go"]["labels"] = ["Go", "Gopher"]
    G.graph["fingerprint"] = "two"  # the file beside the cache is of "one": this build's is made in memory
    assert [h["id"] for h in load_index(G, tmp_path / "graph-x.pickle").search("gopher")] == ["go"]


def test_search_limit_is_checked(server):
    status, body = server.get("/api/search?q=alpha&limit=0")
    assert status == 400 and body["error"] == "'limit' must be a whole number from 1 to 100, not '0'"


def test_a_new_build_brings_its_own_index(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {k: v for k, v in PAGES.items() if k != "de.txt"})
    build([corpus], tmp_path / "out")
    with Server(tmp_path / "out") as s:
        assert hits(s, "streams") == []
        write_corpus(corpus, {"de.txt": PAGES["de.txt"]})
        build([corpus], tmp_path / "out")
        deadline = time.monotonic() + 120
        while s.get("/api/status")[1]["switches"] < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [h["id"] for h in hits(s, "streams")] == ["delta"]


# -------------------------------------------------------------------------- table --

def test_table_default_view(server):
    status, body = server.get("/api/table")
    assert status == 200
    assert body == {"total": 5, "offset": 0, "limit": 50, "rows": [BETA, ALPHA, DELTA, EPS, GAMMA],
                    "communities": [[0, 3], [1, 2]], "kinds": [["", 4], ["tool", 1]]}


@pytest.mark.parametrize("query, rows, total", [
    ("sort=wins&order=asc", [BETA, EPS, ALPHA, DELTA, GAMMA], 5),
    ("sort=name&order=desc", [GAMMA, EPS, DELTA, BETA, ALPHA], 5),
    ("community=1", [DELTA, EPS], 2),
    ("kind=tool", [GAMMA], 1),
    ("kind=&community=0", [BETA, ALPHA], 2),
    ("q=ta&sort=slug&order=asc", [BETA, DELTA], 2),
    ("sort=slug&order=asc&offset=1&limit=2", [BETA, DELTA], 5),
])
def test_table_sorts_filters_and_pages(server, query, rows, total):
    status, body = server.get(f"/api/table?{query}")
    assert status == 200 and body["rows"] == rows and body["total"] == total


@pytest.mark.parametrize("query, error", [
    ("sort=rank", "'sort' must be one of slug, name, comparisons, wins, losses, community, kind, not 'rank'"),
    ("order=up", "'order' must be asc or desc, not 'up'"),
    ("community=x", "'community' must be a whole number from 0 to 1000000000, not 'x'"),
    ("limit=1001", "'limit' must be a whole number from 1 to 1000, not '1001'"),
])
def test_table_refuses_a_bad_view_in_one_line(server, query, error):
    status, body = server.get(f"/api/table?{query}")
    assert status == 400 and body["error"] == error


def test_table_downloads_the_whole_view(server):
    status, headers, body = server.request("/api/table.csv?community=0&sort=wins&order=asc&limit=1")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == 'attachment; filename="topics.csv"'
    assert body.decode() == ("slug,name,comparisons,wins,losses,community,kind\n"
                             "beta,Beta,2,0,2,0,\nalpha,Alpha,1,1,0,0,\ngamma,Gamma,1,1,0,0,tool\n")
    status, headers, body = server.request("/api/table.json?community=1")
    assert status == 200 and json.loads(body) == [DELTA, EPS]
    assert headers["content-disposition"] == 'attachment; filename="topics.json"'
    assert server.request("/api/table.xml")[0] == 404


# ------------------------------------------------------------------------- /sparql --

def test_sparql_gives_a_browser_the_editor_and_clients_the_protocol(server):
    status, headers, body = server.request("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'<script src="/static/sparql.js">' in body and "script-src 'self'" in headers["content-security-policy"]
    # with a query, the same browser gets the protocol's answer; without HTML accepted, the protocol's error
    status, headers, body = server.request("/sparql?query=" + quote("ASK { ?t a pg:Topic }"),
                                           headers={"Accept": "text/html,*/*;q=0.8"})
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    status, body = server.get("/sparql")
    assert status == 400 and body["error"] == "give exactly one 'query' (SPARQL 1.1 Protocol)"


def test_vocabulary_is_served_for_completion(server):
    status, body = server.get("/api/vocabulary")
    assert status == 200
    assert body["topic_base"] == "https://w3id.org/pickgraph/topic/"
    assert body["prefixes"]["pg"] == "https://w3id.org/pickgraph/ns#"
    assert body["prefixes"]["topic"] == body["topic_base"]
    assert {"pick", "comparedTopic", "Topic", "pro"} <= set(body["terms"]["pg"])
    assert {"prefLabel", "notation"} <= set(body["terms"]["skos"])
    assert [q["name"] for q in body["queries"]] == ["also-compare", "pick-evidence", "topic-comparisons", "win-loss"]
    assert body["queries"][3]["summary"].startswith("Win/loss records")


# -------------------------------------------------------------------- the browser --

@pytest.mark.browser
def test_page_full_text_search_finds_a_topic_by_a_word_of_its_pros(browser, server):
    with Tab(browser, server, "/topics") as t:
        t.page.fill("#fulltext", "incremental")
        t.page.wait_for_selector('#hits li[data-slug="alpha"]')
        t.settle()
        assert t.page.get_attribute('#hits li[data-slug="alpha"] a', "href") == "/?topic=alpha"
        assert t.texts("#hits li") == ["Alphapro[Incremental] compilation keeps rebuilds quick"]
        t.page.fill("#fulltext", "streams")
        t.page.wait_for_selector('#hits li[data-slug="delta"]')
        t.settle()
        assert t.texts("#hits .snippet") == [f"[Streams] logs {SCRIPT} to any sink"]
        t.clean()


@pytest.mark.browser
def test_page_topics_table_sorts_and_filters(browser, server):
    with Tab(browser, server, "/topics") as t:
        slugs = "() => [...document.querySelectorAll('#table tbody tr')].map(r => r.dataset.slug)"
        assert t.page.evaluate(slugs) == ["beta", "alpha", "delta", EPSILON_SLUG, "gamma"]
        assert t.texts("#table tbody tr >> nth=3 >> td >> nth=0") == [EPSILON]
        t.page.click("#table th[data-col=wins] button")
        t.settle()
        assert t.page.evaluate(slugs) == ["alpha", "delta", "gamma", "beta", EPSILON_SLUG]
        assert t.page.get_attribute("#table th[data-col=wins]", "aria-sort") == "descending"
        t.page.click("#table th[data-col=wins] button")
        t.settle()
        assert t.page.evaluate(slugs) == ["beta", EPSILON_SLUG, "alpha", "delta", "gamma"]
        t.page.select_option("#community", "1")
        t.settle()
        assert t.page.evaluate(slugs) == [EPSILON_SLUG, "delta"]
        assert t.page.url == f"{server.url}/topics?sort=wins&order=asc&community=1"
        assert t.page.get_attribute("#csv", "href") == "/api/table.csv?sort=wins&order=asc&community=1"
        t.page.select_option("#community", "")
        t.page.select_option("#kind", "k:tool")
        t.settle()
        assert t.page.evaluate(slugs) == ["gamma"]
        assert t.page.get_attribute("#table tbody tr a", "href") == "/?topic=gamma"
        t.page.fill("#q", "ta")
        t.settle()
        assert t.texts("#count") == ["0 topics"]
        t.clean()


@pytest.mark.browser
def test_page_sparql_runs_a_bundled_query_into_a_table_of_links(browser, server):
    with Tab(browser, server, "/sparql") as t:
        t.page.click('#ready button[data-query="win-loss"]')
        t.settle()
        assert t.texts("#results thead th") == ["?topic", "?slug", "?name", "?wins", "?losses", "?noPick"]
        first = "#results tbody tr >> nth=0 >> td >> nth=0 >> a"
        assert t.page.get_attribute(first, "href") == "/?topic=alpha"
        assert t.texts(first) == ["topic:alpha"]
        assert t.page.locator("#chart svg rect").count() == 5  # the numeric column drawn as bars
        assert t.page.url.startswith(f"{server.url}/sparql#query=%23%20Win%2Floss")
        assert t.page.get_attribute("#csv", "href").startswith("/sparql?query=%23+Win%2Floss")
        # the topic's cell opens the explorer on it
        t.page.click(first)
        t.page.wait_for_url(f"{server.url}/?topic=alpha")
        assert t.errors == [] and t.outside == []


@pytest.mark.browser
def test_page_sparql_completes_from_the_servers_vocabulary(browser, server):
    with Tab(browser, server, "/sparql") as t:
        t.page.fill("#query", "")
        t.page.type("#query", "SELECT * WHERE { ?c pg:pi")
        t.page.wait_for_selector("#complete li")
        assert t.texts("#complete li") == ["pick"]
        t.page.press("#query", "Tab")
        t.page.type("#query", " topic:gam")
        t.page.wait_for_selector("#complete:not([hidden]) li")
        t.settle()
        assert t.texts("#complete li") == ["gamma"]
        t.page.press("#query", "Enter")
        t.page.type("#query", " }")
        assert t.page.input_value("#query") == "SELECT * WHERE { ?c pg:pick topic:gamma }"
        t.page.press("#query", "Control+Enter")
        t.settle()
        assert t.texts("#status") == ["1 row"]
        assert "pg:pick" in t.texts(".tok-pname")  # highlighted as a prefixed name
        t.clean()


@pytest.mark.browser
def test_page_sparql_markup_in_results_stays_text_and_the_url_keeps_the_query(browser, server):
    query = f'SELECT ?name ?x WHERE {{ ?t skos:notation "{EPSILON_SLUG}" ; skos:prefLabel ?n . ' \
            f'BIND(STR(?n) AS ?name) BIND("{SCRIPT}" AS ?x) }}'
    with Tab(browser, server, "/sparql#query=" + quote(query, safe="")) as t:
        assert t.page.input_value("#query") == query
        assert t.texts("#results tbody td") == [EPSILON, SCRIPT]
        t.clean()


@pytest.mark.browser
def test_csv_downloads_keep_formulas_as_text(browser, tmp_path):
    """The topics table's CSV and the SPARQL results' CSV: a cell starting with =, +, -, @, tab or CR gets a '."""
    corpus = write_corpus(tmp_path / "corpus", {"f.txt": render_comparison("=SUM(A1)", "@Home", "=SUM(A1)")})
    build([corpus], tmp_path / "out")

    def download(t: Tab) -> str:
        with t.page.expect_download() as got:
            t.page.click("#csv")
        return open(got.value.path(), encoding="utf-8").read()

    table = "slug,name,comparisons,wins,losses,community,kind\nhome,'@Home,1,0,1,0,\nsum-a1,'=SUM(A1),1,1,0,0,\n"
    with Server(tmp_path / "out") as s:
        with Tab(browser, s, "/topics") as t:
            assert download(t) == table
            t.clean()
        assert s.request("/api/table.csv")[2].decode() == table  # the server's CSV of the same view
        query = ('SELECT ?name ?x WHERE { ?t a pg:Topic ; skos:prefLabel ?n . BIND(STR(?n) AS ?name) BIND("-1+2, \\"x\\"" AS ?x) } '
                 'ORDER BY ?name')
        with Tab(browser, s, "/sparql#query=" + quote(query, safe="")) as t:
            assert download(t) == "name,x\n'=SUM(A1),\"'-1+2, \"\"x\"\"\"\n'@Home,\"'-1+2, \"\"x\"\"\"\n"
            t.clean()
