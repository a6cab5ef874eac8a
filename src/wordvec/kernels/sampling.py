"""Sampling tables: frequent-word subsampling and the negative-sampling distribution.

Both are turned into integer thresholds so the kernels draw with one random number and
no floating-point work: keep word w when ``rand32 < keep[w]``; negatives come from an
alias table (Walker), exact for the unigram^ns_exponent distribution and O(1) per draw.
"""
from __future__ import annotations

import numpy as np
from numba import njit

TWO32 = 1 << 32


def subsample_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """Keep probability per word, scaled to [0, 2**32], by the C tool's formula:
    p = (sqrt(c / (sample * total)) + 1) * (sample * total) / c."""
    counts = np.asarray(counts, dtype=np.float64)
    keep = np.full(counts.shape, TWO32, dtype=np.int64)
    if sample <= 0 or counts.size == 0:
        return keep
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    p = np.where(counts > 0, np.minimum(p, 1.0), 1.0)
    return np.minimum((p * TWO32).astype(np.int64), TWO32)


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """The subsampling keep probability of each word, as floats (for reports and tests)."""
    return subsample_thresholds(counts, sample) / TWO32


def negative_distribution(counts: np.ndarray, exponent: float = 0.75) -> np.ndarray:
    """The noise distribution unigram**exponent, normalised."""
    w = np.power(np.asarray(counts, dtype=np.float64), exponent)
    total = w.sum()
    if total <= 0:
        raise ValueError("negative_distribution: counts must not all be zero")
    return w / total


def alias_table(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table for ``probs``: (thresholds as uint32-scaled int64, alias index)."""
    n = probs.shape[0]
    scaled = np.asarray(probs, dtype=np.float64) * n
    return _alias(scaled)


@njit(cache=True)
def _alias(scaled):
    n = scaled.shape[0]
    thr = np.full(n, TWO32, np.int64)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, np.int64)
    large = np.empty(n, np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        l = large[nl - 1]
        thr[s] = int(scaled[s] * TWO32)
        alias[s] = l
        scaled[l] = (scaled[l] + scaled[s]) - 1.0
        if scaled[l] < 1.0:
            nl -= 1
            small[ns] = l
            ns += 1
    return thr, alias


@njit(nogil=True, inline="always")
def next_random(state):
    """xorshift64*: one 64-bit draw; the high 32 bits are the good ones."""
    state ^= state >> np.uint64(12)
    state ^= state << np.uint64(25)
    state ^= state >> np.uint64(27)
    return state, state * np.uint64(0x2545F4914F6CDD1D)


@njit(nogil=True, inline="always")
def draw_alias(r, thr, alias):
    """One index from an alias table, using the 64-bit draw ``r``."""
    n = np.uint64(thr.shape[0])
    i = np.int64(((r >> np.uint64(32)) * n) >> np.uint64(32))
    if np.int64(r & np.uint64(0xFFFFFFFF)) < thr[i]:
        return i
    return np.int64(alias[i])


def draw_negatives(thr: np.ndarray, alias: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n draws from an alias table (for tests and diagnostics)."""
    return _draw_many(thr, alias, n, np.uint64(seed_state(seed)))


@njit(cache=True)
def _draw_many(thr, alias, n, state):
    out = np.empty(n, np.int64)
    for k in range(n):
        state, r = next_random(state)
        out[k] = draw_alias(r, thr, alias)
    return out


def seed_state(*parts: int) -> int:
    """A non-zero 64-bit RNG state mixed from integers (splitmix64), so every
    (seed, epoch, job) gets its own independent stream."""
    x = 0x9E3779B97F4A7C15
    mask = (1 << 64) - 1
    for p in parts:
        x = (x + (int(p) & mask) + 0x9E3779B97F4A7C15) & mask
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        x = z ^ (z >> 31)
    return x or 1
