"""SPARQL queries run in a small pool of worker processes, each stopped by a time limit.

pyoxigraph cannot cancel a query once it runs, and a query such as a COUNT over
a cross product blocks before its first row; a thread cannot be stopped, a
process can. Each worker opens the build's on-disk store read-only (by path,
so a newer build is just another path), runs a query through the same runner as
``pickgraph sparql`` (:func:`graph.sparql.run.execute`: the same checks and the same
results writer, with the row cap), and sends the bytes back. A worker past the time
limit is killed and replaced.

What is a SERVICE call is decided by :func:`graph.sparql.run.check_query`, as for
``pickgraph sparql``, in the query process (it may parse the query: never on the
server's loop). Each query process also leaves the network at its start
(:mod:`graph.sparql.sandbox`), so a SERVICE the check missed connects nowhere, and may use at
most ``memory_mb`` more memory; one that dies past it is replaced. The time limit is
kept by a pool of query processes rather than a forked child per query
(:func:`graph.build.workers.call_in_child`): a fork per request would copy a server of gigabytes.

A query has ``time_limit`` seconds to get a process and then ``time_limit`` seconds to
run: one that never got a process is told the server was busy (:class:`ServerBusy`),
not that it ran too long. A new process takes queries once it says it is ready (its
imports done), so its start-up is never counted as a query's run.
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import os
import time
from typing import Any

import pyoxigraph as ox

from graph.errors import PickgraphError, TimedOut
from graph.build.workers import die_with_parent
from graph.sparql.run import Answer, QueryTooBig, ServiceRefused, SparqlError, TooManyResults, execute, memory_message, \
    parse_binding, query_died
from graph.sparql.sandbox import confine, network_isolation
from graph.sparql.run import check_query as check


class QueryRefused(PickgraphError):
    """A query the endpoint does not run: SERVICE, too long, too many rows."""


class QueryTimedOut(TimedOut):
    """A query ran past the endpoint's time limit."""


class ServerBusy(TimedOut):
    """A query waited the whole time limit for a free query process and never ran."""


#: megabytes each query process may add to what it holds at its start (``serve --query-memory``)
DEFAULT_MEMORY_MB = 1024


def check_query(query: str, max_length: int) -> None:
    """Refuse at once what the endpoint never runs: an over-long or too deeply nested query.

    Whether it calls another endpoint (SERVICE) the query process decides, by the same
    rule (:func:`graph.sparql.run.check_query`): that may take a parse, kept off the loop.
    """
    if len(query) > max_length:
        raise QueryRefused(f"the query is {len(query)} characters long; this endpoint takes at most {max_length}")
    try:
        check(query, allow_service=True, max_chars=max_length)
    except SparqlError as exc:
        raise QueryRefused(str(exc)) from None


def _service_refused(endpoint: str | None) -> str:
    what = f"SERVICE {endpoint}" if endpoint else "the query mentions SERVICE and cannot be parsed to tell"
    return f"SERVICE is refused ({what}): this endpoint queries only its own graph, never another endpoint"


class _Job:
    """One query on its way: its arguments, the future its request awaits, and when it was asked and sent."""
    __slots__ = ("args", "future", "asked", "sent", "timing", "expiry")

    def __init__(self, args: tuple, future: asyncio.Future, asked: float, timing: dict | None):
        self.args, self.future, self.asked, self.timing = args, future, asked, timing
        self.sent: float | None = None
        self.expiry: asyncio.TimerHandle | None = None


class QueryRunner:
    """``workers`` query processes; :meth:`run` waits at most ``time_limit`` seconds for one, and a query runs as long.

    Driven by the server's event loop: a query waits in a queue, and a process takes the next one
    in the very callback that reads its answer (the pipe's readiness), not a few turns of a busy
    loop later. Handed over through awaits (a queue of free processes, a future per answer), each
    process sat idle 85% of the time under the load benchmark while queries queued for it.

    A query still running after ``slow_after`` seconds does not hold the queries behind it:
    while one is that slow and another query waits, a spare process is started (at most
    ``workers`` spares), and a spare ends as soon as it is free again. So a few runaway
    queries, each stopped only at the time limit, leave the pool its usual size for the rest.
    """

    def __init__(self, workers: int = 2, time_limit: float = 10.0, row_cap: int = 10_000,
                 slow_after: float = 1.0, memory_mb: float = DEFAULT_MEMORY_MB):
        self.time_limit, self.row_cap, self.workers, self.slow_after = time_limit, row_cap, workers, slow_after
        self.memory_mb = memory_mb
        #: whether the query processes can leave the network (else the SERVICE check alone keeps them offline)
        self.offline = network_isolation()
        self._ctx = multiprocessing.get_context("spawn")  # a clean child: no copy of the server's threads
        self._all: set = set()  # every live process
        self._idle: list = []  # (process, connection) pairs free for a query
        self._busy: dict = {}  # process → (its (process, connection) pair, the job it runs)
        self._queue: collections.deque[_Job] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop that drives it, from the first run
        self._started: list = []
        self._ready: list = []  # started processes that said they are ready before the loop ran
        self._spare_check: asyncio.TimerHandle | None = None

    def _start(self):
        here, there = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(there, os.getpid(), self.memory_mb), daemon=True,
                                 name="pickgraph-sparql")
        proc.start()
        there.close()
        self._all.add(proc)
        worker = (proc, here)
        if self._loop is not None:
            self._loop.add_reader(here.fileno(), self._on_readable, worker)
        return worker

    def _retire(self, worker) -> None:
        proc, conn = worker
        if self._loop is not None:
            self._loop.remove_reader(conn.fileno())
        proc.kill()
        proc.join(5)
        conn.close()
        self._all.discard(proc)

    def start(self) -> QueryRunner:
        """Start the processes (before the loop runs: they import while the server starts)."""
        self._started = [self._start() for _ in range(self.workers)]
        return self

    def wait_ready(self, seconds: float) -> int:
        """Wait at most ``seconds`` for the started processes to finish their imports; how many did.

        The server says it is serving only after this, so its first queries do not spend their time
        limit waiting for processes that are still starting (seconds on a loaded machine)."""
        deadline = time.monotonic() + seconds
        for worker in self._started:
            if worker in self._ready:
                continue
            try:
                if worker[1].poll(max(0.0, deadline - time.monotonic())) and worker[1].recv() == ("ready",):
                    self._ready.append(worker)
            except (EOFError, OSError):  # it ended: _bind watches its pipe, which replaces it
                pass
        return len(self._ready)

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        for worker in self._started or [self._start() for _ in range(self.workers)]:
            loop.add_reader(worker[1].fileno(), self._on_readable, worker)  # free once it says it is ready
            if worker in self._ready:
                self._idle.append(worker)
        self._started, self._ready = [], []

    async def run(self, store: str, query: str, bindings: list[tuple[str, str]], base_iri: str,
                  result_format: str = "json", graph_format: str = "turtle", timing: dict | None = None) -> Answer:
        """Run ``query`` on the store at path ``store``; QueryTimedOut past the limit, ServerBusy if it never ran.

        ``timing``, when given, gets the seconds spent waiting for a free process (``wait``) and
        from sending the query to having its answer (``query``)."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._bind(loop)
        job = _Job((store, query, bindings, base_iri, result_format, graph_format, self.row_cap),
                   loop.create_future(), loop.time(), timing)
        job.expiry = loop.call_at(job.asked + self.time_limit, self._expire, job)
        self._queue.append(job)
        self._dispatch()
        try:
            reply = await job.future
        finally:
            job.expiry.cancel()
        if reply[0] == "error":
            raise _error(reply[1], reply[2], self.memory_mb)
        return Answer(reply[1], reply[2])

    def _dispatch(self) -> None:
        """Give queued queries to free processes; while some wait, watch for a slow query holding them."""
        while self._queue and self._idle:
            job = self._queue.popleft()
            if job.future.done():
                continue  # its request went away, or its time ran out, while it waited
            worker = self._idle.pop()
            try:
                worker[1].send(job.args)
            except (OSError, ValueError):  # the process is gone: a new one, and the query waits for it
                self._retire(worker)
                self._start()
                self._queue.appendleft(job)
                continue
            job.sent = self._loop.time()
            job.expiry.cancel()  # from now on the time limit counts its run, not its wait
            job.expiry = self._loop.call_at(job.sent + self.time_limit, self._expire, job)
            self._busy[worker[0]] = (worker, job)
        if self._queue and self._spare_check is None:
            self._spare_check = self._loop.call_later(self.slow_after / 4, self._check_spare)

    def _check_spare(self) -> None:
        self._spare_check = None
        if not self._queue:
            return
        now = self._loop.time()
        if (len(self._all) < 2 * self.workers
                and any(now - job.sent > self.slow_after for _, job in self._busy.values())):
            self._start()
        self._dispatch()

    def _on_readable(self, worker) -> None:
        """A process answered (or ended): settle its query, and give it the next one at once."""
        proc, conn = worker
        _, job = self._busy.pop(proc, (None, None))
        try:
            reply = conn.recv()
        except (EOFError, OSError):  # it ended (killed from outside, crashed, or past its memory)
            if worker in self._idle:
                self._idle.remove(worker)
            proc.join(1)  # its pipe closes as it ends: its exit status follows at once
            reply = ("error", "died", proc.exitcode if proc.exitcode is not None else 0)
            self._retire(worker)
            self._start()
            worker = None
        if job is not None and not job.future.done():
            if job.timing is not None:
                job.timing.update(wait=job.sent - job.asked, query=self._loop.time() - job.sent)
            job.future.set_result(reply)
        if worker is not None:  # an answer, or a new process saying it is ready
            self._give_back(worker)

    def _expire(self, job: _Job) -> None:
        """The time limit of ``job``: out of the queue, or its process stopped and replaced."""
        if job.future.done():
            return
        if job.sent is None:  # still queued; _dispatch drops it
            job.future.set_exception(ServerBusy(
                f"the server is busy: the query waited {self.time_limit:g} s for a free query process and never "
                "ran; try again"))
            return
        for proc, (worker, running) in list(self._busy.items()):
            if running is job:
                del self._busy[proc]
                self._retire(worker)
                self._start()
                break
        if job.timing is not None:
            job.timing.update(wait=job.sent - job.asked, query=self._loop.time() - job.sent)
        job.future.set_exception(
            QueryTimedOut(f"the query ran past the time limit of {self.time_limit:g} s and was stopped"))

    def _give_back(self, worker) -> None:
        if len(self._all) > self.workers and not self._queue:
            self._retire(worker)  # a spare: the pool is back to its size
        else:
            self._idle.append(worker)
            self._dispatch()

    def close(self) -> None:
        for proc in list(self._all):
            proc.kill()
            proc.join(5)


def _error(kind: str, detail: Any, memory_mb: float) -> PickgraphError:
    """The error of a query process's reply ``("error", kind, detail)``."""
    if kind == "refused":
        return QueryRefused(detail)
    if kind == "memory":
        return QueryTooBig(memory_message(memory_mb, "serve --query-memory MB"))
    if kind == "died":  # detail: its exit code
        return query_died(detail, b"", memory_mb, "serve --query-memory MB")
    return SparqlError(detail)


# ----------------------------------------------------------- the worker --

def _serve(conn, parent: int, memory_mb: float) -> None:
    die_with_parent(parent)
    confine(memory_mb, network=False)  # before any store is opened or query read
    # ready: a query's time starts when a process that has done its imports takes it, not at spawn
    conn.send(("ready",))
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
        except ServiceRefused as exc:
            reply = ("error", "refused", _service_refused(exc.endpoint))
        except (QueryTooBig, TooManyResults) as exc:  # too deeply nested, or past the row cap
            reply = ("error", "refused", str(exc))
        except MemoryError:
            reply = ("error", "memory", "")
        except PickgraphError as exc:
            reply = ("error", "sparql", str(exc))
        except Exception as exc:  # noqa: BLE001 -- a store error is the query's answer, not the worker's end
            reply = ("error", "sparql", f"cannot run the query: {exc}")
        conn.send(reply)


def _answer(stores: dict[str, Any], path: str, query: str, bindings: list[tuple[str, str]], base_iri: str,
            result_format: str, graph_format: str, row_cap: int) -> tuple[str, bytes]:
    store = stores.get(path)
    if store is None:
        if len(stores) > 1:  # the last two builds stay open: requests in flight may still name the older
            stores.pop(next(iter(stores)))
        store = stores[path] = ox.Store.read_only(path)
    return tuple(execute(store, query, dict(parse_binding(f"{n}={v}") for n, v in bindings), base_iri, result_format,
                         graph_format=graph_format, row_cap=row_cap))
