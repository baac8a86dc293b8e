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
import re
from collections import defaultdict
from collections.abc import Iterator

from graph.read.records import ELLIPSIS, Comparison, Page, TopicPage, name_key as _name


def content(page: Comparison | TopicPage) -> list:
    """What a page says, as plain data in reading order (the input of :func:`content_id`; white
    space inside a text is collapsed there, once for the whole page)."""
    if isinstance(page, Comparison):
        # each card in reading order (the Related to: bullet is the last pro), so a cut copy's content starts its page's
        cards = [[_name(c.name), c.description, c.badge, [b.text for b in c.pros], list(c.related),
                  [b.text for b in c.cons]] for c in page.cards]
        return ["comparison", [_name(t) for t in page.topics], _name(page.pick or ""), page.intro, cards,
                [[_name(v.topic), v.text] for v in page.verdict], page.verdict_note, _name(page.bottom_line)]
    return ["topic", _name(page.name), page.kind, page.definition, list(page.aliases), page.why_learn,
            list(page.compare), list(page.related_tools), list(page.alternatives)]


_SPACES = re.compile(r" {2,}")


def content_id(page: Comparison | TopicPage) -> str:
    """The document id of a page: the sha256 of its :func:`content`, runs of spaces as one (the
    reader strips each line and turns tabs and Unicode spaces into plain ones)."""
    blob = _SPACES.sub(" ", json.dumps(content(page), ensure_ascii=False, separators=(",", ":")))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _leaves(data: object) -> Iterator[object]:
    """The values of :func:`content` in reading order, without the empty ones (a cut page's missing parts)."""
    if isinstance(data, list):
        for x in data:
            yield from _leaves(x)
    elif isinstance(data, str):
        if data:
            yield _SPACES.sub(" ", data)
    elif data is not None:
        yield data


def is_cut_copy(cut: Comparison, whole: Comparison) -> bool:
    """Whether ``cut``, a page cut off (:attr:`~graph.read.records.Comparison.truncated`), holds
    the start of ``whole``: every value of it in order, its last maybe ended with ``…`` part-way.

    >>> from graph.read import parse_text
    >>> from graph.read.render import render_comparison
    >>> text = render_comparison("Redis", "Memcached", "Redis")
    >>> whole = parse_text(text)
    >>> is_cut_copy(parse_text(text[:text.index("Use Memcached")] + "Use Memcached if: You prio"), whole)
    True
    >>> is_cut_copy(parse_text(text[:text.index("The Verdict")].replace("clear strength", "plain strength")), whole)
    False
    """
    a, b = list(_leaves(content(cut))), list(_leaves(content(whole)))
    if len(a) > len(b):
        return False
    *head, last = a
    if head != b[: len(head)]:
        return False
    other = b[len(head)]
    if isinstance(last, str) and last.endswith(ELLIPSIS) and isinstance(other, str):
        return other.startswith(last[:-1].rstrip())
    return last == other


def cut_copies(pages: list[Page]) -> dict[int, int]:
    """``{index of a cut page: index of the longer copy it is the start of}`` among ``pages``:
    a crawl cut at a fixed size saves the start of a page another crawl saved whole (or less cut),
    and the two are one document. Pages are compared only with those of the same topics and pick.
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, p in enumerate(pages):
        if isinstance(p, Comparison):
            groups[(tuple(_name(t) for t in p.topics), _name(p.pick or ""))].append(i)
    out: dict[int, int] = {}
    for members in groups.values():
        if not any(pages[i].truncated for i in members):
            continue
        # the longest copy first; each cut one joins the first longer copy it starts
        longest = sorted(members, key=lambda i: (-len(list(_leaves(content(pages[i])))), pages[i].path))
        for k, i in enumerate(longest):
            if pages[i].truncated:
                for j in longest[:k]:
                    if j not in out and is_cut_copy(pages[i], pages[j]):
                        out[i] = j
                        break
    return out
