"""Communities of topics: one seeded Louvain for every caller (suggestions, GraphML, the pages).

Small graphs go through networkx's Louvain, which the suggestion constants were tuned with and the
tests' hand-made graphs keep their communities under; large ones through igraph's multilevel method,
the same algorithm in C, since networkx's pure-Python one takes minutes on tens of thousands of
topics (docs/suggest.md).
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping

import networkx as nx

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


def _igraph():
    """igraph, imported on first need: it takes seconds, which a small graph never needs.

    Most of them go to matplotlib, which igraph imports for plotting only; unless the process has it
    already, igraph is imported without it (its plots then say matplotlib is missing).
    """
    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        import igraph

        return igraph
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # an import of it fails at once
    try:
        import igraph
    finally:
        del sys.modules["matplotlib"]
    return igraph
