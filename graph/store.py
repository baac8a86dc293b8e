"""The document store of the build cache: records on disk, loaded one at a time.

A query command needs the graph's topology and, at most, the few documents it
explains; unpickling 100,000 records to answer ``why A B`` would cost seconds.
So the cache keeps the records in a file of their own — the pickles end to end,
with an index of ``sha256 → (offset, length)`` — and the graph holds a
:class:`LazyDocuments` mapping that reads a record when it is asked for.

>>> import tempfile, os
>>> from graph.read import parse_text, EXAMPLE
>>> page = parse_text(EXAMPLE, "ex.txt")
>>> path = os.path.join(tempfile.mkdtemp(), "docs.bin")
>>> docs = write_documents({page.sha256: page}, path)
>>> docs[page.sha256].topics, len(docs), list(docs) == [page.sha256]
(('Redis', 'Memcached'), 1, True)
"""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .export import atomic_open


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while millions of acyclic objects are made.

    Every collection walks all live containers; a 100,000-page build or cache load
    makes tens of millions of them and would spend seconds walking them.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class LazyDocuments(Mapping):
    """A read-only ``{sha256: record}`` mapping backed by a file written by :func:`write_documents`."""

    def __init__(self, path: str, index: dict[str, tuple[int, int]]):
        self.path = path
        self.index = index
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, sha: str) -> Any:
        hit = self._loaded.get(sha)
        if hit is None:
            offset, length = self.index[sha]
            with open(self.path, "rb") as fh:
                fh.seek(offset)
                hit = pickle.loads(fh.read(length))
            self._loaded[sha] = hit
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, sha: object) -> bool:
        return sha in self.index

    def values(self):  # one pass over the file, not one open per record
        self._load_all()
        return [self._loaded[s] for s in self.index]

    def items(self):
        self._load_all()
        return [(s, self._loaded[s]) for s in self.index]

    def _load_all(self) -> None:
        if len(self._loaded) == len(self.index):
            return
        with open(self.path, "rb") as fh:
            data = fh.read()
        with paused_gc():
            self._load_records(data)

    def _load_records(self, data: bytes) -> None:
        for sha, (offset, length) in self.index.items():
            if sha not in self._loaded:
                self._loaded[sha] = pickle.loads(data[offset:offset + length])

    def __reduce__(self):
        # the loaded records stay behind: a pickled store is its path and its index
        return (LazyDocuments, (self.path, self.index))


def write_documents(documents: Mapping[str, Any], path: str | os.PathLike[str]) -> LazyDocuments:
    """Write the records to ``path`` (atomically) and return a lazy mapping over them."""
    index: dict[str, tuple[int, int]] = {}
    offset = 0
    with atomic_open(path) as fh:
        for sha in documents:
            blob = pickle.dumps(documents[sha], protocol=pickle.HIGHEST_PROTOCOL)
            fh.write(blob)
            index[sha] = (offset, len(blob))
            offset += len(blob)
    return LazyDocuments(os.fspath(path), index)
