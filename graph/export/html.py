"""The interactive HTML page of the topic graph: one self-contained, offline file.

pyvis assembles the network (nodes, edges, options); the page around it is ours:
vis-network's JS and CSS are inlined from the copy pyvis ships, so the file makes
no request to any other address. Every piece of document text travels as JSON
data and is put on screen with ``textContent`` by the page's own script, never
as HTML, so markup in a document is shown, not run.

Positions are computed here with a fixed seed and physics is off in the page:
the same corpus gives the same file, byte for byte, and the page is still the
moment it is drawn.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> data = page_data(build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")])))
>>> data["meta"]["mode"], sorted(n["id"] for n in data["nodes"])
('full', ['caching', 'key-value-stores', 'memcached', 'redis'])
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import defaultdict
from importlib import resources
from typing import Any

import networkx as nx
import numpy as np

from graph.kg.communities import louvain
from graph.kg.kept import active, digest, remembered
from graph.kg.graph import (ALTERNATIVE, RELATED, SUGGEST_CUTOFF, SUGGEST_MAX_CHARS, VERSUS, WORD_WEIGHT, contested_pairs,
                 find_topic, topic_table)
from graph.build.outdir import atomic_open
from graph.query.explain import clean_text, verdict_text
from graph.query.reasons import card_points
from graph.query.suggest import kept_index, suggest
from graph.read.records import Comparison
from graph.errors import PickgraphError

SEED = 20240611
#: above this many topics, the default page is an overview (see :func:`select_topics`)
MAX_TOPICS = 1500
#: how many topics the overview of a large graph shows, and how many links of each it draws
OVERVIEW_TOPICS = 300
OVERVIEW_LINKS = 3
#: a page with more links than this draws only each topic's OVERVIEW_LINKS strongest
MAX_LINKS = 3000
#: a graph with more comparisons than this is large: its page carries no suggestions, because the
#: suggestion index (communities over the whole graph) would cost the build tens of seconds; the
#: hover card points to ``pickgraph suggest`` instead
LARGE_GRAPH = 3000
SUGGEST_TOPICS_LARGE = 0
#: at most this many documents listed in one link's card
CARD_ITEMS = 6

#: community colours (background, border), largest community first; when there are more
#: communities than colours, the last ones share OTHER_COLOUR ("smaller groups" in the legend)
PALETTE = [
    ("#4e79a7", "#2f4b6b"), ("#f28e2b", "#a85f17"), ("#59a14f", "#376631"), ("#e15759", "#9b2f31"),
    ("#76b7b2", "#427c78"), ("#edc948", "#a88a1c"), ("#b07aa1", "#74496a"), ("#ff9da7", "#c0606b"),
    ("#9c755f", "#634638"), ("#17becf", "#0e7c87"), ("#8cd17d", "#4f8c42"),
]
OTHER_COLOUR = ("#bab0ac", "#7d7471")
EDGE_STYLE = {
    "versus": "#37474f",
    "contested": "#d62728",
    "related-to": "#9fb3c8",
    "alternative-to": "#8e44ad",
}


class HtmlError(PickgraphError):
    """The page cannot be made (bad arguments, vis-network missing from pyvis)."""


# ------------------------------------------------------------ selection --

def select_topics(G: nx.MultiDiGraph, focus: str | None = None, depth: int = 2, *,
                  max_topics: int = MAX_TOPICS, overview_topics: int = OVERVIEW_TOPICS) -> dict[str, Any]:
    """Which topics the page shows, and why: ``{"mode", "topics", "note"}``.

    ``mode`` is ``"full"`` (every topic), ``"overview"`` (a graph of more than
    ``max_topics`` topics: its ``overview_topics`` best connected ones) or
    ``"focus"`` (topics within ``depth`` links of ``focus``; of a bigger
    neighbourhood than ``overview_topics``, that many, closest first).

    >>> G = nx.MultiDiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> select_topics(G, "a", depth=2)["topics"]
    ['a', 'b', 'c']
    >>> select_topics(G, max_topics=3, overview_topics=2)["topics"]
    ['b', 'c']
    """
    if depth < 0:
        raise HtmlError(f"depth must be 0 or more, not {depth}")
    if max_topics < 1 or overview_topics < 1:
        raise HtmlError("max_topics and overview_topics must be at least 1")
    # a streaming build draws a graph of its best connected topics only, and says how many there are in all
    n_all = G.graph.get("topics_total", G.number_of_nodes())
    if focus is not None:
        slug = find_topic(G, focus)
        dist = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), slug, cutoff=depth)
        ranked = sorted(dist, key=lambda n: (dist[n], -G.degree(n), n))
        shown = ranked[:overview_topics]
        name = G.nodes[slug].get("name", slug)
        note = (f"Neighbourhood of {name}: {len(shown)} of {n_all} topics within {depth} "
                f"link{'s' if depth != 1 else ''}.")
        if len(ranked) > len(shown):
            note = (f"Neighbourhood of {name}: {len(ranked)} of {n_all} topics are within {depth} "
                    f"link{'s' if depth != 1 else ''}; the {len(shown)} closest (then best connected) are shown.")
        return {"mode": "focus", "focus": slug, "topics": sorted(shown), "note": note}
    if n_all <= max_topics:
        return {"mode": "full", "focus": None, "topics": sorted(G.nodes), "note": ""}
    ranked = sorted(G.nodes, key=lambda n: (-G.degree(n), n))
    shown = sorted(ranked[:overview_topics])
    note = (f"Overview: this corpus has {n_all} topics, too many for one readable picture. "
            f"Shown are the {len(shown)} most connected topics and the links among them.")
    return {"mode": "overview", "focus": None, "topics": shown, "note": note}


# --------------------------------------------------------------- layout --

def spring_positions(H: nx.Graph, seed: int = SEED, iterations: int | None = None) -> dict[str, tuple[float, float]]:
    """Fruchterman–Reingold positions in a unit box, with a weak pull to the centre.

    Vectorised with numpy (networkx's own version loops in Python above 500
    nodes); the pull keeps small components near the main one instead of
    flung to the edge. Fewer iterations for big graphs keep the time bounded.
    A build keeps them by their input (:mod:`graph.kg.kept`).

    >>> pos = spring_positions(nx.path_graph(["a", "b", "c"]))
    >>> sorted(pos), pos["a"] != pos["c"]
    (['a', 'b', 'c'], True)
    """
    if not active():
        return _spring(H, seed, iterations)
    # the links sorted: the positions depend on the adjacency matrix, not on the order the links were added
    # in (a set's order, which changes from process to process)
    links = sorted(f"{u}\0{v}\0{w!r}" for u, v, w in (e if H.is_directed() or e[0] <= e[1] else (e[1], e[0], e[2])
                                                         for e in H.edges(data="weight")))
    key = digest("spring", np.__version__, str(H.is_directed()), str(seed), str(iterations), list(H.nodes), links)
    return dict(remembered(key, lambda: _spring(H, seed, iterations)))


def _spring(H: nx.Graph, seed: int, iterations: int | None) -> dict[str, tuple[float, float]]:
    nodes = list(H.nodes)
    n = len(nodes)
    if n <= 1:
        return {v: (0.0, 0.0) for v in nodes}
    if iterations is None:
        iterations = 250 if n <= 400 else 120
    A = nx.to_numpy_array(H, nodelist=nodes, weight="weight", dtype=np.float64)
    rng = np.random.RandomState(seed)
    x, y = rng.rand(n), rng.rand(n)
    k2 = 1.0 / n
    k = math.sqrt(k2)
    temp = 0.1
    cool = temp / (iterations + 1)
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        d2 = dx * dx + dy * dy
        np.maximum(d2, 2.5e-5, out=d2)
        # repulsion k²/d and attraction w·d²/k, both along the unit vector (dx, dy)/d
        f = k2 / d2 - A * np.sqrt(d2) / k
        mx, my = x.mean(), y.mean()
        fx = (f * dx).sum(axis=1) - 0.05 * n * k * (x - mx)
        fy = (f * dy).sum(axis=1) - 0.05 * n * k * (y - my)
        length = np.sqrt(fx * fx + fy * fy)
        np.maximum(length, 0.005, out=length)
        step = np.minimum(length, temp) / length
        x += fx * step
        y += fy * step
        temp -= cool
    x -= x.mean()
    y -= y.mean()
    extent = float(max(np.abs(x).max(), np.abs(y).max())) or 1.0
    return {nodes[i]: (float(x[i] / extent), float(y[i] / extent)) for i in range(n)}


def spread(pos: dict[str, tuple[float, float]], boxes: dict[str, tuple[float, float, float]],
           aspect: float = 2.2, rounds: int = 600) -> dict[str, tuple[int, int]]:
    """Unit positions → whole pixels, scaled and nudged so that no two nodes' boxes overlap.

    ``boxes[n] = (width, above, below)``: a node's extent around its centre (the dot
    above, the dot and its label below). ``aspect`` widens the picture for a landscape
    screen. Each round pushes every overlapping pair apart along the axis where they
    overlap least (sideways preferred), and every 100 rounds the whole picture grows
    by 3% so that crowds that push each other in circles get room. Only pairs that
    were near each other at the last check are tested, which keeps big graphs fast;
    whole pixels keep the page byte-stable.

    Two 40-pixel-wide nodes at one spot move apart, sideways, just far enough for
    their boxes (plus 3 pixels of margin each side) to clear:

    >>> spread({"a": (0.0, 0.0), "b": (0.01, 0.0)}, {"a": (40, 10, 30), "b": (40, 10, 30)})
    {'a': (-23, 0), 'b': (23, 0)}
    """
    nodes = list(pos)
    n = len(nodes)
    if n == 0:
        return {}
    xy = np.array([pos[v] for v in nodes], dtype=np.float64)
    wab = np.array([boxes[v] for v in nodes], dtype=np.float64)
    # Start where the boxes would fill two thirds of the picture; pushing apart does the rest.
    area = float((wab[:, 0] * (wab[:, 1] + wab[:, 2])).sum())
    side = math.sqrt(1.5 * area / aspect)
    xy[:, 0] *= side * aspect / 2
    xy[:, 1] *= side / 2
    half_w = wab[:, 0] / 2 + 3
    up, down = wab[:, 1] + 2, wab[:, 2] + 2
    reach_x = 2 * float(half_w.max()) + 10
    reach_y = float(up.max() + down.max()) + 10
    i = j = np.zeros(0, dtype=np.intp)
    for r in range(rounds):
        if r and r % 100 == 0:
            xy *= 1.03
        if r % 10 == 0:  # candidate pairs: near enough to touch within the next rounds
            near = ((np.abs(xy[:, None, 0] - xy[None, :, 0]) < 2 * reach_x)
                    & (np.abs(xy[:, None, 1] - xy[None, :, 1]) < 2 * reach_y))
            i, j = np.nonzero(np.triu(near, 1))
        dx = xy[j, 0] - xy[i, 0]
        dy = xy[j, 1] - xy[i, 1]
        ox = half_w[i] + half_w[j] - np.abs(dx)
        # vertical extents are asymmetric: i's bottom meets j's top when j is below
        oy = np.where(dy >= 0, down[i] + up[j] - dy, up[i] + down[j] + dy)
        hit = (ox > 0) & (oy > 0)
        if not hit.any():
            if r % 10 == 0:
                break
            continue
        hi, hj, ox, oy, dx, dy = i[hit], j[hit], ox[hit], oy[hit], dx[hit], dy[hit]
        sideways = ox <= 1.7 * oy
        sx = np.where(dx >= 0, 1.0, -1.0)
        sy = np.where(dy >= 0, 1.0, -1.0)
        mx = np.where(sideways, (ox / 2 + 0.5) * sx, 0.0)
        my = np.where(sideways, 0.0, (oy / 2 + 0.5) * sy)
        push = np.zeros_like(xy)
        np.add.at(push[:, 0], hj, mx)
        np.add.at(push[:, 0], hi, -mx)
        np.add.at(push[:, 1], hj, my)
        np.add.at(push[:, 1], hi, -my)
        xy += push * 0.5
    xy -= xy.mean(axis=0)
    return {nodes[k]: (int(round(xy[k, 0])), int(round(xy[k, 1]))) for k in range(n)}


def node_size(compared: int) -> int:
    """Radius of a topic's dot: grows with the square root of how often it was compared.

    >>> [node_size(c) for c in (0, 1, 4, 25)]
    [6, 14, 19, 34]
    """
    return 6 if compared <= 0 else round(9 + 5 * math.sqrt(compared))


def font_size(compared: int) -> int:
    """Label size: small for topics only named as related, larger for much-compared ones.

    >>> [font_size(c) for c in (0, 1, 4, 25, 100)]
    [12, 16, 18, 25, 28]
    """
    return 12 if compared <= 0 else min(28, round(14 + 2.2 * math.sqrt(compared)))


def communities(H: nx.Graph, seed: int = SEED) -> list[list[str]]:
    """Louvain communities of the shown topics, largest first, each sorted."""
    if H.number_of_nodes() == 0:
        return []
    groups = louvain(H.nodes, {(u, v): d.get("weight", 1) for u, v, d in H.edges(data=True)}, seed=seed)
    return sorted((sorted(c) for c in groups), key=lambda c: (-len(c), c[0]))


# ----------------------------------------------------------------- text --

def pick_reason(page: Any, pick: str | None) -> str:
    """One line saying why ``pick`` (a name as written on ``page``) won: its first informative pro.

    Falls back to the pro its verdict line was made from (:func:`graph.query.explain.verdict_text`), then
    to its description; text is cleaned as ``why`` cleans it (:func:`graph.query.explain.clean_text`), so
    never the placeholder con, debris or the verdict's machine-made sentence.
    """
    if not isinstance(page, Comparison) or not pick:
        return ""
    try:
        card = page.card(pick)
    except KeyError:
        return ""
    for b in card_points(card)[0]:
        if (text := clean_text(b.text)) is not None:
            return text
    for v in page.verdict:
        if v.topic.casefold() == pick.casefold() and (text := verdict_text(page, v)):
            return text
    return card.description


def _topic_text(d: dict[str, Any]) -> str:
    if d.get("definition"):
        return d["definition"]
    descriptions = d.get("descriptions") or []
    return descriptions[0][0] if descriptions else ""


def _suggestions(G: nx.MultiDiGraph, slug: str, index: Any) -> list[str]:
    # Re-rank on the rounded score, then slug: suggest's own order of near-ties can
    # follow set iteration (PYTHONHASHSEED), and the page must be byte-stable.
    rows = sorted(suggest(G, slug, k=6, index=index), key=lambda s: (-s["score"], s["slug"]))
    return [s["name"] for s in rows[:3]]


# ----------------------------------------------------------------- data --

def page_data(G: nx.MultiDiGraph, focus: str | None = None, depth: int = 2, *, max_topics: int = MAX_TOPICS,
              overview_topics: int = OVERVIEW_TOPICS, overview_links: int = OVERVIEW_LINKS,
              suggest_topics: int | None = None, seed: int = SEED) -> dict[str, Any]:
    """Everything the page shows, as plain data: vis nodes, edges and options, hover cards, legend, meta.

    One edge per topic pair and kind: a ``versus`` edge points from the loser to the
    pick (both ways, dashed red and labelled when the pair is contested), ``related-to``
    and ``alternative-to`` edges gather every document that draws them. An overview,
    or a page of more than :data:`MAX_LINKS` links, draws only each topic's
    ``overview_links`` strongest links (and every link of the focus topic). ``suggest_topics``: how
    many topics (most connected first) get suggestions in their card; default all, or
    :data:`SUGGEST_TOPICS_LARGE` on a graph of more than :data:`LARGE_GRAPH` comparisons.
    """
    from pyvis.network import Network  # late: pyvis brings jinja2; the build's overview uses the layout alone

    sel = select_topics(G, focus, depth, max_topics=max_topics, overview_topics=overview_topics)
    topics = sel["topics"]
    keep = set(topics)
    docs = G.graph.get("documents", {})

    def source(e: dict[str, Any]) -> str:
        return getattr(docs.get(e["doc"]), "path", "")

    pairs: dict[tuple[str, str, str], list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for u, v, e in G.edges(data=True):
        if u in keep and v in keep and u != v:
            pairs[(e["kind"], *sorted((u, v)))].append((u, v, e))
    if sel["mode"] == "overview" or len(pairs) > MAX_LINKS:
        strong = set(strongest_pairs({p: len(f) for p, f in pairs.items()}, overview_links))
        pairs = {p: f for p, f in pairs.items() if p in strong or sel["focus"] in p[1:]}
        sel["note"] += (f" Each topic shows its {overview_links} strongest link{'s' if overview_links != 1 else ''}"
                        " (most documents)" + (f", {G.nodes[sel['focus']]['name']} all of its own." if sel["focus"]
                                               else "."))
    if sel["mode"] == "overview":
        sel["note"] += " For every topic around one of interest, run: pickgraph view TOPIC"

    # layout and colours from what is drawn
    H = nx.Graph()
    H.add_nodes_from(topics)
    for kind, a, b in sorted(pairs):
        w = {VERSUS: 3.0, RELATED: 1.0, ALTERNATIVE: 1.5}[kind]
        H.add_edge(a, b, weight=max(w, H.edges[a, b]["weight"]) if H.has_edge(a, b) else w)
    versus_of = {t: _versus_of(G, t) for t in topics}
    compared_of = {t: len(versus_of[t]) for t in topics}
    boxes = {}
    for t in topics:
        size, font = node_size(compared_of[t]), font_size(compared_of[t])
        width = max(2.0 * size, 0.56 * font * len(G.nodes[t]["name"]))
        boxes[t] = (width, float(size), size + 4 + 1.2 * font)
    pos = spread(spring_positions(H, seed), boxes)
    groups = communities(H, seed)
    colour_of: dict[str, tuple[str, str]] = {}
    legend = []
    for i, members in enumerate(groups):
        colour = PALETTE[i] if i < len(PALETTE) - 1 or len(groups) == len(PALETTE) else OTHER_COLOUR
        for m in members:
            colour_of[m] = colour
        if colour is OTHER_COLOUR:
            continue
        top = sorted(members, key=lambda m: (-compared_of[m], -H.degree(m), m))[:2]
        legend.append({"colour": colour[0], "label": " · ".join(G.nodes[m]["name"] for m in top),
                       "count": len(members)})
    rest = sum(len(c) for c in groups[len(legend):])
    if rest:
        legend.append({"colour": OTHER_COLOUR[0], "label": "smaller groups", "count": rest})

    if suggest_topics is None:
        n_versus = sum(1 for _, _, e in G.edges(data=True) if e["kind"] == VERSUS)
        suggest_topics = len(topics) if n_versus <= LARGE_GRAPH else SUGGEST_TOPICS_LARGE
    with_suggestions = set(sorted(topics, key=lambda t: (-G.degree(t), t))[:suggest_topics])
    if with_suggestions:
        index = kept_index(G)  # once for every card (and kept across builds)

    net = Network(directed=True)
    cards: dict[str, dict[str, Any]] = {}
    for slug in topics:
        d = G.nodes[slug]
        wins = sum(1 for e in versus_of[slug] if e["pick"] == slug)
        open_ = sum(1 for e in versus_of[slug] if not e["pick"])
        compared = compared_of[slug]
        bg, border = colour_of[slug]
        x, y = pos[slug]
        net.add_node(slug, label=d["name"], shape="dot", x=x, y=y, size=node_size(compared),
                     font={"size": font_size(compared)},
                     color={"background": bg, "border": border,
                            "highlight": {"background": bg, "border": "#111111"},
                            "hover": {"background": bg, "border": "#111111"}},
                     borderWidth=2 if compared else 1)
        cards[slug] = {
            "name": d["name"],
            "slug": slug,
            "kind": d.get("kind", ""),
            "aliases": [lab for lab in d.get("labels", []) if lab != d["name"]],
            "text": _topic_text(d),
            "compared": compared, "wins": wins, "losses": compared - wins - open_, "no_pick": open_,
            "suggestions": _suggestions(G, slug, index) if slug in with_suggestions else None,
            "hidden_links": len(set(nx.all_neighbors(G, slug)) - set(H.adj[slug]) - {slug}),
        }

    contested = set(contested_pairs(G))
    edge_cards: dict[str, dict[str, Any]] = {}
    for (kind, a, b), found in sorted(pairs.items(), key=lambda p: (p[0][1], p[0][2], p[0][0])):
        found = sorted(found, key=lambda t: (source(t[2]), t[2]["doc"]))
        eid = f"{kind}:{a}|{b}"
        sources = sorted({source(e) for _, _, e in found})
        card: dict[str, Any] = {"kind": kind, "a": G.nodes[a]["name"], "b": G.nodes[b]["name"],
                                "sources": sources[:CARD_ITEMS], "more": max(0, len(found) - CARD_ITEMS)}
        if kind == VERSUS:
            picks = {e["pick"] for _, _, e in found if e["pick"]}
            is_contested = (a, b) in contested
            card["contested"] = is_contested
            card["verdicts"] = [{
                "title": e["title"],
                "pick": G.nodes[e["pick"]]["name"] if e["pick"] in G else None,
                "reason": pick_reason(docs.get(e["doc"]), getattr(docs.get(e["doc"]), "pick", None)),
                "source": source(e),
            } for _, _, e in found[:CARD_ITEMS]]
            width = 1.5 + min(len(found) - 1, 4) * 0.75
            if is_contested:
                net.add_edge(a, b, id=eid, kind=kind, contested=True, width=width, dashes=[8, 5],
                             arrows={"to": {"enabled": True, "scaleFactor": 0.6},
                                     "from": {"enabled": True, "scaleFactor": 0.6}},
                             color={"color": EDGE_STYLE["contested"], "highlight": EDGE_STYLE["contested"]},
                             label="contested", font={"size": 11, "color": EDGE_STYLE["contested"],
                                                      "strokeWidth": 3, "align": "top"})
            elif picks:
                (winner,) = picks
                loser = b if winner == a else a
                net.add_edge(loser, winner, id=eid, kind=kind, contested=False, width=width,
                             arrows={"to": {"enabled": True, "scaleFactor": 0.7}},
                             color={"color": EDGE_STYLE[VERSUS], "highlight": "#000000"})
            else:
                net.add_edge(a, b, id=eid, kind=kind, contested=False, width=width, arrows={"to": {"enabled": False}},
                             color={"color": EDGE_STYLE[VERSUS], "highlight": "#000000"})
        elif kind == RELATED:
            net.add_edge(a, b, id=eid, kind=kind, width=1, dashes=[3, 5], arrows={"to": {"enabled": False}},
                         color={"color": EDGE_STYLE[RELATED], "highlight": "#5c7a99", "opacity": 0.7},
                         smooth={"enabled": True, "type": "curvedCW", "roundness": 0.12})
        else:
            u, v = found[0][0], found[0][1]
            card["from"], card["to"] = G.nodes[u]["name"], G.nodes[v]["name"]
            net.add_edge(u, v, id=eid, kind=kind, width=1.5, dashes=[2, 4],
                         arrows={"to": {"enabled": True, "scaleFactor": 0.5}},
                         color={"color": EDGE_STYLE[ALTERNATIVE], "highlight": EDGE_STYLE[ALTERNATIVE]},
                         smooth={"enabled": True, "type": "curvedCCW", "roundness": 0.12})
        edge_cards[eid] = card

    net.options = _vis_options()
    nodes, edges, _heading, _h, _w, options = net.get_network_data()
    title = "pickgraph — " + (f"around {G.nodes[sel['focus']]['name']}" if sel["focus"] else "topic graph")
    return {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "cards": cards,
        "edge_cards": edge_cards,
        "legend": legend,
        "elsewhere": [[t, G.nodes[t]["name"]] for t in sorted(G.nodes) if t not in keep],
        # the Find box looks typed text up here: find_topic's own answers, so it selects what the CLI selects
        "find": topic_table(G),
        "suggest": {"word_weight": WORD_WEIGHT, "cutoff": SUGGEST_CUTOFF, "max_chars": SUGGEST_MAX_CHARS},
        "edge_legend": EDGE_STYLE,
        "meta": {
            "title": title,
            "mode": sel["mode"],
            "focus": sel["focus"],
            "depth": depth if sel["focus"] else None,
            "note": sel["note"],
            "topics_total": G.graph.get("topics_total", G.number_of_nodes()),
            "topics_shown": len(nodes),
            "edges_shown": len(edges),
        },
    }


def strongest_pairs(strength: dict[tuple[str, str, str], int], per_topic: int) -> list[tuple[str, str, str]]:
    """The ``(kind, a, b)`` links that are among the ``per_topic`` strongest of ``a`` or of ``b``.

    A comparison counts double; ties go to the alphabetically first. Sorted.

    >>> s = {("versus", "a", "b"): 1, ("related-to", "a", "c"): 1, ("related-to", "a", "d"): 5}
    >>> strongest_pairs(s, 1)
    [('related-to', 'a', 'c'), ('related-to', 'a', 'd'), ('versus', 'a', 'b')]
    """
    mine: dict[str, list[tuple[float, tuple[str, str, str]]]] = defaultdict(list)
    for p, n in strength.items():
        w = n * (2 if p[0] == VERSUS else 1)
        mine[p[1]].append((-w, p))
        mine[p[2]].append((-w, p))
    out = set()
    for links in mine.values():
        out.update(p for _, p in sorted(links)[:per_topic])
    return sorted(out)


def _versus_of(G: nx.MultiDiGraph, slug: str) -> list[dict[str, Any]]:
    """The attributes of every ``versus`` edge of ``slug`` (its comparison documents)."""
    edges = list(G.out_edges(slug, data=True)) + list(G.in_edges(slug, data=True))
    return [e for _, _, e in edges if e["kind"] == VERSUS]


def _vis_options() -> dict[str, Any]:
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "nodes": {
            "shape": "dot",
            # Labels too small to read at the current zoom are not drawn: zoom in to see them.
            "scaling": {"label": {"enabled": False, "drawThreshold": 6, "maxVisible": 40}},
            "font": {"face": "system-ui, sans-serif", "color": "#1d2430", "strokeWidth": 4, "strokeColor": "#ffffff"},
        },
        "edges": {"smooth": False, "selectionWidth": 1.5, "hoverWidth": 0.5},
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": True, "keyboard": False,
                        "multiselect": False, "hideEdgesOnDrag": False},
    }


# ----------------------------------------------------------------- page --

def safe_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line separators.

    >>> safe_json({"t": "</script><b>&\\u2028"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def vis_assets() -> tuple[str, str]:
    """The (JS, CSS) of the newest vis-network that the installed pyvis ships."""
    lib = resources.files("pyvis") / "lib"
    versions = []
    for entry in lib.iterdir():
        m = re.fullmatch(r"vis-(\d+)\.(\d+)\.(\d+)", entry.name)
        if m and (entry / "vis-network.min.js").is_file():
            versions.append((tuple(int(x) for x in m.groups()), entry))
    if not versions:
        raise HtmlError(f"no vis-network found in the pyvis package ({lib}); reinstall pyvis")
    folder = max(versions)[1]
    js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    css = (folder / "vis-network.css").read_text(encoding="utf-8") if (folder / "vis-network.css").is_file() else ""
    for text in (js, css):
        if re.search(r"</(script|style)", text, re.I):  # would end the inline element early
            raise HtmlError(f"{folder} cannot be inlined safely")
    return js, css


def _template(name: str) -> str:
    return (resources.files("graph.export") / "templates" / name).read_text(encoding="utf-8")


def render_html(data: dict[str, Any]) -> str:
    """The page for :func:`page_data`'s result, as one string."""
    vis_js, vis_css = vis_assets()
    parts = {
        "VIS_CSS": vis_css,
        "PAGE_CSS": _template("pickgraph.css"),
        "VIS_JS": vis_js,
        "PAGE_JS": _template("pickgraph.js"),
        "DATA": safe_json(data),
    }
    # One pass, so that text inserted for one marker is never searched for another.
    return re.sub(r"@@(VIS_CSS|PAGE_CSS|VIS_JS|PAGE_JS|DATA)@@", lambda m: parts[m.group(1)],
                  _template("page.html"))


def write_page(G: nx.MultiDiGraph, path: str | os.PathLike[str], focus: str | None = None, depth: int = 2,
               **options: Any) -> dict[str, Any]:
    """Write the interactive page of ``G`` (or of the neighbourhood of ``focus``) to ``path``, atomically,
    and say what is in it: the page's ``meta`` plus ``path`` and ``bytes``.

    ``focus`` is a topic's name, slug or alias; ``options`` go to :func:`page_data`
    (``max_topics``, ``overview_topics``, ``seed``). UTF-8, one file, no outside requests.
    """
    data = page_data(G, focus, depth, **options)
    blob = render_html(data).encode("utf-8")
    with atomic_open(path) as fh:
        fh.write(blob)
    return {**data["meta"], "path": str(path), "bytes": len(blob)}


__all__ = ["write_page", "page_data", "render_html", "select_topics", "spring_positions", "communities",
           "pick_reason", "safe_json", "vis_assets", "HtmlError", "MAX_TOPICS", "OVERVIEW_TOPICS"]
