"""The reader on every real page shape (FORMAT.md): one fixture per shape in
``tests/fixtures/real/`` (invented prose, see its README), read one by one and
built together; and the rejections that sit next to those shapes."""

from __future__ import annotations

import pytest

from conftest import REAL, read_real, real_text
from graph.kg.graph import ALTERNATIVE, RELATED, VERSUS
from graph.read.records import Comparison, TopicPage
from graph.errors import RejectedDocument
from graph.build.pipeline import build
from graph.read import normalise, parse_text
from graph.read.render import render_comparison
from graph.read.records import ReadReport
from graph.export.html import pick_reason
from graph.kg.graph import build_graph
from graph.query.explain import why
from graph.query.topics import topic_info

PLACEHOLDER = "Specific tradeoffs depend on your use case"


read = read_real


def reject(text: str) -> tuple[int, str]:
    with pytest.raises(RejectedDocument) as info:
        parse_text(normalise(text.encode(), "bad.txt"), "bad.txt")
    return info.value.rejection.line, info.value.rejection.reason


def pros(page: Comparison, name: str) -> list[str]:
    return [b.text for b in page.card(name).pros]


# ------------------------------------------------------ comparison pages --

def test_compact_page_winner_first_names_the_winner_three_times_before_its_pros():
    p = read("compact-winner-first.txt")
    assert (p.kind, p.topics, p.pick, p.pick_line) == ("", ("Ruff", "Flake8"), "Ruff", 3)
    assert [(c.name, c.line, c.badge) for c in p.cards] == [("Ruff", 5, True), ("Flake8", 12, False)]
    assert p.card("Ruff").description == ("Developers should use Ruff when they want one fast tool "
                                          "to lint and format a Python codebase")
    assert p.card("Ruff").related == ("python-linting", "flake8") and p.card("Ruff").related_line == 9
    assert p.card("Flake8").related == ("python-linting", "pycodestyle")
    assert pros(p, "Ruff") == ["It checks a large repository in well under a second and replaces several separate tools"]
    assert pros(p, "Flake8") == ["Its plugin ecosystem covers niche checks that newer linters have not ported yet"]
    assert [c.text for c in p.card("Flake8").cons] == [PLACEHOLDER]
    assert [v.topic for v in p.verdict] == ["Ruff", "Flake8"] and p.bottom_line == "Ruff wins"
    assert p.intro.endswith("long tail of plugins. Here's our take.")
    assert p.warnings == ()


def test_compact_page_winner_second_headline_names_b_before_a_s_card():
    p = read("compact-winner-second.txt")
    assert (p.topics, p.pick, p.pick_line) == (("Make", "Ninja"), "Ninja", 3)
    assert [(c.name, c.line, c.badge) for c in p.cards] == [("Make", 5, False), ("Ninja", 12, True)]
    assert p.card("Make").related == ("build-systems", "ninja")
    assert p.card("Ninja").related == ("build-systems", "cmake")
    assert pros(p, "Make") == ["It is installed almost everywhere and its rules are plain text"]
    assert pros(p, "Ninja") == ["Incremental rebuilds start almost at once because it does little besides comparing timestamps"]
    assert [c.text for c in p.card("Make").cons] == ["Recursive makefiles get slow and hard to debug"]
    assert p.card("Make").cons[0].informative
    assert [v.topic for v in p.verdict] == ["Ninja", "Make"] and p.bottom_line == "Ninja wins"
    assert p.warnings == ()


def test_full_layout_page():
    p = read("full-layout.txt")
    assert (p.kind, p.topics, p.pick, p.pick_line) == ("Dynamic", ("Caddy", "Nginx"), "Caddy", 9)
    assert [(c.name, c.line, c.badge) for c in p.cards] == [("Caddy", 13, True), ("Nginx", 28, False)]
    assert p.card("Caddy").related == ("reverse-proxy", "tls")
    assert p.card("Nginx").related == ("reverse-proxy", "load-balancing")
    assert pros(p, "Caddy") == ["It obtains and renews certificates on its own, so a new site is served over HTTPS "
                                "from the first request"]
    assert pros(p, "Nginx") == ["Years of production use mean that almost every tuning question already has a "
                                "written answer"]
    assert p.bottom_line == "Caddy wins" and p.warnings == ()


def test_compact_page_cut_inside_the_verdict_is_accepted_with_what_is_missing():
    p = read("compact-truncated.txt")
    assert (p.topics, p.pick, p.pick_line) == (("Podman", "Docker"), "Podman", 3)
    assert all(c.complete for c in p.cards)
    assert p.card("Podman").related == ("containers", "docker")
    assert p.card("Docker").related == ("containers", "docker-compose")
    assert pros(p, "Docker") == ["Most tutorials and CI templates assume it is there"]
    assert [(v.topic, v.line, v.text) for v in p.verdict] == [
        ("Podman", 20, "You want each container is a child process of the user…")]  # the last word may be half a word: dropped
    assert p.bottom_line == ""
    assert p.warnings == ("truncated: the page ends at line 20; missing the 'Use Docker if:' line, the bottom line",)


# ----------------------------------------------------------- topic pages --

@pytest.mark.parametrize("name, want", [
    ("topic-full.txt", dict(
        name="Write-Through Caching", name_line=3, kind="concept",
        definition="Write-through caching is a cache policy where every write",
        aliases=("Write Through Cache", "Write-Through Cache"),
        why_learn="Developers should learn write-through caching when reads",
        compare=(), related_tools=("Redis",), alternatives=("Write-Back Caching",), warnings=())),
    ("topic-compact.txt", dict(  # without a kind line
        name="Long Polling", name_line=1, kind="",
        definition="Long polling lets a client wait",
        aliases=("HTTP Long Polling", "Comet"),
        why_learn="Developers should learn long polling when",
        compare=(), related_tools=(), alternatives=("WebSockets",), warnings=())),
])
def test_topic_page(name, want):
    p = read(name)
    assert isinstance(p, TopicPage)
    got = {field: getattr(p, field) for field in want}
    got["definition"], got["why_learn"] = p.definition[:len(want["definition"])], p.why_learn[:len(want["why_learn"])]
    assert got == want


@pytest.mark.parametrize("name, topic, definition, why", [
    ("topic-flattened-learn.txt", "Blue-Green Deployment",
     "A release technique that keeps two identical production environments",
     "Developers should learn about blue green deployment when"),
    ("topic-flattened-use.txt", "CI/CD",
     "Continuous integration and continuous delivery, together the practice",
     "Developers should use CI/CD pipelines when"),
    ("write-back-caching.txt", "Write-Back Caching", "Write-back caching is a cache policy",
     "Developers should learn write-back caching when"),
    ("write-back-caching-lowercase.txt", "write back caching", "Write back caching keeps modified data",
     "Developers should use write back caching for"),
])
def test_flattened_topic_page(name, topic, definition, why):
    p = read(name)
    assert isinstance(p, TopicPage)
    assert (p.name, p.name_line, p.kind, p.aliases) == (topic, 1, "", ())
    assert p.definition.startswith(definition) and p.why_learn.startswith(why)
    assert (p.compare, p.related_tools, p.alternatives, p.warnings) == ((), (), (), ())


# ----------------------------------------------------------------- build --

def test_the_other_card_template_and_a_pro_that_is_a_caution():
    """Cards that open ``Use X when … —it is the right pick for …``, and a pro that warns
    (``Do not use it for …``): the page is read as written, and no query shows the caution as a
    reason for the pick: ``show``, ``why`` and the HTML card count it with the cons."""
    p = read("another-template.txt")
    assert (p.title, p.pick, p.warnings) == ("Gunicorn vs uWSGI", "Gunicorn", ())
    assert p.card("uWSGI").description == ("Use uWSGI when one process manager must host apps in several languages "
                                           "\u2014it is the right pick for operators who tune every knob")
    caution = "Do not use it for serving static files directly: put a proxy such as nginx in front"
    defaults = "Its defaults serve a typical Django or Flask app well without a configuration file"
    assert [b.text for b in p.card("Gunicorn").pros] == [defaults, caution]
    assert p.card("Gunicorn").related == ("wsgi", "python")
    G = build_graph(ReadReport(pages=[p]))
    info = topic_info(G, "gunicorn")
    assert ([x["text"] for x in info["pros"]], [x["text"] for x in info["cons"]]) == ([defaults], [caution])
    [side] = why(G, "uWSGI", "Gunicorn")["sides"]
    assert [x["text"] for x in side["pros"]] == [defaults]
    assert [x["text"] for x in side["cons"]] == ["Its hundreds of options make a first configuration slow to get right"]
    assert pick_reason(p, "Gunicorn") == defaults
    # the same page with the caution first: the HTML card still gives the first pro that praises
    first = parse_text(real_text("another-template.txt").replace(
        "  \u2022 +Its defaults serve", "  \u2022 +Avoid it on Windows, where it does not run\n  \u2022 +Its defaults serve"), "x.txt")
    assert pick_reason(first, "Gunicorn") == defaults


def test_build_of_the_real_shapes():
    G, report = build([REAL], jobs=1)
    assert report.rejections == []  # the duplicates: tests/test_read_copies.py
    assert sorted(G.nodes) == [
        "blue-green-deployment", "build-systems", "caddy", "ci-cd", "clean-architecture", "client-side-rendering",
        "cmake", "code-review", "containers", "csrf", "docker", "docker-compose", "document-stores",
        "domain-driven-design", "event-sourcing", "flake8", "git", "gunicorn", "hexagonal-architecture", "http",
        "jamstack", "javascript", "load-balancing", "long-polling", "make", "nginx", "ninja",
        "optimistic-pessimistic-locking", "podman", "pycodestyle", "python", "python-linting", "rbac-authorization",
        "rebase-merge", "redis", "reverse-proxy",
        "ruff", "server-sent-events", "server-side-rendering", "session-cookies", "software-architecture",
        "squash-merge", "static-site-generation", "tls", "token-based-authentication", "uwsgi", "web-security",
        "websockets", "write-back-caching", "write-through-caching", "wsgi"]
    edges = sorted((u, v, d["kind"], d.get("pick")) for u, v, d in G.edges(data=True) if d["kind"] != RELATED)
    assert edges == [
        ("caddy", "nginx", VERSUS, "caddy"),
        ("client-side-rendering", "static-site-generation", VERSUS, "static-site-generation"),
        ("domain-driven-design", "hexagonal-architecture", VERSUS, "domain-driven-design"),
        ("gunicorn", "uwsgi", VERSUS, "gunicorn"),
        ("long-polling", "server-sent-events", VERSUS, "server-sent-events"),
        ("long-polling", "websockets", ALTERNATIVE, None),
        ("make", "ninja", VERSUS, "ninja"), ("podman", "docker", VERSUS, "podman"),
        ("ruff", "flake8", VERSUS, "ruff"),
        ("session-cookies", "token-based-authentication", VERSUS, "token-based-authentication"),
        ("squash-merge", "rebase-merge", VERSUS, "rebase-merge"), ("squash-merge", "rebase-merge", VERSUS, "squash-merge"),
        ("write-through-caching", "write-back-caching", ALTERNATIVE, None)]
    defined = {n: d["definition"] for n, d in G.nodes(data=True) if d["definition"]}
    assert sorted(defined) == ["blue-green-deployment", "ci-cd", "client-side-rendering", "document-stores",
                               "event-sourcing", "long-polling", "optimistic-pessimistic-locking",
                               "rbac-authorization", "server-side-rendering", "write-back-caching",
                               "write-through-caching"]
    assert defined["ci-cd"] == read("topic-flattened-use.txt").definition
    assert G.nodes["ci-cd"]["name"] == "CI/CD" and G.nodes["write-through-caching"]["kind"] == "concept"


def test_flattened_pages_differing_in_hyphens_and_case_are_one_topic():
    G, report = build([REAL], jobs=1)
    pages = [p for p in report.topic_pages if p.name in ("Write-Back Caching", "write back caching")]
    assert len(pages) == 2
    node = G.nodes["write-back-caching"]
    assert node["labels"] == ["write back caching", "Write-Back Caching"]
    # both pages are documents of the one topic; the graph keeps the definition of the richest (here: the longer)
    assert set(node["documents"]) >= {p.sha256 for p in pages}
    assert node["definition"] == max(pages, key=lambda p: len(p.definition)).definition


# ----------------------------------------------- around the real shapes --

def test_the_older_compact_shape_without_headline_is_still_read():
    lines = render_comparison("Make", "Ninja", "Ninja", compact=True).split("\n")
    del lines[2:4]  # drop the markerless headline
    p = parse_text("\n".join(["Dynamic"] + lines))
    assert (p.kind, p.pick, p.pick_line) == ("Dynamic", "Ninja", 11)  # the badge is the first pick source


def test_markerless_headline_must_agree_with_the_badge():
    lines = (REAL / "compact-winner-second.txt").read_text().split("\n")
    assert lines[2] == "Ninja"
    lines[2] = "Make"
    line, reason = reject("\n".join(lines))
    assert line == 12
    assert reason == "the pick disagrees: the headline names 'Make' but the badge on 'Ninja''s card names 'Ninja'"


def test_markerless_headline_may_skip_its_description():
    lines = (REAL / "compact-winner-first.txt").read_text().split("\n")
    del lines[3]  # the headline's description
    p = parse_text("\n".join(lines))
    assert (p.pick, p.pick_line, p.card("Ruff").line, p.warnings) == ("Ruff", 3, 4, ())


def test_a_card_with_no_pros_names_where_it_stopped():
    text = (REAL / "compact-winner-first.txt").read_text()
    text = text.replace("Pros\n- +Its plugin ecosystem covers niche checks that newer linters have not ported yet\n"
                        "- +Related to: python-linting, pycodestyle\n", "")
    assert reject(text) == (14, "the card of 'Flake8' has no Pros section before 'Cons'")


def test_flattened_shape_with_a_vs_in_its_definition_is_a_topic_page():
    p = parse_text("Eventual Consistency\nEventual consistency trades consistency vs availability in replicas.\n"
                   "Developers should learn eventual consistency before designing multi-region storage.")
    assert isinstance(p, TopicPage) and p.name == "Eventual Consistency"


@pytest.mark.parametrize("text, line, reason", [
    # the third line opens like a why-learn paragraph, but nothing ties it to the name
    ("Gardening\nSome notes I took this week.\nDevelopers should learn to rest on weekends.", 2,
     "three lines like a flattened topic page, but its name 'Gardening' opens neither the definition "
     "nor (within 3 words) the 'Developers should learn/use' paragraph"),
    # a comparison page cut after its intro is not a topic page called 'Dynamic'
    ("Dynamic\nGo vs Rust\nDevelopers should learn Go for services meets developers should learn rust. Here's our take.",
     3, "page ends before the first card is complete; a page needs both cards of 'Go' and 'Rust'"),
    # a fourth line: not the flattened shape, and no heading of a full one
    ("Long Polling\nLong polling holds a request open.\nDevelopers should learn long polling.\nA fourth line.", 2,
     "no comparison title ('A vs B') on the first lines, and not a topic page (no 'Why learn X?' heading, "
     "nor the three lines name, definition, 'Developers should learn/use X …')"),
    # the first line is a sentence, not a name
    ("Long polling is old.\nIt holds a request open.\nDevelopers should learn long polling.", 2,
     "no comparison title ('A vs B') on the first lines, and not a topic page (no 'Why learn X?' heading, "
     "nor the three lines name, definition, 'Developers should learn/use X …')"),
])
def test_texts_near_the_flattened_shape_are_rejected(text, line, reason):
    assert reject(text) == (line, reason)
