"""Turtle written block by block: one block per source document, one per topic.

:func:`graph.rdf.mapping.quads` is the reference statement of what the RDF export says;
this module writes the same triples (``tests/test_turtle.py`` checks the union
graphs are equal) straight from the page records with string templates, one
subject group at a time. Nothing here needs the whole graph in memory, so the
streaming build (:mod:`graph.stream`) calls the same functions from its worker
processes on one chunk of pages at a time.

A file is ``prefixes() + scheme_block() + topic blocks + document blocks``; the
same subject (a topic) may head several blocks, which Turtle allows.

>>> from graph.read import parse_text, EXAMPLE
>>> page = parse_text(EXAMPLE, "ex.txt")
>>> from graph.resolve import slugify
>>> text = document_block(page, slugify, {"redis", "memcached", "caching", "key-value-stores"})
>>> for line in text.splitlines():
...     if line.strip().startswith(("pg:pick", "pg:preferredOver")):
...         print(line.strip())
pg:pick topic:redis ;
pg:preferredOver topic:memcached ;
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Iterable

from ..read.model import Comparison, TopicPage, is_informative
from .vocab import PREFIXES

DEFAULT_BASE = "https://w3id.org/pickgraph/"

_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")


def lit(text: str) -> str:
    """A plain literal as Turtle and N-Triples write it (UTF-8 kept, controls escaped).

    >>> print(lit('say "hi"\\n'))
    "say \\"hi\\"\\n"
    """
    if _SPECIAL.search(text) is None:  # the common case: nothing to escape
        return f'"{text}"'
    return '"' + _SPECIAL.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), text) + '"'


def data_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """The prefixes of the data IRIs under ``base``."""
    return {"topic": f"{base}topic/", "comparison": f"{base}comparison/", "document": f"{base}document/"}


def prefixes(base: str = DEFAULT_BASE) -> str:
    """The ``@prefix`` lines every file starts with."""
    pfx = {**PREFIXES, **data_prefixes(base)}
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in pfx.items()) + "\n"


class _Names:
    """Prefixed names for topic, comparison and document IRIs under one base (memoised)."""

    def __init__(self, base: str):
        self.base = base
        self._topic: dict[str, str] = {}

    def topic(self, slug: str) -> str:
        hit = self._topic.get(slug)
        if hit is None:
            if len(self._topic) > 1_000_000:  # bounded, for million-page builds
                self._topic.clear()
            # a slug is almost always a valid local name; the odd one is written in full
            hit = f"topic:{slug}" if _LOCAL.match(slug) else f"<{self.base}topic/{slug}>"
            self._topic[slug] = hit
        return hit

    def card(self, sha: str, slug: str) -> str:
        return f"<{self.base}comparison/{sha}/card/{slug}>"


_NAMES: dict[str, _Names] = {}


def _names(base: str) -> _Names:
    names = _NAMES.get(base)
    if names is None:
        names = _NAMES[base] = _Names(base)
    return names


def _group(subject: str, pairs: list[tuple[str, str]]) -> str:
    """One subject's statements: ``pairs`` is ``[(verb, objects already written), …]``."""
    return subject + "\n    " + " ;\n    ".join(f"{v} {o}" for v, o in pairs) + " .\n"


def scheme_block(base: str = DEFAULT_BASE) -> str:
    """The concept scheme every topic is in."""
    return _group(f"<{base}topics>", [("a", "skos:ConceptScheme"), ("skos:prefLabel", lit("pickgraph topics"))])


def topic_block(slug: str, name: str, labels: Iterable[str], base: str = DEFAULT_BASE) -> str:
    """A topic's own statements (type, scheme, labels, slug): the topics graph of the quads."""
    pairs = [("a", "pg:Topic, skos:Concept"), ("skos:inScheme", f"<{base}topics>"),
             ("skos:prefLabel", lit(name)), ("skos:notation", lit(slug))]
    alt = sorted(set(labels) - {name})
    if alt:
        pairs.append(("skos:altLabel", ", ".join(lit(x) for x in alt)))
    return _group(_names(base).topic(slug), pairs)


def topics_section(topics: Iterable[tuple[str, str, Iterable[str]]], base: str = DEFAULT_BASE) -> str:
    """The scheme and every topic's block: ``topics`` is ``(slug, name, labels)``, in the order to write."""
    return "\n".join([scheme_block(base)] + [topic_block(s, name, labels, base) for s, name, labels in topics])


_FROM_PAGE = object()


def document_block(page: Comparison | TopicPage, canon: Callable[[str], str], known: Collection[str] | None,
                   base: str = DEFAULT_BASE, pick: str | None | object = _FROM_PAGE) -> str:
    """Every statement a page makes, grouped by subject.

    ``canon`` maps a name or slug to its topic's canonical slug; ``known`` holds
    the graph's topic slugs (a card's topic that is not a node has no definition);
    ``None`` when every card names a compared topic, as the reader guarantees.
    ``pick``: the winner's slug as the graph holds it (default: the page's pick, resolved).
    """
    names = _names(base)
    sha = page.sha256
    doc = f"document:{sha}"
    if isinstance(page, TopicPage):
        return _topic_page(page, canon, names, doc)
    out = [_group(doc, [("a", "pg:Document, pg:ComparisonPage"), ("pg:fileName", lit(os.path.basename(page.path))),
                        ("pg:sha256", lit(sha)), ("pg:title", lit(page.title))])]
    a, b = canon(page.topics[0]), canon(page.topics[1])
    if a == b:  # kept as a document, draws no comparison (see graph.kg)
        return "".join(out)
    ta, tb = names.topic(a), names.topic(b)
    if pick is _FROM_PAGE:
        pick = canon(page.pick) if page.pick else None
    comp = [("a", "pg:Comparison"), ("rdfs:label", lit(page.title)), ("prov:wasDerivedFrom", doc),
            ("pg:comparedTopic", f"{ta}, {tb}")]
    if page.bottom_line:
        comp.append(("pg:bottomLine", lit(page.bottom_line)))
    if pick in (a, b):
        comp.append(("pg:pick", names.topic(pick)))
    topics: dict[str, list[tuple[str, str]]] = {a: [("pg:comparedWith", tb)], b: [("pg:comparedWith", ta)]}
    if pick in (a, b):
        topics[pick].append(("pg:preferredOver", tb if pick == a else ta))
    verdicts = {canon(v.topic): v.text for v in page.verdict}
    cards: list[str] = []
    for card in page.cards:
        t = canon(card.name)
        if card.description and (known is None or t in known):
            topics.setdefault(t, []).append(("skos:definition", lit(card.description)))
        related = []
        for r in card.related:
            u = canon(r)
            if u != t:
                related.append(names.topic(u))
        if related:
            topics.setdefault(t, []).append(("pg:relatedTo", ", ".join(related)))
        if t not in (a, b):
            continue
        k = names.card(sha, t)
        cards.append(k)
        topics[t].append(("pg:mentionedIn", doc))
        pairs = [("a", "pg:Card"), ("pg:topic", names.topic(t)), ("prov:wasDerivedFrom", doc),
                 ("pg:nameOnPage", lit(card.name))]
        if card.description:
            pairs.append(("pg:description", lit(card.description)))
        pros = [lit(p.text) for p in card.pros if is_informative(p.text)]
        if pros:
            pairs.append(("pg:pro", ", ".join(pros)))
        cons = [lit(x.text) for x in card.cons if is_informative(x.text)]
        if cons:
            pairs.append(("pg:con", ", ".join(cons)))
        if t in verdicts:
            pairs.append(("pg:useIf", lit(verdicts[t])))
        if related:  # listsRelated names the card's own related topics (all nodes of the graph)
            pairs.append(("pg:listsRelated", ", ".join(related)))
        cards.append(_group(k, pairs))
    if cards:
        comp.append(("pg:hasCard", ", ".join(cards[0::2])))
    out.append(_group(f"comparison:{sha}", comp))
    out.extend(cards[1::2])
    out.extend(_group(names.topic(t), pairs) for t, pairs in topics.items())
    return "".join(out)


def _topic_page(page: TopicPage, canon: Callable[[str], str], names: _Names, doc: str) -> str:
    t = canon(page.name)
    T = names.topic(t)
    out = [_group(doc, [("a", "pg:Document, pg:TopicPage"), ("pg:fileName", lit(os.path.basename(page.path))),
                        ("pg:sha256", lit(page.sha256)), ("pg:title", lit(page.name)), ("pg:about", T)])]
    pairs = [("pg:mentionedIn", doc)]
    if page.definition:
        pairs.append(("skos:definition", lit(page.definition)))
    if page.kind:
        pairs.append(("pg:kind", lit(page.kind)))
    related = [names.topic(u) for u in (canon(n) for n in page.related_tools) if u != t]
    if related:
        pairs.append(("pg:relatedTo", ", ".join(related)))
    alternatives = [names.topic(u) for u in (canon(n) for n in page.alternatives) if u != t]
    if alternatives:
        pairs.append(("pg:alternativeTo", ", ".join(alternatives)))
    out.append(_group(T, pairs))
    return "".join(out)


__all__ = ["data_prefixes", "document_block", "lit", "prefixes", "scheme_block", "topic_block", "topics_section"]
