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
    ``identity``   the :class:`~graph.resolve.Identity` (merges, aliases)
    ``report``     ``{"duplicates": […], "rejections": […], "warnings": […]}`` as plain dicts

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.model import ReadReport
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> sorted(G.nodes)
['caching', 'key-value-stores', 'memcached', 'redis']
>>> [(u, v, d["pick"]) for u, v, d in G.edges(data=True) if d["kind"] == VERSUS]
[('redis', 'memcached', 'redis')]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import networkx as nx

from .read.model import Comparison, ReadReport, TopicPage
from .resolve import AliasFile, Identity, Resolver, label_from_slug, slugify

VERSUS = "versus"
RELATED = "related-to"
ALTERNATIVE = "alternative-to"
SCHEMA_VERSION = 1


def identity_facts(page: Comparison | TopicPage) -> list[tuple[str, ...]]:
    """What one page tells the resolver, as small tuples a worker process can return.

    ``("name", name)``, ``("slug", slug)`` or ``("page", name, path, *aliases)``.
    """
    if isinstance(page, Comparison):
        facts = [("name", name) for name in page.topics]
        facts += [("slug", s) for card in page.cards for s in card.related]
        return facts
    return [("page", page.name, page.path, *page.aliases)] + [
        ("name", n) for n in page.related_tools + page.alternatives]


def feed(resolver: Resolver, facts: list[tuple[str, ...]]) -> None:
    """Give a :class:`Resolver` the facts of :func:`identity_facts`."""
    for fact in facts:
        if fact[0] == "name":
            resolver.add_name(fact[1])
        elif fact[0] == "slug":
            resolver.add_slug(fact[1])
        else:
            resolver.add_topic_page(fact[1], tuple(fact[3:]), fact[2])


def resolve_report(report: ReadReport, alias_file: AliasFile | None = None) -> Identity:
    """Feed every name and slug of the report to a :class:`Resolver`."""
    r = Resolver(alias_file)
    for page in report.pages:
        feed(r, identity_facts(page))
    return r.resolve()


def page_facts(page: Comparison | TopicPage, canon: Callable[[str], str]) -> dict[str, Any]:
    """What one page adds to the graph, as plain data (the in-memory and the streaming build share it).

    ``nodes`` (slugs, in the order they are met), ``edges`` (``(u, v, key, attrs)``),
    ``mentions`` (topics whose card or topic page the page is), ``descriptions``
    (``(slug, text)``), ``definition`` (``(slug, text, kind)`` of a topic page) and
    ``warnings`` (``(line, reason)``).
    """
    sha = page.sha256
    facts: dict[str, Any] = {"nodes": [], "edges": {}, "mentions": [], "descriptions": [], "definition": None,
                             "warnings": [(0, w) for w in page.warnings]}
    nodes, edges = facts["nodes"], facts["edges"]
    if isinstance(page, Comparison):
        a, b = canon(page.topics[0]), canon(page.topics[1])
        nodes += [a, b]
        if a == b:
            facts["warnings"].append((page.title_line, f"{page.topics[0]!r} and {page.topics[1]!r} resolve to one "
                                      f"topic ({a}); the comparison is kept as a document but draws no edge"))
            return facts
        pick = canon(page.pick) if page.pick else None
        edges[(a, b, f"versus:{sha}")] = {"kind": VERSUS, "pick": pick, "doc": sha, "title": page.title}
        for card in page.cards:
            t = canon(card.name)  # the reader names cards as the title does: t is a or b
            facts["mentions"].append(t)
            if card.description:
                facts["descriptions"].append((t, card.description))
            for rs in card.related:
                u = canon(rs)
                nodes.append(u)
                if u != t:
                    edges[(t, u, f"related:{sha}")] = {"kind": RELATED, "doc": sha}
    else:
        t = canon(page.name)
        nodes.append(t)
        facts["mentions"].append(t)
        facts["definition"] = (t, page.definition, page.kind)
        for kind, key, names in ((RELATED, "related", page.related_tools), (ALTERNATIVE, "alternative", page.alternatives)):
            for n in names:
                u = canon(n)
                nodes.append(u)
                if u != t:
                    edges[(t, u, f"{key}:{sha}")] = {"kind": kind, "doc": sha}
    return facts


def build_graph(report: ReadReport, identity: Identity | None = None) -> nx.MultiDiGraph:
    """Build the topic graph from read pages (see the module docstring for the schema)."""
    ident = identity or resolve_report(report)
    G = nx.MultiDiGraph()
    docs: dict[str, Any] = {}
    warnings: list[dict[str, Any]] = []
    descriptions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    mentions: dict[str, set[str]] = defaultdict(set)

    for page in sorted(report.pages, key=lambda p: p.sha256):
        docs[page.sha256] = page
        facts = page_facts(page, ident.canonical)
        warnings += [{"path": page.path, "line": line, "reason": w} for line, w in facts["warnings"]]
        G.add_nodes_from(facts["nodes"])
        G.add_edges_from((u, v, k, d) for (u, v, k), d in facts["edges"].items())
        for t in facts["mentions"]:
            mentions[t].add(page.sha256)
        for t, text in facts["descriptions"]:
            descriptions[t].append((text, page.sha256))
        if facts["definition"]:
            t, definition, kind = facts["definition"]
            G.nodes[t]["definition"] = definition
            G.nodes[t]["kind"] = kind

    for s in G.nodes:
        attrs = G.nodes[s]
        attrs["name"] = ident.names.get(s) or label_from_slug(s)
        attrs["labels"] = ident.labels.get(s) or [attrs["name"]]
        attrs["descriptions"] = sorted(set(descriptions.get(s, [])), key=lambda d: (d[1], d[0]))
        attrs.setdefault("definition", "")
        attrs.setdefault("kind", "")
        attrs["documents"] = sorted(mentions.get(s, ()))

    G.graph.update(
        schema_version=SCHEMA_VERSION,
        documents=docs,
        identity=ident,
        report={
            "duplicates": [d.to_dict() for d in report.duplicates],
            "rejections": [r.to_dict() for r in report.rejections],
            "warnings": sorted(warnings, key=lambda w: (w["path"], w["line"], w["reason"])),
        },
    )
    return G


# ------------------------------------------------------------- accessors --

def versus_edges(G: nx.MultiDiGraph, topic: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """Every ``versus`` edge (of one topic, if given), sorted by document."""
    if topic is None:
        edges = G.edges(data=True)
    else:
        edges = list(G.out_edges(topic, data=True)) + list(G.in_edges(topic, data=True))
    out = [(u, v, d) for u, v, d in edges if d["kind"] == VERSUS]
    return sorted(out, key=lambda e: (e[2]["doc"], e[0], e[1]))


def related(G: nx.MultiDiGraph, topic: str) -> list[str]:
    """Topics this one is related to, in either direction, sorted and distinct."""
    out = {v for _, v, d in G.out_edges(topic, data=True) if d["kind"] == RELATED}
    out |= {u for u, _, d in G.in_edges(topic, data=True) if d["kind"] == RELATED}
    return sorted(out)


def summary(G: nx.MultiDiGraph) -> dict[str, int]:
    """Counts for the build summary."""
    docs = G.graph.get("documents", {})
    kinds = defaultdict(int)
    for _, _, d in G.edges(data=True):
        kinds[d["kind"]] += 1
    related_pairs = {(u, v) for u, v, d in G.edges(data=True) if d["kind"] == RELATED}
    report = G.graph.get("report", {})
    return {
        "documents": len(docs),
        "comparison_pages": sum(isinstance(p, Comparison) for p in docs.values()),
        "topic_pages": sum(isinstance(p, TopicPage) for p in docs.values()),
        "duplicates": len(report.get("duplicates", [])),
        "rejected": len(report.get("rejections", [])),
        "topics": G.number_of_nodes(),
        "comparisons": kinds[VERSUS],
        "related_edges": len(related_pairs),
        "alternative_edges": kinds[ALTERNATIVE],
        "contested_pairs": len(contested_pairs(G)),
    }


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
    """The slug of the topic a user means by ``query`` (a name, slug or alias, any case).

    Raises :class:`~graph.read.model.UnknownTopic` with the closest matches.
    """
    from .read.model import UnknownTopic

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


def closest_topics(G: nx.MultiDiGraph, query: str, limit: int = 3) -> list[str]:
    """Names of the topics whose labels are nearest to ``query``."""
    from rapidfuzz import fuzz, process, utils

    choices: dict[str, str] = {}
    for n, d in G.nodes(data=True):
        for label in d.get("labels", [d.get("name", n)]):
            choices[label] = d.get("name", n)
        choices[n] = d.get("name", n)
    hits = process.extract(query, list(choices), scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 4)
    # WRatio finds partial matches; plain edit distance then puts the nearest spelling first
    q = utils.default_process(query)
    hits = sorted(((fuzz.ratio(q, utils.default_process(label)), score, label) for label, score, _ in hits if score >= 60),
                  key=lambda h: (-h[0], -h[1], h[2]))
    out: list[str] = []
    for _, _, label in hits:
        if choices[label] not in out:
            out.append(choices[label])
    return out[:limit]
