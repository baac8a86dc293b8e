"""The models a graph's answers are computed from: the Bradley–Terry fit and the suggestion index.

Both cost seconds on a big graph, so a caller that asks many questions keeps them in
one :class:`Models` made for that graph, and passes them to the query functions
(``compare(G, a, b, fit=m.fit)``, ``suggest(G, t, index=m.index)``). Nothing is
cached behind the caller's back: change the graph and make a new :class:`Models`
(or call the functions without one), and no answer outlives the graph it came from.

>>> from graph.read import parse_text
>>> from graph.read.model import ReadReport
>>> from graph.kg import build_graph
>>> from graph.read.render import render_comparison
>>> pages = [parse_text(render_comparison(a, b, a), f"{a}.txt") for a, b in [("Ant", "Bee"), ("Bee", "Cat")]]
>>> m = Models(build_graph(ReadReport(pages=pages)))
>>> round(m.fit.probability("ant", "cat"), 3) > 0.5, sorted(m.index.pos) == ["ant", "bee", "cat"]
(True, True)
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from .rank import Fit
    from .suggest import Index


class Models:
    """The fit and the suggestion index of one graph ``G``, each made on first use (or given)."""

    def __init__(self, G: nx.MultiDiGraph, fit: Fit | None = None, index: Index | None = None):
        self.G = G
        if fit is not None:
            self.__dict__["fit"] = fit
        if index is not None:
            self.__dict__["index"] = index

    @cached_property
    def fit(self) -> Fit:
        from .rank import Fit

        return Fit(self.G)

    @cached_property
    def index(self) -> Index:
        from .suggest import Index

        return Index(self.G)

    def made(self) -> tuple[str, ...]:
        """Which models are made already (``"fit"``, ``"index"``)."""
        return tuple(name for name in ("fit", "index") if name in self.__dict__)


# ------------------------------------------------------------ saved models --

#: the first bytes of a saved models file
MODELS_MAGIC = b"pickgraph-models 1\n"
#: the code the models are made by (besides the graph's own, which the fingerprint covers)
_MODEL_CODE = ("query/rank.py", "query/suggest.py", "query/models.py")


def models_path(cache: str | os.PathLike[str]) -> Path:
    """Beside a build cache: its graph's models, made once and kept for every later query process."""
    return Path(cache).with_suffix(".models")


def _stamp(G: nx.MultiDiGraph) -> str:
    from ..pipeline import _code_fingerprint

    return f"{G.graph.get('fingerprint')}|{_code_fingerprint(_MODEL_CODE)}"


def save_models(models: Models, target: str | os.PathLike[str]) -> Path | None:
    """Write the models made so far to ``target`` (atomically); nothing for a graph without a fingerprint."""
    from ..output import atomic_write_bytes

    if not models.G.graph.get("fingerprint") or not models.made():
        return None
    blob = pickle.dumps((_stamp(models.G), {name: models.__dict__[name] for name in models.made()}),
                        protocol=pickle.HIGHEST_PROTOCOL)
    atomic_write_bytes(target, MODELS_MAGIC + hashlib.sha256(blob).digest() + blob)
    return Path(target)


def load_models(G: nx.MultiDiGraph, target: str | os.PathLike[str]) -> Models:
    """:class:`Models` of ``G`` with what ``target`` saved for this very graph (same inputs, same code).

    A missing, damaged or stale file gives a :class:`Models` that makes its models anew.
    """
    try:
        data = Path(target).read_bytes()
        head = len(MODELS_MAGIC)
        if data.startswith(MODELS_MAGIC) and hashlib.sha256(data[head + 32:]).digest() == data[head:head + 32]:
            stamp, made = pickle.loads(data[head + 32:])
            if stamp == _stamp(G) and G.graph.get("fingerprint"):
                return Models(G, **made)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError):
        pass
    return Models(G)
