"""The pipeline: paths → read → resolve → graph, with a cache of the last build.

Query commands call :func:`load_graph`, which returns the cached graph when no
input changed since it was built (checked by path, size, mtime and ctime of
every input file and of the alias file) and rebuilds it otherwise.

A build also leaves a record of what it read in its output folder
(:data:`BUILD_RECORD`), so that a query run later in the same place answers
about that corpus without being told again (:func:`query_inputs`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Sequence
from typing import NamedTuple
from pathlib import Path

import networkx as nx

from . import __version__
from .export import atomic_write_bytes
from .kg import SCHEMA_VERSION, build_graph, resolve_report
from .read.files import DEFAULT_MAX_BYTES, scan
from .read.model import PickgraphError, ReadReport
from .read import read_paths
from .resolve import AliasFile
from .store import paused_gc, write_documents

ALIAS_FILE_NAME = "aliases.toml"
#: What the last build in an output folder read (JSON), for the query commands run after it.
BUILD_RECORD = "pickgraph-build.json"
#: The corpus a query falls back to when no build was recorded: the repository's bundled pages.
BUNDLED_CORPUS = "data"


def find_alias_file(paths: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The first ``aliases.toml`` at the top of an input folder, if any."""
    for p in paths:
        cand = Path(p) / ALIAS_FILE_NAME
        if Path(p).is_dir() and cand.is_file():
            return cand
    return None


def build(
    paths: Sequence[str | os.PathLike[str]],
    aliases: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[nx.MultiDiGraph, ReadReport]:
    """Read every page under ``paths`` and build the topic graph.

    Rejected pages are in the report (and in ``G.graph["report"]``); the graph
    holds everything that was accepted. Raises :class:`~graph.read.model.NoPages`
    when ``paths`` hold no file to read.
    """
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    alias_file = AliasFile.load(alias_path) if alias_path else None
    with paused_gc():
        report = read_paths(paths, jobs=jobs or (os.cpu_count() or 1), progress=progress, max_bytes=max_bytes)
        G = build_graph(report, resolve_report(report, alias_file))
    G.graph["inputs"] = [str(p) for p in paths]
    G.graph["alias_file"] = str(alias_path) if alias_path else ""
    return G, report


def _code_fingerprint() -> str:
    """The modules whose classes a cached graph pickles: a cache made by other code is stale."""
    here = Path(__file__).parent
    parts = []
    for name in ("read/model.py", "read/parse.py", "read/files.py", "resolve.py", "kg.py", "store.py"):
        st = os.stat(here / name)
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def fingerprint(paths: Sequence[str | os.PathLike[str]], aliases: str | os.PathLike[str] | None = None) -> str:
    """A digest of every input's path, size, mtime and ctime (and of the code): it changes when any input does.

    ``ctime`` is set by the kernel on every change, so an edit that restores the
    size and the mtime (``touch -d``) still shows. Entries the walk rejects (a
    pipe, a dangling link) count by path, so a new one changes the digest too.
    """
    h = hashlib.sha256(f"{__version__}|{SCHEMA_VERSION}|{_code_fingerprint()}".encode())
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    alias_path = alias_path.absolute() if alias_path else None
    # absolute, so `build data/` here and a query naming /abs/data from elsewhere share one cache
    found = scan([os.path.abspath(p) for p in paths])
    stats = [(f.path, f.size, f.mtime_ns, f.ctime_ns) for f in found.files]
    stats += [(r.path, -1, -1, -1) for r in found.rejections]
    if alias_path:
        try:
            st = os.stat(alias_path)
            stats.append((str(alias_path), st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        except OSError:
            stats.append((str(alias_path), -1, -1, -1))
    h.update("".join("\0".join(map(str, row)) + "\n" for row in stats).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def cache_path(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]]) -> Path:
    key = hashlib.sha256("\0".join(sorted(os.path.abspath(p) for p in paths)).encode()).hexdigest()[:16]
    return Path(out_dir) / ".cache" / f"graph-{key}.pickle"


def save_cache(G: nx.MultiDiGraph, out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
               aliases: str | os.PathLike[str] | None = None) -> Path:
    """Pickle the graph beside a document store, so a query loads the topology and only the pages it cites."""
    target = cache_path(out_dir, paths)
    target.parent.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(paths, aliases)
    docs = G.graph["documents"]
    # the store is named by the fingerprint, so a cache never points at another build's records
    store = write_documents(docs, target.with_name(f"{target.stem}-{fp[:16]}.docs"))
    for old in target.parent.glob(f"{target.stem}-*.docs"):
        if old.name != Path(store.path).name:
            old.unlink(missing_ok=True)
    G.graph["documents"] = store
    try:
        blob = pickle.dumps((fp, G), protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        G.graph["documents"] = docs
    atomic_write_bytes(target, blob)
    return target


class BuildInputs(NamedTuple):
    """What a build reads: the pages, the alias file named (else found beside them), the size limit."""

    paths: list[str]
    aliases: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


def record_build(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
                 aliases: str | os.PathLike[str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Note in ``out_dir`` what a build read (absolute paths), for :func:`query_inputs`."""
    record = {
        "pickgraph": __version__,
        "inputs": [os.path.abspath(p) for p in paths],
        "aliases": os.path.abspath(aliases) if aliases else None,
        "max_bytes": max_bytes,  # a rebuild by a query reads what the build read
        # as typed, and where: a query run in the same folder names the pages the same way
        "given": {"cwd": os.getcwd(), "inputs": [os.fspath(p) for p in paths],
                  "aliases": os.fspath(aliases) if aliases else None},
    }
    target = Path(out_dir) / BUILD_RECORD
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "surrogateescape"))
    return target


class NoBuild(PickgraphError):
    """A query with no corpus named and no build to answer from."""

    def __init__(self, out_dir: str | os.PathLike[str]):
        super().__init__(f"no build in {out_dir}/ to answer from: run 'pickgraph build PATH' first "
                         "(PATH: your folder of pages), or name the pages with --corpus PATH")


def query_inputs(out_dir: str | os.PathLike[str] = "exports", bundled: str = BUNDLED_CORPUS) -> BuildInputs:
    """The pages (and alias file) a query answers about when none are named.

    The last build recorded in ``out_dir``; else the bundled corpus when a
    folder ``bundled`` is here (the repository's ``make run`` and tour); else
    :class:`NoBuild`.
    """
    target = Path(out_dir) / BUILD_RECORD
    if target.is_file():
        try:
            record = json.loads(target.read_bytes().decode("utf-8", "surrogateescape"))
            inputs, aliases = [str(p) for p in record["inputs"]], record.get("aliases")
            given = record.get("given") or {}
            if given.get("cwd") == os.getcwd():  # sources then read as the build printed them
                inputs, aliases = [str(p) for p in given["inputs"]], given.get("aliases")
            max_bytes = int(record.get("max_bytes", DEFAULT_MAX_BYTES))
        except (ValueError, KeyError, TypeError):
            raise PickgraphError(f"{target}: not a build record pickgraph can read; run 'pickgraph build PATH' "
                                 "again") from None
        for p in inputs + ([aliases] if aliases else []):
            if not os.path.lexists(p):
                raise PickgraphError(f"the last build in {out_dir}/ read {p}, which is gone; run "
                                     "'pickgraph build PATH' again, or name the pages with --corpus PATH")
        return BuildInputs(inputs, aliases, max_bytes)
    if os.path.isdir(bundled):
        return BuildInputs([bundled])
    raise NoBuild(out_dir)


def load_graph(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "exports",
    aliases: str | os.PathLike[str] | None = None,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> nx.MultiDiGraph:
    """The graph of ``paths``: from the cache when it is fresh, else built (and cached)."""
    if not paths:
        raise PickgraphError("no input: name a file or folder of pages")
    target = cache_path(out_dir, paths)
    fp = fingerprint(paths, aliases)
    if target.is_file():
        try:
            with open(target, "rb") as fh, paused_gc():
                cached_fp, G = pickle.load(fh)
            if cached_fp == fp:
                G.graph["fingerprint"] = fp
                return G
        except Exception:  # a cache from another version or a torn file: rebuild it
            pass
    G, _ = build(paths, aliases, progress=progress, max_bytes=max_bytes)
    G.graph["fingerprint"] = fp
    try:
        save_cache(G, out_dir, paths, aliases)
    except OSError:
        pass  # a read-only out dir only costs the next command a rebuild
    return G
