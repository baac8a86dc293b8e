"""Progress on stderr: the one place every phase that can last over a second reports to.

A phase is a tqdm bar named after what it does (``reading``, ``building the graph``, ``writing
outputs``, …): with a known size, a count, a rate and an estimate of the time left; without one,
the time it has taken so far. A ticker thread redraws it while the phase runs. Bars are cleared
when their phase ends, so the summary and the warnings are all that stays on the terminal.

Silent unless switched on: the CLI switches it on when stderr is a terminal and ``--quiet`` is not
given (:func:`show`); a library caller gets no bars unless it asks (``show=True`` or :func:`showing`).
"""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_shown = False
#: how often (seconds) a phase's bar is redrawn when its work reports nothing
TICK = 0.5


def show(on: bool) -> None:
    """Draw bars from now on (``on``), or not."""
    global _shown
    _shown = bool(on)


def shown() -> bool:
    """Whether bars are drawn."""
    return _shown


@contextmanager
def showing(on: bool) -> Iterator[None]:
    """Draw bars (or not) for the duration of a block, then as before."""
    before = _shown
    show(on)
    try:
        yield
    finally:
        show(before)


class Phase:
    """One phase's bar; :meth:`advance` counts work done, :meth:`done` names a part just finished."""

    def __init__(self, name: str, total: int | None, unit: str, on: bool):
        self.bar = None
        self._stop = threading.Event()
        if not on:
            return
        from tqdm import tqdm  # late: tqdm costs start-up, and only a bar on a terminal needs it

        # bytes read in a scale a reader takes in (kB, MB); pages and triples as counted
        # the size as shutil finds it (COLUMNS and LINES, the terminal, else 80×24): on a terminal that
        # reports no size (a bare pseudo-terminal), tqdm's own guess draws nothing at all
        size = shutil.get_terminal_size()
        self.bar = tqdm(total=total, unit=unit, desc=name, leave=False, file=sys.stderr, ncols=size.columns,
                        nrows=size.lines,
                        unit_scale=unit == "B", unit_divisor=1024 if unit == "B" else 1000,
                        bar_format=None if total is not None else "{desc}: {elapsed}")
        # redrawn while the phase runs, so its time keeps moving when the work reports seldom or never
        # (a forked export that runs for a minute, a phase of unknown size)
        threading.Thread(target=self._tick, name=f"progress: {name}", daemon=True).start()

    def _tick(self) -> None:
        while not self._stop.wait(TICK):  # stops when the phase ends
            self.bar.refresh()

    def advance(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def done(self, part: str, n: int = 1) -> None:
        """``part`` (an export's name, …) has finished: counted, and named on the bar at once."""
        if self.bar is not None:
            self.bar.set_postfix_str(part, refresh=False)
            self.bar.update(n)
            self.bar.refresh()  # drawn even when parts finish faster than tqdm's own redraw interval

    def close(self) -> None:
        self._stop.set()
        if self.bar is not None:
            self.bar.refresh()  # the end of the phase drawn once, however fast its last steps came
            self.bar.close()

    def __enter__(self) -> Phase:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def phase(name: str, total: int | None = None, unit: str = "it", show: bool | None = None) -> Iterator[Phase]:
    """A bar for the phase ``name`` while the block runs; ``total``: its size in ``unit`` when known.
    ``show`` overrides the switch (:func:`show`) for this phase."""
    with Phase(name, total, unit, _shown if show is None else show) as p:
        yield p


def iterate(items: Iterable[T], name: str, total: int | None = None, unit: str = "it",
            show: bool | None = None) -> Iterator[T]:
    """``items``, counted on the bar of the phase ``name`` as they are taken."""
    with phase(name, total, unit, show) as p:
        for item in items:
            yield item
            p.advance()


def quiet_child() -> None:
    """In a forked worker: no bars of its own (the parent draws the phase, and two writers would garble it)."""
    show(False)


__all__ = ["show", "shown", "showing", "phase", "iterate", "Phase", "quiet_child", "TICK"]
