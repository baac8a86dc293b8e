"""One way to find a topic: the CLI, the Python query functions, a real ``serve``'s API and explorer, and
the HTML page's Find box in real Chromium give the same answer for the same spelling."""

from __future__ import annotations

import urllib.parse

import pytest
from conftest import render_comparison, write_corpus
from servehelp import Server, Tab, build, cli_json
from test_browser import Visit

from graph.export.html import write_page
from graph.kg.graph import closest_topics, find_topic
from graph.build.pipeline import build as build_graph
from graph.query.compare import compare
from graph.query.explain import why
from graph.query.suggest import suggest, suggest_answer
from graph.query.topics import topic_info
from graph.errors import PickgraphError, UnknownTopic

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: spelling → the slug it names, or the "did you mean" names of an unknown one (worked out by hand:
#: "postgres" is 16/18 like PostgreSQL, 12/15 like PostGIS; no label comes near "zzzz qqqq")
CASES = {
    "pOSTGREsql": "postgresql",  # a name in odd case
    "CANARY release": "canary-deployment",  # an alias (the alias file's)
    "Canary Deployments": "canary-deployment",  # a label (a page's spelling)
    "rolling-update": "rolling-update",  # a slug
    "postgres": ["PostgreSQL", "PostGIS"],  # a near miss: no prefix match, the close names
    "zzzz qqqq": [],  # nothing near
    "constructor": [],  # a name JavaScript objects have of their own
}


def pages() -> dict[str, str]:
    return {
        "pm.txt": render_comparison("PostgreSQL", "MySQL", "PostgreSQL"),
        "gm.txt": render_comparison("PostGIS", "MySQL", "MySQL"),
        "cr.txt": render_comparison("Canary Deployment", "Rolling Update", "Canary Deployment"),
        "cf.txt": render_comparison("Canary Release", "Feature Flags", "Feature Flags"),
        "cb.txt": render_comparison("Canary Deployments", "Blue-Green Deployment", "Canary Deployments"),
        "aliases.toml": '[aliases]\n"Canary Deployment" = ["Canary Release"]\n',
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("find") / "corpus", pages())


@pytest.fixture(scope="module")
def G(corpus):
    return build_graph([corpus])[0]


@pytest.fixture(scope="module")
def out(corpus, tmp_path_factory):
    folder = tmp_path_factory.mktemp("find-out") / "out"
    build([corpus], folder)
    return folder


@pytest.fixture(scope="module")
def server(out):
    with Server(out) as s:
        yield s


@pytest.fixture(scope="module")
def page(browser, G, tmp_path_factory):
    path = tmp_path_factory.mktemp("find-html") / "pickgraph.html"
    write_page(G, path)
    v = Visit(browser, path, 1200, 800)
    yield v
    v.close()


def python_answer(G, spelling: str):
    """The slug every query function resolves ``spelling`` to, or the suggestions they all raise."""
    got = []
    for ask in (lambda: topic_info(G, spelling)["slug"], lambda: compare(G, spelling, "mysql")["a"],
                lambda: why(G, "mysql", spelling)["b"], lambda: suggest_answer(G, [spelling])["results"][0]["topic"],
                lambda: (suggest(G, spelling), find_topic(G, spelling))[1]):
        try:
            got.append(ask())
        except UnknownTopic as exc:
            assert isinstance(exc, PickgraphError) and isinstance(exc, KeyError)
            got.append(exc.suggestions)
    assert all(g == got[0] for g in got), got
    return got[0]


def cli_answer(out, spelling: str):
    data = cli_json(out, "show", spelling, "--json")
    return data["suggestions"] if "error" in data else data["slug"]


def api_answer(server: Server, spelling: str):
    status, data = server.get("/api/show?topic=" + urllib.parse.quote(spelling))
    if status == 404:
        assert data["kind"] == "unknown_topic"
        return data["suggestions"]
    assert status == 200
    return data["slug"]


def page_answer(v: Visit, G, spelling: str):
    """What the Find box does with ``spelling``: the topic it selects, or the names its message offers."""
    v.page.fill("#search-input", spelling)
    v.page.press("#search-input", "Enter")
    status = v.page.text_content("#status")
    if status.startswith("Selected "):
        (slug,) = v.js("pickgraph.network.getSelectedNodes()")
        assert status == f"Selected {G.nodes[slug]['name']}."
        return slug
    head = f"No topic matches “{spelling}”"
    if status == head + ".":
        return []
    assert status.startswith(head + "; did you mean: ") and status.endswith("?"), status
    return status[len(head + "; did you mean: "):-1].split(", ")


@pytest.mark.parametrize("spelling", list(CASES))
def test_every_front_end_gives_the_same_answer(G, out, server, page, spelling):
    want = CASES[spelling]
    assert python_answer(G, spelling) == want
    assert cli_answer(out, spelling) == want
    assert api_answer(server, spelling) == want
    assert page_answer(page, G, spelling) == want
    assert page.errors == []


def test_the_error_names_the_close_matches(G):
    with pytest.raises(UnknownTopic) as err:
        topic_info(G, "postgres")
    assert str(err.value) == "unknown topic 'postgres'; did you mean: PostgreSQL, PostGIS?"


def test_the_page_carries_the_resolvers_table(G):
    from graph.kg.graph import topic_table  # new: imported here so that the other tests run on older code

    assert topic_table(G) == {
        "blue-green deployment": "blue-green-deployment", "blue-green-deployment": "blue-green-deployment",
        "canary deployment": "canary-deployment", "canary deployments": "canary-deployment",
        "canary release": "canary-deployment", "canary-deployment": "canary-deployment",
        "canary-deployments": "canary-deployment", "canary-release": "canary-deployment",
        "feature flags": "feature-flags", "feature-flags": "feature-flags", "mysql": "mysql",
        "postgis": "postgis", "postgresql": "postgresql", "rolling update": "rolling-update",
        "rolling-update": "rolling-update"}


def test_the_page_suggests_what_python_suggests(browser, data_graph, tmp_path):
    path = tmp_path / "data.html"
    write_page(data_graph, path)
    v = Visit(browser, path)
    try:
        for query in ["postgres", "Postgress", "Kafak", "rustt", "canary", "deploy", "k8", "c plus", "node",
                      "react native", "Flsk", "sql", "testing", "Crème", "日本", "postgres " * 30]:
            assert v.js(f"pickgraph.closest({query!r})") == closest_topics(data_graph, query), query
        assert closest_topics(data_graph, "postgres " * 30) == []  # no name is that long: not scored at all
    finally:
        v.close()


def test_the_explorer_opens_a_spelling_and_explains_a_near_miss(browser, server):
    with Tab(browser, server) as x:
        x.page.fill("#search", "CANARY release")
        x.page.press("#search", "Enter")
        x.page.wait_for_url("**/?topic=canary-deployment", timeout=10_000)
        x.settle()
        assert x.page.text_content("#panel h2") == "Canary Deployment"
        x.page.fill("#search", "postgres")
        x.page.press("#search", "Enter")
        x.page.wait_for_selector("#panel .error", timeout=10_000)
        assert x.page.text_content("#panel .error") == 'no topic is named "postgres"'
        # the near misses are links, found as the search box finds names (a prefix before a typo)
        assert x.page.locator("#panel .didyoumean a").all_text_contents() == ["PostgreSQL"]
        assert x.query == "/?topic=canary-deployment"
        assert x.errors == []  # a near miss is an answer of /api/names, not a 404 the browser logs
