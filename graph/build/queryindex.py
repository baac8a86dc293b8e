"""The query index: what ``show``, ``compare``, ``why``, ``suggest`` and ``topics`` read, loaded in milliseconds.

The graph cache is one pickle of the whole networkx graph, and unpickling it costs
seconds on a big corpus, though a query reads a handful of topics. So the build
also writes, beside the cache, two files:

- ``graph-KEY.qindex``: a small sealed head (:func:`graph.build.cachefile.write_sealed`):
  the inputs' fingerprint, the topic table (slug, name, labels, in the graph's node
  order) with each topic's counts for ``topics``, the identity's aliases, where each topic's record lies in the data file
  and where each page lies in the document store (compact arrays, not a dict per page);
- ``graph-KEY.qdata``: one JSON record per topic, end to end (its node attributes and
  every edge incident to it), each checked against the
  digest the sealed head keeps before it is parsed, as the document store's records are.

:meth:`QueryView.graph_for` makes a small :class:`~graph.kg.part.PartGraph` from it (read as a
:class:`networkx.MultiDiGraph` is, without importing networkx): every
topic with its name and labels (so :func:`~graph.kg.graph.find_topic` and the names of any
topic read as in the full graph), and, for the topics a query names, their attributes and
every edge incident to them, with the pages read lazily by offset from the store. The
query functions ``f(G, …)`` run on it unchanged and answer as on the full graph.

>>> import tempfile
>>> from pathlib import Path
>>> from graph.read import parse_text
>>> from graph.read.records import ReadReport
>>> from graph.read.render import render_comparison
>>> from graph.kg.graph import build_graph
>>> from graph.build.documents import write_documents
>>> pages = [parse_text(render_comparison(a, b, a), f"{a}.txt") for a, b in [("Ant", "Bee"), ("Bee", "Cat")]]
>>> G = build_graph(ReadReport(pages=pages))
>>> G.graph["fingerprint"] = "fp"
>>> cache = Path(tempfile.mkdtemp()) / "graph-x.pickle"
>>> store = write_documents(G.graph["documents"], cache.with_suffix(".docs"))
>>> write_query_index(cache, G, store, key=b"k" * 32)
True
>>> view = QueryView.open(cache, key=b"k" * 32)
>>> H = view.graph_for(["ANT"])
>>> sorted(H.nodes), [(u, v) for u, v in H.edges()], H.graph["documents"][pages[0].sha256].path
(['ant', 'bee', 'cat'], [('ant', 'bee')], 'Ant.txt')
"""

from __future__ import annotations

import json
import os
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from graph.build.cachefile import CacheDamaged, OwnsDescriptor, open_regular, read_at, read_sealed, record_digest, write_sealed
from graph.build.documents import DocumentsRef, LazyDocuments
from graph.build.outdir import atomic_open
from graph.kg.graph import VERSUS, find_topic, related
from graph.kg.part import PartGraph
from graph.resolve.names import Identity

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["QueryView", "index_paths", "write_query_index"]

#: the first bytes of the head; another layout is not read (the query falls back to the graph cache)
INDEX_MAGIC = b"pickgraph-qindex 1\n"
#: node attributes JSON writes as lists that the graph holds as tuples
_TUPLE_LISTS = ("descriptions",)


def index_paths(cache: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Beside a graph cache: the sealed head and the data file of its query index."""
    return Path(cache).with_suffix(".qindex"), Path(cache).with_suffix(".qdata")


class _Extents(NamedTuple):
    """Where records lie in a file, the i-th at ``offset[i]`` for ``length[i]`` bytes, with its 16-byte digest."""

    offset: array
    length: array
    digest: bytes

    def at(self, i: int) -> tuple[int, int, bytes]:
        return self.offset[i], self.length[i], self.digest[16 * i:16 * i + 16]


def _extents(rows: Iterable[tuple[int, int, bytes]]) -> _Extents:
    offset, length, digest = array("q"), array("q"), bytearray()
    for o, n, d in rows:
        offset.append(o)
        length.append(n)
        digest += d
    return _Extents(offset, length, bytes(digest))


def write_query_index(cache: str | os.PathLike[str], G: nx.MultiDiGraph, store: LazyDocuments,
                      inputs: Any = None, key: bytes | None = None) -> bool:
    """Write the query index of ``G`` (whose pages ``store`` holds) beside ``cache``; ``False`` without a key.

    ``inputs``: what the freshness check of the build's inputs keeps, returned as :attr:`QueryView.head`'s
    ``"inputs"`` (:func:`graph.build.freshness.inputs_stamp`).

    The head is written last: a reader finds either no head or one whose data file is whole.
    """
    head_path, data_path = index_paths(cache)
    nodes = list(G.nodes)  # the graph's order: find_topic's hyphen-blind match takes the first
    spans, counts = [], []
    with atomic_open(data_path) as fh:
        at = 0

        def put(obj: Any) -> None:
            nonlocal at
            blob = json.dumps(obj, separators=(",", ":")).encode()  # ASCII: any str, lone surrogates too
            fh.write(blob)
            spans.append((at, len(blob), record_digest(blob)))
            at += len(blob)

        for n in nodes:
            edges = [[u, v, k, d] for u, v, k, d in G.out_edges(n, keys=True, data=True)]
            edges += [[u, v, k, d] for u, v, k, d in G.in_edges(n, keys=True, data=True) if u != n]
            put({"attrs": G.nodes[n], "edges": edges})
            counts.append(_counts(G, n, edges))
    ident: Identity | None = G.graph.get("identity")
    shas = sorted(store.index)
    head = {
        "fingerprint": G.graph.get("fingerprint"),
        "inputs": inputs,
        "documents": (store.ref.name, store.ref.size, store.ref.token),
        "topics": [(n, G.nodes[n]["name"], G.nodes[n]["labels"]) for n in nodes],
        "records": _extents(spans),
        "counts": counts,
        "canon": dict(ident.canon) if ident is not None else None,
        "graph": {k: G.graph[k] for k in ("schema_version", "report", "summary", "inputs", "alias_file")
                  if k in G.graph},
        "pages": b"".join(bytes.fromhex(s) for s in shas),
        "page_extents": _extents(store.index[s] for s in shas),
    }
    return write_sealed(head_path, INDEX_MAGIC, head, key)


def _counts(G: nx.MultiDiGraph, n: str, edges: list[list[Any]]) -> tuple[int, int, int, int]:
    """``(wins, losses, pages without a pick, related topics)`` of topic ``n``: the ``topics`` table's row.

    ``edges``: every edge of ``n`` (each once), whose versus edges are :func:`~graph.kg.graph.versus_edges`
    of ``n`` unsorted (a count needs no order).
    """
    picks = [d["pick"] for _, _, _, d in edges if d["kind"] == VERSUS]
    wins = sum(p == n for p in picks)
    no_pick = sum(p is None for p in picks)
    return wins, len(picks) - wins - no_pick, no_pick, len(related(G, n))


class _PageIndex(Mapping):
    """``sha256 → (offset, length, digest)`` of each page in the document store, over the head's compact arrays
    (a dict of 100,000 tuples would cost more to unpickle than the whole rest of the head)."""

    def __init__(self, shas: bytes, extents: _Extents):
        self.shas, self.extents = shas, extents
        self.n = len(shas) // 32

    def _find(self, sha: object) -> int:
        try:
            want = bytes.fromhex(sha) if isinstance(sha, str) and len(sha) == 64 else None
        except ValueError:
            want = None
        if want is not None:
            i = bisect_left(range(self.n), want, key=lambda j: self.shas[32 * j:32 * j + 32])
            if i < self.n and self.shas[32 * i:32 * i + 32] == want:
                return i
        raise KeyError(sha)

    def __getitem__(self, sha: str) -> tuple[int, int, bytes]:
        return self.extents.at(self._find(sha))

    def __contains__(self, sha: object) -> bool:
        try:
            self._find(sha)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return (self.shas[32 * j:32 * j + 32].hex() for j in range(self.n))

    def __len__(self) -> int:
        return self.n


class QueryView(OwnsDescriptor):
    """A build's query index, opened: the graphs that queries need, made from it topic by topic.

    Open one with :meth:`open`; :meth:`graph_for` gives the graph to run the query
    functions on; :meth:`topic_rows` the ``topics`` table.
    """

    def __init__(self, head: dict[str, Any], data_fd: int, documents: LazyDocuments, path: Path):
        self.head = head
        self.path = path
        self._fd = data_fd
        self.documents = documents
        self.fingerprint: str = head["fingerprint"]
        self._row = {slug: i for i, (slug, _, _) in enumerate(head["topics"])}
        self.loaded: set[str] = set()
        self.G = self._base()

    @classmethod
    def open(cls, cache: str | os.PathLike[str], key: bytes | None = None) -> QueryView | None:
        """The query index beside ``cache``; ``None`` when there is none, of another layout, or of inputs that
        changed while they were read. The caller compares :attr:`fingerprint` with the inputs' now.

        Raises :class:`~graph.build.cachefile.CacheDamaged` for one the key does not vouch for, cut short,
        or something else than a regular file in its place (as every part of the cache).
        """
        head_path, data_path = index_paths(cache)
        head = read_sealed(head_path, INDEX_MAGIC, key)
        if not isinstance(head, dict) or not head.get("fingerprint"):
            return None
        fd = open_regular(data_path, sum(head["records"].length))
        if fd is None:
            raise CacheDamaged(f"its query index {data_path} is missing")
        name, size, token = head["documents"]
        try:
            ref = DocumentsRef(name, size, token, _PageIndex(head["pages"], head["page_extents"]))
            docs = LazyDocuments(os.path.join(head_path.parent, name), ref)
        except BaseException:
            os.close(fd)
            raise
        return cls(head, fd, docs, data_path)

    def _read(self, offset: int, length: int, digest: bytes) -> Any:
        blob = read_at(self._fd, length, offset)
        if record_digest(blob) != digest:
            raise CacheDamaged(f"its query index {self.path} is corrupt")
        return json.loads(blob)

    def _base(self) -> PartGraph:
        """Every topic with its name and labels, and the graph attributes; no edges yet."""
        G = PartGraph()
        for slug, name, labels in self.head["topics"]:
            G.add_node(slug, name=name, labels=labels)
        G.graph.update(self.head["graph"])
        canon = self.head["canon"]
        if canon is not None:  # what find_topic and the pages' names read: the aliases (names and labels are the nodes')
            G.graph["identity"] = Identity(canon=canon, names={}, labels={}, merges=[], kept_apart=[])
        G.graph["documents"] = self.documents
        G.graph["fingerprint"] = self.fingerprint
        return G

    def _load(self, slug: str) -> None:
        if slug in self.loaded:
            return
        record = self._read(*self.head["records"].at(self._row[slug]))
        attrs = record["attrs"]
        for name in _TUPLE_LISTS:
            attrs[name] = [tuple(x) for x in attrs.get(name, ())]
        self.G.nodes[slug].update(attrs)
        for u, v, k, d in record["edges"]:
            self.G.add_edge(u, v, k, d)
        self.loaded.add(slug)

    def find(self, query: str) -> str:
        """The slug ``query`` names, as :func:`~graph.kg.graph.find_topic` reads it (raises ``UnknownTopic``)."""
        return find_topic(self.G, query)

    def graph_for(self, queries: Iterable[str]) -> PartGraph:
        """The graph to answer about the topics ``queries`` name (names, slugs or aliases).

        Complete for what the query functions read of them: each named topic's attributes and
        every edge incident to it; with two or more, also those of each topic related to two of
        them (``compare`` counts how many topics a shared related topic relates to). Every other
        topic has its name and labels only. Grows with each call; raises ``UnknownTopic`` as
        :func:`~graph.kg.graph.find_topic` does.
        """
        slugs = list(dict.fromkeys(self.find(q) for q in queries))
        for s in slugs:
            self._load(s)
        if len(slugs) > 1:
            seen: dict[str, int] = {}
            for s in slugs:
                for r in related(self.G, s):
                    seen[r] = seen.get(r, 0) + 1
            for r in sorted(r for r, times in seen.items() if times > 1):
                self._load(r)
        return self.G

    def table_graph(self) -> PartGraph:
        """:attr:`G` with the ``topics`` table in ``G.graph["topic_rows"]``: what a query of the topics'
        names and records reads, without any topic's record."""
        if "topic_rows" not in self.G.graph:
            self.G.graph["topic_rows"] = self.topic_rows()
        return self.G

    def topic_rows(self) -> list[dict[str, Any]]:
        """Every topic with its record, most compared first, then by slug: the rows of
        :func:`graph.query.topics.list_topics`, from the counts the build kept (no edge is read)."""
        rows = [{"slug": slug, "name": name, "comparisons": wins + losses + no_pick, "wins": wins, "losses": losses,
                 "related": n_related}
                for (slug, name, _), (wins, losses, no_pick, n_related) in zip(self.head["topics"], self.head["counts"])]
        return sorted(rows, key=lambda r: (-r["comparisons"], r["slug"]))
