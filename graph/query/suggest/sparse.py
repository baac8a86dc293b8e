"""Sparse matrices as a query reads them: CSR arrays, with numpy alone.

A query process reads a saved index's profiles and memberships and multiplies one row of them by the
transposes; scipy, which makes them in a build (:mod:`~graph.query.suggest.profiles`), would cost its
import, a good part of a query's start-up (docs/performance.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp


class CSR(NamedTuple):
    """A sparse matrix's CSR arrays, all a query reads of one (scipy's ``csr_array`` has these four too)."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]


def csr(m: CSR | sp.csr_array) -> CSR:
    """The CSR arrays of ``m`` (a scipy ``csr_array`` or a :class:`CSR`)."""
    return CSR(m.data, m.indices, m.indptr, (int(m.shape[0]), int(m.shape[1])))


def transpose(m: CSR) -> CSR:
    """``m`` transposed, as scipy's ``m.T.tocsr()`` lays it out: each row's entries by their row in ``m``.

    >>> t = transpose(CSR(np.array([1.0, 2.0, 3.0]), np.array([1, 0, 1]), np.array([0, 1, 3]), (2, 2)))
    >>> t.data.tolist(), t.indices.tolist(), t.indptr.tolist(), t.shape
    ([2.0, 1.0, 3.0], [1, 0, 1], [0, 1, 3], (2, 2))
    """
    rows, cols = m.shape
    dtype = np.result_type(m.indices.dtype, m.indptr.dtype)
    order = np.argsort(m.indices, kind="stable")  # stable: within a column, the entries' rows ascending
    of_row = np.repeat(np.arange(rows, dtype=dtype), np.diff(m.indptr))
    ptr = np.zeros(cols + 1, dtype=dtype)
    np.cumsum(np.bincount(m.indices, minlength=cols), out=ptr[1:])
    return CSR(m.data[order], of_row[order], ptr, (cols, rows))


def spans(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions of the entries of ``rows`` of a CSR structure, row after row in the order given."""
    starts = indptr[rows].astype(np.int64)
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # start of each row, minus where that row begins in the output, repeated over the row
    offsets = np.cumsum(lens) - lens
    return np.repeat(starts - offsets, lens) + np.arange(total, dtype=np.int64)


__all__ = ["CSR", "csr", "spans", "transpose"]
