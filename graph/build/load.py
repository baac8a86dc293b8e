"""What a query reads from an out folder: the graph of the last build when no page changed since
(else rebuilt by :func:`graph.build.run.build_into`), and its query index.

Query commands and ``serve`` call :func:`load_graph`, which returns the cached graph when no input
changed since it was built (checked by path, size, mtime and ctime of every input file and of the
alias file, :mod:`.freshness`) and rebuilds it otherwise.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.build import outdir
from graph.build.cachefile import CacheDamaged, damaged
from graph.build.documents import LazyDocuments
from graph.build.freshness import fingerprint, inputs_stamp, quick_fingerprint
from graph.build.pipeline import _to_stderr, load_cache
from graph.build.queryindex import QueryView, index_paths, write_query_index
from graph.build.record import cache_path, pages_path, write_into
from graph.read.files import DEFAULT_MAX_BYTES
from graph.errors import PickgraphError

if TYPE_CHECKING:
    import networkx as nx


def _remove_damaged(out_dir: str | os.PathLike[str], target: Path) -> None:
    """Clear a damaged cache (whatever took its files' places) so that the rebuilt one can be put there."""
    with outdir.try_locked(out_dir) as free:
        if free:
            for part in (target, target.with_suffix(".docs"), pages_path(target), *index_paths(target)):
                outdir.remove(part)


def load_graph(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "exports",
    aliases: str | os.PathLike[str] | None = None,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    notify: Callable[[str], None] | None = None,
) -> nx.MultiDiGraph:
    """The graph of ``paths`` as they are now: from the cache when it is fresh, else built (and cached).

    A damaged cache is rebuilt, and ``notify`` (default: a line on stderr) is
    told why — also when a document of a loaded cache fails its check later, as
    a query reads it: its store is then rebuilt. The rebuilt graph is cached when
    the output folder is free (no build writing it) and writable; else only this
    call pays for the rebuild.
    """
    if not paths:
        raise PickgraphError("no input: name a file or folder of pages")
    notify = notify or _to_stderr
    outdir.finish_pending(out_dir)
    target = cache_path(out_dir, paths)
    fp = fingerprint(paths, aliases, max_bytes)

    def rebuild(reason: object = None) -> nx.MultiDiGraph:
        if reason is not None:
            notify(damaged(reason))
            _remove_damaged(out_dir, target)
        # late: a query whose cache is fresh never builds, and run.py imports every export's writer and
        # rdflib with it (start-up; docs/performance.md)
        from graph.build.run import build_into

        return build_into(out_dir, paths, aliases=aliases, progress=progress, max_bytes=max_bytes, notify=notify,
                          cache_only=True).graph

    for attempt in (1, 2):  # a second look: a build may have been putting a new cache in place meanwhile
        try:
            G = load_cache(target, fp)
            if G is None:
                break
            G.graph["documents"].repair = lambda reason: rebuild(reason).graph["documents"]
            return G
        except (CacheDamaged, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                ImportError, IndexError, KeyError) as exc:
            if attempt == 2:
                return rebuild(exc if isinstance(exc, CacheDamaged) else
                               f"{target} cannot be read ({type(exc).__name__})")
    return rebuild()


def open_query_view(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
                    aliases: str | os.PathLike[str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                    notify: Callable[[str], None] | None = None) -> QueryView | None:
    """The query index of the last build of ``paths`` in ``out_dir`` when the pages are as it read them.

    Fresh when :func:`fingerprint` is the build's, as for :func:`load_graph`; proven by
    :func:`quick_fingerprint` (one ``stat`` per file and folder) when nothing changed, else by a walk.
    ``None`` when there is none or a page changed since,
    and when it is damaged (``notify``, default a line on stderr, is told why, and the cache is removed):
    :func:`load_graph` then answers, rebuilding the cache and its index. An index of other code is
    passed over in silence, and :func:`keep_query_index` puts one back.
    """
    if not paths:
        raise PickgraphError("no input: name a file or folder of pages")
    outdir.finish_pending(out_dir)
    target = cache_path(out_dir, paths)
    notify = notify or _to_stderr

    def repair(reason: object) -> Any:  # a page of the store fails its check as a query reads it: as load_graph does
        notify(damaged(reason))
        _remove_damaged(out_dir, target)
        return load_graph(paths, out_dir, aliases, max_bytes=max_bytes, notify=notify).graph["documents"]

    try:
        view = QueryView.open(target)
        if view is not None and view.fingerprint == (quick_fingerprint(view.head.get("inputs"), paths, aliases,
                                                                       max_bytes)
                                                     or fingerprint(paths, aliases, max_bytes)):
            view.documents.repair = repair
            return view
    except CacheDamaged as exc:  # as load_graph does: said once, and built again
        notify(damaged(exc))
        _remove_damaged(out_dir, target)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            KeyError):
        pass  # of other code: the graph cache answers, and the index is written anew
    return None


def keep_query_index(G: nx.MultiDiGraph, out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
                     aliases: str | os.PathLike[str] | None = None) -> None:
    """Write the query index of ``G``, a graph :func:`load_graph` read from a fresh cache whose index was
    missing or damaged, so that the next query reads no whole graph (a rebuilt graph's cache has its own)."""
    docs = G.graph.get("documents")
    if not isinstance(docs, LazyDocuments) or not G.graph.get("fingerprint"):
        return
    try:
        write_into(out_dir, lambda staging: write_query_index(cache_path(staging, paths), G, docs,
                                                              inputs_stamp(paths, aliases)), wait=False)
    except PickgraphError:
        pass  # busy, read-only or full: the next query reads the graph cache again
