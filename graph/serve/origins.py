"""Which web pages may use the server: its own, and the origins named with ``--cors``.

A browser lets any page send some requests to any server without asking it first (CORS calls
them simple: a GET, a form POST) and only hides the answer from the page. Here such a request
from a page of another origin is refused (403) before it runs, so it neither runs a costly query
nor changes anything; a browser says where a request comes from in ``Sec-Fetch-Site`` (on the
loopback and https) and ``Origin`` (on any POST and any cross-origin fetch). A request with
neither header is not a page's (curl, SPARQLWrapper, other tools) and is served. The origins
given with ``--cors`` may also read the answers (Starlette's CORS middleware says so to the
browser).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: ``--cors`` value that lets every origin in
ANY = "*"
#: what a browser tells for a request from its own origin, or from no page (typed, a bookmark)
_OWN = (b"same-origin", b"none")


def allowed(origin: str, origins: Collection[str]) -> bool:
    """Whether ``--cors`` (``origins``) lets a page of ``origin`` in.

    >>> allowed("http://127.0.0.1:9000", ["http://127.0.0.1:9000"]), allowed("null", ["*"])
    (True, True)
    >>> allowed("http://127.0.0.1:9000", ["http://127.0.0.1:9001"])
    False
    """
    return ANY in origins or origin in origins


class OwnPagesOnly:
    """ASGI middleware: 403 for a request a page of another origin made, unless ``--cors`` lets it in.

    A link from elsewhere to the explorer (a GET of ``/``) is followed: the page costs nothing."""

    def __init__(self, app: ASGIApp, origins: Collection[str] = ()) -> None:
        self.app, self.origins = app, frozenset(origins)

    def refusal(self, scope: Scope) -> str | None:
        """Why the request is refused, or None."""
        if scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            return None
        site = origin = host = None
        for name, value in scope["headers"]:
            if name == b"sec-fetch-site":
                site = value
            elif name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"host":
                host = value.decode("latin-1")
        if site in _OWN or (site is None and (origin is None or origin == f"http://{host}")):
            return None
        if origin is not None and allowed(origin, self.origins):
            return None
        return (f"a page of another origin ({origin or 'not named'}) may not use this server; to let it, "
                "start the server with --cors ORIGIN")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (reason := self.refusal(scope)):
            await PlainTextResponse(reason + "\n", 403, {"Cache-Control": "no-store"})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def middleware(origins: Collection[str]) -> list[Middleware]:
    """The server's middleware for pages elsewhere: refused, except ``origins``, which may also read."""
    stack = [Middleware(OwnPagesOnly, origins=origins)]
    if origins:
        # a public page's requests to the loopback are preflighted with Access-Control-Request-Private-Network
        stack.append(Middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=["GET", "POST"],
                                allow_headers=["Content-Type", "Accept"], allow_private_network=True,
                                expose_headers=["Server-Timing", "X-Total-Count"]))
    return stack


def check_origin(origin: str) -> str:
    """``origin`` as ``--cors`` takes it (``scheme://host[:port]``, as a browser sends it, or ``*``), or ValueError.

    >>> check_origin("http://127.0.0.1:9000"), check_origin("*")
    ('http://127.0.0.1:9000', '*')
    >>> check_origin("https://example.org/")
    Traceback (most recent call last):
    ...
    ValueError: 'https://example.org/' is not an origin: scheme://host[:port], with no path (or * for any)
    """
    if origin == ANY or re.fullmatch(r"https?://[^/?#\s:]+(:\d{1,5})?|https?://\[[0-9a-fA-F:.]+\](:\d{1,5})?", origin):
        return origin
    raise ValueError(f"{origin!r} is not an origin: scheme://host[:port], with no path (or * for any)")
