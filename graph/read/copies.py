"""Which saved files are copies of one page: a page's id is a digest of what it says.

The site's pages are saved under two hosts, in two layouts (full and compact), with
the 🧊 marker in several code pages and with other white space, so copies of one page
differ in bytes. :func:`content_id` digests what a reader reads instead (the names as
:func:`~graph.read.records.name_key` compares them, every text with its white space
collapsed) and leaves out what only the layout carries: the kind line (the compact
layout drops it), the title's spelling (``vs`` / ``vs.``), markers, line numbers and
the path. Copies of one address whose pick or text changed between crawls keep
different ids: they are two documents.

>>> from graph.read import parse_text, EXAMPLE
>>> compact = EXAMPLE.replace("Dynamic\\n", "").replace("Redis vs Memcached", "Redis vs. Memcached")
>>> content_id(parse_text(EXAMPLE)) == content_id(parse_text(compact))
True
>>> content_id(parse_text(EXAMPLE)) == content_id(parse_text(EXAMPLE.replace("Redis wins", "Memcached wins")
...                                                          .replace("Nice PickPick Redis", "Pick Redis")))
False
"""

from __future__ import annotations

import hashlib
import json

from graph.read.records import Comparison, TopicPage, name_key as _name


def _text(s: str) -> str:
    return " ".join(s.split())


def content(page: Comparison | TopicPage) -> list:
    """What a page says, as plain data in reading order (the input of :func:`content_id`)."""
    if isinstance(page, Comparison):
        cards = [[_name(c.name), _text(c.description), c.badge, [_text(b.text) for b in c.pros],
                  [_text(b.text) for b in c.cons], list(c.related)] for c in page.cards]
        return ["comparison", [_name(t) for t in page.topics], _name(page.pick or ""), _text(page.intro), cards,
                [[_name(v.topic), _text(v.text)] for v in page.verdict], _text(page.verdict_note),
                _name(page.bottom_line)]
    return ["topic", _name(page.name), _text(page.kind), _text(page.definition), [_text(a) for a in page.aliases],
            _text(page.why_learn), [_text(x) for x in page.compare], [_text(x) for x in page.related_tools],
            [_text(x) for x in page.alternatives]]


def content_id(page: Comparison | TopicPage) -> str:
    """The document id of a page: the sha256 of its :func:`content`."""
    blob = json.dumps(content(page), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
