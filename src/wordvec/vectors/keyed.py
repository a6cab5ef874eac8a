"""WordVectors: trained word vectors and the queries people run on them.

The names and semantics follow gensim's ``KeyedVectors`` (``most_similar``, ``similarity``,
``doesnt_match``, ``evaluate_word_analogies`` ...), so code written for gensim reads the same.
Unit-length vectors are computed once and reused; every query is one matrix product over
them plus a partial sort (``argpartition``), and many queries share one matrix product.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ParameterError

# Rows compared to notice that the vectors changed under us (training continued) and the
# cached unit vectors are stale; checking a few rows costs microseconds per query.
_SNAPSHOT_ROWS = 32


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (str, np.ndarray)):
        return [x]
    return list(x)


def _check_topn(topn):
    if topn is not None and (not isinstance(topn, (int, np.integer)) or isinstance(topn, bool)):
        raise ParameterError(f"topn={topn!r} is invalid: must be an integer or None")


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores, best first (argpartition, then sort only those)."""
    n = scores.shape[-1]
    k = max(0, min(int(k), n))
    if scores.ndim == 1:  # the common single query: no broadcasting machinery
        part = np.argpartition(scores, n - k)[n - k :] if 0 < k < n else np.arange(k)
        return part[np.argsort(-scores[part], kind="stable")]
    if k == 0:
        return np.empty(scores.shape[:-1] + (0,), np.int64)
    if k < n:
        part = np.argpartition(-scores, k - 1, axis=-1)[..., :k]
    else:
        part = np.broadcast_to(np.arange(n), scores.shape).copy()
    order = np.argsort(-np.take_along_axis(scores, part, axis=-1), axis=-1, kind="stable")
    return np.take_along_axis(part, order, axis=-1)


class WordVectors:
    """Words (``index_to_key``, most frequent first) and their vectors (one row each)."""

    def __init__(self, index_to_key, vectors, counts=None):
        self.index_to_key = list(index_to_key)
        if not isinstance(vectors, np.ndarray) or vectors.dtype != np.float32:
            vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(self.index_to_key):
            raise ParameterError(
                f"vectors: expected a ({len(self.index_to_key)}, dim) matrix, one row per word, found shape {vectors.shape}"
            )
        # Kept as given (not copied): training updates these rows in place.
        self.vectors = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        if self.counts is not None and self.counts.shape != (len(self.index_to_key),):
            raise ParameterError(f"counts: expected {len(self.index_to_key)} counts, found shape {self.counts.shape}")
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            seen = set()
            dup = next(w for w in self.index_to_key if w in seen or seen.add(w))
            raise ParameterError(f"index_to_key: duplicate word {dup!r}")
        self._unit = None
        self._snapshot = None
        self._snapshot_rows = None

    # ------------------------------------------------------------------ lookup
    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, word):
        return word in self.key_to_index

    def __repr__(self):
        return f"WordVectors({len(self)} words x {self.vector_size} dims)"

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def has_index_for(self, word) -> bool:
        return word in self.key_to_index

    def get_index(self, word) -> int:
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def get_vector(self, word, norm: bool = False) -> np.ndarray:
        i = self.get_index(word)
        return self.get_normed_vectors()[i] if norm else self.vectors[i]

    def __getitem__(self, words):
        if isinstance(words, str):
            return self.vectors[self.get_index(words)]
        return np.stack([self.vectors[self.get_index(w)] for w in words]) if len(words) else np.empty((0, self.vector_size), np.float32)

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length (zero vectors stay zero); computed once, reused
        until the vectors change."""
        if self._unit is None or self._changed():
            self.fill_norms(force=True)
        return self._unit

    def fill_norms(self, force: bool = False) -> None:
        """(Re)compute the unit vectors; ``force`` after changing ``vectors`` in place."""
        if self._unit is not None and not force:
            return
        v = np.asarray(self.vectors, dtype=np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        self._unit = v / np.maximum(norms, np.float32(1e-30))
        n = len(self)
        self._snapshot_rows = np.unique(np.linspace(0, max(n - 1, 0), min(n, _SNAPSHOT_ROWS)).astype(np.int64))
        self._snapshot = np.array(self.vectors[self._snapshot_rows], copy=True)

    def _changed(self) -> bool:
        return not np.array_equal(self.vectors[self._snapshot_rows], self._snapshot)

    # ------------------------------------------------------------------ similarity
    @staticmethod
    def cosine_similarities(vector_1, vectors_all) -> np.ndarray:
        v1 = np.asarray(vector_1, dtype=np.float32)
        va = np.asarray(vectors_all, dtype=np.float32)
        denom = np.linalg.norm(va, axis=-1) * np.linalg.norm(v1)
        return (va @ v1) / np.maximum(denom, np.float32(1e-30))

    def similarity(self, w1, w2) -> float:
        """Cosine similarity of two words."""
        unit = self.get_normed_vectors()
        return float(unit[self.get_index(w1)] @ unit[self.get_index(w2)])

    def n_similarity(self, ws1, ws2) -> float:
        """Cosine similarity of the means of two word lists."""
        if not len(ws1) or not len(ws2):
            raise ParameterError("n_similarity: both word lists must be non-empty")
        m1, m2 = self[list(ws1)].mean(axis=0), self[list(ws2)].mean(axis=0)
        return float(self.cosine_similarities(m1, m2[None, :])[0])

    def distance(self, w1, w2) -> float:
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """1 - cosine similarity from ``word_or_vector`` to ``other_words`` (all words if empty)."""
        unit = self.get_normed_vectors()
        if isinstance(word_or_vector, str):
            q = unit[self.get_index(word_or_vector)]
        else:
            q = self._unit_query(np.asarray(word_or_vector, dtype=np.float32))
        rows = unit if not len(other_words) else unit[[self.get_index(w) for w in other_words]]
        return 1.0 - rows @ q

    def closer_than(self, w1, w2) -> list[str]:
        """Words closer to ``w1`` than ``w2`` is."""
        i, j = self.get_index(w1), self.get_index(w2)
        d = self.distances(w1)
        idx = np.flatnonzero(d < d[j])
        return [self.index_to_key[k] for k in idx if k != i]

    def rank(self, w1, w2) -> int:
        """Rank of ``w2`` among the neighbours of ``w1`` (1 = nearest)."""
        return len(self.closer_than(w1, w2)) + 1

    @staticmethod
    def _unit_query(v: np.ndarray) -> np.ndarray:
        n = np.linalg.norm(v, axis=-1, keepdims=True)
        return (v / np.maximum(n, np.float32(1e-30))).astype(np.float32)

    def _weighted_terms(self, positive, negative):
        """(indices of input words, unit vectors, weights) as gensim's most_similar reads them."""
        terms = [(t, 1.0) for t in _as_list(positive)] + [(t, -1.0) for t in _as_list(negative)]
        if not terms:
            raise ParameterError("most_similar: give at least one positive or negative word")
        unit = self.get_normed_vectors()
        idx, vecs, weights = [], [], []
        for term, weight in terms:
            if isinstance(term, tuple):
                term, weight = term
            if isinstance(term, str):
                i = self.get_index(term)
                idx.append(i)
                vecs.append(unit[i])
            else:
                v = np.asarray(term, dtype=np.float32)
                if v.shape != (self.vector_size,):
                    raise ParameterError(f"most_similar: a vector must have {self.vector_size} values, found shape {v.shape}")
                vecs.append(v)
            weights.append(float(weight))
        return idx, np.stack(vecs), np.asarray(weights, dtype=np.float32)

    def _rank(self, scores: np.ndarray, exclude, topn):
        """(word, score) of the best ``topn`` scores, ``exclude`` (input word rows) left out."""
        if topn is None:
            return scores
        ex = sorted({i for i in exclude if i < scores.shape[0]})
        if ex:  # scores is always a fresh array here: mark in place
            scores[ex] = -np.inf
            topn = min(topn, scores.shape[0] - len(ex))
        return [(self.index_to_key[j], float(scores[j])) for j in top_k(scores, topn)]

    def most_similar(self, positive=None, negative=None, topn: int | None = 10, restrict_vocab: int | None = None):
        """Top-``topn`` words by cosine similarity to the mean of the unit vectors of
        ``positive`` minus ``negative`` (3CosAdd); the input words are left out.

        Terms are words, vectors, or ``(term, weight)`` pairs. ``restrict_vocab`` searches
        only the first (most frequent) words. ``topn=None`` returns all similarities."""
        _check_topn(topn)
        if topn is not None and topn < 1:
            return []
        unit = self.get_normed_vectors()
        if isinstance(positive, str) and negative is None:  # one word: its unit vector is the query
            idx = [self.get_index(positive)]
            mean = unit[idx[0]]
        else:
            idx, vecs, weights = self._weighted_terms(positive, negative)
            mean = self._unit_query((weights[:, None] * vecs).sum(axis=0) / np.abs(weights).sum())
        return self._rank(unit[: self._limit(restrict_vocab)] @ mean, idx, topn)

    def most_similar_cosmul(self, positive=None, negative=None, topn: int | None = 10, restrict_vocab: int | None = None):
        """3CosMul (Levy & Goldberg 2014): product of the positive similarities over the
        product of the negative ones, each shifted to [0, 1]; the input words are left out."""
        _check_topn(topn)
        if topn is not None and topn < 1:
            return []
        pos, neg = _as_list(positive), _as_list(negative)
        if not pos:
            raise ParameterError("most_similar_cosmul: give at least one positive word")
        unit = self.get_normed_vectors()[: self._limit(restrict_vocab)]
        idx, p_vecs, _ = self._weighted_terms(pos, None)
        sims_p = (1 + unit @ self._unit_query(p_vecs).T) / 2
        scores = np.prod(sims_p, axis=1)
        if neg:
            n_idx, n_vecs, _ = self._weighted_terms(neg, None)
            idx += n_idx
            scores = scores / (np.prod((1 + unit @ self._unit_query(n_vecs).T) / 2, axis=1) + 1e-6)
        return self._rank(scores, idx, topn)

    def similar_by_vector(self, vector, topn: int | None = 10, restrict_vocab: int | None = None):
        """Words nearest to a vector (nothing excluded)."""
        _check_topn(topn)
        v = np.asarray(vector, dtype=np.float32)
        if v.shape != (self.vector_size,):
            raise ParameterError(f"similar_by_vector: expected {self.vector_size} values, found shape {v.shape}")
        unit = self.get_normed_vectors()[: self._limit(restrict_vocab)]
        return self._rank(unit @ self._unit_query(v), (), topn)

    def similar_by_word(self, word, topn: int | None = 10, restrict_vocab: int | None = None):
        return self.most_similar(word, topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def most_similar_batch(self, words, topn: int = 10, restrict_vocab: int | None = None):
        """``most_similar(w)`` for many words at once: one matrix product and one partial
        sort for all of them. Returns one list of (word, similarity) per input word."""
        _check_topn(topn)
        if topn is None or topn < 1:
            raise ParameterError(f"topn={topn!r} is invalid: must be >= 1")
        ids = np.asarray([self.get_index(w) for w in words], np.int64)
        unit = self.get_normed_vectors()
        lim = self._limit(restrict_vocab)
        out = []
        for start in range(0, len(ids), 1024):
            q = ids[start : start + 1024]
            scores = unit[q] @ unit[:lim].T
            inside = q < lim
            scores[np.flatnonzero(inside), q[inside]] = -np.inf
            k = min(topn, lim - 1 if lim else 0)
            best = top_k(scores, k)
            for row, cols in zip(scores, best):
                out.append([(self.index_to_key[j], float(row[j])) for j in cols if np.isfinite(row[j])])
        return out

    def doesnt_match(self, words) -> str:
        """The word furthest from the mean of the (unit) vectors of ``words``."""
        words = list(words)
        if not words:
            raise ParameterError("doesnt_match: give at least one word")
        unit = self.get_normed_vectors()
        vecs = unit[[self.get_index(w) for w in words]]
        mean = self._unit_query(vecs.mean(axis=0))
        return words[int(np.argmin(vecs @ mean))]

    def _limit(self, restrict_vocab) -> int:
        if restrict_vocab is None:
            return len(self)
        if not isinstance(restrict_vocab, (int, np.integer)) or restrict_vocab < 1:
            raise ParameterError(f"restrict_vocab={restrict_vocab!r} is invalid: must be an integer >= 1 or None")
        return min(int(restrict_vocab), len(self))

    # ------------------------------------------------------------------ evaluation
    def evaluate_word_analogies(self, analogies, restrict_vocab: int = 30000, case_insensitive: bool = True,
                                method: str = "3cosadd"):
        """Accuracy on a questions-words file; see ``wordvec.vectors.evaluation``."""
        from .evaluation import evaluate_word_analogies

        return evaluate_word_analogies(self, analogies, restrict_vocab, case_insensitive, method)

    def evaluate_word_pairs(self, pairs, restrict_vocab: int = 300000, case_insensitive: bool = True):
        """Spearman/Pearson against human similarity scores; see ``wordvec.vectors.evaluation``."""
        from .evaluation import evaluate_word_pairs

        return evaluate_word_pairs(self, pairs, restrict_vocab, case_insensitive)

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write a vectors-only native folder (atomic; ``.npy`` + TSV, no pickle)."""
        from ..formats.native import save_vectors

        save_vectors(self, path)

    @classmethod
    def load(cls, path, mmap: bool = False) -> "WordVectors":
        """Load a native model or vectors folder, or a word2vec C-format file (text or binary)."""
        from ..formats.native import is_native_model, load_vectors

        if is_native_model(path):
            return load_vectors(path, mmap=mmap)
        if Path(path).is_dir():
            from ..errors import ModelFormatError

            raise ModelFormatError(f"{path}: a folder but not a wordvec model (no config.json)")
        return cls.load_word2vec_format(path)

    @classmethod
    def load_word2vec_format(cls, path, binary: bool | None = None, limit: int | None = None) -> "WordVectors":
        """Read the C tool's text or binary format (``binary=None``: detect which)."""
        from ..formats.word2vec import read_word2vec

        return read_word2vec(path, binary=binary, limit=limit)

    def save_word2vec_format(self, path, binary: bool = False, top: int | None = None) -> None:
        """Write the C tool's text or binary format (atomic)."""
        from ..formats.word2vec import write_word2vec

        write_word2vec(self, path, binary=binary, top=top)
