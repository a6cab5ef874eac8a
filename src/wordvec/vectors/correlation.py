"""Pearson's and Spearman's correlation with their two-sided p-values, as SciPy computes
them (``scipy.stats.pearsonr``, ``spearmanr``), in NumPy.

Why not SciPy: importing ``scipy.stats`` takes 0.3-0.4 s, a third of a whole
``wordvec evaluate`` for the 350 numbers of a word-similarity file. The statistics follow
SciPy's arithmetic step for step (the tests compare them with SciPy's to the last bits);
the p-value is the regularised incomplete beta function, by its continued fraction.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class Correlation(NamedTuple):
    """A coefficient and its two-sided p-value; indexes and unpacks as SciPy's results."""

    statistic: float
    pvalue: float

    @property
    def correlation(self) -> float:  # SciPy's older name, still used by gensim's users
        return self.statistic


def pearson(x, y) -> Correlation:
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 or (x == x[0]).all() or (y == y[0]).all():
        return Correlation(math.nan, math.nan)
    xm, ym = x - x.mean(), y - y.mean()
    xmax, ymax = np.abs(xm).max(), np.abs(ym).max()
    normxm = xmax * np.linalg.vector_norm(xm / xmax)
    normym = ymax * np.linalg.vector_norm(ym / ymax)
    r = float(np.clip(np.vecdot(xm / normxm, ym / normym), -1.0, 1.0))
    if len(x) == 2:
        return Correlation(float(round(r)), 1.0)
    return Correlation(r, _two_sided_p(r, len(x)))


def spearman(x, y) -> Correlation:
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) <= 1 or (x == x[0]).all() or (y == y[0]).all() or np.isnan(x).any() or np.isnan(y).any():
        return Correlation(math.nan, math.nan)
    rs = float(np.corrcoef(np.column_stack((rank_average(x), rank_average(y))), rowvar=False)[1, 0])
    if len(x) == 2:  # no degree of freedom: SciPy's t is infinite or NaN
        return Correlation(rs, 0.0 if abs(rs) == 1.0 else math.nan)
    return Correlation(rs, _two_sided_p(rs, len(x)))


def rank_average(a: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given the mean of the ranks they span (``rankdata(method='average')``)."""
    order = np.argsort(a, kind="stable")
    sorted_ = a[order]
    first = np.concatenate(([True], sorted_[1:] != sorted_[:-1]))
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(a)))
    ranks = np.empty(len(a), np.float64)
    ranks[order] = np.repeat(starts + 1 + (counts - 1) / 2.0, counts)
    return ranks


def _two_sided_p(r: float, n: int) -> float:
    """P(|R| >= |r|) for n independent normal pairs: I_{1-r^2}((n-2)/2, 1/2)."""
    if abs(r) >= 1.0:
        return 0.0
    return _betainc((n - 2) / 2.0, 0.5, 1.0 - r * r)


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):  # the continued fraction converges fast here
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b), by the modified Lentz method."""
    tiny, eps = 1e-300, 1e-16
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
                    -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h
