"""The routes: the explorer page and its assets, the JSON API under /api/, and /sparql.

The API's routes are made from the table of queries (:mod:`graph.query.api`), as the
CLI's query commands are, so a route answers what the command's ``--json`` prints; an
error is the one JSON error body (:func:`graph.errors.error_body`) with an HTTP status. Handlers read the current build once
(``live.current``) and use that one to the end: a switch to a newer build never
mixes two builds in one answer.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from graph.errors import BadArguments, PickgraphError, TimedOut, UnknownTopic, error_body
from graph.export.html import vis_assets
from graph.kg.graph import find_topic
from graph.query.api import TABLE, Page, Query, parse_params
from graph.serve.neighbours import neighbourhood
from graph.serve.overview import find_names, overview_bytes, overview_part
from graph.serve.editor import vocabulary, wants_editor
from graph.serve.origins import middleware as origin_middleware
from graph.serve.runner import QueryRefused, QueryRunner, check_query
from graph.serve.search import MAX_LIMIT as SEARCH_LIMIT, search_answer
from graph.sparql import run as sp
from graph.sparql.run import Answer
from graph.serve.state import Build, Live
from graph.serve.table import BadView, facets, table_csv, table_rows, table_view

#: The HTML export's policy, with 'self' where the export inlines: scripts, styles and fetches
#: from this server only, nothing from elsewhere, no forms, no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


#: the routes whose work grows with the number of topics asked about
_MANY_TOPICS = {"suggest": lambda request: len(request.query_params.getlist("topic")) > 1}

#: an API route whose answers take longer than this on average (ms) makes them in a thread, not on the loop
INLINE_MS = 5.0


@dataclass(frozen=True)
class Limits:
    body_bytes: int = 1_000_000  # a request body (a POSTed query)
    query_chars: int = 100_000  # a query's text
    page: int = 1_000  # topics per /api/topics page
    neighbours: int = 200  # topics per /api/neighbours answer


class BadRequest(PickgraphError):
    """A request the server cannot read: a missing or bad parameter, a body too large."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self._http_status = status  # private: the HTTP status is the response's, not a field of its body


def _status(exc: PickgraphError) -> int:
    if isinstance(exc, BadRequest):
        return exc._http_status
    if isinstance(exc, UnknownTopic):
        return 404
    if isinstance(exc, TimedOut):
        return 503
    return 400  # the library's errors are the request's: two equal topics, a bad query, …


def server_timing(timing: dict[str, float], total: float) -> str:
    """A ``Server-Timing`` header (W3C Server Timing; shown by browsers' developer tools) for a SPARQL
    answer: the wait for a query process and the query's run, or ``cache`` when a kept answer served.

    >>> server_timing({"wait": 0.0021, "query": 0.0135}, 0.0162)
    'wait;dur=2.1, query;dur=13.5, total;dur=16.2'
    >>> server_timing({}, 0.0003)
    'cache, total;dur=0.3'
    """
    parts = [f"{name};dur={timing[name] * 1000:.1f}" for name in ("wait", "query") if name in timing] or ["cache"]
    return ", ".join([*parts, f"total;dur={total * 1000:.1f}"])


def error_response(exc: PickgraphError, headers: dict[str, str] | None = None) -> Response:
    """The JSON error body of ``exc`` (see docs/cli.md), with the HTTP status it stands for."""
    return _json(error_body(exc), _status(exc), headers)


class Reply(NamedTuple):
    """An API answer: its JSON bytes and any headers of its own."""
    body: bytes
    headers: dict[str, str] | None = None


def _dumps(data: Any) -> bytes:
    # the CLI's --json without its indentation: json's C encoder writes only unindented JSON, and
    # the answers are fewer bytes (docs/performance.md, "Figures behind the code's choices")
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(data), status, {**SECURITY_HEADERS, **(headers or {})}, media_type="application/json")


def _one(request: Request, name: str) -> str:
    values = request.query_params.getlist(name)
    if len(values) != 1 or not values[0].strip():
        raise BadRequest(f"give one '{name}' parameter (a topic's name, slug or alias)")
    return values[0]


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def create_app(live: Live, runner: QueryRunner, limits: Limits = Limits(),
               hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]"), cors: tuple[str, ...] = ()) -> Starlette:
    """The server's application: ``live`` gives the build, ``runner`` runs SPARQL queries; pages of the
    ``cors`` origins may use it besides its own (see :mod:`.origins`)."""

    def api(answer: Callable[[Request, Build], Any], keep: bool = True,
            thread: Callable[[Request], bool] = lambda _request: False) -> Callable:
        """A handler of ``answer``. Its work is done on the event loop while this route's answers take
        little time (a running mean under :data:`INLINE_MS`), else in a thread, as is any request for
        which ``thread(request)``. A question about one topic or a pair is a short walk of their edges,
        shorter than handing it to a thread and back on a busy interpreter (docs/performance.md).
        Work that grows with the request (suggestions for several topics) or with a bigger graph goes
        to a thread, so it never holds the loop long."""
        cost = [0.0]  # this route's running mean of CPU ms per answer (a race between threads only blurs it)

        async def handler(request: Request) -> Response:
            build = live.current  # read once: this request answers from this build

            def reply() -> Reply:
                began = time.thread_time()  # CPU time: in a thread, the waits for the interpreter lock are not its cost
                data = answer(request, build)
                data = data if isinstance(data, Reply) else Reply(_dumps(data))
                cost[0] += ((time.thread_time() - began) * 1000 - cost[0]) / 16
                return data

            async def compute() -> Reply:
                if cost[0] > INLINE_MS or thread(request):
                    return await run_in_threadpool(reply)
                return reply()

            try:
                if keep:  # a build never changes: the same request gets the same answer until the switch
                    key = (request.url.path, tuple(sorted(request.query_params.multi_items())))
                    data = await build.api_answers.get(key, compute, lambda r: len(r.body) + len(repr(key)))
                else:
                    data = await compute()
            except PickgraphError as exc:
                return error_response(exc)
            return Response(data.body, 200, {**SECURITY_HEADERS, **(data.headers or {})}, media_type="application/json")

        return handler

    def query_route(query: Query) -> Callable[[Request, Build], Any]:
        """The answer of ``query`` to a request's parameters, from the table (as the CLI's command)."""

        def answer(request: Request, build: Build) -> Any:
            args = parse_params(query, list(request.query_params.multi_items()))
            if not 1 <= args.get("limit", 1) <= limits.page:  # topics a page at a time, never all at once
                raise BadArguments(f"'limit' must be a whole number from 1 to {limits.page}, not {args['limit']}")
            data = query.answer(build.G, lambda: build.models, args)
            if isinstance(data, Page):
                return Reply(_dumps(data), {"X-Total-Count": str(data.total)})
            return data

        return answer

    def neighbours(request: Request, build: Build) -> Any:
        return neighbourhood(build.G, find_topic(build.G, _one(request, "topic")),
                             _int(request, "limit", 30, 1, limits.neighbours))

    def status(request: Request, build: Build) -> Any:
        return {**build.status(), "switches": live.switches, "out": live.out, "sparql_cache": build.answers.stats(),
                "api_cache": build.api_answers.stats()}

    # ------ the explorer's start page: the whole graph's layout, names as typed (graph/serve/overview.py)
    def overview(request: Request, build: Build) -> Any:
        if "start" in request.query_params or "stop" in request.query_params:  # one tier: the page's level of detail
            return overview_part(build.G, live.out, _int(request, "start", 0, 0, 10**9),
                                 _int(request, "stop", 10**9, 0, 10**9))
        return Reply(overview_bytes(build.G, live.out))

    def names(request: Request, build: Build) -> Any:
        q = request.query_params.get("q", "")
        if len(q) > 200:
            raise BadRequest("'q' is over 200 characters")
        # whether the page may also ask /api/search (full text): told here, as a probe's 404 is a console error
        full_text = any(getattr(r, "path", None) == "/api/search" for r in routes)
        return {**find_names(build.G, q, _int(request, "limit", 10, 1, 100)), "full_text": full_text}

    async def sparql(request: Request) -> Response:
        if request.method == "GET" and wants_editor(request.headers.get("accept", ""),
                                                    list(request.query_params.multi_items())):
            return html("sparql")  # a browser's visit: the editor; protocol requests go on below
        if request.method == "OPTIONS":  # a browser's preflight is answered by the CORS middleware
            return Response(status_code=204, headers={"Allow": "GET, POST, OPTIONS"})
        build = live.current
        began, timing = time.perf_counter(), {}
        try:
            params = await _protocol_params(request, limits)
            query = params.pop("query")
            bindings = sorted((name[1:], value) for name, value in params.items() if name.startswith("$"))
            for name, value in bindings:
                sp.parse_binding(f"{name}={value}")  # a bad binding is the client's error, told here
            rfmt, gfmt = negotiate(request.headers.get("accept", ""),
                                   params.get("format") or params.get("output"))

            async def run() -> Answer:
                check_query(query, limits.query_chars)  # a kept answer is of a query that passed it
                return await runner.run(build.store, query, bindings, live.base_iri, rfmt, gfmt, timing)

            # the build never changes: an answer given once is given again, until the switch drops it
            answer = await build.answers.get((query, tuple(bindings), live.base_iri, rfmt, gfmt), run,
                                             lambda a: len(a.body) + len(query))
        except PickgraphError as exc:
            return error_response(exc)
        return Response(answer.body, 200, {"X-Content-Type-Options": "nosniff",
                                           "Cache-Control": "no-store",
                                           "Server-Timing": server_timing(timing, time.perf_counter() - began)},
                        media_type=answer.media_type)

    def html(name: str) -> Response:
        return Response(_page(name), 200, SECURITY_HEADERS, media_type="text/html")

    def page(request: Request) -> Response:
        return html("index")

    # -- full-text search, the topics table, the SPARQL editor's vocabulary (graph/serve/{search,table,editor}.py)
    def search(request: Request, build: Build) -> Any:
        return search_answer(build.text, request.query_params.get("q", ""),
                             _int(request, "limit", 20, 1, SEARCH_LIMIT))

    def view(request: Request, build: Build) -> list[dict[str, Any]]:
        params = request.query_params
        community = _int(request, "community", -1, 0, 10**9) if "community" in params else None
        try:
            return table_view(table_rows(build.G), params.get("sort", "comparisons"), params.get("order", "desc"),
                              community, params.get("kind"), params.get("q", ""))
        except BadView as exc:
            raise BadRequest(str(exc)) from None

    def table(request: Request, build: Build) -> Any:
        offset = _int(request, "offset", 0, 0, 10**9)
        limit = _int(request, "limit", 50, 1, limits.page)
        rows = view(request, build)
        return {"total": len(rows), "offset": offset, "limit": limit, "rows": rows[offset:offset + limit],
                **facets(table_rows(build.G))}

    async def table_download(request: Request) -> Response:
        fmt, build = request.path_params["fmt"], live.current
        if fmt not in ("csv", "json"):
            return Response("not found\n", 404, SECURITY_HEADERS, media_type="text/plain")
        try:
            rows = await run_in_threadpool(view, request, build)
        except PickgraphError as exc:
            return error_response(exc)
        body, media = (table_csv(rows).encode(), "text/csv") if fmt == "csv" else (_dumps(rows), "application/json")
        return Response(body, 200, {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="topics.{fmt}"'},
                        media_type=media)

    def topics_page(request: Request) -> Response:
        return html("topics")

    def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSET_TYPES:
            return Response("not found\n", 404, SECURITY_HEADERS, media_type="text/plain")
        return Response(_asset(name), 200, {**SECURITY_HEADERS, "Cache-Control": "max-age=3600"},
                        media_type=_ASSET_TYPES[name])

    routes = [
        Route("/", page),
        Route("/static/{name:path}", asset),  # only the names in _ASSET_TYPES
        Route("/api/status", api(status, keep=False)),
        # suggestions for several topics grow with the request: in a thread, never on the loop
        *(Route(f"/api/{q.name}", api(query_route(q), thread=_MANY_TOPICS.get(q.name, lambda _request: False)))
          for q in TABLE),
        Route("/api/neighbours", api(neighbours)),
        # the layout is read from the out folder (or made, for a build without it): never on the loop
        Route("/api/overview", api(overview, thread=lambda request: True)),
        Route("/api/names", api(names)),
        Route("/topics", topics_page),
        Route("/api/search", api(search)),
        Route("/api/table", api(table, thread=lambda _request: True)),  # the first view of a build runs Louvain
        Route("/api/table.{fmt:str}", table_download),
        Route("/api/vocabulary", api(lambda _request, _build: vocabulary(live.base_iri))),
        Route("/sparql", sparql, methods=["GET", "POST", "OPTIONS"]),
    ]
    # a page elsewhere that rebinds its own name to 127.0.0.1 is refused by its Host header
    return Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts)),
                                                *origin_middleware(cors)])


# ------------------------------------------------------------ protocol --

_RESULT_ACCEPT = {"application/sparql-results+json": "json", "application/json": "json",
                  "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
                  "text/csv": "csv", "text/tab-separated-values": "tsv"}
_GRAPH_ACCEPT = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples",
                 "text/plain": "ntriples"}
_FORMAT_NAMES = {"json": ("json", None), "xml": ("xml", None), "csv": ("csv", None), "tsv": ("tsv", None),
                 "turtle": (None, "turtle"), "ttl": (None, "turtle"), "ntriples": (None, "ntriples"),
                 "nt": (None, "ntriples"), "n-triples": (None, "ntriples")}


def negotiate(accept: str, named: str | None = None) -> tuple[str, str]:
    """(results format, RDF format) for an Accept header; a ``format=`` parameter wins over it.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml")
    ('xml', 'turtle')
    >>> negotiate("application/n-triples, */*;q=0.1", "csv")
    ('csv', 'ntriples')
    """
    ranked = []
    for i, part in enumerate(accept.split(",")):
        media, *opts = [p.strip() for p in part.split(";")]
        q = 1.0
        for opt in opts:
            if opt.startswith("q="):
                try:
                    q = float(opt[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, i, media.lower()))
    ranked.sort()
    rfmt = next((_RESULT_ACCEPT[m] for _, _, m in ranked if m in _RESULT_ACCEPT), "json")
    gfmt = next((_GRAPH_ACCEPT[m] for _, _, m in ranked if m in _GRAPH_ACCEPT), "turtle")
    r, g = _FORMAT_NAMES.get((named or "").lower(), (None, None))
    return r or rfmt, g or gfmt


async def _protocol_params(request: Request, limits: Limits) -> dict[str, str]:
    """The query and its parameters from a SPARQL 1.1 Protocol request (GET, POST form, POST query)."""
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > limits.body_bytes):
            raise BadRequest(f"the request body is over {limits.body_bytes} bytes", 413)
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > limits.body_bytes:
                    raise BadRequest(f"the request body is over {limits.body_bytes} bytes", 413)
        except ClientDisconnect:  # gone, or closed at --request-timeout: an answer nobody reads, not a traceback
            raise BadRequest("the connection closed before the request's body arrived", 408) from None
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise QueryRefused("this endpoint is read-only: no SPARQL Update")
        if media == "application/sparql-query":
            pairs.append(("query", _utf8(body)))
        elif media == "application/x-www-form-urlencoded":
            pairs += parse_qsl(_utf8(body), keep_blank_values=True)
        else:
            raise BadRequest("POST a query as application/sparql-query or as a form "
                             "(application/x-www-form-urlencoded) with a 'query' field", 415)
    names = [n for n, _ in pairs]
    if "update" in names:
        raise QueryRefused("this endpoint is read-only: no SPARQL Update")
    if names.count("query") != 1:
        raise BadRequest("give exactly one 'query' (SPARQL 1.1 Protocol)")
    if "default-graph-uri" in names or "named-graph-uri" in names:
        raise BadRequest("default-graph-uri and named-graph-uri are not supported: the default graph is the "
                         "union of every document's graph; use GRAPH ?doc { … } for one document")
    return dict(pairs)


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8") from None


# ---------------------------------------------------------------- assets --

_ASSET_TYPES = {"index.html": "text/html", "explorer.js": "text/javascript", "explorer.css": "text/css",
                "topics.js": "text/javascript",
                "sparql.js": "text/javascript", "pages.js": "text/javascript", "pages.css": "text/css",
                "vis-network.min.js": "text/javascript", "vis-network.css": "text/css",
                "vendor/sigma.min.js": "text/javascript", "vendor/graphology.umd.min.js": "text/javascript"}
_ASSETS: dict[str, bytes] = {}


#: the pages that share one head (static/page.html, filled here): their title and script; the .html is their body
_PAGE_PARTS = {"topics": ("topics", "topics.js"), "sparql": ("SPARQL", "sparql.js")}


def _page(name: str) -> bytes:
    """The HTML of the page ``name``: index.html as it is; /topics and /sparql, their body in the shared head."""
    if name not in _PAGE_PARTS:
        return _asset(f"{name}.html")
    key = f"page:{name}"
    if key not in _ASSETS:
        title, script = _PAGE_PARTS[name]
        head = Template(_asset("page.html").decode("utf-8"))
        _ASSETS[key] = head.substitute(title=title, script=script,
                                       body=_asset(f"{name}.html").decode("utf-8")).encode("utf-8")
    return _ASSETS[key]


def _asset(name: str) -> bytes:
    if name not in _ASSETS:
        if name.startswith("vis-network"):
            js, css = vis_assets()  # the copy pyvis ships, as the HTML export inlines it
            _ASSETS["vis-network.min.js"], _ASSETS["vis-network.css"] = js.encode(), css.encode()
        else:
            _ASSETS[name] = (resources.files("graph.serve") / "static" / name).read_bytes()
    return _ASSETS[name]
