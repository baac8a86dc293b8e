"""Push the export to a SPARQL 1.1 store through the Graph Store HTTP Protocol.

One ``PUT {endpoint}?graph={IRI}`` with the sorted N-Triples of the union graph
replaces that named graph as a whole, so pushing twice leaves the store as
pushing once. The endpoint is the store's Graph Store service:

=========  ==============================================
Oxigraph   ``http://localhost:7878/store``
Fuseki     ``http://localhost:3030/DATASET/data``
GraphDB    ``http://localhost:7200/repositories/REPO/rdf-graphs/service``
Virtuoso   ``http://localhost:8890/sparql-graph-crud-auth``
=========  ==============================================

Credentials come from the environment, never from the command line or the
URL, and are never printed: ``PICKGRAPH_PUSH_TOKEN`` (sent as
``Authorization: Bearer …``) or ``PICKGRAPH_PUSH_USER`` with
``PICKGRAPH_PUSH_PASSWORD`` (HTTP Basic).
"""

from __future__ import annotations

import base64
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import networkx as nx

from .read.model import PickgraphError
from .rdf.mapping import DEFAULT_BASE, check_base, check_iri
from .rdf.syntaxes import serialize

ENV_TOKEN = "PICKGRAPH_PUSH_TOKEN"
ENV_USER = "PICKGRAPH_PUSH_USER"
ENV_PASSWORD = "PICKGRAPH_PUSH_PASSWORD"
DEFAULT_TIMEOUT = 60.0


class PushError(PickgraphError):
    """The store could not be reached or refused the data."""


def default_graph_iri(base_iri: str = DEFAULT_BASE) -> str:
    """The named graph ``push`` replaces unless told otherwise.

    >>> default_graph_iri()
    'https://w3id.org/pickgraph/graph/all'
    """
    return f"{check_base(base_iri)}graph/all"


def target_url(endpoint: str, graph_iri: str) -> str:
    """The Graph Store URL of one named graph (indirect identification, ``?graph=``).

    >>> target_url("http://localhost:7878/store", "https://w3id.org/pickgraph/graph/all")
    'http://localhost:7878/store?graph=https%3A%2F%2Fw3id.org%2Fpickgraph%2Fgraph%2Fall'
    """
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError(f"the endpoint must be an http:// or https:// URL, not {_redact(endpoint)!r}")
    if parts.username or parts.password:
        raise PushError(f"the endpoint URL carries credentials; remove them and set {ENV_TOKEN}, "
                        f"or {ENV_USER} and {ENV_PASSWORD}, instead")
    sep = "&" if parts.query else "?"
    return f"{endpoint}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


def auth_header(env: Mapping[str, str] | None = None) -> str | None:
    """The ``Authorization`` header the environment asks for, or ``None``.

    >>> auth_header({"PICKGRAPH_PUSH_USER": "ann", "PICKGRAPH_PUSH_PASSWORD": "s3cret"})
    'Basic YW5uOnMzY3JldA=='
    >>> auth_header({})
    """
    env = os.environ if env is None else env
    if env.get(ENV_TOKEN):
        return f"Bearer {env[ENV_TOKEN]}"
    if env.get(ENV_USER):
        raw = f"{env[ENV_USER]}:{env.get(ENV_PASSWORD, '')}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")
    return None


def push(G: nx.MultiDiGraph, endpoint: str, graph_iri: str | None = None, base_iri: str = DEFAULT_BASE,
         timeout: float = DEFAULT_TIMEOUT, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Replace the named graph ``graph_iri`` at ``endpoint`` with the triples of ``G``.

    Returns ``{"endpoint", "graph", "triples", "status"}``; raises :class:`PushError`
    with a one-line reason for a refused connection, an HTTP error or a timeout.
    """
    graph_iri = check_iri(graph_iri or default_graph_iri(base_iri), "graph IRI")
    url = target_url(endpoint, graph_iri)
    body = serialize(G, "ntriples", base_iri)
    headers = {"Content-Type": "application/n-triples; charset=utf-8", "User-Agent": "pickgraph"}
    auth = auth_header(env)
    if auth:
        headers["Authorization"] = auth
    req = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    status = _send(req, endpoint, timeout)
    return {"endpoint": endpoint, "graph": graph_iri, "triples": body.count(b"\n"), "status": status}


def _send(req: urllib.request.Request, endpoint: str, timeout: float) -> int:
    where = _redact(endpoint)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        detail = _body_hint(exc)
        hint = " (check the credentials in the PICKGRAPH_PUSH_* variables)" if exc.code in (401, 403) else ""
        raise PushError(f"{where} answered HTTP {exc.code} {exc.reason}{hint}{detail}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise PushError(f"no answer from {where} within {timeout:g} s (timeout)") from None
        if isinstance(reason, ConnectionRefusedError):
            raise PushError(f"cannot connect to {where}: connection refused (is the store running?)") from None
        raise PushError(f"cannot reach {where}: {reason}") from None
    except (TimeoutError, socket.timeout):
        raise PushError(f"no answer from {where} within {timeout:g} s (timeout)") from None
    except ConnectionError as exc:
        raise PushError(f"connection to {where} failed: {exc.strerror or exc}") from None


def _body_hint(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", "replace").strip()
    except Exception:  # the body is only a hint: never let it hide the status
        return ""
    text = " ".join(text.split())
    return f": {text[:200]}" if text else ""


__all__ = ["push", "PushError", "default_graph_iri", "target_url", "auth_header", "ENV_TOKEN", "ENV_USER",
           "ENV_PASSWORD", "DEFAULT_TIMEOUT"]
