"""Answers kept per build: the same SPARQL query with the same bindings is run once, and
the same API request is answered once.

A build never changes once served, so an answer to (query text, bindings, base IRI,
formats), or to (API path, parameters), stays true until the next build; the caches hang
on the :class:`~.state.Build` they answer for, and a switch drops them with that build.
Each is bounded by the bytes of the answers it keeps (least recently used first out), and
requests for an answer being computed wait for that one run instead of starting another
(a popular topic asked by many clients at once costs one query).

Used from the server's event loop only, so it needs no lock.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Awaitable, Callable, Hashable, TypeVar

T = TypeVar("T")


class AnswerCache:
    """At most ``max_bytes`` of answers (each at most an eighth of it); ``max_bytes=0`` keeps none."""

    def __init__(self, max_bytes: int = 64 * 2**20):
        self.max_bytes = max_bytes
        self._kept: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future] = {}
        self.size = self.hits = self.misses = 0

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]], size: Callable[[T], int]) -> T:
        """The kept answer for ``key``, else ``await compute()`` (kept when it succeeds and fits)."""
        if not self.max_bytes:
            return await compute()
        while True:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                self.hits += 1
                return kept[0]  # type: ignore[return-value]
            running = self._running.get(key)
            if running is None:
                break
            try:  # the same answer is on its way: wait for it (its error is ours too)
                answer = await asyncio.shield(running)
            except asyncio.CancelledError:
                if running.cancelled():
                    continue  # the request running it went away: run it here
                raise
            self.hits += 1
            return answer
        self.misses += 1
        future = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            answer = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            del self._running[key]
        future.set_result(answer)
        self._keep(key, answer, size(answer))
        return answer

    def _keep(self, key: Hashable, answer: object, nbytes: int) -> None:
        if nbytes > self.max_bytes // 8:
            return  # one big answer would push out many small ones
        self._kept[key] = (answer, nbytes)
        self.size += nbytes
        while self.size > self.max_bytes:
            _, (_, dropped) = self._kept.popitem(last=False)
            self.size -= dropped

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._kept), "bytes": self.size, "hits": self.hits, "misses": self.misses}
