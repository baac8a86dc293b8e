"""The pipeline: paths → read → resolve → graph, with a cache of the last build.

Query commands call :func:`load_graph`, which returns the cached graph when no
input changed since it was built (checked by path, size, mtime and ctime of
every input file and of the alias file) and rebuilds it otherwise.

A build also leaves a record of what it read in its output folder
(:data:`BUILD_RECORD`), so that a query run later in the same place answers
about that corpus without being told again (:func:`query_inputs`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import networkx as nx

from graph.version import __version__
from graph.build import outdir
from graph.build.outdir import atomic_write_bytes
from graph.build.progress import phase, showing, shown
from graph.kg.graph import SCHEMA_VERSION, build_graph, resolve_report
from graph.read.files import DEFAULT_MAX_BYTES, Inputs, scan
from graph.read.records import ReadReport, escape_path
from graph.errors import PickgraphError
from graph.read import read_paths
from graph.resolve.names import AliasFile
from graph.build.cachefile import CacheDamaged, code_fingerprint, damaged, read_regular, read_sealed, user_key, write_sealed
from graph.build.documents import open_documents, paused_gc, write_documents
from graph.build.queryindex import QueryView, index_paths, write_query_index

ALIAS_FILE_NAME = "aliases.toml"
#: What the last build in an output folder read (JSON), for the query commands run after it.
BUILD_RECORD = "pickgraph-build.json"
#: The corpus a query falls back to when no build was recorded: the repository's bundled pages.
BUNDLED_CORPUS = "data"
#: Larger than any build record pickgraph writes: a bigger file there is not one
RECORD_LIMIT = 64 << 20


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def find_alias_file(paths: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The first ``aliases.toml`` at the top of an input folder, if any."""
    for p in paths:
        cand = Path(p) / ALIAS_FILE_NAME
        if Path(p).is_dir() and cand.is_file():
            return cand
    return None


def build(
    paths: Sequence[str | os.PathLike[str]],
    aliases: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    say: Callable[[str], None] | None = None,
    reuse: str | os.PathLike[str] | None = None,
    notify: Callable[[str], None] | None = None,
) -> tuple[nx.MultiDiGraph, ReadReport]:
    """Read every page under ``paths`` and build the topic graph.

    Rejected pages are in the report (and in ``G.graph["report"]``); the graph
    holds everything that was accepted. Raises :class:`~graph.errors.NoPages`
    when ``paths`` hold no file to read. ``say`` is told each phase as it starts.

    ``reuse``: the cache of an earlier build (:func:`cache_path`). Its pages whose
    files have kept their path, size, mtime and ctime are taken from it instead of
    read again; everything after reading is done as for a first build, so the
    result is the same as a build that read every page. A damaged one is
    ignored, and ``notify`` (default: a line on stderr) is told why.
    """
    say = say or (lambda _line: None)
    alias_path = Path(aliases) if aliases else find_alias_file(paths)
    found = scan(paths)
    before = snapshot(paths, aliases, max_bytes, found=found)  # before reading: an edit made while reading must not pass for read
    alias_file = AliasFile.load(alias_path) if alias_path else None
    with paused_gc(), showing(progress or shown()):
        known = {}
        if reuse:
            with phase("checking the last build"):
                try:
                    known = known_pages(reuse, found, max_bytes)
                except CacheDamaged as exc:
                    (notify or _to_stderr)(damaged(exc))
        if known:
            say(f"{len(known)} of {len(found.files)} pages unchanged since the last build: taken from it")
        say("reading pages")
        report = read_paths(paths, jobs=jobs or (os.cpu_count() or 1), progress=progress, max_bytes=max_bytes,
                            inputs=found, known=known)
        say("resolving names")
        with phase("resolving names"):
            identity = resolve_report(report, alias_file)
        say("building the graph")
        G = build_graph(report, identity)
    G.graph["inputs"] = [str(p) for p in paths]
    G.graph["alias_file"] = str(alias_path) if alias_path else ""
    # what each page's file was when read, for the next build's reuse (duplicates and rejections are read again)
    page_of = {p.path: p.sha256 for p in report.pages}
    G.graph["page_files"] = {f.path: (f.size, f.mtime_ns, f.ctime_ns, page_of[escape_path(f.path)])
                             for f in found.files if escape_path(f.path) in page_of}
    report.reused = len(known)
    say("checking the inputs did not change")
    with phase("checking the inputs did not change", show=progress or shown()):
        changed = changed_since(before, paths, aliases, max_bytes)
    # a graph of inputs that changed under it is never cached as theirs: the next query rebuilds
    G.graph["fingerprint"] = None if changed else before.digest
    G.graph["changed_during_build"] = changed
    return G, report




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
    from graph.read.files import read_bytes

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
    from concurrent.futures import ThreadPoolExecutor  # only for a big corpus (start-up)

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


def cache_path(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]]) -> Path:
    key = hashlib.sha256("\0".join(sorted(os.path.abspath(p) for p in paths)).encode()).hexdigest()[:16]
    return Path(out_dir) / ".cache" / f"graph-{key}.pickle"


def pages_path(cache: str | os.PathLike[str]) -> Path:
    """Beside a cache: each page file's size, mtime, ctime and sha256 when the build read it."""
    return Path(cache).with_suffix(".files")


#: the first bytes of a ``.files`` table
FILES_MAGIC = b"pickgraph-files 2\n"


def known_pages(cache: str | os.PathLike[str], found: Inputs, max_bytes: int) -> dict[str, tuple[object, str]]:
    """The pages of the build cached at ``cache`` whose files are unchanged: path → ``(page, sha256)``.

    Unchanged: same path, size, mtime and ctime (the kernel sets ctime on every
    change, so an edit that restores size and mtime still shows), read by the same
    code under a size limit the file still passes. A table that is missing, of another
    layout or of other code gives ``{}``: every page is read, as in a first build.
    Raises :class:`CacheDamaged` for a table or store the key does not vouch for, or
    cut short, or something else in its place.
    """
    try:
        saved = read_sealed(pages_path(cache), FILES_MAGIC)
        if saved is None:
            return {}
        code, ref, table = saved
        if code != code_fingerprint():
            return {}
        docs = open_documents(Path(cache).parent, ref)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            KeyError):
        return {}  # made by other code
    wanted = {}
    for f in found.files:
        row = table.get(f.path)
        if row and row[:3] == (f.size, f.mtime_ns, f.ctime_ns) and f.size <= max_bytes and row[3] in docs:
            wanted[f.path] = row[3]
    if not wanted:
        return {}
    pages = docs.records(set(wanted.values()))
    # a page keeps the path it was read under: a file holding the same text under another name is read again
    return {path: (pages[sha], sha) for path, sha in wanted.items() if pages[sha].path == escape_path(path)}


#: the first bytes of a cache file; a cache of another layout is rebuilt without a word
CACHE_MAGIC = b"pickgraph-cache 3\n"


def save_cache(G: nx.MultiDiGraph, out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
               aliases: str | os.PathLike[str] | None = None) -> Path | None:
    """Pickle the graph beside a document store, so a query loads the topology and only the pages it cites.

    Nothing is saved for a graph whose inputs changed while it was built (no
    ``fingerprint``): it is not the graph of the pages as they are; nor without a
    cache key (:func:`graph.build.cachefile.user_key`). The cache names its store by
    file name (found beside it, wherever the folder is reached from) and is sealed
    with the key, checked on load.
    """
    fp = G.graph.get("fingerprint")
    if not fp or user_key() is None:
        return None
    target = cache_path(out_dir, paths)
    docs = G.graph["documents"]
    store = write_documents(docs, target.with_suffix(".docs"))
    G.graph["documents"] = store.ref
    files = G.graph.pop("page_files", {})  # saved apart: only the next build reads it
    try:
        write_sealed(target, CACHE_MAGIC, (fp, G))
    finally:
        G.graph["documents"] = docs
        G.graph["page_files"] = files
    write_sealed(pages_path(target), FILES_MAGIC, (code_fingerprint(), store.ref, files))
    write_query_index(target, G, store, inputs_stamp(paths, aliases))  # what queries read, not the whole graph
    return target


def load_cache(target: str | os.PathLike[str], fp: str | None, documents: bool = True) -> nx.MultiDiGraph | None:
    """The cached graph at ``target`` if it was built from inputs with digest ``fp``; ``None`` if none or stale.

    Raises :class:`CacheDamaged` for a cache that cannot be trusted: not sealed
    by this user's key, cut short, corrupt, not a regular file, or missing its
    document store. ``fp=None`` takes the cache whatever
    inputs it was built from, and ``documents=False`` leaves its store closed
    (for a quick look at the topics, as shell completion takes).
    """
    target = Path(target)
    saved = read_sealed(target, CACHE_MAGIC)
    if saved is None:
        return None  # none, or another version's layout
    cached_fp, G = saved
    if fp is not None and cached_fp != fp:
        return None
    if documents:
        G.graph["documents"] = open_documents(target.parent, G.graph["documents"])
    G.graph["fingerprint"] = cached_fp
    return G


class BuildInputs(NamedTuple):
    """What a build reads: the pages, the alias file named (else found beside them), the size limit."""

    paths: list[str]
    aliases: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


def record_build(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
                 aliases: str | os.PathLike[str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 inputs_digest: str | None = None, files: dict[str, dict[str, object]] | None = None) -> Path:
    """Note in ``out_dir`` what a build read (absolute paths), for :func:`query_inputs`: the build's manifest.

    ``inputs_digest`` is the digest of the inputs the build read (``None`` when
    they changed while it read them); ``files`` names each output of the build
    with its size and sha256 (see :func:`graph.build.outdir.check`).
    """
    record = {
        "pickgraph": __version__,
        "inputs_digest": inputs_digest,
        "files": files or {},
        "inputs": [os.path.abspath(p) for p in paths],
        "aliases": os.path.abspath(aliases) if aliases else None,
        "max_bytes": max_bytes,  # a rebuild by a query reads what the build read
        # as typed, and where: a query run in the same folder names the pages the same way
        "given": {"cwd": os.getcwd(), "inputs": [os.fspath(p) for p in paths],
                  "aliases": os.fspath(aliases) if aliases else None},
    }
    return _write_record(Path(out_dir) / BUILD_RECORD, record)


def _write_record(target: Path, record: dict) -> Path:
    atomic_write_bytes(target, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "surrogateescape"))
    return target


T = TypeVar("T")


def write_into(out_dir: str | os.PathLike[str], write: Callable[[Path], T], wait: bool = True,
               on_wait: Callable[[str], None] | None = None) -> T:
    """Rewrite some outputs of ``out_dir`` with ``write(staging)``, under the folder's lock.

    ``write`` writes each file at its path relative to the out folder, under
    ``staging``. For what rewrites part of the last build's set (``export``,
    ``view``, a query's rebuilt cache): it waits for a build at work (or, with
    ``wait=False``, raises :class:`~graph.errors.Busy`), and the build's
    record then describes the new files, so the set stays one a reader can check.
    """
    with outdir.generation(out_dir, wait=wait, on_wait=on_wait) as gen:
        result = write(gen.dir)
        record_path = Path(out_dir) / BUILD_RECORD
        try:
            record = json.loads(read_regular(record_path, RECORD_LIMIT).decode("utf-8", "surrogateescape"))
            record["files"] = {**(record.get("files") or {}), **gen.describe()}
        except (OSError, PickgraphError, ValueError, AttributeError, TypeError):
            record = None  # no build here (or an unreadable record): the files stand alone
        if record is not None:
            _write_record(gen.dir / BUILD_RECORD, record)
        gen.commit(last=BUILD_RECORD)
    return result


class NoBuild(PickgraphError):
    """A query with no corpus named and no build to answer from."""

    def __init__(self, out_dir: str | os.PathLike[str]):
        super().__init__(f"no build in {out_dir}/ to answer from: run 'pickgraph build PATH' first "
                         "(PATH: your folder of pages), or name the pages with --corpus PATH")


def read_record(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The last build record in ``out_dir`` (``{}`` if none can be read).

    Read like a cache file: never waiting on a pipe, never following a link and
    never reading past its size, since anyone may have filled the out folder.
    """
    try:
        record = json.loads(read_regular(Path(out_dir) / BUILD_RECORD, RECORD_LIMIT))
        return record if isinstance(record, dict) else {}
    except (OSError, PickgraphError, ValueError, TypeError, AttributeError):
        return {}


def last_files(out_dir: str | os.PathLike[str]) -> dict[str, dict[str, object]]:
    """The outputs the last build in ``out_dir`` wrote (its manifest's list; ``{}`` if none can be read)."""
    files = read_record(out_dir).get("files") or {}
    return files if isinstance(files, dict) else {}


def query_inputs(out_dir: str | os.PathLike[str] = "exports", bundled: str = BUNDLED_CORPUS) -> BuildInputs:
    """The pages (and alias file) a query answers about when none are named.

    The last build recorded in ``out_dir``; else the bundled corpus when a
    folder ``bundled`` is here (the repository's ``make run`` and tour); else
    :class:`NoBuild`.
    """
    target = Path(out_dir) / BUILD_RECORD
    outdir.finish_pending(out_dir)
    data = read_regular(target, RECORD_LIMIT)
    if data is not None:
        try:
            record = json.loads(data.decode("utf-8", "surrogateescape"))
            inputs, aliases = [str(p) for p in record["inputs"]], record.get("aliases")
            given = record.get("given") or {}
            if given.get("cwd") == os.getcwd():  # sources then read as the build printed them
                inputs, aliases = [str(p) for p in given["inputs"]], given.get("aliases")
            max_bytes = int(record.get("max_bytes", DEFAULT_MAX_BYTES))
        except (ValueError, KeyError, TypeError):
            raise PickgraphError(f"{target}: not a build record pickgraph can read; run 'pickgraph build PATH' "
                                 "again") from None
        for p in inputs + ([aliases] if aliases else []):
            if not os.path.lexists(p):
                raise PickgraphError(f"the last build in {out_dir}/ read {p}, which is gone; run "
                                     "'pickgraph build PATH' again, or name the pages with --corpus PATH")
        return BuildInputs(inputs, aliases, max_bytes)
    if os.path.isdir(bundled):
        return BuildInputs([bundled])
    raise NoBuild(out_dir)


def _remove_damaged(out_dir: str | os.PathLike[str], target: Path) -> None:
    """Clear a damaged cache (whatever took its files' places) so that the rebuilt one can be put there."""
    with outdir.try_locked(out_dir) as free:
        if free:
            for part in (target, target.with_suffix(".docs"), pages_path(target), *index_paths(target)):
                outdir.remove(part)


def load_graph(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "exports",
    aliases: str | os.PathLike[str] | None = None,
    progress: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    notify: Callable[[str], None] | None = None,
) -> nx.MultiDiGraph:
    """The graph of ``paths`` as they are now: from the cache when it is fresh, else built (and cached).

    A damaged cache is rebuilt, and ``notify`` (default: a line on stderr) is
    told why — also when a document of a loaded cache fails its check later, as
    a query reads it: its store is then rebuilt. The rebuilt graph is cached when
    the output folder is free (no build writing it) and writable; else only this
    call pays for the rebuild.
    """
    if not paths:
        raise PickgraphError("no input: name a file or folder of pages")
    notify = notify or _to_stderr
    outdir.finish_pending(out_dir)
    target = cache_path(out_dir, paths)
    fp = fingerprint(paths, aliases, max_bytes)

    def rebuild(reason: object = None) -> nx.MultiDiGraph:
        if reason is not None:
            notify(damaged(reason))
            _remove_damaged(out_dir, target)
        # here, not at the top: run.py builds on this module (the one build function calls build and save_cache)
        from graph.build.run import build_into

        return build_into(out_dir, paths, aliases=aliases, progress=progress, max_bytes=max_bytes, notify=notify,
                          cache_only=True).graph

    for attempt in (1, 2):  # a second look: a build may have been putting a new cache in place meanwhile
        try:
            G = load_cache(target, fp)
            if G is None:
                break
            G.graph["documents"].repair = lambda reason: rebuild(reason).graph["documents"]
            return G
        except (CacheDamaged, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                ImportError, IndexError, KeyError) as exc:
            if attempt == 2:
                return rebuild(exc if isinstance(exc, CacheDamaged) else
                               f"{target} cannot be read ({type(exc).__name__})")
    return rebuild()


def open_query_view(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
                    aliases: str | os.PathLike[str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                    notify: Callable[[str], None] | None = None) -> QueryView | None:
    """The query index of the last build of ``paths`` in ``out_dir`` when the pages are as it read them.

    Fresh when :func:`fingerprint` is the build's, as for :func:`load_graph`; proven by
    :func:`quick_fingerprint` (one ``stat`` per file and folder) when nothing changed, else by a walk.
    ``None`` when there is none or a page changed since,
    and when it is damaged (``notify``, default a line on stderr, is told why, and the cache is removed):
    :func:`load_graph` then answers, rebuilding the cache and its index. An index of other code is
    passed over in silence, and :func:`keep_query_index` puts one back.
    """
    if not paths:
        raise PickgraphError("no input: name a file or folder of pages")
    outdir.finish_pending(out_dir)
    target = cache_path(out_dir, paths)
    notify = notify or _to_stderr

    def repair(reason: object) -> Any:  # a page of the store fails its check as a query reads it: as load_graph does
        notify(damaged(reason))
        _remove_damaged(out_dir, target)
        return load_graph(paths, out_dir, aliases, max_bytes=max_bytes, notify=notify).graph["documents"]

    try:
        view = QueryView.open(target)
        if view is not None and view.fingerprint == (quick_fingerprint(view.head.get("inputs"), paths, aliases,
                                                                       max_bytes)
                                                     or fingerprint(paths, aliases, max_bytes)):
            view.documents.repair = repair
            return view
    except CacheDamaged as exc:  # as load_graph does: said once, and built again
        notify(damaged(exc))
        _remove_damaged(out_dir, target)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            KeyError):
        pass  # of other code: the graph cache answers, and the index is written anew
    return None


def keep_query_index(G: nx.MultiDiGraph, out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]],
                     aliases: str | os.PathLike[str] | None = None) -> None:
    """Write the query index of ``G``, a graph :func:`load_graph` read from a fresh cache whose index was
    missing or damaged, so that the next query reads no whole graph (a rebuilt graph's cache has its own)."""
    from graph.build.documents import LazyDocuments

    docs = G.graph.get("documents")
    if not isinstance(docs, LazyDocuments) or not G.graph.get("fingerprint"):
        return
    try:
        write_into(out_dir, lambda staging: write_query_index(cache_path(staging, paths), G, docs,
                                                              inputs_stamp(paths, aliases)), wait=False)
    except PickgraphError:
        pass  # busy, read-only or full: the next query reads the graph cache again
