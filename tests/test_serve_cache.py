"""The SPARQL answers a build keeps (graph.serve.cache), and the old build freed after a switch."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref

import pytest
from conftest import render_comparison, write_corpus
from servehelp import build

from graph.serve.cache import AnswerCache


def _run(coro):
    return asyncio.run(coro)


def test_an_answer_is_computed_once_and_then_kept():
    cache, calls = AnswerCache(1000), []

    async def compute():
        calls.append(1)
        return b"x" * 10

    async def main():
        return [await cache.get(("q", 1), compute, len) for _ in range(3)]

    assert _run(main()) == [b"x" * 10] * 3
    assert calls == [1]
    assert cache.stats() == {"entries": 1, "bytes": 10, "hits": 2, "misses": 1}


def test_requests_for_an_answer_on_its_way_share_one_run():
    cache, calls = AnswerCache(1000), []

    async def compute():
        calls.append(1)
        await asyncio.sleep(0.05)
        return b"answer"

    async def main():
        return await asyncio.gather(*[cache.get("q", compute, len) for _ in range(5)])

    assert _run(main()) == [b"answer"] * 5
    assert calls == [1]
    assert cache.stats()["hits"] == 4


def test_an_error_is_everyones_and_never_kept():
    cache, calls = AnswerCache(1000), []

    async def fail():
        calls.append(1)
        await asyncio.sleep(0.02)
        raise ValueError("bad query")

    async def main():
        got = await asyncio.gather(*[cache.get("q", fail, len) for _ in range(3)], return_exceptions=True)
        again = await asyncio.gather(cache.get("q", fail, len), return_exceptions=True)
        return got + again

    got = _run(main())
    assert [str(e) for e in got] == ["bad query"] * 4
    assert calls == [1, 1]  # three shared the first run; the fourth ran it again
    assert cache.stats()["entries"] == 0


def test_the_least_recently_used_answers_go_first_and_big_ones_are_not_kept():
    cache = AnswerCache(80)  # an answer over 10 bytes (an eighth) is never kept

    async def main():
        for key in ("a", "b", "c", "d", "e", "f", "g", "h"):
            await cache.get(key, _const(b"0123456789"), len)
        await cache.get("a", _const(b"new"), len)  # "a" kept: not computed again
        await cache.get("i", _const(b"0123456789"), len)  # pushes out "b", the least recently used
        await cache.get("big", _const(b"x" * 11), len)
        return cache.stats()

    stats = _run(main())
    assert stats == {"entries": 8, "bytes": 80, "hits": 1, "misses": 10}
    assert list(cache._kept) == ["c", "d", "e", "f", "g", "h", "a", "i"]


def test_no_cache_computes_every_time():
    cache, calls = AnswerCache(0), []

    async def compute():
        calls.append(1)
        return b"x"

    async def main():
        for _ in range(3):
            await cache.get("q", compute, len)

    _run(main())
    assert calls == [1, 1, 1] and cache.stats() == {"entries": 0, "bytes": 0, "hits": 0, "misses": 0}


def _const(value: bytes):
    async def compute():
        return value

    return compute


@pytest.mark.server
def test_the_old_build_and_its_answers_are_freed_after_a_switch(tmp_path):
    from graph.rdf.mapping import DEFAULT_BASE
    from graph.serve.state import Live

    first = write_corpus(tmp_path / "first", {"alpha-beta.txt": render_comparison("Alpha", "Beta", "Alpha")})
    second = write_corpus(tmp_path / "second", {"alpha-beta.txt": render_comparison("Alpha", "Beta", "Alpha"),
                                                 "beta-gamma.txt": render_comparison("Beta", "Gamma", "Gamma")})
    out = tmp_path / "out"
    build([first], out)
    said: list[str] = []
    live = Live(out, DEFAULT_BASE, said.append, poll=0.1).start()
    try:
        old = weakref.ref(live.current)
        held = live.current  # a request still answering from the old build
        build([second], out)
        deadline = time.monotonic() + 60
        while live.switches == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert live.switches == 1 and live.current.G.number_of_nodes() == 3
        time.sleep(0.3)
        assert old() is held  # kept while the request runs
        del held  # the request ends
        deadline = time.monotonic() + 10
        while old() is not None and time.monotonic() < deadline:
            gc.collect()
            time.sleep(0.1)
        assert old() is None
    finally:
        live.stop()
