"""Parameter checks: one helper behind every "x=... is invalid: must be ..." message.

Each check raises ``ParameterError`` naming the parameter, the value given and what is
allowed, and returns the value, so ``__init__`` and ``validate()`` read as a list of rules.
Booleans are never integers here (``True`` is not a window size), and numbers must be finite.
"""
from __future__ import annotations

import math

import numpy as np

from .errors import ParameterError


def invalid(name: str, value, allowed: str) -> ParameterError:
    return ParameterError(f"{name}={value!r} is invalid: must be {allowed}")


def check(name: str, value, ok: bool, allowed: str):
    """Raise unless ``ok``; ``allowed`` says what the value must be."""
    if not ok:
        raise invalid(name, value, allowed)
    return value


def is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def is_number(v) -> bool:
    """A finite int or float (integers are finite, and may be too large for math.isfinite)."""
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) and (
        is_int(v) or math.isfinite(v))


def _range_text(kind: str, low, high, low_open: bool = False, high_open: bool = False) -> str:
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{kind} {'<' if high_open else '<='} {high}"
    return kind


def _in_range(v, low, high, low_open: bool, high_open: bool) -> bool:
    return ((low is None or (v > low if low_open else v >= low))
            and (high is None or (v < high if high_open else v <= high)))


def check_int(name: str, value, low=None, high=None, none_ok: bool = False, allowed: str | None = None):
    """An integer in [low, high] (either bound may be None), or None where ``none_ok``."""
    if none_ok and value is None:
        return value
    text = allowed or _range_text("an integer", low, high) + (" or None" if none_ok else "")
    return check(name, value, is_int(value) and _in_range(value, low, high, False, False), text)


def check_number(name: str, value, low=None, high=None, low_open: bool = False, high_open: bool = False,
                 none_ok: bool = False, allowed: str | None = None):
    """A finite number in the range (open or closed at either end), or None where ``none_ok``."""
    if none_ok and value is None:
        return value
    text = allowed or _range_text("a number", low, high, low_open, high_open) + (" or None" if none_ok else "")
    return check(name, value, is_number(value) and _in_range(value, low, high, low_open, high_open), text)


def check_flag(name: str, value):
    """True or False; 1 and 0 too, as gensim takes them; anything else is a mistake."""
    return check(name, value, isinstance(value, (bool, np.bool_)) or (is_int(value) and value in (0, 1)),
                 "True or False (or 1 or 0)")


def check_choice(name: str, value, choices, none_ok: bool = False):
    """One of ``choices`` (or None where ``none_ok``)."""
    if none_ok and value is None:
        return value
    text = "one of " + ", ".join(map(str, choices)) + (" or None" if none_ok else "")
    try:
        ok = value in choices
    except TypeError:  # an unhashable value is in no set of choices
        ok = False
    return check(name, value, ok, text)
