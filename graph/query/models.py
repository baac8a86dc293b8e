"""The models a graph's answers are computed from: the Bradley–Terry fit and the suggestion index.

Both cost seconds on a big graph, so a caller that asks many questions keeps them in
one :class:`Models` made for that graph, and passes them to the query functions
(``compare(G, a, b, fit=m.fit)``, ``suggest(G, t, index=m.index)``). Nothing is
cached behind the caller's back: change the graph and make a new :class:`Models`
(or call the functions without one), and no answer outlives the graph it came from.

>>> from graph.read import parse_text
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> from graph.read.render import render_comparison
>>> pages = [parse_text(render_comparison(a, b, a), f"{a}.txt") for a, b in [("Ant", "Bee"), ("Bee", "Cat")]]
>>> m = Models(build_graph(ReadReport(pages=pages)))
>>> round(m.fit.probability("ant", "cat"), 3) > 0.5, sorted(m.index.pos) == ["ant", "bee", "cat"]
(True, True)
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.build.cachefile import CacheDamaged, code_fingerprint, damaged, read_sealed, write_sealed
from graph.build.progress import phase
from graph.query.rank import Fit

if TYPE_CHECKING:
    import networkx as nx
    from graph.query.suggest import Index


class Models:
    """The fit and the suggestion index of one graph ``G``, each made on first use (or given).

    ``saved``: where a build saved them (:func:`models_path`); each is then read from
    there on first use, if it was saved for this very graph, else made. A saved
    model that is damaged is made anew, and ``notify`` (default: a line on stderr)
    is told why.
    """

    def __init__(self, G: nx.MultiDiGraph, fit: Fit | None = None, index: Index | None = None,
                 saved: str | os.PathLike[str] | None = None, notify: Callable[[str], None] | None = None):
        self.G = G
        self.saved = Path(saved) if saved else None
        self.notify = notify or (lambda line: print(line, file=sys.stderr))
        #: the models read from ``saved`` (the others were given or made here)
        self.loaded: set[str] = set()
        if fit is not None:
            self.__dict__["fit"] = fit
        if index is not None:
            self.__dict__["index"] = index

    @cached_property
    def fit(self) -> Fit:
        return self._read_or_make("fit", "fitting every pick", Fit)

    @cached_property
    def index(self) -> Index:
        from graph.query.suggest import kept_index  # late: numpy and scipy, which a fit alone does not need

        return self._read_or_make("index", "making the suggestion index", kept_index)

    def made(self) -> tuple[str, ...]:
        """Which models are made (or read) already (``"fit"``, ``"index"``)."""
        return tuple(name for name in MODELS if name in self.__dict__)

    def _read_or_make(self, name: str, doing: str, make: Callable[[nx.MultiDiGraph], Any]):
        """The model ``name`` as saved for this graph, else made from it now (``doing`` on the progress bar)."""
        made = self._read(name)
        if made is None:
            with phase(doing):
                made = make(self.G)
        return made

    def _read(self, name: str):
        if self.saved is None:
            return None
        try:
            got = _read_part(self.saved, name, self.G)
        except CacheDamaged as exc:
            self.notify(damaged(exc))
            return None
        if got is not None:
            self.loaded.add(name)
        return got


# ------------------------------------------------------------ saved models --

#: the models, in the order they are listed
MODELS = ("fit", "index")
#: the first bytes of a saved model's file
MODELS_MAGIC = b"pickgraph-model 3\n"
#: the code the models are made by (besides the graph's own, which the fingerprint covers)
_MODEL_CODE = ("query/rank.py", "query/suggest/constants.py", "query/suggest/index.py",
               "query/suggest/profiles.py", "query/models.py")


def models_path(cache: str | os.PathLike[str]) -> Path:
    """Beside a build cache: its graph's models, made once and kept for every later query process."""
    return Path(cache).with_suffix(".models")


def _stamp(G: nx.MultiDiGraph) -> str:
    return f"{G.graph.get('fingerprint')}|{code_fingerprint(_MODEL_CODE)}"


def part_path(target: str | os.PathLike[str], name: str) -> Path:
    """The file of one model: ``graph-KEY.models.fit``, ``graph-KEY.models.index`` (read apart: ``compare``
    needs only the fit)."""
    return Path(f"{os.fspath(target)}.{name}")


def save_models(models: Models, target: str | os.PathLike[str], names: tuple[str, ...] | None = None) -> Path | None:
    """Write ``names`` (default: every model made so far) beside ``target``, each atomically in a file of its
    own (:func:`part_path`); nothing for a graph without a fingerprint."""
    names = models.made() if names is None else names
    if not models.G.graph.get("fingerprint") or not names:
        return None
    for name in names:
        if not write_sealed(part_path(target, name), MODELS_MAGIC, (_stamp(models.G), name, models.__dict__[name])):
            return None  # no cache key: no saved models
    return Path(target)


def _read_part(target: Path, name: str, G: nx.MultiDiGraph):
    """The model ``name`` saved beside ``target`` for this very graph (same inputs, same code), else ``None``.

    Raises :class:`~graph.build.cachefile.CacheDamaged` for a file the cache key does not
    vouch for, or cut short, or something else in its place.
    """
    try:
        saved = read_sealed(part_path(target, name), MODELS_MAGIC)
        if saved is None:
            return None
        stamp, saved_name, model = saved
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            KeyError):
        return None  # made by other code
    if stamp == _stamp(G) and saved_name == name and G.graph.get("fingerprint"):
        return model
    return None


def load_models(G: nx.MultiDiGraph, target: str | os.PathLike[str]) -> Models:
    """:class:`Models` of ``G`` that read what ``target`` saved for this very graph, when first used.

    A missing, damaged or stale file only means that model is made anew.
    """
    return Models(G, saved=target)
