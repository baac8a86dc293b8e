"""What a process that runs one untrusted query does to itself first: no network, bounded memory.

A SPARQL query can ask its engine to call out (``SERVICE``) and can need unbounded
memory (a sorted cross product). The offline check of :mod:`graph.sparql.run` refuses
SERVICE by parsing the query; a query process also leaves the machine's network for a
network namespace of its own (only a loopback that is down), so that whatever the check
misses cannot connect anywhere, 127.0.0.1 included. The kernel may refuse a namespace
(no user namespaces for non-root, seccomp in a container): the process then carries on
with the check alone, and :func:`network_isolation` tells callers so.

Linux only; elsewhere both are no-ops that say so.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def leave_network() -> bool:
    """In a child process: enter a new, empty network namespace. Whether it worked.

    As root ``CLONE_NEWNET`` alone; otherwise the kernel asks for a user namespace with it
    (allowed only in a single-threaded process: a freshly forked or spawned child is one).
    """
    if not sys.platform.startswith("linux"):
        return False

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


_probed: bool | None = None


def network_isolation() -> bool:
    """Whether query processes here can leave the network (tried once, in a throwaway child)."""
    global _probed
    if _probed is None:
        if not hasattr(os, "fork"):
            _probed = False
            return _probed
        pid = os.fork()
        if pid == 0:
            os._exit(0 if leave_network() else 1)
        _probed = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    return _probed


def data_bytes() -> int:
    """The bytes of this process's data (``VmData``: heap and private writable mappings), 0 if unknown."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def limit_memory(megabytes: float) -> None:
    """Let this process's data grow by at most ``megabytes`` from now (``RLIMIT_DATA``).

    Relative to what it holds already: a forked child shares its parent's heap, which may
    be a loaded graph of gigabytes. ``RLIMIT_DATA`` rather than ``RLIMIT_AS``: address space
    that is only reserved (thread stacks' guard areas, malloc arenas, mapped store files)
    is not memory used. Past it an allocation fails: Python raises MemoryError, Oxigraph's
    Rust code aborts the process (SIGABRT).
    """
    limit = data_bytes() + int(megabytes * 2**20)
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def confine(memory_mb: float | None, network: bool) -> None:
    """:func:`limit_memory` (if ``memory_mb``) and, unless ``network``, :func:`leave_network`."""
    if not network:
        leave_network()
    if memory_mb:
        limit_memory(memory_mb)


__all__ = ["confine", "data_bytes", "leave_network", "limit_memory", "network_isolation"]
