"""pickgraph: a knowledge graph of technology topics from "A vs B" comparison pages.

Stages, one subpackage each: :mod:`graph.read` (pages → records) → :mod:`graph.resolve`
(names → topics) → :mod:`graph.kg` (the networkx graph) → :mod:`graph.build` (running
the stages into an output folder) → :mod:`graph.query` (questions → plain data),
:mod:`graph.export` and :mod:`graph.rdf` (files), :mod:`graph.sparql` (queries over RDF);
:mod:`graph.cli` and :mod:`graph.serve` are the front ends on top.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from graph.version import __version__

#: Each public name and the module that holds it. They load on first use (PEP 562), so that
#: ``import graph.cli`` -- every query command -- does not import the build and networkx with it
#: (docs/performance.md, "Start-up").
_EXPORTS = {
    "PickgraphError": "graph.errors", "RejectedDocument": "graph.errors", "UnknownTopic": "graph.errors",
    "Comparison": "graph.read.records", "Rejection": "graph.read.records", "TopicPage": "graph.read.records",
    "slugify": "graph.resolve.names",
    "load": "graph.build.pipeline", "load_graph": "graph.build.load",
    "build_into": "graph.build.run",
    "find_topic": "graph.kg.graph",
}
#: public names spelled differently in their module
_RENAMED = {"load": "build"}

if TYPE_CHECKING:
    from graph.build.load import load_graph
    from graph.build.pipeline import build as load
    from graph.build.run import build_into
    from graph.errors import PickgraphError, RejectedDocument, UnknownTopic
    from graph.kg.graph import find_topic
    from graph.read.records import Comparison, Rejection, TopicPage
    from graph.resolve.names import slugify


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for.

    >>> import graph
    >>> graph.slugify("Node.js")
    'node-js'
    """
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'graph' has no attribute {name!r}")
    value = getattr(import_module(module), _RENAMED.get(name, name))
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "Comparison", "TopicPage", "Rejection", "RejectedDocument", "PickgraphError", "UnknownTopic",
    "slugify", "load", "load_graph", "build_into", "find_topic", "__version__",
]
