"""Many floats as text, fast: rows of ``%.6g`` numbers, tab-separated, one row a line.

Python formats one number at a time (``np.savetxt``: about 0.4 s per million numbers).
The Numba kernel here writes the same text, about 20 times faster, but loading Numba
takes most of a second, so ``format_rows`` uses it only when Numba is already loaded
(training just ran) or the array is large enough to repay the load.

The kernel rounds with float64 arithmetic: for float32 input its digits are ``%.6g``'s
except, very rarely, the last one of a number that lies within 1e-10 of a rounding tie.
"""
from __future__ import annotations

import sys

import numpy as np
from numba import njit

DIGITS = 6  # significant digits, as "%.6g"
_KERNEL_MIN_VALUES = 2_000_000  # below this, loading Numba costs more than it saves
_MAX_CHARS = 16  # "-1.23456e-308" + separator
_EXACT_POW10 = np.array([10.0**k for k in range(23)])  # the powers of ten a float64 holds exactly


def format_rows(values: np.ndarray, sep: str = "\t") -> str:
    """``values`` (2-D) as text: each row's numbers written as ``%.6g`` and joined by
    ``sep``, each row ended by a newline."""
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"format_rows: expected a 2-D array, found {values.ndim}-D")
    if values.size == 0:
        return "\n" * values.shape[0]
    if "numba.core.registry" in sys.modules or values.size >= _KERNEL_MIN_VALUES:
        out = np.empty(values.size * _MAX_CHARS, np.uint8)
        used = _format_rows(np.ascontiguousarray(values, dtype=np.float64), ord(sep), out)
        return out[:used].tobytes().decode("ascii")
    line = sep.join(["%.6g"] * values.shape[1]) + "\n"
    return "".join([line % tuple(row) for row in values.tolist()])


@njit(nogil=True, cache=True)
def _write_digits(out, pos, m, count):
    """Write the ``count`` decimal digits of ``m`` (zero-padded) at ``out[pos:]``."""
    for i in range(count - 1, -1, -1):
        out[pos + i] = 48 + m % 10
        m //= 10
    return pos + count


@njit(nogil=True, cache=True)
def _scaled(x, k):
    """round(x * 10^k), by one correctly rounded operation where 10^|k| is exact."""
    if 0 <= k <= 22:
        return int(np.rint(x * _EXACT_POW10[k]))
    if -22 <= k < 0:
        return int(np.rint(x / _EXACT_POW10[-k]))
    return int(np.rint(x * 10.0**k)) if k > 0 else int(np.rint(x / 10.0**-k))


@njit(nogil=True, cache=True)
def _format_one(x, out, pos):
    if x != x:
        for c in (110, 97, 110):  # nan
            out[pos] = c
            pos += 1
        return pos
    if x < 0 or (x == 0 and np.signbit(x)):
        out[pos] = 45  # '-'
        pos += 1
        x = -x
    if x == np.inf:
        for c in (105, 110, 102):  # inf
            out[pos] = c
            pos += 1
        return pos
    if x == 0:
        out[pos] = 48
        return pos + 1
    # m: the 6 significant digits, x ~ m * 10^(e - 5), 100000 <= m < 1000000
    e = int(np.floor(np.log10(x)))
    m = _scaled(x, DIGITS - 1 - e)
    if m < 100000:  # log10 rounded up
        e -= 1
        m = _scaled(x, DIGITS - 1 - e)
    if m >= 1000000:  # log10 rounded down, or the digits rounded up to 10^6
        e += 1
        m = _scaled(x, DIGITS - 1 - e)
    digits = DIGITS
    while digits > 1 and m % 10 == 0:  # %g drops trailing zeros
        m //= 10
        digits -= 1
    if -4 <= e < DIGITS:  # fixed notation
        if e < 0:
            out[pos] = 48
            out[pos + 1] = 46  # "0."
            pos += 2
            for _ in range(-e - 1):
                out[pos] = 48
                pos += 1
            return _write_digits(out, pos, m, digits)
        if digits <= e + 1:  # an integer: pad with zeros
            pos = _write_digits(out, pos, m, digits)
            for _ in range(e + 1 - digits):
                out[pos] = 48
                pos += 1
            return pos
        frac = digits - e - 1
        scale = 10**frac
        pos = _write_digits(out, pos, m // scale, e + 1)
        out[pos] = 46
        return _write_digits(out, pos + 1, m % scale, frac)
    # scientific: d[.ddddd]e+XX
    scale = 10 ** (digits - 1)
    pos = _write_digits(out, pos, m // scale, 1)
    if digits > 1:
        out[pos] = 46
        pos = _write_digits(out, pos + 1, m % scale, digits - 1)
    out[pos] = 101  # 'e'
    out[pos + 1] = 45 if e < 0 else 43
    e = abs(e)
    return _write_digits(out, pos + 2, e, 3 if e >= 100 else 2)


@njit(nogil=True, cache=True)
def _format_rows(values, sep, out):
    pos = 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if j:
                out[pos] = sep
                pos += 1
            pos = _format_one(values[i, j], out, pos)
        out[pos] = 10
        pos += 1
    return pos
