"""The explorer's start page (the whole graph in WebGL), its search and its compare view, in Debian's Chromium
against a real ``pickgraph serve`` of a real build; every request elsewhere blocked and recorded.

The drawing is checked in the pixels of a screenshot (the canvas is WebGL: nothing in the DOM to read) and in
sigma.js's own display data (what it draws or hides), never in a stand-in.
"""

from __future__ import annotations

import io
import json

import pytest
from conftest import IMG, SCRIPT, render_comparison, write_corpus
from servehelp import Server, Tab, build

pytestmark = [pytest.mark.browser, pytest.mark.server]


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _colours_drawn(png: bytes, colours: list[str]) -> dict[str, int]:
    """How many pixels of the screenshot have each of ``colours`` (exactly: sigma fills its discs flat)."""
    from PIL import Image

    counts = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 24)
    found = {rgb: n for n, rgb in counts}
    return {c: found.get(_hex(c), 0) for c in colours}


def test_the_start_page_draws_the_whole_graph_with_its_legend(browser, data_server):
    _, data = data_server.get("/api/overview")
    with Tab(browser, data_server) as x:
        assert x.query == "/" and x.js("document.getElementById('overview').hidden") is False
        # the legend: every community of the build's layout, in its order, with its count
        legend = x.js("[...document.querySelectorAll('#legend ul.communities li')].map(li => "
                      "[li.querySelector('.name').textContent, Number(li.querySelector('.count').textContent)])")
        assert legend == [[c["label"], c["count"]] for c in data["communities"]]
        assert len(legend) == 11 and legend[-1][0] == "smaller groups"
        assert sum(n for _, n in legend) == len(data["nodes"]) == 233
        # the canvas is drawn: each named community's colour fills pixels of the drawing
        drawn = _colours_drawn(x.page.locator("#overview").screenshot(), [c["colour"] for c in data["communities"]])
        assert all(n > 20 for n in drawn.values()), drawn
        assert x.js("document.querySelector('#lod').textContent") == "233 topics"
        assert x.errors == [] and x.outside == []


def _meets(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def test_start_page_labels_never_overlap_and_the_legend_covers_no_topic(browser, data_server):
    """At the issue's 1280×800: the labels drawn on the whole view (Express over Jest, Cassandra over MongoDB
    were), and the legend's box against every drawn topic's disc."""
    with Tab(browser, data_server, width=1280, height=800) as x:
        x.page.wait_for_timeout(300)  # a frame or two after ready: the labels of the settled frame
        labels = x.js("explorer.labelBoxes()")
        assert len(labels) > 20
        assert [(a["key"], b["key"]) for i, a in enumerate(labels) for b in labels[i + 1:] if _meets(a, b)] == []
        legend = x.page.locator("#legend").bounding_box()
        assert legend["height"] > 100
        legend = {"x": legend["x"], "y": legend["y"], "w": legend["width"], "h": legend["height"]}
        discs = x.js("explorer.overview.graph.mapNodes(n => ({key: n, ...explorer.nodeScreen(n)}))")
        assert len(discs) == 233
        assert [d["key"] for d in discs
                if _meets(legend, {"x": d["x"] - d["r"], "y": d["y"] - d["r"], "w": 2 * d["r"], "h": 2 * d["r"]})] == []
        assert x.errors == [] and x.outside == []


def test_the_edge_kind_filters_hide_and_show_their_links(browser, data_server):
    _, data = data_server.get("/api/overview")
    count = {k: sum(1 for e in data["edges"] if data["kinds"][e[2]] == k) for k in data["kinds"]}
    with Tab(browser, data_server) as x:
        shown = lambda: {k: x.js(f"explorer.edgeShown({k!r})") for k in data["kinds"]}  # noqa: E731
        assert shown() == count and all(count.values())
        x.page.uncheck("#kind-related-to")
        assert shown() == {**count, "related-to": 0}
        x.page.uncheck("#kind-versus")
        assert shown() == {**count, "related-to": 0, "versus": 0}
        x.page.check("#kind-related-to")
        assert shown() == {**count, "versus": 0}
        x.page.check("#kind-versus")
        assert shown() == count
        assert x.errors == [] and x.outside == []


def test_hover_shows_a_neighbourhood_and_click_opens_the_card(browser, data_server):
    with Tab(browser, data_server) as x:
        neighbours = sorted({n["id"] for n in data_server.get("/api/neighbours?topic=postgresql&limit=200")[1]["nodes"]})
        pos = x.js("explorer.nodeScreen('postgresql')")
        drawn = x.js("explorer.overview.settled")
        x.page.mouse.move(pos["x"], pos["y"])
        x.page.wait_for_function("() => explorer.overview.hovered === 'postgresql'", timeout=10_000)
        x.page.wait_for_function("() => (explorer.overview.hoverDrawn || [])[0] === 'postgresql'", timeout=10_000)
        # the topic and its neighbours drawn on the hover layer, shown over the rest; the rest not redrawn
        assert sorted(x.js("explorer.overview.hoverDrawn")) == neighbours
        assert x.js("explorer.overview.sigma.getCanvases().hovers.style.display") == ""
        x.page.wait_for_timeout(100)  # a frame or more: a redraw, had the hover asked one, would be done
        assert x.js("explorer.overview.settled") == drawn
        x.page.mouse.move(pos["x"], pos["y"] + 300)  # off the topic: nothing hovered, the hover layer hidden
        x.page.wait_for_function("() => explorer.overview.hovered === null", timeout=10_000)
        assert x.js("explorer.overview.sigma.getCanvases().hovers.style.display") == "none"
        x.page.mouse.move(pos["x"], pos["y"])
        x.page.wait_for_function("() => explorer.overview.hovered === 'postgresql'", timeout=10_000)
        x.page.mouse.click(pos["x"], pos["y"])
        x.settle()
        assert x.query == "/?topic=postgresql" and x.page.text_content("#panel h2") == "PostgreSQL"
        assert x.js("document.getElementById('overview').hidden") is True
        assert x.errors == [] and x.outside == []


def test_a_click_shows_the_card_before_the_neighbourhood_is_drawn_with_vis_network_loaded_before(browser, data_server):
    """vis-network is fetched in idle time after the start page's first frame, not on the first click; the click's
    card is on screen before the neighbourhood's layout holds the page, which then draws the topic's neighbours."""
    with Tab(browser, data_server) as x:
        asked = []
        x.page.on("request", lambda r: asked.append(r.url.removeprefix(data_server.url)))
        assert x.js("typeof window.vis") == "object" and x.js("explorer.clickMarks") == {}
        neighbours = sorted({n["id"] for n in data_server.get("/api/neighbours?topic=postgresql&limit=25")[1]["nodes"]})
        pos = x.js("explorer.nodeScreen('postgresql')")
        x.page.mouse.move(pos["x"], pos["y"])
        x.page.wait_for_function("() => explorer.overview.hovered === 'postgresql'", timeout=10_000)
        x.page.mouse.click(pos["x"], pos["y"])
        x.settle()
        assert x.query == "/?topic=postgresql" and x.page.text_content("#panel h2") == "PostgreSQL"
        assert x.js("explorer.shownNodes()") == neighbours
        marks = x.js("explorer.clickMarks")
        assert sorted(marks) == ["click.card", "click.click", "click.drawn", "click.neighbours", "click.show", "click.vis"]
        # the network is made, and laid out, only once the card is on screen
        assert marks["click.show"] <= marks["click.card"] < marks["click.vis"] <= marks["click.drawn"]
        assert not [u for u in asked if "vis-network" in u]  # fetched before the click, once
        assert sorted(u.split("?")[0] for u in asked) == ["/api/neighbours", "/api/show", "/api/suggest"]
        assert x.errors == [] and x.outside == []


def test_a_pan_moves_the_last_frame_then_draws_it_for_real_and_hover_finds_the_topic(browser, data_server):
    """While the camera moves, the frame on screen is the last one moved by a transform to where the real one will
    be, nothing redrawn; once the camera rests the real frame is drawn in place and the mouse finds the topic."""
    with Tab(browser, data_server) as x:
        x.page.wait_for_function("() => explorer.overview.settled > 0", timeout=10_000)
        drawn = x.js("explorer.overview.settled")
        was = x.js("explorer.nodeScreen('postgresql')")
        x.js("""(() => { const cam = explorer.overview.sigma.getCamera(), s = cam.getState();
            for (let i = 1; i <= 5; i++) cam.setState({ ...s, x: s.x + 0.01 * i, y: s.y - 0.005 * i }); })()""")
        shift = x.js("explorer.overview.sigma.getCanvases().nodes.style.transform")
        assert x.js("explorer.overview.sigma.getCanvases().mouse.style.transform") == ""
        assert x.js("explorer.overview.settled") == drawn  # not redrawn while moving
        x.page.wait_for_function(f"() => explorer.overview.settled > {drawn}", timeout=10_000)
        assert x.js("explorer.overview.sigma.getCanvases().nodes.style.transform") == ""
        # the real frame puts the topic where the moved picture showed it
        pos = x.js("explorer.nodeScreen('postgresql')")
        dx, dy = round(pos["x"] - was["x"]), round(pos["y"] - was["y"])
        assert dx < -20 and dy < -5
        assert shift == f"translate({dx}px, {dy}px)"
        x.page.mouse.move(pos["x"], pos["y"])
        x.page.wait_for_function("() => explorer.overview.hovered === 'postgresql'", timeout=10_000)
        assert x.errors == [] and x.outside == []


def test_the_wheel_zooms_in_at_the_mouse_while_the_picture_moves(browser, data_server):
    """sigma reads the mouse against its layers' box: the moved picture must leave it in place, or a zoom at the mouse
    drifts away from the topic under it."""
    with Tab(browser, data_server) as x:
        x.page.wait_for_function("() => explorer.overview.settled > 0", timeout=10_000)
        drawn = x.js("explorer.overview.settled")
        topic = x.js("explorer.nodeScreen('mysql')")
        pos = {"x": round(topic["x"]), "y": round(topic["y"])}  # the mouse is at whole pixels
        x.page.mouse.move(pos["x"], pos["y"])
        for _ in range(3):
            x.page.mouse.wheel(0, -200)
            x.page.wait_for_timeout(40)
        x.page.wait_for_function(f"() => explorer.overview.settled > {drawn} && explorer.overview.sigma.getCamera().getState().ratio < 0.6"
                                 " && explorer.overview.sigma.getCanvases().nodes.style.transform === ''", timeout=10_000)
        x.page.wait_for_timeout(400)  # the zoom's animation over, its last frame drawn
        now = x.js("explorer.nodeScreen('mysql')")
        # the point under the mouse kept there, to the pixel: the topic's fraction of a pixel off the mouse, scaled
        assert abs(now["x"] - pos["x"]) <= 1 and abs(now["y"] - pos["y"]) <= 1, (now, pos)
        x.page.mouse.move(now["x"] + 1, now["y"])
        x.page.wait_for_function("() => explorer.overview.hovered === 'mysql'", timeout=10_000)
        assert x.errors == [] and x.outside == []


def _completions(x: Tab, typed: str, slug: str) -> list[list[str]]:
    x.page.fill("#search", typed)
    x.page.wait_for_selector(f'#completions[data-query="{typed}"] li[data-slug="{slug}"]', timeout=10_000)
    return x.js("[...document.querySelectorAll('#completions li.name[data-slug]')].map(li => "
                "[li.dataset.slug, li.querySelector('.meta').textContent])")


def test_search_finds_by_infix_and_by_typo(browser, data_server):
    with Tab(browser, data_server) as x:
        assert _completions(x, "sql", "postgresql") == [
            ["sql", "sql"], ["sqlite", "sqlite"], ["postgresql", "postgresql"], ["mysql", "mysql"],
            ["postgresql-full-text-search", "postgresql-full-text-search"], ["nosql", "nosql"]]
        assert _completions(x, "postgress", "postgresql")[0] == ["postgresql", "did you mean · postgresql"]
        # Enter on a misspelling: the resolver's error, and its "did you mean" names as links that open the topic
        x.page.press("#search", "Enter")
        x.page.wait_for_selector("#panel .didyoumean a")
        links = x.js("[...document.querySelectorAll('#panel .didyoumean a')].map(a => [a.textContent, a.getAttribute('href')])")
        assert links[0] == ["PostgreSQL", "/?topic=postgresql"] and len(links) == 5
        x.page.click("#panel .didyoumean a >> nth=0")
        x.settle()
        assert x.query == "/?topic=postgresql" and x.page.text_content("#panel h2") == "PostgreSQL"
        assert x.errors == [] and x.outside == []


def test_the_compare_view_shows_percentages_both_cases_and_draws_the_chain(browser, data_server):
    _, c = data_server.get("/api/compare?a=mysql&b=sqlite")
    assert c["prediction"] == {"pick": "mysql", "pick_name": "MySQL", "probability": 0.5973}
    with Tab(browser, data_server, "/?a=mysql&b=sqlite") as x:
        assert x.page.text_content("#panel p.prob") == "pick: MySQL, 60% likely (SQLite 40%)"
        assert x.js("[...document.querySelectorAll('#panel .side')].map(d => d.dataset.side)") == ["mysql", "sqlite"]
        assert x.js("[...document.querySelectorAll('#panel .side')].map(d => d.querySelector('h3').textContent)") == \
            ["The case for MySQL", "The case for SQLite"]
        assert all(x.js("[...document.querySelectorAll('#panel .side')].map(d => d.querySelectorAll('li').length > 0)"))
        # the chain MySQL beat PostgreSQL beat SQLite, and the common opponent PostgreSQL, drawn as links
        assert x.js("explorer.highlighted()") == ["hl|chain0|postgresql|mysql", "hl|chain0|sqlite|postgresql",
                                                   "hl|common|mysql|postgresql", "hl|common|sqlite|postgresql"]
        assert {"mysql", "sqlite", "postgresql"} <= set(x.js("explorer.shownNodes()"))
        assert x.errors == [] and x.outside == []


def test_markup_in_names_stays_inert_on_every_view(browser, tmp_path):
    """A topic named with markup, on the start page (legend, completions), its card and a compare view."""
    name = f"Alpha {IMG}"
    folder = write_corpus(tmp_path / "payload", {
        "ab.txt": render_comparison(name, "Beta", name, descriptions={name: f"Developers should use it {SCRIPT} here"},
                                    pros={name: [f"Fast builds {IMG} for everyone here"]}),
    })
    out = tmp_path / "out"
    build([folder], out)
    with Server(out) as s, Tab(browser, s) as x:
        labels = x.js("[...document.querySelectorAll('#legend ul.communities .name')].map(e => e.textContent)")
        assert any(IMG in label for label in labels)
        slug = s.get("/api/names?q=alpha")[1]["results"][0]["slug"]
        assert [r for r in _completions(x, "onerror", slug) if r[0] == slug]  # an infix of the name's markup
        assert x.page.text_content(f'#completions li[data-slug="{slug}"] span') == name
        x.clean()
        x.page.click(f'#completions li[data-slug="{slug}"]')
        x.settle()
        assert x.page.text_content("#panel h2") == name and SCRIPT in x.page.text_content("#panel")
        x.page.click("#panel ul.comparisons button:text-is('compare')")
        x.settle()
        assert x.page.text_content("#panel h2") == f"{name} vs Beta"
        x.clean()


def test_overview_api_is_the_build_s_file(data_server, tmp_path):
    """serve answers /api/overview with the file the build wrote, byte for byte."""
    status, headers, body = data_server.request("/api/overview")
    assert status == 200 and headers["content-type"].startswith("application/json")
    out = data_server.args[data_server.args.index("--out") + 1]
    with open(f"{out}/pickgraph-overview.json", "rb") as fh:
        assert body == fh.read()
    assert json.loads(body)["fingerprint"] == json.loads(open(f"{out}/pickgraph-build.json").read())["inputs_digest"]
