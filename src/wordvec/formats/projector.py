"""vectors.tsv + metadata.tsv for the Embedding Projector (projector.tensorflow.org).

As the TensorFlow tutorial writes them: one row per word, no padding row, vectors
tab-separated, words one per line. Tabs, newlines and backslashes in words are escaped
so both files always have the same number of rows.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from .float_text import format_rows
from .native import escape_word


def write_projector_tsv(wv, out_dir, top: int | None = None, counts_column: bool = False) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the first ``top`` words of ``wv``.

    With ``counts_column`` the metadata gets a header and two columns (word, count), which
    the Projector reads as labelled columns. Returns the two paths."""
    out = Path(out_dir)
    n = len(wv) if top is None else max(0, min(int(top), len(wv)))
    vectors_path, meta_path = out / "vectors.tsv", out / "metadata.tsv"
    vecs = np.asarray(wv.vectors[:n], dtype=np.float32)
    with atomic_file(vectors_path, "w") as f:
        f.write(format_rows(vecs))
    with atomic_file(meta_path, "w") as f:
        if counts_column:
            f.write("word\tcount\n")
            counts = wv.counts if wv.counts is not None else np.zeros(len(wv), np.int64)
            for w, c in zip(wv.index_to_key[:n], counts[:n]):
                f.write(f"{escape_word(w)}\t{int(c)}\n")
        else:
            for w in wv.index_to_key[:n]:
                f.write(escape_word(w) + "\n")
    return vectors_path, meta_path
