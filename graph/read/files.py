"""The user's folders: which files a build reads, and reading one without surprises.

A folder of saved pages may hold anything a file system can: links to other
folders, links in a loop, dangling links, named pipes, sockets, devices, names
that are not UTF-8, folders nested deeper than the system's path limit. The
walk below reads *regular* files named ``*.txt`` (a file named on the command
line is read whatever its name), follows links to files and to folders (each
folder once, so a loop ends), and turns every other entry into a
:class:`~graph.read.records.Rejection` that names the path and the reason. Nothing
here blocks (a pipe is opened non-blocking and never read) or reads without
bound (``max_bytes``).

A link may also lead out of the user's files: to ``/proc``, ``/sys`` or ``/dev``,
whose trees are views of the running machine (endless, or blocking when read).
The walk stays off such file systems, known by their type (the device's entry
in ``/proc/self/mountinfo``) and the system's own trees by device and inode, so
a link or a bind mount under another name is still known. It also stops below
``MAX_DEPTH`` folders and after ``max_entries`` entries, saying where.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.txt").write_text("page"); _ = (d / "notes.md").write_text("not a page")
>>> (d / "gone.txt").symlink_to(d / "missing.txt")
>>> found = scan([d])
>>> [pathlib.Path(f.path).name for f in found.files], [r.reason for r in found.rejections]
(['a.txt'], ['a link to a file that does not exist (dangling link)'])
"""

from __future__ import annotations

import errno
import os
import stat
from stat import S_ISREG
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from graph.read.records import Rejection, display_path, escape_path

from graph.errors import PickgraphError, RejectedDocument

#: The default size limit of one page: real pages are a few KB; a larger file is not a saved page.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
#: Entries a walk looks at before it stops: far above a real corpus, far below a whole machine.
DEFAULT_MAX_ENTRIES = 10_000_000
#: Folders below a named folder that a walk enters: saved pages sit a few levels down, not a hundred.
MAX_DEPTH = 64

#: File system types that are views of the running system or of the kernel, not stored files.
PSEUDO_FILE_SYSTEMS = frozenset(
    "proc sysfs devtmpfs devpts cgroup cgroup2 debugfs tracefs securityfs pstore bpf configfs fusectl mqueue "
    "hugetlbfs binfmt_misc autofs efivarfs selinuxfs rpc_pipefs nsfs nfsd".split())
#: The system's own trees, skipped whatever their file system (``/dev`` is often a plain tmpfs in a container).
SYSTEM_TREES = ("/proc", "/sys", "/dev")
_MOUNTINFO = "/proc/self/mountinfo"

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def kind(mode: int) -> str:
    """What a file of this mode is, in words (for messages)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def _undecodable(name: str) -> bool:
    """Whether a name holds bytes that are not UTF-8 (decoded by Python as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def reject(path: str, reason: str, line: int = 0) -> Rejection:
    """A rejection of a file as a whole, its path stored printable (as the reader stores a page's)."""
    return Rejection(escape_path(path), line, reason)


class InputFile(NamedTuple):
    """A regular file the build reads, with what its fingerprint needs (a tuple: a walk makes 100,000s)."""

    path: str
    size: int
    mtime_ns: int
    ctime_ns: int


@dataclass
class Inputs:
    """What a walk found: the files to read (sorted by path) and the entries it could not take."""

    files: list[InputFile] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]


def _mount_types() -> dict[int, str]:
    """The file system type of each mounted device, from ``/proc/self/mountinfo`` (empty if unreadable)."""
    types: dict[int, str] = {}
    try:
        with open(_MOUNTINFO, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError:
        return types
    for line in lines:
        fields = line.split(" ")
        # "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPER": spaces in paths are \040
        if len(fields) < 7 or "-" not in fields[6:]:
            continue
        major, _, minor = fields[2].partition(":")
        if major.isdigit() and minor.isdigit():
            types[os.makedev(int(major), int(minor))] = fields[fields.index("-", 6) + 1]
    return types


class _Bounds:
    """What keeps one walk on the user's files and finite: the special file systems it stays off
    and the entries it may still look at."""

    def __init__(self, max_entries: int) -> None:
        self.left = max_entries
        self.max_entries = max_entries
        self.ordinary: set[int] = set()  # devices known to hold plain files
        self.types: dict[int, str] | None = None
        self.trees: dict[tuple[int, int], str] = {}
        for tree in SYSTEM_TREES:
            try:
                st = os.stat(tree)
            except OSError:
                continue
            self.trees[(st.st_dev, st.st_ino)] = tree

    def special(self, st: os.stat_result) -> str | None:
        """Why an entry with this status is off limits (a folder or a file), or ``None``."""
        if st.st_dev not in self.ordinary:
            if self.types is None or st.st_dev not in self.types:  # a device mounted since: read the table again
                self.types = _mount_types()
            fs = self.types.get(st.st_dev, "")
            if fs in PSEUDO_FILE_SYSTEMS:
                return f"on a {fs} file system (a view of the running system, not saved pages); not read"
            self.ordinary.add(st.st_dev)
        tree = self.trees.get((st.st_dev, st.st_ino))
        return f"the system's {tree} folder, not saved pages; not read" if tree else None

    def stopped(self, folder: str) -> Rejection:
        return reject(folder, f"the walk stopped here: the inputs hold more than {self.max_entries:,} entries; "
                              "the rest was not read")


def _os_reason(exc: OSError, path: str, what: str = "file") -> str:
    if exc.errno == errno.ELOOP:
        return "a link that points back to itself (symlink loop)"
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return f"a link to a {what} that does not exist (dangling link)"
        return f"cannot read the {what}: it does not exist (removed while the build ran?)"
    if exc.errno == errno.ENAMETOOLONG:
        return f"the {what} is nested too deep: its path is longer than the system allows; not read"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"the {what} cannot be read (permission denied)"
    return f"cannot read the {what}: {exc.strerror or exc}"


def scan(paths: Iterable[str | os.PathLike[str]], max_entries: int = DEFAULT_MAX_ENTRIES) -> Inputs:
    """Every input file under ``paths`` and every entry that cannot be one, from at most
    ``max_entries`` entries looked at.

    Raises :class:`~graph.errors.PickgraphError` for a named path that does not exist.
    """
    found = Inputs()
    seen: set[str] = set()
    visited: set[tuple[int, int]] = set()
    bounds = _Bounds(max_entries)
    for p in paths:
        path = os.fspath(p)
        if bounds.left < 0:  # a walk stopped at the bound: said once, where it stopped
            break
        for item in _named(path, visited, bounds):
            key = item.path
            if key not in seen:
                seen.add(key)
                (found.files if isinstance(item, InputFile) else found.rejections).append(item)
    found.files.sort(key=lambda f: f.path)
    found.rejections.sort(key=lambda r: r.path)
    return found


def _named(path: str, visited: set[tuple[int, int]], bounds: _Bounds) -> Iterator[InputFile | Rejection]:
    """A path named by the user: a folder is walked, anything else is one input (whatever its name)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT and not os.path.lexists(path):
            raise PickgraphError(f"no such file or folder: {display_path(path)}") from None
        yield reject(path, _os_reason(exc, path))
        return
    if stat.S_ISDIR(st.st_mode):
        why = bounds.special(st)
        if why:
            yield reject(path, why)
        else:
            yield from _walk(path, st, visited, bounds)
    else:
        yield _file(path, st, bounds)


def _file(path: str, st: os.stat_result, bounds: _Bounds) -> InputFile | Rejection:
    if not stat.S_ISREG(st.st_mode):
        return reject(path, f"{kind(st.st_mode)}, not a regular file; only regular files are read")
    why = bounds.special(st)
    if why:
        return reject(path, why)
    if _undecodable(path):
        return reject(path, "the file name is not valid UTF-8; rename the file to read it")
    return InputFile(path, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _walk(top: str, st: os.stat_result, visited: set[tuple[int, int]],
          bounds: _Bounds) -> Iterator[InputFile | Rejection]:
    """The ``*.txt`` entries below ``top``; each folder (by device and inode) once.

    Real folders are walked before linked ones, so a page reachable both ways is
    read under its real path, and a link to a folder already read (its own
    parent, say) ends there instead of looping.
    """
    visited.add((st.st_dev, st.st_ino))
    stack: list[tuple[str, int]] = [(top, 0)]
    linked: list[tuple[str, tuple[int, int], int]] = []
    bad_top = _undecodable(top)  # folders below are checked by name as they are met
    ordinary = bounds.ordinary  # devices already known to hold plain files: the common case asks nothing more
    while stack or linked:  # no recursion: a deep tree must not exhaust Python's stack
        if not stack:
            linked.sort()  # by path: the first link to a folder names its pages
            path, key, depth = linked.pop(0)
            if key in visited:
                continue
            visited.add(key)
            stack.append((path, depth))
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield reject(folder, _os_reason(exc, folder, "folder"))
            continue
        bounds.left -= len(entries)
        if bounds.left < 0:
            yield bounds.stopped(folder)
            return
        for entry in reversed(entries):  # the stack then pops folders in name order
            name = entry.name
            txt = name.endswith(".txt")
            try:
                est = entry.stat()  # follows links: a link to a page is read as the page
            except OSError as exc:
                if exc.errno != errno.ENOENT or txt:
                    what = "folder" if entry.is_dir(follow_symlinks=False) else "file"  # d_type: no system call
                    yield reject(entry.path, _os_reason(exc, entry.path, what))
                continue  # a dangling link of another name is not one of ours
            mode = est.st_mode
            if txt and S_ISREG(mode) and not bad_top and name.isascii() and est.st_dev in ordinary:  # the common case
                yield InputFile(entry.path, est.st_size, est.st_mtime_ns, est.st_ctime_ns)
            elif stat.S_ISDIR(mode):
                key = (est.st_dev, est.st_ino)
                if key in visited:
                    continue
                why = bounds.special(est)
                if why:
                    visited.add(key)  # said once, however many links lead there
                    yield reject(entry.path, why)
                elif _undecodable(name):
                    yield reject(entry.path, "the folder name is not valid UTF-8; its pages were not read")
                elif depth >= MAX_DEPTH:
                    yield reject(entry.path, f"the folder is nested more than {MAX_DEPTH} folders below "
                                             f"{display_path(top)}; not read")
                elif entry.is_symlink():
                    linked.append((entry.path, key, depth + 1))
                else:
                    visited.add(key)
                    stack.append((entry.path, depth + 1))
            elif txt:
                yield _file(entry.path, est, bounds)


def read_bytes(path: str, max_bytes: int = DEFAULT_MAX_BYTES,
               too_big: str = ": not a saved page (raise the limit with --max-bytes)") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is a
    :class:`~graph.errors.RejectedDocument` (line 0: the file as a whole), a larger
    file's reason ending in ``too_big``.

    The file is opened non-blocking, so a pipe that replaced a page since the
    walk is refused instead of waiting for a writer forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise RejectedDocument(reject(path, _os_reason(exc, path))) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RejectedDocument(reject(path, f"{kind(st.st_mode)}, not a regular file; only regular files are read"))
        too_big = RejectedDocument(reject(
            path, f"larger than {max_bytes:,} bytes{too_big}"))
        if st.st_size > max_bytes:
            raise too_big
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, max_bytes + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # it grew while we read it
                raise too_big
        return b"".join(chunks)
    except OSError as exc:
        raise RejectedDocument(reject(path, _os_reason(exc, path))) from None
    finally:
        os.close(fd)


def read_text_file(path: str, what: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """A small UTF-8 file the user names (the alias file): its text, or one clear error."""
    try:
        data = read_bytes(path, max_bytes, too_big="")  # not a page: --max-bytes is not its limit
    except RejectedDocument as exc:
        raise PickgraphError(f"{display_path(path)}: cannot read the {what}: {exc.rejection.reason}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PickgraphError(f"{display_path(path)}:{line}: the {what} is not UTF-8 text") from None
