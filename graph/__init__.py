"""pickgraph: a knowledge graph of technology topics from "A vs B" comparison pages.

Stages, one module each: :mod:`graph.read` (pages → records) → :mod:`graph.resolve`
(names → topics) → :mod:`graph.kg` (the networkx graph) → queries → exports
(:mod:`graph.export`). :mod:`graph.pipeline` runs the stages with a cache, and
:mod:`graph.cli` is the command line on top.
"""

__version__ = "0.1.0"

from .read.model import (  # noqa: E402
    Comparison,
    PickgraphError,
    RejectedDocument,
    Rejection,
    TopicPage,
    UnknownTopic,
)
from .resolve import slugify  # noqa: E402
from .pipeline import build, load_graph  # noqa: E402
from .kg import find_topic  # noqa: E402

__all__ = [
    "Comparison", "TopicPage", "Rejection", "RejectedDocument", "PickgraphError", "UnknownTopic",
    "slugify", "build", "load_graph", "find_topic", "__version__",
]
