"""Writing outputs safely: atomic files, one generation per build, a lock per output folder.

A build's exports, its query cache and its record (the manifest) belong
together. They are written into a staging folder inside the output folder and
put in place together at the end (:class:`Generation`): a build that fails,
is interrupted or is killed leaves the previous set whole. Putting in place is
a handful of renames after a journal naming them; a build killed in between is
finished by the next process that takes the folder's lock (:func:`recover`),
so readers never meet half of one build and half of another.

Every temporary file or folder pickgraph makes carries its mark and the pid of
its maker (:func:`own_prefix`): a leftover is removed only when it has that mark
and its maker is gone (:func:`leftover`). A folder used as an out folder may
hold files of others (``.draft.tmp``); they are never touched.

One build at a time writes an output folder: :func:`locked` takes an advisory
lock (``flock`` on the folder) that the kernel drops when its holder dies, so a killed
build never blocks the next one. Leftovers of killed builds (staging folders,
temporary files) are removed by the next holder of the lock.

Every ``OSError`` met while writing becomes a :class:`~graph.errors.WriteFailed`
naming the file and the system's reason, after the temporary file is removed —
also when the error comes at ``close`` or ``fsync`` (a full disk often shows
only there).

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> with generation(out) as gen:
...     _ = (gen.dir / "a.txt").write_text("one")
...     gen.commit()
['a.txt']
>>> sorted(p.name for p in out.iterdir())
['a.txt']
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from graph.errors import Busy, WriteFailed

#: the mark of pickgraph's temporary files and folders: ``.pickgraph-KIND-PID-…``
MARK = ".pickgraph-"
STAGING_PREFIX = f"{MARK}staging-"
#: in a staging folder: the renames still to do, written before the first one
JOURNAL = ".commit.json"
#: what a failure while putting a generation in place leaves
PARTLY = "the outputs were partly put in place; the next build finishes or replaces them"
#: where killed processes leave temporaries (besides staging folders): atomic files, the streaming spool
_LEFTOVER_GLOBS = (f"{MARK}tmp-*", f"{MARK}stream-*", f".cache/{MARK}tmp-*")


def own_prefix(kind: str) -> str:
    """The name prefix of a temporary of this process: ``.pickgraph-KIND-PID-`` (then a random part)."""
    return f"{MARK}{kind}-{os.getpid()}-"


def leftover(path: Path) -> bool:
    """Whether ``path`` is a temporary of pickgraph's (by its mark) whose maker is no longer running."""
    name = path.name
    if not name.startswith(MARK):
        return False
    try:
        pid = int(name[len(MARK):].split("-")[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():  # ours: a temporary is removed by whoever made it; a staging folder may be abandoned
        return path.name.startswith(STAGING_PREFIX) and all(gen.dir != path for gen in _ACTIVE)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


def _failed(path: str | os.PathLike[str], exc: OSError) -> WriteFailed:
    """The error naming the output as the user knows it: never a temporary file or the staging folder."""
    parts = [part for part in Path(path).parts if not part.startswith(STAGING_PREFIX)]
    return WriteFailed(Path(*parts) if parts else path, exc.strerror or str(exc))


# ------------------------------------------------------------ atomic files --

class atomic_open:
    """``with atomic_open(path) as fh:`` — a binary file renamed over ``path`` on success only.

    The data is flushed and synced before the rename, so an error the disk
    reports late (a full disk at ``close``) is still an error here; on every
    failure the temporary file is removed and ``path`` is left as it was.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.tmp: str | None = None

    def __enter__(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=own_prefix("tmp"), suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise _failed(self.path, exc) from None
        self.fh = os.fdopen(fd, "wb")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        try:
            try:
                if exc_type is None:
                    self.fh.flush()
                    os.fsync(self.fh.fileno())
            finally:
                self.fh.close()
            if exc_type is None:
                # mkstemp makes the file 0600; exports are ordinary files, readable as the umask allows
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(self.tmp, 0o666 & ~umask)
                os.replace(self.tmp, self.path)
                self.tmp = None
        except OSError as err:
            if exc_type is None:
                raise _failed(self.path, err) from None
        finally:
            if self.tmp is not None:
                try:
                    os.unlink(self.tmp)
                except OSError:
                    pass
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise _failed(self.path, exc) from None
        return False


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    with atomic_open(path) as fh:
        fh.write(data)


# -------------------------------------------------------------------- lock --

@contextmanager
def locked(out_dir: str | os.PathLike[str], wait: bool = True,
           on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock; while another process holds it, wait (telling ``on_wait``) or raise :class:`Busy`.

    The lock is the folder itself (``flock`` on its descriptor): no lock file
    to leave behind, and the kernel drops it when its holder dies.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _failed(out, exc) from None
    try:
        _lock(fd, out, wait, on_wait)
        yield
    finally:
        os.close(fd)  # drops the lock


def _lock(fd: int, out: Path, wait: bool, on_wait: Callable[[str], None] | None) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    except OSError as exc:  # a file system that cannot lock (some network ones): go on, and say so
        if on_wait:
            on_wait(f"warning: {out} cannot be locked ({exc.strerror}); two builds into it at once are not kept apart")
        return
    message = f"another build ({_holder(out)}) is writing {out}"
    if not wait:
        raise Busy(f"{message}; wait for it to end, or write elsewhere with --out")
    if on_wait:
        on_wait(f"{message}; waiting for it to end (Ctrl-C to stop)")
    fcntl.flock(fd, fcntl.LOCK_EX)


def _holder(out: Path) -> str:
    """The pid in the name of the newest staging folder: the build at work."""
    try:
        newest = max(out.glob(f"{STAGING_PREFIX}*"), key=lambda p: p.stat().st_mtime_ns)
        return f"pid {int(newest.name[len(STAGING_PREFIX):].split('-')[0])}"
    except (ValueError, OSError):
        return "pid unknown"


@contextmanager
def try_locked(out_dir: str | os.PathLike[str]) -> Iterator[bool]:
    """The lock if it is free at once (yields ``True``); ``False`` when busy or the folder cannot hold one."""
    stack = ExitStack()
    try:
        stack.enter_context(locked(out_dir, wait=False))
        got = True
    except (Busy, WriteFailed):
        got = False
    with stack:
        yield got


# -------------------------------------------------------------- generation --

class Generation:
    """The outputs of one build, staged in ``dir`` and put in place by :meth:`commit`.

    Write each output at its path relative to the output folder, under
    ``dir`` instead (``gen.dir / "pickgraph.ttl"``, ``gen.dir / ".cache" / …``).
    """

    def __init__(self, out_dir: str | os.PathLike[str]):
        self.out = Path(out_dir)
        try:
            self.dir = Path(tempfile.mkdtemp(prefix=own_prefix("staging"), dir=self.out))
        except OSError as exc:
            raise _failed(self.out, exc) from None
        self.committed = False
        self.begun = False  # the journal is written: from then on the generation only goes forward
        _ACTIVE.add(self)

    def files(self) -> list[str]:
        """The staged files, relative to the output folder, sorted."""
        return sorted(p.relative_to(self.dir).as_posix() for p in self.dir.rglob("*")
                      if p.is_file() and p.name != JOURNAL)

    def describe(self) -> dict[str, dict[str, object]]:
        """Each staged file's size and sha256, for a manifest that lets a reader check the set."""
        return {name: _describe(self.dir / name) for name in self.files()}

    def commit(self, last: str | None = None, replaces: list[str] = ()) -> list[str]:
        """Put every staged file in place (``last`` after the others); remove ``replaces`` not written anew.

        ``replaces`` are the files of the generation this one replaces (its
        manifest's list), so that an export the new build does not write does not
        stay behind as a stale member of the set.
        """
        names = self.files()
        if last in names:
            names.remove(last)
            names.append(last)
        gone = sorted(set(replaces) - set(names))
        journal = self.dir / JOURNAL
        # late: workers brings the process pools, and the query commands use outdir without them
        from graph.build.workers import interrupts_held

        with interrupts_held():  # once the journal is written, the renames go through; Ctrl-C waits for them
            try:
                with open(journal, "w", encoding="utf-8") as fh:
                    json.dump({"move": names, "remove": gone}, fh)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise _failed(journal, exc) from None
            self.begun = True
            _finish(self.out, self.dir)
            self.committed = True
            _ACTIVE.discard(self)
        return names

    def discard(self) -> None:
        """Remove what was staged; a generation whose renames had begun is finished instead (never half put in place)."""
        _ACTIVE.discard(self)
        if self.begun and (self.dir / JOURNAL).is_file():
            try:
                _finish(self.out, self.dir)
            except (OSError, WriteFailed):
                pass  # left, journal and all, for the next holder of the lock to finish
            return
        shutil.rmtree(self.dir, ignore_errors=True)


#: generations staged by this process and not yet committed or discarded
_ACTIVE: set[Generation] = set()


def discard_staged() -> bool:
    """Discard every generation this process staged and did not commit (for an emergency exit); whether any was."""
    staged = list(_ACTIVE)
    for gen in staged:
        gen.discard()
    return bool(staged)


def _finish(out: Path, staging: Path) -> None:
    """Carry out a staging folder's journal (again, after a crash: every step may be repeated)."""
    plan = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    for name in plan["move"]:
        if not _inside(name):
            continue
        src, dst = staging / name, out / name
        if src.exists():
            try:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            except OSError as exc:
                raise WriteFailed(dst, exc.strerror or str(exc), PARTLY) from None
    for name in plan["remove"]:
        _safe_remove(out, name)
    shutil.rmtree(staging, ignore_errors=True)


def _inside(name: str) -> bool:
    """Whether a name read from a journal or manifest on disk stays inside the output folder."""
    return ".." not in Path(name).parts and not Path(name).is_absolute()


def _safe_remove(out: Path, name: str) -> None:
    if not _inside(name):
        return
    try:
        (out / name).unlink()
    except OSError:
        pass


def _describe(path: Path) -> dict[str, object]:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def check(out_dir: str | os.PathLike[str], files: dict[str, dict[str, object]]) -> list[str]:
    """The files of a manifest's list that are not on disk as it describes them (``[]``: a whole set)."""
    out = Path(out_dir)
    bad = []
    for name, want in sorted(files.items()):
        try:
            if _describe(out / name) != want:
                bad.append(name)
        except OSError:
            bad.append(name)
    return bad


def recover(out_dir: str | os.PathLike[str]) -> list[str]:
    """With the lock held: finish a generation a killed build had begun to put in place, remove other leftovers.

    Returns what was removed or finished, relative to ``out_dir``.
    """
    out = Path(out_dir)
    done = []
    if not out.is_dir():
        return done
    for staging in sorted(out.glob(f"{STAGING_PREFIX}*")):
        if not leftover(staging):
            continue
        if staging.is_symlink() or not staging.is_dir():
            remove(staging)
        elif (staging / JOURNAL).is_file():
            try:
                _finish(out, staging)
            except (OSError, ValueError, KeyError, WriteFailed):
                shutil.rmtree(staging, ignore_errors=True)
        else:
            shutil.rmtree(staging, ignore_errors=True)
        done.append(staging.name)
    for left in sorted(out.glob(".cache/.graph-*-store-*")):
        # a SPARQL store a killed `sparql` was making; one being made now is younger than an hour
        try:
            if time.time() - left.stat().st_mtime > 3600:
                shutil.rmtree(left, ignore_errors=True)
                done.append(left.relative_to(out).as_posix())
        except OSError:
            pass
    for pattern in _LEFTOVER_GLOBS:
        for left in sorted(out.glob(pattern)):
            if leftover(left):
                remove(left)
                done.append(left.relative_to(out).as_posix())
    return done


def remove(path: Path) -> None:
    """Remove whatever is at ``path`` (a file, a link, a folder and what it holds); nothing there is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
        return
    try:
        path.unlink()
    except OSError:
        pass


def finish_pending(out_dir: str | os.PathLike[str]) -> None:
    """For a reader: if a killed build left a generation half put in place, finish it (when the folder is free).

    One ``glob`` when there is nothing to do.
    """
    if any((s / JOURNAL).is_file() for s in Path(out_dir).glob(f"{STAGING_PREFIX}*")):
        with try_locked(out_dir) as free:
            if free:
                recover(out_dir)


@contextmanager
def generation(out_dir: str | os.PathLike[str], wait: bool = True,
               on_wait: Callable[[str], None] | None = None) -> Iterator[Generation]:
    """Lock ``out_dir``, clear leftovers, and stage one generation; uncommitted, it leaves nothing."""
    with locked(out_dir, wait, on_wait):
        recover(out_dir)
        gen = Generation(out_dir)
        try:
            yield gen
        finally:
            if not gen.committed:
                gen.discard()
