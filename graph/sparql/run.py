"""SPARQL over the graph in an embedded Oxigraph store (pyoxigraph).

The store holds the quads of :func:`graph.rdf.mapping.quads` (one named graph per
document, see :mod:`graph.rdf.mapping`); queries see their union as the default graph,
so plain triple patterns match everything and ``GRAPH ?doc { … }`` still tells
which document said what. The prefixes ``pg: skos: prov: rdf: rdfs: xsd:`` and
``topic: comparison: document:`` are predeclared.

User input never becomes query text: values are bound to variables
(pyoxigraph ``substitutions``, SPARQL-dev SEP-0007), so a topic called
``x" } DROP ALL #`` is just a string.

>>> from graph.read import parse_text, EXAMPLE
>>> from graph.read.records import ReadReport
>>> from graph.kg.graph import build_graph
>>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
>>> select(G, "SELECT ?slug WHERE { ?c pg:pick ?w . ?w skos:notation ?slug }")
[{'slug': 'redis'}]
>>> select(G, "SELECT ?name ?slug WHERE { ?t skos:prefLabel ?l ; skos:notation ?slug FILTER (STR(?l) = ?name) }",
...        {"name": "Memcached"})  # labels are tagged @en: compare their text
[{'name': 'Memcached', 'slug': 'memcached'}]
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import decimal
import io
import pickle
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, Union

import pyoxigraph as ox

from graph.build.workers import ChildDied, call_in_child
from graph.errors import EXIT_TIMEOUT, PickgraphError
from graph.kg.graph import find_topic
from graph.rdf.iris import DEFAULT_BASE, PREFIXES, check_base, check_iri, data_prefixes as _data_prefixes, topic_iri
from graph.sparql.sandbox import confine
from graph.sparql.store import load_store, topic_slug
from graph.texttable import format_table

#: results format → media type of an answer to a SELECT or ASK (``table``: text for a terminal)
RESULT_TYPES = {
    "table": "text/plain; charset=utf-8",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
RESULT_FORMATS = tuple(RESULT_TYPES)
#: RDF format → media type of an answer to a CONSTRUCT or DESCRIBE
GRAPH_TYPES = {"ntriples": "application/n-triples", "turtle": "text/turtle"}
#: seconds a query of the command line may run (``--timeout``); the Python API has no limit unless asked
DEFAULT_TIMEOUT = 60.0


class SparqlError(PickgraphError):
    """A query that cannot run: bad syntax, an update, a bad binding."""


def prefixes(base_iri: str = DEFAULT_BASE) -> dict[str, str]:
    """The prefixes every query may use without declaring them."""
    return {**PREFIXES, **_data_prefixes(check_base(base_iri))}


def with_prefixes(query: str, base_iri: str = DEFAULT_BASE) -> str:
    """``query`` with PREFIX declarations of the predeclared prefixes, for a store that lacks them.

    >>> with_prefixes("ASK { ?t a pg:Topic }").splitlines()[0]
    'PREFIX pg: <https://w3id.org/pickgraph/ns#>'
    """
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base_iri).items())
    return head + query


# -------------------------------------------------------------- bindings --

Binding = Union[str, Any]  # a str is bound as a plain literal; or a pyoxigraph term


def iri(value: str):
    """A pyoxigraph IRI term for a binding (checked: absolute, no forbidden characters)."""
    try:
        return ox.NamedNode(check_iri(value))
    except ValueError as exc:
        raise SparqlError(f"bad IRI {value!r}: {exc}") from None


def parse_binding(spec: str) -> tuple[str, Any]:
    """``name=value`` from the command line → (variable, term).

    ``name=<https://…>`` binds an IRI; anything else binds the plain string
    after the first ``=`` (quotes and all: it is never parsed as SPARQL).

    >>> parse_binding('name=Foo "Bar"')
    ('name', 'Foo "Bar"')
    >>> parse_binding("t=<https://w3id.org/pickgraph/topic/redis>")[1]
    <NamedNode value=https://w3id.org/pickgraph/topic/redis>
    """
    name, sep, value = spec.partition("=")
    name = name.strip().lstrip("?$")
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SparqlError(f"bad binding {spec!r}: write NAME=VALUE (NAME a SPARQL variable without '?')")
    if value.startswith("<") and value.endswith(">"):
        return name, iri(value[1:-1])
    return name, value


def topic_term(store_or_graph, query: str, base_iri: str = DEFAULT_BASE):
    """The IRI term of the topic a user names (any spelling); :class:`~graph.errors.UnknownTopic` otherwise.

    Found in the graph, or in a store's own labels (:func:`graph.sparql.store.topic_slug`).
    """
    if isinstance(store_or_graph, ox.Store):
        slug = topic_slug(store_or_graph, query)
    else:
        slug = find_topic(store_or_graph, query)
    return iri(topic_iri(slug, check_base(base_iri)))


def _terms(bindings: Mapping[str, Binding] | None, query: str) -> dict:
    out = {}
    for name, value in (bindings or {}).items():
        if not re.search(rf"[?$]{re.escape(name)}\b", query):
            raise SparqlError(f"the query has no variable ?{name} to bind")
        out[ox.Variable(name)] = ox.Literal(value) if isinstance(value, str) else value
    return out


# --------------------------------------------------------------- checks --

#: the deepest nesting of ``{ ( [`` a query may have: Oxigraph's recursive parser overflows its stack (a
#: segmentation fault) on thousands of levels, and the offline check's parser needs a deep stack too
MAX_NESTING = 100
#: the longest query ``pickgraph sparql`` and the API take (``serve`` has its own, smaller limit)
MAX_QUERY_CHARS = 1_000_000
#: the stack of the thread that parses a query for the offline check (pyparsing recurses per level)
_PARSE_STACK = 64 << 20
_STACK_LOCK = threading.Lock()  # the stack size of new threads is the process's setting

# One SPARQL token at a time, so that comments, strings and IRIs are skipped whole
# and a bracket is counted only where the parser would see one.
_TOKEN = re.compile(r"""
    \#[^\n\r]*                                          # a comment
  | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"                 # long strings
  | '\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'
  | "(?:[^"\\\n\r]|\\.)*"                               # short strings
  | '(?:[^'\\\n\r]|\\.)*'
  | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>  # an IRI (\u escapes and all)
  | [^\s"'<\#{}()\[\]]+                                  # anything else up to one of those
  | .
""", re.S | re.X)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class ServiceRefused(SparqlError):
    """A query that would call a remote endpoint (SERVICE) where that is not allowed."""

    def __init__(self, message: str, endpoint: str | None):
        super().__init__(message)
        self.endpoint = endpoint  # None: the query could not be parsed to tell


class QueryTooBig(SparqlError):
    """A query past a limit of its size, its nesting or the memory it may use (exit status 5, as a time limit)."""

    exit_code = EXIT_TIMEOUT


def expand_escapes(query: str) -> str:
    r"""``query`` with its ``\uXXXX`` and ``\UXXXXXXXX`` escapes expanded, as SPARQL 1.1 (19.2) reads it.

    >>> expand_escapes(r"\u0053ERVICE")
    'SERVICE'
    """
    def char(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group()

    return _ESCAPE.sub(char, query)


def nesting(query: str) -> int:
    """The deepest nesting of ``{ ( [`` in ``query``, outside comments, strings and IRIs.

    >>> nesting('SELECT * { ?s ?p "{{{" FILTER ((1)) }')
    3
    """
    depth = deepest = 0
    for m in _TOKEN.finditer(query):
        t = m.group()
        if t in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif t in "})]":
            depth = max(0, depth - 1)
    return deepest


def check_query(query: str, allow_service: bool = False, max_chars: int = MAX_QUERY_CHARS) -> None:
    """The checks before any query runs, the one rule for every way in (``sparql``, the API, ``serve``).

    :class:`QueryTooBig` past ``max_chars`` characters or :data:`MAX_NESTING` levels (the parsers
    recurse per level); :class:`ServiceRefused` for a SERVICE call unless ``allow_service``.
    """
    if len(query) > max_chars:
        raise QueryTooBig(f"the query is {len(query)} characters long; at most {max_chars} are taken")
    depth = _depth(query)
    if depth > MAX_NESTING:
        raise QueryTooBig(f"the query nests brackets {depth} deep; at most {MAX_NESTING} levels are taken")
    if not allow_service:
        check_offline(query)


@lru_cache(maxsize=64)  # serve checks each query on its loop and again in its query process: the same few texts
def _depth(query: str) -> int:
    # escapes are counted as SPARQL 1.1 reads them, and as written (Oxigraph keeps them in keywords)
    return max(nesting(query), nesting(expand_escapes(query)))


def service_calls(query: str) -> list[str]:
    """The endpoint of each ``SERVICE`` of ``query`` (``<IRI>``, ``?var`` or a prefixed name), from its parse.

    Words inside comments, strings and IRIs, variables (``?service``) and prefixed
    names (``ex:service``) are not keywords; a keyword glued to the token before it,
    written with ``\\u`` escapes or nested anywhere is one. :class:`ServiceRefused`
    when the query mentions SERVICE and cannot be parsed to tell.

    >>> service_calls('SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }')
    ['<http://example.org/sparql>']
    >>> service_calls('SELECT ?service { ?s ex:service ?service } # SERVICE <x>')
    []
    """
    return list(_service_calls(query))


def _mentions_service(query: str) -> bool:
    # casefold: wider than ASCII case (the long s folds to s), so never narrower than a parser's keywords
    return any("service" in text.casefold() for text in (query, expand_escapes(query)))


@lru_cache(maxsize=64)  # an endpoint is sent the same few queries again and again (64 × 100 KB at most)
def _service_calls(query: str) -> tuple[str, ...]:
    if not _mentions_service(query):
        return ()
    parsed = _parse_in_deep_thread(query)
    if isinstance(parsed, BaseException):
        reason = str(parsed).splitlines()[0] if str(parsed) else type(parsed).__name__
        raise ServiceRefused(f"the query mentions SERVICE and the offline check cannot parse it ({reason}); "
                             "queries run offline unless allowed (--allow-service, or allow_service=True)", None)
    return tuple(_endpoint_text(p.get("term")) for p in _services(parsed))


def _parse_in_deep_thread(query: str) -> Any:
    """rdflib's parse of ``query`` (its ``\\u`` escapes expanded as the standard says), or the exception.

    In a thread of its own: pyparsing recurses a dozen frames per nesting level, deeper
    than the main thread's recursion limit allows at :data:`MAX_NESTING`.
    """
    from rdflib.plugins.sparql.parser import parseQuery  # late: rdflib's SPARQL grammar, only for a SERVICE query

    # a carriage return ends a comment for Oxigraph: never let the checker read on past one
    text = query.replace("\r", "\n")
    out: list[Any] = []

    def parse() -> None:
        try:
            out.append(parseQuery(text))
        except BaseException as exc:  # noqa: BLE001 - whatever stops the parse refuses the query
            out.append(exc)

    with _STACK_LOCK:
        old_stack, old_limit = threading.stack_size(_PARSE_STACK), sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, 50_000))
        try:
            worker = threading.Thread(target=parse, name="pickgraph-sparql-check")
            worker.start()
        finally:
            threading.stack_size(old_stack)
        worker.join()
        sys.setrecursionlimit(old_limit)
    return out[0]


def _services(node: Any) -> Iterator[Any]:
    """Every ``ServiceGraphPattern`` of an rdflib parse tree, at any depth."""
    # late: rdflib's SPARQL parser and pyparsing, only for a query that mentions SERVICE (see _parse_in_deep_thread)
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue  # late: as pyparsing

    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, CompValue):
            if x.name == "ServiceGraphPattern":
                yield x
            stack.extend(dict.values(x))
        elif isinstance(x, (list, tuple, ParseResults)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


def _endpoint_text(term: Any) -> str:
    from rdflib import URIRef, Variable  # late: rdflib's terms, only for a query that mentions SERVICE (as above)

    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Variable):
        return f"?{term}"
    return str(term.get("prefix", "") or "") + ":" + str(term.get("localname", "") or "") \
        if hasattr(term, "get") else str(term)


def check_offline(query: str) -> None:
    """:class:`ServiceRefused` if ``query`` would call a remote endpoint (``SERVICE``)."""
    calls = service_calls(query)
    if calls:
        raise ServiceRefused(f"the query calls a remote endpoint (SERVICE {calls[0]}); queries run offline "
                             "unless allowed (--allow-service, or allow_service=True)", calls[0])


# --------------------------------------------------------------- running --

def _prepare(store_or_graph, query: str, bindings: Mapping[str, Binding] | None, base_iri: str,
             allow_service: bool) -> tuple[Any, dict[str, Any]]:
    """The store and the query options, after the checks every way of running a query makes."""
    check_query(query, allow_service)
    options = {"prefixes": prefixes(base_iri), "substitutions": _terms(bindings, query) or None}  # base checked
    store = store_or_graph if isinstance(store_or_graph, ox.Store) else load_store(store_or_graph, base_iri)
    return store, options


#: megabytes a query of the command line may add to its process (``--memory``); the Python API has no
#: limit unless asked
DEFAULT_MEMORY_MB = 2048


def _within(timeout: float | None, memory_mb: float | None, allow_service: bool, task: Callable[[], Any]) -> Any:
    """``task()`` here when there is neither a time nor a memory limit, else in a child process.

    pyoxigraph cannot stop a running query, so a limit needs a process of its own; the
    child does the whole job (query, then rows or text) and sends back only the outcome.
    It leaves the network first unless ``allow_service`` (:mod:`graph.sparql.sandbox`), so even a
    SERVICE call the check missed connects nowhere, and takes at most ``memory_mb`` more.
    """
    if timeout is None and memory_mb is None:
        return task()
    try:
        return pickle.loads(call_in_child(lambda: pickle.dumps(task(), protocol=pickle.HIGHEST_PROTOCOL), timeout,
                                          "the query", "give it more time with --timeout SECONDS, or narrow it",
                                          setup=lambda: confine(memory_mb, network=allow_service)))
    except MemoryError:
        raise QueryTooBig(memory_message(memory_mb or 0, "--memory MB")) from None
    except ChildDied as exc:
        raise query_died(exc.code, exc.stderr, memory_mb, "--memory MB") from None


def memory_message(memory_mb: float, option: str) -> str:
    """The one line of a query stopped at its memory limit."""
    return f"the query needed more than {memory_mb:g} MB of memory and was stopped; give it more with {option}, " \
           "or narrow it"


def query_died(code: int, stderr: bytes, memory_mb: float | None, option: str) -> SparqlError:
    """The error of a query process that ended without an answer (``code``: minus the signal, or its exit status).

    Under a memory limit a failed allocation aborts Oxigraph (SIGABRT, after saying so on
    stderr): the limit, not a crash.
    """
    if memory_mb and (b"memory allocation of" in stderr or code == -signal.SIGABRT):
        return QueryTooBig(memory_message(memory_mb, option))
    how = f"signal {-code} ({signal.Signals(-code).name})" if code < 0 and -code in signal.valid_signals() \
        else f"exit status {code}"
    return SparqlError(f"the query process ended unexpectedly ({how}); the query was not answered")


def run(store_or_graph, query: str, bindings: Mapping[str, Binding] | None = None,
        base_iri: str = DEFAULT_BASE, timeout: float | None = None, allow_service: bool = False,
        memory_mb: float | None = None):
    """Run ``query`` with ``bindings``; the pyoxigraph result (solutions, boolean or triples).

    ``store_or_graph`` is a store from :func:`graph.sparql.store.load_store` or a graph (loaded on the fly).
    A query that calls a remote endpoint (``SERVICE``) is refused unless ``allow_service``.
    With a ``timeout`` (seconds) or a ``memory_mb`` limit the query runs in a forked child
    process that is killed when time is up (:class:`~graph.errors.TimedOut`) and cannot
    use the network (unless ``allow_service``) nor more memory (:class:`QueryTooBig`): its
    answer then comes back whole, solutions as a parsed results document and triples as a
    list. Without either it runs here, lazily. :func:`execute` and :func:`select` send less back.
    """
    store, options = _prepare(store_or_graph, query, bindings, base_iri, allow_service)
    if timeout is None and memory_mb is None:
        with _query_errors(query):
            return store.query(query, **options)
    return _unpack(_within(timeout, memory_mb, allow_service, lambda: _pack(store, query, options)))


class Answer(NamedTuple):
    """A query's answer as it is sent: its media type and its bytes."""

    media_type: str
    body: bytes


def execute(store_or_graph, query: str, bindings: Mapping[str, Binding] | None = None,
            base_iri: str = DEFAULT_BASE, fmt: str = "table", *, graph_format: str = "ntriples",
            row_cap: int | None = None, timeout: float | None = None, memory_mb: float | None = None,
            allow_service: bool = False, width: int | None = None) -> Answer:
    r"""Run ``query`` with these limits and write its answer: the one way ``pickgraph sparql`` and ``serve`` answer.

    The checks of :func:`check_query` first; SELECT and ASK answers in ``fmt`` (one of
    :data:`RESULT_FORMATS`), CONSTRUCT and DESCRIBE in ``graph_format`` (:data:`GRAPH_TYPES`), as
    :func:`write_result` writes them; more than ``row_cap`` rows or triples is :class:`TooManyResults`.
    With a ``timeout`` or ``memory_mb`` the query runs and is written in a child process
    (:func:`run` says how), so only the bytes come back; ``serve``'s query processes are
    confined and stopped by their pool instead. ``width`` fits a table to that many columns.

    >>> from graph.read import parse_text, EXAMPLE
    >>> from graph.read.records import ReadReport
    >>> from graph.kg.graph import build_graph
    >>> G = build_graph(ReadReport(pages=[parse_text(EXAMPLE, "ex.txt")]))
    >>> execute(G, "SELECT ?slug WHERE { ?c pg:pick ?w . ?w skos:notation ?slug }", fmt="csv")
    Answer(media_type='text/csv', body=b'slug\r\nredis\r\n')
    """
    if fmt not in RESULT_FORMATS:
        raise SparqlError(f"unknown results format {fmt!r}; choose one of: {', '.join(RESULT_FORMATS)}")
    if graph_format not in GRAPH_TYPES:
        raise SparqlError(f"unknown RDF format {graph_format!r}; choose one of: {', '.join(GRAPH_TYPES)}")
    store, options = _prepare(store_or_graph, query, bindings, base_iri, allow_service)

    def task() -> Answer:
        with _query_errors(query):
            return write_result(store.query(query, **options), fmt, base_iri, graph_format=graph_format,
                                row_cap=row_cap, width=width)

    return _within(timeout, memory_mb, allow_service, task)


@contextlib.contextmanager
def _query_errors(query: str) -> Iterator[None]:
    """What pyoxigraph raises, at the call or while results are read, as one-line :class:`SparqlError`."""
    try:
        yield
    except SyntaxError as exc:
        hint = " (updates are not allowed: the store is rebuilt from the pages each time)" if re.search(
            r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE)\b", query, re.I) else ""
        raise SparqlError(f"SPARQL syntax error: {exc}{hint}") from None
    except OSError as exc:  # a SERVICE call that failed, or the store's own files
        raise SparqlError(f"the query failed: {exc.strerror or exc}") from None
    except RuntimeError as exc:  # e.g. a substitution of a variable the SELECT does not project
        raise SparqlError(f"cannot run the query: {exc}") from None


def _pack(store, query: str, options: dict) -> bytes:
    """In the child: the whole answer as bytes (a SPARQL JSON results document, or N-Triples)."""
    with _query_errors(query):
        result = store.query(query, **options)
        if isinstance(result, ox.QueryTriples):
            return b"T" + result.serialize(format=ox.RdfFormat.N_TRIPLES)
        return b"S" + result.serialize(format=ox.QueryResultsFormat.JSON)


def _unpack(packed: bytes):
    if packed[:1] == b"T":
        return list(ox.parse(packed[1:], format=ox.RdfFormat.N_TRIPLES))
    return ox.parse_query_results(packed[1:], format=ox.QueryResultsFormat.JSON)


def value(term) -> str | None:
    """A result term as plain text: an IRI's string, a literal's lexical form, ``None`` if unbound."""
    return None if term is None else term.value


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {f"{_XSD}{t}" for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


def python_value(term) -> Any:
    """A result term as a Python value: ``int``, ``float``, ``Decimal``, ``bool``, ``date`` or
    ``datetime`` for literals of those XSD types, text otherwise (as :func:`value`).

    A literal whose text does not fit its type (``"x"^^xsd:integer``) stays text.

    >>> import pyoxigraph as ox
    >>> python_value(ox.Literal("4", datatype=ox.NamedNode(_XSD + "integer")))
    4
    >>> python_value(ox.Literal("true", datatype=ox.NamedNode(_XSD + "boolean")))
    True
    >>> python_value(ox.Literal("2024-02-29", datatype=ox.NamedNode(_XSD + "date")))
    datetime.date(2024, 2, 29)
    >>> python_value(ox.NamedNode("https://w3id.org/pickgraph/topic/redis"))
    'https://w3id.org/pickgraph/topic/redis'
    """
    if not isinstance(term, ox.Literal):
        return value(term)
    text, dt = term.value, term.datatype.value
    try:
        if dt in _INTEGERS:
            return int(text)
        if dt in (f"{_XSD}double", f"{_XSD}float"):
            return float(text.replace("INF", "inf"))
        if dt == f"{_XSD}decimal":
            return decimal.Decimal(text)
        if dt == f"{_XSD}boolean":
            return {"true": True, "1": True, "false": False, "0": False}[text]
        if dt == f"{_XSD}date":
            return datetime.date.fromisoformat(text)
        if dt == f"{_XSD}dateTime":
            return datetime.datetime.fromisoformat(text)
    except (ValueError, KeyError, decimal.InvalidOperation):
        pass
    return text


def _rows(result, typed: bool) -> list[dict[str, Any]]:
    """``{variable: value}`` of each solution (unbound variables left out)."""
    convert = python_value if typed else value
    names = [v.value for v in result.variables]
    return [{n: convert(row[n]) for n in names if row[n] is not None} for row in result]


def _select(store_or_graph, query: str, bindings: Mapping[str, Binding] | None, base_iri: str, typed: bool,
            timeout: float | None, allow_service: bool, caller: str,
            memory_mb: float | None = None) -> tuple[list[str], list[dict[str, Any]]]:
    """The SELECT variables and the rows."""
    store, options = _prepare(store_or_graph, query, bindings, base_iri, allow_service)

    def task() -> tuple[list[str], list[dict[str, Any]]]:
        with _query_errors(query):
            result = store.query(query, **options)
            if not isinstance(result, ox.QuerySolutions):
                raise SparqlError(f"{caller}() needs a SELECT query")
            return [v.value for v in result.variables], _rows(result, typed)

    return _within(timeout, memory_mb, allow_service, task)


def select(store_or_graph, query: str, bindings: Mapping[str, Binding] | None = None,
           base_iri: str = DEFAULT_BASE, *, typed: bool = True, timeout: float | None = None,
           allow_service: bool = False, memory_mb: float | None = None) -> list[dict[str, Any]]:
    """Rows of a ``SELECT`` as ``{variable: value}`` (unbound variables left out), in result order.

    Values are typed (:func:`python_value`: ``wins`` is ``4``, not ``'4'``); IRIs and other
    literals are their text. ``typed=False`` gives text throughout. ``timeout``, ``memory_mb`` and
    ``allow_service`` as for :func:`run`.
    """
    return _select(store_or_graph, query, bindings, base_iri, typed, timeout, allow_service, "select", memory_mb)[1]


def select_df(store_or_graph, query: str, bindings: Mapping[str, Binding] | None = None,
              base_iri: str = DEFAULT_BASE, *, timeout: float | None = None, allow_service: bool = False):
    """The rows of :func:`select` as a :class:`pandas.DataFrame`, one column per SELECT variable in order.

    Columns take pandas' nullable types (``Int64``, ``boolean``, ``string``), so an
    unbound value is ``<NA>`` without turning integers into floats. Needs the optional
    dependency pandas (``pip install 'pickgraph[pandas]'``).
    """
    try:
        import pandas as pd  # late: an optional dependency, which may be absent
    except ImportError:
        raise SparqlError("select_df() needs pandas: pip install 'pickgraph[pandas]'") from None
    names, rows = _select(store_or_graph, query, bindings, base_iri, True, timeout, allow_service, "select_df")
    return pd.DataFrame.from_records(rows, columns=names).convert_dtypes()


# ------------------------------------------------------------ the writer --

class TooManyResults(SparqlError):
    """An answer of more rows (or triples) than the cap the runner was given."""


def write_result(result, fmt: str = "table", base_iri: str = DEFAULT_BASE, *, graph_format: str = "ntriples",
                 row_cap: int | None = None, width: int | None = None) -> Answer:
    """A query's result written as it is sent: the one results writer (pyoxigraph's own, but for ``table``).

    SELECT and ASK in ``fmt``: the standard SPARQL JSON, XML, CSV or TSV results, or a text
    ``table`` that shortens IRIs with the predeclared prefixes (with ``width``, cells are cut
    with an ellipsis so each row fits). CONSTRUCT and DESCRIBE (a pyoxigraph result or a list
    of triples) in ``graph_format``: N-Triples sorted and without repeats, or Turtle with the
    predeclared prefixes. Past ``row_cap`` rows, :class:`TooManyResults`, raised before the
    rest of a lazy result is computed.
    """
    if isinstance(result, ox.QueryBoolean):
        body = (b"yes" if bool(result) else b"no") if fmt == "table" else result.serialize(format=_std(fmt))
        return Answer(RESULT_TYPES[fmt], body)
    if isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            return Answer(RESULT_TYPES[fmt], _table(result, prefixes(base_iri), width, row_cap).encode())
        if row_cap is None:
            return Answer(RESULT_TYPES[fmt], result.serialize(format=_std(fmt)))
        tsv = _capped_tsv(result, row_cap)
        body = tsv if fmt == "tsv" else \
            ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=_std(fmt))
        return Answer(RESULT_TYPES[fmt], body)
    triples = []
    for triple in result:
        if row_cap is not None and len(triples) == row_cap:
            raise _too_many(row_cap)
        triples.append(triple)
    if graph_format == "turtle":
        return Answer(GRAPH_TYPES[graph_format],
                      ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes(base_iri)))
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return Answer(GRAPH_TYPES["ntriples"], b"".join(sorted(set(data.splitlines(keepends=True)))))


def _std(fmt: str):
    return {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV}[fmt]


def _too_many(row_cap: int) -> TooManyResults:
    return TooManyResults(f"the query has more than {row_cap} results; add a LIMIT (at most {row_cap} per query)")


class _RowCap(io.RawIOBase):
    """Keeps what pyoxigraph's TSV results writer writes, and stops it past ``cap`` rows.

    TSV is one line per solution (a newline inside a value is written ``\\n``), so lines count
    rows; raising in ``write`` ends the writing, and with it the lazy query. The capped answer
    is then read back and written in the asked format by pyoxigraph: no writer of our own.
    """

    def __init__(self, cap: int):
        self.cap, self.lines, self.parts = cap, 0, []

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        data = bytes(b)
        self.lines += data.count(b"\n")
        if self.lines > self.cap + 1:  # the header line, then the rows
            raise _too_many(self.cap)
        self.parts.append(data)
        return len(data)


def _capped_tsv(solutions, cap: int) -> bytes:
    out = _RowCap(cap)
    solutions.serialize(out, format=ox.QueryResultsFormat.TSV)
    return b"".join(out.parts)


def _short(term, pfx: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in sorted(pfx.items(), key=lambda kv: -len(kv[1])):
            if term.value.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", term.value[len(ns):]):
                return f"{p}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    return term.value.replace("\n", "\\n")


def _table(solutions, pfx: dict[str, str], width: int | None = None, row_cap: int | None = None) -> str:
    names = [v.value for v in solutions.variables]
    rows = []
    for row in solutions:
        if row_cap is not None and len(rows) == row_cap:
            raise _too_many(row_cap)
        rows.append([_short(row[n], pfx) for n in names])
    out = format_table(names, rows, width, rule=True)
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def parse_results(data: bytes | str, fmt: str = "json", typed: bool = False) -> list[dict[str, Any]]:
    """Rows of a standard SPARQL results document (JSON, CSV or TSV) as ``{variable: text}``.

    Lets tests and scripts compare answers from a remote endpoint with :func:`select`
    (``typed=True`` gives the values :func:`select` gives; CSV carries no types).

    >>> parse_results('{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"a"}}]}}')
    [{'x': 'a'}]
    """
    if fmt == "csv":
        return [{k: v for k, v in r.items() if v != ""} for r in csv.DictReader(io.StringIO(_text(data)))]
    fmts = {"json": ox.QueryResultsFormat.JSON, "tsv": ox.QueryResultsFormat.TSV}
    result = ox.parse_query_results(data if isinstance(data, bytes) else data.encode(), format=fmts[fmt])
    if isinstance(result, ox.QueryBoolean):
        return [{"boolean": "true" if bool(result) else "false"}]
    return _rows(result, typed)


def _text(data: bytes | str) -> str:
    return data.decode("utf-8") if isinstance(data, bytes) else data


# ------------------------------------------------------- bundled queries --

def bundled_queries() -> dict[str, str]:
    """The ready queries shipped in ``graph/sparql/queries/``: ``{name: text}``, sorted by name."""
    folder = resources.files("graph.sparql").joinpath("queries")
    return {f.name[:-3]: f.read_text(encoding="utf-8")
            for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".rq")}


def describe_query(text: str) -> str:
    """The first comment line of a query file (its one-line summary)."""
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def read_query(spec: str) -> str:
    """The query text of a ``QUERY|@FILE.rq|@NAME`` argument.

    ``@NAME`` names a bundled query (``@topic-comparisons``) when no file of that name exists.
    """
    if not spec.startswith("@"):
        return spec
    path = Path(spec[1:])
    if path.is_file():
        return path.read_text(encoding="utf-8")
    queries = bundled_queries()
    name = path.name[:-3] if path.name.endswith(".rq") else path.name
    if name in queries and not path.parent.parts:
        return queries[name]
    raise SparqlError(f"no query file {spec[1:]!r} and no bundled query of that name; bundled: "
                      + ", ".join(f"@{n}" for n in queries))


__all__ = ["RESULT_FORMATS", "RESULT_TYPES", "GRAPH_TYPES", "Answer", "TooManyResults", "execute", "write_result", "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_MB", "MAX_NESTING", "MAX_QUERY_CHARS", "SparqlError",
           "ServiceRefused", "QueryTooBig", "expand_escapes", "nesting", "check_query", "memory_message", "query_died", "prefixes", "with_prefixes", "iri",
           "parse_binding", "topic_term", "service_calls", "check_offline", "run", "select", "select_df",
           "value",
           "python_value", "parse_results", "bundled_queries", "describe_query", "read_query"]
