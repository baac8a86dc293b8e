"""No answer outlives the graph it came from: fits and suggestion indexes are made per graph, explicitly."""

import pytest

from graph.query import rank
from graph.query.compare import compare
from graph.kg.graph import VERSUS, build_graph
from graph.query.models import Models
from graph.read import parse_text
from graph.read.records import ReadReport
from graph.read.render import render_comparison
from graph.query.suggest import suggest


def _graph(games):
    pages = [parse_text(render_comparison(a, b, w), f"{a}-{b}.txt") for a, b, w in games]
    return build_graph(ReadReport(pages=pages))


def _flip(G):
    for u, v, d in G.edges(data=True):
        if d["kind"] == VERSUS and d["pick"]:
            d["pick"] = v if d["pick"] == u else u


def test_flipping_the_picks_in_place_flips_the_probability():
    # the old module cache keyed the fit by node and document counts: unchanged by a flip,
    # so the second answer came from the first fit (0.766 where 0.234 is right)
    G = _graph([("Ant", "Bee", "Ant"), ("Bee", "Cat", "Bee")])
    before = rank.win_probability(G, "ant", "cat")
    _flip(G)
    after = rank.win_probability(G, "ant", "cat")
    assert before == pytest.approx(0.766, abs=5e-4)
    assert after == pytest.approx(0.234, abs=5e-4)
    assert compare(G, "ant", "cat")["prediction"]["pick"] == "cat"
    assert rank.win_chain(G, "cat", "ant") == ["cat", "bee", "ant"] and rank.win_chain(G, "ant", "cat") is None


def test_a_kept_fit_answers_for_the_graph_it_was_made_from():
    G = _graph([("Ant", "Bee", "Ant"), ("Bee", "Cat", "Bee")])
    m = Models(G)
    assert m.made() == ()
    kept = m.fit
    assert m.made() == ("fit",) and m.fit is kept  # made once, then kept
    _flip(G)
    # the caller holds the old graph's fit and says so; a new Models sees the graph as it is
    assert rank.win_probability(G, "ant", "cat", fit=kept) == pytest.approx(0.766, abs=5e-4)
    assert rank.win_probability(G, "ant", "cat", fit=Models(G).fit) == pytest.approx(0.234, abs=5e-4)


def test_suggestions_follow_edges_added_in_place():
    G = _graph([("Ant", "Bee", "Ant"), ("Bee", "Cat", "Bee"), ("Cat", "Dog", "Cat")])
    assert "cat" in [s["slug"] for s in suggest(G, "ant", k=5)]
    G.add_edge("ant", "cat", key="versus:x", kind=VERSUS, pick="ant", doc="x", title="Ant vs Cat")
    # compared now: never suggested again, though nodes and documents are as many as before
    assert "cat" not in [s["slug"] for s in suggest(G, "ant", k=5)]


def test_the_build_saves_the_models_and_queries_load_them(tmp_path, tiny_corpus):
    import json

    from click.testing import CliRunner

    from graph.cli import main
    from graph.query.models import load_models, models_path, part_path, save_models
    from graph.build.record import cache_path
    from graph.build.load import load_graph

    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["--out", str(out), "build", "-q", str(tiny_corpus)]).exit_code == 0
    target = models_path(cache_path(out, [str(tiny_corpus)]))
    G = load_graph([str(tiny_corpus)], out)
    m = load_models(G, target)
    assert m.made() == () and m.fit.probability("alpha", "beta") == pytest.approx(
        rank.fit(G).probability("alpha", "beta"))
    assert m.loaded == {"fit"}  # read, not made; and the index is not read until asked for
    assert m.index.pos == load_models(G, target).index.pos and m.loaded == {"fit", "index"}
    r = CliRunner().invoke(main, ["--out", str(out), "suggest", "Alpha", "--json"])
    assert json.loads(r.stdout)["results"][0]["suggestions"] == suggest(G, "alpha")

    # another graph (the pages changed): the saved models are not its own
    G.graph["fingerprint"] = "another"
    other = load_models(G, target)
    other.fit
    assert other.loaded == set()
    # damaged: made anew, and saved again whole by the next query that needs it
    fit_file = part_path(target, "fit")
    fit_file.write_bytes(fit_file.read_bytes()[:100])
    G = load_graph([str(tiny_corpus)], out)
    broken = load_models(G, target)
    broken.fit
    assert broken.loaded == set()
    index_made = part_path(target, "index").stat().st_mtime_ns
    r = CliRunner().invoke(main, ["--out", str(out), "compare", "Alpha", "Beta", "--json"])
    assert r.exit_code == 0
    again = load_models(G, target)
    again.fit
    assert again.loaded == {"fit"}
    assert part_path(target, "index").stat().st_mtime_ns == index_made  # only what was made is written
    save_models(Models(G), target)  # nothing made: nothing written over
    assert load_models(G, target).fit is not None
