"""The document store of the build cache: records on disk, loaded one at a time.

A query command needs the graph's topology and, at most, the few documents it
explains; unpickling 100,000 records to answer ``why A B`` would cost seconds.
So the cache keeps the records in a file of their own — the pickles end to end,
with an index of ``sha256 → (offset, length, digest)`` — and the graph holds a
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

import os
import pickle
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from graph.build.cachefile import CacheDamaged, OwnsDescriptor, open_regular, paused_gc, read_at, record_digest
from graph.build.outdir import atomic_open

__all__ = ["DocumentsRef", "LazyDocuments", "open_documents", "paused_gc", "write_documents"]

#: the first bytes of a store file
STORE_MAGIC = b"pickgraph-docs 3\n"


class DocumentsRef(NamedTuple):
    """What a cached graph keeps of its store: the file's name (beside the cache), its size and token, the index.

    ``index``: ``sha256 → (offset, length, digest)`` of each record. The ref travels
    inside the sealed graph cache, so a record whose bytes match its digest is one
    this user's pickgraph wrote, and only then is it unpickled.
    """

    name: str
    size: int
    token: bytes
    index: dict[str, tuple[int, int, bytes]]


class LazyDocuments(OwnsDescriptor, Mapping):
    """A read-only ``{sha256: record}`` mapping backed by a file written by :func:`write_documents`.

    The file is opened and checked (a regular file of the size and token of the
    ref) when the mapping is made, and stays open: a newer build may replace it on
    disk, and this mapping still reads the records of the graph it belongs to. Each
    record is checked against its digest when read, not the whole file on every open.

    ``repair``: told why, when a record fails its check; returns a mapping of the
    same records (a rebuild's), which answers from then on. Without one, a record
    that fails raises :class:`~graph.build.cachefile.CacheDamaged`.
    """

    def __init__(self, path: str, ref: DocumentsRef):
        self.path = path
        self.ref = ref
        self.index = ref.index
        self.repair: Callable[[str], Mapping[str, Any]] | None = None
        self._repaired: Mapping[str, Any] | None = None
        self._loaded: dict[str, Any] = {}
        self._fd = open_regular(path, ref.size)
        if self._fd is None:
            raise CacheDamaged(f"its document store {path} is missing")
        if read_at(self._fd, len(STORE_MAGIC) + len(ref.token), 0) != STORE_MAGIC + ref.token:
            os.close(self._fd)
            self._fd = None
            raise CacheDamaged(f"its document store {path} belongs to another build")

    def __getitem__(self, sha: str) -> Any:
        if self._repaired is not None:
            return self._from_repaired(sha)
        hit = self._loaded.get(sha)
        if hit is None:
            offset, length, _ = self.index[sha]
            hit = self._record(sha, read_at(self._fd, length, offset))
        return hit

    def _record(self, sha: str, blob: bytes) -> Any:
        """The record ``sha`` from its bytes, unpickled only if they match its digest (else repaired or raised)."""
        if record_digest(blob) != self.index[sha][2]:
            reason = f"its document store {self.path} is corrupt"
            if self.repair is None:
                raise CacheDamaged(reason)
            self._repaired = self.repair(reason)
            self._loaded.clear()
            return self._from_repaired(sha)
        hit = self._loaded[sha] = pickle.loads(blob)
        return hit

    def _from_repaired(self, sha: str) -> Any:
        try:
            return self._repaired[sha]
        except KeyError:
            raise CacheDamaged(f"its document store {self.path} is corrupt, and the pages changed since; "
                               "run the command again") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, sha: object) -> bool:
        return sha in self.index

    def values(self):  # one read of the file, not one per record
        self._load_all()
        return [self[s] for s in self.index]

    def items(self):
        self._load_all()
        return [(s, self[s]) for s in self.index]

    def records(self, shas: set[str]) -> dict[str, Any]:
        """The records of ``shas`` (a few: one read each; most: one read of the file)."""
        if len(shas) * 4 < len(self.index):
            return {s: self[s] for s in shas}
        self._load_all()
        return {s: self[s] for s in shas}

    def _load_all(self) -> None:
        if self._repaired is not None or len(self._loaded) == len(self.index):
            return
        data = read_at(self._fd, self.ref.size, 0)
        with paused_gc():
            for sha, (offset, length, _) in self.index.items():
                if sha not in self._loaded:
                    self._record(sha, data[offset:offset + length])
                    if self._repaired is not None:
                        return

    def blobs(self) -> dict[str, tuple[Any, memoryview, bytes]]:
        """Each record read so far with the bytes it was read from: ``sha256 → (record, bytes, digest)``, for a
        new store to copy (:func:`write_documents`). The digest is the sealed index's, so bytes changed on
        disk since are still caught when the new store's record is read."""
        if self._repaired is not None or not self._loaded:
            return {}  # nothing read, or this file failed its check: nothing of it is copied
        data = memoryview(read_at(self._fd, self.ref.size, 0))
        return {sha: (record, data[self.index[sha][0]:self.index[sha][0] + self.index[sha][1]], self.index[sha][2])
                for sha, record in self._loaded.items()}

    def __reduce__(self):
        # the loaded records stay behind: a pickled store is its path and what checks it
        return (LazyDocuments, (self.path, self.ref))


def write_documents(documents: Mapping[str, Any], path: str | os.PathLike[str],
                    last: LazyDocuments | None = None) -> LazyDocuments:
    """Write the records to ``path`` (atomically) and return a lazy mapping over them.

    ``last``: the store of the last build; a record taken from it (the very object it read, records
    being frozen) is copied as it was stored, not pickled and digested again. A record only equal to
    one of it is not: a page of the same text read under another path differs in its path.
    """
    token = os.urandom(16)  # ties the store to the cache written with it
    index: dict[str, tuple[int, int, bytes]] = {}
    head = STORE_MAGIC + token
    offset = len(head)
    kept = last.blobs() if last is not None else {}
    with atomic_open(path) as fh:
        fh.write(head)
        for sha in documents:
            record = documents[sha]
            if sha in kept and kept[sha][0] is record:
                _, blob, digest = kept[sha]
            else:
                blob = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
                digest = record_digest(blob)
            fh.write(blob)
            index[sha] = (offset, len(blob), digest)
            offset += len(blob)
    return LazyDocuments(os.fspath(path), DocumentsRef(Path(path).name, offset, token, index))


def open_documents(folder: str | os.PathLike[str], ref: DocumentsRef) -> LazyDocuments:
    """The store ``ref`` names, found in ``folder`` (the cache's own folder)."""
    return LazyDocuments(os.path.join(folder, ref.name), ref)
