"""Who beats whom: the win graph, win chains and a regularised Bradley–Terry fit.

Every versus edge with a pick is one game: the winner beat the other topic.
The fit turns all games into one strength per topic, so that two topics that
were never compared still get a probability — when a chain of games links them.

>>> from graph.read import parse_text
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> from graph.read.render import render_comparison
>>> pages = [parse_text(render_comparison(a, b, a), f"{a}.txt") for a, b in [("Ant", "Bee"), ("Bee", "Cat")]]
>>> G = build_graph(ReadReport(pages=pages))
>>> win_chain(G, "ant", "cat")
['ant', 'bee', 'cat']
>>> p = win_probability(G, "ant", "cat")
>>> 0.5 < p < 1
True
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from graph.kg.graph import VERSUS
from graph.kg.kept import active, digest, remembered

if TYPE_CHECKING:
    import networkx as nx

#: Gaussian prior precision of the strengths (choix's ``alpha``). Tuned on generated corpora
#: (see graph.evaluate.score): small values over-fit sparse records into near-certain picks.
ALPHA = 0.3
#: The barely regularised fit used as the "plain Bradley–Terry" baseline.
PLAIN_ALPHA = 1e-3


def games(G: nx.MultiDiGraph) -> list[tuple[str, str]]:
    """``(winner, loser)`` for every comparison document with a pick, sorted.

    >>> from graph.kg.part import PartGraph
    >>> games(PartGraph())
    []
    """
    out = []
    for u, v, d in G.edges(data=True):
        if d["kind"] == VERSUS and d.get("pick") in (u, v):
            out.append((d["pick"], v if d["pick"] == u else u))
    return sorted(out)


class WinGraph:
    """A simple directed graph winner → loser in plain dicts: ``succ[w][l]`` the games' documents (sorted
    shas), ``pred[l][w]`` the same lists. Laid out as :class:`networkx.DiGraph` lays out its own, so that
    :meth:`shortest_path` finds the chain networkx's would, and a saved fit unpickles without networkx
    (whose import costs a query process most of its start-up)."""

    def __init__(self) -> None:
        self.succ: dict[str, dict[str, list[str]]] = {}
        self.pred: dict[str, dict[str, list[str]]] = {}

    def __contains__(self, n: object) -> bool:
        return n in self.succ

    def add_game(self, w: str, l: str, doc: str) -> None:
        for n in (w, l):
            if n not in self.succ:
                self.succ[n], self.pred[n] = {}, {}
        if l in self.succ[w]:
            self.succ[w][l].append(doc)
        else:
            self.succ[w][l] = self.pred[l][w] = [doc]

    def shortest_path(self, a: str, b: str) -> list[str] | None:
        """A shortest path ``a`` → ``b``, or ``None``: the breadth-first search from both ends of
        networkx's ``bidirectional_shortest_path``, step for step, so ties fall the same way.

        >>> W = WinGraph()
        >>> for w, l in [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]:
        ...     W.add_game(w, l, "doc")
        >>> W.shortest_path("a", "d"), W.shortest_path("d", "a"), W.shortest_path("a", "a")
        (['a', 'b', 'd'], None, ['a'])
        """
        if a == b:
            return [a]
        pred: dict[str, str | None] = {a: None}
        succ: dict[str, str | None] = {b: None}
        forward, reverse = [a], [b]
        meet = None
        while forward and reverse and meet is None:
            if len(forward) <= len(reverse):
                level, forward = forward, []
                for v in level:
                    for w in self.succ[v]:
                        if w not in pred:
                            forward.append(w)
                            pred[w] = v
                        if w in succ:
                            meet = w
                            break
                    if meet is not None:
                        break
            else:
                level, reverse = reverse, []
                for v in level:
                    for w in self.pred[v]:
                        if w not in succ:
                            succ[w] = v
                            reverse.append(w)
                        if w in pred:
                            meet = w
                            break
                    if meet is not None:
                        break
        if meet is None:
            return None
        path: list[str] = []
        n: str | None = meet
        while n is not None:
            path.append(n)
            n = pred[n]
        path.reverse()
        n = succ[path[-1]]
        while n is not None:
            path.append(n)
            n = succ[n]
        return path


def win_graph(G: nx.MultiDiGraph) -> WinGraph:
    """The win graph winner → loser of every game of ``G``, each edge with its documents (sorted shas)."""
    W = WinGraph()
    for u, v, d in G.edges(data=True):
        if d["kind"] == VERSUS and d.get("pick") in (u, v):
            w, l = (u, v) if d["pick"] == u else (v, u)
            W.add_game(w, l, d["doc"])
    for losers in W.succ.values():
        for docs in losers.values():
            docs.sort()
    return W


def strengths(n: int, data: list[tuple[int, int]], alpha: float) -> list[float]:
    """MAP Bradley–Terry strengths of ``n`` items from ``(winner, loser)`` index pairs.

    Minimises ``alpha * sum(s**2) + sum(log(1 + exp(s[loser] - s[winner])))`` (a Gaussian prior of
    variance ``1 / (2 * alpha)``; the objective of ``choix.opt_pairwise``, whose optimiser builds a dense
    Hessian in Python loops) by Newton-CG over vectorised gradients and Hessian-vector products,
    so a 10,000-game fit takes milliseconds rather than seconds. ``alpha`` must be positive: the prior
    is what makes the optimum unique when a topic only ever wins.

    >>> [round(x, 4) for x in strengths(2, [(0, 1)], alpha=0.5)]
    [0.3374, -0.3374]
    >>> strengths(3, [], alpha=0.5)
    [0.0, 0.0, 0.0]
    """
    # late: numpy and scipy cost start-up of every query command; only fitting needs them, not a saved fit
    import numpy as np
    from scipy.optimize import minimize  # late: as above
    from scipy.special import expit  # late: as above

    if alpha <= 0:
        raise ValueError(f"alpha must be positive, not {alpha}")
    if not data:
        return [0.0] * n
    w = np.fromiter((d[0] for d in data), dtype=np.intp, count=len(data))
    l = np.fromiter((d[1] for d in data), dtype=np.intp, count=len(data))

    def objective(s):
        diff = s[w] - s[l]
        z = expit(-diff)  # P(the loser had won): the gradient's weight of each game
        grad = 2 * alpha * s - np.bincount(w, z, n) + np.bincount(l, z, n)
        return alpha * s @ s + np.logaddexp(0.0, -diff).sum(), grad

    def hessp(s, v):
        diff = s[w] - s[l]
        c = expit(diff) * expit(-diff) * (v[w] - v[l])
        return 2 * alpha * v + np.bincount(w, c, n) - np.bincount(l, c, n)

    res = minimize(objective, np.zeros(n), jac=True, hessp=hessp, method="Newton-CG",
                   options={"xtol": 1e-10, "maxiter": 200})
    return [float(x) for x in res.x]


def kept_strengths(n: int, data: list[tuple[int, int]], alpha: float) -> list[float]:
    """:func:`strengths`, taken from an earlier build that fitted the very same games (:mod:`graph.kg.kept`).

    A rebuild whose edits moved no pick hands the fit the games it had: the optimiser, and the import
    of scipy it needs, are then skipped. Outside a build's store it is :func:`strengths` itself.

    >>> kept_strengths(2, [(0, 1)], 0.5) == strengths(2, [(0, 1)], 0.5)
    True
    """
    if not active():
        return strengths(n, data, alpha)
    key = digest("bradley-terry", repr(alpha), str(n), (f"{w} {l}" for w, l in data))
    return remembered(key, lambda: strengths(n, data, alpha))


class Fit:
    """A Bradley–Terry fit of one graph: ``strength[slug]`` and the components of the game graph."""

    def __init__(self, G: nx.MultiDiGraph, alpha: float = ALPHA):
        self.alpha = alpha
        self.games = games(G)
        self.records = records(G)
        self.win = win_graph(G)
        topics = sorted(self.win.succ)
        self.index = {t: i for i, t in enumerate(topics)}
        # Components of the whole graph (every kind of link): picks of topics in different
        # components say nothing about each other.
        self.component: dict[str, int] = {}
        # late: networkx costs most of a query process's start-up; only making a fit walks the whole graph
        import networkx as nx

        for i, comp in enumerate(sorted(nx.weakly_connected_components(G), key=min)):
            for t in comp:
                self.component[t] = i
        self.strength: dict[str, float] = {}
        if self.games:
            data = [(self.index[w], self.index[l]) for w, l in self.games]
            params = kept_strengths(len(topics), data, alpha)
            self.strength = {t: params[i] for t, i in self.index.items()}

    def connected(self, a: str, b: str) -> bool:
        """Whether some path of links joins the topics and at least one has picks on record.

        A topic without picks then gets the prior's strength (0, an average topic), so the
        estimate rests on the other topic's record.
        """
        return (a in self.strength or b in self.strength) and a in self.component \
            and self.component.get(a) == self.component.get(b)

    def probability(self, a: str, b: str) -> float | None:
        """P(``a`` is picked over ``b``), or ``None`` (no evidence).

        Two topics of the graph need :meth:`connected`. A topic the graph has never seen (only
        possible from the API: ``compare`` and the CLI reject unknown slugs) is a newcomer with the
        prior's average strength, so the other topic's record alone decides — the same rule as for
        a linked topic without picks; with no record on either side there is no evidence.
        """
        if a in self.component and b in self.component:
            return self.raw_probability(a, b) if self.connected(a, b) else None
        if a in self.strength or b in self.strength:
            return self.raw_probability(a, b)
        return None

    def raw_probability(self, a: str, b: str) -> float:
        """The fit's P(``a`` over ``b``) whatever links them (a topic without games has strength 0)."""
        return 1 / (1 + math.exp(self.strength.get(b, 0.0) - self.strength.get(a, 0.0)))


def fit(G: nx.MultiDiGraph, alpha: float = ALPHA) -> Fit:
    """The Bradley–Terry fit of ``G`` as it is now.

    Never cached here: a caller that asks many questions of one graph makes the fit
    once and passes it (``fit=``), so no answer outlives the graph it came from.
    """
    return Fit(G, alpha)


def win_probability(G: nx.MultiDiGraph, a: str, b: str, alpha: float = ALPHA, *,
                    fit: Fit | None = None) -> float | None:
    """P(``a`` is picked over ``b``) from every pick of ``G``; ``None`` when nothing links them.

    ``fit``: the graph's :class:`Fit`, when the caller has it (else it is made now).
    """
    return (fit or Fit(G, alpha)).probability(a, b)


def win_chain(G: nx.MultiDiGraph, a: str, b: str, *, fit: Fit | None = None) -> list[str] | None:
    """The shortest chain ``a`` beat X, X beat …, … beat ``b`` (slugs), or ``None``."""
    W = fit.win if fit else win_graph(G)
    if a not in W or b not in W:
        return None
    return W.shortest_path(a, b)


def chain_steps(G: nx.MultiDiGraph, chain: list[str], *, fit: Fit | None = None) -> list[dict[str, Any]]:
    """Each step of a chain with its documents' paths: ``{"winner", "loser", "sources"}``."""
    W = fit.win if fit else win_graph(G)
    docs = G.graph.get("documents", {})
    return [{"winner": w, "loser": l, "sources": [getattr(docs.get(s), "path", s) for s in W.succ[w][l]]}
            for w, l in zip(chain, chain[1:])]


def records(G: nx.MultiDiGraph) -> dict[str, tuple[int, int]]:
    """``{slug: (wins, losses)}`` over all picks (topics without games are absent)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for w, l in games(G):
        out[w][0] += 1
        out[l][1] += 1
    return {t: (r[0], r[1]) for t, r in out.items()}


__all__ = ["ALPHA", "PLAIN_ALPHA", "Fit", "strengths", "fit", "games", "WinGraph", "win_graph", "win_probability", "win_chain",
           "chain_steps", "records"]
