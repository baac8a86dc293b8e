"""The HTML page in a real headless Chromium, with the network blocked.

Needs Playwright's Python package and a Chromium binary (Debian's ``chromium``
at /usr/bin/chromium, or the path in ``PICKGRAPH_CHROMIUM``). Without them the
tests skip with the reason, except in CI (``CI=true``) where they fail.

``PICKGRAPH_UPDATE_SCREENSHOT=1`` also writes the screenshot of the data/ page
to docs/pickgraph-html.png (the one the README shows); otherwise it goes to a
temporary folder only.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import IMG, ROOT, SCRIPT

from graph.export.html import page_data, write_page
from graph.kg.graph import ALTERNATIVE, RELATED, VERSUS

SCREENSHOT = ROOT / "docs" / "pickgraph-html.png"


class Visit:
    """One page load: console errors, page errors and every request that left file://."""

    def __init__(self, browser, path: Path, width: int = 1600, height: int = 1000):
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.context.route("**/*", self._route)
        started = time.perf_counter()
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function("window.pickgraph && window.pickgraph.ready", timeout=60_000)
        self.seconds = time.perf_counter() - started
        self.drawn_ms = self.page.evaluate("window.pickgraph.drawnAt")

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def js(self, expr: str):
        return self.page.evaluate(expr)

    def hover_node(self, node_id: str) -> None:
        x, y = self.js(f"""(() => {{
            const net = window.pickgraph.network, box = document.getElementById('network').getBoundingClientRect();
            const p = net.canvasToDOM(net.getPosition({node_id!r}));
            return [box.left + p.x, box.top + p.y]; }})()""")
        self.page.mouse.move(x, y)
        self.page.wait_for_selector("#hover:not([hidden])", timeout=5_000)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def data_page(tmp_path_factory, data_graph):
    path = tmp_path_factory.mktemp("html") / "pickgraph.html"
    write_page(data_graph, path)
    return path


def _pairs(G, kind):
    return {tuple(sorted((u, v))) for u, v, d in G.edges(data=True) if d["kind"] == kind and u != v}


def test_data_page_offline_counts_search_screenshot(browser, data_page, data_graph, tmp_path, record_property):
    v = Visit(browser, data_page)
    try:
        assert v.errors == []
        assert v.outside == []
        assert all(u.startswith("file://") for u in v.requests) and v.requests
        nodes, edges = v.js("[pickgraph.nodes.length, pickgraph.edges.length]")
        assert nodes == data_graph.number_of_nodes()
        assert edges == sum(len(_pairs(data_graph, k)) for k in (VERSUS, RELATED, ALTERNATIVE))
        assert v.js("pickgraph.network.physics.options.enabled") is False  # still from the first frame

        shot = tmp_path / "pickgraph-html.png"
        v.page.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("PICKGRAPH_UPDATE_SCREENSHOT"):
            SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copyfile(shot, SCREENSHOT)

        v.page.fill("#search-input", "postgresql")
        v.page.press("#search-input", "Enter")
        assert v.js("pickgraph.network.getSelectedNodes()") == ["postgresql"]
        assert v.page.text_content("#status") == "Selected PostgreSQL."
        assert v.page.text_content("#details h3") == "PostgreSQL"
        # the neighbourhood stays lit, everything else is dimmed
        dimmed = v.js("pickgraph.nodes.get().filter(n => n.color.background === '#e9edf1').map(n => n.id)")
        neighbours = set(data_graph.successors("postgresql")) | set(data_graph.predecessors("postgresql"))
        assert set(dimmed) == set(data_graph.nodes) - neighbours - {"postgresql"}

        v.page.fill("#search-input", "no such topic at all")
        v.page.press("#search-input", "Enter")
        assert v.page.text_content("#status") == "No topic matches “no such topic at all”."
        assert v.errors == [] and v.outside == []
        record_property("data_page_ready_seconds", round(v.seconds, 3))
        record_property("data_page_first_draw_ms", v.drawn_ms)
    finally:
        v.close()


def test_edge_filter_hides_a_kind(browser, data_page, data_graph):
    v = Visit(browser, data_page)
    try:
        v.page.uncheck("#filters input[data-kind='related-to']")
        hidden = v.js("pickgraph.edges.get().filter(e => e.hidden).map(e => e.kind)")
        assert hidden == ["related-to"] * len(_pairs(data_graph, RELATED))
        v.page.check("#filters input[data-kind='related-to']")
        assert v.js("pickgraph.edges.get().filter(e => e.hidden).length") == 0
        assert v.errors == []
    finally:
        v.close()


def test_markup_in_a_document_is_shown_as_text(browser, payload_graph, tmp_path):
    G = payload_graph
    path = tmp_path / "payload.html"
    write_page(G, path)
    v = Visit(browser, path, 1200, 800)
    try:
        v.hover_node("alpha")
        card = v.page.text_content("#hover")
        assert f"Developers should use Alpha {IMG} and {SCRIPT} for it" in card
        assert v.js("document.querySelectorAll('#hover img, #hover script, img').length") == 0
        v.page.mouse.move(5, 5)
        v.page.wait_for_selector("#hover", state="hidden")

        v.page.fill("#search-input", "alpha")
        v.page.press("#search-input", "Enter")
        assert f"{IMG} and {SCRIPT}" in v.page.text_content("#details-body")

        # the comparison's card, through the page's own function (hovering a line is fiddly)
        v.page.click("#details-close")
        mid = v.js("""(() => {
            const net = pickgraph.network, a = net.getPosition('alpha'), b = net.getPosition('beta');
            const box = document.getElementById('network').getBoundingClientRect();
            const p = net.canvasToDOM({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2});
            return [box.left + p.x, box.top + p.y]; })()""")
        v.page.mouse.click(*mid)
        details = v.page.text_content("#details-body")
        assert "Alpha vs Beta" in details and f"Pick: AlphaFast builds {IMG} for everyone here" in details

        assert v.js("typeof window.__pwned") == "undefined"
        assert v.errors == [] and v.outside == []
    finally:
        v.close()


def test_overview_page(browser, data_graph, tmp_path, record_property):
    path = tmp_path / "overview.html"
    write_page(data_graph, path, max_topics=50, overview_topics=30)
    expected = page_data(data_graph, max_topics=50, overview_topics=30)
    v = Visit(browser, path)
    try:
        assert v.js("[pickgraph.nodes.length, pickgraph.edges.length]") == [30, len(expected["edges"])]
        note = v.page.text_content("#note")
        assert note == expected["meta"]["note"] and "pickgraph view TOPIC" in note
        left_out = expected["elsewhere"][0]
        v.page.fill("#search-input", left_out[1])
        v.page.press("#search-input", "Enter")
        assert v.page.text_content("#status") == f"{left_out[1]} is not in this view; run: pickgraph view {left_out[0]}"
        assert v.errors == [] and v.outside == []
        record_property("overview_ready_seconds", round(v.seconds, 3))
    finally:
        v.close()


def test_focus_page_selects_the_topic(browser, data_graph, tmp_path):
    path = tmp_path / "focus.html"
    write_page(data_graph, path, focus="Redis", depth=1)
    v = Visit(browser, path)
    try:
        assert v.js("pickgraph.network.getSelectedNodes()") == ["redis"]
        assert v.js("document.title") == "pickgraph — around Redis"
        assert v.errors == []
    finally:
        v.close()


def test_html_ready_benchmark_reports_the_page(browser, data_page, data_graph):
    import json
    import subprocess
    import sys

    # its own Playwright, in another process (one process cannot run two sync Playwrights)
    r = subprocess.run([sys.executable, "-m", "benchmarks.html_ready", str(data_page), "--runs", "1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)
    assert row["topics"] == data_graph.number_of_nodes() and row["errors"] == []
    assert row["bytes"] == data_page.stat().st_size and row["ready_s"]["median"] > 0
