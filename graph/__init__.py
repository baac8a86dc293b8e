"""pickgraph: a knowledge graph of technology topics from "A vs B" comparison pages.

Stages, one subpackage each: :mod:`graph.read` (pages → records) → :mod:`graph.resolve`
(names → topics) → :mod:`graph.kg` (the networkx graph) → :mod:`graph.build` (running
the stages into an output folder) → :mod:`graph.query` (questions → plain data),
:mod:`graph.export` and :mod:`graph.rdf` (files), :mod:`graph.sparql` (queries over RDF);
:mod:`graph.cli` and :mod:`graph.serve` are the front ends on top.
"""

from graph.version import __version__
from graph.errors import PickgraphError, RejectedDocument, UnknownTopic  # noqa: E402
from graph.read.records import Comparison, Rejection, TopicPage  # noqa: E402
from graph.resolve.names import slugify  # noqa: E402
from graph.build.pipeline import build as load  # noqa: E402
from graph.build.load import load_graph  # noqa: E402
from graph.build.run import build_into  # noqa: E402
from graph.kg.graph import find_topic  # noqa: E402

__all__ = [
    "Comparison", "TopicPage", "Rejection", "RejectedDocument", "PickgraphError", "UnknownTopic",
    "slugify", "load", "load_graph", "build_into", "find_topic", "__version__",
]
