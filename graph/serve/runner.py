"""SPARQL queries run in a small pool of worker processes, each stopped by a time limit.

pyoxigraph cannot cancel a query once it runs, and a query such as a COUNT over
a cross product blocks before its first row; a thread cannot be stopped, a
process can. Each worker opens the build's on-disk store read-only (by path,
so a newer build is just another path), runs a query, writes the result
(rows capped), and sends the bytes back. A worker past the time limit is
killed and replaced.

What is a SERVICE call is decided by :func:`graph.rdf.sparql.service_calls`, as for
``pickgraph sparql``. The time limit is kept by a pool of query processes rather than
a forked child per query (:func:`graph.workers.call_in_child`): a fork per request
would copy a server of gigabytes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from typing import Any, NamedTuple

from ..read.model import PickgraphError, TimedOut
from .results import GRAPH_TYPES, RESULT_TYPES, write_solutions


class QueryRefused(PickgraphError):
    """A query the endpoint does not run: SERVICE, too long, too many rows."""


class QueryTimedOut(TimedOut):
    """A query ran past the endpoint's time limit."""


class Answer(NamedTuple):
    media_type: str
    body: bytes


def check_query(query: str, max_length: int) -> None:
    """Refuse what the endpoint never runs: an over-long query, or one that calls another endpoint."""
    if len(query) > max_length:
        raise QueryRefused(f"the query is {len(query)} characters long; this endpoint takes at most {max_length}")
    from ..rdf.sparql import service_calls  # the one rule for what is a SERVICE call

    calls = service_calls(query)
    if calls:
        raise QueryRefused(f"SERVICE is refused (SERVICE {calls[0]}): this endpoint queries only its own graph, "
                           "never another endpoint")


class QueryRunner:
    """``workers`` query processes; :meth:`run` waits at most ``time_limit`` seconds in all.

    Used from the server's event loop: waiting for a free process and for its answer are
    awaits on the loop (the pipe's readiness), not a thread each, so a request costs no thread
    hand-overs on a busy interpreter.

    A query still running after ``slow_after`` seconds does not hold the queries behind it:
    while one is that slow and another query waits, a spare process is started (at most
    ``workers`` spares), and a spare ends as soon as it is free again. So a few runaway
    queries, each stopped only at the time limit, leave the pool its usual size for the rest.
    """

    def __init__(self, workers: int = 2, time_limit: float = 10.0, row_cap: int = 10_000,
                 slow_after: float = 1.0):
        self.time_limit, self.row_cap, self.workers, self.slow_after = time_limit, row_cap, workers, slow_after
        self._ctx = multiprocessing.get_context("spawn")  # a clean child: no copy of the server's threads
        self._all: set = set()
        self._busy: dict = {}  # process → when its query was sent (loop time)
        self._waiting = 0  # requests waiting for a free process
        self._idle: asyncio.Queue | None = None  # made in the loop that uses it

    def _start(self):
        here, there = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(there, os.getpid()), daemon=True, name="pickgraph-sparql")
        proc.start()
        there.close()
        self._all.add(proc)
        return proc, here

    def _retire(self, worker) -> None:
        proc, conn = worker
        proc.kill()
        proc.join(5)
        conn.close()
        self._all.discard(proc)

    def start(self) -> QueryRunner:
        """Start the processes (before the loop runs: they import while the server starts)."""
        self._started = [self._start() for _ in range(self.workers)]
        return self

    async def run(self, store: str, query: str, bindings: list[tuple[str, str]], base_iri: str,
                  result_format: str = "json", graph_format: str = "turtle", timing: dict | None = None) -> Answer:
        """Run ``query`` on the store at path ``store``; raises QueryTimedOut past the limit.

        ``timing``, when given, gets the seconds spent waiting for a free process (``wait``) and
        from sending the query to having its answer (``query``)."""
        loop = asyncio.get_running_loop()
        asked = loop.time()
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in getattr(self, "_started", None) or [self._start() for _ in range(self.workers)]:
                self._idle.put_nowait(worker)
        deadline = loop.time() + self.time_limit
        worker = await self._take(loop, deadline)
        proc, conn = worker
        self._busy[proc] = sent = loop.time()
        try:
            conn.send((store, query, bindings, base_iri, result_format, graph_format, self.row_cap))
            if not await _readable(loop, conn, max(0.0, deadline - loop.time())):
                self._retire(worker)
                worker = self._start()
                raise QueryTimedOut(f"the query ran past the time limit of {self.time_limit:g} s and was stopped")
            reply = conn.recv()
        except (EOFError, OSError):
            self._retire(worker)
            worker = self._start()
            raise PickgraphError("the query process ended unexpectedly; the query was not answered") from None
        finally:
            self._busy.pop(proc, None)
            self._give_back(worker)
            if timing is not None:
                timing.update(wait=sent - asked, query=loop.time() - sent)
        if reply[0] == "error":
            raise (QueryRefused if reply[1] == "refused" else _sparql_error())(reply[2])
        return Answer(reply[1], reply[2])

    async def _take(self, loop: asyncio.AbstractEventLoop, deadline: float):
        """A free process, waiting until ``deadline``; a spare one while a slow query holds the pool."""
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise QueryTimedOut(f"every query process stayed busy for {self.time_limit:g} s; try again")
            self._waiting += 1
            try:
                return await asyncio.wait_for(self._idle.get(), min(left, self.slow_after))
            except asyncio.TimeoutError:
                now = loop.time()
                if (len(self._all) < 2 * self.workers
                        and any(now - sent > self.slow_after for sent in self._busy.values())):
                    self._idle.put_nowait(self._start())
            finally:
                self._waiting -= 1

    def _give_back(self, worker) -> None:
        if len(self._all) > self.workers and not self._waiting:
            self._retire(worker)  # a spare: the pool is back to its size
        else:
            self._idle.put_nowait(worker)

    def close(self) -> None:
        for proc in list(self._all):
            proc.kill()
            proc.join(5)


async def _readable(loop: asyncio.AbstractEventLoop, conn, timeout: float) -> bool:
    """Whether ``conn`` has something to read within ``timeout`` seconds (an answer, or its end)."""
    if conn.poll():
        return True
    ready = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(True))
    try:
        await asyncio.wait_for(ready, timeout)
        return True
    except asyncio.TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)


def _sparql_error():
    from ..rdf.sparql import SparqlError

    return SparqlError


# ----------------------------------------------------------- the worker --

def _serve(conn, parent: int) -> None:
    from ..workers import die_with_parent

    die_with_parent(parent)
    stores: dict[str, Any] = {}
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            reply: tuple = ("ok", *_answer(stores, *job))
        except QueryRefused as exc:
            reply = ("error", "refused", str(exc))
        except PickgraphError as exc:
            reply = ("error", "sparql", str(exc))
        except Exception as exc:  # noqa: BLE001 -- a store error is the query's answer, not the worker's end
            reply = ("error", "sparql", f"cannot run the query: {exc}")
        conn.send(reply)


def _answer(stores: dict[str, Any], path: str, query: str, bindings: list[tuple[str, str]], base_iri: str,
            result_format: str, graph_format: str, row_cap: int) -> tuple[str, bytes]:
    import pyoxigraph as ox

    from ..rdf.sparql import parse_binding, prefixes, run

    store = stores.get(path)
    if store is None:
        if len(stores) > 1:  # the last two builds stay open: requests in flight may still name the older
            stores.pop(next(iter(stores)))
        store = stores[path] = ox.Store.read_only(path)
    result = run(store, query, dict(parse_binding(f"{n}={v}") for n, v in bindings), base_iri)
    too_many = f"the query has more than {row_cap} results; add a LIMIT (at most {row_cap} per query)"
    if isinstance(result, ox.QueryBoolean):
        fmt = getattr(ox.QueryResultsFormat, result_format.upper())
        return RESULT_TYPES[result_format], result.serialize(format=fmt)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == row_cap:
                raise QueryRefused(too_many)
            rows.append([solution[n] for n in names])
        return RESULT_TYPES[result_format], write_solutions(names, rows, result_format)
    triples = []
    for triple in result:
        if len(triples) == row_cap:
            raise QueryRefused(too_many)
        triples.append(triple)
    fmt = ox.RdfFormat.TURTLE if graph_format == "turtle" else ox.RdfFormat.N_TRIPLES
    body = ox.serialize(triples, format=fmt, prefixes=prefixes(base_iri) if graph_format == "turtle" else None)
    return GRAPH_TYPES[graph_format], body
