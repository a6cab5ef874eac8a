"""KeyedVectors: vectors by key, and the queries people run on them; WordVectors: by word.

The names and semantics follow gensim's ``KeyedVectors`` (``most_similar``, ``similarity``,
``doesnt_match``, ``evaluate_word_analogies`` ...), so code written for gensim reads the same.
Unit-length vectors are computed once and reused; every query is one matrix product over
them plus a partial sort (``argpartition``), and many queries share one matrix product.

Keys are any hashable but a bool: words (``str``), or document tags (``str`` or ``int``).
NumPy integers and strings are stored as Python ``int`` and ``str``. A key is always a key:
with int tags, ``kv[5]`` is the vector of the tag 5, not row 5 (that is ``kv.vectors[5]``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelFormatError, ParameterError
from ..params import check, check_choice, check_int

# Rows compared to notice that the vectors changed under us (training continued) and the
# cached unit vectors are stale; checking a few rows costs microseconds per query.
_SNAPSHOT_ROWS = 32


def _check_topn(topn):
    check_int("topn", topn, none_ok=True)


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


def _normalize_key(key, i: int, name: str):
    """A key as stored: NumPy scalars become Python ones; bools and unhashables are refused."""
    if isinstance(key, str):
        return str(key)
    if isinstance(key, (bool, np.bool_)):
        raise ParameterError(f"index_to_key: {name} #{i + 1} is {key!r}, a bool; keys are str, int or another hashable")
    if isinstance(key, np.integer):
        return int(key)
    try:
        hash(key)
    except TypeError:
        raise ParameterError(f"index_to_key: {name} #{i + 1} {key!r:.60} is not hashable") from None
    return key


class KeyedVectors:
    """Keys (``index_to_key``, in row order) and their vectors (one row each).

    Keys may be any hashable but a bool: words, or document tags (str or int). A key is
    looked up as a key, never as a row number: with int tags, ``kv[5]`` is tag 5's vector."""

    _key_name = "key"  # how messages name one key ("word" in WordVectors)
    _missing = "not found"  # what a KeyError says after the key

    def __init__(self, index_to_key, vectors, counts=None):
        name = self._key_name
        keys = list(index_to_key)
        if not all(type(k) is str for k in keys):
            keys = [_normalize_key(k, i, name) for i, k in enumerate(keys)]
        self.index_to_key = keys
        if not isinstance(vectors, np.ndarray) or vectors.dtype != np.float32:
            vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise ParameterError(
                f"vectors: expected a ({len(keys)}, dim) matrix, one row per {name}, found shape {vectors.shape}"
            )
        # Kept as given (not copied): training updates these rows in place.
        self.vectors = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        if self.counts is not None and self.counts.shape != (len(keys),):
            raise ParameterError(f"counts: expected {len(keys)} counts, found shape {self.counts.shape}")
        self.key_to_index = {k: i for i, k in enumerate(keys)}
        if len(self.key_to_index) != len(keys):
            seen = set()
            dup = next(k for k in keys if k in seen or seen.add(k))
            raise ParameterError(f"index_to_key: duplicate {name} {dup!r}")
        self._unit = None
        self._snapshot = None
        self._snapshot_rows = None
        self.ann_index = None  # an ApproximateIndex (build_index, load_index): exact search without

    # ------------------------------------------------------------------ lookup
    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        try:
            return key in self.key_to_index
        except TypeError:  # an unhashable (a list, an array) is no key
            return False

    def __repr__(self):
        return f"{type(self).__name__}({len(self)} {self._key_name}s x {self.vector_size} dims)"

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def has_index_for(self, key) -> bool:
        return key in self

    def _is_key(self, x) -> bool:
        """True when ``x`` is one key (or looks like one: str or int), not a list or vector."""
        if isinstance(x, (str, int, np.integer)) and not isinstance(x, (bool, np.bool_)):
            return True
        return not isinstance(x, (list, np.ndarray)) and x in self

    def get_index(self, key) -> int:
        try:
            if not isinstance(key, (bool, np.bool_)):  # True == 1: a bool would find the key 1
                return self.key_to_index[key]
        except (KeyError, TypeError):
            pass
        raise KeyError(f"{self._key_name} {key!r} {self._missing}") from None

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        i = self.get_index(key)
        return self.get_normed_vectors()[i] if norm else self.vectors[i]

    def __getitem__(self, keys):
        """One key's vector, or a (n, dim) matrix for a list (or array) of keys."""
        if self._is_key(keys):
            return self.vectors[self.get_index(keys)]
        keys = list(keys)
        if not keys:
            return np.empty((0, self.vector_size), np.float32)
        return self.vectors[[self.get_index(k) for k in keys]]

    def _as_list(self, x):
        if x is None:
            return []
        if isinstance(x, np.ndarray) or self._is_key(x):
            return [x]
        return list(x)

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length (zero vectors stay zero); computed once, reused
        until the vectors change."""
        if self._unit is None or self._changed():
            if self._unit is not None and self.ann_index is not None:
                import warnings

                warnings.warn("the vectors changed since the approximate index was built: it is dropped "
                              "and queries are exact until build_index is called again", stacklevel=3)
                self.ann_index = None
            self.fill_norms(force=True)
        return self._unit

    def unit_rows(self, rows) -> np.ndarray:
        """The unit vectors of some rows (an index array or a slice), the same numbers as
        ``get_normed_vectors()[rows]`` without normalising, or keeping, the whole matrix
        when it is not already at hand (an evaluation needs a few rows or the top words)."""
        if self._unit is not None and not self._changed():
            return self._unit[rows]
        return _unit(np.asarray(self.vectors[rows], dtype=np.float32))

    def fill_norms(self, force: bool = False) -> None:
        """(Re)compute the unit vectors; ``force`` after changing ``vectors`` in place."""
        if self._unit is not None and not force:
            return
        self._unit = _unit(np.asarray(self.vectors, dtype=np.float32))
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
        """Cosine similarity of two keys."""
        unit = self.get_normed_vectors()
        return float(unit[self.get_index(w1)] @ unit[self.get_index(w2)])

    def n_similarity(self, ws1, ws2) -> float:
        """Cosine similarity of the means of two key lists."""
        if not len(ws1) or not len(ws2):
            raise ParameterError(f"n_similarity: both {self._key_name} lists must be non-empty")
        m1, m2 = self[list(ws1)].mean(axis=0), self[list(ws2)].mean(axis=0)
        return float(self.cosine_similarities(m1, m2[None, :])[0])

    def distance(self, w1, w2) -> float:
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """1 - cosine similarity from ``word_or_vector`` (a key or a vector) to the keys
        ``other_words`` (all keys if empty)."""
        unit = self.get_normed_vectors()
        if self._is_key(word_or_vector):
            q = unit[self.get_index(word_or_vector)]
        else:
            q = self._unit_query(np.asarray(word_or_vector, dtype=np.float32))
        rows = unit if not len(other_words) else unit[[self.get_index(w) for w in other_words]]
        return 1.0 - rows @ q

    def closer_than(self, w1, w2) -> list:
        """Keys closer to ``w1`` than ``w2`` is."""
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
        """(indices of input keys, unit vectors, weights) as gensim's most_similar reads them."""
        terms = [(t, 1.0) for t in self._as_list(positive)] + [(t, -1.0) for t in self._as_list(negative)]
        if not terms:
            raise ParameterError(f"most_similar: give at least one positive or negative {self._key_name}")
        unit = self.get_normed_vectors()
        idx, vecs, weights = [], [], []
        for term, weight in terms:
            if isinstance(term, tuple) and not (term in self):  # (term, weight), unless a tuple is a key
                term, weight = term
            if self._is_key(term):
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
        """(key, score) of the best ``topn`` scores, ``exclude`` (input key rows) left out."""
        if topn is None:
            return scores
        ex = sorted({i for i in exclude if i < scores.shape[0]})
        if ex:  # scores is always a fresh array here: mark in place
            scores[ex] = -np.inf
            topn = min(topn, scores.shape[0] - len(ex))
        return [(self.index_to_key[j], float(scores[j])) for j in top_k(scores, topn)]

    def most_similar(self, positive=None, negative=None, topn: int | None = 10, restrict_vocab: int | None = None,
                     approximate: bool | None = None):
        """Top-``topn`` keys by cosine similarity to the mean of the unit vectors of
        ``positive`` minus ``negative`` (3CosAdd); the input keys are left out.

        Terms are keys (str or int), vectors, or ``(term, weight)`` pairs; a single key or
        vector may be given without a list. ``restrict_vocab`` searches only the first
        (most frequent) keys. ``topn=None`` returns all similarities.

        With an approximate index (``build_index``, ``load_index``) the search uses it,
        unless ``approximate=False`` or the query needs every score (``topn=None``,
        ``restrict_vocab``); ``approximate=True`` insists on it. The similarities returned
        are exact either way (to float32 rounding); the index may miss a neighbour (its
        ``recall``)."""
        _check_topn(topn)
        ann = self._index_for(approximate, topn, restrict_vocab)
        if topn is not None and topn < 1:
            return []
        unit = self.get_normed_vectors()
        if negative is None and self._is_key(positive):  # one key: its unit vector is the query
            idx = [self.get_index(positive)]
            mean = unit[idx[0]]
        else:
            idx, vecs, weights = self._weighted_terms(positive, negative)
            mean = self._unit_query((weights[:, None] * vecs).sum(axis=0) / np.abs(weights).sum())
        if ann is not None:
            return self._rank_approximate(ann, mean, idx, topn)
        return self._rank(unit[: self._limit(restrict_vocab)] @ mean, idx, topn)

    def most_similar_cosmul(self, positive=None, negative=None, topn: int | None = 10, restrict_vocab: int | None = None):
        """3CosMul (Levy & Goldberg 2014): product of the positive similarities over the
        product of the negative ones, each shifted to [0, 1]; the input keys are left out."""
        _check_topn(topn)
        if topn is not None and topn < 1:
            return []
        pos, neg = self._as_list(positive), self._as_list(negative)
        if not pos:
            raise ParameterError(f"most_similar_cosmul: give at least one positive {self._key_name}")
        unit = self.get_normed_vectors()[: self._limit(restrict_vocab)]
        idx, p_vecs, _ = self._weighted_terms(pos, None)
        sims_p = (1 + unit @ self._unit_query(p_vecs).T) / 2
        scores = np.prod(sims_p, axis=1)
        if neg:
            n_idx, n_vecs, _ = self._weighted_terms(neg, None)
            idx += n_idx
            scores = scores / (np.prod((1 + unit @ self._unit_query(n_vecs).T) / 2, axis=1) + 1e-6)
        return self._rank(scores, idx, topn)

    def similar_by_vector(self, vector, topn: int | None = 10, restrict_vocab: int | None = None,
                          approximate: bool | None = None):
        """Keys nearest to a vector (nothing excluded)."""
        _check_topn(topn)
        ann = self._index_for(approximate, topn, restrict_vocab)
        v = np.asarray(vector, dtype=np.float32)
        if v.shape != (self.vector_size,):
            raise ParameterError(f"similar_by_vector: expected {self.vector_size} values, found shape {v.shape}")
        if ann is not None:
            return self._rank_approximate(ann, self._unit_query(v), (), topn)
        unit = self.get_normed_vectors()[: self._limit(restrict_vocab)]
        return self._rank(unit @ self._unit_query(v), (), topn)

    def similar_by_key(self, key, topn: int | None = 10, restrict_vocab: int | None = None,
                       approximate: bool | None = None):
        """``most_similar`` of one key."""
        return self.most_similar(key, topn=topn, restrict_vocab=restrict_vocab, approximate=approximate)

    def most_similar_batch(self, words, topn: int = 10, restrict_vocab: int | None = None,
                           approximate: bool | None = None):
        """``most_similar(k)`` for many keys at once: one matrix product and one partial
        sort for all of them (or one index search). Returns one list of (key, similarity)
        per input key."""
        _check_topn(topn)
        check("topn", topn, topn is not None and topn >= 1, ">= 1")
        ann = self._index_for(approximate, topn, restrict_vocab)
        ids = np.asarray([self.get_index(w) for w in words], np.int64)
        unit = self.get_normed_vectors()
        if ann is not None and ids.size:
            rows, scores = ann.search(unit[ids], topn + 1)
            keep = (rows >= 0) & (rows != ids[:, None])
            return [[(self.index_to_key[j], float(s)) for j, s in zip(r[k][:topn], sc[k][:topn])]
                    for r, sc, k in zip(rows, scores, keep)]
        lim = self._limit(restrict_vocab)
        from .retrieval import block_rows

        out = []
        step = block_rows(lim)  # 1,024 queries at once made a 4 GB block on a 1M-word model
        for start in range(0, len(ids), step):
            q = ids[start : start + step]
            scores = unit[q] @ unit[:lim].T
            inside = q < lim
            scores[np.flatnonzero(inside), q[inside]] = -np.inf
            k = min(topn, lim - 1 if lim else 0)
            best = top_k(scores, k)
            for row, cols in zip(scores, best):
                out.append([(self.index_to_key[j], float(row[j])) for j in cols if np.isfinite(row[j])])
        return out

    def doesnt_match(self, words):
        """The key furthest from the mean of the (unit) vectors of the keys ``words``."""
        words = list(words)
        if not words:
            raise ParameterError(f"doesnt_match: give at least one {self._key_name}")
        unit = self.get_normed_vectors()
        vecs = unit[[self.get_index(w) for w in words]]
        mean = self._unit_query(vecs.mean(axis=0))
        return words[int(np.argmin(vecs @ mean))]

    # ------------------------------------------------------------------ approximate index
    def build_index(self, recall: float = 0.95, nlist: int | None = None, queries: int = 1000,
                    query_rows: int = 100_000, seed: int = 0):
        """Build an approximate nearest-neighbour index (faiss, the ``ann`` extra) over
        the unit vectors and use it in ``most_similar``; its ``nprobe`` is the smallest whose
        recall@10, measured on ``queries`` keys drawn from the first ``query_rows``, reaches
        ``recall``. Returns it (``self.ann_index``); see ``wordvec.vectors.ann``."""
        from .ann import ApproximateIndex

        # Assigned only once built: a refused build leaves the previous index in use.
        self.ann_index = ApproximateIndex.build(self.get_normed_vectors(), recall=recall, nlist=nlist,
                                                queries=queries, query_rows=query_rows, seed=seed)
        return self.ann_index

    def save_index(self, path) -> None:
        """Save the index built by ``build_index``: ``path`` is the model (the index goes
        to its ``ann/`` folder, or ``FILE.ann/`` beside a vectors file)."""
        from .ann import index_path

        if self.ann_index is None:
            raise ParameterError("save_index: no approximate index; call build_index first")
        self.ann_index.save(index_path(path))

    def load_index(self, path):
        """Load and use the index saved beside the model ``path`` (or the index folder
        itself), checked against these vectors. Returns it."""
        from .ann import ApproximateIndex, index_path, is_index

        folder = Path(path) if is_index(path) else index_path(path)
        self.ann_index = ApproximateIndex.load(folder, self.get_normed_vectors())  # kept as it was if refused
        return self.ann_index

    def _index_for(self, approximate, topn, restrict_vocab):
        """The index a query should use, or None for exact search."""
        if approximate is not None and not isinstance(approximate, (bool, np.bool_)):
            raise ParameterError(f"approximate={approximate!r} is invalid: must be True, False or None")
        if approximate is False:
            return None
        if self.ann_index is not None:
            self.get_normed_vectors()  # drops the index if the vectors changed since it was built
        usable = self.ann_index is not None and topn is not None and self._limit(restrict_vocab) == len(self)
        if approximate and not usable:
            why = ("no approximate index: call build_index or load_index" if self.ann_index is None
                   else "the approximate index answers top-n queries over the whole vocabulary only "
                        "(topn=None and restrict_vocab need exact search)")
            raise ParameterError(f"approximate=True: {why}")
        return self.ann_index if usable else None

    def _rank_approximate(self, ann, query: np.ndarray, exclude, topn: int):
        ex = set(exclude)
        rows, scores = ann.search(query, topn + len(ex))
        return [(self.index_to_key[j], float(s)) for j, s in zip(rows[0], scores[0])
                if j >= 0 and j not in ex][:topn]

    def _limit(self, restrict_vocab) -> int:
        if restrict_vocab is None:
            return len(self)
        check_int("restrict_vocab", restrict_vocab, 1, none_ok=True)
        return min(int(restrict_vocab), len(self))


    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write a vectors-only native folder (atomic; ``.npy`` + TSV, no pickle). Keys must
        be all str or all int; which one is recorded, so ``load`` gives the same keys back."""
        from ..formats.native import save_vectors

        save_vectors(path, self.index_to_key, self.vectors, self.counts)

    @classmethod
    def load(cls, path, mmap: bool = False):
        """Load a native model or vectors folder, or a word2vec C-format file (text or binary)."""
        from ..formats.native import is_native_model, load_vectors

        if is_native_model(path):
            return cls(*load_vectors(path, mmap=mmap))
        if Path(path).is_dir():
            raise ModelFormatError(f"{path}: a folder but not a wordvec model (no config.json)")
        return cls.load_word2vec_format(path)

    @classmethod
    def load_word2vec_format(cls, path, binary: bool | None = None, limit: int | None = None,
                             key_type: str = "str"):
        """Read the C tool's text or binary format (``binary=None``: detect which).
        The file holds keys as text: ``key_type="int"`` reads them back as int tags."""
        from ..formats.word2vec import read_word2vec

        check_choice("key_type", key_type, ("str", "int"))
        keys, vectors = read_word2vec(path, binary=binary, limit=limit)
        if key_type == "int":
            keys = _int_keys(path, keys)
        return cls(keys, vectors)

    def save_word2vec_format(self, path, binary: bool = False, top: int | None = None) -> None:
        """Write the C tool's text or binary format (atomic); int keys are written as text."""
        from ..formats.word2vec import write_word2vec

        write_word2vec(path, self.index_to_key, self.vectors, binary=binary, top=top, key_name=self._key_name)

    def save_projector_tsv(self, out_dir, top: int | None = None, counts_column: bool = False):
        """``vectors.tsv`` + ``metadata.tsv`` for the Embedding Projector (see ``formats.projector``)."""
        from ..formats.projector import write_tsv

        return write_tsv(out_dir, self.index_to_key, self.vectors, self.counts, top=top,
                         counts_column=counts_column, key_label=self._key_name)


def _int_keys(path, keys) -> list[int]:
    out = []
    for i, k in enumerate(keys):
        try:
            out.append(int(k))
        except ValueError:
            raise ModelFormatError(f"{path}: key #{i + 1} {k!r} is not an integer (key_type='int')") from None
    return out


class WordVectors(KeyedVectors):
    """Words (``index_to_key``, most frequent first) and their vectors (one row each)."""

    _key_name = "word"
    _missing = "not in vocabulary"

    def similar_by_word(self, word, topn: int | None = 10, restrict_vocab: int | None = None,
                        approximate: bool | None = None):
        return self.most_similar(word, topn=topn, restrict_vocab=restrict_vocab, approximate=approximate)

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


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; zero rows stay zero."""
    norms = np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]  # as np.linalg.norm, twice as fast
    return v / np.maximum(norms, np.float32(1e-30))
