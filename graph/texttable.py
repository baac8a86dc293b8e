"""Plain-text tables that fit a width: cells are cut with an ellipsis, a row is never split over lines.

One rule for every table the command line prints (``topics``, ``sparql``):
columns keep their natural width while the table fits; otherwise the widest
columns give way first, down to a few characters each.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.read.records import escape_path

ELLIPSIS = "…"
#: A column is cut narrower than this only when the table has too many columns for the width.
MIN_COLUMN = 4
GAP = "  "


def fit_widths(natural: Sequence[int], width: int | None, gap: int = len(GAP)) -> list[int]:
    """Column widths no wider than ``natural`` whose row fits ``width`` where possible.

    The widest columns are narrowed first, to one common cap, so a long text
    column gives way before short ones lose a character.

    >>> fit_widths([10, 40, 3], 40)
    [10, 23, 3]
    >>> fit_widths([10, 40, 3], None)
    [10, 40, 3]
    >>> fit_widths([30, 30], 20)
    [9, 9]
    >>> fit_widths([30, 30, 30, 30], 14)  # too many columns: an even share
    [2, 2, 2, 2]
    """
    natural = list(natural)
    if width is None or sum(natural) + gap * max(len(natural) - 1, 0) <= width:
        return natural
    room = width - gap * max(len(natural) - 1, 0)
    floors = [min(n, MIN_COLUMN) for n in natural]
    if room <= sum(floors):  # many columns: an even share each, at least one character
        share = max(room // len(natural), 1)
        return [min(n, share) for n in natural]
    # the largest cap c with sum(min(n, c)) <= room, then the remainder to the first capped columns
    cap = 0
    while sum(min(n, cap + 1) for n in natural) <= room:
        cap += 1
    widths = [min(n, cap) for n in natural]
    spare = room - sum(widths)
    for i, n in enumerate(natural):
        if spare and n > cap:
            widths[i] += 1
            spare -= 1
    return widths


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, ending in an ellipsis when cut.

    >>> cut("PostgreSQL", 6)
    'Postg…'
    >>> cut("Go", 6)
    'Go'
    """
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + ELLIPSIS if width > 0 else ""


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None,
                 align: str | None = None, rule: bool = False) -> list[str]:
    """The lines of a table: ``header``, an optional rule of dashes, then ``rows``, fitted to ``width``.

    ``align`` has one character per column, ``<`` (left, the default) or ``>``.
    Trailing spaces are trimmed. A cell's control characters are shown escaped (``\\x1b``), so a
    row stays one line and its width is the width shown.

    >>> format_table(["topic", "W"], [["PostgreSQL", "3"], ["Go", "12"]], width=9, align="<>")
    ['topic   W', 'Post…   3', 'Go     12']
    """
    rows = [[escape_path(c) for c in r] for r in rows]
    columns = len(header)
    align = align or "<" * columns
    natural = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(columns)]
    widths = fit_widths(natural, width)

    def line(cells: Sequence[str]) -> str:
        parts = [cut(c, w).rjust(w) if a == ">" else cut(c, w).ljust(w) for c, w, a in zip(cells, widths, align)]
        return GAP.join(parts).rstrip()

    out = [line(header)]
    if rule:
        out.append(line(["-" * w for w in widths]))
    out += [line(r) for r in rows]
    return out


__all__ = ["ELLIPSIS", "fit_widths", "cut", "format_table"]
