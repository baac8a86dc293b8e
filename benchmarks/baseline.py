"""The baseline: what a user would write with the card's packages alone (rdflib and a regex).

It reads every ``*.txt`` page under a folder with a small regex parser of its own
(title, pick, each card's related slugs), adds triples one by one to an rdflib
in-memory ``Graph`` — each topic with its label, one comparison node per page with
``pg:comparedTopic`` and ``pg:pick``, and ``pg:relatedTo`` between topics — and then
either writes Turtle (``--turtle FILE``, the counterpart of ``pickgraph build``) or runs
rdflib's SPARQL engine on a "you might also compare" query for one topic
(``--query-topic SLUG``, the counterpart of ``graph/sparql/queries/also-compare.rq``).

It prints one JSON line per finished phase (flushed, so a run killed by a timeout
still tells how far it got), e.g.
``{"phase": "parse", "seconds": 1.2, "pages": 1000}``.

Usage: python -m benchmarks.baseline CORPUS (--turtle OUT.ttl | --query-topic SLUG)

This is deliberately plain: no repair of mojibake, no alias resolution, no
rejection of broken pages. It measures the cost of the storage and query engine
a user gets for free, not a second pickgraph.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

NS = "https://w3id.org/pickgraph/"

_TITLE = re.compile(r"^\s*(\S.*?)\s+vs\.?\s+(\S.*?)\s*$")
_WINS = re.compile(r"^\s*(\S.*?)\s+wins\s*$")
_RELATED = re.compile(r"Related to:(.*)$")

ALSO_COMPARE = """
PREFIX pg: <https://w3id.org/pickgraph/ns#>
SELECT ?candidate (COUNT(DISTINCT ?shared) AS ?sharedCount)
WHERE {
  ?topic pg:relatedTo|^pg:relatedTo ?shared .
  ?candidate pg:relatedTo|^pg:relatedTo ?shared .
  ?candidate a pg:Topic .
  FILTER (?candidate != ?topic)
  MINUS { ?c pg:comparedTopic ?topic , ?candidate }
}
GROUP BY ?candidate
ORDER BY DESC(?sharedCount) ?candidate
"""


def slug(name: str) -> str:
    """A name as a lowercase-hyphenated slug.

    >>> slug("Node.js vs  C++")
    'node-js-vs-c'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_page(text: str) -> dict[str, Any] | None:
    """Title, the two topics, the pick and each card's related slugs of one page (``None``: not a comparison).

    The first ``Related to:`` line belongs to the first card (topic A), the second to B.

    >>> page = "Dynamic\\n\\nGo vs Rust\\n\\nGo\\n  • +Related to: c, zig\\n\\nRust\\n  • +Related to: c\\n\\nGo wins\\n"
    >>> p = parse_page(page)
    >>> p["topics"], p["pick"], p["related"]
    (['Go', 'Rust'], 'Go', [['c', 'zig'], ['c']])
    """
    title = pick = None
    related: list[list[str]] = []
    for line in text.splitlines():
        if title is None:
            m = _TITLE.match(line)
            if m:
                title = (m.group(1), m.group(2))
            continue
        m = _RELATED.search(line)
        if m:
            related.append([s.strip() for s in m.group(1).split(",") if s.strip()])
            continue
        m = _WINS.match(line)
        if m:
            pick = m.group(1)
    if title is None:
        return None
    return {"title": f"{title[0]} vs {title[1]}", "topics": list(title),
            "pick": pick if pick in title else None, "related": (related + [[], []])[:2]}


def build_graph(folder: str, report) -> Any:
    """An rdflib ``Graph`` of every page under ``folder``; ``report(phase, **figures)`` after each phase."""
    import hashlib

    t = time.perf_counter()
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, RDFS, SKOS

    report("import", seconds=time.perf_counter() - t)
    t = time.perf_counter()
    pages = []
    for path in sorted(Path(folder).rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        page = parse_page(text)
        if page:
            page["id"] = hashlib.sha256(text.encode()).hexdigest()
            pages.append(page)
    report("parse", seconds=time.perf_counter() - t, pages=len(pages))

    t = time.perf_counter()
    PG = Namespace(NS + "ns#")
    g = Graph()
    g.bind("pg", PG)
    g.bind("skos", SKOS)
    topic = lambda s: URIRef(f"{NS}topic/{s}")  # noqa: E731
    labelled: set[str] = set()
    for page in pages:
        c = URIRef(f"{NS}comparison/{page['id']}")
        g.add((c, RDF.type, PG.Comparison))
        g.add((c, RDFS.label, Literal(page["title"])))
        for name, rel in zip(page["topics"], page["related"]):
            s = slug(name)
            if s not in labelled:
                labelled.add(s)
                g.add((topic(s), RDF.type, PG.Topic))
                g.add((topic(s), SKOS.prefLabel, Literal(name)))
            g.add((c, PG.comparedTopic, topic(s)))
            for r in rel:
                g.add((topic(s), PG.relatedTo, topic(slug(r))))
        if page["pick"]:
            g.add((c, PG.pick, topic(slug(page["pick"]))))
    report("graph", seconds=time.perf_counter() - t, triples=len(g))
    return g


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.baseline", description=__doc__.splitlines()[0])
    ap.add_argument("corpus", help="folder of pages (*.txt, recursively)")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--turtle", metavar="FILE", help="write the graph as Turtle to FILE")
    what.add_argument("--query-topic", metavar="SLUG", help="run the 'you might also compare' query for SLUG")
    args = ap.parse_args(argv)

    def report(phase: str, **figures: Any) -> None:
        figures = {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}
        print(json.dumps({"phase": phase, **figures}), flush=True)

    g = build_graph(args.corpus, report)
    t = time.perf_counter()
    if args.turtle:
        g.serialize(destination=args.turtle, format="turtle")
        report("turtle", seconds=time.perf_counter() - t, bytes=Path(args.turtle).stat().st_size)
    else:
        from rdflib import URIRef

        rows = list(g.query(ALSO_COMPARE, initBindings={"topic": URIRef(f"{NS}topic/{args.query_topic}")}))
        report("query", seconds=time.perf_counter() - t, rows=len(rows),
               top=[str(r[0]).rsplit("/", 1)[-1] for r in rows[:5]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
