"""GraphML for Gephi, yEd and ``networkx.read_graphml``, written as text.

The schema is fixed (the attributes of :mod:`graph.kg` that are scalars), so the
file can be written piece by piece: a header, the nodes, the edges, a footer.
The in-memory export writes them from the graph; the streaming build
(:mod:`graph.stream`) writes the edges from its worker processes. String
templates instead of an XML tree: about ten times faster than
``networkx.write_graphml`` and no document tree in memory.

>>> print(node("redis", {"name": "Redis", "labels": "Redis", "definition": "", "kind": "tool", "documents": 2}), end="")
    <node id="redis">
      <data key="d0">Redis</data>
      <data key="d1">Redis</data>
      <data key="d2" />
      <data key="d3">tool</data>
      <data key="d4">2</data>
    </node>
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import networkx as nx

from ..export import atomic_open

#: (for, attribute, GraphML type) in key-id order: d0, d1, …
KEYS: tuple[tuple[str, str, str], ...] = (
    ("node", "name", "string"), ("node", "labels", "string"), ("node", "definition", "string"),
    ("node", "kind", "string"), ("node", "documents", "long"),
    ("edge", "kind", "string"), ("edge", "doc", "string"), ("edge", "source", "string"),
    ("edge", "pick", "string"), ("edge", "title", "string"),
)
_NODE_KEYS = [(f"d{i}", a) for i, (f, a, _) in enumerate(KEYS) if f == "node"]
_EDGE_KEYS = [(f"d{i}", a) for i, (f, a, _) in enumerate(KEYS) if f == "edge"]

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


def edge(u: str, v: str, key: str, attrs: Mapping[str, Any]) -> str:
    """One ``<edge>``; attributes that are ``None`` or absent are left out."""
    parts = [f'    <edge source="{_attr(u)}" target="{_attr(v)}" id="{_attr(key)}">\n']
    for k, a in _EDGE_KEYS:
        value = attrs.get(a)
        if value is not None:
            parts.append(_data(k, value))
    parts.append("    </edge>\n")
    return "".join(parts)


def node_attrs(d: Mapping[str, Any]) -> dict[str, Any]:
    """The GraphML attributes of a node of :mod:`graph.kg`."""
    return {"name": d["name"], "labels": " | ".join(d["labels"]), "definition": d.get("definition", ""),
            "kind": d.get("kind", ""), "documents": len(d.get("documents", ()))}


def write_graphml(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """GraphML of ``G``: nodes sorted by slug, each node's out-edges sorted by key."""
    docs = G.graph.get("documents", {})
    with atomic_open(path) as fh:
        fh.write(header().encode())
        for n in sorted(G.nodes):
            fh.write(node(n, node_attrs(G.nodes[n])).encode())
        chunk: list[str] = []
        for u in sorted(G.nodes):
            for _, v, k, d in sorted(G.out_edges(u, keys=True, data=True), key=lambda e: (e[2], e[1])):
                attrs = {"kind": d["kind"], "doc": d["doc"], "source": getattr(docs.get(d["doc"]), "path", "")}
                if d["kind"] == "versus":
                    attrs["pick"] = d["pick"] or ""
                    attrs["title"] = d["title"]
                chunk.append(edge(u, v, k, attrs))
            if len(chunk) > 4096:
                fh.write("".join(chunk).encode())
                chunk.clear()
        fh.write(("".join(chunk) + footer()).encode())


def page_edges(edges: Mapping[tuple[str, str, str], Mapping[str, Any]], source: str) -> str:
    """The ``<edge>`` elements of one page's edges (:func:`graph.kg.page_facts`), which share its source file.

    Faster than :func:`edge` per edge: the document and the source are escaped once.
    """
    parts = []
    src = _data("d7", source)
    for (u, v, key), d in edges.items():
        parts.append(f'    <edge source="{_attr(u)}" target="{_attr(v)}" id="{_attr(key)}">\n'
                     f'      <data key="d5">{d["kind"]}</data>\n      <data key="d6">{_text(d["doc"])}</data>\n{src}')
        if d["kind"] == "versus":
            parts.append(_data("d8", d["pick"] or ""))
            parts.append(_data("d9", d["title"]))
        parts.append("    </edge>\n")
    return "".join(parts)


__all__ = ["KEYS", "edge", "footer", "header", "node", "node_attrs", "page_edges", "write_graphml"]
