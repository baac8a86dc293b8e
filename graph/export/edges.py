"""The graph as an edge list: CSV for pandas and spreadsheets, TSV in the KGTK edge format.

One row per edge of the graph, with the header ``node1, label, node2, id, source``:
``node1``/``node2`` are topic slugs, ``label`` the edge kind (``versus``,
``related-to``, ``alternative-to``), ``id`` the edge's id (the same as in the
GraphML file) and ``source`` the file of the page that says it. A comparison's
pick is a KGTK qualifier: one more row whose ``node1`` is the comparison edge's
id, ``label`` is ``pick`` and ``node2`` the winner (``id`` is ``{edge id}-pick``).

Rows are sorted by ``node1``, then by key and ``node2``, as the GraphML edges
are, so the bytes are the same on every run. In the TSV, ``source`` is a KGTK
string (in double quotes, ``\\``, ``"``, tabs and newlines escaped); slugs and
ids are KGTK symbols as they are. The CSV quotes as RFC 4180 says.

>>> rows(_example())
[('alpha', 'versus', 'beta', 'versus:s1:alpha:beta', 'a.txt'), ('versus:s1:alpha:beta', 'pick', 'alpha', 'versus:s1:alpha:beta-pick', 'a.txt')]
"""

from __future__ import annotations

import csv
import io
import os
from types import SimpleNamespace

import networkx as nx

from graph.build.outdir import atomic_write_bytes
from graph.kg.graph import VERSUS
from graph.export.graphml import edge_id

HEADER = ("node1", "label", "node2", "id", "source")


def rows(G: nx.MultiDiGraph) -> list[tuple[str, str, str, str, str]]:
    """The edge list of ``G`` (see the module docstring), in file order."""
    docs = G.graph.get("documents", {})
    out = []
    for u in sorted(G.nodes):
        for _, v, k, d in sorted(G.out_edges(u, keys=True, data=True), key=lambda e: (e[2], e[1])):
            eid, source = edge_id(u, v, k), getattr(docs.get(d["doc"]), "path", "")
            out.append((u, d["kind"], v, eid, source))
            if d["kind"] == VERSUS and d.get("pick"):
                out.append((eid, "pick", d["pick"], f"{eid}-pick", source))
    return out


def write_csv(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """The edge list as CSV (UTF-8, ``\\n`` line ends, a header row)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows(G))
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


_KGTK_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r", "|": "\\|"})


def kgtk_string(text: str) -> str:
    """A KGTK string value.

    >>> print(kgtk_string('a "b"\\tc'))
    "a \\"b\\"\\tc"
    """
    return '"' + text.translate(_KGTK_ESCAPES) + '"'


def write_tsv(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """The edge list as a KGTK edge file (tab-separated, a header row)."""
    lines = ["\t".join(HEADER)]
    lines += ["\t".join((u, label, v, eid, kgtk_string(source))) for u, label, v, eid, source in rows(G)]
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _example() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(documents={"s1": SimpleNamespace(path="a.txt")})
    G.add_edge("alpha", "beta", key="versus:s1", kind="versus", doc="s1", pick="alpha", title="Alpha vs Beta")
    return G


__all__ = ["HEADER", "kgtk_string", "rows", "write_csv", "write_tsv"]
