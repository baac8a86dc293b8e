"""The explorer of ``pickgraph serve`` in Debian's Chromium (Playwright), against the real server.

Every request outside the server is blocked and counted; console errors are counted. On the build of
``data/`` always; on a build of a generated 100,000-page corpus when ``PICKGRAPH_SERVE_100K`` names its
out folder (the load benchmark does: ``python -m benchmarks.serve_load``).

``PICKGRAPH_UPDATE_SCREENSHOT=1`` also writes the screenshot of the data/ explorer to docs/serve.png.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from servehelp import ROOT, Server, Tab

pytestmark = [pytest.mark.browser, pytest.mark.server]
SCREENSHOT = ROOT / "docs" / "serve.png"
BIG = os.environ.get("PICKGRAPH_SERVE_100K")


def _neighbours(server: Server, slug: str) -> list[str]:
    return [n["id"] for n in server.get(f"/api/neighbours?topic={slug}&limit=25")[1]["nodes"]]


def _tour(browser, server: Server, typed: str, slug: str, shot: Path | None = None) -> dict:
    """Search and complete, open the topic, expand a neighbour, compare, go back twice; what it saw."""
    with Tab(browser, server) as x:
        started = time.perf_counter()
        x.page.fill("#search", typed)
        x.page.wait_for_selector(f'#completions li[data-slug="{slug}"]', timeout=10_000)
        completed_ms = (time.perf_counter() - started) * 1000
        x.page.click(f'#completions li[data-slug="{slug}"]')
        x.settle()
        name = server.get(f"/api/show?topic={slug}")[1]["name"]
        assert x.query == f"/?topic={slug}"
        assert x.page.text_content("#panel h2") == name
        around = _neighbours(server, slug)
        assert x.js("explorer.shownNodes()") == sorted(around)

        # expand a neighbour by clicking it in the drawing
        other = next(n for n in around[1:] if len(_neighbours(server, n)) > 2)
        pos = x.js(f"explorer.nodePosition({other!r})")
        x.page.mouse.click(pos["x"], pos["y"])
        x.settle()
        assert x.query == f"/?topic={slug}&expand={other}"
        expanded = sorted(set(around) | set(_neighbours(server, other)))
        assert x.js("explorer.shownNodes()") == expanded
        if shot:
            x.page.screenshot(path=str(shot))

        # compare the topic with the first topic it was compared with
        against = server.get(f"/api/show?topic={slug}")[1]["comparisons"][0]
        x.page.click("#panel ul.comparisons li >> nth=0 >> button:text-is('compare')")
        x.settle()
        assert x.query == f"/?a={slug}&b={against['against']}"
        assert x.page.text_content("#panel h2") == f"{name} vs {against['against_name']}"
        note = server.get(f"/api/compare?a={slug}&b={against['against']}")[1]["note"]
        assert x.page.text_content("#panel p.verdict") == note

        # the back button restores each earlier state
        x.page.go_back()
        x.settle()
        assert x.query == f"/?topic={slug}&expand={other}"
        assert x.page.text_content("#panel h2") == name
        assert x.js("explorer.shownNodes()") == expanded
        x.page.go_back()
        x.settle()
        assert x.query == f"/?topic={slug}" and x.js("explorer.shownNodes()") == sorted(around)

        assert x.errors == [] and x.outside == []
        return {"completed_ms": completed_ms}


def test_explore_data(browser, data_server, tmp_path):
    shot = tmp_path / "serve.png"
    _tour(browser, data_server, "postg", "postgresql", shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("PICKGRAPH_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, SCREENSHOT)


def test_the_first_completion_is_the_most_compared_match(browser, data_server):
    with Tab(browser, data_server) as x:
        x.page.fill("#search", "postg")
        x.page.wait_for_selector("#completions li[data-slug]")
        assert x.js("[...document.querySelectorAll('#completions li.name[data-slug]')].map(li => li.dataset.slug)") == \
            ["postgresql", "postgresql-full-text-search", "postgis"]
        x.page.press("#search", "ArrowDown")
        x.page.press("#search", "ArrowDown")
        x.page.press("#search", "Enter")
        x.settle()
        assert x.query == "/?topic=postgresql-full-text-search"
        assert x.errors == [] and x.outside == []


@pytest.mark.skipif(not BIG, reason="set PICKGRAPH_SERVE_100K to the out folder of a 100,000-page build "
                                    "(python -m benchmarks.serve_load does)")
def test_explore_100k(browser, record_property):
    with Server(BIG) as s:
        top = s.get("/api/topics?limit=1")[1][0]
        seen = _tour(browser, s, top["name"][:4], top["slug"])
        record_property("completed_ms", round(seen["completed_ms"]))
