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
              key_label: str = "word", columns: dict | None = None) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the first ``top`` keys and their rows
    of ``vectors``; keys are written as ``str(key)`` (int tags as digits).

    With ``counts_column`` the metadata gets a header and two columns (``key_label``, count;
    counts 0 where ``counts`` is None), which the Projector reads as labelled columns.
    ``columns`` (name -> one str per key) adds more labelled columns, as a document's first
    words beside its tag. Returns the two paths."""
    out = Path(out_dir)
    keys = list(keys)
    n = len(keys) if top is None else max(0, min(int(top), len(keys)))
    vectors_path, meta_path = out / "vectors.tsv", out / "metadata.tsv"
    vecs = np.asarray(vectors[:n], dtype=np.float32)
    names = [escape_word(k if isinstance(k, str) else str(k)) for k in keys[:n]]
    with atomic_file(vectors_path, "w") as f:
        f.write(format_rows(vecs))
    with atomic_file(meta_path, "w") as f:
        if counts_column or columns:
            extra = {k: [escape_word(v) for v in vals[:n]] for k, vals in (columns or {}).items()}
            f.write("\t".join([key_label] + (["count"] if counts_column else []) + list(extra)) + "\n")
            counts = np.zeros(n, np.int64) if counts is None else counts
            for i, w in enumerate(names):
                row = [w] + ([str(int(counts[i]))] if counts_column else []) + [vals[i] for vals in extra.values()]
                f.write("\t".join(row) + "\n")
        else:
            for w in names:
                f.write(w + "\n")
    return vectors_path, meta_path


def write_projector_tsv(wv, out_dir, top: int | None = None, counts_column: bool = False) -> tuple[Path, Path]:
    """``write_tsv`` for a vectors object (anything with ``index_to_key``, ``vectors`` and
    ``counts``, as ``WordVectors`` has)."""
    return write_tsv(out_dir, wv.index_to_key, wv.vectors, getattr(wv, "counts", None), top=top,
                     counts_column=counts_column, key_label=getattr(wv, "_key_name", "word"))
