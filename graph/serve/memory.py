"""The server's memory: glibc's malloc told to keep few arenas and to give freed builds back, and
the cycle collector kept off a loaded build's long-lived objects."""

from __future__ import annotations

import ctypes
import gc


def release_memory() -> None:
    """Give the old build's memory back to the system once it is freed, and set the current one aside
    from the cycle collector.

    glibc keeps freed blocks in its arenas; without a trim a server that swaps builds
    keeps the high-water mark of two builds for good. A build is hundreds of thousands of
    long-lived objects that a full collection would walk each time, the whole server stopped:
    frozen, a collection under load walks only what requests made.
    """
    gc.unfreeze()  # the old build's cycles, if any, are collectable again
    gc.collect()
    gc.freeze()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Let glibc's malloc keep ``arenas`` pools instead of up to eight per core, one per busy thread.

    Each request thread and the thread that loads a new build would otherwise allocate in an arena
    of its own, and what a freed build leaves spread over many arenas is hard to give back, so the
    server's memory grows with each switch to a newer build (docs/performance.md). Called before
    the threads start.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc
        pass
