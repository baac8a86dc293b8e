"""The query path's plain-dict graphs read as networkx's do: the part graph of the query index
(graph.kg.part) and the fit's win graph (graph.query.rank.WinGraph), whose win chains must be the
ones networkx's shortest path finds, ties and all."""

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.kg.part import PartGraph
from graph.query.rank import WinGraph

_games = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda g: g[0] != g[1]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_games, st.integers(0, 7), st.integers(0, 7))
def test_win_chains_are_networkx_shortest_paths(games, a, b):
    W, D = WinGraph(), nx.DiGraph()
    for i, (w, l) in enumerate(games):
        W.add_game(f"t{w}", f"t{l}", f"doc{i}")
        D.add_edge(f"t{w}", f"t{l}")
    a, b = f"t{a}", f"t{b}"
    if a in D and b in D:
        expected = nx.shortest_path(D, a, b) if nx.has_path(D, a, b) else None
        assert W.shortest_path(a, b) == expected


def test_a_diamond_breaks_its_tie_as_networkx_does():
    # a beat c and b, both beat d: two shortest chains; the search from both ends meets at d's first
    # recorded winner (b), as networkx's does
    W = WinGraph()
    for w, l in [("a", "c"), ("a", "b"), ("b", "d"), ("c", "d")]:
        W.add_game(w, l, f"{w}{l}")
    assert W.shortest_path("a", "d") == ["a", "b", "d"]
    assert W.succ["a"] == {"c": ["ac"], "b": ["ab"]} and W.pred["d"] == {"b": ["bd"], "c": ["cd"]}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 2)), max_size=25))
def test_part_graph_lays_out_edges_as_networkx(edges):
    P, M = PartGraph(), nx.MultiDiGraph()
    for n in range(6):
        P.add_node(f"n{n}", name=f"N{n}")
        M.add_node(f"n{n}", name=f"N{n}")
    for i, (u, v, k) in enumerate(edges):
        P.add_edge(f"n{u}", f"n{v}", k, {"doc": i})
        M.add_edges_from([(f"n{u}", f"n{v}", k, {"doc": i})])
    assert list(P.nodes(data=True)) == list(M.nodes(data=True))
    for n in M:
        assert list(P._succ[n].items()) == list(M._succ[n].items())
        assert list(P._pred[n].items()) == list(M._pred[n].items())
        assert list(P.out_edges(n, data=True)) == list(M.out_edges(n, data=True))
    assert list(P.edges(data=True)) == list(M.edges(data=True))
    assert [P.has_edge(f"n{u}", f"n{v}") for u in range(6) for v in range(6)] == \
        [M.has_edge(f"n{u}", f"n{v}") for u in range(6) for v in range(6)]
