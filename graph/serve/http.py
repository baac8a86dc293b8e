"""The HTTP/1.1 protocol the server speaks: uvicorn's httptools protocol, with a bound on the request head.

httptools parses requests in C: under the load benchmark the server process answered 995
requests/s with it against 851 with h11 (pure Python; docs/serve.md). But uvicorn sets no
limit on a request's head with httptools, where h11 had one, and a client could make the server
hold any number of header bytes. Here the head (request line and headers) is counted as it
arrives: past :data:`HEAD_BYTES` the answer is 431 and the connection is closed.
"""

from __future__ import annotations

from typing import Any

#: the most bytes a request's line and headers may take (h11's limit as the server set it before)
HEAD_BYTES = 64 * 1024


class HeadTooLarge(Exception):
    """Raised in a parser callback: httptools then stops parsing and the protocol answers 431."""


def protocol(head_bytes: int = HEAD_BYTES) -> Any:
    """The protocol class for ``uvicorn.Config(http=...)``: httptools with a bounded head, or, where
    httptools cannot be imported, h11 (whose limit is set by ``h11_max_incomplete_event_size``)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return "h11"

    class BoundedHead(HttpToolsProtocol):
        limit = head_bytes

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head, self._received, self._parsed = True, 0, 0

        def data_received(self, data: bytes) -> None:
            if self._in_head:
                self._received += len(data)
            super().data_received(data)
            # a head still incomplete is buffered by the parser: bound that too (to the limit and one read)
            if self._in_head and self._received > self.limit and not self.transport.is_closing():
                self.send_400_response("")

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
            super().on_headers_complete()

        def send_400_response(self, msg: str) -> None:
            if not (self._in_head and max(self._parsed, self._received) > self.limit):
                return super().send_400_response(msg)
            text = f"the request's line and headers are over {self.limit} bytes\n".encode()
            self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                 b"content-type: text/plain; charset=utf-8\r\n"
                                 b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(text), text))
            self.transport.close()

    return BoundedHead
