"""One build function for every caller: :func:`build_into` makes a build folder.

``pickgraph build`` (with or without ``--stream``), a query that finds its cache
stale (:func:`graph.build.load.load_graph`, which ``serve`` calls too) and a
Python caller all come here, so a folder is made one way: under the folder's
lock, one generation staged (exports, query cache, models, record) and put in
place together (:mod:`graph.build.outdir`); nothing is left of a build that
fails or is stopped before the commit.

This module drives the stages above :mod:`graph.build` (it writes the exports of
:mod:`graph.export` and the models of :mod:`graph.query.models`); the rest of
``graph/build/`` is the machinery those stages use, and imports none of them.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from graph.build import outdir
from graph.build.cachefile import CacheDamaged, KeptResults, code_fingerprint, damaged, read_sealed, user_key, \
    write_sealed
from graph.build.documents import paused_gc
from graph.build.pipeline import build, save_cache
from graph.build.stream import STREAM_FORMATS, stream_build
from graph.build.record import BUILD_RECORD, cache_path, last_files, record_build, write_into
from graph.build.textindex import index_path, write_index
from graph.export.graphml import KeptEdges
from graph.export.registry import DEFAULT_FORMATS, export_many
from graph.kg import kept
from graph.query.models import Models, models_path, save_models
from graph.rdf.syntaxes import BY_BLOCK
from graph.rdf.turtle import Fragments
from graph.read.files import DEFAULT_MAX_BYTES
from graph.errors import PickgraphError
from graph.read.records import Rejection


class StrictStop(PickgraphError):
    """``strict``: a page was rejected, so the build stopped and wrote nothing."""

    def __init__(self, first: Rejection):
        super().__init__(str(first))
        self.first = first


@dataclass
class Built:
    """What :func:`build_into` made: the result of ``pickgraph build --json`` and, unless streamed, the graph."""

    result: dict[str, Any]
    graph: nx.MultiDiGraph | None = None
    #: the files put in place, relative to the out folder (``[]`` when nothing could be written)
    names: list[str] = field(default_factory=list)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def build_into(
    out: str | os.PathLike[str],
    paths: Sequence[str | os.PathLike[str]],
    formats: Sequence[str] | None = None,
    aliases: str | os.PathLike[str] | None = None,
    *,
    jobs: int | None = None,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    strict: bool = False,
    stream: bool = False,
    full: bool = False,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    say: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
    on_staged: Callable[[outdir.Generation], None] | None = None,
    cache_only: bool = False,
) -> Built:
    """Build ``paths`` into the out folder ``out``: exports, query cache, models and the build record.

    ``formats``: the exports (default :data:`~graph.export.registry.DEFAULT_FORMATS`,
    or the streaming ones with ``stream``). Pages unchanged since the last build in
    ``out`` are taken from it unless ``full``. ``say`` is told each phase;
    ``notify`` (default: stderr) is told of inputs that changed while read and of a
    damaged cache; ``on_staged`` is given the generation as soon as it is staged (its
    ``begun`` says when the outputs start going in place: a signal after that no
    longer stops the build).

    ``cache_only``: a query's rebuild of a stale cache. Only the query cache is
    rewritten (the exports and the record of the last build stay, the record naming
    the new cache), and the folder is not held while the pages are read (a query
    never makes a build wait); a folder that is busy, read-only or full only costs
    the next query another rebuild, so nothing is raised for it. Raises :class:`StrictStop` (``strict``, a page rejected;
    nothing written), :class:`~graph.read.records.Busy` (``wait=False`` and another
    build at work) and :class:`~graph.read.records.WriteFailed`.

    >>> import tempfile, pathlib
    >>> from graph.read import EXAMPLE
    >>> src = pathlib.Path(tempfile.mkdtemp()); _ = (src / "a.txt").write_text(EXAMPLE)
    >>> built = build_into(pathlib.Path(tempfile.mkdtemp()) / "out", [src], ["csv"])
    >>> built.result["summary"]["comparisons"], "pickgraph-build.json" in built.names
    (1, True)
    """
    say = say or (lambda _line: None)
    notify = notify or _to_stderr
    if cache_only:
        G, report = build(paths, aliases, progress=progress, max_bytes=max_bytes, reuse=cache_path(out, paths),
                          notify=notify)  # unchanged pages: not read again
        names = []
        if G.graph.get("fingerprint"):
            try:
                write_into(out, lambda staging: save_cache(G, staging, paths, aliases, report.store), wait=False)
                names = [cache_path(".", paths).as_posix()]
            except PickgraphError:
                pass
        return Built({"summary": G.graph["summary"]}, G, names)
    built: Built | None = None
    try:
        with paused_gc(), outdir.generation(out, wait=wait, on_wait=on_wait) as gen:
            if on_staged:
                on_staged(gen)
            if stream:
                result, G = _stream_into(gen.dir, paths, formats, aliases, jobs, progress, strict, max_bytes), None
            else:
                reuse = None if full else cache_path(out, paths)
                G, result = _graph_into(gen.dir, paths, formats or DEFAULT_FORMATS, aliases, jobs, progress, strict,
                                        max_bytes, reuse, say, notify)
            record_build(gen.dir, paths, aliases, max_bytes, result.pop("inputs_digest"), gen.describe())
            say("putting the outputs in place")
            built = Built(result, G, gen.files())
            built.names = gen.commit(last=BUILD_RECORD, replaces=list(last_files(out)))
    except KeyboardInterrupt as stop:
        # Ctrl-C held back while the outputs went in place comes now: the build is made, and the caller
        # that has no handler of its own (an in-process runner) still reports it
        if built is not None and gen.begun:
            built.result["written"] = [str(Path(out) / name) for name in built.names]
            stop.built = built
        raise
    built.result["written"] = [str(Path(out) / name) for name in built.names]
    return built


def _graph_into(staging: Path, paths, formats, aliases, jobs, progress, strict, max_bytes, reuse, say,
                notify) -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    """The in-memory build: the graph, then every export, the cache and the models written side by side."""
    G, report = build(paths, aliases, jobs=jobs, progress=progress, max_bytes=max_bytes, say=say, reuse=reuse,
                      notify=notify)
    if strict and report.rejections:
        raise StrictStop(report.rejections[0])
    changed = G.graph["changed_during_build"]
    if changed:
        notify(f"warning: {len(changed)} input(s) changed while the build read them (first: {changed[0]}); "
               "the exports show what was read, and queries will rebuild — run the build again")
    say("writing the exports and the cache")
    user_key()  # made, or found missing and said so, once: not by each forked writer

    def cache() -> None:  # named: the progress bar names each output as it is written
        save_cache(G, staging, paths, aliases, report.store)

    def models() -> None:
        _save_models(G, staging, paths)

    def search() -> None:  # the full-text index serve opens (graph.build.textindex), beside the cache or not at all
        if G.graph["fingerprint"] and user_key() is not None:  # save_cache's condition: else serve makes it in memory
            write_index(G, index_path(cache_path(staging, paths)))

    # blocks are kept only beside a cache: a graph of inputs that changed while read leaves nothing cached
    keep = bool(G.graph["fingerprint"])
    options = {fmt: {"fragments": _fragments(staging, reuse, paths, fmt, notify, keep)} for fmt in formats
               if fmt in KEPT}
    with kept.kept(_kept_results(staging, reuse, paths, notify, keep)):
        export_many(G, formats, staging, also=[cache, models, search], options=options)
    return G, {
        "ok": not report.rejections,
        "summary": G.graph["summary"],
        "pages_reused": report.reused,
        "rejections": [r.to_dict() for r in report.rejections],
        "duplicates": [d.to_dict() for d in report.duplicates],
        "warnings": G.graph["report"]["warnings"],
        "changed_during_build": changed,
        "inputs_digest": G.graph["fingerprint"],
    }


#: the first bytes of a file of kept blocks of an export
BLOCKS_MAGIC = b"pickgraph-blocks 1\n"
#: the exports whose blocks a build keeps for the next: format → (what keeps them, the modules that
#: spell them; blocks kept by other code are spelt again)
KEPT: dict[str, tuple[type, tuple[str, ...]]] = {
    **{syntax: (Fragments, ("read/records.py", "rdf/vocab.py", "rdf/mapping.py", "rdf/turtle.py"))
       for syntax in BY_BLOCK},
    "graphml": (KeptEdges, ("export/graphml.py",)),
}


def blocks_path(cache: str | os.PathLike[str], syntax: str) -> Path:
    """Beside a query cache: the document blocks of its build's ``syntax`` export, kept for the next build."""
    return Path(cache).with_suffix(f".{syntax}-blocks")


def _fragments(staging: Path, reuse: Path | None, paths, syntax: str, notify, keep: bool) -> Fragments | KeptEdges:
    """The blocks the last build kept of an export (none for ``--full``), and where this build keeps its own
    (nowhere unless ``keep``)."""
    keeper, modules = KEPT[syntax]
    code = code_fingerprint(modules)
    old = {}
    if reuse is not None:
        try:
            saved = read_sealed(blocks_path(reuse, syntax), BLOCKS_MAGIC)
            if saved is not None and saved[0] == code:
                old = saved[1]
        except CacheDamaged as exc:
            notify(damaged(exc))
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError):
            pass  # made by other code: every block is spelt again

    def save(blocks: dict) -> None:
        target = blocks_path(cache_path(staging, paths), syntax)
        target.parent.mkdir(exist_ok=True)
        write_sealed(target, BLOCKS_MAGIC, (code, blocks))

    return keeper(old, save if keep else None)


#: the first bytes of a file of a kept result (:mod:`graph.kg.kept`)
KEPT_MAGIC = b"pickgraph-kept 1\n"
#: the modules whose steps keep results by their input: Louvain's communities, the force layouts, the
#: Bradley–Terry strengths, the suggestion index
KEPT_CODE = ("kg/kept.py", "kg/communities.py", "export/html.py", "query/rank.py", "query/suggest/index.py",
             "query/suggest/profiles.py", "query/suggest/constants.py")


def _kept_results(staging: Path, reuse: Path | None, paths, notify, keep: bool) -> KeptResults:
    """The communities and layouts of the last build (none for ``--full``), and where this build keeps the ones
    it uses (nowhere unless ``keep``): a rebuild that hands them the input they had pays for none of them."""
    return KeptResults(reuse.with_suffix(".kept") if reuse is not None else None,
                       cache_path(staging, paths).with_suffix(".kept") if keep else None,
                       KEPT_MAGIC, code_fingerprint(KEPT_CODE), notify)


def _save_models(G: nx.MultiDiGraph, staging: Path, paths) -> None:
    """The fit and the suggestion index, made once here rather than by every query process after the build."""
    models = Models(G)
    models.fit, models.index
    save_models(models, models_path(cache_path(staging, paths)))


def _stream_into(staging: Path, paths, formats, aliases, jobs, progress, strict, max_bytes) -> dict[str, Any]:
    """``--stream``: the two-pass build of :mod:`graph.build.stream`, which keeps no query cache."""
    result = stream_build(paths, staging, formats or STREAM_FORMATS, aliases, jobs=jobs, progress=progress,
                          strict=strict, max_bytes=max_bytes)
    if result.get("strict"):
        raise StrictStop(Rejection(**result["rejections"][0]))
    result["inputs_digest"] = None
    return result


__all__ = ["Built", "StrictStop", "build_into"]
