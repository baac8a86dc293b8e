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

import base64
import hashlib
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import networkx as nx

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


def auth_header(env: Mapping[str, str] | None = None) -> str | None:
    """The ``Authorization`` header sent with every request (Bearer, Basic), or ``None``.

    Digest needs the store's challenge first: see :class:`Digest`.

    >>> auth_header({"PICKGRAPH_PUSH_USER": "ann", "PICKGRAPH_PUSH_PASSWORD": "s3cret"})
    'Basic YW5uOnMzY3JldA=='
    >>> auth_header({})
    """
    env = os.environ if env is None else env
    kind = auth_kind(env)
    if kind == "bearer":
        return f"Bearer {env[ENV_TOKEN]}"
    if kind == "basic":
        raw = f"{env[ENV_USER]}:{env.get(ENV_PASSWORD, '')}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")
    return None


def _challenge_params(header: str) -> dict[str, str] | None:
    """The parameters of the ``Digest`` challenge in a ``WWW-Authenticate`` value, if there is one."""
    start = header.lower().find("digest ")
    if start < 0:
        return None
    text, params, i = header[start + 7:], {}, 0
    while i < len(text):
        eq = text.find("=", i)
        if eq < 0:
            break
        key = text[i:eq].strip(" ,").lower()
        if " " in key:  # the next scheme of a list of challenges starts here
            break
        i = eq + 1
        if text[i:i + 1] == '"':
            j, val = i + 1, []
            while j < len(text) and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                val.append(text[j:j + 1])
                j += 1
            params[key], i = "".join(val), j + 1
        else:
            end = text.find(",", i)
            end = len(text) if end < 0 else end
            params[key], i = text[i:end].strip(), end
        i += 1
    return params


class Digest:
    """HTTP Digest credentials (RFC 7616: MD5 or SHA-256, ``qop=auth``) that answer a store's challenge.

    One challenge serves many requests (the nonce count goes up); a ``stale`` nonce is
    replaced by the store's new challenge.

    >>> d = Digest("Mufasa", "Circle Of Life")
    >>> d.challenge('Digest realm="testrealm@host.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"')
    True
    >>> d.cnonce = "0a4f113b"
    >>> 'response="6629fae49393a05397450978507c4ef1"' in d.header("GET", "/dir/index.html")
    True
    """

    _HASHES = {"md5": hashlib.md5, "md5-sess": hashlib.md5, "sha-256": hashlib.sha256,
               "sha-256-sess": hashlib.sha256}

    def __init__(self, user: str, password: str):
        self.user, self.password = user, password
        self.params: dict[str, str] | None = None
        self.count = 0
        self.cnonce = os.urandom(8).hex()

    def challenge(self, header: str) -> bool:
        """Take the store's ``WWW-Authenticate`` challenge; False if it is not one this class can answer."""
        params = _challenge_params(header)
        if not params or "nonce" not in params or params.get("algorithm", "MD5").lower() not in self._HASHES:
            return False
        qops = [q.strip() for q in params.get("qop", "auth").split(",")]
        if "qop" in params and "auth" not in qops:
            return False  # auth-int would hash every body: not offered by the stores we know
        self.params, self.count = params, 0
        return True

    def header(self, method: str, uri: str) -> str:
        """The ``Authorization`` value for one request (``uri`` as in the request line)."""
        p = self.params
        assert p is not None, "answer a challenge first"
        algorithm = p.get("algorithm", "MD5")
        h = lambda s: self._HASHES[algorithm.lower()](s.encode()).hexdigest()  # noqa: E731
        self.count += 1
        nc = f"{self.count:08x}"
        ha1 = h(f"{self.user}:{p.get('realm', '')}:{self.password}")
        if algorithm.lower().endswith("-sess"):
            ha1 = h(f"{ha1}:{p['nonce']}:{self.cnonce}")
        ha2 = h(f"{method}:{uri}")
        qop = "qop" in p
        response = h(f"{ha1}:{p['nonce']}:{nc}:{self.cnonce}:auth:{ha2}" if qop else f"{ha1}:{p['nonce']}:{ha2}")
        q = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')  # noqa: E731
        fields = [f'username="{q(self.user)}"', f'realm="{q(p.get("realm", ""))}"', f'nonce="{q(p["nonce"])}"',
                  f'uri="{q(uri)}"', f"algorithm={algorithm}", f'response="{response}"']
        if qop:
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{self.cnonce}"']
        if "opaque" in p:
            fields.append(f'opaque="{q(p["opaque"])}"')
        return "Digest " + ", ".join(fields)


# ----------------------------------------------------------------- batches --

def ntriples(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE) -> bytearray:
    """The distinct triples of the union graph as N-Triples, in the order the Turtle export writes them.

    The same lines as the N-Triples export, unsorted: made from the fast Turtle writer
    through Oxigraph's parser, with a 16-byte digest per line to drop repeats, it takes
    about half the time and memory of the sorted export at 100,000 pages.
    """
    import pyoxigraph as ox

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

#: status, reason, headers (case-insensitive, repeatable), body
_Reply = tuple[int, str, "http.client.HTTPMessage", bytes]


class _Session:
    """HTTP requests to one store, all inside one deadline.

    A socket timeout limits each wait, not the sum: a store that trickles a byte
    every two seconds never trips it. So a timer shuts the connection down when
    the deadline passes, which ends whatever send or read is waiting.
    """

    def __init__(self, endpoint: str, timeout: float, env: Mapping[str, str] | None):
        self.parts = check_endpoint(endpoint)
        self.where = _redact(endpoint)
        self.timeout = timeout
        env = os.environ if env is None else env
        self.kind = auth_kind(env)
        self.auth = auth_header(env)
        self.digest = Digest(env[ENV_USER], env.get(ENV_PASSWORD, "")) if self.kind == "digest" else None
        cls = http.client.HTTPSConnection if self.parts.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(self.parts.hostname, self.parts.port, timeout=timeout)
        self.expired = threading.Event()
        self.timer: threading.Timer | None = None

    def start(self) -> None:
        """Start the clock: from here on, every request shares ``timeout`` seconds."""
        self.deadline = time.monotonic() + self.timeout
        self.timer = threading.Timer(self.timeout, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        self.expired.set()
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.conn.close()

    def _timed_out(self) -> TimedOut:
        return TimedOut(f"no complete answer from {self.where} within {self.timeout:g} s (timeout); "
                        "give it more time with --timeout SECONDS")

    def request(self, method: str, url: str, body: bytes | memoryview = b"",
                content_type: str | None = None) -> _Reply:
        """``(status, reason, headers, body)`` of one request, answering a Digest challenge once."""
        parts = urllib.parse.urlsplit(url)
        uri = parts.path or "/"
        if parts.query:
            uri += "?" + parts.query
        for attempt in (1, 2):
            headers = {"User-Agent": "pickgraph", "Content-Length": str(len(body))}
            if content_type:
                headers["Content-Type"] = content_type
            if self.auth:
                headers["Authorization"] = self.auth
            elif self.digest is not None and self.digest.params is not None:
                headers["Authorization"] = self.digest.header(method, uri)
            reply = self._exchange(method, uri, body, headers)
            if reply[0] == 401 and self.digest is not None and attempt == 1:
                if any(self.digest.challenge(c) for c in reply[2].get_all("WWW-Authenticate") or []):
                    continue
            return reply
        return reply

    def _exchange(self, method: str, uri: str, body: bytes | memoryview,
                  headers: dict[str, str]) -> _Reply:
        for attempt in (1, 2):
            if self.expired.is_set():
                raise self._timed_out()
            self.conn.timeout = max(0.001, self.deadline - time.monotonic())  # for connecting
            reused = self.conn.sock is not None
            try:
                try:
                    self.conn.request(method, uri, body=body, headers=headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the store answered (a 401, a 413) and closed before the body was in: read its answer
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.conn.close()
                return resp.status, resp.reason, resp.headers, data
            except (TimeoutError, socket.timeout):
                self.conn.close()
                raise self._timed_out() from None
            except (http.client.HTTPException, OSError) as exc:
                self.conn.close()
                if self.expired.is_set():
                    raise self._timed_out() from None
                # a kept-alive connection the store had closed meanwhile: once more on a new one
                # (a repeated PUT or POST of the same triples leaves the same graph)
                stale = isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if not (reused and stale and attempt == 1):
                    raise self._failure(exc) from None
        raise AssertionError("unreachable")

    def _failure(self, exc: BaseException) -> PushError:
        if isinstance(exc, ConnectionRefusedError):
            return PushError(f"cannot connect to {self.where}: connection refused (is the store running?)")
        if isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
            return PushError(f"{self.where} closed the connection without a complete answer")
        if isinstance(exc, http.client.HTTPException):
            detail = f": {escape_path(str(exc))}" if str(exc) else ""
            return PushError(f"{self.where} sent a malformed reply ({type(exc).__name__}{detail})")
        if isinstance(exc, ssl.SSLError):
            return PushError(f"TLS with {self.where} failed: {exc.reason or exc}")
        if isinstance(exc, socket.gaierror):
            return PushError(f"cannot reach {self.where}: unknown host {self.parts.hostname!r}")
        return PushError(f"cannot reach {self.where}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")


def _check_reply(reply: _Reply, where: str, method: str, done: int, total: int, kind: str | None) -> None:
    status, reason, headers, body = reply
    if status in STORED:
        return
    # the store's words are a stranger's: one line, and nothing in them that a terminal would act on
    reason = escape_path(reason)
    text = escape_path(" ".join(body[:300].decode("utf-8", "replace").split())[:200])
    detail = f": {text}" if text else ""
    if status in (401, 403):
        hint = " (check the credentials in the PICKGRAPH_PUSH_* variables"
        challenges = " ".join(headers.get_all("WWW-Authenticate") or []).lower()
        # Virtuoso answers Basic with a bare 401: say what it wants in either case
        if kind in (None, "basic") and ("digest" in challenges or (kind and not challenges)):
            hint += f"; a store that asks for Digest, as Virtuoso does, needs {ENV_AUTH}=digest"
        detail = hint + ")" + detail
    elif 300 <= status < 400 and "Location" in headers:
        detail = f" (it moved to {escape_path(headers['Location'])}: push there)"
    elif 200 <= status < 300:
        detail = f" (not one of {', '.join(map(str, STORED))}: the store did not say it stored the graph){detail}"
    partial = f"; the graph now holds {done} of {total} triples: push again" if done else ""
    raise PushError(f"{where} answered HTTP {status} {reason} to the {method}{detail}{partial}")


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
    try:
        with phase("push: N-Triples of the graph"):
            body = ntriples(G, base_iri)
        total = body.count(b"\n")
        session.start()
        if session.digest is not None:
            # learn the challenge from a request without a body (and without effect), so that no batch goes twice
            session.request("HEAD", url)
        sent = status = requests = 0
        with phase("push", total, "triple") as bar:
            for chunk in batches(body, batch_size):
                method = "POST" if requests else "PUT"  # the PUT replaces the graph, each POST adds to it
                reply = session.request(method, url, chunk, "application/n-triples; charset=utf-8")
                _check_reply(reply, session.where, method, body.count(b"\n", 0, sent), total, session.kind)
                status, requests, sent = status or reply[0], requests + 1, sent + len(chunk)
                bar.advance(body.count(b"\n", sent - len(chunk), sent))  # the triples of this batch
    finally:
        session.close()
    return {"endpoint": endpoint, "graph": graph_iri, "triples": total, "status": status, "requests": requests}


__all__ = ["push", "PushError", "default_graph_iri", "check_endpoint", "target_url", "auth_kind", "auth_header",
           "Digest", "ntriples", "batches", "STORED", "ENV_TOKEN", "ENV_USER", "ENV_PASSWORD", "ENV_AUTH", "DEFAULT_TIMEOUT",
           "DEFAULT_BATCH"]
