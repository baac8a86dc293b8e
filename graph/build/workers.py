"""Worker processes that do not outlive the build that started them.

A build reads and writes in child processes (a process pool for parsing, forked
export writers). If the parent is killed (``kill -9``, the OOM killer), Linux
would leave them running with nobody to collect their work; each child asks the
kernel to send it SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``).
Elsewhere this is a no-op.
"""

from __future__ import annotations

import ctypes
import gc
import json
import multiprocessing
import os
import pickle
import selectors
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable

from graph.errors import PickgraphError, TimedOut, error_body

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a child process: be killed when ``parent`` (the pid that started it) dies."""
    if not sys.platform.startswith("linux"):
        return

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl to be had: nothing to arm
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def start_worker(parent: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()) -> None:
    """A process pool's initializer: Ctrl-C left to the parent, :func:`die_with_parent`, the pool's own initializer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


@contextmanager
def worker_pool(jobs: int, initializer: Callable[..., Any] | None = None,
                initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with this process and stop at once when it stops early.

    On an error or Ctrl-C in the parent, the pool's own shutdown would wait for
    every queued task; here the workers are killed instead, so an interrupted
    build ends within a moment.
    """
    # fork: die_with_parent checks the worker's parent is this process (not a forkserver), and the
    # workers see this process's modules without a re-import
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=start_worker,
                               initargs=(os.getpid(), initializer, initargs))
    try:
        yield pool
    except BaseException:
        # _processes is private, but it is the only handle on work already running
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        # no waiting: Ctrl-C may have landed inside the pool's own locks, and a wait could then last forever
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def parallel_map(func: Callable[[Any], Any], tasks: Sequence[Any], jobs: int, *,
                 initializer: Callable[..., Any] | None = None, initargs: tuple = (), chunksize: int = 1,
                 parallel_min: int = 1) -> Iterator[Any]:
    """``map(func, tasks)`` in order: over ``jobs`` processes of a :func:`worker_pool` when there are more
    than ``parallel_min`` tasks and more than one job, else in this process (a pool costs more than a
    few tasks). ``initializer(*initargs)`` runs once in each process that runs tasks.

    >>> list(parallel_map(abs, [-1, 2, -3], jobs=1))
    [1, 2, 3]
    """
    if jobs > 1 and len(tasks) > parallel_min:
        with worker_pool(jobs, initializer, initargs) as pool:
            yield from pool.map(func, tasks, chunksize=chunksize)
    else:
        if initializer:
            initializer(*initargs)
        yield from map(func, tasks)


def _children() -> set[int]:
    found: set[int] = set()
    for task in os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else ():
        try:
            with open(f"/proc/self/task/{task}/children") as fh:
                found |= {int(pid) for pid in fh.read().split()}
        except OSError:
            pass
    return found


_held = False
#: a signal that came while held, and its handler
_pending: tuple[Callable[[int, Any], None], int] | None = None


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C (or SIGTERM) deferred, not lost, while the block runs (putting a build's outputs in place).

    Only for the handler of :func:`exit_on_interrupt`: a plain KeyboardInterrupt
    still stops the block, and whoever catches it must finish what was begun
    (:meth:`graph.build.outdir.Generation.discard` does). A signal mask would not do:
    the kernel hands SIGINT to any thread that does not block it (numpy's
    OpenBLAS threads, for one).
    """
    global _held, _pending
    _held = True
    try:
        yield
    finally:
        _held = False
        pending, _pending = _pending, None
        if pending is not None:
            handler, signum = pending
            handler(signum, None)


def exit_on_interrupt(outcome: Callable[[int], tuple[str, int] | None], cleanup: Callable[[], None],
                      as_json: bool = False) -> None:
    """From now on, Ctrl-C (SIGINT) and SIGTERM end this process at once: children killed, ``cleanup()``, and
    the line and exit status ``outcome(signum)`` gives.

    A status of 128 and above is an error: the line goes to stderr as ``Error: …``,
    with ``as_json`` also to stdout as the CLI's JSON error object. Below 128 the
    work was done (only its report was cut short): the line goes to stderr as
    ``note: …``. ``outcome`` returning ``None`` lets the process go on.

    For the ``pickgraph`` process itself only (never under a test runner). A
    KeyboardInterrupt can be swallowed where Python cannot raise it (inside a
    finaliser, "Exception ignored in …") and unwinding a big build frees
    millions of objects; this handler does neither.
    """
    owner = os.getpid()

    def handler(signum: int, _frame: Any) -> None:
        global _pending
        if os.getpid() != owner:  # a child forked before it set its own disposition
            os._exit(128 + signum)
        if _held:  # outputs being put in place: finish that first (see interrupts_held)
            _pending = (handler, signum)
            return
        verdict = outcome(signum)
        if verdict is None:
            return
        text, status = verdict
        for pid in _children():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            cleanup()
        finally:
            try:  # straight to the descriptors: the handler may have cut into a write to sys.stderr
                os.write(2, f"{'Error' if status >= 128 else 'note'}: {text}\n".encode("utf-8", "replace"))
                if as_json and status >= 128:
                    kind = "terminated" if signum == signal.SIGTERM else "interrupted"
                    body = error_body(message=text, exit_code=status, kind=kind)
                    os.write(1, (json.dumps(body, indent=2, sort_keys=True) + "\n").encode())
            finally:
                os._exit(status)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def fork_child(task: Callable[[], bytes]) -> tuple[int, int]:
    """Fork a child that runs ``task`` and sends back its bytes (or its exception); ``(pid, read end)``.

    The child dies with this process (``kill -9``, Ctrl-C: it ignores SIGINT, the
    parent handles it), sees its memory copy-on-write, and never returns into the
    caller's stack. Read the pipe to its end, wait for the pid, then :func:`child_answer`.
    """
    parent = os.getpid()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            # a collection would write to every object of the parent's heap and so copy it page by page
            gc.disable()
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.close(r)
            die_with_parent(parent)
            try:
                msg = b"R" + task()
            except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
                try:
                    msg = b"E" + pickle.dumps(exc)
                except Exception:
                    msg = b"E" + pickle.dumps(PickgraphError(f"{type(exc).__name__}: {exc}"))
            with os.fdopen(w, "wb") as fh:
                fh.write(msg)
        finally:
            os._exit(0)
    os.close(w)
    return pid, r


class ChildDied(PickgraphError):
    """A child process that ended without an answer: killed by a signal, or exited early."""

    def __init__(self, message: str, status: int, stderr: bytes = b""):
        super().__init__(message)
        #: the signal that ended it (negative), else its exit status; and the end of what it wrote to stderr
        self.code, self.stderr = os.waitstatus_to_exitcode(status), stderr


def child_answer(msg: bytes, status: int, what: str, stderr: bytes = b"") -> bytes:
    """What a :func:`fork_child` child sent: its bytes, or its exception raised here (:class:`ChildDied` if none)."""
    if msg[:1] == b"R":
        return msg[1:]
    if msg[:1] == b"E":
        raise pickle.loads(msg[1:])
    code = os.waitstatus_to_exitcode(status)  # negative: the signal that ended it
    raise ChildDied(f"{what} stopped without an answer ({f'signal {-code}' if code < 0 else f'exit status {code}'})",
                    status, stderr)


def call_in_child(task: Callable[[], bytes], timeout: float | None, what: str = "the task", hint: str = "",
                  setup: Callable[[], None] | None = None) -> bytes:
    """Run ``task`` in a forked child (:func:`fork_child`); the bytes it returns, or the exception it raised, here.

    Some work cannot be interrupted from Python (a SPARQL query inside pyoxigraph):
    the child is killed (SIGKILL) when ``timeout`` seconds have passed (``None``: no
    limit), and this raises :class:`~graph.errors.TimedOut` ("``what`` ran longer
    than …; ``hint``"). ``setup`` runs in the child first (limits it sets on itself).
    The child's stderr comes here: passed on when it answers, kept in
    :class:`ChildDied` when it does not (a crash's last words are the caller's to word).
    Without ``os.fork`` the task runs here, without a time limit.
    """
    if not hasattr(os, "fork"):
        return task()
    er, ew = os.pipe()

    def child() -> bytes:
        os.close(er)
        os.dup2(ew, 2)
        os.close(ew)
        if setup is not None:
            setup()
        return task()

    try:
        pid, r = fork_child(child)
    finally:
        os.close(ew)
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: list[bytes] = []
    err = b""
    done = False
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(r, selectors.EVENT_READ)
            sel.register(er, selectors.EVENT_READ)
            while not done:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimedOut(f"{what} ran longer than {timeout:g} s and was stopped" + (f"; {hint}" if hint else ""))
                for key, _ in sel.select(left):
                    chunk = os.read(key.fd, 1 << 20)
                    if key.fd == er:
                        err = (err + chunk)[-_STDERR_KEPT:]
                        if not chunk:
                            sel.unregister(er)
                    else:
                        chunks.append(chunk)
                        done = not chunk
    finally:
        os.close(r)
        if not done:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        err = (err + _drain(er))[-_STDERR_KEPT:]
        os.close(er)
    answer = child_answer(b"".join(chunks), status, what, err)
    if err:  # warnings of a child that answered are this process's to show
        os.write(2, err)
    return answer


#: the end of a child's stderr that is kept
_STDERR_KEPT = 64 << 10


def _drain(fd: int) -> bytes:
    """What is left in a pipe whose writer has ended."""
    out = b""
    try:
        while chunk := os.read(fd, 1 << 16):
            out = (out + chunk)[-_STDERR_KEPT:]
    except OSError:
        pass
    return out
