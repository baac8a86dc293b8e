"""The pipeline: paths → read → resolve → graph, and the cache of the last build.

A page whose file kept its path, size, mtime and ctime since the last build is taken from that
build's cache instead of read again (:func:`known_pages`); the cache itself is the graph pickled
beside its document store and query index (:func:`save_cache`, :func:`load_cache`). Where the
cache lives and what the build recorded are :mod:`graph.build.record`'s; whether the inputs
changed, :mod:`graph.build.freshness`'s; what a query reads, :mod:`graph.build.load`'s.
"""
from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from graph.build.progress import phase, showing, shown
from graph.kg.graph import build_graph, resolve_report
from graph.read.files import DEFAULT_MAX_BYTES, Inputs, scan
from graph.read.records import ReadReport, escape_path
from graph.read import read_paths
from graph.resolve.names import AliasFile
from graph.build.cachefile import CacheDamaged, code_fingerprint, damaged, read_sealed, user_key, write_sealed
from graph.build.documents import LazyDocuments, open_documents, paused_gc, write_documents
from graph.build.freshness import changed_since, inputs_stamp, snapshot
from graph.build.queryindex import write_query_index
from graph.build.record import cache_path, find_alias_file, pages_path

if TYPE_CHECKING:
    import networkx as nx


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def build(
    paths: Sequence[str | os.PathLike[str]],
    aliases: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    say: Callable[[str], None] | None = None,
    reuse: str | os.PathLike[str] | None = None,
    notify: Callable[[str], None] | None = None,
) -> tuple[nx.MultiDiGraph, ReadReport]:
    """Read every page under ``paths`` and build the topic graph.

    Rejected pages are in the report (and in ``G.graph["report"]``); the graph
    holds everything that was accepted. Raises :class:`~graph.errors.NoPages`
    when ``paths`` hold no file to read. ``say`` is told each phase as it starts.

    ``reuse``: the cache of an earlier build (:func:`cache_path`). Its pages whose
    files have kept their path, size, mtime and ctime are taken from it instead of
    read again; everything after reading is done as for a first build, so the
    result is the same as a build that read every page. A damaged one is
    ignored, and ``notify`` (default: a line on stderr) is told why.
    """
    say = say or (lambda _line: None)
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    found = scan(paths)
    before = snapshot(paths, aliases, max_bytes, found=found)  # before reading: an edit made while reading must not pass for read
    alias_file = AliasFile.load(alias_path) if alias_path else None
    with paused_gc(), showing(progress or shown()):
        known, store = {}, None
        if reuse:
            with phase("checking the last build"):
                try:
                    known, store = known_pages(reuse, found, max_bytes)
                except CacheDamaged as exc:
                    (notify or _to_stderr)(damaged(exc))
        if known:
            say(f"{len(known)} of {len(found.files)} pages unchanged since the last build: taken from it")
        say("reading pages")
        report = read_paths(paths, jobs=jobs or (os.cpu_count() or 1), progress=progress, max_bytes=max_bytes,
                            inputs=found, known=known)
        say("resolving names")
        with phase("resolving names"):
            identity = resolve_report(report, alias_file)
        say("building the graph")
        G = build_graph(report, identity)
    G.graph["inputs"] = [str(p) for p in paths]
    G.graph["alias_file"] = str(alias_path) if alias_path else ""
    # what each page's file was when read, for the next build's reuse (duplicates and rejections are read again)
    page_of = {p.path: p.sha256 for p in report.pages}
    G.graph["page_files"] = {f.path: (f.size, f.mtime_ns, f.ctime_ns, page_of[escape_path(f.path)])
                             for f in found.files if escape_path(f.path) in page_of}
    report.reused, report.store = len(known), store if known else None
    say("checking the inputs did not change")
    with phase("checking the inputs did not change", show=progress or shown()):
        changed = changed_since(before, paths, aliases, max_bytes)
    # a graph of inputs that changed under it is never cached as theirs: the next query rebuilds
    G.graph["fingerprint"] = None if changed else before.digest
    G.graph["changed_during_build"] = changed
    return G, report


#: the first bytes of a ``.files`` table
FILES_MAGIC = b"pickgraph-files 2\n"


def known_pages(cache: str | os.PathLike[str], found: Inputs,
                max_bytes: int) -> tuple[dict[str, tuple[object, str]], LazyDocuments | None]:
    """The pages of the build cached at ``cache`` whose files are unchanged: path → ``(page, sha256)``, and the
    document store they were read from (``None`` when none was opened).

    Unchanged: same path, size, mtime and ctime (the kernel sets ctime on every
    change, so an edit that restores size and mtime still shows), read by the same
    code under a size limit the file still passes. A table that is missing, of another
    layout or of other code gives ``({}, None)``: every page is read, as in a first build.
    Raises :class:`CacheDamaged` for a table or store the key does not vouch for, or
    cut short, or something else in its place.
    """
    try:
        saved = read_sealed(pages_path(cache), FILES_MAGIC)
        if saved is None:
            return {}, None
        code, ref, table = saved
        if code != code_fingerprint():
            return {}, None
        docs = open_documents(Path(cache).parent, ref)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            KeyError):
        return {}, None  # made by other code
    wanted = {}
    for f in found.files:
        row = table.get(f.path)
        if row and row[:3] == (f.size, f.mtime_ns, f.ctime_ns) and f.size <= max_bytes and row[3] in docs:
            wanted[f.path] = row[3]
    if not wanted:
        return {}, docs
    pages = docs.records(set(wanted.values()))
    # a page keeps the path it was read under: a file holding the same text under another name is read again
    return {path: (pages[sha], sha) for path, sha in wanted.items() if pages[sha].path == escape_path(path)}, docs


#: the first bytes of a cache file; a cache of another layout is rebuilt without a word
CACHE_MAGIC = b"pickgraph-cache 3\n"


def save_cache(G: nx.MultiDiGraph, out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
               aliases: str | os.PathLike[str] | None = None, last: LazyDocuments | None = None) -> Path | None:
    """Pickle the graph beside a document store, so a query loads the topology and only the pages it cites.

    Nothing is saved for a graph whose inputs changed while it was built (no
    ``fingerprint``): it is not the graph of the pages as they are; nor without a
    cache key (:func:`graph.build.cachefile.user_key`). The cache names its store by
    file name (found beside it, wherever the folder is reached from) and is sealed
    with the key, checked on load. ``last``: the store the build's unchanged pages came from
    (:attr:`~graph.read.records.ReadReport.store`), whose bytes of them are copied rather than pickled again.
    """
    fp = G.graph.get("fingerprint")
    if not fp or user_key() is None:
        return None
    target = cache_path(out_dir, paths)
    docs = G.graph["documents"]
    store = write_documents(docs, target.with_suffix(".docs"), last)
    G.graph["documents"] = store.ref
    files = G.graph.pop("page_files", {})  # saved apart: only the next build reads it
    try:
        write_sealed(target, CACHE_MAGIC, (fp, G))
    finally:
        G.graph["documents"] = docs
        G.graph["page_files"] = files
    write_sealed(pages_path(target), FILES_MAGIC, (code_fingerprint(), store.ref, files))
    write_query_index(target, G, store, inputs_stamp(paths, aliases))  # what queries read, not the whole graph
    return target


def load_cache(target: str | os.PathLike[str], fp: str | None, documents: bool = True) -> nx.MultiDiGraph | None:
    """The cached graph at ``target`` if it was built from inputs with digest ``fp``; ``None`` if none or stale.

    Raises :class:`CacheDamaged` for a cache that cannot be trusted: not sealed
    by this user's key, cut short, corrupt, not a regular file, or missing its
    document store. ``fp=None`` takes the cache whatever
    inputs it was built from, and ``documents=False`` leaves its store closed
    (for a quick look at the topics, as shell completion takes).
    """
    target = Path(target)
    saved = read_sealed(target, CACHE_MAGIC)
    if saved is None:
        return None  # none, or another version's layout
    cached_fp, G = saved
    if fp is not None and cached_fp != fp:
        return None
    if documents:
        G.graph["documents"] = open_documents(target.parent, G.graph["documents"])
    G.graph["fingerprint"] = cached_fp
    return G

