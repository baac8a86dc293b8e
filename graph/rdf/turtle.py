"""Turtle and TriG written block by block from the statement groups of :mod:`graph.rdf.mapping`.

The mapping says what a page or a topic states; this module only spells it:
prefixed names for the vocabulary and the data IRIs, quoted literals, one
subject group at a time. Nothing here needs the whole graph in memory, so the
streaming build (:mod:`graph.build.stream`) calls the same functions from its worker
processes on one chunk of pages at a time.

A file is ``prefixes() + topics_section() + document blocks``; the same subject
(a topic) may head several blocks, which Turtle allows.

>>> from graph.read import parse_text, EXAMPLE
>>> page = parse_text(EXAMPLE, "ex.txt")
>>> from graph.resolve.names import slugify
>>> text = document_block(page, slugify, {"redis", "memcached", "caching", "key-value-stores"})
>>> for line in text.splitlines():
...     if line.strip().startswith(("pg:pick", "pg:preferredOver")):
...         print(line.strip())
pg:pick topic:redis ;
pg:preferredOver topic:memcached ;
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

import networkx as nx

from graph.read.records import Comparison, TopicPage
from graph.rdf import mapping
from graph.rdf.iris import DEFAULT_BASE, data_prefixes, turtle_prefixes as prefixes
from graph.rdf.mapping import FROM_PAGE, Group, lit
from graph.rdf.vocab import LANG, PREFIXES, Terms, DCTERMS, OWL, PG, PROV, RDF, RDFS, SKOS

_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")


def text(value: str) -> str:
    """A literal in the export's language.

    >>> text("Redis")
    '"Redis"@en'
    """
    return f"{lit(value)}@{LANG}"


def _qnames() -> dict[str, str]:
    """Every vocabulary term → its prefixed name (``rdf:type`` as ``a``)."""
    by_ns = {ns: p for p, ns in PREFIXES.items()}
    out = {}
    for namespace in (PG, SKOS, PROV, RDF, RDFS, DCTERMS, OWL):
        ns = str(namespace._NS)
        for iri in vars(Terms(namespace)).values():
            out[iri] = f"{by_ns[ns]}:{iri[len(ns):]}"
    out[str(RDF.type)] = "a"
    return out


_QN = _qnames()
_QN_SP = {iri: f"{q} " for iri, q in _QN.items()}  # the verb and its space, spelt once


class Names:
    """The Turtle namer of the mapping: prefixed names under one base (topics memoised), quoted literals."""

    def __init__(self, base: str):
        self.base = base
        self._topic: dict[str, str] = {}
        self.lit, self.text = lit, text  # instance attributes: the cheapest calls on the hot path

    def topic(self, slug: str) -> str:
        hit = self._topic.get(slug)
        if hit is None:
            if len(self._topic) > 1_000_000:  # bounded, for million-page builds
                self._topic.clear()
            # a slug is almost always a valid local name; the odd one is written in full
            hit = f"topic:{slug}" if _LOCAL.match(slug) else f"<{self.base}topic/{slug}>"
            self._topic[slug] = hit
        return hit

    def document(self, sha: str) -> str:
        return f"document:{sha}"

    def comparison(self, sha: str) -> str:
        return f"comparison:{sha}"

    def card(self, sha: str, slug: str) -> str:
        return f"<{self.base}comparison/{sha}/card/{slug}>"

    def iri(self, iri: str) -> str:
        return _QN.get(iri) or f"<{iri}>"


_NAMES: dict[str, Names] = {}


def _names(base: str) -> Names:
    names = _NAMES.get(base)
    if names is None:
        names = _NAMES[base] = Names(base)
    return names


def render(groups: Iterable[Group]) -> str:
    """Statement groups as Turtle: one ``subject verb objects ; … .`` block each."""
    qn = _QN_SP
    out: list[str] = []
    add = out.append
    for s, pairs in groups:
        add(s)
        sep = "\n    "
        for p, objs in pairs:
            add(sep)
            # one object is the common case; long lists (top concepts, documents used) one object a line
            add(qn[p] + objs[0] if len(objs) == 1 else qn[p] + (", ".join(objs) if len(objs) < 8 else _column(objs)))
            sep = " ;\n    "
        add(" .\n")
    return "".join(out)


def _column(objs: list[str]) -> str:
    return "\n        " + ",\n        ".join(objs)


def topics_section(topics: Iterable[tuple[str, str, Iterable[str]]], doc_shas: Iterable[str],
                   base: str = DEFAULT_BASE) -> str:
    """The topics graph: the scheme, the build and every topic (``(slug, name, labels)``, in the order to write)."""
    groups = mapping.topics_groups(topics, doc_shas, _names(base))
    return "\n".join(render([g]) for g in groups)


def document_block(page: Comparison | TopicPage, canon: Callable[[str], str], known: Collection[str] | None,
                   base: str = DEFAULT_BASE, pick: str | None | object = FROM_PAGE) -> str:
    """Every statement a page makes (:func:`graph.rdf.mapping.document_statements`), as Turtle."""
    return render(mapping.document_statements(page, canon, known, _names(base), pick))


class _Asked:
    """``known`` as the mapping asks it, each answer recorded in ``inside`` (one class for every page: a class
    made per page cost more than the page's own questions)."""

    __slots__ = ("known", "inside")

    def __init__(self, known: Collection[str], inside: dict[object, bool]):
        self.known, self.inside = known, inside

    def __contains__(self, t: object) -> bool:
        found = self.inside[t] = t in self.known
        return found


class Fragments:
    """The document blocks of an earlier build, reused when nothing they were spelt from has changed.

    A block is a pure function of its page (content and path), the base, the pick
    the graph holds, the canonical slug of each name the page uses and whether each
    card's topic is in the graph. Each block is kept with those slugs and answers as
    they were when it was spelt; it is reused only when every one still resolves the
    same, so an output made of reused blocks is byte for byte the one spelt anew.
    ``old``: the :attr:`new` of an earlier build (``{}`` for none); ``save`` is given
    :attr:`new` once the file is spelt.

    >>> from graph.read import parse_text, EXAMPLE
    >>> page = parse_text(EXAMPLE, "ex.txt")
    >>> first = Fragments()
    >>> text = first.block(page, str.lower, None, DEFAULT_BASE, "redis")
    >>> again = Fragments(first.new)
    >>> again.block(page, str.lower, None, DEFAULT_BASE, "redis") == text, again.reused
    (True, 1)
    >>> again.block(page, lambda n: "kv" if n == "Redis" else n.lower(), None, DEFAULT_BASE, "kv") == text
    False
    """

    def __init__(self, old: dict | None = None, save: Callable[[dict], None] | None = None):
        self.old = old or {}
        self.new: dict[tuple[str, str, str], tuple] = {}
        self.save = save
        self.reused = 0

    def block(self, page: Comparison | TopicPage, canon: Callable[[str], str], known: Collection[str] | None,
              base: str, pick: str | None) -> str:
        """:func:`document_block` of ``page``: the kept one when it still holds, else spelt (and kept)."""
        key = (page.sha256, page.path, base)
        hit = self.old.get(key)
        if hit is not None:
            was_pick, slugs, inside, text = hit
            if was_pick == pick and all(canon(n) == s for n, s in slugs.items()) and (
                    known is None or all((t in known) == k for t, k in inside.items())):
                self.new[key] = hit
                self.reused += 1
                return text
        slugs, inside = {}, {}

        def seen(name: str) -> str:
            slug = slugs[name] = canon(name)
            return slug

        text = document_block(page, seen, None if known is None else _Asked(known, inside), base, pick)
        self.new[key] = (pick, slugs, inside, text)
        return text

    def done(self) -> None:
        if self.save:
            self.save(self.new)


def _document_blocks(G: nx.MultiDiGraph, base: str, fragments: Fragments | None = None) -> list[tuple[str, str]]:
    """``(sha, block)`` of every document, by sha (from ``fragments`` where they still hold)."""
    ident = G.graph.get("identity")
    canon = ident.canonical if ident is not None else (lambda x: x)
    picks = mapping.graph_picks(G)
    spell = fragments.block if fragments is not None else document_block
    # items(): a cached graph's records come from its store in one read, not one open per page
    blocks = [(sha, spell(page, canon, G, base, picks.get(sha)))
              for sha, page in sorted(G.graph.get("documents", {}).items())]
    if fragments is not None:
        fragments.done()
    return blocks


def _topics(G: nx.MultiDiGraph, base: str) -> str:
    return topics_section(mapping.graph_topics(G), G.graph.get("documents", {}).keys(), base)


def turtle_text(G: nx.MultiDiGraph, base: str, fragments: Fragments | None = None) -> str:
    """Turtle (the union graph): the topics graph by slug, then one block per document by sha256."""
    return "\n".join([prefixes(base), _topics(G, base)] + [b for _, b in _document_blocks(G, base, fragments)])


def trig_text(G: nx.MultiDiGraph, base: str, fragments: Fragments | None = None) -> str:
    """TriG: the topics graph, then one named graph per source document by sha256."""
    parts = [prefixes(base), f"<{mapping.topics_graph_iri(base)}> {{\n{_topics(G, base)}}}\n"]
    parts += [f"document:{sha} {{\n{block}}}\n" for sha, block in _document_blocks(G, base, fragments)]
    return "\n".join(parts)


__all__ = ["Fragments", "Names", "data_prefixes", "document_block", "lit", "prefixes", "render", "text",
           "topics_section", "trig_text", "turtle_text"]
