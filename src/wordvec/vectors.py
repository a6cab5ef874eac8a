"""WordVectors: trained word vectors and the queries people run on them.

(Query layer: a first version for the engine; the full gensim-compatible API lives here.)
"""
from __future__ import annotations

import numpy as np


class WordVectors:
    """Words (``index_to_key``, most frequent first) and their vectors (one row each)."""

    def __init__(self, index_to_key, vectors, counts=None):
        self.index_to_key = list(index_to_key)
        self.vectors = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self._norms = None

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, word):
        return word in self.key_to_index

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def get_index(self, word) -> int:
        try:
            return self.key_to_index[word]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def __getitem__(self, word):
        return self.vectors[self.get_index(word)]

    def get_normed_vectors(self) -> np.ndarray:
        if self._norms is None:
            v = np.asarray(self.vectors, dtype=np.float32)
            n = np.linalg.norm(v, axis=1, keepdims=True)
            self._norms = v / np.maximum(n, 1e-12)
        return self._norms

    def most_similar(self, word, topn: int = 10):
        unit = self.get_normed_vectors()
        i = self.get_index(word)
        sims = unit @ unit[i]
        sims[i] = -np.inf
        k = min(topn, len(sims) - 1)
        best = np.argpartition(-sims, k)[:k] if k < len(sims) else np.arange(len(sims))
        best = best[np.argsort(-sims[best])]
        return [(self.index_to_key[j], float(sims[j])) for j in best]
