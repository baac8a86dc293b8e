"""GraphML for Gephi, yEd and ``networkx.read_graphml``, written as text.

The schema is fixed (the attributes of :mod:`graph.kg.graph` that are scalars), so the
file can be written piece by piece: a header, the nodes, the edges, a footer.
The in-memory export writes them from the graph; the streaming build
(:mod:`graph.build.stream`) writes the edges from its worker processes. String
templates instead of an XML tree: faster than ``networkx.write_graphml`` (figures in
docs/performance.md) and no document tree in memory.

Alternative labels are one attribute holding a JSON array (``["Redis", "redis"]``):
Gephi and yEd show it as text, and any reader gets the exact list back with
``json.loads`` (a separator such as " | " could be part of a name). Edge ids
are ``{key}:{source}:{target}`` (the graph's key names the document, and one
document can link a topic to several others), unique in the file.

>>> print(node("redis", {"name": "Redis", "labels": '["Redis"]', "definition": "", "kind": "tool", "documents": 2,
...                      "wins": 1, "losses": 0, "comparisons": 1, "community": 0, "x": 0.0, "y": 0.0}), end="")
    <node id="redis">
      <data key="d0">Redis</data>
      <data key="d1">["Redis"]</data>
      <data key="d2" />
      <data key="d3">tool</data>
      <data key="d4">2</data>
      <data key="d5">1</data>
      <data key="d6">0</data>
      <data key="d7">1</data>
      <data key="d8">0</data>
      <data key="d9">0.0</data>
      <data key="d10">0.0</data>
    </node>
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graph.build.outdir import atomic_open
from graph.kg.communities import louvain
from graph.kg.graph import VERSUS

#: (for, attribute, GraphML type) in key-id order: d0, d1, …
KEYS: tuple[tuple[str, str, str], ...] = (
    ("node", "name", "string"), ("node", "labels", "string"), ("node", "definition", "string"),
    ("node", "kind", "string"), ("node", "documents", "long"),
    ("node", "wins", "long"), ("node", "losses", "long"), ("node", "comparisons", "long"),
    ("node", "community", "long"), ("node", "x", "double"), ("node", "y", "double"),
    ("edge", "kind", "string"), ("edge", "doc", "string"), ("edge", "source", "string"),
    ("edge", "pick", "string"), ("edge", "title", "string"),
)
_NODE_KEYS = [(f"d{i}", a) for i, (f, a, _) in enumerate(KEYS) if f == "node"]
_EDGE_KEYS = [(f"d{i}", a) for i, (f, a, _) in enumerate(KEYS) if f == "edge"]
_EDGE_KEY = {a: k for k, a in _EDGE_KEYS}

# XML 1.0 cannot hold these at all, even as character references
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTR_ONLY = (('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#09;"))


def _text(value: Any) -> str:
    """Character data: markup escaped, what XML cannot hold replaced (``in`` tests are cheap; most values pass)."""
    t = value if type(value) is str else str(value)
    if _ILLEGAL.search(t):
        t = _ILLEGAL.sub("\ufffd", t)
    if "&" in t:
        t = t.replace("&", "&amp;")
    if "<" in t:
        t = t.replace("<", "&lt;")
    if ">" in t:
        t = t.replace(">", "&gt;")
    return t


def _attr(value: Any) -> str:
    t = _text(value)
    for ch, ref in _ATTR_ONLY:
        if ch in t:
            t = t.replace(ch, ref)
    return t


def _data(key: str, value: Any) -> str:
    text = _text(value)
    return f'      <data key="{key}">{text}</data>\n' if text else f'      <data key="{key}" />\n'


def header() -> str:
    """Everything up to the first node."""
    keys = "".join(f'  <key id="d{i}" for="{f}" attr.name="{a}" attr.type="{t}" />\n'
                   for i, (f, a, t) in reversed(list(enumerate(KEYS))))
    return ("<?xml version='1.0' encoding='utf-8'?>\n"
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
            f'{keys}  <graph edgedefault="directed">\n')


def footer() -> str:
    return "  </graph>\n</graphml>\n"


def node(slug: str, attrs: Mapping[str, Any]) -> str:
    """One ``<node>`` with the node keys present in ``attrs``."""
    body = "".join(_data(k, attrs[a]) for k, a in _NODE_KEYS if a in attrs)
    return f'    <node id="{_attr(slug)}">\n{body}    </node>\n'


def edge_id(u: str, v: str, key: str) -> str:
    """The unique id of an edge (also its id in the CSV/TSV edge list).

    >>> edge_id("alpha", "shared", "related:0a1b")
    'related:0a1b:alpha:shared'
    """
    return f"{key}:{u}:{v}"


def edge(u: str, v: str, key: str, attrs: Mapping[str, Any]) -> str:
    """One ``<edge>``; attributes that are ``None`` or absent are left out."""
    parts = [f'    <edge source="{_attr(u)}" target="{_attr(v)}" id="{_attr(edge_id(u, v, key))}">\n']
    for k, a in _EDGE_KEYS:
        value = attrs.get(a)
        if value is not None:
            parts.append(_data(k, value))
    parts.append("    </edge>\n")
    return "".join(parts)


def labels_text(labels: Iterable[str]) -> str:
    """The ``labels`` attribute: a JSON array of the names, as tools read it back with ``json.loads``."""
    return json.dumps(list(labels), ensure_ascii=False)


def node_attrs(d: Mapping[str, Any], stats: Mapping[str, Any]) -> dict[str, Any]:
    """The GraphML attributes of a node of :mod:`graph.kg.graph` with its :func:`node_stats`."""
    return {"name": d["name"], "labels": labels_text(d["labels"]), "definition": d.get("definition", ""),
            "kind": d.get("kind", ""), "documents": len(d.get("documents", ())), **stats}


#: the seed of the communities (the same graph, the same communities on every run)
SEED = 7
#: above this many topics, the community is the connected component instead of Louvain's: Louvain's
#: time grows faster than the graph, the components' in step with it (docs/performance.md)
LOUVAIN_MAX = 50_000


def node_stats(nodes: Iterable[str], versus: Iterable[tuple[str, str, str | None]],
               links: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, Any]]:
    """Per topic: ``wins``, ``losses``, ``comparisons``, ``community`` and a layout (``x``, ``y``).

    ``versus`` holds ``(a, b, pick)`` per comparison, ``links`` ``(u, v, count)``
    per related or alternative pair. Communities are Louvain's (seeded) over
    both, numbered largest first; above :data:`LOUVAIN_MAX` topics, the
    connected components. The layout costs O(n), so that it stays cheap
    on the biggest graphs: each community is a disc of area proportional to its
    size, the discs laid out on a sunflower spiral (largest in the middle), the
    topics of a community on a sunflower inside its disc (most compared first).
    """
    nodes = sorted(nodes)
    stats = {n: {"wins": 0, "losses": 0, "comparisons": 0} for n in nodes}
    weight: dict[tuple[str, str], int] = {}
    for a, b, pick in versus:
        stats[a]["comparisons"] += 1
        stats[b]["comparisons"] += 1
        if pick in (a, b):
            stats[pick]["wins"] += 1
            stats[b if pick == a else a]["losses"] += 1
        pair = (a, b) if a < b else (b, a)
        weight[pair] = weight.get(pair, 0) + 1
    for u, v, count in links:
        pair = (u, v) if u < v else (v, u)
        weight[pair] = weight.get(pair, 0) + count
    if len(nodes) <= LOUVAIN_MAX:
        found = louvain(nodes, {(u, v): w for (u, v), w in sorted(weight.items()) if u != v}, seed=SEED)
    else:
        found = _components(nodes, weight)
    groups = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    golden = math.pi * (3 - math.sqrt(5))
    placed = 0
    for i, group in enumerate(groups):
        # the disc's centre: as far out as the area of the discs before it (and half its own)
        r = math.sqrt(placed + len(group) / 2)
        cx, cy = r * math.cos(i * golden), r * math.sin(i * golden)
        placed += len(group)
        group.sort(key=lambda t: (-stats[t]["comparisons"], t))
        for j, t in enumerate(group):
            rj = 0.5 * math.sqrt(j)
            stats[t].update(community=i, x=round(100 * (cx + rj * math.cos(j * golden)), 3),
                            y=round(100 * (cy + rj * math.sin(j * golden)), 3))
    return stats


def _components(nodes: list[str], weight: Mapping[tuple[str, str], int]) -> list[list[str]]:
    """The connected components (scipy: linear time, docs/performance.md): the communities of a big graph."""
    index = {t: i for i, t in enumerate(nodes)}
    rows = np.fromiter((index[u] for u, _ in weight), dtype=np.int64, count=len(weight))
    cols = np.fromiter((index[v] for _, v in weight), dtype=np.int64, count=len(weight))
    A = coo_matrix((np.ones(len(weight), dtype=np.int8), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(A, directed=False)
    out: dict[int, list[str]] = {}
    for t, c in zip(nodes, labels.tolist()):
        out.setdefault(c, []).append(t)
    return list(out.values())


def graph_stats(G: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    """:func:`node_stats` of an in-memory graph."""
    versus, links = [], {}
    for u, v, d in G.edges(data=True):
        if d["kind"] == VERSUS:
            versus.append((u, v, d.get("pick")))
        else:
            links[(u, v)] = links.get((u, v), 0) + 1
    return node_stats(G.nodes, versus, [(u, v, c) for (u, v), c in links.items()])


class KeptEdges:
    """The ``<edge>`` elements of an earlier build, by all they are spelt from: ``(u, v, key, source, pick)``.

    The key names the document (``versus:<sha>``), whose content fixes the kind and
    the title, so an element found under the same five is the one :func:`edge` spells.
    ``old``: the :attr:`new` of an earlier build; ``save`` is given :attr:`new` once
    the file is written.
    """

    def __init__(self, old: dict | None = None, save: Callable[[dict], None] | None = None):
        self.old = old or {}
        self.new: dict[tuple, str] = {}
        self.save = save

    def done(self) -> None:
        if self.save:
            self.save(self.new)


def write_graphml(G: nx.MultiDiGraph, path: str | os.PathLike[str], fragments: KeptEdges | None = None) -> None:
    """GraphML of ``G``: nodes sorted by slug, each node's out-edges sorted by key.

    ``fragments``: edge elements of an earlier build, reused (the file is the same either way).
    """
    docs = G.graph.get("documents", {})
    stats = graph_stats(G)
    old = fragments.old if fragments is not None else {}
    kept = fragments.new if fragments is not None else None
    with atomic_open(path) as fh:
        fh.write(header().encode())
        for n in sorted(G.nodes):
            fh.write(node(n, node_attrs(G.nodes[n], stats[n])).encode())
        chunk: list[str] = []
        for u in sorted(G.nodes):
            for _, v, k, d in sorted(G.out_edges(u, keys=True, data=True), key=lambda e: (e[2], e[1])):
                source = getattr(docs.get(d["doc"]), "path", "")
                spelt = old.get(memo := (u, v, k, source, d.get("pick")))
                if spelt is None:
                    attrs = {"kind": d["kind"], "doc": d["doc"], "source": source}
                    if d["kind"] == VERSUS:
                        attrs["pick"] = d["pick"] or ""
                        attrs["title"] = d["title"]
                    spelt = edge(u, v, k, attrs)
                if kept is not None:
                    kept[memo] = spelt
                chunk.append(spelt)
            if len(chunk) > 4096:
                fh.write("".join(chunk).encode())
                chunk.clear()
        fh.write(("".join(chunk) + footer()).encode())
    if fragments is not None:
        fragments.done()


def page_edges(edges: Mapping[tuple[str, str, str], Mapping[str, Any]], source: str) -> str:
    """The ``<edge>`` elements of one page's edges (:func:`graph.kg.graph.page_facts`), which share its source file.

    Faster than :func:`edge` per edge: the document and the source are escaped once.
    """
    parts = []
    K = _EDGE_KEY
    src = _data(K["source"], source)
    for (u, v, key), d in edges.items():
        parts.append(f'    <edge source="{_attr(u)}" target="{_attr(v)}" id="{_attr(edge_id(u, v, key))}">\n'
                     f'      <data key="{K["kind"]}">{d["kind"]}</data>\n'
                     f'      <data key="{K["doc"]}">{_text(d["doc"])}</data>\n{src}')
        if d["kind"] == VERSUS:
            parts.append(_data(K["pick"], d["pick"] or ""))
            parts.append(_data(K["title"], d["title"]))
        parts.append("    </edge>\n")
    return "".join(parts)


__all__ = ["KEYS", "KeptEdges", "LOUVAIN_MAX", "SEED", "edge", "edge_id", "footer", "graph_stats", "header", "labels_text", "node", "node_attrs",
           "node_stats", "page_edges", "write_graphml"]
