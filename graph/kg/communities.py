"""Communities of topics: one seeded Louvain for every caller (suggestions, GraphML, the pages).

Small graphs go through networkx's Louvain, which the suggestion constants were tuned with and the
tests' hand-made graphs keep their communities under; large ones through igraph's multilevel method,
the same algorithm in C, since networkx's pure-Python one takes minutes on tens of thousands of
topics (docs/suggest.md).

Louvain cannot follow a change page by page, so a build keeps its results (:mod:`graph.kg.kept`): a
call whose input (topics in order, weighted links, resolution, seed) is the one an earlier call had
takes that call's communities, which are what it would compute.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from importlib.metadata import version

import networkx as nx

from graph.kg.kept import active, digest, remembered

#: topics above which the communities come from igraph (C) instead of networkx (Python): the same
#: method, its communities not the same to the topic
IN_C = 5000


def louvain(nodes: Iterable[str], weights: Mapping[tuple[str, str], float], *, resolution: float = 1.0,
            seed: int = 0) -> list[set[str]]:
    """The Louvain communities of the weighted, undirected graph ``weights`` over ``nodes``; the same
    graph and seed give the same communities.

    >>> sorted(sorted(c) for c in louvain("abcdef", {("a", "b"): 1, ("b", "c"): 1, ("a", "c"): 1,
    ...                                              ("d", "e"): 1, ("e", "f"): 1, ("d", "f"): 1}))
    [['a', 'b', 'c'], ['d', 'e', 'f']]
    """
    nodes = list(nodes)
    if not active():
        return _louvain(nodes, weights, resolution, seed)
    found = remembered(input_key(nodes, weights, resolution, seed), lambda: _louvain(nodes, weights, resolution, seed))
    return [set(c) for c in found]  # the caller's to change


def _louvain(nodes: list[str], weights: Mapping[tuple[str, str], float], resolution: float,
             seed: int) -> list[set[str]]:
    if len(nodes) <= IN_C:
        U = nx.Graph()
        U.add_nodes_from(nodes)
        U.add_weighted_edges_from((u, v, w) for (u, v), w in weights.items())
        return nx.community.louvain_communities(U, weight="weight", resolution=resolution, seed=seed)
    ig = _igraph()
    pos = {n: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(pos[u], pos[v]) for u, v in weights])
    saved = random.getstate()
    ig.set_random_number_generator(random.Random(seed))
    try:
        membership = g.community_multilevel(weights=list(weights.values()), resolution=resolution).membership
    finally:
        ig.set_random_number_generator(random)  # igraph's default: the random module, as it was
        random.setstate(saved)
    groups: dict[int, set[str]] = defaultdict(set)
    for n, c in zip(nodes, membership):
        groups[c].add(n)
    return list(groups.values())


def input_key(nodes: list[str], weights: Mapping[tuple[str, str], float], resolution: float, seed: int) -> str:
    """A digest of all a :func:`louvain` result depends on (the order of the topics included: it seeds the
    visiting order), and of the method that makes it for that many topics.

    >>> input_key(["a", "b"], {("a", "b"): 1}, 1.0, 0) == input_key(["b", "a"], {("a", "b"): 1}, 1.0, 0)
    False
    """
    method = f"igraph {version('igraph')}" if len(nodes) > IN_C else f"networkx {nx.__version__}"
    return digest("louvain", method, repr(resolution), str(seed), nodes,
                  (f"{u}\0{v}\0{w!r}" for (u, v), w in weights.items()))


def _igraph():
    """igraph, imported on first need: it takes seconds, which a small graph never needs.

    Most of them go to matplotlib, which igraph imports for plotting only; unless the process has it
    already, igraph is imported without it (its plots then say matplotlib is missing).
    """
    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        import igraph  # late: see the docstring

        return igraph
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # an import of it fails at once
    try:
        import igraph  # late: see the docstring
    finally:
        del sys.modules["matplotlib"]
    return igraph
