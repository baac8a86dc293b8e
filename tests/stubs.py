"""A stub SPARQL endpoint on 127.0.0.1 that records every request it gets, for the tests that
prove a query never reached the network (or did, where allowed)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NO_ROWS = b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[]}}'


@contextmanager
def sparql_stub(path: str, hits: list[str], body: bytes = NO_ROWS) -> Iterator[str]:
    """Serve ``body`` as SPARQL JSON results to any GET or POST; each request's path goes into ``hits``.

    Yields the endpoint's URL (``http://127.0.0.1:PORT`` + ``path``).
    """

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            hits.append(self.path)
            if self.command == "POST":
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}{path}"
    finally:
        httpd.shutdown()
        httpd.server_close()
