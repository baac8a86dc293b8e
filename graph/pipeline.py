"""The pipeline: paths → read → resolve → graph, with a cache of the last build.

Query commands call :func:`load_graph`, which returns the cached graph when no
input changed since it was built (checked by path, size and mtime of every
input file and of the alias file) and rebuilds it otherwise.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from . import __version__
from .export import atomic_write_bytes
from .kg import SCHEMA_VERSION, build_graph, resolve_report
from .model import PickgraphError, ReadReport
from .read import read_paths, stat_paths
from .resolve import AliasFile
from .store import paused_gc, write_documents

ALIAS_FILE_NAME = "aliases.toml"


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
) -> tuple[nx.MultiDiGraph, ReadReport]:
    """Read every page under ``paths`` and build the topic graph.

    Rejected pages are in the report (and in ``G.graph["report"]``); the graph
    holds everything that was accepted.
    """
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    alias_file = AliasFile.load(alias_path) if alias_path else None
    with paused_gc():
        report = read_paths(paths, jobs=jobs or (os.cpu_count() or 1), progress=progress)
        G = build_graph(report, resolve_report(report, alias_file))
    G.graph["inputs"] = [str(p) for p in paths]
    G.graph["alias_file"] = str(alias_path) if alias_path else ""
    return G, report


def _code_fingerprint() -> str:
    """The modules whose classes a cached graph pickles: a cache made by other code is stale."""
    here = Path(__file__).parent
    parts = []
    for name in ("model.py", "read.py", "resolve.py", "kg.py", "store.py"):
        st = os.stat(here / name)
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def fingerprint(paths: Sequence[str | os.PathLike[str]], aliases: str | os.PathLike[str] | None = None) -> str:
    """A digest of every input's path, size and mtime (and of the code): it changes when any input does."""
    h = hashlib.sha256(f"{__version__}|{SCHEMA_VERSION}|{_code_fingerprint()}".encode())
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    stats = stat_paths(paths)
    if alias_path:
        st = os.stat(alias_path)
        stats.append((str(alias_path), st.st_size, st.st_mtime_ns))
    h.update("".join(f"{f}\0{size}\0{mtime}\n" for f, size, mtime in stats).encode())
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


def load_graph(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "exports",
    aliases: str | os.PathLike[str] | None = None,
    progress: bool = False,
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
    G, _ = build(paths, aliases, progress=progress)
    G.graph["fingerprint"] = fp
    try:
        save_cache(G, out_dir, paths, aliases)
    except OSError:
        pass  # a read-only out dir only costs the next command a rebuild
    return G
