"""Worker processes that do not outlive the build that started them.

A build reads and writes in child processes (a process pool for parsing, forked
export writers). If the parent is killed (``kill -9``, the OOM killer), Linux
would leave them running with nobody to collect their work; each child asks the
kernel to send it SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``).
Elsewhere this is a no-op.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a child process: be killed when ``parent`` (the pid that started it) dies."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl to be had: nothing to arm
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def start_worker(parent: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()) -> None:
    """A process pool's initializer: :func:`die_with_parent`, then the pool's own initializer."""
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)
