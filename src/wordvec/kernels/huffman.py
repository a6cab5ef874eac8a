"""Huffman tree over word counts, for hierarchical softmax (as in the C tool).

Frequent words get short codes. For word w, ``points[w, :lengths[w]]`` are the inner nodes
on its path from the root (rows of ``syn1``) and ``codes[w, :lengths[w]]`` the branch taken
at each (0 or 1).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, inline="always")
def _smallest(count, pos1, pos2):
    """Take the smaller head of the two queues: leaves (walking down from pos1) and
    inner nodes (walking up from pos2). Returns (node, pos1, pos2)."""
    if pos1 >= 0 and count[pos1] < count[pos2]:
        return pos1, pos1 - 1, pos2
    return pos2, pos1, pos2 + 1


@njit(nogil=True, cache=True)
def _build(counts):
    # counts sorted descending; the classic two-queue construction, O(V).
    v = counts.shape[0]
    count = np.empty(2 * v, np.int64)
    count[:v] = counts
    count[v:] = np.iinfo(np.int64).max // 4
    parent = np.zeros(2 * v, np.int64)
    binary = np.zeros(2 * v, np.uint8)
    pos1 = v - 1
    pos2 = v
    for a in range(v - 1):
        min1, pos1, pos2 = _smallest(count, pos1, pos2)
        min2, pos1, pos2 = _smallest(count, pos1, pos2)
        count[v + a] = count[min1] + count[min2]
        parent[min1] = v + a
        parent[min2] = v + a
        binary[min2] = 1
    lengths = np.zeros(v, np.int32)
    for w in range(v):
        b = w
        n = 0
        while b != 2 * v - 2:
            n += 1
            b = parent[b]
        lengths[w] = n
    maxlen = max(1, lengths.max()) if v > 0 else 1
    codes = np.zeros((v, maxlen), np.uint8)
    points = np.zeros((v, maxlen), np.int32)
    for w in range(v):
        b = w
        n = lengths[w]
        i = n - 1
        while b != 2 * v - 2:
            codes[w, i] = binary[b]
            points[w, i] = parent[b] - v  # inner node index in 0..v-2, root = v-2
            b = parent[b]
            i -= 1
    return codes, points, lengths


def build_huffman(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, points, lengths) for words whose counts are sorted in descending order."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.size < 2:
        # One word: give it a single node so hierarchical softmax still has a decision.
        n = counts.size
        return np.zeros((n, 1), np.uint8), np.zeros((n, 1), np.int32), np.ones(n, np.int32)
    if np.any(np.diff(counts) > 0):
        raise ValueError("build_huffman: counts must be sorted in descending order")
    return _build(counts)
