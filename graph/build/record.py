"""The out folder's layout and its build record: where a build's cache lives, what the last build read
(:data:`BUILD_RECORD`), and the alias file found beside the pages.

The runs of the build (:mod:`.pipeline`, :mod:`.run`, :mod:`.stream`) write the record; the query
commands, the SPARQL store and ``evaluate`` read it, without importing the runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from graph.version import __version__
from graph.build import outdir
from graph.build.outdir import atomic_write_bytes
from graph.build.cachefile import read_regular
from graph.read.files import DEFAULT_MAX_BYTES
from graph.errors import PickgraphError

ALIAS_FILE_NAME = "aliases.toml"
#: What the last build in an output folder read (JSON), for the query commands run after it.
BUILD_RECORD = "pickgraph-build.json"
#: The corpus a query falls back to when no build was recorded: the repository's bundled pages.
BUNDLED_CORPUS = "data"
#: Larger than any build record pickgraph writes: a bigger file there is not one
RECORD_LIMIT = 64 << 20


def find_alias_file(paths: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The first ``aliases.toml`` at the top of an input folder, if any."""
    for p in paths:
        cand = Path(p) / ALIAS_FILE_NAME
        if Path(p).is_dir() and cand.is_file():
            return cand
    return None


def cache_path(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]]) -> Path:
    key = hashlib.sha256("\0".join(sorted(os.path.abspath(p) for p in paths)).encode()).hexdigest()[:16]
    return Path(out_dir) / ".cache" / f"graph-{key}.pickle"


def pages_path(cache: str | os.PathLike[str]) -> Path:
    """Beside a cache: each page file's size, mtime, ctime and sha256 when the build read it."""
    return Path(cache).with_suffix(".files")


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
