"""FastTextKeyedVectors: word vectors that also exist for words never seen, built from their
character n-grams (fastText, gensim's ``FastTextKeyedVectors``).

``vectors`` holds each vocabulary word's vector (the mean of its own row ``vectors_vocab``
and its n-gram rows), so every query of ``WordVectors`` works unchanged on the vocabulary;
a word outside it gets the mean of its n-gram rows of ``vectors_ngrams``. ``word in wv``
says whether a vector can be had (in the vocabulary, or at least one n-gram); a word with
none (shorter than ``min_n - 2`` characters, or no n-grams at all) is a KeyError.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelFormatError, ParameterError
from .keyed import WordVectors

EOS = "</s>"  # fastText's end-of-sentence word: never split into n-grams


def wrapped_words(words, eos_ngrams: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(buf, offsets): the UTF-8 bytes of ``<word>`` for each word, end to end (the input of
    ``kernels.fasttext.ngram_csr``); fastText's ``</s>`` gets an empty span (no n-grams)
    unless ``eos_ngrams`` (fastText before 0.2 split it too)."""
    parts = [b"" if w == EOS and not eos_ngrams else b"<" + w.encode("utf-8", "surrogatepass") + b">" for w in words]
    offsets = np.zeros(len(parts) + 1, np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    return np.frombuffer(b"".join(parts), np.uint8).copy(), offsets


def ngram_rows(words, min_n: int, max_n: int, bucket: int, eos_ngrams: bool = False):
    """(ptr, rows): word i's n-gram rows of the bucket matrix are rows[ptr[i]:ptr[i + 1]]."""
    from ..kernels.fasttext import ngram_csr

    buf, offsets = wrapped_words(words, eos_ngrams)
    if max_n <= 0 or bucket <= 0 or not len(words):
        return np.zeros(len(offsets), np.int64), np.zeros(0, np.int32)
    return ngram_csr(buf, offsets, int(min_n), int(max_n), int(bucket))


class FastTextKeyedVectors(WordVectors):
    """Vocabulary words and their vectors, plus the n-gram buckets that give a vector to any
    word with at least one n-gram (``wv["unseenword"]``, ``wv.most_similar("unseenword")``)."""

    def __init__(self, index_to_key, vectors, counts=None, vectors_vocab=None, vectors_ngrams=None,
                 min_n: int = 3, max_n: int = 6, ptr=None, rows=None, eos_ngrams: bool = False):
        super().__init__(index_to_key, vectors, counts)
        self.vectors_vocab = self.vectors if vectors_vocab is None else vectors_vocab
        dim = self.vectors.shape[1]
        self.vectors_ngrams = np.zeros((0, dim), np.float32) if vectors_ngrams is None else vectors_ngrams
        if self.vectors_ngrams.ndim != 2 or self.vectors_ngrams.shape[1] != dim:
            raise ParameterError(f"vectors_ngrams: expected (buckets, {dim}), found shape {self.vectors_ngrams.shape}")
        self.min_n, self.max_n = int(min_n), int(max_n)
        self._ptr, self._rows = ptr, rows
        self.eos_ngrams = bool(eos_ngrams)  # "</s>" split into n-grams (files of fastText before 0.2)

    @property
    def bucket(self) -> int:
        return int(self.vectors_ngrams.shape[0])

    def __repr__(self):
        return (f"{type(self).__name__}({len(self)} words x {self.vector_size} dims, {self.bucket:,} n-gram buckets, "
                f"n-grams {self.min_n}..{self.max_n})")

    # ------------------------------------------------------------------ n-grams
    def ngram_buckets(self, word: str) -> np.ndarray:
        """The bucket rows of ``word``'s n-grams (as fastText computes them for a word it has
        not seen: ``<word>`` cut into ``min_n``..``max_n`` characters)."""
        _, rows = ngram_rows([word], self.min_n, self.max_n, self.bucket, self.eos_ngrams)
        return rows

    def vocab_ngrams(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, rows) of every vocabulary word's n-grams, computed once."""
        if self._ptr is None:
            self._ptr, self._rows = ngram_rows(self.index_to_key, self.min_n, self.max_n, self.bucket,
                                                  self.eos_ngrams)
        return self._ptr, self._rows

    def adjust_vectors(self) -> None:
        """Recompute ``vectors`` (each word's mean of own and n-gram rows) from the rows trained."""
        from ..kernels.fasttext import compose_vectors

        if self.vectors is self.vectors_vocab or not self.vectors.flags.writeable:
            self.vectors = np.empty_like(self.vectors_vocab, dtype=np.float32)
        ptr, rows = self.vocab_ngrams()
        compose_vectors(np.ascontiguousarray(self.vectors_vocab), self.vectors_ngrams, ptr, rows, self.vectors)
        self._unit = None

    # ------------------------------------------------------------------ lookup
    def __contains__(self, word):
        if super().__contains__(word):
            return True
        return isinstance(word, str) and (word != EOS or self.eos_ngrams) and self.bucket > 0 and self.ngram_buckets(word).size > 0

    def _is_key(self, x) -> bool:
        return isinstance(x, str) or super()._is_key(x)

    def get_vector(self, word, norm: bool = False) -> np.ndarray:
        """The vector of a vocabulary word, or of any word from its n-grams (KeyError: none)."""
        if isinstance(word, str) and word in self.key_to_index:
            return super().get_vector(word, norm)
        rows = self.ngram_buckets(word) if isinstance(word, str) and (word != EOS or self.eos_ngrams) and self.bucket else np.zeros(0)
        if not rows.size:
            raise KeyError(f"word {word!r} not in vocabulary and has no n-grams to build a vector from") from None
        v = self.vectors_ngrams[rows].mean(axis=0, dtype=np.float32)
        return self._unit_query(v) if norm else v

    def __getitem__(self, keys):
        if self._is_key(keys):
            return self.get_vector(keys)
        keys = list(keys)
        if not keys:
            return np.empty((0, self.vector_size), np.float32)
        return np.stack([self.get_vector(k) for k in keys])

    def _oov_as_vectors(self, terms):
        """Terms for the queries of ``KeyedVectors``: words outside the vocabulary become their
        unit vectors (as gensim's), the rest are kept."""
        out = []
        for t in self._as_list(terms):
            weight = None
            if isinstance(t, tuple) and len(t) == 2 and not isinstance(t[1], str):
                t, weight = t
            if isinstance(t, str) and t not in self.key_to_index:
                t = self.get_vector(t, norm=True)
            out.append(t if weight is None else (t, weight))
        return out

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        if negative is None and isinstance(positive, str) and positive not in self.key_to_index:
            return self.similar_by_vector(self.get_vector(positive, norm=True), topn, restrict_vocab)
        return super().most_similar(self._oov_as_vectors(positive), self._oov_as_vectors(negative), topn, restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        return super().most_similar_cosmul(self._oov_as_vectors(positive), self._oov_as_vectors(negative), topn,
                                           restrict_vocab)

    def similarity(self, w1, w2) -> float:
        return float(self.get_vector(w1, norm=True) @ self.get_vector(w2, norm=True))

    def n_similarity(self, ws1, ws2) -> float:
        if not len(ws1) or not len(ws2):
            raise ParameterError("n_similarity: both word lists must be non-empty")
        return float(self.cosine_similarities(self[list(ws1)].mean(axis=0), self[list(ws2)].mean(axis=0)[None, :])[0])

    def doesnt_match(self, words):
        words = list(words)
        if not words:
            raise ParameterError("doesnt_match: give at least one word")
        vecs = np.stack([self.get_vector(w, norm=True) for w in words])
        return words[int(np.argmin(vecs @ self._unit_query(vecs.mean(axis=0))))]

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:  # pragma: no cover - a thin wrapper
        raise ParameterError("FastTextKeyedVectors.save: save the model (model.save(PATH)) or export it "
                             "(formats.fasttext.write_fasttext_bin); a vectors-only folder would lose the n-grams")

    @classmethod
    def load(cls, path, mmap: bool = False):
        """A fastText model folder of wordvec's, or Facebook's ``.bin`` file."""
        return load_word_vectors(path, mmap=mmap, fasttext_only=True)


def is_fasttext_folder(path) -> bool:
    from ..formats.native import is_native_model, read_config

    return is_native_model(path) and read_config(path).get("model") == "fasttext"


def from_native(path, mmap: bool = False) -> FastTextKeyedVectors:
    from ..formats.native import load_model_dir

    cfg, words, counts, arrays = load_model_dir(path, mmap=mmap)
    params = cfg.get("params", {})
    if "vectors_ngrams" not in arrays or "vectors_vocab" not in arrays:
        raise ModelFormatError(f"{path}: a fastText model without vectors_vocab.npy and vectors_ngrams.npy")
    return FastTextKeyedVectors(words, arrays["vectors"], counts, arrays["vectors_vocab"], arrays["vectors_ngrams"],
                                params.get("min_n", 3), params.get("max_n", 6))


def from_fasttext_bin(path, mmap: bool = True) -> FastTextKeyedVectors:
    """Vectors of Facebook's ``.bin`` (the n-gram matrix memory-mapped unless ``mmap=False``)."""
    from ..formats.fasttext import read_fasttext_bin

    m = read_fasttext_bin(path, mmap=mmap, output=False)
    ngrams = m["vectors_ngrams"] if m["max_n"] > 0 else m["vectors_ngrams"][:0]
    wv = FastTextKeyedVectors(m["words"], m["vectors_vocab"], m["counts"], m["vectors_vocab"], ngrams,
                              m["min_n"], m["max_n"], eos_ngrams=m["version"] == 0)
    wv.adjust_vectors()
    return wv


def load_word_vectors(path, mmap: bool = False, fasttext_only: bool = False):
    """Any word vectors wordvec reads: a fastText model folder or ``.bin`` (vectors for any
    word), else what ``WordVectors.load`` reads (native folders, word2vec C formats)."""
    from ..formats.fasttext import is_fasttext_bin

    if is_fasttext_folder(path):
        return from_native(path, mmap=mmap)
    if is_fasttext_bin(path):
        return from_fasttext_bin(path, mmap=mmap)
    if fasttext_only:
        raise ModelFormatError(f"{path}: neither a wordvec fastText model folder nor a fastText .bin file")
    return WordVectors.load(path, mmap=mmap)
