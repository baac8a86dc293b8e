"""The knowledge graph: a :class:`networkx.MultiDiGraph` of topics.

Schema (every later stage reads only this):

Nodes — one per canonical topic slug:
    ``name``          display name (str)
    ``labels``        every spelling seen, sorted (list[str]); ``name`` is one of them
    ``descriptions``  ``[(text, doc_sha256), …]`` from the cards of comparison pages
    ``definition``    from a topic page, or ``""``
    ``kind``          the topic page's kind line (``concept``, ``tool``…), or ``""``
    ``documents``     sha256 of every page that names the topic (list[str], sorted)

Edges — keyed so that each carries its provenance (the document that said it):
    ``versus``          key ``versus:<sha>``: from the title's first topic to its second;
                        ``pick`` (winner's slug or ``None``), ``doc``, ``title``
    ``related-to``      key ``related:<sha>``: a card's ``Related to:`` slug, in the direction
                        the page lists it; ``doc``
    ``alternative-to``  key ``alternative:<sha>``: from a topic page's "Alternatives to X"; ``doc``

Graph attributes (``G.graph``):
    ``documents``  ``{sha: Comparison | TopicPage}`` — the records, for explanations
    ``identity``   the :class:`~graph.resolve.names.Identity` (merges, aliases)
    ``report``     ``{"duplicates": […], "rejections": […], "warnings": […]}`` as plain dicts
    ``summary``    the counts of the build that made the graph (``pickgraph build``'s summary)

:func:`graph.build.pipeline.build` adds ``inputs``, ``alias_file``, ``fingerprint`` (``None`` when the
pages changed while read), ``changed_during_build`` and ``page_files`` (each page file's size,
mtime, ctime and sha256, which the next build's reuse reads; not kept in the query cache).

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> sorted(G.nodes)
['caching', 'key-value-stores', 'memcached', 'redis']
>>> [(u, v, d["pick"]) for u, v, d in G.edges(data=True) if d["kind"] == VERSUS]
[('redis', 'memcached', 'redis')]
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Iterator

from graph.kg.facts import ALTERNATIVE, RELATED, VERSUS, Accumulator, feed, identity_facts, page_facts, resolve_report
from graph.build.progress import iterate
from graph.read.records import ReadReport
from graph.errors import UnknownTopic
from graph.resolve.names import Identity, label_from_slug, slugify

if TYPE_CHECKING:
    import networkx as nx

SCHEMA_VERSION = 1

__all__ = ["VERSUS", "RELATED", "ALTERNATIVE", "SCHEMA_VERSION", "Accumulator", "build_graph", "graph_of",
           "identity_facts", "feed", "page_facts", "resolve_report", "versus_edges", "related",
           "pair_picks", "contested_pairs", "find_topic", "closest_topics", "spelling_key", "topic_table",
           "spellings", "suggestion_text"]


def build_graph(report: ReadReport, identity: Identity | None = None) -> nx.MultiDiGraph:
    """Build the topic graph from read pages (see the module docstring for the schema)."""
    ident = identity or resolve_report(report)
    acc = Accumulator()
    docs: dict[str, Any] = {}
    for page in iterate(sorted(report.pages, key=lambda p: p.sha256), "building the graph", len(report.pages), "page"):
        docs[page.sha256] = page
        acc.add(page, page_facts(page, ident.canonical))
    return graph_of(acc, ident, docs, report)


def graph_of(acc: Accumulator, ident: Identity, docs: dict[str, Any], report: ReadReport) -> nx.MultiDiGraph:
    """The graph of the pages folded into ``acc`` (kept per document), named by ``ident``."""
    if not acc.per_document:
        raise ValueError("a graph needs the facts of each document (Accumulator(per_document=True))")
    # late: networkx costs most of a query process's start-up, and a query reads the graph's part from the
    # query index without it (graph.kg.part); only making a graph needs it
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_nodes_from(acc.node_order())
    G.add_edges_from(acc.edge_order())
    for s, attrs in G.nodes(data=True):
        attrs["name"] = ident.names.get(s) or label_from_slug(s)
        attrs["labels"] = ident.labels.get(s) or [attrs["name"]]
        attrs["descriptions"] = sorted(set(acc.descriptions.get(s, ())), key=lambda d: (d[1], d[0]))
        attrs["definition"], attrs["kind"] = acc.topic(s)
        attrs["documents"] = sorted(acc.mentions.get(s, ()))
    G.graph.update(
        schema_version=SCHEMA_VERSION,
        documents=docs,
        identity=ident,
        report={
            "duplicates": [d.to_dict() for d in report.duplicates],
            "rejections": [r.to_dict() for r in report.rejections],
            "warnings": sorted(acc.warnings, key=lambda w: (w["path"], w["line"], w["reason"])),
        },
        # the counts of the build that made the graph, kept by the accumulator (no walk over every edge)
        summary=acc.summary(len(report.duplicates), len(report.rejections)),
    )
    return G


# ------------------------------------------------------------- accessors --

def versus_edges(G: nx.MultiDiGraph, topic: str | None = None,
                 other: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """Every ``versus`` edge (of one topic, if given; with ``other``, only those between the two), sorted by document.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph([("a", "b", {"kind": VERSUS, "doc": "d2"}), ("c", "a", {"kind": VERSUS, "doc": "d1"})])
    >>> [(u, v) for u, v, _ in versus_edges(G, "a")], [(u, v) for u, v, _ in versus_edges(G, "a", "b")]
    ([('c', 'a'), ('a', 'b')], [('a', 'b')])
    """
    if topic is None:
        out = [(u, v, d) for u, v, d in G.edges(data=True) if d["kind"] == VERSUS]
    else:
        # the adjacency dicts themselves: a multigraph's edge view counts its edges by walking them, so
        # list(view) walked a topic's edges twice, and a hub has hundreds (compare and why ask several times)
        succ, pred = G._succ[topic], G._pred[topic]
        if other is None:
            out = [(topic, v, d) for v, keyed in succ.items() for d in keyed.values() if d["kind"] == VERSUS]
            out += [(u, topic, d) for u, keyed in pred.items() for d in keyed.values() if d["kind"] == VERSUS]
        else:
            out = [(topic, other, d) for d in succ.get(other, {}).values() if d["kind"] == VERSUS]
            out += [(other, topic, d) for d in pred.get(other, {}).values() if d["kind"] == VERSUS]
    return sorted(out, key=lambda e: (e[2]["doc"], e[0], e[1]))


def related(G: nx.MultiDiGraph, topic: str) -> list[str]:
    """Topics this one is related to, in either direction, sorted and distinct."""
    out = {v for v, keyed in G._succ[topic].items() if any(d["kind"] == RELATED for d in keyed.values())}
    out |= {u for u, keyed in G._pred[topic].items() if any(d["kind"] == RELATED for d in keyed.values())}
    return sorted(out)


def pair_picks(G: nx.MultiDiGraph, topic: str | None = None) -> dict[tuple[str, str], list[tuple[str | None, str]]]:
    """``{(a, b) sorted: [(pick, doc), …]}`` for every compared pair (of ``topic``, if given)."""
    out: dict[tuple[str, str], list[tuple[str | None, str]]] = defaultdict(list)
    for u, v, d in versus_edges(G, topic):
        out[tuple(sorted((u, v)))].append((d["pick"], d["doc"]))
    return dict(out)


def contested_pairs(G: nx.MultiDiGraph, topic: str | None = None) -> list[tuple[str, str]]:
    """Pairs whose documents pick different winners (pairs of ``topic`` only, if given: much cheaper)."""
    return sorted(p for p, picks in pair_picks(G, topic).items() if len({w for w, _ in picks if w}) > 1)


def find_topic(G: nx.MultiDiGraph, query: str) -> str:
    """The slug of the topic a user means by ``query`` (a name, slug or alias, any case, hyphens optional).

    The one rule for every front end: the CLI, the Python query functions, ``serve``'s API and
    explorer, and (through :func:`topic_table`) the HTML page's Find box.
    Raises :class:`~graph.errors.UnknownTopic` with the closest matches.
    """
    s = slugify(query)
    ident: Identity | None = G.graph.get("identity")
    if ident is not None:
        s = ident.canon.get(s, s)
    if s in G:
        return s
    bare = s.replace("-", "")
    for n in G.nodes:
        if n.replace("-", "") == bare:
            return n
    raise UnknownTopic(query, closest_topics(G, query))


def spelling_key(text: str) -> str:
    """A typed spelling as the HTML page compares it: lower case, white space collapsed.

    >>> spelling_key("  Canary   RELEASE ")
    'canary release'
    """
    return " ".join(text.lower().split())


def topic_table(G: nx.MultiDiGraph) -> dict[str, str]:
    """``{spelling_key(spelling): slug}`` for every slug, name, label and alias of ``G``, each as
    :func:`find_topic` resolves it: the HTML page looks typed text up here rather than matching on
    a rule of its own."""
    table: dict[str, str] = {}
    for spelling in sorted({s for s, _ in spellings(G)}):
        key = spelling_key(spelling)
        if key and key not in table:
            try:
                table[key] = find_topic(G, spelling)
            except UnknownTopic:  # a label whose slug the identity merged away from every node
                continue
    return table


def spellings(G: nx.MultiDiGraph) -> Iterator[tuple[str, str]]:
    """``(spelling, slug)`` for every slug, name and label of each topic, and every alias the identity
    maps to one (the alias file's names, as slugs)."""
    for n, d in G.nodes(data=True):
        yield n, n
        yield d.get("name", n), n
        for label in d.get("labels", ()):
            yield label, n
    ident: Identity | None = G.graph.get("identity")
    for alias, n in (ident.canon.items() if ident is not None else ()):
        if n in G:
            yield alias, n


def suggestion_text(text: str) -> str:
    """A spelling as :func:`closest_topics` scores it: ASCII letters and digits in lower case, words
    split by one space (the HTML page's script folds the same way).

    >>> suggestion_text("Node.js  (Runtime)")
    'node js runtime'
    """
    return " ".join(_NOT_WORD.split(text.lower())).strip()


_NOT_WORD = re.compile(r"[^0-9a-z]+")
#: a label's single word counts, but a little less than the whole label
WORD_WEIGHT = 0.9
#: the lowest score that still makes a suggestion
SUGGEST_CUTOFF = 0.6
#: a longer query is no misspelt name, and scoring it against every label would cost time in proportion
SUGGEST_MAX_CHARS = 200


#: each graph's texts to score, made on its first unknown topic (a server is asked again and again)
_TEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _suggestion_texts(G: nx.MultiDiGraph) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``({text: names it stands for}, {word of a text of several words: those texts})`` of every spelling."""
    kept = _TEXTS.get(G)
    if kept is not None and kept[0] == G.number_of_nodes():
        return kept[1]
    names_of: dict[str, set[str]] = defaultdict(set)
    seen: set[tuple[str, str]] = set()
    for spelling, n in spellings(G):
        if (spelling, n) not in seen:  # a slug, its name and its labels are often one spelling
            seen.add((spelling, n))
            names_of[suggestion_text(spelling)].add(G.nodes[n].get("name", n))
    in_words: dict[str, set[str]] = defaultdict(set)
    for text in names_of:
        if " " in text:
            for w in text.split(" "):
                in_words[w].add(text)
    _TEXTS[G] = (G.number_of_nodes(), (names_of, in_words))
    return names_of, in_words


def closest_topics(G: nx.MultiDiGraph, query: str, limit: int = 3) -> list[str]:
    """Names of the topics whose labels are nearest to ``query``, nearest first.

    A spelling's (:func:`spellings`) score is its Indel similarity to the query (``2·LCS / (len(q) + len(label))``, after
    :func:`suggestion_text`), or :data:`WORD_WEIGHT` times that of its best single word; those of at
    least :data:`SUGGEST_CUTOFF` are ranked by score, then name; none for a query of more than
    :data:`SUGGEST_MAX_CHARS` characters (after :func:`suggestion_text`). Simple on purpose: the HTML page's
    script (graph/export/templates/pickgraph.js, ``closest``) computes the same numbers in the browser.
    """
    # late: rapidfuzz costs start-up of every query command, and only a name not found needs it
    from rapidfuzz import process
    from rapidfuzz.distance import Indel  # late: as above

    q = suggestion_text(query)
    if not q or len(q) > SUGGEST_MAX_CHARS:
        return []
    names_of, in_words = _suggestion_texts(G)
    # every text and word scored in C (the same numbers as one by one); only the few near ones in Python.
    # The cut-offs a little lower: rapidfuzz drops some scores right at its cut-off; the exact test is below.
    score: dict[str, float] = {}
    for text, s, _ in process.extract(q, list(names_of), scorer=Indel.normalized_similarity, limit=None,
                                      score_cutoff=SUGGEST_CUTOFF - 0.05):
        score[text] = s
    for w, s, _ in process.extract(q, list(in_words), scorer=Indel.normalized_similarity, limit=None,
                                   score_cutoff=SUGGEST_CUTOFF / WORD_WEIGHT - 0.05):
        for text in in_words[w]:
            score[text] = max(score.get(text, 0.0), WORD_WEIGHT * s)
    best: dict[str, float] = {}
    for text, s in score.items():
        if s >= SUGGEST_CUTOFF:
            for name in names_of[text]:
                best[name] = max(best.get(name, 0.0), s)
    return sorted(best, key=lambda name: (-best[name], name))[:limit]
