"""The part of a topic graph that a query reads, without networkx.

A query process answers from the build's query index (:mod:`graph.build.queryindex`): every topic
with its name and labels, and the records of the few topics the query names. Importing networkx
would cost most of such a process's start-up (docs/performance.md, "Start-up"), so the index hands
the query functions a :class:`PartGraph`: plain dicts laid out as :class:`networkx.MultiDiGraph`
lays out its own (``_node``, ``_succ``, ``_pred``: node → neighbour → key → attributes), with the
part of its reading API that the query functions use (``G.nodes``, ``G.nodes[n]``,
``G.nodes(data=True)``, ``n in G``, ``G[u][v]``, ``G.has_edge``, ``G.out_edges(n, data=True)``, ``G.edges(data=True)``,
``G.graph``). Edges are added in networkx's way, so each adjacency lists its neighbours in the
order a networkx graph fed the same edges would.

>>> G = PartGraph()
>>> G.add_node("a", name="A")
>>> G.add_node("b", name="B")
>>> G.add_edge("a", "b", 0, {"kind": "versus"})
>>> list(G.nodes), G.nodes["b"]["name"], "a" in G, G.has_edge("b", "a"), list(G.out_edges("a", data=True))
(['a', 'b'], 'B', True, False, [('a', 'b', {'kind': 'versus'})])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class _Nodes(Mapping):
    """``G.nodes``: the topics in order; ``G.nodes[n]`` their attributes; ``G.nodes(data=True)`` both."""

    def __init__(self, nodes: dict[str, dict[str, Any]]):
        self._nodes = nodes

    def __getitem__(self, n: str) -> dict[str, Any]:
        return self._nodes[n]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, n: object) -> bool:
        return n in self._nodes

    def __call__(self, data: bool = False) -> Any:
        return self._nodes.items() if data else self


class PartGraph:
    """A directed multigraph of topics kept in plain dicts, read as a :class:`networkx.MultiDiGraph` is."""

    def __init__(self) -> None:
        self.graph: dict[str, Any] = {}
        self._node: dict[str, dict[str, Any]] = {}
        self._succ: dict[str, dict[str, dict[Any, dict[str, Any]]]] = {}
        self._pred: dict[str, dict[str, dict[Any, dict[str, Any]]]] = {}
        self.nodes = _Nodes(self._node)

    def add_node(self, n: str, **attrs: Any) -> None:
        if n not in self._node:
            self._node[n], self._succ[n], self._pred[n] = {}, {}, {}
        self._node[n].update(attrs)

    def add_edge(self, u: str, v: str, key: Any, attrs: dict[str, Any]) -> None:
        """The edge ``u → v`` of ``key``; an edge already there takes ``attrs`` into its own (as networkx's
        ``add_edges_from`` does)."""
        for n in (u, v):
            if n not in self._node:
                self.add_node(n)
        keyed = self._succ[u].get(v)
        if keyed is None:  # one dict of keys for both directions, as networkx shares it
            keyed = self._succ[u][v] = self._pred[v][u] = {}
        keyed.setdefault(key, {}).update(attrs)

    def __contains__(self, n: object) -> bool:
        return n in self._node

    def __iter__(self) -> Iterator[str]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __getitem__(self, u: str) -> dict[str, dict[Any, dict[str, Any]]]:
        return self._succ[u]

    def number_of_nodes(self) -> int:
        return len(self._node)

    def has_edge(self, u: str, v: str) -> bool:
        return v in self._succ.get(u, {})

    def out_edges(self, n: str, data: bool = False) -> Iterator[tuple]:
        for v, keyed in self._succ[n].items():
            for d in keyed.values():
                yield (n, v, d) if data else (n, v)

    def edges(self, data: bool = False) -> Iterator[tuple]:
        for n in self._succ:
            yield from self.out_edges(n, data)


__all__ = ["PartGraph"]
