"""Whether the inputs changed: a digest of every page file's path, size, mtime and ctime (and of the
code, the schema, the size limit and the alias file), taken before a build and checked after it, and
proven again by a query with one ``stat`` per file and folder (:func:`quick_fingerprint`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from array import array
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from graph.version import __version__
from graph.build.cachefile import code_fingerprint
from graph.build.record import find_alias_file
from graph.kg.graph import SCHEMA_VERSION
from graph.read.files import DEFAULT_MAX_BYTES, Inputs, read_bytes, scan
from graph.errors import PickgraphError


#: An input whose change time is this close to a snapshot may change again within
#: the same clock tick, unseen by ``stat``: its content is compared instead (as git
#: does with "racily clean" entries). Fine-grained file systems tick in at most a
#: few ms; ones that keep whole seconds (FAT, some network file systems) in 2 s.
RACY_NS = 50_000_000
RACY_NS_COARSE = 2_000_000_000


class Snapshot(NamedTuple):
    """The inputs at one moment: a digest of their metadata, and the content of those changed just before."""

    digest: str
    rows: frozenset[tuple]
    #: path → (sha256 of the bytes, the moment after which a change shows in ``stat``)
    racy: dict[str, tuple[str, int]]


def _racy_window(ns: int) -> int:
    return RACY_NS_COARSE if ns % 1_000_000_000 == 0 else RACY_NS


def _content(path: str) -> str:
    try:
        return hashlib.sha256(read_bytes(path, 1 << 62)).hexdigest()
    except PickgraphError:  # gone, or no longer a regular file: the metadata shows it
        return ""


def _digest_head(max_bytes: int) -> Any:
    """The digest of :func:`snapshot` as it starts: the version, the schema, the code, the size limit."""
    # the size limit too: a page rejected as too big by one build is read by another
    return hashlib.sha256(f"{__version__}|{SCHEMA_VERSION}|{code_fingerprint()}|{max_bytes}".encode())


def _rows_text(rows: Sequence[tuple]) -> bytes:
    """Rows of ``(path, size, mtime_ns, ctime_ns)`` as the digest of :func:`snapshot` reads them."""
    return "".join("\0".join(map(str, row)) + "\n" for row in rows).encode("utf-8", "surrogateescape")


def _alias_row(paths: Sequence[str | os.PathLike[str]], aliases: str | os.PathLike[str] | None) -> list[tuple]:
    """The alias file's row of :func:`snapshot` (none without one; size -1 when it cannot be looked at)."""
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    if not alias_path:
        return []
    alias_path = alias_path.absolute()
    try:
        st = os.stat(alias_path)
        return [(str(alias_path), st.st_size, st.st_mtime_ns, st.st_ctime_ns)]
    except OSError:
        return [(str(alias_path), -1, -1, -1)]


def snapshot(paths: Sequence[str | os.PathLike[str]], aliases: str | os.PathLike[str] | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES, contents: bool = True, found: Inputs | None = None) -> Snapshot:
    """Every input's path, size, mtime and ctime (and the code's), as a digest that changes when any does.

    ``ctime`` is set by the kernel on every change, so an edit that restores the
    size and the mtime (``touch -d``) still shows. Entries the walk rejects (a
    pipe, a dangling link) count by path, so a new one changes the digest too.
    ``found``: the walk of ``paths`` just made (``scan(paths)``), so as not to walk twice.
    """
    taken = time.time_ns()
    # absolute, so `build data/` here and a query naming /abs/data from elsewhere share one cache
    if found is None:
        found = scan([os.path.abspath(p) for p in paths])
        stats = [tuple(f) for f in found.files]
    else:
        absolute = os.path.abspath
        stats = [(absolute(f.path), f.size, f.mtime_ns, f.ctime_ns) for f in found.files]
    stats += [(os.path.abspath(r.path), -1, -1, -1) for r in found.rejections]
    pages_text = _rows_text(stats)
    alias_row = _alias_row(paths, aliases)
    stats += alias_row
    h = _digest_head(max_bytes)
    h.update(hashlib.sha256(pages_text).digest() + _rows_text(alias_row))  # the pages' part apart: a stamp keeps it
    racy = {}
    for path, size, _mtime, ctime in stats if contents else ():  # only a build needs the racy files' contents
        # ctime, which the kernel sets (an mtime may be anywhere: `touch -d '+1 year'`); a clock that
        # runs ahead only makes more files racy, and the wait below never passes the snapshot's own tick
        window = _racy_window(ctime)
        if size >= 0 and ctime >= taken - window:
            racy[path] = (_content(path), taken + window)
    return Snapshot(h.hexdigest(), frozenset(stats), racy)


#: at most this many folders are stamped for :func:`quick_fingerprint`; a bigger tree is checked by a walk
STAMP_FOLDERS = 10_000


def inputs_stamp(paths: Sequence[str | os.PathLike[str]],
                 aliases: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    """What :func:`quick_fingerprint` checks later, taken now: each folder under ``paths`` (its identity and
    times), then each input file's path, size, mtime and ctime, and the rows :func:`snapshot` digests.

    ``None`` when a later check could not prove the digest from it: the walk rejected an entry
    (a dangling link may come to name a page with no folder changing), a file or folder changed
    within the racy window, or more than :data:`STAMP_FOLDERS` folders.
    """
    folders = _folder_stamps(paths)
    taken = time.time_ns()  # after the folders: a change since shows in their times
    found = scan([os.path.abspath(p) for p in paths])
    if folders is None or found.rejections:
        return None
    rows = [tuple(f) for f in found.files]
    if any(ctime >= taken - _racy_window(ctime) for *_, ctime in rows + folders):
        return None
    stats = array("q")
    for _, size, mtime, ctime in rows:
        stats.extend((size, mtime, ctime))
    return {"inputs": sorted(os.path.abspath(p) for p in paths), "folders": folders,
            "files": [row[0] for row in rows], "stats": stats, "pages": hashlib.sha256(_rows_text(rows)).digest()}


def _folder_stamps(paths: Sequence[str | os.PathLike[str]]) -> list[tuple] | None:
    """``(path, dev, ino, mtime_ns, ctime_ns)`` of every folder under ``paths`` (links followed, as the walk
    does; each folder once): an entry made, removed or renamed in one changes its times."""
    out: list[tuple] = []
    seen: set[tuple[int, int]] = set()
    stack = [os.path.abspath(p) for p in paths]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode) or (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        out.append((folder, st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
        if len(out) > STAMP_FOLDERS:
            return None
        try:
            with os.scandir(folder) as it:
                stack += [e.path for e in it if e.is_dir()]
        except OSError:
            pass  # unreadable: its own times change when that does
    return out


#: threads that look at the inputs at once: a stat waits on the kernel with the GIL released, so a few
#: overlap (a page count below STAT_ALONE is looked at in this thread)
STAT_THREADS = 4
STAT_ALONE = 1000


def _file_stats(paths: Sequence[str]) -> array:
    """``size, mtime_ns, ctime_ns`` of each file, flat, in order (``OSError`` for one that cannot be looked at)."""
    def part(chunk: Sequence[str]) -> array:
        out = array("q")
        for st in map(os.stat, chunk):
            out.extend((st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        return out

    if len(paths) < STAT_ALONE:
        return part(paths)

    step = -(-len(paths) // STAT_THREADS)
    with ThreadPoolExecutor(STAT_THREADS) as pool:
        parts = list(pool.map(part, [paths[i:i + step] for i in range(0, len(paths), step)]))
    out = array("q")
    for p in parts:
        out.extend(p)
    return out


def quick_fingerprint(stamp: dict[str, Any] | None, paths: Sequence[str | os.PathLike[str]],
                      aliases: str | os.PathLike[str] | None = None,
                      max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """:func:`fingerprint` of the inputs, proven from ``stamp`` (:func:`inputs_stamp`) with one ``stat`` per
    folder and per file and no walk; ``None`` when anything differs from the stamp (then walk).

    Every folder as stamped means no entry was made, removed or renamed in any (so the walk would
    meet the same entries), and every file's size, mtime and ctime as stamped means the walk would
    see the same rows: the digest is then the stamp's rows under today's code, limit and alias file.
    """
    if not stamp or stamp["inputs"] != sorted(os.path.abspath(p) for p in paths):
        return None
    try:
        for path, dev, ino, mtime, ctime in stamp["folders"]:
            st = os.stat(path)
            if (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns) != (dev, ino, mtime, ctime):
                return None
        now = _file_stats(stamp["files"])
    except OSError:
        return None
    if now != stamp["stats"]:
        return None
    h = _digest_head(max_bytes)
    h.update(stamp["pages"] + _rows_text(_alias_row(paths, aliases)))
    return h.hexdigest()


def fingerprint(paths: Sequence[str | os.PathLike[str]], aliases: str | os.PathLike[str] | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The digest of :func:`snapshot`: equal digests, unchanged inputs."""
    return snapshot(paths, aliases, max_bytes, contents=False).digest


def changed_since(before: Snapshot, paths: Sequence[str | os.PathLike[str]],
                  aliases: str | os.PathLike[str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """The inputs that changed since ``before`` was taken (sorted paths; ``[]`` when none).

    Waits, if need be, until the clock has passed the tick of the most recent
    change seen (a few ms), so that from then on every change shows in ``stat``.
    """
    if before.racy:
        settle = max(until for _, until in before.racy.values())
        while (left := settle - time.time_ns()) > 0:
            time.sleep(left / 1e9)
    after = snapshot(paths, aliases, max_bytes, contents=False)  # the racy contents are compared just below
    changed = {row[0] for row in before.rows ^ after.rows}
    changed |= {p for p, (sha, _) in before.racy.items() if p not in changed and _content(p) != sha}
    return sorted(changed)
