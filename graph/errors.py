"""The errors pickgraph raises on purpose, the exit statuses of the ``pickgraph`` command, and the one
JSON error body that the CLI (``--json``), the API (``pickgraph serve``) and the build's workers print.

At the bottom of the package: every stage may import it, it imports no stage.

>>> error_body(UnknownTopic("Rustt", ["Rust"]))
{'query': 'Rustt', 'suggestions': ['Rust'], 'error': "unknown topic 'Rustt'; did you mean: Rust?", 'exit_code': 1, 'kind': 'unknown_topic'}
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the annotation only: records sit above this module
    from graph.read.records import Rejection


#: Exit statuses of the ``pickgraph`` command (documented in the README). A
#: subclass of :class:`PickgraphError` names its own with ``exit_code``.
EXIT_OK = 0
EXIT_ERROR = 1  # an input problem: rejected pages, an unknown topic, a bad query, …
EXIT_USAGE = 2  # click's own: a wrong option or argument
EXIT_WRITE = 3  # an output could not be written (read-only, full disk, permission); old outputs untouched
EXIT_BUSY = 4  # another build is writing the same output folder
EXIT_TIMEOUT = 5  # a time limit ran out (a SPARQL query, a push)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


class PickgraphError(Exception):
    """Base class of the errors pickgraph raises on purpose; ``exit_code`` is the command's exit status."""

    exit_code: int = EXIT_ERROR


class WriteFailed(PickgraphError):
    """An output file could not be written; ``outcome`` says what is on disk (by default: the previous outputs)."""

    exit_code = EXIT_WRITE

    def __init__(self, path: Any, reason: str, outcome: str = "the previous outputs are unchanged"):
        super().__init__(f"cannot write {path}: {reason}; {outcome}")
        self.path = str(path)
        self.reason = reason
        self.outcome = outcome

    def __reduce__(self):  # travels back from a forked export writer
        return (WriteFailed, (self.path, self.reason, self.outcome))


class Busy(PickgraphError):
    """Another process holds the lock of an output folder."""

    exit_code = EXIT_BUSY


class Interrupted(PickgraphError):
    """Stopped by Ctrl-C (SIGINT)."""

    exit_code = EXIT_INTERRUPTED


class TimedOut(PickgraphError):
    """A time limit ran out."""

    exit_code = EXIT_TIMEOUT


class RejectedDocument(PickgraphError):
    """A document that cannot be read as a page; carries a :class:`~graph.read.records.Rejection`."""

    def __init__(self, rejection: Rejection):
        super().__init__(str(rejection))
        self.rejection = rejection


class NoPages(PickgraphError):
    """The inputs hold no file to read (an empty folder, or one with no ``*.txt`` page)."""

    def __init__(self, paths: Any):
        names = ", ".join(str(p) for p in paths) or "(nothing)"
        super().__init__(f"no pages found in {names}: pickgraph reads the *.txt files of the folders it is given "
                         "(saved as plain text); name a folder of pages")
        self.paths = [str(p) for p in paths]


class UnknownTopic(PickgraphError, KeyError):
    """A topic argument that names no topic of the graph; a :class:`KeyError` too, as a lookup of a
    missing topic was before every query function resolved its topics."""

    def __init__(self, query: str, suggestions: list[str]):
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown topic {query!r}{hint}")
        self.query = query
        self.suggestions = suggestions

    __str__ = Exception.__str__  # the message itself, not KeyError's quoted repr of it

    def __reduce__(self):  # travels back from a forked worker
        return (UnknownTopic, (self.query, self.suggestions))


class BadArguments(PickgraphError):
    """Arguments a query cannot take together, found before it runs (a pair of three topics):
    one message whichever front end asked."""

    exit_code = EXIT_USAGE


def kind_of(exc: BaseException) -> str:
    """An error's ``kind``: ``UnknownTopic`` → ``unknown_topic``, ``BadIRI`` → ``bad_iri``.

    >>> kind_of(TimedOut("late"))
    'timed_out'
    """
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type(exc).__name__).lower()


def _plain(value: Any) -> Any:
    """``value`` as JSON data, or ``None`` when it is not data (a handle, a context)."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


def error_fields(exc: BaseException) -> dict[str, Any]:
    """The public attributes an error carries (``query``, ``suggestions``, ``path``, …): what a script
    needs to act on it. Private ones (a leading ``_``) and ones that are not data are left out."""
    fields = {}
    for name, value in vars(exc).items():
        plain = _plain(value)
        if not name.startswith("_") and plain is not None:
            fields[name] = plain
    return fields


def error_body(exc: BaseException | None = None, *, message: str | None = None, exit_code: int | None = None,
               kind: str | None = None, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON error object ``{error, exit_code, kind, …fields}``: of ``exc``, or of the parts given
    (a keyword wins over what ``exc`` says). docs/cli.md describes it."""
    body = {**(error_fields(exc) if exc is not None else {}), **(fields or {})}
    body["error"] = message if message is not None else str(exc)
    body["exit_code"] = exit_code if exit_code is not None else getattr(exc, "exit_code", EXIT_ERROR)
    body["kind"] = kind if kind is not None else kind_of(exc)
    return body
