"""Property tests of the reader: it never raises anything but its own rejection,
and what the renderer writes, in every real shape (full and compact comparison
pages, full, compact and flattened topic pages), it reads back."""

from __future__ import annotations

import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.read.records import Comparison, TopicPage

from graph.errors import RejectedDocument
from graph.read import name_key, normalise, parse_text
from graph.read.render import render_comparison, render_topic_page

BASE = render_comparison(
    "Kafka", "RabbitMQ", "Kafka",
    pros={"Kafka": ["Replays the log for new consumers", "g"], "RabbitMQ": ["Flexible routing with exchanges (e"]},
    related={"Kafka": ["event-streaming", "rabbitmq"], "RabbitMQ": ["amqp", "message-queues"]},
)
REAL = Path(__file__).resolve().parent / "fixtures" / "real"
VARIANTS = [BASE, render_comparison("Kafka", "RabbitMQ", "RabbitMQ", compact=True),
            render_comparison("Kafka", "RabbitMQ", "Kafka", compact=True),
            render_topic_page("Kafka", "A distributed log.", aliases=["Apache Kafka"]),
            render_topic_page("Kafka", "A distributed log.", aliases=["Apache Kafka"], kind="", shape="compact"),
            render_topic_page("Kafka", "Kafka is a distributed log.", shape="flattened")]
VARIANTS += [f.read_text(encoding="utf-8") for f in sorted(REAL.glob("*.txt"))]
JUNK = st.sampled_from(["", " ", "Nice Pick", "🧊", "đź§ŠNice Pick", "Pros", "Cons", "The Verdict", "The Bottom Line",
                        "Kafka wins", "Zig wins", "Use Kafka if: x", "  • +Related to: a, b", "- -x", "Kafka", "RabbitMQ",
                        "Kafka vs RabbitMQ", "<html>", "Why learn Kafka?", "Also known as: K", "\x00", "\ufeff", "\r",
                        "Nice PickKafka is a log", "Developers should learn Kafka", "Developers should use kafka now",
                        "Alternatives to Kafka", "kafka"])


def check(text: str) -> None:
    try:
        page = parse_text(text, "fuzz.txt")
    except RejectedDocument as exc:
        r = exc.rejection
        assert r.path == "fuzz.txt" and r.reason and r.line >= 0
        return
    assert isinstance(page, (Comparison, TopicPage))
    if isinstance(page, TopicPage):
        assert page.name and page.name_line >= 1
    if isinstance(page, Comparison):
        assert page.pick in page.topics
        # a cut page keeps what it holds of the cards (#29); a whole one has both
        assert {c.name for c in page.cards} <= set(page.topics)
        assert page.truncated or {c.name for c in page.cards} == set(page.topics)
        assert all(c.complete for c in page.cards[:-1]) and not (page.truncated and page.bottom_line)


@st.composite
def mutated(draw) -> str:
    lines = draw(st.sampled_from(VARIANTS)).split("\n")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["drop", "dup", "swap", "insert", "cut", "edit"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "drop" and lines:
            del lines[i]
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.one_of(JUNK, st.text(max_size=30))))
        elif op == "cut":
            lines = lines[:i]
        elif op == "edit" and lines:
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + draw(st.text(max_size=5)) + lines[i][k:]
    return "\n".join(lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_pages_are_read_or_rejected(text):
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_read_or_rejected(data):
    try:
        text = normalise(data, "fuzz.txt")
    except RejectedDocument:
        return
    check(text)


NAME = st.text(alphabet=string.ascii_letters + string.digits + " -+#.", min_size=1, max_size=24).map(
    lambda s: " ".join(s.split())).filter(lambda s: s and s[0].isalnum() and s[-1] not in ".-" and " vs" not in s.lower()
                                          and "nice pick" not in s.lower() and s.lower() not in ("pros", "cons"))
SENTENCE = st.text(alphabet=string.ascii_letters + " ,()'", min_size=1, max_size=60).map(
    lambda s: " ".join(s.split())).filter(lambda s: s and s[0].isalpha() and not s.lower().startswith("related to"))
#: a topic page's paragraph: one that is a heading of the page ("LEARNING RESOURCES") is that heading
PARAGRAPH = SENTENCE.filter(lambda t: t.lower() not in ("learning resources", "related tools"))
SLUG = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(a=NAME, b=NAME, pick_second=st.booleans(), compact=st.booleans(),
       pros=st.lists(SENTENCE, min_size=1, max_size=3), rel=st.lists(SLUG, max_size=4))
def test_what_is_rendered_is_read_back(a, b, pick_second, compact, pros, rel):
    if name_key(a) == name_key(b):
        return
    pick = b if pick_second else a
    page = parse_text(render_comparison(a, b, pick, pros={a: pros}, related={a: rel}, compact=compact))
    assert page.topics == (a, b)
    assert page.pick == pick
    # the headline's name: line 3 of a compact page (no kind line, no marker), line 9 of a full one
    assert page.pick_line == (3 if compact else 9)
    assert [c.badge for c in page.cards] == [not pick_second, pick_second]
    assert [x.text for x in page.card(a).pros] == pros
    assert page.card(a).related == tuple(rel)


def respell(draw, name: str) -> str:
    """``name`` as another page may write it: other case, hyphens for spaces or back."""
    name = draw(st.sampled_from([name, name.lower(), name.upper(), name.title()]))
    if draw(st.booleans()):
        name = name.replace(" ", "-") if " " in name else name.replace("-", " ")
    return " ".join(name.split())


@st.composite
def topic_pages(draw) -> tuple[str, str, str, str]:
    """(text, name, definition, why) of a topic page in one of the three real shapes."""
    name, shape = draw(NAME), draw(st.sampled_from(["full", "compact", "flattened"]))
    definition = draw(PARAGRAPH)
    if shape == "flattened":
        verb = draw(st.sampled_from(["learn", "use", "learn and use", "learn about", "Learn"]))
        why = f"Developers should {verb} {respell(draw, name)} {draw(SENTENCE)}"
    else:
        why = draw(PARAGRAPH)
    kind = "" if shape == "flattened" else draw(st.sampled_from(["", "concept", "tool"]))
    return render_topic_page(name, definition, kind=kind, why_learn=why, shape=shape), name, definition, why


@settings(max_examples=300, deadline=None)
@given(topic_pages())
def test_topic_pages_in_every_shape_are_read_back(case):
    text, name, definition, why = case
    page = parse_text(text)
    assert isinstance(page, TopicPage)
    assert (page.name, page.definition, page.why_learn) == (name, definition, why)
