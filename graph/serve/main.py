"""Start the server: load the build, open the port, run uvicorn until Ctrl-C."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading
import webbrowser
from typing import Callable

try:
    import resource
except ImportError:  # not Unix: no limit on open files to raise
    resource = None  # type: ignore[assignment]

import uvicorn

from graph.errors import PickgraphError
from graph.rdf.mapping import DEFAULT_BASE
from graph.serve.app import create_app
from graph.serve.http import Bounds, protocol
from graph.serve.memory import limit_malloc_arenas
from graph.serve.runner import DEFAULT_MEMORY_MB, QueryRunner
from graph.serve.state import Live

#: how long serve waits for its SPARQL processes to be ready before it says it is serving (they go on
#: starting after that; queries then wait for them)
READY_SECONDS = 60.0


class PortInUse(PickgraphError):
    """The port cannot be listened on."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("[::1]"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one), or one clear error."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on such sockets, and without it each
        # answer (head and body written apart) waits for the client's delayed ACK
        sock = socket.socket(info[0], socket.SOCK_STREAM, info[2])
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[4])
        sock.listen(128)
    except OSError as exc:
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def open_files(connections: int, say: Callable[[str], None], spare: int = 256) -> None:
    """Let the process open a file per connection and ``spare`` more (the store, the query processes'
    pipes): raise its soft limit up to the hard one, or warn. Past the limit the server would stop
    accepting connections instead of closing idle ones."""
    if resource is None:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = connections + spare
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < want:
            say(f"warning: the process may open {new} files, fewer than --max-connections {connections} and "
                f"{spare} more: lower --max-connections or raise 'ulimit -n'")


def serve(out: str, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          base_iri: str | None = None, time_limit: float = 10.0, row_cap: int = 10_000, workers: int | None = None,
          say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
          progress: bool = False, poll: float = 1.0, cache_mb: float = 64, cors: tuple[str, ...] = (),
          bounds: Bounds = Bounds(), memory_mb: float | None = None) -> None:
    """Serve the last build in ``out`` on ``host:port`` until interrupted: to pages of its own origin and of
    ``cors``, within ``bounds`` per connection."""
    # many request threads share one interpreter: hand the GIL over every 1 ms instead of 5 ms, so a
    # thread woken by a finished query or a socket does not wait behind busy ones
    sys.setswitchinterval(0.001)
    limit_malloc_arenas()
    if not is_loopback(host):
        say(f"warning: listening on {host}: anyone who can reach this machine on port {port} can read the "
            "graph and run SPARQL queries on it (read-only)")
    sock = listen(host, port)  # before the long load: a port in use is said at once
    open_files(bounds.connections, say)
    live = Live(out, base_iri or DEFAULT_BASE, say, poll=poll, progress=progress, cache_bytes=int(cache_mb * 2**20))
    # two per core: a query's wait for a free process stays short while the server process keeps its share
    # of the cores (8 at most: each holds the store's caches); docs/serve.md compares other counts
    runner = QueryRunner(workers or min(2 * (os.cpu_count() or 1), 8), time_limit, row_cap,
                         memory_mb=memory_mb or DEFAULT_MEMORY_MB).start()
    if not runner.offline:
        say("warning: the kernel refused the SPARQL query processes a network namespace of their own: only the "
            "SERVICE check keeps queries offline")
    hosts = ("*",) if not is_loopback(host) else ("127.0.0.1", "localhost", "[::1]", "::1")
    app = create_app(live, runner, hosts=hosts, cors=cors)
    runner.wait_ready(READY_SECONDS)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    print(f"serving {url} ({live.current.G.number_of_nodes()} topics; SPARQL at {url}sparql; Ctrl-C stops)",
          flush=True)
    live.start()
    if open_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    # loop="asyncio", never uvloop (uvicorn's choice when it is installed): under load, uvloop lost reads
    # of the query processes' pipes ("the query process ended unexpectedly")
    # no limit_concurrency: past it uvicorn answers every request 503, so idle sockets lock everyone out;
    # the protocol caps connections instead, closing the longest idle ones first (h11, the fallback, cannot)
    http = protocol(bounds)
    config = uvicorn.Config(app, loop="asyncio", http=http, log_level="warning",
                            timeout_keep_alive=bounds.idle_seconds,  # type: ignore[arg-type]
                            limit_concurrency=bounds.connections if http == "h11" else None,
                            h11_max_incomplete_event_size=bounds.head_bytes, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        live.stop()
        runner.close()
        sock.close()
