"""The HTML page: its data (nodes, edges, cards), its safety and its reproducibility — no browser here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.export.html import (HtmlError, page_data, pick_reason, render_html, safe_json, select_topics, spread,
                        strongest_pairs, vis_assets, write_page)
from graph.kg.graph import ALTERNATIVE, RELATED, VERSUS, contested_pairs
from graph.errors import UnknownTopic
from graph.build.pipeline import build
from graph.read.render import PLACEHOLDER, render_comparison, render_topic_page

from conftest import IMG, ROOT, SCRIPT


def embedded_data(html: str) -> dict:
    """The JSON the page carries, read back the way the browser reads it."""
    m = re.search(r'<script id="pickgraph-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "no data element in the page"
    return json.loads(m.group(1))


def distinct_pairs(G, kind: str) -> set[tuple[str, str]]:
    return {tuple(sorted((u, v))) for u, v, d in G.edges(data=True) if d["kind"] == kind and u != v}


# ------------------------------------------------------------- structure --

def test_tiny_graph_nodes_and_edges(tiny_graph):
    d = page_data(tiny_graph)
    assert d["meta"]["mode"] == "full"
    assert sorted(n["id"] for n in d["nodes"]) == sorted(tiny_graph.nodes)
    kinds = {}
    for e in d["edges"]:
        kinds.setdefault(e["kind"], set()).add(e["id"])
    assert kinds[VERSUS] == {"versus:alpha|beta", "versus:beta|gamma", "versus:delta|gamma",
                             "versus:pi|qubit", "versus:xeno|yotta"}
    assert len(kinds[RELATED]) == len(distinct_pairs(tiny_graph, RELATED))
    assert d["meta"]["topics_shown"] == tiny_graph.number_of_nodes()
    assert d["meta"]["edges_shown"] == len(d["edges"])


def test_versus_arrow_points_to_the_pick_and_contested_is_marked(tiny_graph):
    edges = {e["id"]: e for e in page_data(tiny_graph)["edges"]}
    ab = edges["versus:alpha|beta"]
    assert (ab["from"], ab["to"]) == ("beta", "alpha")  # Alpha won
    assert ab["arrows"] == {"to": {"enabled": True, "scaleFactor": 0.7}}
    assert "dashes" not in ab and ab["contested"] is False
    yx = edges["versus:xeno|yotta"]
    assert (yx["from"], yx["to"]) == ("xeno", "yotta")
    pq = edges["versus:pi|qubit"]  # one page each way
    assert pq["contested"] is True and pq["label"] == "contested" and pq["dashes"] == [8, 5]
    assert pq["arrows"]["to"]["enabled"] and pq["arrows"]["from"]["enabled"]
    assert pq["color"]["color"] == "#d62728"
    rel = edges["related-to:alpha|shared"]
    assert rel["dashes"] == [3, 5] and rel["arrows"] == {"to": {"enabled": False}}


def test_topic_cards_carry_the_record(tiny_graph):
    cards = page_data(tiny_graph)["cards"]
    assert {k: cards["beta"][k] for k in ("compared", "wins", "losses", "no_pick")} == \
        {"compared": 2, "wins": 1, "losses": 1, "no_pick": 0}
    assert (cards["pi"]["wins"], cards["pi"]["losses"]) == (1, 1)
    assert (cards["shared"]["compared"], cards["shared"]["wins"]) == (0, 0)
    assert cards["alpha"]["text"] == "Developers should choose Alpha when its strengths match the project"


def test_nodes_are_sized_by_comparisons(tiny_graph):
    nodes = {n["id"]: n for n in page_data(tiny_graph)["nodes"]}
    assert nodes["beta"]["size"] > nodes["alpha"]["size"] > nodes["shared"]["size"]
    assert nodes["beta"]["font"]["size"] > nodes["shared"]["font"]["size"]


def test_colours_and_legend_cover_every_topic(data_graph):
    d = page_data(data_graph)
    assert sum(g["count"] for g in d["legend"]) == len(d["nodes"])
    legend_colours = {g["colour"] for g in d["legend"]}
    assert {n["color"]["background"] for n in d["nodes"]} == legend_colours
    assert len(legend_colours) >= 5  # the corpus has several domains, not one blob


def test_data_page_counts_match_the_graph(data_graph):
    d = page_data(data_graph)
    assert len(d["nodes"]) == data_graph.number_of_nodes()
    expected = sum(len(distinct_pairs(data_graph, k)) for k in (VERSUS, RELATED, ALTERNATIVE))
    assert len(d["edges"]) == expected
    contested = {f"versus:{a}|{b}" for a, b in contested_pairs(data_graph)}
    assert {e["id"] for e in d["edges"] if e.get("contested")} == contested
    assert len(contested) >= 1


def test_no_two_topics_overlap_on_the_data_page(data_graph):
    """Dots and labels get their own room (the boxes the layout reserved)."""
    boxes = []
    for n in page_data(data_graph)["nodes"]:
        size, font = n["size"], n["font"]["size"]
        half = max(2 * size, 0.56 * font * len(n["label"])) / 2
        boxes.append((n["x"] - half, n["x"] + half, n["y"] - size, n["y"] + size + 4 + 1.2 * font))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]), (a, b)


def test_spread_separates_two_stacked_nodes():
    pos = spread({"a": (0.0, 0.0), "b": (0.0, 0.0)}, {"a": (100, 10, 30), "b": (100, 10, 30)})
    (ax, ay), (bx, by) = pos["a"], pos["b"]
    assert abs(ax - bx) >= 106 or abs(ay - by) >= 44


# ----------------------------------------------------------- hover text --

def test_edge_card_gives_pick_and_reason_never_the_placeholder(make_corpus):
    folder = make_corpus({
        "ab.txt": render_comparison("Alpha", "Beta", "Alpha",
                                    pros={"Alpha": ["Alpha compiles large projects in seconds"]},
                                    cons={"Alpha": [PLACEHOLDER]}),
        "cd.txt": render_comparison("Gamma", "Delta", "Delta", pros={"Delta": ["g"]},
                                    descriptions={"Delta": "Use Delta when the team already runs it"}),
    })
    G, _ = build([folder])
    cards = page_data(G)["edge_cards"]
    (ab,) = cards["versus:alpha|beta"]["verdicts"]
    assert (ab["pick"], ab["reason"], ab["source"]) == ("Alpha", "Alpha compiles large projects in seconds",
                                                        str(folder / "ab.txt"))
    (cd,) = cards["versus:delta|gamma"]["verdicts"]  # debris pro: the description stands in
    assert (cd["pick"], cd["reason"]) == ("Delta", "Use Delta when the team already runs it")


def test_no_reason_on_the_data_page_is_the_placeholder_con(data_graph):
    reasons = [v["reason"] for c in page_data(data_graph)["edge_cards"].values() for v in c.get("verdicts", [])]
    assert len(reasons) == 92 and all(reasons)
    assert not [r for r in reasons if PLACEHOLDER.lower() in r.lower()]


def test_pick_reason_of_a_page_without_pick_is_empty():
    assert pick_reason(None, "Go") == ""


def test_suggestions_come_from_graph_suggest(data_graph):
    suggest = pytest.importorskip("graph.query.suggest").suggest
    cards = page_data(data_graph)["cards"]
    for slug in ("postgresql", "react", "docker"):
        expected = sorted(suggest(data_graph, slug, k=6), key=lambda s: (-s["score"], s["slug"]))[:3]
        assert cards[slug]["suggestions"] == [s["name"] for s in expected]
        assert cards[slug]["suggestions"]  # the corpus gives something to suggest


def test_suggestions_are_limited_on_request(data_graph):
    cards = page_data(data_graph, suggest_topics=5)["cards"]
    assert sum(c["suggestions"] is not None for c in cards.values()) == 5


# --------------------------------------------------------------- safety --



def test_markup_travels_as_data_and_never_as_markup(payload_graph, tmp_path):
    target = tmp_path / "p.html"
    write_page(payload_graph, target)
    html = target.read_text(encoding="utf-8")
    assert IMG not in html and SCRIPT not in html and "<img" not in html
    data = embedded_data(html)
    assert data["cards"]["alpha"]["text"] == f"Developers should use Alpha {IMG} and {SCRIPT} for it"
    assert data["edge_cards"]["versus:alpha|beta"]["verdicts"][0]["reason"] == f"Fast builds {IMG} for everyone here"
    assert all("title" not in n for n in data["nodes"]) and all("title" not in e for e in data["edges"])


def test_safe_json_round_trips_and_cannot_close_a_script():
    value = {"t": "</script><!-- & \u2028 \u2029 >", "n": [1, 2.5, None]}
    text = safe_json(value)
    assert json.loads(text) == value
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}


# ------------------------------------------------------------ offline page --

def test_page_is_self_contained(tiny_graph):
    html = render_html(page_data(tiny_graph))
    js, css = vis_assets()
    assert js in html and css in html  # vis-network from the pyvis package, inlined
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", html, re.I)
    assert "default-src 'none'" in html  # and the browser is told to fetch nothing
    assert len(re.findall(r"<script[\s>]", html.replace(js, ""))) == 3  # data, vis-network, the page's own


def test_same_corpus_same_bytes(tiny_corpus, tmp_path):
    """Across processes and hash seeds (set order must not leak into the page)."""
    digests = set()
    for seed in ("1", "2"):
        out = tmp_path / f"p{seed}.html"
        code = ("import sys; from graph.build.pipeline import build; from graph.export.html import write_page; "
                "G, _ = build([sys.argv[1]]); write_page(G, sys.argv[2])")
        subprocess.run([sys.executable, "-c", code, str(tiny_corpus), str(out)], check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_write_is_utf8_and_atomic(tiny_graph, tmp_path):
    target = tmp_path / "sub" / "g.html"
    result = write_page(tiny_graph, target)
    raw = target.read_bytes()
    assert raw.decode("utf-8").startswith("<!DOCTYPE html>")
    assert result["bytes"] == len(raw) and result["path"] == str(target)
    assert [p.name for p in target.parent.iterdir()] == ["g.html"]  # no temporary file left


# ------------------------------------------------------ overview and focus --

def test_large_graph_gets_an_overview(data_graph):
    d = page_data(data_graph, max_topics=50, overview_topics=20, overview_links=1)
    meta = d["meta"]
    assert (meta["mode"], meta["topics_shown"], meta["topics_total"]) == ("overview", 20, data_graph.number_of_nodes())
    top = sorted(data_graph.nodes, key=lambda n: (-data_graph.degree(n), n))[:20]
    assert sorted(n["id"] for n in d["nodes"]) == sorted(top)
    assert "pickgraph view TOPIC" in meta["note"] and "20 most connected" in meta["note"]
    assert len(d["elsewhere"]) == data_graph.number_of_nodes() - 20
    assert "Each topic shows its 1 strongest link (most documents)." in meta["note"]
    # each drawn link is the strongest of one of its ends, so there is at most one per topic
    everything = page_data(data_graph, max_topics=50, overview_topics=20, overview_links=100)
    assert len(d["edges"]) <= 20 < len(everything["edges"])


def test_strongest_pairs_keeps_each_topics_best():
    s = {("related-to", "a", "b"): 1, ("related-to", "a", "c"): 3, ("versus", "a", "d"): 1,
         ("related-to", "b", "c"): 1}
    # a: c (3) then d (versus, 2); b: a-b or b-c (tie → alphabetical a-b); c: a-c; d: a-d
    assert strongest_pairs(s, 1) == [("related-to", "a", "b"), ("related-to", "a", "c"), ("versus", "a", "d")]


def test_focus_shows_the_neighbourhood(tiny_graph):
    d1 = page_data(tiny_graph, "Alpha", depth=1)
    assert sorted(n["id"] for n in d1["nodes"]) == ["alpha", "beta", "shared"]
    assert d1["meta"]["focus"] == "alpha" and d1["meta"]["mode"] == "focus"
    d2 = page_data(tiny_graph, "alpha", depth=2)
    assert sorted(n["id"] for n in d2["nodes"]) == ["alpha", "beta", "common", "gamma", "shared"]
    assert d2["cards"]["beta"]["hidden_links"] == 0
    assert d1["cards"]["beta"]["hidden_links"] == 2  # gamma and common are outside


def test_focus_errors(tiny_graph):
    with pytest.raises(UnknownTopic):
        page_data(tiny_graph, "Nonexistent")
    with pytest.raises(HtmlError):
        select_topics(tiny_graph, "alpha", depth=-1)


def test_alternative_edges_are_drawn_distinctly(make_corpus):
    folder = make_corpus({
        "t.txt": render_topic_page("Redis", "An in-memory store.", alternatives=["Memcached"]),
        "c.txt": render_comparison("Redis", "Memcached", "Redis"),
    })
    G, _ = build([folder])
    edges = {e["id"]: e for e in page_data(G)["edges"]}
    alt = edges["alternative-to:memcached|redis"]
    assert (alt["from"], alt["to"], alt["dashes"], alt["color"]["color"]) == ("redis", "memcached", [2, 4], "#8e44ad")


# ------------------------------------------------------------------- CLI --

def test_cli_view_topic(tiny_corpus, tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(out), "view", "Alpha",
                                  "--depth", "1", "--no-open", "--json"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert (result["focus"], result["topics_shown"], result["mode"]) == ("alpha", 3, "focus")
    page = out / "pickgraph-alpha.html"
    assert result["path"] == str(page) and page.stat().st_size == result["bytes"]


def test_cli_view_whole_graph_to_a_file(tiny_corpus, tmp_path):
    target = tmp_path / "all.html"
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path / "o"), "view",
                                  "-o", str(target), "--no-open"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"wrote {target} (12 topics,")
    assert len(embedded_data(target.read_text(encoding="utf-8"))["nodes"]) == 12


def test_cli_view_unknown_topic(tiny_corpus, tmp_path):
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path), "view", "Alpah", "--no-open"])
    assert r.exit_code == 1
    assert "Error: unknown topic 'Alpah'; did you mean: Alpha" in r.output


def test_cli_export_html(tiny_corpus, tmp_path):
    target = tmp_path / "e.html"
    r = CliRunner().invoke(main, ["--corpus", str(tiny_corpus), "--out", str(tmp_path / "o"), "export",
                                  "--format", "html", "-o", str(target)])
    assert r.exit_code == 0, r.output
    assert embedded_data(target.read_text(encoding="utf-8"))["meta"]["mode"] == "full"


def test_big_neighbourhood_is_cut_to_the_closest(data_graph):
    d = page_data(data_graph, "PostgreSQL", depth=3, overview_topics=15)
    shown = {n["id"] for n in d["nodes"]}
    assert len(shown) == 15 and "postgresql" in shown
    direct = set(data_graph.successors("postgresql")) | set(data_graph.predecessors("postgresql"))
    assert len(direct) < 15 and direct <= shown  # distance 1 before distance 2
    assert "the 15 closest (then best connected) are shown" in d["meta"]["note"]


def test_crowded_page_keeps_the_strongest_links_and_all_of_the_focus(data_graph, monkeypatch):
    import graph.export.html

    full = page_data(data_graph, "PostgreSQL", depth=2)
    monkeypatch.setattr(graph.export.html, "MAX_LINKS", 10)
    thin = page_data(data_graph, "PostgreSQL", depth=2, overview_links=1)
    assert len(thin["nodes"]) == len(full["nodes"])
    assert len(thin["edges"]) < len(full["edges"])
    own = {e["id"] for e in full["edges"] if "postgresql" in (e["from"], e["to"])}
    assert own <= {e["id"] for e in thin["edges"]}
    assert "PostgreSQL all of its own" in thin["meta"]["note"]
