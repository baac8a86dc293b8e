"""Page facts: what each page adds to the topic graph, and one accumulator of them for every build.

:func:`page_facts` turns one page into plain data (nodes, edges with their provenance,
mentions, descriptions, a definition, warnings). An :class:`Accumulator` folds the
facts of many pages into what a build needs: the in-memory build keeps every
document's edges, from which :func:`graph.kg.graph.build_graph` makes the networkx graph; the
streaming build keeps only counts per topic and pair (``per_document=False``), summed
over chunks made in worker processes (:meth:`Accumulator.merge`). Both give the same
:meth:`Accumulator.summary`, and both choose the same definition and first
description of a topic, because both fold the same facts by the same rules here.

>>> from graph.read import parse_text, EXAMPLE
>>> page = parse_text(EXAMPLE, "ex.txt")
>>> acc = Accumulator()
>>> acc.add(page, page_facts(page, lambda name: name.lower()))
>>> s = acc.summary()
>>> s["documents"], s["comparisons"], s["topics"], s["related_edges"]
(1, 1, 4, 4)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from graph.read.records import Comparison, ReadReport, TopicPage, opening_pair, warning_line
from graph.resolve.names import AliasFile, Identity, Resolver

VERSUS = "versus"
RELATED = "related-to"
ALTERNATIVE = "alternative-to"


def identity_facts(page: Comparison | TopicPage) -> list[tuple[str, ...]]:
    """What one page tells the resolver, as small tuples a worker process can return.

    ``("name", name)``, ``("slug", slug)``, ``("page", name, path, *aliases)`` or
    ``("defines", name, path, first, second, definition)`` (a definition opening with two names,
    :func:`~graph.read.records.opening_pair`).
    """
    if isinstance(page, Comparison):
        facts = [("name", name) for name in page.topics]
        facts += [("slug", s) for card in page.cards for s in card.related]
        return facts
    facts = [("page", page.name, page.path, *page.aliases)] + [
        ("name", n) for n in page.related_tools + page.alternatives]
    if pair := opening_pair(page.definition):
        facts.append(("defines", page.name, page.path, *pair, page.definition))
    return facts


def feed(resolver: Resolver, facts: list[tuple[str, ...]]) -> None:
    """Give a :class:`Resolver` the facts of :func:`identity_facts`."""
    for fact in facts:
        if fact[0] == "name":
            resolver.add_name(fact[1])
        elif fact[0] == "slug":
            resolver.add_slug(fact[1])
        elif fact[0] == "defines":
            resolver.add_definition(*fact[1:])
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
                             "warnings": [(warning_line(w), w) for w in page.warnings]}
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
        facts["definition"] = (t, page.definition, page.kind, len(page.aliases))
        for kind, key, names in ((RELATED, "related", page.related_tools), (ALTERNATIVE, "alternative", page.alternatives)):
            for n in names:
                u = canon(n)
                nodes.append(u)
                if u != t:
                    edges[(t, u, f"{key}:{sha}")] = {"kind": kind, "doc": sha}
    return facts


def richness(definition: str, kind: str, aliases: int, doc: str) -> tuple[bool, int, int, str]:
    """How much a copy of a topic page says, to keep the richest of a topic's pages: a full copy
    (kind, aliases) over a flattened one, then the longer definition; the doc id breaks ties.

    >>> richness("A store of documents.", "database", 2, "b") > richness("A store of documents, no schema.", "", 0, "c")
    True
    """
    return bool(kind), aliases, len(definition), doc


class Accumulator:
    """The facts of many pages, folded as they come (pages in any order; chunks merged in any order).

    ``per_document=True`` (the in-memory and incremental builds) keeps each document's
    edges, mentions and descriptions, for :meth:`graph`; ``False`` (the streaming build)
    keeps counts per topic and pair and each topic's first description, in memory that
    grows with topics and comparisons, not with the text of the pages.
    """

    def __init__(self, per_document: bool = True, removable: bool = False):
        if removable and not per_document:
            raise ValueError("only an accumulator kept per document (per_document=True) can remove a page")
        self.per_document = per_document
        self.removable = removable
        self.kinds: Counter[str] = Counter()  # "comparison" / "topic" pages
        self.nodes: dict[str, None] = {}  # topics in the order met (a graph's node order)
        #: ``(u, v, pick, doc, title, path)`` of every comparison
        self.versus: list[tuple[str, str, str | None, str, str, str]] = []
        self.links: Counter[tuple[str, str, str]] = Counter()  # (kind, u, v) → documents drawing it
        self.first_doc: dict[tuple[str, str, str], tuple[str, str]] = {}  # (kind, u, v) → least (doc, path)
        self.degree: Counter[str] = Counter()
        self.mentions: dict[str, set[str]] | Counter[str] = defaultdict(set) if per_document else Counter()
        #: per document: topic → [(text, doc)]; else topic → the (text, doc) of the least doc
        self.descriptions: dict[str, Any] = defaultdict(list) if per_document else {}
        self.definitions: dict[str, tuple[tuple, str, str]] = {}  # topic → (richness, definition, kind) of its richest page
        self.edges: list[tuple[str, str, str, dict[str, Any]]] = []  # per document only
        self.warnings: list[dict[str, Any]] = []
        # ``removable`` only (a fresh fold need not pay for them), so that a page can be taken out again
        # (:meth:`remove`): where each topic was met (doc → first index in its nodes), each link's
        # documents, each topic page's definition
        self.met: dict[str, dict[str, int]] = defaultdict(dict)
        self.link_docs: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
        self.all_definitions: dict[str, dict[str, tuple[tuple, str, str]]] = defaultdict(dict)
        self.removed = 0  # pages taken out: the order met is then no longer the order of a fresh fold

    def add(self, page: Comparison | TopicPage, facts: dict[str, Any]) -> None:
        """Fold one page's :func:`page_facts` in."""
        sha, path = page.sha256, page.path
        self.kinds["comparison" if isinstance(page, Comparison) else "topic"] += 1
        self.warnings += [{"path": path, "line": line, "reason": w} for line, w in facts["warnings"]]
        self.nodes.update(dict.fromkeys(facts["nodes"]))
        removable = self.removable
        if removable:
            for i, t in enumerate(facts["nodes"]):
                self.met[t].setdefault(sha, i)
        for t in set(facts["mentions"]):
            if self.per_document:
                self.mentions[t].add(sha)
            else:
                self.mentions[t] += 1
        for t, text in facts["descriptions"]:
            if self.per_document:
                self.descriptions[t].append((text, sha))
            elif t not in self.descriptions or sha < self.descriptions[t][1]:
                self.descriptions[t] = (text, sha)
        if facts["definition"]:
            t, definition, kind, aliases = facts["definition"]
            d = (richness(definition, kind, aliases, sha), definition, kind)
            if removable:
                self.all_definitions[t][sha] = d
            self._define(t, d)
        for (u, v, key), d in facts["edges"].items():
            if self.per_document:
                self.edges.append((u, v, key, d))
            if d["kind"] == VERSUS:
                self.versus.append((u, v, d["pick"], sha, d["title"], path))
            else:
                pair = (d["kind"], u, v)
                self.links[pair] += 1
                if removable:
                    self.link_docs[pair].add((sha, path))
                if pair not in self.first_doc or (sha, path) < self.first_doc[pair]:
                    self.first_doc[pair] = (sha, path)
            self.degree[u] += 1
            self.degree[v] += 1

    def remove(self, page: Comparison | TopicPage, facts: dict[str, Any]) -> None:
        """Take out one page :meth:`add` folded in (with the same facts): as if it had never been added.

        Only an accumulator made ``removable`` can forget a page: it keeps where each
        topic, link and definition came from (the counts of the streaming build do not
        say which page chose a topic's first description).
        After removals, :meth:`node_order` and :meth:`edge_order` give the order a
        fresh fold of the remaining pages in sha256 order gives.

        >>> from graph.read import parse_text, EXAMPLE
        >>> page = parse_text(EXAMPLE, "ex.txt")
        >>> acc = Accumulator(removable=True)
        >>> acc.add(page, page_facts(page, str.lower)); acc.remove(page, page_facts(page, str.lower))
        >>> acc.summary()["documents"], acc.nodes, acc.edges
        (0, {}, [])
        """
        if not self.removable:
            raise ValueError("only an accumulator made with removable=True can remove a page")
        sha, path = page.sha256, page.path
        if not facts["nodes"] or sha not in self.met.get(facts["nodes"][0], ()):  # every page names a topic
            raise KeyError(f"{path}: not a page of this accumulator")
        self.removed += 1
        self.kinds["comparison" if isinstance(page, Comparison) else "topic"] -= 1
        for line, w in facts["warnings"]:
            self.warnings.remove({"path": path, "line": line, "reason": w})
        for t in set(facts["nodes"]):
            met = self.met[t]
            met.pop(sha, None)
            if not met:
                del self.met[t], self.nodes[t]
        for t in set(facts["mentions"]):
            self.mentions[t].discard(sha)
            if not self.mentions[t]:
                del self.mentions[t]
        for t, text in facts["descriptions"]:
            self.descriptions[t].remove((text, sha))
            if not self.descriptions[t]:
                del self.descriptions[t]
        if facts["definition"]:
            t = facts["definition"][0]
            defs = self.all_definitions[t]
            del defs[sha]
            if defs:
                self.definitions[t] = max(defs.values())  # the richest left (doc ids break ties: one maximum)
            else:
                del self.all_definitions[t], self.definitions[t]
        for (u, v, key), d in facts["edges"].items():
            if d["kind"] == VERSUS:
                self.versus.remove((u, v, d["pick"], sha, d["title"], path))
            else:
                pair = (d["kind"], u, v)
                self.links[pair] -= 1
                self.link_docs[pair].discard((sha, path))
                if self.links[pair]:
                    self.first_doc[pair] = min(self.link_docs[pair])
                else:
                    del self.links[pair], self.link_docs[pair], self.first_doc[pair]
            for t in (u, v):
                self.degree[t] -= 1
                if not self.degree[t]:
                    del self.degree[t]
        self.edges = [e for e in self.edges if e[3]["doc"] != sha]

    def node_order(self) -> list[str]:
        """The topics in the order a fold of the pages in sha256 order meets them (the graph's node order)."""
        if not self.removed:
            return list(self.nodes)
        return sorted(self.nodes, key=lambda t: min(self.met[t].items()))

    def edge_order(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The edges of every document, documents in sha256 order (each one's edges as its facts list them)."""
        if not self.removed:
            return self.edges
        rank = {sha: i for i, sha in enumerate(sorted({e[3]["doc"] for e in self.edges}))}
        return sorted(self.edges, key=lambda e: rank[e[3]["doc"]])  # stable: a document's edges keep their order

    def merge(self, other: Accumulator) -> None:
        """Fold in another accumulator of the same kind (a chunk of pages summed elsewhere)."""
        if (other.per_document, other.removable) != (self.per_document, self.removable):
            raise ValueError("cannot merge accumulators of different kinds")
        self.kinds.update(other.kinds)
        self.warnings += other.warnings
        self.nodes.update(other.nodes)
        for t, m in other.mentions.items():
            if self.per_document:
                self.mentions[t] |= m
            else:
                self.mentions[t] += m
        for t, d in other.descriptions.items():
            if self.per_document:
                self.descriptions[t] += d
            elif t not in self.descriptions or d[1] < self.descriptions[t][1]:
                self.descriptions[t] = d
        for t, d in other.definitions.items():
            self._define(t, d)
        self.versus += other.versus
        self.links.update(other.links)
        for pair, doc in other.first_doc.items():
            if pair not in self.first_doc or doc < self.first_doc[pair]:
                self.first_doc[pair] = doc
        self.degree.update(other.degree)
        self.edges += other.edges
        for t, met in other.met.items():
            self.met[t].update(met)
        for pair, docs in other.link_docs.items():
            self.link_docs[pair] |= docs
        for t, defs in other.all_definitions.items():
            self.all_definitions[t].update(defs)
        self.removed += other.removed

    def _define(self, t: str, d: tuple[tuple, str, str]) -> None:
        """Keep the richer of two copies of a topic's page (:func:`richness`), in any order."""
        if t not in self.definitions or d[0] > self.definitions[t][0]:
            self.definitions[t] = d

    def summary(self, duplicates: int = 0, rejected: int = 0) -> dict[str, int]:
        """The counts of ``pickgraph build`` (the same as :func:`graph.kg.graph.summary` of the graph)."""
        picks: dict[tuple[str, str], set[str]] = defaultdict(set)
        for a, b, pick, *_ in self.versus:
            winners = picks[(a, b) if a < b else (b, a)]
            if pick:
                winners.add(pick)
        return {
            "documents": self.kinds["comparison"] + self.kinds["topic"],
            "comparison_pages": self.kinds["comparison"],
            "topic_pages": self.kinds["topic"],
            "duplicates": duplicates,
            "rejected": rejected,
            "topics": len(self.nodes),
            "comparisons": len(self.versus),
            "related_edges": sum(1 for k, *_ in self.links if k == RELATED),
            "alternative_edges": sum(n for (k, *_), n in self.links.items() if k == ALTERNATIVE),
            "contested_pairs": sum(1 for w in picks.values() if len(w) > 1),
        }

    def topic(self, slug: str) -> tuple[str, str]:
        """``(definition, kind)`` of a topic: from its richest topic page (:func:`richness`), else empty."""
        _, definition, kind = self.definitions.get(slug, ("", "", ""))
        return definition, kind
