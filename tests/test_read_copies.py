"""#29: every real page counts once, cut copies included. Pages cut anywhere after their
headline (at every block boundary and mid-line, and a hypothesis property test), copies of
one page in other layouts, hosts and marker encodings, topic-page copies merged in both
orders, the new topic-page shapes, alias evidence from definitions, the purposes verdict,
and one cleaned text for every place that shows a verdict. Fixtures: tests/fixtures/real/."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PICKGRAPH, REAL, read_real, real_text
from graph.build.pipeline import build
from graph.export.html import pick_reason
from graph.kg.graph import build_graph, versus_edges
from graph.query.compare import compare, format_compare
from graph.query.explain import why
from graph.read import parse_text
from graph.read.records import Comparison, ReadReport, TopicPage
from graph.errors import RejectedDocument
from graph.kg.identity_lint import identity_report

#: full pages to cut, with their pick; in the first the winner is the title's second topic
WHOLE = {"sse-full.txt": "Server-Sent Events", "full-layout.txt": "Caddy", "compact-winner-first.txt": "Ruff",
         "compact-winner-second.txt": "Ninja", "copy-squash-compact.txt": "Squash Merge"}


text_of, read = real_text, read_real


def outcome(text: str) -> tuple[str, str]:
    """("ok", pick) or ("rejected", reason); nothing else may come out of the reader."""
    try:
        page = parse_text(text, "cut.txt")
    except RejectedDocument as exc:
        return "rejected", exc.rejection.reason
    assert isinstance(page, Comparison)
    return "ok", page.pick


def headline_end(text: str, pick: str) -> int:
    """Where the headline (the pick's first line after the intro) ends."""
    return text.index("\n" + pick + "\n", text.index("Here's our take.")) + len(pick) + 1


# ------------------------------------------------------------ cut pages --

@pytest.mark.parametrize("name", sorted(WHOLE))
def test_cut_at_every_line_end_and_mid_line_keeps_the_pick_exactly_from_the_winner_s_badge_on(name):
    text, pick = text_of(name), WHOLE[name]
    lines = text.split("\n")
    badge_line = next(i for i, l in enumerate(lines) if l.strip().startswith("Nice Pick") and i > 0
                      and "🧊" not in l and "đź" not in l)
    ends = [sum(len(l) + 1 for l in lines[:i + 1]) - 1 for i in range(len(lines))]
    start = headline_end(text, pick)
    for i, end in enumerate(ends):
        for cut in {end, end - len(lines[i]) // 2}:  # after the line, and half-way through it
            if cut < start:
                continue
            got = outcome(text[:cut])
            # the pick is read exactly when the whole of the winner's badge is there (glued or not)
            readable = i > badge_line or (i == badge_line and cut - (end - len(lines[i])) >= len("Nice Pick"))
            if readable:
                assert got == ("ok", pick), (i, cut, got)
            else:
                assert got[0] == "rejected", (i, cut, got)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(WHOLE)), st.floats(0, 1))
def test_a_page_cut_anywhere_after_its_headline_has_the_right_pick_or_a_reason_and_is_kept_after_the_badge(name, where):
    text, pick = text_of(name), WHOLE[name]
    start = headline_end(text, pick)
    cut = start + round(where * (len(text) - start))
    kind, said = outcome(text[:cut])
    assert (kind == "ok" and said == pick) or (kind == "rejected" and said)
    badge = text.index("Nice Pick", start)  # the winner's badge: once it is whole, the page is kept
    assert kind == "ok" or cut < badge + len("Nice Pick")


def test_a_cut_page_has_one_warning_naming_what_is_missing_and_its_cut_line_ends_at_a_word():
    p = read("sse-cut-in-verdict.txt")
    assert p.truncated and p.pick == "Server-Sent Events" and all(c.complete for c in p.cards)
    assert p.warnings == ("truncated: the page ends at line 43; missing the 'Use Long Polling if:' line, "
                          "the bottom line",)
    assert [v.text for v in p.verdict] == [
        "You want the browser reconnects on its own and resumes from the…"]  # "la" of "last" dropped


def test_a_page_cut_inside_the_winner_s_card_keeps_its_topics_and_partial_card():
    p = read("tba-cut-in-card.txt")
    assert (p.topics, p.pick) == (("Session Cookies", "Token Based Authentication"), "Token Based Authentication")
    assert [(c.name, c.complete, c.badge) for c in p.cards] == [("Session Cookies", True, False),
                                                                 ("Token Based Authentication", False, True)]
    assert [b.text for b in p.card("Token Based Authentication").pros] == [
        "Any service holding the public key can verify a token without…"]
    assert p.warnings == ("truncated: the page ends at line 34; missing the end of the card of "
                          "'Token Based Authentication', the verdict, the bottom line",)


def test_a_cut_page_whose_parts_disagree_is_rejected():
    text = text_of("tba-cut-in-card.txt").replace("🧊Nice Pick\n\nToken Based Authentication",
                                                   "🧊Nice Pick\n\nSession Cookies")
    assert outcome(text) == ("rejected", "the pick disagrees: the headline names 'Session Cookies' but the badge on "
                                         "'Token Based Authentication''s card names 'Token Based Authentication'")


# --------------------------------------------------------------- copies --

def test_copies_in_both_layouts_and_marker_encodings_are_one_document(tmp_path):
    ids = {read(n).sha256 for n in ("copy-squash-full.txt", "copy-squash-compact.txt", "copy-squash-mojibake.txt")}
    assert len(ids) == 1 and read("copy-squash-pick-changed.txt").sha256 not in ids
    for n in ("copy-squash-full.txt", "copy-squash-compact.txt", "copy-squash-mojibake.txt",
              "copy-squash-pick-changed.txt"):
        host = tmp_path / ("www.site" if "mojibake" in n else "site")
        host.mkdir(exist_ok=True)
        shutil.copy(REAL / n, host / n)
    G, report = build([tmp_path], jobs=1)
    assert sorted((d.path.split("/")[-1], d.same_as.split("/")[-1]) for d in report.duplicates) == [
        ("copy-squash-full.txt", "copy-squash-compact.txt"), ("copy-squash-mojibake.txt", "copy-squash-compact.txt")]
    assert G.graph["summary"]["duplicates"] == 2 and G.graph["summary"]["comparisons"] == 2
    # the changed copy is evidence of its own: 1-1, contested, not 3-1
    r = compare(G, "Squash Merge", "Rebase Merge")
    assert (r["picks"], r["contested"]) == ({"squash-merge": 1, "rebase-merge": 1}, True)


def test_a_cut_copy_of_a_page_saved_whole_counts_once(tmp_path):
    for n in ("sse-full.txt", "sse-cut-in-verdict.txt"):
        shutil.copy(REAL / n, tmp_path / n)
    G, report = build([tmp_path], jobs=1)
    assert [(d.path.split("/")[-1], d.same_as.split("/")[-1]) for d in report.duplicates] == [
        ("sse-cut-in-verdict.txt", "sse-full.txt")]
    assert [d["pick"] for _, _, d in versus_edges(G)] == ["server-sent-events"]


def test_the_real_fixtures_build_with_every_copy_counted_once():
    G, report = build([REAL], jobs=1)
    assert report.rejections == []
    assert sorted((d.path.split("/")[-1], d.same_as.split("/")[-1]) for d in report.duplicates) == [
        ("copy-squash-full.txt", "copy-squash-compact.txt"), ("copy-squash-mojibake.txt", "copy-squash-compact.txt"),
        ("sse-cut-in-verdict.txt", "sse-full.txt")]
    # topics that exist only in cut copies are there
    assert {"token-based-authentication", "session-cookies", "server-sent-events"} <= set(G.nodes)


# ---------------------------------------------------- topic-page copies --

@pytest.mark.parametrize("order", [1, -1])
def test_a_topic_keeps_its_richest_copy_whatever_the_order(order):
    full, flat = read("topic-document-store-full.txt"), read("topic-document-store-flattened.txt")
    assert len(flat.definition) > len(full.definition)  # the longer definition is not what makes a copy richer
    G = build_graph(ReadReport(pages=[full, flat][::order]))
    node = G.nodes["document-stores"]
    assert (node["kind"], node["definition"]) == ("database", full.definition)
    assert node["labels"] == ["Document Databases", "Document Stores", "Document-Oriented Databases"]


@pytest.mark.parametrize("names", [("a.txt", "b.txt"), ("b.txt", "a.txt")])
def test_a_topic_keeps_its_richest_copy_whatever_the_file_order(tmp_path, names):
    shutil.copy(REAL / "topic-document-store-full.txt", tmp_path / names[0])
    shutil.copy(REAL / "topic-document-store-flattened.txt", tmp_path / names[1])
    G, _ = build([tmp_path], jobs=1)
    assert (G.nodes["document-stores"]["kind"], G.nodes["document-stores"]["definition"]) == (
        "database", read("topic-document-store-full.txt").definition)


# ------------------------------------------------------ topic-page shapes --

@pytest.mark.parametrize("name, topic, definition", [
    ("topic-abbreviation.txt", "RBAC Authorization", "RBAC (Role-Based Access Control) is an authorization model"),
    ("topic-split-words.txt", "Optimistic Pessimistic Locking", "Optimistic and pessimistic locking are two ways"),
    ("topic-ranked.txt", "Event Sourcing", "Event sourcing stores every change"),
])
def test_new_flattened_topic_page_shapes(name, topic, definition):
    p = read(name)
    assert isinstance(p, TopicPage) and (p.name, p.kind, p.warnings) == (topic, "", ())
    assert p.definition.startswith(definition) and p.why_learn.startswith("Developers should")


def test_a_fourth_line_that_is_no_link_is_still_no_topic_page():
    text = text_of("topic-ranked.txt").replace("See how it ranks →", "See how it ranks.")
    assert outcome(text)[0] == "rejected"


# ---------------------------------------------- alias evidence from definitions --

def test_a_definition_naming_the_topic_twice_merges_the_two_names_and_identity_says_why():
    G, _ = build([REAL], jobs=1)
    assert "csr" not in G and G.nodes["client-side-rendering"]["labels"] == ["Client-Side Rendering", "CSR"]
    [m] = [m for m in identity_report(G)["merges"] if m["rule"] == "definition"]
    assert (m["slug"], m["into"]) == ("csr", "client-side-rendering")
    assert m["evidence"].endswith("topic-client-side-rendering.txt: the definition of 'Client-Side Rendering' opens "
                                  "'Client-Side Rendering (CSR) is a way of building web pages in which the browser…'")
    # the false friend: a definition that names CSR after another name keeps its topic apart
    assert G.nodes["server-side-rendering"]["labels"] == ["Server-Side Rendering"]


def test_the_alias_file_keeps_a_definition_pair_apart(tmp_path):
    f = tmp_path / "aliases.toml"
    f.write_text('[keep_apart]\npairs = [["CSR", "Client-Side Rendering"]]\n')
    G, _ = build([REAL], aliases=f, jobs=1)
    assert "csr" in G and "client-side-rendering" in G
    [k] = identity_report(G)["kept_apart"]
    assert k["reason"] == "definition rule would merge them; the alias file keeps client-side-rendering and csr apart"


# ------------------------------------------------------ purposes verdict --

def test_the_purposes_verdict_is_kept_as_text_not_as_a_reason():
    p = read("purposes-verdict.txt")
    assert (p.pick, p.verdict, p.warnings) == ("Domain-Driven Design", (), ())
    assert p.verdict_note.startswith("These two answer different questions:") and p.verdict_note.endswith(
        "depends on the problem in front of you.")
    G = build_graph(ReadReport(pages=[p]))
    w = why(G, "Domain-Driven Design", "Hexagonal Architecture")
    assert w["sides"][0]["verdict"] == []
    assert f"      verdict: {p.verdict_note}" in format_compare(compare(G, "Domain-Driven Design", "Hexagonal Architecture"))


# ------------------------------------------------- one cleaned verdict text --

def test_compare_why_and_the_html_card_show_one_cleaned_text_for_a_cut_verdict():
    p = read("sse-cut-in-verdict.txt")
    G = build_graph(ReadReport(pages=[p]))
    whole = "The browser reconnects on its own and resumes from the last event id it saw"
    [doc] = compare(G, "Long Polling", "Server-Sent Events")["documents"]
    assert [v["text"] for v in doc["verdict"]] == [f"Use Server-Sent Events if: {whole}"]
    assert [v["text"] for v in why(G, "Long Polling", "Server-Sent Events")["sides"][0]["verdict"]] == [
        f"Use Server-Sent Events if: {whole}"]
    assert pick_reason(p, p.pick) == whole


def test_a_cut_verdict_whose_pro_is_not_on_the_card_ends_with_an_ellipsis():
    text = text_of("sse-cut-in-verdict.txt").replace("  • +The browser reconnects on its own",
                                                     "  • +It reconnects by itself")
    p = parse_text(text, "x.txt")
    G = build_graph(ReadReport(pages=[p]))
    [doc] = compare(G, "Long Polling", "Server-Sent Events")["documents"]
    assert [v["text"] for v in doc["verdict"]] == [
        "Use Server-Sent Events if: The browser reconnects on its own and resumes from the…"]


def test_pickgraph_identity_shows_the_definition_rule_and_build_reports_the_copies(tmp_path):
    """A real ``pickgraph`` process on the real fixtures."""
    def pickgraph(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*PICKGRAPH, "--out", str(tmp_path / "out"), *args], capture_output=True, text=True,
                              timeout=300, check=False)

    built = pickgraph("build", str(REAL), "--json")
    assert built.returncode == 0, built.stderr
    data = json.loads(built.stdout)
    assert sorted(Path(d["path"]).name for d in data["duplicates"]) == [
        "copy-squash-full.txt", "copy-squash-mojibake.txt", "sse-cut-in-verdict.txt"]
    # one warning a cut page (the cut copy of sse-full.txt is its duplicate: not read as a page)
    assert [(Path(w["path"]).name, w["line"]) for w in data["warnings"]] == [  # the line each page is cut at
        ("compact-truncated.txt", 20), ("tba-cut-in-card.txt", 34)]
    shown = pickgraph("identity", "--json")  # of the last build in --out
    assert shown.returncode == 0, shown.stderr
    [m] = [m for m in json.loads(shown.stdout)["merges"] if m["rule"] == "definition"]
    assert (m["slug"], m["into"]) == ("csr", "client-side-rendering") and m["evidence"].endswith(
        "topic-client-side-rendering.txt: the definition of 'Client-Side Rendering' opens 'Client-Side Rendering (CSR) "
        "is a way of building web pages in which the browser…'")
    text = pickgraph("identity", "--width", "1000").stdout
    assert "  [definition] csr → client-side-rendering: " in text
