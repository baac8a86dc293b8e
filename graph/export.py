"""Exports: the registry of output formats and atomic writes.

Every writer renders into memory or a temporary file beside the target and
renames it into place, so a crash never leaves a half-written or emptied export.
Formats whose writer lives in another module are imported lazily, so that
``pickgraph build`` does not pay for rdflib or pyvis when it does not need them.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from .model import PickgraphError

#: format name → (module, function, default file name). Each function is
#: ``f(G, path, **options) -> None`` and writes atomically.
FORMATS: dict[str, tuple[str, str, str]] = {
    "graphml": ("graph.graphml", "write_graphml", "pickgraph.graphml"),
    "turtle": ("graph.rdf", "write_turtle", "pickgraph.ttl"),
    "ntriples": ("graph.rdf", "write_ntriples", "pickgraph.nt"),
    "jsonld": ("graph.rdf", "write_jsonld", "pickgraph.jsonld"),
    "rdfxml": ("graph.rdf", "write_rdfxml", "pickgraph.rdf"),
    "trig": ("graph.rdf", "write_trig", "pickgraph.trig"),
    "nquads": ("graph.rdf", "write_nquads", "pickgraph.nq"),
    "html": ("graph.html", "write_html", "pickgraph.html"),
}

#: what ``pickgraph build`` writes unless told otherwise
DEFAULT_FORMATS = ("graphml", "turtle", "html")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    with atomic_open(path) as fh:
        fh.write(data)


class atomic_open:
    """``with atomic_open(path) as fh:`` — a binary file renamed over ``path`` on success only."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.fh = os.fdopen(fd, "wb")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        self.fh.close()
        if exc_type is None:
            # mkstemp makes the file 0600; exports are ordinary files, readable as the umask allows
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
        return False


def writer(fmt: str) -> Callable[..., None]:
    """The writer function of a format; a clear error for an unknown one."""
    if fmt not in FORMATS:
        raise PickgraphError(f"unknown export format {fmt!r}; choose one of: {', '.join(sorted(FORMATS))}")
    module, func, _ = FORMATS[fmt]
    return getattr(importlib.import_module(module), func)


def export(G: nx.MultiDiGraph, fmt: str, path: str | os.PathLike[str] | None = None,
           out_dir: str | os.PathLike[str] = "exports", **options) -> Path:
    """Write ``G`` in ``fmt`` to ``path`` (default: the format's file in ``out_dir``)."""
    target = Path(path) if path else Path(out_dir) / FORMATS[fmt][2] if fmt in FORMATS else Path(out_dir)
    writer(fmt)(G, target, **options)
    return target


def write_json(data: object, path: str | os.PathLike[str]) -> None:
    """Deterministic JSON (sorted keys, UTF-8), written atomically."""
    atomic_write_bytes(path, (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode())
