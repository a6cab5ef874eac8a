"""Rows of floats as %.6g text: the Numba kernel writes what Python's formatting writes."""
from __future__ import annotations

import numpy as np
import pytest

import wordvec.formats.float_text as ft


def python_rows(values, sep="\t"):
    return "".join(sep.join("%.6g" % x for x in row) + "\n" for row in values.tolist())


def kernel_rows(values, sep="\t"):
    out = np.empty(values.size * ft._MAX_CHARS, np.uint8)
    used = ft._format_rows(np.ascontiguousarray(values, dtype=np.float64), ord(sep), out)
    return out[:used].tobytes().decode("ascii")


EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-4, 9.99999e-5, 1e-5, 123456.0, 999999.5, 1e6, 1234567.0, 1200.0, 0.1,
         0.000123, 1e-45, 1.4e-45, 3.4028235e38, float("nan"), float("inf"), float("-inf"), 0.0009765625,
         1234565.0, 99999.95, 2.5e-7, -7.0e22]


def test_edge_cases_match_python():
    values = np.array(EDGES, np.float32).astype(np.float64).reshape(1, -1)
    assert kernel_rows(values) == python_rows(values)


@pytest.mark.parametrize("scale", [1e-6, 1e-3, 0.3, 10.0, 1e5, 1e12])
def test_random_float32_match_python(scale):
    rng = np.random.default_rng(int(scale * 1e6) % 2**32)
    values = (rng.standard_normal((300, 100)) * scale).astype(np.float32)
    assert kernel_rows(values) == python_rows(values)


def test_all_exponents_of_float32_round_trip():
    rng = np.random.default_rng(7)
    values = (rng.uniform(1, 10, (1, 2000)) * 10.0 ** rng.integers(-45, 38, (1, 2000))).astype(np.float32)
    text = kernel_rows(values)
    back = np.array(text.split(), np.float64)
    np.testing.assert_allclose(back, values[0].astype(np.float64), rtol=5.1e-6)


def test_format_rows_both_paths_and_shapes(monkeypatch):
    values = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    expected = python_rows(values, sep=" ")
    assert ft.format_rows(values, sep=" ") == expected
    monkeypatch.setattr(ft, "_KERNEL_MIN_VALUES", 1)
    assert ft.format_rows(values, sep=" ") == expected
    assert ft.format_rows(np.zeros((2, 0))) == "\n\n"
    with pytest.raises(ValueError, match="2-D"):
        ft.format_rows(np.zeros(3))
