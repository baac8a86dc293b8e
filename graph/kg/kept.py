"""Results of a build's costly pure steps, found again by a digest of their input.

Louvain's communities and the force layouts cannot follow a change page by page; but a rebuild
whose pages changed elsewhere (or only in wording) hands them the very input an earlier build
did, and a pure function of the same input gives the same result. Within :func:`kept`, such a
step asks the store for its input's digest first (:func:`remembered`); the build's store keeps
each result in a sealed file of the out folder (:class:`graph.build.cachefile.KeptResults`).
Outside it, every step computes as before.

>>> calls = []
>>> class Store(dict):
...     def put(self, key, value): self[key] = value
>>> with kept(Store()):
...     a = remembered(digest("double", "21"), lambda: calls.append(1) or 42)
...     b = remembered(digest("double", "21"), lambda: calls.append(1) or 42)
>>> a, b, len(calls)
(42, 42, 1)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Store(Protocol):
    """Where :func:`remembered` finds and keeps results, by digest."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...


_store: Store | None = None


@contextmanager
def kept(store: Store) -> Iterator[None]:
    """Within the block, :func:`remembered` answers from ``store`` when it can, and keeps each result there."""
    global _store
    was, _store = _store, store
    try:
        yield
    finally:
        _store = was


def active() -> bool:
    """Whether a store is in use (else a caller need not pay for a digest)."""
    return _store is not None


def remembered(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, or the result kept under ``key`` (a :func:`digest` of all ``compute`` depends on)."""
    if _store is None:
        return compute()
    found = _store.get(key)
    if found is None:
        found = compute()
    _store.put(key, found)  # a hit too: the build keeps what it used, and only that
    return found


def digest(*parts: str | Iterable[str]) -> str:
    """The sha256 of ``parts`` (a part may be many strings), each apart from the next."""
    h = hashlib.sha256()
    for part in parts:
        for s in ([part] if isinstance(part, str) else part):
            h.update(s.encode("utf-8", "surrogateescape") + b"\0")
        h.update(b"\1")
    return h.hexdigest()
