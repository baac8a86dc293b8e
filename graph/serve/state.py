"""The build being served, and the atomic switch to a newer one.

A :class:`Build` is everything one build serves: the graph,
the path of its SPARQL store and the SPARQL answers already given (dropped with it). :class:`Live` holds the current one in a single
attribute; a watcher thread notices a new build record (every second), loads
the new build beside the old one, and replaces the reference. A request reads
the reference once and keeps that build to its end, so requests in flight finish
on the old build and none fails while the server switches.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import networkx as nx

from graph.build.load import load_graph
from graph.build.outdir import finish_pending
from graph.build.record import BUILD_RECORD, cache_path, query_inputs, read_record
from graph.build.textindex import load_index
from graph.errors import PickgraphError
from graph.serve.cache import AnswerCache
from graph.serve.memory import release_memory
from graph.query.api import topic_index
from graph.query.models import load_models, models_path
from graph.sparql.store import load_store, store_name


@dataclass(frozen=True)
class Build:
    G: nx.MultiDiGraph
    store: str  # the on-disk SPARQL store, opened read-only by the query processes
    digest: str | None  # the inputs digest of the build record
    models: Any = None  # the graph's Models (fit and suggestion index), made before the build is served
    text: Any = None  # its full-text index (graph.build.textindex.TextIndex), opened with it
    loaded_at: float = field(default_factory=time.time)
    answers: AnswerCache = field(default_factory=AnswerCache, compare=False, repr=False)  # SPARQL answers
    api_answers: AnswerCache = field(default_factory=AnswerCache, compare=False, repr=False)  # JSON API answers

    def status(self) -> dict[str, Any]:
        return {"inputs_digest": self.digest, "topics": self.G.number_of_nodes(),
                "documents": len(self.G.graph.get("documents", {})), "loaded_at": round(self.loaded_at, 3)}


class NothingToServe(PickgraphError):
    """No build in the out folder: the server stops, as the query commands do (it does not build data/ itself)."""

    def __init__(self, out: str | os.PathLike[str]):
        super().__init__(f"no build in {out}/ to serve: run 'pickgraph build PATH' first (PATH: your folder of "
                         "pages), or name the out folder of a build with --out DIR")


def record_stamp(out: str | os.PathLike[str]) -> tuple[int, int, int] | None:
    """What changes when a build (or an export) rewrites the build record: its inode, size and mtime."""
    try:
        st = os.stat(Path(out) / BUILD_RECORD)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def recorded_digest(out: str | os.PathLike[str]) -> str | None:
    return read_record(out).get("inputs_digest")


def load_build(out: str | os.PathLike[str], base_iri: str, say: Callable[[str], None],
               progress: bool = False, cache_bytes: int = 64 * 2**20) -> Build:
    """Load the last build in ``out``: graph (from its cache), topic index, SPARQL store;
    ``cache_bytes`` of its SPARQL answers are kept, and as much of its API answers."""
    finish_pending(out)  # a build killed while it put its files in place is finished first, as queries do
    if record_stamp(out) is None:  # query_inputs would fall back to a data/ folder here and build it
        raise NothingToServe(out)
    digest = recorded_digest(out)
    inputs = query_inputs(out)
    say(f"loading the build of {', '.join(inputs.paths)} from {out}/")
    G = load_graph(inputs.paths, out, inputs.aliases, progress=progress, max_bytes=inputs.max_bytes, notify=say)
    say(f"indexing {G.number_of_nodes()} topics")
    topic_index(G)  # made here, before the build is served: the topics query finds it made
    say("preparing suggestions and the pick model")
    models = load_models(G, models_path(cache_path(out, inputs.paths)))  # the build saved them
    models.fit, models.index  # made here, before the build is served: no first request pays seconds for them
    say("opening the SPARQL store (made once per build, from its Turtle export: a minute or more for a big corpus)")
    store = store_path(G, cache_path(out, inputs.paths), base_iri, out, say)
    text = load_index(G, cache_path(out, inputs.paths))  # this build's own, open before a newer one lands
    return Build(G, store, digest, models, text=text, answers=AnswerCache(cache_bytes),
                 api_answers=AnswerCache(cache_bytes))


def store_path(G: nx.MultiDiGraph, cache_file: Path, base_iri: str, out: str | os.PathLike[str] | None = None,
               say: Callable[[str], None] = lambda _line: None) -> str:
    """The folder of a read-only on-disk store of ``G``: the one ``sparql`` keeps beside the build cache
    (:func:`graph.sparql.store.load_store`, from the build's Turtle export of ``out`` when it is this
    build's), else (a read-only out folder) one in a temporary folder."""
    fp = G.graph.get("fingerprint")
    if not fp:
        raise PickgraphError("the last build's pages changed while it read them; run 'pickgraph build' again")
    for folder in (cache_file.parent, Path(tempfile.gettempdir()) / "pickgraph-serve"):
        if load_store(G, base_iri, out=out, cache_file=cache_file, folder=folder, memory=False, notify=say) is not None:
            return str(folder / store_name(cache_file.stem, fp, base_iri) / "db")
    raise PickgraphError(f"cannot make the SPARQL store in {cache_file.parent} nor in a temporary folder")


class Live:
    """The build being served (:attr:`current`), replaced when a newer build lands in ``out``."""

    def __init__(self, out: str | os.PathLike[str], base_iri: str, say: Callable[[str], None] = lambda _: None,
                 poll: float = 1.0, progress: bool = False, cache_bytes: int = 64 * 2**20):
        self.out, self.base_iri, self.say, self.poll = str(out), base_iri, say, poll
        self.cache_bytes = cache_bytes
        self._stamp = record_stamp(out)
        self.current: Build = load_build(out, base_iri, say, progress, cache_bytes)
        release_memory()  # the build's objects frozen before the first request
        self.switches = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="pickgraph-watch", daemon=True)

    def start(self) -> Live:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            stamp = record_stamp(self.out)
            if stamp is None or stamp == self._stamp:
                continue
            self._stamp = stamp
            digest = recorded_digest(self.out)
            if digest is not None and digest == self.current.digest:
                continue  # the record was rewritten (an export), the pages are the same
            try:
                new = load_build(self.out, self.base_iri, self.say, cache_bytes=self.cache_bytes)
            except Exception as exc:  # noqa: BLE001 -- a bad new build must not end the server
                self.say(f"a new build in {self.out}/ could not be loaded ({exc}); still serving the previous one")
                continue
            old = weakref.ref(self.current)
            self.current = new  # the switch: one reference; requests in flight keep the build they read
            del new
            self.switches += 1
            self.say(f"now serving the new build ({self.current.G.number_of_nodes()} topics)")
            self._release(old)

    def _release(self, old: weakref.ref, wait: float = 60.0) -> None:
        """Give the old build's memory back once its last request has ended (it may outlive the switch)."""
        release_memory()  # collects it now if no request holds it
        deadline = time.monotonic() + wait
        if old() is None:
            return
        while old() is not None and time.monotonic() < deadline and not self._stop.wait(0.5):
            pass
        release_memory()
