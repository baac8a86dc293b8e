"""Exports: the registry of output formats, and writing several side by side.

Every writer writes its one file through :func:`graph.build.outdir.atomic_open`, so a
crash never leaves a half-written or emptied export.
Formats whose writer lives in another module are imported lazily, so that
``pickgraph build`` does not pay for rdflib or pyvis when it does not need them.
"""

from __future__ import annotations

import functools
import importlib
import os
import select
import signal
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import networkx as nx

from graph.build.progress import Phase, phase, quiet_child
from graph.build.workers import child_answer, fork_child
from graph.errors import PickgraphError

class Format(NamedTuple):
    """One output format: where its writer is, the file it writes by default, what it is."""

    module: str
    function: str
    file: str
    media_type: str
    #: RDF data: the writer takes ``base_iri`` (the base of the data IRIs)
    rdf: bool = False
    #: fixed keyword arguments of the writer (the syntax, for the one RDF writer)
    options: tuple[tuple[str, str], ...] = ()


def _rdf(syntax: str, file: str, media_type: str) -> Format:
    return Format("graph.rdf.syntaxes", "write_rdf", file, media_type, True, (("syntax", syntax),))


#: format name → :class:`Format`; the one registry of what can be exported. Each
#: writer is ``f(G, path, **options) -> None`` and writes the one file at ``path`` atomically.
FORMATS: dict[str, Format] = {
    "graphml": Format("graph.export.graphml", "write_graphml", "pickgraph.graphml", "application/graphml+xml"),
    "turtle": _rdf("turtle", "pickgraph.ttl", "text/turtle"),
    "ntriples": _rdf("ntriples", "pickgraph.nt", "application/n-triples"),
    "jsonld": _rdf("jsonld", "pickgraph.jsonld", "application/ld+json"),
    "rdfxml": _rdf("rdfxml", "pickgraph.rdf", "application/rdf+xml"),
    "trig": _rdf("trig", "pickgraph.trig", "application/trig"),
    "nquads": _rdf("nquads", "pickgraph.nq", "application/n-quads"),
    "jsonld-context": Format("graph.rdf.syntaxes", "write_context", "pickgraph.context.jsonld",
                             "application/ld+json"),
    "ontology": Format("graph.rdf.syntaxes", "write_ontology", "pickgraph-ontology.ttl", "text/turtle"),
    "csv": Format("graph.export.edges", "write_csv", "pickgraph-edges.csv", "text/csv"),
    "tsv": Format("graph.export.edges", "write_tsv", "pickgraph-edges.tsv", "text/tab-separated-values"),
    "html": Format("graph.export.html", "write_page", "pickgraph.html", "text/html"),
    # the whole graph's layout for serve's start page (graph/export/layout.py)
    "overview": Format("graph.export.layout", "write_overview", "pickgraph-overview.json", "application/json"),
}

#: what ``pickgraph build`` writes unless told otherwise
DEFAULT_FORMATS = ("graphml", "turtle", "ontology", "html", "overview")


def writer(fmt: str) -> Callable[..., None]:
    """The writer function of a format; a clear error for an unknown one."""
    if fmt not in FORMATS:
        raise PickgraphError(f"unknown export format {fmt!r}; choose one of: {', '.join(sorted(FORMATS))}")
    f = FORMATS[fmt]
    func = getattr(importlib.import_module(f.module), f.function)
    return functools.partial(func, **dict(f.options)) if f.options else func


def export(G: nx.MultiDiGraph, fmt: str, path: str | os.PathLike[str] | None = None,
           out_dir: str | os.PathLike[str] = "exports", **options) -> Path:
    """Write ``G`` in ``fmt`` to ``path`` (default: the format's file in ``out_dir``)."""
    target = Path(path) if path else Path(out_dir) / FORMATS[fmt].file if fmt in FORMATS else Path(out_dir)
    writer(fmt)(G, target, **options)
    return target


#: below this many edges, forking costs more than writing the formats one after another
FORK_MIN_EDGES = 20_000
#: formats drawn from one costly step, written in one process one after the other when written together:
#: GraphML and the overview both place the topics by ``graph_stats`` (Louvain's communities), which the second
#: then takes from the first (:mod:`graph.kg.kept`) instead of a second child computing it again
TOGETHER = (("graphml", "overview"),)


def run_side_by_side(tasks: list[Callable[[], object]], fork: bool = True, names: list[str] | None = None,
                     files: list[int] | None = None) -> None:
    """Run ``tasks`` (writers of different files) at once, each in a forked child process.

    A forked child sees the parent's graph as it is (copy-on-write): nothing is
    pickled, so exports of a big graph run on every core. The first task that
    fails raises its exception here, after every child has ended; files are
    written atomically, so a failed task leaves its target as it was. Without
    ``os.fork`` (or with ``fork=False``) the tasks run one after another.
    The phase's bar counts the files as each task ends (``files``: how many each writes, default one),
    by its name in ``names``; children draw no bars.
    """
    names = names or [f"task {i + 1}" for i in range(len(tasks))]
    files = files or [1] * len(tasks)
    with phase("writing outputs", sum(files), "file") as bar:
        if not fork or len(tasks) < 2 or not hasattr(os, "fork"):
            for task, name, n in zip(tasks, names, files):
                task()
                bar.done(name, n)
            return
        _forked(tasks, names, files, bar)


def _forked(tasks: list[Callable[[], object]], names: list[str], files: list[int], bar: Phase) -> None:
    children: list[tuple[int, int]] = []
    try:
        for task in tasks:
            children.append(fork_child(lambda task=task: (quiet_child(), task(), b"")[2]))
        errors: dict[int, Exception] = {}
        pending = {r: i for i, (_, r) in enumerate(children)}
        while pending:  # each child as it ends (its pipe closes), so the bar names it then
            for r in select.select(list(pending), [], [])[0]:
                i = pending.pop(r)
                with os.fdopen(r, "rb") as fh:
                    msg = fh.read()
                _, status = os.waitpid(children[i][0], 0)
                try:
                    child_answer(msg, status, "an export process")
                except Exception as exc:  # the first task's (in order) is raised once every child has ended
                    errors[i] = exc
                bar.done(names[i], files[i])
    except BaseException:
        # Ctrl-C or an error here: the children's half-written files go with the staging folder
        for pid, _ in children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        raise
    if errors:
        raise errors[min(errors)]


def export_many(G: nx.MultiDiGraph, formats: list[str] | tuple[str, ...], out_dir: str | os.PathLike[str],
                also: list[Callable[[], object]] = (), fork: bool | None = None,
                options: dict[str, dict] | None = None) -> list[Path]:
    """Write each of ``formats`` into ``out_dir`` (and run ``also``), side by side on a big graph.

    ``options``: format → keyword arguments of its writer (the build's fragments for Turtle and TriG).
    """
    for fmt in formats:
        writer(fmt)  # an unknown format fails before anything is written
    options = options or {}
    targets = {fmt: Path(out_dir) / FORMATS[fmt].file for fmt in formats}
    groups = _together(formats)
    tasks = [lambda group=group: [writer(fmt)(G, targets[fmt], **options.get(fmt, {})) for fmt in group]
             for group in groups] + list(also)
    if fork is None:
        fork = G.number_of_edges() >= FORK_MIN_EDGES
    run_side_by_side(tasks, fork, [*(", ".join(g) for g in groups), *(getattr(t, "__name__", "more") for t in also)],
                     [*(len(g) for g in groups), *(1 for _ in also)])
    return [targets[fmt] for fmt in formats]


def _together(formats: list[str] | tuple[str, ...]) -> list[list[str]]:
    """``formats`` in groups of one process each: each of :data:`TOGETHER` in one, where all of it is written.

    >>> _together(["overview", "turtle", "graphml"])
    [['graphml', 'overview'], ['turtle']]
    >>> _together(["overview", "turtle"])
    [['overview'], ['turtle']]
    """
    groups: list[list[str]] = []
    placed: set[str] = set()
    for fmt in formats:
        if fmt in placed:
            continue
        group = next((list(g) for g in TOGETHER if fmt in g and set(g) <= set(formats)), [fmt])
        groups.append(group)
        placed.update(group)
    return groups

