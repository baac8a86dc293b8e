"""Ctrl-C and SIGTERM during a build, as ``pickgraph build`` promises them (docs/cli.md).

Before the outputs start going in place, a signal stops the build and changes nothing: as a
process of its own (``as_process``) at once, its children killed and its staging folder removed,
exit 130 (Ctrl-C) or 143 (SIGTERM); under a caller's runner, :class:`~graph.errors.Interrupted`.
After, there is nothing left to stop: the build finishes, the new outputs stand, and a note says
so. The front end only prints; this module holds what a signal means.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from graph.build.outdir import Generation, discard_staged
from graph.build.run import Built, build_into
from graph.build.workers import exit_on_interrupt
from graph.errors import Interrupted


def _stopped_word(signum: int) -> str:
    return "terminated" if signum == signal.SIGTERM else "interrupted"


def after_note(signum: int) -> str:
    """The note of a signal that came once a build's outputs were put in place.

    >>> after_note(signal.SIGTERM)
    "terminated after the build's outputs were put in place; the new outputs are complete"
    """
    return f"{_stopped_word(signum)} after the build's outputs were put in place; the new outputs are complete"


class BuildSignals:
    """The signals of one build: :meth:`build` runs it, :meth:`held` keeps them back while its report
    is printed, :meth:`note` says what one that came after the outputs were put in place did.

    ``as_process``: this is the ``pickgraph`` process itself, so a stop ends it at once (with
    ``as_json``, its JSON error body on stdout too); never under a test's runner.
    """

    def __init__(self, as_process: bool, as_json: bool = False) -> None:
        self.as_process = as_process
        self.as_json = as_json
        self._staged: list[Generation] = []  # the generation, once made
        self._noted: list[int] = []  # a signal that came once the outputs were put in place

    def _put_in_place(self) -> bool:
        return any(gen.begun for gen in self._staged)

    def _stopped(self, signum: int) -> tuple[str, int] | None:
        """What a signal means now: before the outputs are put in place, a stop that changed nothing;
        after, nothing to stop: the new outputs stand, and the build ends as built with a note."""
        if self._put_in_place():
            self._noted.append(signum)
            return None
        return f"{_stopped_word(signum)}; nothing written (the previous outputs are unchanged)", 128 + signum

    def build(self, out: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]], **options: Any) -> Built:
        """:func:`~graph.build.run.build_into` (``options`` are its own), stopped by Ctrl-C or SIGTERM only
        before its outputs start going in place."""
        if self.as_process:  # Ctrl-C or SIGTERM ends the process at once, staged outputs removed
            exit_on_interrupt(self._stopped, discard_staged, self.as_json)
        try:
            return build_into(out, paths, on_staged=self._staged.append, **options)
        except KeyboardInterrupt as stop:  # not as a process of its own (a test's runner): no handler, the exception
            if not self._put_in_place():
                raise Interrupted(self._stopped(signal.SIGINT)[0]) from None
            self._noted.append(signal.SIGINT)  # the generation's renames were finished as it unwound
            return stop.built

    @contextmanager
    def held(self) -> Iterator[None]:
        """Ctrl-C and SIGTERM held back while the block runs (the build's report): a signal then would only
        cut the report short, and CPython drops the rest of a write a signal interrupts; noted after."""
        held = {signal.SIGINT, signal.SIGTERM} if self.as_process else set()
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)

    def note(self) -> str | None:
        """The note of the first signal that came once the outputs were put in place, if one did."""
        return after_note(self._noted[0]) if self._noted else None
