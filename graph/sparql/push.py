"""Push the export to a SPARQL 1.1 store through the Graph Store HTTP Protocol.

The union graph's distinct triples go, as N-Triples, to one named graph in batches: a ``PUT
{endpoint}?graph={IRI}`` with the first batch replaces the graph, a ``POST`` of
each further batch adds to it, so pushing twice leaves the store as pushing
once, and no request carries more than ``batch_size`` triples. The endpoint is
the store's Graph Store service:

=========  ==============================================
Oxigraph   ``http://localhost:7878/store``
Fuseki     ``http://localhost:3030/DATASET/data``
GraphDB    ``http://localhost:7200/repositories/REPO/rdf-graphs/service``
Virtuoso   ``http://localhost:8890/sparql-graph-crud-auth`` (Digest)
=========  ==============================================

Every reply is checked before the next request: only ``200``, ``201`` and ``204``
(what the protocol answers for a stored graph) count as done. One deadline
covers every request of a push together, however slowly the store answers.

Credentials come from the environment, never from the command line or the
URL, and are never printed: ``PICKGRAPH_PUSH_TOKEN`` (sent as
``Authorization: Bearer …``) or ``PICKGRAPH_PUSH_USER`` with
``PICKGRAPH_PUSH_PASSWORD`` (HTTP Basic; HTTP Digest, as Virtuoso asks, with
``PICKGRAPH_PUSH_AUTH=digest``).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import ssl
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import networkx as nx
import pyoxigraph as ox

from graph.build.progress import phase
from graph.read.records import escape_path
from graph.errors import PickgraphError, TimedOut
from graph.rdf.mapping import DEFAULT_BASE, check_base, check_iri
from graph.rdf.syntaxes import serialize

ENV_TOKEN = "PICKGRAPH_PUSH_TOKEN"
ENV_USER = "PICKGRAPH_PUSH_USER"
ENV_PASSWORD = "PICKGRAPH_PUSH_PASSWORD"
ENV_AUTH = "PICKGRAPH_PUSH_AUTH"
AUTH_KINDS = ("basic", "digest")
DEFAULT_TIMEOUT = 600.0
DEFAULT_BATCH = 100_000
#: what the Graph Store Protocol answers when it has stored the graph (created, or replaced/added)
STORED = {200: "OK", 201: "Created", 204: "No Content"}


class PushError(PickgraphError):
    """The store could not be reached, refused the data or answered something else than "stored"."""


def default_graph_iri(base_iri: str = DEFAULT_BASE) -> str:
    """The named graph ``push`` replaces unless told otherwise.

    >>> default_graph_iri()
    'https://w3id.org/pickgraph/graph/all'
    """
    return f"{check_base(base_iri)}graph/all"


def check_endpoint(endpoint: str) -> urllib.parse.SplitResult:
    """The parts of a usable endpoint URL (http or https, a host, a port that fits, no credentials).

    >>> check_endpoint("http://127.0.0.1:7878/store").port
    7878
    >>> check_endpoint("http://[::1")
    Traceback (most recent call last):
    ...
    graph.sparql.push.PushError: the endpoint 'http://[::1' is not a URL: Invalid IPv6 URL
    """
    try:
        parts = urllib.parse.urlsplit(endpoint)
        parts.port  # noqa: B018 - parsed on access: raises for a port that is not a number in range
    except ValueError as exc:
        raise PushError(f"the endpoint {_redact(endpoint)!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError(f"the endpoint must be an http:// or https:// URL, not {_redact(endpoint)!r}")
    if parts.username or parts.password:
        raise PushError(f"the endpoint URL carries credentials; remove them and set {ENV_TOKEN}, "
                        f"or {ENV_USER} and {ENV_PASSWORD}, instead")
    if parts.fragment or any(c.isspace() or ord(c) < 32 for c in endpoint):
        raise PushError(f"the endpoint {endpoint!r} is not a URL a request can go to (a #fragment or a space)")
    return parts


def target_url(endpoint: str, graph_iri: str) -> str:
    """The Graph Store URL of one named graph (indirect identification, ``?graph=``).

    >>> target_url("http://localhost:7878/store", "https://w3id.org/pickgraph/graph/all")
    'http://localhost:7878/store?graph=https%3A%2F%2Fw3id.org%2Fpickgraph%2Fgraph%2Fall'
    """
    parts = check_endpoint(endpoint)
    sep = "&" if parts.query else "?"
    return f"{endpoint}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"


def _redact(url: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
        if not (parts.username or parts.password):
            return url
        host = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit(parts._replace(netloc=f"***@{host}"))
    except ValueError:  # not even a URL: hide anything between // and an @
        head, at, tail = url.rpartition("@")
        return f"{head.split('//')[0]}//***@{tail}" if at else url


# ------------------------------------------------------------------ auth --

def auth_kind(env: Mapping[str, str] | None = None) -> str | None:
    """``"bearer"``, ``"basic"``, ``"digest"`` or ``None``: which credentials the environment holds.

    >>> auth_kind({"PICKGRAPH_PUSH_USER": "dba", "PICKGRAPH_PUSH_AUTH": "Digest"})
    'digest'
    """
    env = os.environ if env is None else env
    if env.get(ENV_TOKEN):
        return "bearer"
    if not env.get(ENV_USER):
        return None
    kind = env.get(ENV_AUTH, "basic").strip().lower() or "basic"
    if kind not in AUTH_KINDS:
        raise PushError(f"{ENV_AUTH}={env[ENV_AUTH]!r}: choose one of {', '.join(AUTH_KINDS)}")
    return kind


def _auth(env: Mapping[str, str]) -> tuple[httpx.Auth | None, dict[str, str]]:
    """httpx's own auth for the environment's credentials (Digest answers the store's challenge,
    RFC 7616), or the Bearer header."""
    kind = auth_kind(env)
    if kind == "bearer":
        return None, {"Authorization": f"Bearer {env[ENV_TOKEN]}"}
    if kind == "basic":
        return httpx.BasicAuth(env[ENV_USER], env.get(ENV_PASSWORD, "")), {}
    if kind == "digest":
        return httpx.DigestAuth(env[ENV_USER], env.get(ENV_PASSWORD, "")), {}
    return None, {}


# ----------------------------------------------------------------- batches --

def ntriples(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE) -> bytearray:
    """The distinct triples of the union graph as N-Triples, in the order the Turtle export writes them.

    The same lines as the N-Triples export, unsorted: made from the fast Turtle writer
    through Oxigraph's parser, with a 16-byte digest per line to drop repeats, it costs
    less time and memory than the sorted export (figures in docs/performance.md).
    """
    seen: set[bytes] = set()
    body = bytearray()
    for triple in ox.parse(serialize(G, "turtle", base_iri), format=ox.RdfFormat.TURTLE):
        line = f"{triple} .\n".encode()
        key = hashlib.blake2b(line, digest_size=16).digest()
        if key not in seen:
            seen.add(key)
            body += line
    return body


def batches(body: bytes | bytearray, size: int) -> Iterator[memoryview]:
    """``body`` (N-Triples, one statement a line) cut into runs of at most ``size`` lines, without copies.

    >>> [bytes(b) for b in batches(b"a .\\nb .\\nc .\\n", 2)]
    [b'a .\\nb .\\n', b'c .\\n']
    >>> [bytes(b) for b in batches(b"", 2)]
    [b'']
    """
    view, start, n = memoryview(body), 0, len(body)
    if not n:
        yield view
        return
    while start < n:
        end = start
        for _ in range(size):
            end = body.find(b"\n", end, n) + 1
            if not end:
                end = n
                break
            if end >= n:
                break
        yield view[start:end]
        start = end


# ------------------------------------------------------------------- push --

class _Session:
    """HTTP requests to one store over one httpx client, all inside one deadline.

    httpx's timeouts limit each wait, not the sum: a store that trickles a byte every two
    seconds never trips them. So the whole push runs under one ``asyncio.timeout``, which
    cancels whatever send or read is waiting when the deadline passes.
    """

    def __init__(self, endpoint: str, timeout: float, env: Mapping[str, str] | None):
        self.parts = check_endpoint(endpoint)
        self.where = _redact(endpoint)
        self.timeout = timeout
        env = os.environ if env is None else env
        self.kind = auth_kind(env)
        auth, headers = _auth(env)
        self.client = httpx.AsyncClient(auth=auth, headers={"User-Agent": "pickgraph", **headers},
                                        timeout=httpx.Timeout(timeout), follow_redirects=False,
                                        trust_env=False)  # no http_proxy, no .netrc: the store named, directly
        self.kept_alive = False  # whether the last reply left its connection open for the next request

    def timed_out(self) -> TimedOut:
        return TimedOut(f"no complete answer from {self.where} within {self.timeout:g} s (timeout); "
                        "give it more time with --timeout SECONDS")

    async def request(self, method: str, url: str, body: bytes = b"",
                      content_type: str | None = None) -> httpx.Response:
        """The store's whole reply to one request (a Digest challenge answered by httpx)."""
        headers = {"Content-Type": content_type} if content_type else {}
        for attempt in (1, 2):
            try:
                reply = await self.client.request(method, url, content=body, headers=headers)
                self.kept_alive = reply.headers.get("Connection", "").lower() != "close"
                return reply
            except httpx.TimeoutException:
                raise self.timed_out() from None
            except httpx.HTTPError as exc:
                # a kept-alive connection the store had closed meanwhile: once more on a new one
                # (a repeated PUT or POST of the same triples leaves the same graph)
                stale = isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)) \
                    and self.kept_alive
                self.kept_alive = False
                if not (stale and attempt == 1):
                    raise self._failure(exc) from None
        raise AssertionError("unreachable")

    def _failure(self, exc: httpx.HTTPError) -> PushError:
        cause = _root(exc)
        if isinstance(cause, ConnectionRefusedError):
            return PushError(f"cannot connect to {self.where}: connection refused (is the store running?)")
        if isinstance(cause, socket.gaierror):
            return PushError(f"cannot reach {self.where}: unknown host {self.parts.hostname!r}")
        if isinstance(cause, ssl.SSLError):
            return PushError(f"TLS with {self.where} failed: {cause.reason or cause}")
        if isinstance(exc, httpx.RemoteProtocolError):
            if "without sending a response" in str(exc):
                return PushError(f"{self.where} closed the connection without a complete answer")
            return PushError(f"{self.where} sent a malformed reply ({escape_path(str(exc))})")
        if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
            return PushError(f"{self.where} closed the connection without a complete answer")
        detail = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(exc) or type(exc).__name__
        return PushError(f"cannot reach {self.where}: {detail}")


def _root(exc: BaseException) -> BaseException:
    """The first cause of ``exc`` (httpx wraps httpcore's error, which wraps the socket's)."""
    seen = exc
    while (seen.__cause__ or seen.__context__) is not None:
        seen = seen.__cause__ or seen.__context__
    return seen


def _check_reply(reply: httpx.Response, where: str, method: str, done: int, total: int, kind: str | None) -> None:
    if reply.status_code in STORED:
        return
    # the store's words are a stranger's: one line, and nothing in them that a terminal would act on
    reason = escape_path(reply.reason_phrase)
    text = escape_path(" ".join(reply.content[:300].decode("utf-8", "replace").split())[:200])
    detail = f": {text}" if text else ""
    if reply.status_code in (401, 403):
        hint = " (check the credentials in the PICKGRAPH_PUSH_* variables"
        challenges = " ".join(reply.headers.get_list("WWW-Authenticate")).lower()
        # Virtuoso answers Basic with a bare 401: say what it wants in either case
        if kind in (None, "basic") and ("digest" in challenges or (kind and not challenges)):
            hint += f"; a store that asks for Digest, as Virtuoso does, needs {ENV_AUTH}=digest"
        detail = hint + ")" + detail
    elif 300 <= reply.status_code < 400 and "Location" in reply.headers:
        detail = f" (it moved to {escape_path(reply.headers['Location'])}: push there)"
    elif 200 <= reply.status_code < 300:
        detail = f" (not one of {', '.join(map(str, STORED))}: the store did not say it stored the graph){detail}"
    partial = f"; the graph now holds {done} of {total} triples: push again" if done else ""
    raise PushError(f"{where} answered HTTP {reply.status_code} {reason} to the {method}{detail}{partial}")


def push(G: nx.MultiDiGraph, endpoint: str, graph_iri: str | None = None, base_iri: str = DEFAULT_BASE,
         timeout: float = DEFAULT_TIMEOUT, env: Mapping[str, str] | None = None,
         batch_size: int = DEFAULT_BATCH) -> dict[str, Any]:
    """Replace the named graph ``graph_iri`` at ``endpoint`` with the triples of ``G``.

    The triples go in requests of at most ``batch_size`` (PUT, then POSTs); the store has
    ``timeout`` seconds for all of them together, counted from the first request
    (:class:`~graph.errors.TimedOut` after).
    Returns ``{"endpoint", "graph", "triples", "status", "requests"}`` (``status``: the
    store's answer to the PUT, 201 created or 200/204 replaced); raises
    :class:`PushError` with a one-line reason for a bad endpoint, a refused connection,
    an HTTP error or a reply that is not "stored". A failure after the first batch
    leaves the graph with the batches sent so far (the message says so).
    """
    check_endpoint(endpoint)
    if batch_size < 1:
        raise PushError(f"the batch size must be at least 1 triple, not {batch_size}")
    graph_iri = check_iri(graph_iri or default_graph_iri(base_iri), "graph IRI")
    url = target_url(endpoint, graph_iri)
    session = _Session(endpoint, timeout, env)
    with phase("push: N-Triples of the graph"):
        body = ntriples(G, base_iri)
    total = body.count(b"\n")
    status, requests = asyncio.run(_send_all(session, url, body, batch_size, total))
    return {"endpoint": endpoint, "graph": graph_iri, "triples": total, "status": status, "requests": requests}


async def _send_all(session: _Session, url: str, body: bytearray, batch_size: int, total: int) -> tuple[int, int]:
    """The batches of ``body`` to ``url`` inside the session's one deadline: (the PUT's status, requests)."""
    sent = status = requests = 0
    try:
        async with session.client, asyncio.timeout(session.timeout):
            if session.kind == "digest":
                # learn the challenge from a request without a body (and without effect), so that no batch goes twice
                await session.request("HEAD", url)
            with phase("push", total, "triple") as bar:
                for chunk in batches(body, batch_size):
                    method = "POST" if requests else "PUT"  # the PUT replaces the graph, each POST adds to it
                    reply = await session.request(method, url, bytes(chunk), "application/n-triples; charset=utf-8")
                    _check_reply(reply, session.where, method, body.count(b"\n", 0, sent), total, session.kind)
                    status, requests, sent = status or reply.status_code, requests + 1, sent + len(chunk)
                    bar.advance(body.count(b"\n", sent - len(chunk), sent))  # the triples of this batch
    except TimeoutError:
        raise session.timed_out() from None
    return status, requests


__all__ = ["push", "PushError", "default_graph_iri", "check_endpoint", "target_url", "auth_kind", "ntriples", "batches", "STORED", "ENV_TOKEN", "ENV_USER", "ENV_PASSWORD", "ENV_AUTH", "DEFAULT_TIMEOUT",
           "DEFAULT_BATCH"]
