"""Full-text search over what the pages say of each topic: an SQLite FTS5 index made by the build.

One row per distinct text a topic has: its name, each alias, each description
(and a topic page's definition), each informative pro and con. The build
writes the index beside its query cache (:func:`index_path`), as one file made
in memory and renamed into place; ``serve`` opens it read-only, once per loaded
build, so a switch never mixes two builds' answers. The index records the
build's inputs digest, and a reader refuses an index of other inputs.

User text never reaches FTS5 as syntax: each word becomes a quoted term
(:func:`fts_query`), so ``"``, ``*``, ``NEAR(``, ``-`` or ``OR`` are only text.

>>> import networkx as nx
>>> G = nx.MultiDiGraph(fingerprint="f1", documents={})
>>> G.add_node("redis", name="Redis", labels=["Redis", "REDIS server"], descriptions=[("Developers use it as a cache", "d")],
...            definition="", kind="")
>>> idx = TextIndex.from_bytes(index_bytes(G), "f1")
>>> [(r["id"], r["field"], r["snippet"]) for r in idx.search("cache")]
[('redis', 'description', 'Developers use it as a [cache]')]
>>> [r["field"] for r in idx.search("server")]
['alias']
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from graph.build.outdir import atomic_write_bytes
from graph.kg.graph import VERSUS
from graph.read.records import Comparison
from graph.errors import PickgraphError

#: the fields a hit can be in; the order ranks two hits of equal score (a name before a pro)
FIELDS = ("name", "alias", "description", "pro", "con")
#: what marks the matched words in a snippet (plain text: the browser shows them, escaped)
MARK = ("[", "]")
#: at most this many words of a query are searched (each one a term every hit must hold)
MAX_TERMS = 16
#: the last word typed is also a prefix from this many characters on
MIN_PREFIX = 3
#: the hits ranked are the first this many texts holding the words (in the index's order, the most
#: compared topics first), at least ten per hit asked for: a word that most texts hold costs no more
#: than a rare one
WINDOW = 500
_SCHEMA_VERSION = "1"


class TextIndexMissing(PickgraphError):
    """No full-text index of this build (an older build, a streamed one, or one of other inputs)."""


def index_path(cache: str | os.PathLike[str]) -> Path:
    """Beside a build cache (:func:`graph.build.record.cache_path`): its full-text index."""
    return Path(cache).with_suffix(".search")


def topic_texts(G: nx.MultiDiGraph) -> Iterator[tuple[str, str, str]]:
    """``(slug, field, text)`` for every distinct text of every topic: the most compared topics first
    (then by slug), each topic's name, aliases, descriptions, pros and cons in that order."""
    cards: dict[str, dict[str, set[str]]] = {}
    ident = G.graph.get("identity")
    for page in G.graph.get("documents", {}).values():
        if not isinstance(page, Comparison):
            continue
        for card in page.cards:
            slug = ident.canonical(card.name) if ident else card.name
            if card.name not in page.topics or slug not in G:
                continue
            mine = cards.setdefault(slug, {"pro": set(), "con": set()})
            mine["pro"].update(b.text for b in card.pros if b.informative)
            mine["con"].update(b.text for b in card.cons if b.informative)
    compared = Counter(t for u, v, k in G.edges(data="kind") if k == VERSUS for t in (u, v))
    for slug, d in sorted(G.nodes(data=True), key=lambda n: (-compared[n[0]], n[0])):
        name = d["name"]
        yield slug, "name", name
        for alias in sorted({label for label in d.get("labels") or () if label != name}):
            yield slug, "alias", alias
        descriptions = {t for t, _ in d.get("descriptions") or ()} | ({d["definition"]} if d.get("definition") else set())
        for text in sorted(descriptions):
            yield slug, "description", text
        for field in ("pro", "con"):
            for text in sorted(cards.get(slug, {}).get(field, ())):
                yield slug, field, text


def index_bytes(G: nx.MultiDiGraph) -> bytes:
    """The index of ``G`` as the bytes of an SQLite database (made in memory: one write, one rename)."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE topic (slug TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(slug UNINDEXED, field UNINDEXED, body,
                                                 tokenize = 'unicode61 remove_diacritics 2');
        """)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("version", _SCHEMA_VERSION),
                                                          ("fingerprint", G.graph.get("fingerprint") or "")])
        db.executemany("INSERT INTO topic VALUES (?, ?)", ((n, d["name"]) for n, d in G.nodes(data=True)))
        # rowid order is the topics' order, most compared first: a common word's first hits are theirs
        db.executemany("INSERT INTO fts VALUES (?, ?, ?)", topic_texts(G))
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")  # one b-tree segment: fewer pages read per query
        db.commit()
        return db.serialize()
    finally:
        db.close()


def write_index(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Write the index of ``G`` to ``path``, temp-then-rename."""
    atomic_write_bytes(path, index_bytes(G))
    return Path(path)


def fts_query(text: str) -> str:
    """FTS5 syntax for the words of ``text``: each word a quoted term (every one must match), the last
    also a prefix, so a word being typed already finds. Nothing of ``text`` is read as FTS5 syntax.

    >>> fts_query('redis cach')
    '"redis" "cach"*'
    >>> fts_query('NEAR(a b) -x "y* OR')
    '"NEAR" "a" "b" "x" "y" "OR"'
    >>> fts_query(' *" '), fts_query("go it")
    ('', '"go" "it"')
    """
    words = re.findall(r"\w+", text)[:MAX_TERMS]
    if not words:
        return ""
    # a prefix of one or two letters would match a large share of every word: whole words only
    return " ".join(f'"{w}"' for w in words) + ("*" if len(words[-1]) >= MIN_PREFIX else "")


class TextIndex:
    """An open, read-only index; :meth:`search` may be called from any thread."""

    def __init__(self, db: sqlite3.Connection, fingerprint: str | None):
        self._db = db
        self._lock = threading.Lock()  # one connection, shared: sqlite3 objects are not for two threads at once
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        if meta.get("version") != _SCHEMA_VERSION or (fingerprint and meta.get("fingerprint") != fingerprint):
            self._db.close()
            raise TextIndexMissing("the full-text index is of another build")

    @classmethod
    def open(cls, path: str | os.PathLike[str], fingerprint: str | None) -> TextIndex:
        """Open ``path`` read-only; ``fingerprint`` (the build's inputs digest) must be the index's.

        ``immutable``: the file is replaced by a rename, never written in place, so SQLite need not lock it;
        the open file stays this build's after a newer build renames its own over the name.
        """
        try:
            db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
            return cls(db, fingerprint)
        except sqlite3.Error as exc:
            raise TextIndexMissing(f"no full-text index at {path} ({exc})") from None

    @classmethod
    def from_bytes(cls, data: bytes, fingerprint: str | None) -> TextIndex:
        """An index held in memory (a build with no index file of its own)."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.deserialize(data)
        return cls(db, fingerprint)

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """The best ``limit`` hits for the words of ``text``, one per topic (its best field), best first:
        ``{"id", "label", "field", "snippet"}``."""
        match = fts_query(text)
        if not match:
            return []
        order = {f: i for i, f in enumerate(FIELDS)}
        with self._lock:
            # the snippet is made here for the whole window: asked again of chosen rowids, a prefix query
            # would merge its terms' lists once per rowid
            found = self._db.execute(
                "SELECT rowid, slug, field, rank, snippet(fts, 2, ?, ?, '…', 12) FROM fts WHERE fts MATCH ? LIMIT ?",
                (*MARK, match, max(WINDOW, 10 * limit))).fetchall()
            best: dict[str, tuple] = {}
            for rowid, slug, field, score, snippet in found:  # each topic's best text: bm25, then the field's rank
                key = (score, order[field], rowid)
                if slug not in best or key < best[slug][0]:
                    best[slug] = (key, field, snippet)
            shown = sorted(best.items(), key=lambda item: item[1][0])[:limit]
            labels = dict(self._db.execute(
                f"SELECT slug, label FROM topic WHERE slug IN ({','.join('?' * len(shown))})",
                [slug for slug, _ in shown])) if shown else {}
        return [{"id": slug, "label": labels[slug], "field": field, "snippet": snippet}
                for slug, (_, field, snippet) in shown]

    def close(self) -> None:
        self._db.close()


def load_index(G: nx.MultiDiGraph, cache: str | os.PathLike[str]) -> TextIndex:
    """The index the build of ``G`` wrote beside its ``cache``; made in memory when there is none of this
    build (an out folder from before the index, a read-only one whose cache a query rebuilt elsewhere)."""
    fp = G.graph.get("fingerprint")
    if fp:
        try:
            return TextIndex.open(index_path(cache), fp)
        except TextIndexMissing:
            pass
    return TextIndex.from_bytes(index_bytes(G), fp)


__all__ = ["TextIndex", "TextIndexMissing", "load_index", "FIELDS", "index_path", "topic_texts", "index_bytes", "write_index",
           "fts_query"]
