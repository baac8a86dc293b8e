"""Typed records produced by the reader and consumed by every later stage.

Records are frozen dataclasses of plain values (str, int, tuples) so that they
pickle small, compare by value and can be sent between worker processes.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

class _Record:
    """Pickles as ``(class, field values)``: faster to load than the generic state of a frozen
    slotted dataclass, which a big corpus's cache and workers pay once per page."""

    __slots__ = ()

    def __reduce__(self):
        return (type(self), tuple(getattr(self, f) for f in self.__slots__))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``; pages say which type they are."""
        d = asdict(self)
        if hasattr(type(self), "page_type"):
            d["page_type"] = type(self).page_type
        return d


#: The con the site writes when it has nothing to say; it carries no information.
PLACEHOLDER_CON = "specific tradeoffs depend on your use case"


@dataclass(frozen=True, slots=True)
class Bullet(_Record):
    """One pro or con bullet, with the line it was read from (1-based)."""

    text: str
    line: int

    @property
    def informative(self) -> bool:
        """False for the placeholder con and for sentence-splitting debris.

        >>> Bullet("Specific tradeoffs depend on your use case", 3).informative
        False
        >>> Bullet("g", 4).informative
        False
        >>> Bullet("Mature replication and point-in-time recovery", 5).informative
        True
        """
        return is_informative(self.text)


def is_informative(text: str) -> bool:
    """Whether a pro, con or verdict fragment says something a reader can use."""
    t = text.strip().rstrip(".").strip()
    if t.lower() == PLACEHOLDER_CON:
        return False
    # Debris from a sentence splitter that stopped at "e.g." or "HTTP/1.1":
    # too short to be a reason on its own.
    return len(re.findall(r"[A-Za-z]{2,}", t)) >= 3


_CAUTION = re.compile(r"(?i)^\s*(?:do not|don't|never|avoid)\b")


def is_caution(text: str) -> bool:
    """Whether a pro warns against a use instead of praising one (``Do not use it for …``): the
    site's other card template writes such pros. Kept as the page writes it; queries show it with
    the cons, never as a reason for the pick.

    >>> is_caution("Do not use it for serving static files"), is_caution("Avoids a build step")
    (True, False)
    """
    return _CAUTION.match(text) is not None


def clean_reason(text: str) -> str:
    """Trim a dangling fragment left by a sentence splitter (``… formats (e``).

    >>> clean_reason("It reads many formats (e")
    'It reads many formats'
    >>> clean_reason("Fast (really)")
    'Fast (really)'
    """
    t = text.strip()
    t = re.sub(r"\s*\([^)]{0,3}$", "", t)
    return t.rstrip(" ,;:")


def name_key(text: str) -> str:
    """How the reader compares names: case, hyphens and runs of spaces do not count,
    because real pages write one topic ``Write-Back Caching`` and ``write back caching``.

    >>> name_key("  Write-Back   Caching"), name_key("CI/CD")
    ('write back caching', 'ci/cd')
    """
    return " ".join(text.replace("-", " ").split()).casefold()


_OPENING_PAIR = re.compile(r"^(?P<first>[^()]{1,80}?)\s+\((?P<second>[^()]{1,80})\)")


def opening_pair(text: str) -> tuple[str, str] | None:
    """The two names a definition opens with, ``Long Name (ABBR)`` or ``ABBR (Long Name)``,
    when the shorter is an acronym of the longer (:func:`is_acronym`); else None.

    >>> opening_pair("Client-Side Rendering (CSR) is a way to build pages in the browser")
    ('Client-Side Rendering', 'CSR')
    >>> opening_pair("XYZ (Xtra Yield Zoning) is an authorization model"), opening_pair("Rust (the language) is fast")
    (('XYZ', 'Xtra Yield Zoning'), None)
    """
    m = _OPENING_PAIR.match(text)
    if m is None:
        return None
    first, second = m["first"].strip(), m["second"].strip()
    short, long_ = sorted((first, second), key=len)
    return (first, second) if is_acronym(short, long_) else None


def is_acronym(short: str, long_: str) -> bool:
    """Whether ``short`` (one word, at least two capitals) is made of the initials of ``long_``'s
    words, each word giving its first letter and maybe more of its letters in order
    (``OLAP``: On-Line Analytical Processing; a final ``s`` may pluralise it).

    >>> is_acronym("CSR", "Client-Side Rendering"), is_acronym("OLAP", "Online Analytical Processing")
    (True, True)
    >>> is_acronym("K8s", "Kubernetes"), is_acronym("SSR", "Client-Side Rendering")
    (False, False)
    """
    if " " in short.strip() or sum(c.isupper() for c in short) < 2:
        return False
    letters = short.casefold().removesuffix("s") if short.endswith("s") else short.casefold()
    words = [w for w in re.split(r"[^0-9a-z]+", long_.casefold()) if w]
    if not 1 < len(words) <= 8 or not letters.isalnum():
        return False

    def fits(i: int, j: int) -> bool:  # letters[i:] from words[j:], each word starting one letter or more
        if j == len(words):
            return i == len(letters)
        if i == len(letters) or letters[i] != words[j][0]:
            return False
        k, w = i + 1, words[j][1:]
        options = [k]
        for c in w:  # more letters of the same word, in order
            if k < len(letters) and c == letters[k]:
                k += 1
                options.append(k)
        return any(fits(o, j + 1) for o in options)

    return fits(0, 0)


#: How the one warning of a page cut off before its bottom line starts.
TRUNCATED = "truncated:"


def warning_line(warning: str) -> int:
    """The line a reader's warning names (``line 12: …``, ``… ends at line 40; …``), else 0.

    >>> warning_line("truncated: the page ends at line 20; missing the bottom line"), warning_line("no pick")
    (20, 0)
    """
    m = re.search(r"\bline (\d+)\b", warning)
    return int(m[1]) if m else 0
#: How a text cut off mid-sentence ends.
ELLIPSIS = "…"


def cut_text(text: str) -> str:
    """A sentence cut off mid-word, ended at its last whole word with ``…``: a saved page
    cut at a fixed size stops anywhere, and half a word reads as a wrong word.

    >>> cut_text("You want it keeps the history linear and easy to rev")
    'You want it keeps the history linear and easy to…'
    >>> cut_text("Short"), cut_text("Already cut…")
    ('Short…', 'Already cut…')
    """
    t = text.rstrip()
    if t.endswith(ELLIPSIS):
        return t
    head, sep, _ = t.rpartition(" ")
    return (head.rstrip(" ,;:-(") if sep else t) + ELLIPSIS


@dataclass(frozen=True, slots=True)
class Card(_Record):
    """One topic's card on a comparison page."""

    name: str
    line: int
    description: str = ""
    badge: bool = False
    pros: tuple[Bullet, ...] = ()
    cons: tuple[Bullet, ...] = ()
    related: tuple[str, ...] = ()
    related_line: int = 0
    #: False for the last card of a page cut off inside it (it holds what the page does)
    complete: bool = False


@dataclass(frozen=True, slots=True)
class VerdictLine(_Record):
    """A ``Use X if: …`` line."""

    topic: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Comparison(_Record):
    """A comparison page ("A vs B"), as read; names are as written on the page."""

    path: str
    sha256: str
    title: str
    title_line: int
    topics: tuple[str, str]
    kind: str = ""
    intro: str = ""
    pick: str | None = None
    pick_line: int = 0
    cards: tuple[Card, ...] = ()
    verdict: tuple[VerdictLine, ...] = ()
    bottom_line: str = ""
    warnings: tuple[str, ...] = ()
    #: the verdict's paragraph when it has no ``Use X if:`` lines (the "purposes" verdict): not a reason for the pick
    verdict_note: str = ""

    page_type = "comparison"

    @property
    def truncated(self) -> bool:
        """Whether the page was cut off before its bottom line (its first warning says so)."""
        return bool(self.warnings) and self.warnings[0].startswith(TRUNCATED)

    def card(self, name: str) -> Card:
        """The card of the topic called ``name`` (case-insensitive)."""
        for c in self.cards:
            if c.name.casefold() == name.casefold():
                return c
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class TopicPage(_Record):
    """A page about one topic: definition, aliases, related tools, alternatives."""

    path: str
    sha256: str
    name: str
    name_line: int
    kind: str = ""
    definition: str = ""
    aliases: tuple[str, ...] = ()
    why_learn: str = ""
    compare: tuple[str, ...] = ()
    related_tools: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    page_type = "topic"


#: Paths longer than this are shown cut in the middle (a path near PATH_MAX is 4 KB of noise).
_SHOWN_PATH = 240


def escape_path(path: str) -> str:
    """A path as it can be printed on one line: control characters escaped, bytes
    that are not UTF-8 as ``\\xNN``. The reader stores a page's path this way, so
    every output (text, JSON, RDF, GraphML) shows the same one-line provenance.

    >>> escape_path("ok/page.txt"), escape_path("a\\nrejected b.txt"), escape_path("caf\\udce9.txt")
    ('ok/page.txt', 'a\\\\nrejected b.txt', 'caf\\\\xe9.txt')
    """
    if path.isprintable():
        return path
    out = []
    for ch in path:
        if "\udc80" <= ch <= "\udcff":  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return "".join(out)


def display_path(path: str) -> str:
    """:func:`escape_path`, and a very long path cut in the middle, for messages."""
    path = escape_path(path)
    if len(path) > _SHOWN_PATH:
        half = _SHOWN_PATH // 2
        path = f"{path[:half]}…{path[-half:]}"
    return path


@dataclass(frozen=True, slots=True)
class Rejection(_Record):
    """Why a document could not be read: the path, the 1-based line, a reason."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Duplicate(_Record):
    """A file whose normalised text equals an earlier document's."""

    path: str
    same_as: str
    sha256: str


Page = Comparison | TopicPage


@dataclass
class ReadReport:
    """What reading a corpus produced: pages, duplicates and rejections."""

    pages: list[Page] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    #: pages taken from an earlier build instead of read again (see :func:`graph.build.pipeline.build`)
    reused: int = 0
    #: the earlier build's document store they were taken from, whose stored bytes of them the new store copies
    store: Any = None

    @property
    def comparisons(self) -> list[Comparison]:
        return [p for p in self.pages if isinstance(p, Comparison)]

    @property
    def topic_pages(self) -> list[TopicPage]:
        return [p for p in self.pages if isinstance(p, TopicPage)]
