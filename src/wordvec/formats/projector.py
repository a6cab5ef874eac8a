"""vectors.tsv + metadata.tsv for the Embedding Projector (projector.tensorflow.org).

As the TensorFlow tutorial writes them: one row per word (or key), no padding row, vectors
tab-separated, keys one per line (int tags as digits). Tabs, newlines and backslashes in
words are escaped so both files always have the same number of rows.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from .float_text import format_rows
from .native import escape_word


def write_tsv(out_dir, keys, vectors, counts=None, top: int | None = None, counts_column: bool = False,
              key_label: str = "word") -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the first ``top`` keys and their rows
    of ``vectors``; keys are written as ``str(key)`` (int tags as digits).

    With ``counts_column`` the metadata gets a header and two columns (``key_label``, count;
    counts 0 where ``counts`` is None), which the Projector reads as labelled columns.
    Returns the two paths."""
    out = Path(out_dir)
    keys = list(keys)
    n = len(keys) if top is None else max(0, min(int(top), len(keys)))
    vectors_path, meta_path = out / "vectors.tsv", out / "metadata.tsv"
    vecs = np.asarray(vectors[:n], dtype=np.float32)
    names = [escape_word(k if isinstance(k, str) else str(k)) for k in keys[:n]]
    with atomic_file(vectors_path, "w") as f:
        f.write(format_rows(vecs))
    with atomic_file(meta_path, "w") as f:
        if counts_column:
            f.write(f"{key_label}\tcount\n")
            counts = np.zeros(n, np.int64) if counts is None else counts
            for w, c in zip(names, counts[:n]):
                f.write(f"{w}\t{int(c)}\n")
        else:
            for w in names:
                f.write(w + "\n")
    return vectors_path, meta_path


def write_projector_tsv(wv, out_dir, top: int | None = None, counts_column: bool = False) -> tuple[Path, Path]:
    """``write_tsv`` for a vectors object (anything with ``index_to_key``, ``vectors`` and
    ``counts``, as ``WordVectors`` has)."""
    return write_tsv(out_dir, wv.index_to_key, wv.vectors, getattr(wv, "counts", None), top=top,
                     counts_column=counts_column, key_label=getattr(wv, "_key_name", "word"))
