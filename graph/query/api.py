"""The one table of queries: each query's name, parameters (with their types and bounds), function
and output. The CLI's query commands (``pickgraph show``, …) and ``pickgraph serve``'s ``/api/``
routes are both made from it, so they take the same arguments, check them with the same messages
and answer the same JSON (tests/test_api_equal.py holds them to it).

A query's function takes the graph, a way to get its models (called only by the queries that need
the pick fit or the suggestion index, so ``show`` never makes them) and the parameters by name. How
the graph and the models are obtained (a build cache, a server's loaded build) is the front end's
business. Topics are named by name, slug or alias; the query functions resolve them with
:func:`graph.kg.graph.find_topic`, the one resolver.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> QUERIES["show"].answer(G, None, {"topic": "Redis"})["slug"]
'redis'
>>> QUERIES["suggest"].answer(G, None, {"topics": ["redis"], "pair": True})
Traceback (most recent call last):
graph.errors.BadArguments: a pair is two topics, not 1
>>> parse_params(QUERIES["suggest"], [("topic", "redis"), ("k", "0")])
Traceback (most recent call last):
graph.errors.BadArguments: 'k' must be a whole number from 1 to 100, not '0'
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from graph.errors import BadArguments
from graph.kg.graph import find_topic
from graph.query.compare import compare
from graph.query.explain import why
from graph.query.topic_search import TopicIndex
from graph.query.topics import list_topics, topic_info

# compare, explain and suggest are imported by the functions that call them: they bring numpy and
# scipy, and the CLI reads this table to make its commands, so at the top they would slow every
# `pickgraph` command, --help too, by a third (docs/performance.md, "Start-up")

if TYPE_CHECKING:
    import networkx as nx
    from graph.query.models import Models

#: how a query gets the graph's models: called only when it needs them (they can take seconds to make)
ModelsGetter = Callable[[], "Models"]


@dataclass(frozen=True)
class Param:
    """One parameter of a query. ``topic``: a topic's name, slug or alias (a CLI argument, else an option).
    ``many``: repeatable, ``low`` to ``high`` times. ``flags``: the CLI's spellings of an option (default
    ``--NAME``); ``api_name``: the API's query parameter (default ``name``)."""

    name: str
    type: type
    help: str
    default: Any = None
    topic: bool = False
    many: bool = False
    low: int | None = None
    high: int | None = None
    flags: tuple[str, ...] = ()
    api_name: str = ""
    api_default: Any = None  # where the API answers a page at a time, not everything

    @property
    def query_name(self) -> str:
        return self.api_name or self.name


@dataclass(frozen=True)
class Query:
    """A question over a build: ``function(G, models, **params)`` returns JSON data shaped as ``output``."""

    name: str
    params: tuple[Param, ...]
    function: Callable[..., Any]
    output: str  # the JSON's shape, as docs/json.md lists it
    #: reads only the topics' table (names, labels, counts: ``G.graph["topic_rows"]`` where a query index
    #: gave it), not any topic's record
    table_only: bool = False

    def answer(self, G: nx.MultiDiGraph, models: ModelsGetter | None, args: dict[str, Any]) -> Any:
        """The answer to ``args`` (missing parameters take their defaults)."""
        given = {p.name: args.get(p.name, p.default) for p in self.params}
        for p in self.params:
            if p.many and not p.low <= len(given[p.name]) <= p.high:
                raise BadArguments(f"give {p.low} to {p.high} topics, not {len(given[p.name])}")
        return self.function(G, models, **given)


class Page(list):
    """A page of rows, and ``total``: how many rows the whole answer has (the API's X-Total-Count)."""

    def __init__(self, rows: list, total: int):
        super().__init__(rows)
        self.total = total


# ----------------------------------------------------------------- queries --

def _show(G: nx.MultiDiGraph, _models: ModelsGetter | None, topic: str) -> dict[str, Any]:
    return topic_info(G, topic)


def _compare(G: nx.MultiDiGraph, models: ModelsGetter, a: str, b: str) -> dict[str, Any]:
    return compare(G, a, b, fit=models().fit)


def _why(G: nx.MultiDiGraph, models: ModelsGetter, a: str, b: str) -> dict[str, Any]:
    return why(G, a, b, fit=models().fit)


def _suggest(G: nx.MultiDiGraph, models: ModelsGetter, topics: list[str], k: int, pair: bool | None) -> dict[str, Any]:
    from graph.query.suggest import suggest_answer  # late: numpy and scipy, which no other query needs

    if pair and len(topics) != 2:
        raise BadArguments(f"a pair is two topics, not {len(topics)}")
    slugs = [find_topic(G, t) for t in topics]  # an unknown topic before the models are made
    return suggest_answer(G, slugs, k, pair, index=models().index)


def _topics(G: nx.MultiDiGraph, _models: ModelsGetter | None, prefix: str, offset: int, limit: int) -> Page:
    index = topic_index(G)
    total, rows = index.search(prefix, offset, limit or len(index.rows))
    return Page(rows, total)


#: each graph's topic index, made on the first topics query (a server answers many)
_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def topic_index(G: nx.MultiDiGraph) -> TopicIndex:
    """The topics of ``G`` by rank, found by the start of a slug, name, label or alias (made once per graph)."""
    index = _INDEXES.get(G)
    if index is None:
        labels = {n: list(d.get("labels") or [d["name"]]) for n, d in G.nodes(data=True)}
        identity = G.graph.get("identity")
        for alias, canon in (getattr(identity, "canon", None) or {}).items():  # the alias file's, as find_topic reads them
            if canon in labels:
                labels[canon].append(alias)
        rows = G.graph.get("topic_rows") or list_topics(G)
        index = _INDEXES[G] = TopicIndex(rows, labels)
    return index


_TOPIC = "a topic's name, slug or alias (any case)"

TABLE: tuple[Query, ...] = (
    Query("topics", (
        Param("prefix", str, "Only topics with a name, alias or slug starting with this.", default="",
              api_name="q"),
        Param("offset", int, "Skip the first N topics.", default=0, low=0),
        Param("limit", int, "Show only the first N (0: all).", default=0, low=0,
              flags=("--limit", "-n"), api_default=50),
    ), _topics, "[{slug, name, comparisons, wins, losses, related}]", table_only=True),
    Query("show", (Param("topic", str, _TOPIC, topic=True),), _show,
          "{slug, name, labels, kind, definition, descriptions: [{text, source}], pros: [{text, source, line}], "
          "cons: [...], related: [slug], alternatives: [slug], wins, losses, comparisons: [{against, against_name, "
          "pick, result, contested, title, source, doc}]}"),
    Query("compare", (Param("a", str, _TOPIC, topic=True), Param("b", str, _TOPIC, topic=True)), _compare,
          "{a, b, a_name, b_name, mode, contested, note, documents: [{source, title, pick, pick_name, doc, verdict: "
          "[{topic, text, line}]}], picks: {slug: n}, prediction: {pick, pick_name, probability} | null, chains: "
          "[{winner, path, text, steps: [{winner, loser, sources}]}], common_opponents: [{slug, name, a, b}], "
          "shared_related: [{slug, name, topics}], records: {slug: {wins, losses}}}"),
    Query("why", (Param("a", str, _TOPIC, topic=True), Param("b", str, _TOPIC, topic=True)), _why,
          "{a, b, a_name, b_name, mode, contested, winner, winner_name, loser, probability, summary, note, sides: "
          "[{winner, winner_name, sources, verdict: [{text, source, line}], pros: [{text, source, line}], cons: "
          "[...]}], records, chains, common_opponents, context: {shared, winner}}"),
    Query("suggest", (
        Param("topics", str, _TOPIC, topic=True, many=True, low=1, high=20, api_name="topic"),
        Param("k", int, "Suggestions per topic.", default=5, low=1, high=100, flags=("--top", "-k")),
        Param("pair", bool, "Treat two topics as one comparison page (--pair) or each on its own (--each). "
                            "Default: --pair when exactly two topics that a page compares are given.",
              flags=("--pair/--each",)),
    ), _suggest,
          '{mode: "topics", k, results: [{topic, name, suggestions: [{slug, name, score, reasons}]}]}, or for a '
          'pair {mode: "pair", a, b, k, suggestions: [{a, b, a_name, b_name, existing, score, reasons, sources}]}'),
)

QUERIES: dict[str, Query] = {q.name: q for q in TABLE}


# ------------------------------------------------- parameters from an URL --

def parse_params(query: Query, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """A query's arguments from an URL's query parameters; :class:`~graph.errors.BadArguments` names
    the first one missing or wrong (the CLI's click types hold the same bounds)."""
    args: dict[str, Any] = {}
    for p in query.params:
        raw = [v for n, v in pairs if n == p.query_name]
        if p.topic:
            raw = [v for v in raw if v.strip()]
            if not raw or (len(raw) > 1 and not p.many):
                raise BadArguments(f"give {'one or more' if p.many else 'one'} '{p.query_name}' parameter: {_TOPIC}")
            args[p.name] = raw if p.many else raw[0]
        elif len(raw) > 1:
            raise BadArguments(f"give '{p.query_name}' once")
        elif raw:
            args[p.name] = _value(p, raw[0])
        elif p.api_default is not None:
            args[p.name] = p.api_default
    return args


def _value(p: Param, raw: str) -> Any:
    if p.type is bool:
        if raw not in ("true", "false"):
            raise BadArguments(f"'{p.query_name}' must be true or false, not {raw!r}")
        return raw == "true"
    if p.type is int:
        if not re.fullmatch(r"\d{1,10}", raw) or not p.low <= int(raw) <= (p.high or int(raw)):
            span = f"from {p.low} to {p.high}" if p.high is not None else f"of at least {p.low}"
            raise BadArguments(f"'{p.query_name}' must be a whole number {span}, not {raw!r}")
        return int(raw)
    return raw


__all__ = ["Param", "Query", "Page", "TABLE", "QUERIES", "parse_params", "topic_index"]
