"""Names as users' pages write them: no ASCII at all, Unicode spaces, very long ones."""

from __future__ import annotations

import json

import pytest
import rdflib
from click.testing import CliRunner

from conftest import render_comparison
from graph.rdf import syntaxes
from graph.cli import main
from graph.build.pipeline import build
from graph.read import QUOTE_MAX, parse_text
from graph.resolve.names import slugify
from graph.rdf.vocab import shapes_text


def test_names_without_ascii_get_distinct_stable_slugs():
    names = ["日本語", "中文", "!!!", "???", "🦀", "🐍", "Ωmega", "Σ Stack"]
    slugs = [slugify(n) for n in names]
    assert all(slugs) and len(set(slugs)) == len(names)
    assert slugs[:2] == ["u-77710aedc7", "u-72726d8818"]  # stable across runs and machines (sha256)
    assert slugify("Σ Stack") == "stack-u-" + slugify("Σ Stack").rsplit("-", 1)[1]  # the ASCII words kept
    assert slugify("日本語 ") == slugify("日本語") and slugify("ΩMEGA") == slugify("Ωmega")  # spacing and case fold
    assert slugify("Crème Brûlée") == "creme-brulee" and slugify("Ærø") == "aero"  # a readable spelling where one exists


@pytest.fixture
def unicode_corpus(make_corpus):
    return make_corpus({
        "jp-cn.txt": render_comparison("日本語", "中文", "日本語", related={"日本語": ["languages"], "中文": ["languages"]}),
        "marks.txt": render_comparison("!!!", "???", "???", related={"!!!": ["punctuation"], "???": ["punctuation"]}),
        "emoji.txt": render_comparison("🦀", "🐍", "🦀", related={"🦀": ["rust"], "🐍": ["python"]}),
    }, "unicode")


def test_unicode_names_are_distinct_topics_with_their_labels(unicode_corpus):
    G, report = build([unicode_corpus])
    assert report.rejections == []
    names = {G.nodes[n]["name"] for n in G if G.nodes[n].get("name") in {"日本語", "中文", "!!!", "???", "🦀", "🐍"}}
    assert names == {"日本語", "中文", "!!!", "???", "🦀", "🐍"}
    slugs = {G.nodes[n]["name"]: n for n in G}
    assert slugs["日本語"] == slugify("日本語") and slugs["!!!"] != slugs["???"]
    assert "" not in G


def test_unicode_names_answer_queries_and_pass_the_shapes(unicode_corpus, tmp_path):
    import pyshacl

    run = lambda *a: CliRunner().invoke(main, ["--corpus", str(unicode_corpus), "--out", str(tmp_path), *a])  # noqa: E731
    r = run("show", "日本語", "--json")
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["name"] == "日本語" and [c["against_name"] for c in info["comparisons"]] == ["中文"]
    assert run("show", "???").output.startswith(f"???  ({slugify('???')})")
    G, _ = build([unicode_corpus])
    data = rdflib.Graph().parse(data=syntaxes.serialize(G, "turtle"), format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=rdflib.Graph().parse(data=shapes_text(), format="turtle"))
    assert conforms, text


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u3000", "\u202f"])
def test_unicode_space_in_a_name_is_a_space(space):
    text = render_comparison("Vue JS", "Svelte", "Vue JS").replace("\nVue JS\n", f"\nVue{space}JS\n")
    assert f"Vue{space}JS" in text
    page = parse_text(text, "vue.txt")
    assert page.topics == ("Vue JS", "Svelte") and page.pick == "Vue JS"
    assert [c.name for c in page.cards] == ["Vue JS", "Svelte"]


def test_long_names_are_cut_in_messages(make_corpus, tmp_path):
    huge = "A" * 10_000_000  # a 10 MB title line
    folder = make_corpus({"long.txt": f"{huge} vs B\nintro\nB\nPros\n"})
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "build", str(folder), "--json",
                                  "--max-bytes", "20000000"])
    assert r.exit_code == 1
    [rej] = json.loads(r.stdout)["rejections"]
    assert rej["reason"] == "the title names a topic of 10,000,000 characters; a topic's name has at most 80"
    # a long line quoted in a message is cut
    folder = make_corpus({"long.txt": "Alpha vs Beta\nAlpha\nNice PickUse it\nPros\n- +A fine pro\n" + "x" * 5000 + "\n"}, "other")
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "build", str(folder), "--json"])
    [rej] = json.loads(r.stdout)["rejections"]
    assert rej["reason"] == f"expected 'Cons' after the pros of 'Alpha', found '{'x' * (QUOTE_MAX - 1)}…'"


def test_flattened_topic_page_with_a_name_without_ascii():
    page = parse_text("日本語\n日本語 is a language written in three scripts.\nDevelopers should learn 日本語 to read "
                      "the manuals of Japanese tools.", "jp.txt")
    assert page.name == "日本語" and page.definition.startswith("日本語 is a language")
