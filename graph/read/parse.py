"""Read pages: bytes → text → a typed :class:`~graph.read.records.Comparison` or
:class:`~graph.read.records.TopicPage`, or a :class:`~graph.read.records.Rejection` that names
the file, the line and the reason.

The reader works on the *non-blank* lines of a page, each with its original
1-based line number, so the normal and the compact layout (no blank lines)
take the same path. Markers are matched tolerantly because saved pages carry
the 🧊 emoji in several wrong code pages (``đź§Š``, ``ðŸ§Š``): a marker is any
short run of characters with no ASCII letter or digit.

Accepted shapes (``data/README.md`` describes the layout):

* comparison pages, full (blocks, ``🧊Nice Pick`` headline) or compact (no blank
  lines, no kind line, the headline without its marker, so the winner's name
  is met three times before its ``Pros``);
* comparison pages cut off before their bottom line (saved at a fixed size): kept
  when the headline and the winner's badge agree, with what they hold of the cards
  and one warning naming what is missing (see ``_ComparisonParser._trim_cut_tail``);
* topic pages, full or compact (``Why learn X?`` heading, ``Also known as:``…),
  or flattened: three lines, the name, a definition and a paragraph
  ``Developers should learn/use X …`` (see :func:`_flattened_topic_page`).

Names on one page are compared by :func:`name_key` only: case, hyphens and
runs of spaces do not count.

Every function here either returns a record or raises
:class:`~graph.errors.RejectedDocument`; nothing else escapes (a hypothesis fuzz
test holds us to that).

>>> page = parse_text(EXAMPLE, "example.txt")
>>> page.topics, page.pick
(('Redis', 'Memcached'), 'Redis')
>>> page.card("Redis").related
('caching', 'key-value-stores')
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import partial

from graph.build.progress import phase
from graph.read.copies import content_id, cut_copies
from graph.read.files import DEFAULT_MAX_BYTES, Inputs, read_bytes, scan
from graph.read.records import (
    Bullet,
    Card,
    Comparison,
    Duplicate,
    Page,
    ReadReport,
    Rejection,
    TRUNCATED,
    TopicPage,
    VerdictLine,
    cut_text,
    escape_path,
    is_acronym,
    name_key,
    opening_pair,
)
from graph.errors import NoPages, RejectedDocument

EXAMPLE = """Dynamic
Redis vs Memcached
Redis is a data structure server meets memcached is a plain cache. Here's our take.
Redis
Nice PickPick Redis when you need more than a cache.
Pros
- +Rich data types and optional persistence
- +Related to: caching, key-value-stores
Cons
- -Specific tradeoffs depend on your use case
Memcached
Pick Memcached for a simple, multi-threaded cache.
Pros
- +Very small and predictable
- +Related to: caching, redis
Cons
- -Specific tradeoffs depend on your use case
The Verdict
Use Redis if: You want rich data types and can live with specific tradeoffs.
Use Memcached if: You prioritize very small over what Redis offers.
The Bottom Line
Redis wins"""

TITLE_RE = re.compile(r"^(?P<a>\S.*?)\s+vs\.?\s+(?P<b>\S.*)$")
BULLET_RE = re.compile(r"^(?:\S{1,3}\s+)?(?P<sign>[+\-])(?P<text>.*)$")
RELATED_RE = re.compile(r"^related to\s*:\s*(?P<slugs>.*)$", re.IGNORECASE)
VERDICT_RE = re.compile(r"^Use\s+(?P<topic>.+?)\s+if\s*:\s*(?P<text>.*)$")
WINS_RE = re.compile(r"^(?P<name>.+?)\s+wins\.?$")
ALIASES_RE = re.compile(r"^also known as\s*:\s*(?P<names>.*)$", re.IGNORECASE)
WHY_RE = re.compile(r"^(?P<junk>[^A-Za-z0-9]{0,8}|\S{0,8}?)Why learn\s+(?P<name>.+?)\s*\??$")
#: a link text a flattened topic page may end with (``See how it ranks →``)
LINK_RE = re.compile(r"^.{1,40}\s*(?:→|->|›|»)$")
#: the why-learn paragraph that opens the third line of a flattened topic page
FLAT_WHY_RE = re.compile(r"^developers should (?:learn|use)\b ?(?P<rest>.*)$")
BADGE = "Nice Pick"
#: lines that end a card's description: a line starting a section, never a description
SECTIONS = ("Pros", "Cons", "The Verdict", "The Bottom Line")
#: a topic's name is a short line; anything longer is a paragraph
MAX_NAME = 80
#: words allowed between "Developers should learn/use" and the name ("about", "and use", "how to use")
FILLER_WORDS = 3
#: below this many files, starting worker processes costs more than it saves
PARALLEL_MIN = 2000
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


class _Line:
    """A non-blank line and its 1-based number in the file."""

    __slots__ = ("no", "text")

    def __init__(self, no: int, text: str):
        self.no = no
        self.text = text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.no}:{self.text!r}"


def is_marker(text: str) -> bool:
    """The bare 🧊 marker line, whatever code page mangled it."""
    return 0 < len(text) <= 8 and not _ASCII_ALNUM.search(text)


def is_headline(text: str) -> bool:
    """The ``🧊Nice Pick`` headline marker (not the bare badge)."""
    if not text.endswith(BADGE):
        return False
    return is_marker(text[: -len(BADGE)].strip())


def _same(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)


def opens_with(text: str, name: str, skip: int = 0) -> bool:
    """Whether ``text`` starts with ``name`` (by :func:`name_key`) after at most ``skip`` words.

    >>> opens_with("Long polling is a technique", "Long-Polling")
    True
    >>> opens_with("how to use Jinja2 templates", "jinja2", skip=3), opens_with("Jinja2", "Jinja", skip=0)
    (True, True)
    """
    key = name_key(name)
    return bool(key) and re.match(rf"(?:\S+ ){{0,{skip}}}{re.escape(key)}", name_key(text)) is not None


def _name_like(text: str) -> bool:
    """A line that can be a topic's name: short, with a letter or digit, not a sentence."""
    return len(text) <= MAX_NAME and any(c.isalnum() for c in text) and text[-1] not in ".:;,!?"


#: Longest quoted text kept whole in a rejection reason; a longer one is cut with "…".
QUOTE_MAX = 80
# a repr()'d string in either quote, written as an unrolled loop so a 10 MB one is matched in one pass
_QUOTED = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'" r'|"[^"\\]*(?:\\.[^"\\]*)*"')


def _cut(m: re.Match) -> str:
    q = m[0]
    return q if len(q) <= QUOTE_MAX + 2 else f"{q[:QUOTE_MAX]}…{q[0]}"


def _reject(path: str, line: int, reason: str) -> RejectedDocument:
    """A rejection whose quoted names and lines are cut to :data:`QUOTE_MAX` characters
    (a page whose title is one 10 MB line must not make a 10 MB message)."""
    if len(reason) > 2 * QUOTE_MAX:
        reason = _QUOTED.sub(_cut, reason)
    return RejectedDocument(Rejection(path, line, reason))


# ---------------------------------------------------------------- decoding --

def normalise(data: bytes, path: str) -> str:
    """Decode a file's bytes to text with ``\\n`` line ends and no BOM.

    Rejects empty, binary and undecodable files with the line of the problem.

    >>> normalise(b"\\xef\\xbb\\xbfa\\r\\nb", "x")
    'a\\nb'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise _reject(path, 1, "empty file: no text to read")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise _reject(path, line, "binary file (NUL byte): not a text page")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _reject(
            path, line,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the page as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sha256_text(text: str) -> str:
    """The sha256 of a normalised text (a page's document id is its :func:`~graph.read.copies.content_id`)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lines(text: str) -> list[_Line]:
    """The non-blank lines, stripped. A line with other than ASCII is put in NFKC
    with every run of Unicode white space as one space, so a name written with a
    non-breaking, thin or ideographic space matches the same name with a plain one."""
    out = []
    for no, raw in enumerate(text.split("\n"), start=1):
        t = raw.strip()
        if t:
            if not t.isascii():
                t = " ".join(unicodedata.normalize("NFKC", t).split())
            elif "\t" in t:
                t = " ".join(t.split())
            out.append(_Line(no, t))
    return out


# ------------------------------------------------------------------ pages --

def parse_text(text: str, path: str = "<text>", sha256: str | None = None) -> Page:
    """Parse the normalised text of one page (either page type); its ``sha256`` is its
    :func:`~graph.read.copies.content_id` (``sha256``, the text's, is ignored: kept for callers).

    Raises :class:`RejectedDocument` when the text is not a readable page.
    """
    page = _parse(text, path, "")
    # the document id says what the page says, so copies of it in other layouts, hosts or marker encodings are one
    return replace(page, sha256=content_id(page))


def _parse(text: str, path: str, sha: str) -> Page:
    lines = _lines(text)
    if not lines:
        raise _reject(path, 1, "empty file: no text to read")
    head = lines[0].text.lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "<head", "<body")) or (
        head.startswith("<") and re.search(r"</?[a-z][a-z0-9]*[\s>]", "\n".join(l.text for l in lines[:20]).lower())
    ):
        raise _reject(path, lines[0].no, "an HTML page, not a saved text page; save the page as plain text")
    # First, because its definition may hold " vs " and would pass for a title on line 2.
    if (flat := _flattened_topic_page(lines, path, sha)) is not None:
        return flat
    for i in (0, 1):
        if i < len(lines) and (m := TITLE_RE.match(lines[i].text)):
            if (longest := max(len(m["a"]), len(m["b"]))) > MAX_NAME:
                raise _reject(path, lines[i].no, f"the title names a topic of {longest:,} characters; "
                                                 f"a topic's name has at most {MAX_NAME}")
            return _ComparisonParser(lines, path, sha, title_at=i).parse()
    if any(WHY_RE.match(l.text) or ALIASES_RE.match(l.text) for l in lines[:40]):
        return _parse_topic_page(lines, path, sha)
    probe = lines[1] if len(lines) > 1 and len(lines[0].text) < 30 else lines[0]
    raise _reject(path, probe.no, _not_a_page(lines))


def _not_a_page(lines: list[_Line]) -> str:
    """Why a text with no title is no topic page either, naming what is missing."""
    if _flat_shape(lines):
        return (f"three lines like a flattened topic page, but its name {lines[0].text!r} opens neither the "
                f"definition nor (within {FILLER_WORDS} words) the 'Developers should learn/use' paragraph")
    return ("no comparison title ('A vs B') on the first lines, and not a topic page "
            "(no 'Why learn X?' heading, nor the three lines name, definition, 'Developers should learn/use X …')")


class _ComparisonParser:
    """A cursor over the non-blank lines of a comparison page."""

    def __init__(self, lines: list[_Line], path: str, sha: str, title_at: int):
        self.lines, self.path, self.sha = lines, path, sha
        self.i = title_at
        self.kind = lines[0].text if title_at == 1 else ""
        self.warnings: list[str] = []
        self.end_no = lines[-1].no

    # cursor helpers
    def peek(self, k: int = 0) -> _Line | None:
        j = self.i + k
        return self.lines[j] if j < len(self.lines) else None

    def take(self) -> _Line:
        line = self.lines[self.i]
        self.i += 1
        return line

    def last_no(self) -> int:
        """The page's last line (a cut page's fragment of a line, dropped, still counts)."""
        return self.end_no

    def reject(self, line: int, reason: str) -> RejectedDocument:
        return _reject(self.path, line, reason)

    def parse(self) -> Comparison:
        title_line = self.take()
        m = TITLE_RE.match(title_line.text)
        assert m
        a, b = m["a"].strip(), m["b"].strip()
        if _same(a, b):
            raise self.reject(title_line.no, f"the title compares {a!r} with itself")
        self.names = (a, b)
        self._keys = {name_key(n): n for n in self.names}
        self._longest = max(len(a), len(b)) + 8
        self.cut = not self._has_bottom_line()
        if self.cut:
            self._trim_cut_tail()
        picks: list[tuple[str, int, str]] = []  # (name, line, where)

        intro: list[str] = []
        while (ln := self.peek()) is not None and not is_headline(ln.text) and not self._card_starts():
            if ln.text == BADGE or ln.text in ("Pros", "Cons"):
                raise self.reject(ln.no, f"expected the card of {a!r} or {b!r} before {ln.text!r}")
            intro.append(self.take().text)
        self._headline(picks)

        first = self._card(None)
        if first is None and not picks:
            raise self.reject(self.last_no(), f"page ends before the first card is complete; "
                                              f"a page needs both cards of {a!r} and {b!r}")
        second = first and self._card(first.name)
        cards = [c for c in (first, second) if c]
        for c in cards:
            if c.badge:
                picks.append((c.name, c.line, f"the badge on {c.name!r}'s card"))
        if len(cards) == 2 and cards[0].badge and cards[1].badge:
            raise self.reject(cards[1].line, "both cards carry the Nice Pick badge")

        verdict, bottom, note = self._tail(picks)
        pick, pick_line = self._agree(picks, title_line.no)
        if self.cut:
            self._readable_pick(picks)
            self.warnings.insert(0, self._cut_warning(cards, verdict, note))
        elif verdict:
            named = {self._canon(v.topic) for v in verdict}
            self.warnings += [f"no 'Use {n} if:' verdict line" for n in self.names if n not in named]
        ordered = tuple(sorted(cards, key=lambda c: self.names.index(c.name)))
        if ordered != tuple(cards):
            self.warnings.append(f"line {cards[0].line}: cards are not in title order")
        return Comparison(
            path=self.path, sha256=self.sha, title=title_line.text, title_line=title_line.no,
            topics=self.names, kind=self.kind, intro=" ".join(intro), pick=pick, pick_line=pick_line,
            cards=ordered, verdict=tuple(verdict), bottom_line=bottom, warnings=tuple(self.warnings),
            verdict_note=note,
        )

    # cut pages: saved copies of the site are often cut at a fixed size, mid-line

    def _has_bottom_line(self) -> bool:
        """Whether the page reaches its bottom line's ``X wins`` (else it was cut off)."""
        return any(ln.text == "The Bottom Line" and WINS_RE.match(nxt.text)
                   for ln, nxt in zip(self.lines[self.i:], self.lines[self.i + 1:]))

    def _trim_cut_tail(self) -> None:
        """Make the last line of a cut page harmless: a fragment of a structural line
        (``Pro``, ``Nice Pi``, half a name) is dropped, as a half-written ``Related to:``
        slug is; a cut sentence ends with ``…`` at its last whole word."""
        if len(self.lines) <= self.i:  # nothing after the title
            return
        last = self.lines[-1]
        t = last.text
        structural = [*SECTIONS, BADGE, *self.names, *(f"Use {n} if:" for n in self.names),
                      *(f"{n} wins" for n in self.names)]
        bullet = BULLET_RE.match(t)
        if is_marker(t) or any(s != t and s.startswith(t) for s in structural) or (bullet and not bullet["text"].strip()):
            self.lines.pop()
        elif bullet and (r := RELATED_RE.match(bullet["text"].strip())):
            slugs = r["slugs"].split(",")
            last.text = t[: len(t) - len(slugs[-1])].rstrip(", ") if len(slugs) > 1 else t[: t.index(":") + 1]
        elif t not in structural and not t.endswith((".", "!", "?")):
            if cut := _cut_line(t):
                last.text = cut
            else:
                self.lines.pop()

    def _readable_pick(self, picks: list[tuple[str, int, str]]) -> None:
        """A cut page keeps its comparison only when its pick can be read: with the bottom line
        gone, the headline and the winner's badge must both be there (:meth:`_agree` checks they agree)."""
        where = {w for _, _, w in picks if w == "the headline" or w.startswith("the badge")}
        if len(where) == 2:
            return
        name, _, said = picks[0]
        raise self.reject(self.last_no(), f"the page is cut off at line {self.last_no()} before its pick can be read: "
                          f"only {said.split(' on ')[0]} names {name!r}; a cut page needs the headline and the "
                          "winner's badge")

    def _cut_warning(self, cards: list[Card], verdict: list[VerdictLine], note: str) -> str:
        """The one warning of a cut page: the line it ends at and everything it is missing."""
        missing = []
        for n in self.names:
            card = next((c for c in cards if c.name == n), None)
            if card is None or not card.complete:
                missing.append(f"the card of {n!r}" if card is None else f"the end of the card of {n!r}")
        if not (verdict or note):
            missing.append("the verdict")
        elif verdict:
            named = {v.topic for v in verdict}
            missing += [f"the 'Use {n} if:' line" for n in self.names if n not in named]
        missing.append("the bottom line")
        return f"{TRUNCATED} the page ends at line {self.last_no()}; missing {', '.join(missing)}"

    def _canon(self, name: str) -> str | None:
        """The title's spelling of a topic named ``name`` (by :func:`name_key`), else None."""
        if len(name) > self._longest:  # most lines are sentences: skip them cheaply
            return None
        return self._keys.get(name_key(name))

    def _headline(self, picks: list[tuple[str, int, str]]) -> None:
        """Read the pick headline, if any, into ``picks``: the ``🧊Nice Pick`` marker,
        the winner's name and its description; real compact pages drop the marker."""
        ln = self.peek()
        if ln is not None and is_headline(ln.text):
            self.take()
            name = self.peek()
            if name is None:
                raise self.reject(ln.no, "page ends after the Nice Pick headline: no cards")
            self.take()
            picks.append((name.text, name.no, "the headline"))
            # the winner's description: one line, unless the page skips it
            if self.peek() is not None and not self._card_starts():
                self.take()
        elif size := self._markerless_headline():
            name = self.take()
            picks.append((name.text, name.no, "the headline"))
            for _ in range(size - 1):
                self.take()

    def _markerless_headline(self) -> int:
        """The number of lines of a headline without its marker at the cursor, else 0.

        A card is its name, maybe the badge, a description, then ``Pros``; the
        headline is a name and a description followed by a card, i.e. by a
        topic's name again. So a name line is the headline when another name line
        comes before any badge or section line (like the marked headline, it may
        skip its description)."""
        if (ln := self.peek()) is None or self._canon(ln.text) is None:
            return 0
        k = 1
        while (ln := self.peek(k)) is not None:
            if ln.text.startswith(BADGE) or ln.text in SECTIONS:
                return 0
            if self._canon(ln.text) is not None:
                return k
            k += 1
        return 0

    def _card_starts(self) -> bool:
        """Whether a card starts at the cursor: a topic's name, or any line shaped
        like a card's first line (a badge after it, or ``Pros`` two lines on)."""
        ln = self.peek()
        if ln is None:
            return False
        if self._canon(ln.text) is not None:
            return True
        nxt, after = self.peek(1), self.peek(2)
        return (nxt is not None and nxt.text.startswith(BADGE)) or (after is not None and after.text == "Pros")

    def _card(self, previous: str | None) -> Card | None:
        """The next card; on a cut page, as much of it as is there (``complete=False``),
        or None when the page ends before it."""
        a, b = self.names
        expected = [n for n in self.names if n != previous]
        ln = self.peek()
        if ln is None:
            if self.cut:
                return None
            which = "second" if previous else "first"
            raise self.reject(
                self.last_no(),
                f"page ends before the {which} card is complete; a page needs both cards of {a!r} and {b!r}",
            )
        name = self._canon(ln.text)
        if name is None or name == previous:
            raise self.reject(
                ln.no, f"expected the card of {' or '.join(map(repr, expected))}, found {ln.text!r}; "
                f"cards must match the title ({a} vs {b})",
            )
        name_line = self.take().no
        badge, desc = False, []
        pros: list[Bullet] = []
        cons: list[Bullet] = []
        related: tuple[str, ...] = ()
        related_line = 0

        def partial() -> Card:
            if not self.cut:
                raise self.reject(self.last_no(), f"page ends before the card of {name!r} is complete; "
                                                  "a page needs both cards")
            return Card(name=name, line=name_line, description=" ".join(desc), badge=badge, pros=tuple(pros),
                        cons=tuple(cons), related=related, related_line=related_line, complete=False)

        if (ln := self.peek()) is not None and ln.text.startswith(BADGE):
            self.take()
            badge = True
            glued = ln.text[len(BADGE):].strip()
            if glued:
                desc.append(glued)
        while (ln := self.peek()) is not None and ln.text != "Pros":
            if ln.text in SECTIONS or self._canon(ln.text):
                raise self.reject(ln.no, f"the card of {name!r} has no Pros section before {ln.text!r}")
            desc.append(self.take().text)
        if ln is None:
            return partial()
        self.take()  # "Pros"
        pros, related, related_line = self._bullets(name, "Pros", "+")
        if (ln := self.peek()) is None:
            return partial()
        if ln.text != "Cons":
            raise self.reject(ln.no, f"expected 'Cons' after the pros of {name!r}, found {ln.text!r}")
        self.take()
        cons, _, _ = self._bullets(name, "Cons", "-")
        if not cons:
            if self.peek() is None:
                return partial()
            raise self.reject(self.peek().no, f"the Cons of {name!r} have no bullet")
        if not desc:
            self.warnings.append(f"line {name_line}: the card of {name!r} has no description")
        if not related:
            self.warnings.append(f"line {name_line}: the card of {name!r} has no 'Related to:' bullet")
        return Card(
            name=name, line=name_line, description=" ".join(desc),
            badge=badge, pros=tuple(pros), cons=tuple(cons), related=related, related_line=related_line,
            complete=True,
        )

    def _bullets(self, name: str, section: str, sign: str) -> tuple[list[Bullet], tuple[str, ...], int]:
        bullets: list[Bullet] = []
        related: tuple[str, ...] = ()
        related_line = 0
        while (ln := self.peek()) is not None:
            if self._canon(ln.text) or ln.text in SECTIONS:
                break
            m = BULLET_RE.match(ln.text)
            if m is None:
                break
            self.take()
            text = m["text"].strip()
            r = RELATED_RE.match(text)
            if r and section == "Pros":
                related = tuple(s.strip().lower() for s in r["slugs"].split(",") if s.strip())
                related_line = ln.no
                continue
            if m["sign"] != sign:
                self.warnings.append(f"line {ln.no}: a {m['sign']!r} bullet under {section} of {name!r}")
            bullets.append(Bullet(text, ln.no))
        return bullets, related, related_line

    def _tail(self, picks: list[tuple[str, int, str]]) -> tuple[list[VerdictLine], str, str]:
        """The verdict lines, the bottom line and the verdict's paragraph when it has no
        ``Use X if:`` lines (the "purposes" verdict); a cut page may end anywhere in them."""
        verdict: list[VerdictLine] = []
        paragraph: list[str] = []
        bottom = ""
        seen_verdict = seen_bottom = False
        while (ln := self.peek()) is not None:
            self.take()
            if ln.text == "The Verdict":
                seen_verdict = True
            elif (m := VERDICT_RE.match(ln.text)) and seen_verdict and not seen_bottom:
                topic = self._canon(m["topic"])
                if topic is None:
                    self.warnings.append(f"line {ln.no}: verdict line names {m['topic']!r}, not a compared topic")
                else:
                    verdict.append(VerdictLine(topic, m["text"].strip(), ln.no))
            elif ln.text == "The Bottom Line":
                seen_bottom = True
                nxt = self.peek()
                if nxt is not None and (w := WINS_RE.match(nxt.text)):
                    self.take()
                    bottom = nxt.text
                    picks.append((w["name"], nxt.no, "the bottom line"))
                    break
            elif seen_verdict and not seen_bottom and not is_marker(ln.text):
                paragraph.append(ln.text)
            # anything else (markers, the closing line) carries no structure
        return verdict, bottom, "" if verdict else " ".join(paragraph)

    def _agree(self, picks: list[tuple[str, int, str]], title_no: int) -> tuple[str, int]:
        if not picks:
            raise self.reject(title_no, "no pick: the page has no Nice Pick headline, badge or 'X wins' line")
        resolved = []
        for name, no, where in picks:
            canon = self._canon(name)
            if canon is None:
                a, b = self.names
                raise self.reject(no, f"the pick {name!r} in {where} is not one of the compared topics ({a}, {b})")
            resolved.append((canon, no, where))
        first = resolved[0]
        for other in resolved[1:]:
            if other[0] != first[0]:
                raise self.reject(
                    other[1],
                    f"the pick disagrees: {first[2]} names {first[0]!r} but {other[2]} names {other[0]!r}",
                )
        return first[0], first[1]


#: a lone word this long on a cut page's last line is no half-word to drop
MAX_WORD = 40
#: what opens a line before its sentence: a bullet's sign, ``Use X if:``, a glued badge
_LINE_HEAD = re.compile(rf"^(?:\S{{1,3}}\s+)?[+\-]|^Use\s+.+?\s+if\s*:|^{BADGE}")


def _cut_line(text: str) -> str:
    """The last line of a cut page with its sentence ended at its last whole word (a lone
    word may be half a word: it goes), its bullet sign or ``Use X if:`` kept; ``""`` when nothing is left.

    >>> _cut_line("- +It replays the log in ord"), _cut_line("Use Go if: You want it"), _cut_line("Develo")
    ('- +It replays the log in…', 'Use Go if: You want…', '')
    """
    head = m[0] if (m := _LINE_HEAD.match(text)) else ""
    body = text[len(head):].strip()
    body = cut_text(body) if " " in body or len(body) > MAX_WORD else ""
    if not head:
        return body
    return f"{head} {body}".rstrip() if head.endswith(":") else head + body


def _flat_shape(lines: list[_Line]) -> re.Match[str] | None:
    """The three lines of a flattened topic page (and maybe a fourth, a link such as
    ``See how it ranks →``), name-like name and why-learn opening (matched on the third
    line's :func:`name_key`), else None."""
    if not (len(lines) == 3 or (len(lines) == 4 and LINK_RE.match(lines[3].text))):
        return None
    if not _name_like(lines[0].text) or TITLE_RE.match(lines[0].text):
        return None
    return FLAT_WHY_RE.match(name_key(lines[2].text))


def _defines(definition: str, name: str) -> bool:
    """Whether a definition is about ``name`` though it does not open with it: it opens with an
    abbreviation and its expansion (``XYZ (Xtra Yield Zoning) is …`` for ``Xyz Authorization``,
    the abbreviation one of the name's words or its acronym), or with the name's words split by
    a few others (``Optimistic and pessimistic locking are …``).

    >>> _defines("XYZ (Xtra Yield Zoning) is an authorization model", "Xyz Authorization")
    True
    >>> _defines("Optimistic and pessimistic locking are two ways to guard a row", "Optimistic Pessimistic Locking")
    True
    >>> _defines("A garden is a place for plants", "Gardening")
    False
    """
    words = name_key(name).split()
    if (pair := opening_pair(definition)) is not None:
        keys = [name_key(x) for x in pair]
        if name_key(name) in keys or any(k in words or is_acronym(x, name) for k, x in zip(keys, pair)):
            return True
    opening = name_key(definition).split()[: len(words) + FILLER_WORDS]
    it = iter(opening)
    return len(words) > 1 and all(w in it for w in words)  # the name's words, in order, among the first


def _flattened_topic_page(lines: list[_Line], path: str, sha: str) -> TopicPage | None:
    """A topic page as text extractors save it (no kind, no aliases, no headings),
    or None when the lines are not in that shape.

    The shape is three lines: a name, a definition, and a paragraph that opens
    ``Developers should learn …`` or ``Developers should use …`` (and maybe a fourth,
    a link text: :data:`LINK_RE`). Either the definition opens with the name (``Long
    polling is a …``) or is about it (:func:`_defines`: an abbreviation and its
    expansion, or the name's words split), or the name follows "learn"/"use" within
    :data:`FILLER_WORDS` words (``learn about long polling``):
    that tie between the lines keeps three random lines, and a comparison page cut
    after its intro, from passing for a topic page.
    """
    if (m := _flat_shape(lines)) is None:
        return None
    name, definition, why = lines[:3]
    if not (opens_with(definition.text, name.text) or opens_with(m["rest"], name.text, skip=FILLER_WORDS)
            or _defines(definition.text, name.text)):
        return None
    return TopicPage(path=path, sha256=sha, name=name.text, name_line=name.no,
                     definition=definition.text, why_learn=why.text)


def _parse_topic_page(lines: list[_Line], path: str, sha: str) -> TopicPage:
    why_at = next((j for j, l in enumerate(lines) if WHY_RE.match(l.text)), None)
    name_at = 0
    if why_at is not None:
        wname = WHY_RE.match(lines[why_at].text)["name"]
        name_at = next((j for j in range(why_at) if _same(lines[j].text, wname)), 0)
    elif len(lines) > 1 and lines[0].text.islower() and len(lines[0].text) <= 30:
        name_at = 1
    kind = " ".join(l.text for l in lines[:name_at])
    name = lines[name_at]
    if len(name.text) > MAX_NAME:
        raise _reject(path, name.no, "topic page: expected the topic's name, found a paragraph")
    sections = {"compare": [], "resources": [], "tools": [], "alternatives": []}
    definition: list[str] = []
    why: list[str] = []
    aliases: tuple[str, ...] = ()
    current = definition
    for ln in lines[name_at + 1:]:
        t = ln.text
        low = t.lower()
        if m := ALIASES_RE.match(t):
            aliases = tuple(a.strip() for a in m["names"].split(",") if a.strip())
            current = why if current is why else definition
            continue
        if WHY_RE.match(t):
            current = why
        elif low.startswith("compare ") and len(t) < 100 and " vs " not in low:
            current = sections["compare"]
        elif low == "learning resources":
            current = sections["resources"]
        elif low == "related tools":
            current = sections["tools"]
        elif low.startswith("alternatives to ") and len(t) < 100:
            current = sections["alternatives"]
        elif is_marker(t):
            continue
        else:
            current.append(t)
    warnings = [] if definition else ["topic page has no definition"]
    return TopicPage(
        path=path, sha256=sha, name=name.text, name_line=name.no, kind=kind,
        definition=" ".join(definition), aliases=aliases, why_learn=" ".join(why),
        compare=tuple(sections["compare"]), related_tools=tuple(sections["tools"]),
        alternatives=tuple(sections["alternatives"]), warnings=tuple(warnings),
    )


# ------------------------------------------------------------------ files --

def read_file(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Page | Rejection, str]:
    """Read one file: its page (or its rejection) and its document id (:func:`~graph.read.copies.content_id`).

    Never raises for anything in the file; a file that is not a regular file of
    at most ``max_bytes`` is a rejection (see :mod:`graph.read.files`).
    """
    p = os.fspath(path)
    shown = escape_path(p)  # the page's provenance, printable on one line
    try:
        page = parse_text(normalise(read_bytes(p, max_bytes), shown), shown)
        return page, page.sha256
    except RejectedDocument as exc:
        return exc.rejection, ""
    except Exception as exc:  # pragma: no cover - the fuzz tests say this never happens
        return Rejection(shown, 0, f"internal error while reading ({type(exc).__name__}: {exc}); please report it"), ""


def collect(results: Iterable[tuple[str, tuple[Page | Rejection, str]]],
            rejected: Iterable[Rejection] = ()) -> ReadReport:
    """Fold per-file results (in path order) into a report, spotting duplicates: copies of one
    page (one document id, :mod:`graph.read.copies`) and cut copies of a page saved longer
    elsewhere (:func:`~graph.read.copies.cut_copies`); each copy's path is kept in the duplicates.

    ``rejected`` are the entries the walk could not take (pipes, loops, …).
    """
    report = ReadReport(rejections=list(rejected))
    seen: dict[str, str] = {}
    for path, (result, sha) in results:
        if isinstance(result, Rejection):
            report.rejections.append(result)
        elif sha in seen:
            report.duplicates.append(Duplicate(escape_path(path), seen[sha], sha))
        else:
            seen[sha] = escape_path(path)
            report.pages.append(result)
    if cut := cut_copies(report.pages):
        for i, j in sorted(cut.items()):
            report.duplicates.append(Duplicate(report.pages[i].path, report.pages[j].path, report.pages[j].sha256))
        report.pages = [p for i, p in enumerate(report.pages) if i not in cut]
        report.duplicates.sort(key=lambda d: d.path)
    report.rejections.sort(key=lambda r: r.path)
    return report


def read_paths(paths: Iterable[str | os.PathLike[str]], jobs: int = 1, progress: bool = False,
               max_bytes: int = DEFAULT_MAX_BYTES, inputs: Inputs | None = None,
               known: Mapping[str, tuple[Page, str]] | None = None) -> ReadReport:
    """Read every page under ``paths``; rejections are collected, not raised.

    ``known``: pages already read from files unchanged since (path → ``(page, sha256)``,
    see :func:`graph.build.pipeline.build`); only the other files are read. Raises
    :class:`~graph.errors.NoPages` when the paths hold no file to read at all.
    """
    found = inputs if inputs is not None else scan(paths)
    if not found.files and not found.rejections:
        raise NoPages(paths)
    known = known or {}
    fresh = [f for f in found.paths if f not in known]
    read = dict(zip(fresh, _map(fresh, jobs, progress, max_bytes)))
    return collect(((f, known[f] if f in known else read[f]) for f in found.paths), found.rejections)


def _map(files: list[str], jobs: int, progress: bool, max_bytes: int) -> Iterator[tuple[Page | Rejection, str]]:
    # late: the worker pool brings multiprocessing, which commands that read no page (every query
    # from a cache, --help) would wait for at start-up (docs/performance.md, "Start-up")
    from graph.build.workers import parallel_map

    read = partial(read_file, max_bytes=max_bytes)
    with phase("reading", len(files), "page", show=progress or None) as bar:
        for r in parallel_map(read, files, jobs, chunksize=256, parallel_min=PARALLEL_MIN):
            bar.advance()
            yield r
