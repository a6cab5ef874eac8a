"""Row deltas for training on Spark: what a task changed, and the driver applying it.

In NumPy these were full-array temporaries (``(new != old).any(axis=1)``, fancy-indexed
gathers and adds): about 0.04 s a task and 0.06 s at the driver for 2 x 30k x 100 per
round, while the other tasks wait. One pass each here.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def changed_rows(new, old):
    """The indices of the rows where ``new`` differs from ``old`` (int64, ascending)."""
    n, d = new.shape
    out = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        for j in range(d):
            if new[i, j] != old[i, j]:
                out[k] = i
                k += 1
                break
    return out[:k].copy()


@njit(nogil=True, cache=True)
def row_deltas(new, old, rows):
    """``new[rows] - old[rows]``, float32."""
    d = new.shape[1]
    out = np.empty((rows.size, d), np.float32)
    for k in range(rows.size):
        r = rows[k]
        for j in range(d):
            out[k, j] = new[r, j] - old[r, j]
    return out


@njit(nogil=True, cache=True)
def add_scaled_rows(target, rows, delta, scale):
    """``target[rows] += delta * scale`` (rows distinct, as ``changed_rows`` gives them)."""
    d = target.shape[1]
    for k in range(rows.size):
        r = rows[k]
        for j in range(d):
            target[r, j] += delta[k, j] * scale
