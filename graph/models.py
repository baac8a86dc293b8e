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

from functools import cached_property
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
