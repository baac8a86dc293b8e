"""SPARQL results written from rows, so that a row cap can stop a query midway.

pyoxigraph serializes a whole result stream; a query over the cap must be
stopped before its rows are all read, so the rows are read here one by one
and written in the four standard formats (JSON, XML, CSV, TSV).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: results format → media type (SELECT and ASK)
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: RDF format → media type (CONSTRUCT and DESCRIBE)
GRAPH_TYPES = {"turtle": "text/turtle", "ntriples": "application/n-triples"}


def _kind(term) -> str:
    import pyoxigraph as ox

    return "uri" if isinstance(term, ox.NamedNode) else "bnode" if isinstance(term, ox.BlankNode) else "literal"


def _json_term(term) -> dict[str, str]:
    out = {"type": _kind(term), "value": term.value}
    if out["type"] == "literal":
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
    return out


def _xml_term(term) -> str:
    kind = _kind(term)
    if kind != "literal":
        return f"<{kind}>{escape(term.value)}</{kind}>"
    attr = (f" xml:lang={quoteattr(term.language)}" if term.language else
            f" datatype={quoteattr(term.datatype.value)}" if term.datatype.value != XSD_STRING else "")
    return f"<literal{attr}>{escape(term.value)}</literal>"


def write_solutions(names: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    """``rows`` (terms or ``None``, in the order of ``names``) as a results document in ``fmt``."""
    if fmt == "json":
        bindings = [{n: _json_term(t) for n, t in zip(names, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(n)}/>" for n in names]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>" + "".join(f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                                            for n, t in zip(names, row) if t is not None) + "</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        w.writerows([["" if t is None else f"_:{t.value}" if _kind(t) == "bnode" else t.value for t in row]
                     for row in rows])
        return buf.getvalue().encode()
    if fmt == "tsv":  # terms in their N-Triples form, as the TSV format asks
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown results format {fmt!r}")
