"""The on-disk Oxigraph store that ``sparql`` and ``serve`` query: made once per build, opened read-only.

One build, one store, named by the build's inputs digest and the base IRI
(``OUT/.cache/graph-KEY-store-DIGEST-BASE/``). It is made the first time a query
needs it, by Oxigraph's own bulk loader reading a TriG file; never in a build
(making it costs far more than the whole cold build's budget, see
docs/rdf.md). The TriG comes from one of two places:

- the Turtle export of that build (``pickgraph.ttl``), when the build record lists
  it and it is still the file the record describes (size, then sha256 of the very
  bytes that are loaded). The export holds the union of the per-document named
  graphs, block by block in the order of :func:`graph.rdf.turtle.trig_text`;
- else the graph's own Turtle (:func:`graph.rdf.turtle.turtle_text`), the same bytes.

Either way each block goes to the default graph (a set: each triple once, as a store
loading the Turtle export holds it, so counts agree with the user's own store) and
again to its document's named graph, for ``GRAPH ?doc { … }`` provenance.

A query process then needs neither the graph nor its cache: it checks that the
pages are those of the recorded build (:func:`graph.build.freshness.fingerprint`), opens
the store read-only, and finds a topic's IRI in the store itself (:func:`topic_slug`).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

import pyoxigraph as ox

from graph.build.record import BuildInputs, cache_path, read_record
from graph.build.freshness import fingerprint
from graph.build.progress import Phase, phase, shown
from graph.errors import PickgraphError
from graph.kg.graph import find_topic
from graph.kg.part import PartGraph
from graph.rdf.iris import DEFAULT_BASE, SKOS_NS, topics_graph_iri, turtle_prefixes
from graph.resolve.names import slugify

if TYPE_CHECKING:
    import networkx as nx

#: the export a store can be made from (the default ``turtle`` format's file)
EXPORT = "pickgraph.ttl"
#: the marker of a whole store; holds the inputs digest of its build
COMPLETE = ".complete"
#: the quads a store holds: 2 = each triple once in the default graph, and in its named graph
STORE_LAYOUT = 2
#: where a document block starts in the Turtle export: after a blank line, at the document's own subject
_BLOCK = b"\n\ndocument:"
_SHA_HEX = frozenset(b"0123456789abcdef")
_CHUNK = 16 << 20


class ExportUnusable(PickgraphError):
    """The recorded export cannot fill the store: changed since the build, or not in the expected layout."""


class Export(NamedTuple):
    """The Turtle export of a build, as its record describes it."""

    path: Path
    bytes: int
    sha256: str


def store_name(stem: str, digest: str, base_iri: str = DEFAULT_BASE) -> str:
    """The folder name of the store of the build with inputs ``digest``, beside the cache named ``stem``.

    The recovery of killed processes (:func:`graph.build.outdir.recover`) removes old
    half-made ones by this shape (``.graph-*-store-*``).
    """
    layout = f"{base_iri} {STORE_LAYOUT}"  # a store of another layout is another store
    return f"{stem}-store-{digest[:16]}-{hashlib.sha256(layout.encode()).hexdigest()[:8]}"


def recorded_export(out: str | os.PathLike[str], digest: str) -> Export | None:
    """The Turtle export of the last build in ``out``, if that build read the inputs with ``digest``.

    ``None`` when there is no record, it is of other inputs (a stale export), or it
    lists no Turtle export. Whether the file still is what the record says is
    checked while it is read (:func:`write_trig_of_export`).
    """
    try:
        record = read_record(out)
        entry = record["files"][EXPORT]
        if not digest or record.get("inputs_digest") != digest:
            return None
        return Export(Path(out) / EXPORT, int(entry["bytes"]), str(entry["sha256"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_trig_of_export(export: Export, base_iri: str, fh: IO[bytes]) -> None:
    """Write to ``fh`` the TriG of ``export`` (:func:`write_trig_of_turtle`), checked against its build record.

    Raises :class:`ExportUnusable` when the file is not the one the build record
    describes (size or sha256: edited since the build), was written with another
    base IRI, or is not laid out as :func:`graph.rdf.turtle.turtle_text` writes it.
    The bytes hashed are the bytes written, so no edit can slip in between.
    """
    h = hashlib.sha256()
    size = 0

    def chunks() -> Iterator[bytes]:
        nonlocal size
        for more in _read(export):
            h.update(more)
            size += len(more)
            yield more

    write_trig_of_turtle(chunks(), base_iri, fh, export.path)
    if size != export.bytes or h.hexdigest() != export.sha256:
        raise ExportUnusable(f"{export.path} is not the file its build wrote (edited since: its sha256 differs)")


def write_trig_of_turtle(chunks: Iterable[bytes], base_iri: str, fh: IO[bytes], path: Path) -> None:
    """Write to ``fh`` the TriG of the Turtle export in ``chunks`` (ending with an empty one).

    Every triple goes to the default graph, as in any store that loads the Turtle export
    (each triple once, however many pages state it), and again to the named graph it
    came from: the topics section to the topics graph, each document block to its
    document's graph (``GRAPH ?doc { … }`` tells which page said what).
    """
    head = turtle_prefixes(base_iri).encode()
    buf, topics, first = b"", True, True
    section: list[bytes] = []  # the topics section, written again in the default graph
    for more in chunks:
        buf += more
        if first:
            if len(buf) < len(head) and more:
                continue
            if not buf.startswith(head):
                raise ExportUnusable(f"{path} was written with another base IRI than {base_iri}, "
                                     "or by another version")
            fh.write(head)
            buf, first = buf[len(head):], False
            fh.write(f"\n<{topics_graph_iri(base_iri)}> {{\n".encode())
        if topics:  # the topics section runs up to the first document block
            i = buf.find(_BLOCK)
            if i < 0 and more:  # keep a tail in which a boundary may begin
                keep = max(0, len(buf) - len(_BLOCK))
                fh.write(buf[:keep])
                section.append(buf[:keep])
                buf = buf[keep:]
                continue
            cut = len(buf) if i < 0 else i + 2
            fh.write(buf[:cut] + b"}\n")
            section.append(buf[:cut])
            fh.writelines(section)
            buf, topics = buf[cut:], False
        # the blocks before the last boundary are whole; at the end, all of them
        cut = len(buf) if not more else buf.rfind(_BLOCK) + 2
        if cut > 1:
            _write_blocks(buf[:cut], fh, path)
            buf = buf[cut:]


def _read(export: Export) -> Iterator[bytes]:
    """The export's bytes in chunks, then one empty chunk; a file that cannot be read is :class:`ExportUnusable`.

    Only reading is guarded: an error writing the TriG (a full disk) stays an ``OSError``.
    """
    try:
        with open(export.path, "rb") as src, phase("SPARQL store: reading the Turtle export", export.bytes, "B") as bar:
            if os.fstat(src.fileno()).st_size != export.bytes:
                raise ExportUnusable(f"{export.path} is not the file its build wrote (its size changed)")
            while more := src.read(_CHUNK):
                bar.advance(len(more))
                yield more
    except OSError as exc:
        raise ExportUnusable(f"{export.path} cannot be read ({exc.strerror or exc})") from None
    yield b""


def _write_blocks(data: bytes, fh: IO[bytes], path: Path) -> None:
    """Each ``document:SHA`` block of ``data`` (which starts at one) in its named graph and in the default graph."""
    pos, end = 0, len(data)
    while pos < end:
        nxt = data.find(_BLOCK, pos)
        stop = end if nxt < 0 else nxt + 2
        sha = data[pos + 9:pos + 73]
        if data[pos:pos + 9] != b"document:" or len(sha) != 64 or not _SHA_HEX.issuperset(sha) \
                or data[pos + 73:pos + 74] != b"\n":
            raise ExportUnusable(f"{path}: a document block that does not start with its document (layout)")
        block = data[pos:stop]
        fh.write(b"document:" + sha + b" {\n")
        fh.write(block)
        fh.write(b"}\n")
        fh.write(block)
        pos = stop


def write_trig_of_graph(G: nx.MultiDiGraph, base_iri: str, fh: IO[bytes]) -> None:
    """Write to ``fh`` the TriG of ``G``: its Turtle export (:func:`graph.rdf.turtle.turtle_text`) as
    :func:`write_trig_of_turtle` lays it out, so a store made either way holds the same quads."""
    from graph.rdf.turtle import turtle_text  # late: the mapping imports rdflib; a store the build made needs none

    with phase("SPARQL store: writing the graph as TriG"):
        write_trig_of_turtle([turtle_text(G, base_iri).encode(), b""], base_iri, fh, Path("the graph's Turtle"))


def load_trig(store, path: str | os.PathLike[str]) -> None:
    """Fill ``store`` from the TriG file at ``path`` with Oxigraph's bulk loader.

    ``lenient``: the file was written by pickgraph just now (or checked against the
    build record), so Oxigraph need not validate every IRI again.
    """
    if not shown():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG, lenient=True)
        return
    # read through a counting file object, so that the bar shows the bytes the loader has taken
    with open(path, "rb") as fh, phase("SPARQL store: loading", os.fstat(fh.fileno()).st_size, "B") as bar:
        store.bulk_load(_Counted(fh, bar), format=ox.RdfFormat.TRIG, lenient=True)


class _Counted(io.RawIOBase):
    """A binary file that counts on a progress bar the bytes read from it."""

    def __init__(self, fh: IO[bytes], bar: Phase):
        self.fh, self.bar = fh, bar

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.fh.readinto(b)
        self.bar.advance(n or 0)
        return n


#: graphs with fewer documents fill an in-memory store faster than they open a kept one (docs/rdf.md)
STORE_CACHE_MIN_DOCS = 5_000


def load_store(graph: nx.MultiDiGraph | Callable[[], nx.MultiDiGraph], base_iri: str = DEFAULT_BASE, *,
               out: str | os.PathLike[str] | None = None, inputs: BuildInputs | None = None,
               cache_file: str | os.PathLike[str] | None = None, folder: Path | None = None,
               min_docs: int | None = None, memory: bool = True,
               notify: Callable[[str], None] = lambda _line: None):
    """A :class:`pyoxigraph.Store` of a graph: the one way in for ``sparql``, ``serve``, the benchmarks and tests.

    ``graph`` is the graph, or a function that gives it (called only when the store
    must be made from it). Without ``inputs`` nor ``cache_file`` the store is a fresh
    one in memory. Otherwise it is the build's store kept on disk and opened read-only,
    made once and named by the inputs digest and ``base_iri`` (:func:`store_name`), so a
    new build or base never reads a stale one; older stores of the same pages are
    removed. It goes in ``folder`` (default: beside the build cache) and is made from
    the build's Turtle export of ``out`` when its record is of these inputs and the file
    is unchanged (else, ``notify`` told why, from the graph).

    - ``inputs`` (a :class:`graph.build.record.BuildInputs`): the pages a query asks
      about, its cache in ``out``. When they are those of the build recorded there the
      graph is not loaded; when they changed, ``graph()`` gives the graph of them now.
    - ``cache_file``: the build cache of ``graph`` (its ``fingerprint`` names the store;
      ``out`` defaults to the cache's out folder).

    A graph without a fingerprint, or of fewer than ``min_docs`` documents (default
    :data:`STORE_CACHE_MIN_DOCS`; not when the store of the recorded build is opened),
    is loaded in memory; so is one whose folder cannot hold its store (read-only, full)
    unless ``memory=False``, which gives ``None`` then (and never a store in memory).

    >>> from graph.read import parse_text, EXAMPLE
    >>> from graph.read.records import ReadReport
    >>> from graph.kg.graph import build_graph
    >>> len(load_store(build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")])))) > 0
    True
    """
    def the_graph() -> nx.MultiDiGraph:
        return graph() if callable(graph) else graph

    if inputs is None and cache_file is None:
        return _in_memory(the_graph(), base_iri)
    digest = None
    if inputs is not None:
        cache = cache_path(out, inputs.paths)
        digest = fingerprint(inputs.paths, inputs.aliases, inputs.max_bytes)
        if not (cache.parent / store_name(cache.stem, digest, base_iri) / COMPLETE).is_file() \
                and recorded_export(out, digest) is None:
            digest = None  # not the recorded build's pages: the store of the graph of them as they are now
    else:
        cache = Path(cache_file)
        out = cache.parent.parent if out is None else out
    G = None
    if digest is None:
        G = the_graph()
        digest = G.graph.get("fingerprint")
        small = len(G.graph.get("documents", {})) < (STORE_CACHE_MIN_DOCS if min_docs is None else min_docs)
        if memory and (not digest or small):
            return _in_memory(G, base_iri)
        if not digest:
            return None
    db = _kept(out, cache, digest, base_iri, the_graph if G is None else (lambda: G), folder, notify)
    if db is not None:
        return ox.Store.read_only(str(db))
    return _in_memory(the_graph() if G is None else G, base_iri) if memory else None


def _in_memory(G: nx.MultiDiGraph, base_iri: str):
    """A fresh in-memory store of ``G``, filled as a kept one is (:func:`write_trig_of_graph`)."""
    buf = io.BytesIO()
    write_trig_of_graph(G, base_iri, buf)
    store = ox.Store()
    with phase("SPARQL store: loading in memory"):
        store.bulk_load(buf.getvalue(), format=ox.RdfFormat.TRIG, lenient=True)
    return store


def _kept(out: str | os.PathLike[str], cache_file: Path, digest: str, base_iri: str,
          graph: Callable[[], nx.MultiDiGraph], folder: Path | None,
          notify: Callable[[str], None]) -> Path | None:
    """The ``db`` folder of the kept store of the build with inputs ``digest``, made now if it is not there whole.

    Made from the build's Turtle export when the record of ``out`` is of this build and
    the file is unchanged; else from ``graph()``. ``None`` when ``folder`` cannot hold it.
    """
    folder = cache_file.parent if folder is None else folder
    name = store_name(cache_file.stem, digest, base_iri)
    if (folder / name / COMPLETE).is_file():
        return folder / name / "db"
    export = recorded_export(out, digest)
    if export is not None:
        try:
            return _make(folder, name, digest, lambda fh: write_trig_of_export(export, base_iri, fh))
        except ExportUnusable as exc:
            notify(f"{exc}; making the SPARQL store from the build cache instead")
    G = graph()
    return _make(folder, name, digest, lambda fh: write_trig_of_graph(G, base_iri, fh))


def _make(folder: Path, name: str, digest: str, write_trig: Callable[[IO[bytes]], None]) -> Path | None:
    """The ``db`` of the store ``folder/name``, made now from ``write_trig`` unless it is there whole.

    Made under a temporary name and renamed into place when whole, so a killed
    process leaves no half store under the real name; two processes making it at
    once both finish, and the second uses the first one's. Older stores beside it
    (of the same cache stem: other builds of these pages) are removed once it is
    made. ``None`` when ``folder`` cannot hold it (read-only, full disk). Errors of
    ``write_trig`` (:class:`ExportUnusable`) pass through, with the temporary files removed.
    """
    target = folder / name
    if (target / COMPLETE).is_file():
        return target / "db"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder))
    except OSError:
        return None
    try:
        source = tmp / "source.trig"
        with open(source, "wb") as fh:
            write_trig(fh)
        store = ox.Store(str(tmp / "db"))
        load_trig(store, source)
        store.flush()
        # compacted once: the bulk loader's files make every lookup dearer; compacting costs time and
        # disk once per build (figures in docs/rdf.md)
        with phase("SPARQL store: compacting"):
            store.optimize()
        del store  # closes the database before it moves
        source.unlink()
        (tmp / COMPLETE).write_text(digest)
        try:
            os.replace(tmp, target)
        except OSError:  # another process made it first: use theirs
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:  # a full disk (RocksDB says so in an OSError of its own)
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    stem = name.split("-store-")[0]
    for old in folder.glob(f"{stem}-store-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return target / "db"


# ------------------------------------------------------------------ topics --

def topic_slug(store, query: str) -> str:
    """The slug of the topic ``query`` names, found in ``store``: :func:`graph.kg.graph.find_topic`'s meaning.

    A name, slug or alias in any case: its slug is a topic's ``skos:notation`` (one
    lookup), else the slug of one of a topic's labels (every name the graph knows a
    topic by, aliases included, is a ``skos:prefLabel`` or ``skos:altLabel``), else
    the same slug without hyphens; an unknown name raises
    :class:`~graph.errors.UnknownTopic` with the closest names. Only the last
    three ways read every topic's names (seconds on a big build: docs/performance.md).
    """
    s = slugify(query)
    if next(store.quads_for_pattern(None, ox.NamedNode(SKOS_NS + "notation"), ox.Literal(s)), None) is not None:
        return s
    return find_topic(_names_graph(store), query)


class _Canon(NamedTuple):
    """What :func:`graph.kg.graph.find_topic` reads of an identity: the slug of each name → its topic."""

    canon: dict[str, str]


def _names_graph(store) -> PartGraph:
    """Every topic of ``store`` as a node with its name and labels, for :func:`graph.kg.graph.find_topic`."""
    slugs: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for term in ("notation", "prefLabel", "altLabel"):
        for q in store.quads_for_pattern(None, ox.NamedNode(SKOS_NS + term), None):
            if term == "notation":
                slugs[q.subject.value] = q.object.value
            else:
                names.setdefault(q.subject.value, []).append(q.object.value if term == "altLabel" else
                                                             "\0" + q.object.value)
    H = PartGraph()
    canon: dict[str, str] = {}
    for iri, slug in sorted(slugs.items(), key=lambda kv: kv[1]):
        labels = sorted(set(names.get(iri, [])))  # the prefLabel first ("\0" sorts before any text)
        pref = [x[1:] for x in labels if x.startswith("\0")]
        alt = [x for x in labels if not x.startswith("\0")]
        name = pref[0] if pref else slug
        H.add_node(slug, name=name, labels=[name] + alt)
        for label in [name] + alt:
            canon.setdefault(slugify(label), slug)
    for slug in slugs.values():
        canon[slug] = slug
    H.graph["identity"] = _Canon(canon)
    return H


__all__ = ["EXPORT", "Export", "ExportUnusable", "STORE_CACHE_MIN_DOCS", "STORE_LAYOUT", "load_store", "load_trig",
           "recorded_export", "store_name", "topic_slug", "write_trig_of_export", "write_trig_of_graph",
           "write_trig_of_turtle"]
