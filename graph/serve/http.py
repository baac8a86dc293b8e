"""The HTTP/1.1 protocol the server speaks: uvicorn's httptools protocol, with bounds on what a client holds.

httptools parses requests in C: under the load benchmark the server process answered 995
requests/s with it against 851 with h11 (pure Python; docs/serve.md). uvicorn sets no limit on
a request's head with httptools, nor on the time a client takes to send it, nor on connections
other than a cap past which every request is answered 503 — so idle sockets, or heads dribbled a
byte at a time, lock every client out. Here:

- the head (request line and headers) is counted as it arrives: past ``head_bytes`` the answer
  is 431 and the connection is closed;
- a request must arrive whole (head and body) within ``request_seconds`` of its first byte (408);
- a connection with no request in progress is closed after ``idle_seconds`` (uvicorn's keep-alive
  timeout, armed here from the connection's start too, not only after a first answer);
- at most ``connections`` are open, at most ``per_client`` from one address. A new connection past
  either cap closes the one that has waited longest without a request in progress (idle, or still
  sending its head); only when every one is busy with a request is the new one refused (503). A
  flood of idle sockets thus evicts itself, oldest first, while a client that sends its request
  once connected is served: on the loopback, where every client is 127.0.0.1, the per-address cap
  alone could not tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI reads Bounds' defaults for its help: no asyncio at its start
    import asyncio


@dataclass(frozen=True)
class Bounds:
    head_bytes: int = 64 * 1024  # a request's line and headers (h11's limit as the server set it before)
    request_seconds: float = 10.0  # from a request's first byte to its last
    idle_seconds: float = 5.0  # a connection with no request: before its first, between two
    connections: int = 512  # open at once, from all clients (each is a file descriptor)
    per_client: int = 256  # open at once from one address


#: the most bytes a request's line and headers may take
HEAD_BYTES = Bounds.head_bytes


class HeadTooLarge(Exception):
    """Raised in a parser callback: httptools then stops parsing and the protocol answers 431."""


class Pool:
    """The open connections by client address, and those waiting (no request in progress), longest first."""

    def __init__(self, bounds: Bounds):
        self.bounds = bounds
        self.by_client: dict[str, set[Any]] = {}
        self.total = 0
        self.waiting: dict[Any, None] = {}  # insertion order: the one waiting longest first

    def admit(self, conn: Any, client: str) -> bool:
        """Make room for ``conn`` from ``client``: past a cap, close the connection of that client (for
        its cap) or of any (for the total) that waited longest; False when none waits (refuse ``conn``)."""
        mine = self.by_client.get(client, ())
        if len(mine) >= self.bounds.per_client and not self._evict(client):
            return False
        if self.total >= self.bounds.connections and not self._evict(None):
            return False
        self.by_client.setdefault(client, set()).add(conn)
        self.total += 1
        self.waiting[conn] = None
        return True

    def _evict(self, client: str | None) -> bool:
        victim = next((c for c in self.waiting if client is None or c.client_key == client), None)
        if victim is None:
            return False
        self.drop(victim)
        victim.transport.close()
        return True

    def busy(self, conn: Any) -> None:
        self.waiting.pop(conn, None)

    def wait(self, conn: Any) -> None:
        """``conn`` waits for its next request: now the one that waited least."""
        if conn in self.by_client.get(conn.client_key, ()):
            self.waiting.pop(conn, None)
            self.waiting[conn] = None

    def drop(self, conn: Any) -> None:
        """``conn`` is closed (or closing); dropping it twice is harmless."""
        self.waiting.pop(conn, None)
        mine = self.by_client.get(conn.client_key)
        if mine is not None and conn in mine:
            mine.discard(conn)
            self.total -= 1
            if not mine:
                del self.by_client[conn.client_key]


def _plain(status: bytes, text: str) -> bytes:
    body = text.encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (len(body), body))


def protocol(bounds: Bounds = Bounds()) -> Any:
    """The protocol class for ``uvicorn.Config(http=...)``: httptools within ``bounds`` (one pool of
    connections per class), or, where httptools cannot be imported, h11 (whose head limit is set by
    ``h11_max_incomplete_event_size``, and which has no other of these bounds)."""
    try:
        # late: uvicorn costs start-up of the CLI, which reads Bounds here; httptools may be missing (then h11)
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return "h11"

    pool = Pool(bounds)

    class Bounded(HttpToolsProtocol):
        limit = bounds.head_bytes

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head, self._received, self._parsed = True, 0, 0
            self._request_timer: asyncio.TimerHandle | None = None
            self.client_key = ""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.client_key = self.client[0] if self.client else ""
            if not pool.admit(self, self.client_key):
                transport.write(_plain(b"503 Service Unavailable", "every connection is busy with a request; "
                                                                   "try again\n"))
                transport.close()
                return
            # uvicorn arms its keep-alive timer only after an answer: a socket that never sends would stay
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive,
                                                                self.timeout_keep_alive_handler)

        def connection_lost(self, exc: Exception | None) -> None:
            pool.drop(self)
            self._stop_request_timer()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._request_timer is None and (self.cycle is None or self.cycle.response_complete):
                # a new request's first bytes (or blank lines before one): it has request_seconds to arrive
                self._request_timer = self.loop.call_later(bounds.request_seconds, self._too_slow)
            if self._in_head:
                self._received += len(data)
            super().data_received(data)
            # a head still incomplete is buffered by the parser: bound that too (to the limit and one read)
            if self._in_head and self._received > self.limit and not self.transport.is_closing():
                self.send_400_response("")

        def _stop_request_timer(self) -> None:
            if self._request_timer is not None:
                self._request_timer.cancel()
                self._request_timer = None

        def _too_slow(self) -> None:
            self._request_timer = None
            if self.transport.is_closing():
                return
            if self.cycle is None or self.cycle.response_complete:  # no answer begun: say why
                self.transport.write(_plain(b"408 Request Timeout", f"the request did not arrive whole within "
                                                                   f"{bounds.request_seconds:g} s\n"))
            self.transport.close()

        def _count(self, n: int) -> None:
            self._parsed += n
            if self._parsed > self.limit:
                raise HeadTooLarge

        def on_message_begin(self) -> None:
            self._in_head, self._parsed = True, 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4)
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._in_head, self._received = False, 0
            pool.busy(self)
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._stop_request_timer()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.cycle.response_complete:  # no pipelined request started
                pool.wait(self)

        def send_400_response(self, msg: str) -> None:
            if not (self._in_head and max(self._parsed, self._received) > self.limit):
                return super().send_400_response(msg)
            self.transport.write(_plain(b"431 Request Header Fields Too Large",
                                        f"the request's line and headers are over {self.limit} bytes\n"))
            self.transport.close()

    return Bounded
