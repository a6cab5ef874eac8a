"""The lookup tables every kernel reads, built once per vocabulary and passed as one argument.

``OutputTables`` is a named tuple, which Numba passes to a kernel as a single typed value
(fields are read at compile time, at no cost), so a kernel takes a handful of arguments
instead of six arrays; the queries (``wordvec.vectors.prediction``) read the same tables.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .huffman import build_huffman
from .sampling import alias_table, negative_distribution, subsample_thresholds


class OutputTables(NamedTuple):
    keep: np.ndarray  # int64 per word: keep it when rand32 < keep (subsampling)
    neg_thr: np.ndarray  # int64 alias-table thresholds of the noise distribution
    neg_alias: np.ndarray  # int32 alias-table partners
    codes: np.ndarray  # uint8 (words, depth): Huffman branch taken at each node
    points: np.ndarray  # int32 (words, depth): Huffman inner nodes (rows of syn1)
    code_lengths: np.ndarray  # int32 per word: depth of its Huffman leaf


def build_tables(counts: np.ndarray, sample: float, negative: int, ns_exponent: float, hs: bool) -> OutputTables:
    """Tables for words with ``counts`` (descending); unused parts are one-element stubs."""
    keep = subsample_thresholds(counts, sample)
    if negative > 0:
        neg_thr, neg_alias = alias_table(negative_distribution(counts, ns_exponent))
    else:
        neg_thr, neg_alias = np.full(1, 1 << 32, np.int64), np.zeros(1, np.int32)
    if hs:
        codes, points, lengths = build_huffman(counts)
    else:
        codes, points, lengths = np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
    return OutputTables(keep, neg_thr, neg_alias, codes, points, lengths)
