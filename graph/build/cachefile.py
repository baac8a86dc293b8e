"""Cache files that can neither run code, nor hang, nor bloat a process that reads them.

An out folder may come from anywhere (shared, unpacked from an archive, synced),
so nothing read from it is trusted:

- **Sealed.** A pickle runs code when it is loaded, so each cache pickle carries a
  header authenticated with a key kept *outside* the out folder (:func:`user_key`:
  32 random bytes, made once, mode 0600, in ``$XDG_CACHE_HOME/pickgraph/``). The
  header holds the payload's length and sha256; a file whose header fails the key
  is never unpickled, and one whose header passes is read only to the length the
  key vouches for. Without a usable key there is no cache: none is read, none written.
- **Opened safely.** :func:`open_regular` never follows a link, never waits (a pipe in
  a cache file's place is refused, not read) and refuses whatever is not a regular
  file; reads stop at the size it had when opened.

Something else where a cache file belongs raises :class:`CacheDamaged`: the caller
says so in one line and rebuilds.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "x.pickle")
>>> key = os.urandom(32)
>>> write_sealed(path, b"demo 1\\n", {"a": 1}, key)
True
>>> read_sealed(path, b"demo 1\\n", key), read_sealed(path, b"demo 2\\n", key)
({'a': 1}, None)
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph.build.outdir import atomic_open
from graph.errors import PickgraphError

#: the key file's path, when not the default one (tests; several users sharing a machine account)
KEY_ENV = "PICKGRAPH_CACHE_KEY"
KEY_BYTES = 32
#: after the magic line: the payload's length (8 bytes), its sha256, the header's HMAC
_LENGTH, _DIGEST, _TAG = 8, 32, 32


class CacheDamaged(PickgraphError):
    """A part of the build cache is missing, cut short, corrupt, not pickgraph's, or not a regular file."""


def damaged(reason: object) -> str:
    """The one line that says a part of the cache was refused and is being made again."""
    return f"the build cache is damaged ({reason}); rebuilding it"


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


# --------------------------------------------------------------- reading --

def open_regular(path: str | os.PathLike[str], size: int | None = None) -> int | None:
    """A read-only descriptor on the regular file at ``path``; ``None`` when nothing is there.

    Raises :class:`CacheDamaged` when a link, a pipe, a device or a folder is
    there, or (given ``size``) a file of another size. Nothing but a regular
    file is ever opened: the entry is looked at first (``lstat``), then opened
    without following a link or waiting, and checked to be that same file.
    """
    try:
        seen = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheDamaged(f"{path}: {exc.strerror}") from None
    if not stat.S_ISREG(seen.st_mode):
        raise CacheDamaged(f"{path} is {_kind(seen.st_mode)}, not a file pickgraph wrote")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:  # ELOOP: a link put there since the look
        raise CacheDamaged(f"{path}: {exc.strerror}") from None
    st = os.fstat(fd)
    problem = None
    if (st.st_dev, st.st_ino) != (seen.st_dev, seen.st_ino) or not stat.S_ISREG(st.st_mode):
        problem = f"{path} changed as it was opened"
    elif size is not None and st.st_size != size:
        problem = f"{path} is cut short or belongs to another build"
    if problem:
        os.close(fd)
        raise CacheDamaged(problem)
    return fd


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a link"), (stat.S_ISFIFO, "a pipe"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


class OwnsDescriptor:
    """A reader holding a descriptor from :func:`open_regular` in ``_fd``: closed when the reader is
    collected (a query's view of the cache, its document store), since nothing else closes it."""

    _fd: int | None = None

    def __del__(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass  # a finaliser cannot raise: the descriptor is gone either way


def read_at(fd: int, length: int, offset: int) -> bytes:
    """Exactly ``length`` bytes at ``offset`` (fewer only when the file ends first)."""
    parts, got = [], 0
    while got < length:
        chunk = os.pread(fd, min(length - got, 1 << 30), offset + got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes | None:
    """The bytes of the regular file at ``path`` (:func:`open_regular`); ``None`` when nothing is there.

    A file over ``limit`` bytes is :class:`CacheDamaged`: no file pickgraph writes there is that big.
    """
    fd = open_regular(path)
    if fd is None:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise CacheDamaged(f"{path} is {size} bytes, more than pickgraph writes there")
        return read_at(fd, size, 0)
    finally:
        os.close(fd)


# ------------------------------------------------------------------- key --

def key_path() -> Path:
    """Where the cache key is kept: ``$PICKGRAPH_CACHE_KEY``, else ``$XDG_CACHE_HOME/pickgraph/cache-key``."""
    given = os.environ.get(KEY_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pickgraph" / "cache-key"


_key: bytes | None = None
_key_failed: str | None = None


def user_key() -> bytes | None:
    """This user's cache key (made on first use); ``None``, with one warning on stderr, when it cannot be had."""
    global _key, _key_failed
    path = key_path()
    if _key is None and _key_failed != str(path):
        try:
            _key = _load_key(path)
        except (OSError, CacheDamaged) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            _key_failed = str(path)
            print(f"warning: no cache key ({path}: {reason}); the build cache is neither read nor written",
                  file=sys.stderr)
    return _key


def _load_key(path: Path) -> bytes:
    for _ in range(2):  # a second look: another process may be making it at this moment
        fd = open_regular(path)
        if fd is None:
            _make_key(path)
            continue
        try:
            st = os.fstat(fd)
            if st.st_uid != os.geteuid() or st.st_mode & 0o077:
                raise CacheDamaged("not private to this user (want mode 0600, owned by you)")
            data = read_at(fd, KEY_BYTES + 1, 0)
        finally:
            os.close(fd)
        if len(data) != KEY_BYTES:
            raise CacheDamaged(f"not a key ({len(data)} bytes, want {KEY_BYTES})")
        return data
    raise CacheDamaged("made, then gone")


def _make_key(path: Path) -> None:
    """Write a new key whole under a temporary name, then link it into place: the first maker wins, nobody sees half."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cache-key-", dir=path.parent)  # mode 0600
    try:
        os.write(fd, os.urandom(KEY_BYTES))
        os.fsync(fd)
        try:
            os.link(tmp, path)  # fails, like O_EXCL, when a key is there already
        except FileExistsError:
            pass
    finally:
        os.close(fd)
        os.unlink(tmp)


# ----------------------------------------------------------------- seals --

def seal(magic: bytes, blob: bytes, key: bytes) -> bytes:
    """The header that vouches for ``blob``: ``magic``, its length, its sha256, the HMAC of those under ``key``."""
    head = magic + len(blob).to_bytes(_LENGTH, "big") + hashlib.sha256(blob).digest()
    return head + hmac.new(key, head, hashlib.sha256).digest()


def write_sealed(path: str | os.PathLike[str], magic: bytes, obj: Any, key: bytes | None = None,
                 scratch: bool = False) -> bool:
    """Pickle ``obj`` to ``path`` (atomically) behind its seal; ``False`` (nothing written) without a key.

    ``key``: the user's (:func:`user_key`) unless given (a build's own, for files only
    it reads back). ``scratch``: a new file, neither synced nor renamed into place (a
    spool that need not outlive the build).
    """
    key = key or user_key()
    if key is None:
        return False
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    with (open(path, "xb") if scratch else atomic_open(path)) as fh:
        fh.write(seal(magic, blob, key))
        fh.write(blob)
    return True


def read_sealed(path: str | os.PathLike[str], magic: bytes, key: bytes | None = None) -> Any:
    """The object :func:`write_sealed` wrote at ``path``; ``None`` when there is none, or of another layout.

    Raises :class:`CacheDamaged` when something is there that the key does not
    vouch for (never unpickled), or that is cut short or corrupt.
    """
    key = key or user_key()
    if key is None:
        return None
    fd = open_regular(path)
    if fd is None:
        return None
    try:
        size = os.fstat(fd).st_size
        head_len = len(magic) + _LENGTH + _DIGEST + _TAG
        head = read_at(fd, head_len, 0)
        if not head.startswith(magic):
            return None  # another version's layout: rebuilt without a word
        if len(head) < head_len or not hmac.compare_digest(
                head[-_TAG:], hmac.new(key, head[:-_TAG], hashlib.sha256).digest()):
            raise CacheDamaged(f"{path} fails its check (corrupt, or not written by pickgraph for this user)")
        length = int.from_bytes(head[len(magic):len(magic) + _LENGTH], "big")
        if size != head_len + length:
            raise CacheDamaged(f"{path} is cut short or corrupt")
        blob = read_at(fd, length, head_len)
    finally:
        os.close(fd)
    if hashlib.sha256(blob).digest() != head[len(magic) + _LENGTH:len(magic) + _LENGTH + _DIGEST]:
        raise CacheDamaged(f"{path} is cut short or corrupt")
    with paused_gc():
        return pickle.loads(blob)


def record_digest(blob: bytes) -> bytes:
    """The digest a sealed index keeps of one record read lazily (:mod:`graph.build.documents`), checked before unpickling."""
    return hashlib.blake2b(blob, digest_size=16).digest()


def code_fingerprint(names: Sequence[str] = ("read/records.py", "read/parse.py", "read/files.py", "read/copies.py",
                                                "resolve/names.py", "kg/graph.py", "build/documents.py",
                                                "build/pipeline.py")) -> str:
    """The size and time of each module whose classes a cache pickles (by default a cached graph's):
    a cache made by other code is stale."""
    here = Path(__file__).parent.parent
    parts = []
    for name in names:
        st = os.stat(here / name)
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


class KeptResults:
    """Results of a pure computation kept across builds, one sealed file per input digest.

    ``get(key)`` reads ``old`` + ``-key`` (an earlier build's, ``None`` for none) and ``put``
    writes ``new`` + ``-key`` (this build's staging), so a build keeps what it used and
    drops the rest. ``code`` (:func:`code_fingerprint` of the computation's modules) is
    sealed in: a result of other code is computed again. A damaged file is said
    (``notify``) and computed again. ``key``: the seal's (default :func:`user_key`).

    >>> import tempfile, pathlib
    >>> d, key = pathlib.Path(tempfile.mkdtemp()), os.urandom(32)
    >>> first = KeptResults(None, d / "a.kept", b"demo 1\\n", "code 1", key=key)
    >>> first.get("k"), first.put("k", [{"x"}])
    (None, None)
    >>> KeptResults(d / "a.kept", d / "b.kept", b"demo 1\\n", "code 1", key=key).get("k")
    [{'x'}]
    >>> KeptResults(d / "a.kept", d / "b.kept", b"demo 1\\n", "code 2", key=key).get("k") is None
    True
    """

    def __init__(self, old: Path | None, new: Path | None, magic: bytes, code: str,
                 notify: Callable[[str], None] | None = None, key: bytes | None = None):
        self.old, self.new, self.magic, self.code, self.notify, self.key = old, new, magic, code, notify, key
        self.made: dict[str, Any] = {}  # this process's: two callers of one computation pay once

    def get(self, key: str) -> Any:
        if key in self.made:
            return self.made[key]
        if self.old is None:
            return None
        try:
            saved = read_sealed(self.old.with_name(f"{self.old.name}-{key}"), self.magic, self.key)
        except CacheDamaged as exc:
            if self.notify:
                self.notify(damaged(exc))
            return None
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError):
            return None  # made by other code
        if not isinstance(saved, tuple) or len(saved) != 2 or saved[0] != self.code:
            return None
        return saved[1]

    def put(self, key: str, result: Any) -> None:
        if key in self.made:
            return  # written already
        self.made[key] = result
        if self.new is not None:
            self.new.parent.mkdir(parents=True, exist_ok=True)
            write_sealed(self.new.with_name(f"{self.new.name}-{key}"), self.magic, (self.code, result), self.key)
