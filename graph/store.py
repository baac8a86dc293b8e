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
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple
import zlib

from .output import atomic_open


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


#: the first bytes of a store file
STORE_MAGIC = b"pickgraph-docs 2\n"


class DocumentsRef(NamedTuple):
    """What a cached graph keeps of its store: the file's name (beside the cache), its size and token, the index."""

    name: str
    size: int
    token: bytes
    crc: int
    index: dict[str, tuple[int, int]]


class LazyDocuments(Mapping):
    """A read-only ``{sha256: record}`` mapping backed by a file written by :func:`write_documents`.

    The file is opened and checked (size, token, CRC of the whole) when the
    mapping is made, and stays open: a newer build may replace it on disk, and
    this mapping still reads the records of the graph it belongs to.
    """

    def __init__(self, path: str, ref: DocumentsRef):
        from .pipeline import CacheDamaged

        self.path = path
        self.ref = ref
        self.index = ref.index
        self._loaded: dict[str, Any] = {}
        self._fd = None
        try:
            # non-blocking and checked regular: whatever took the store's place is never waited on
            self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
            st = os.fstat(self._fd)
            if not stat.S_ISREG(st.st_mode):
                raise CacheDamaged(f"its document store {path} is not a regular file")
            head = os.pread(self._fd, len(STORE_MAGIC) + len(ref.token), 0)
            if st.st_size != ref.size or head != STORE_MAGIC + ref.token:
                raise CacheDamaged(f"its document store {path} is cut short or belongs to another build")
            crc, offset = 0, 0
            while chunk := os.pread(self._fd, 1 << 22, offset):
                crc, offset = zlib.crc32(chunk, crc), offset + len(chunk)
            if crc != ref.crc:
                raise CacheDamaged(f"its document store {path} is corrupt")
        except (OSError, CacheDamaged) as exc:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if isinstance(exc, CacheDamaged):
                raise
            raise CacheDamaged(f"its document store {path}: {exc.strerror}") from None

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def __getitem__(self, sha: str) -> Any:
        hit = self._loaded.get(sha)
        if hit is None:
            offset, length = self.index[sha]
            hit = self._loaded[sha] = pickle.loads(os.pread(self._fd, length, offset))
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, sha: object) -> bool:
        return sha in self.index

    def values(self):  # one read of the file, not one per record
        self._load_all()
        return [self._loaded[s] for s in self.index]

    def items(self):
        self._load_all()
        return [(s, self._loaded[s]) for s in self.index]

    def records(self, shas: set[str]) -> dict[str, Any]:
        """The records of ``shas`` (a few: one read each; most: one read of the file)."""
        if len(shas) * 4 < len(self.index):
            return {s: self[s] for s in shas}
        self._load_all()
        return {s: self._loaded[s] for s in shas}

    def _load_all(self) -> None:
        if len(self._loaded) == len(self.index):
            return
        data = os.pread(self._fd, self.ref.size, 0)
        with paused_gc():
            for sha, (offset, length) in self.index.items():
                if sha not in self._loaded:
                    self._loaded[sha] = pickle.loads(data[offset:offset + length])

    def __reduce__(self):
        # the loaded records stay behind: a pickled store is its path and what checks it
        return (LazyDocuments, (self.path, self.ref))


def write_documents(documents: Mapping[str, Any], path: str | os.PathLike[str]) -> LazyDocuments:
    """Write the records to ``path`` (atomically) and return a lazy mapping over them."""
    token = os.urandom(16)  # ties the store to the cache written with it
    index: dict[str, tuple[int, int]] = {}
    head = STORE_MAGIC + token
    offset, crc = len(head), zlib.crc32(head)
    with atomic_open(path) as fh:
        fh.write(head)
        for sha in documents:
            blob = pickle.dumps(documents[sha], protocol=pickle.HIGHEST_PROTOCOL)
            fh.write(blob)
            index[sha] = (offset, len(blob))
            offset, crc = offset + len(blob), zlib.crc32(blob, crc)
    return LazyDocuments(os.fspath(path), DocumentsRef(Path(path).name, offset, token, crc, index))


def open_documents(folder: str | os.PathLike[str], ref: DocumentsRef) -> LazyDocuments:
    """The store ``ref`` names, found in ``folder`` (the cache's own folder)."""
    return LazyDocuments(os.path.join(folder, ref.name), ref)
