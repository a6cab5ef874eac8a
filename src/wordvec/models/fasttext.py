"""FastText: word2vec with subword information (Bojanowski et al. 2017): a word's input
vector is the mean of its own row and the rows of its character n-grams (``<word>`` cut
into ``min_n``..``max_n`` characters, hashed into ``bucket`` rows with fastText's hash), so
rare and unseen words get vectors from their spelling.

Built on the shared engine as ``Word2Vec`` (vocabulary, Hogwild job runner, schedule,
checkpoints, callbacks, saving); the kernels are ``kernels.fasttext``. With ``max_n=0``
(no n-grams) it trains exactly as ``Word2Vec`` with the same parameters. After training,
``model.wv`` is a ``FastTextKeyedVectors``: ``wv["unseenword"]`` works.
"""
from __future__ import annotations

import numpy as np

from ..kernels.fasttext import fasttext_cbow_job, fasttext_sg_job
from ..params import check_int, invalid
from ..train.runner import Job
from ..vectors.fasttext import FastTextKeyedVectors
from ..vocab.vocabulary import Vocabulary
from .word2vec import PARAMS as W2V_PARAMS, Word2Vec

PARAMS = W2V_PARAMS + ("min_n", "max_n", "bucket")
_CHUNK = 1 << 16  # n-gram rows initialised this many at a time (no temporary of the whole matrix)


class FastText(Word2Vec):
    """fastText's unsupervised word vectors (skip-gram or CBOW with character n-grams),
    with gensim's parameter names and its FastText defaults (CBOW, alpha 0.025, n-grams of
    3 to 6 characters in 2,000,000 buckets). ``FastText(...).fit(corpus)``; then ``model.wv``."""

    MODEL_NAME = "fasttext"
    PARAMS = PARAMS

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        sg: bool = False,
        hs: bool = False,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: bool = True,
        alpha: float | None = 0.025,
        min_alpha: float = 0.0001,
        sample: float = 1e-3,
        epochs: int = 5,
        workers: int | None = None,
        seed: int = 1,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        standardize: str = "lower_strip_punctuation",
        tokenizer=None,
        max_sentence_length: int = 10000,
        batch_words: int = 10000,
        min_n: int = 3,
        max_n: int = 6,
        bucket: int = 2_000_000,
        report_seconds: float = 1.0,
    ):
        self._set_params(locals())
        self.wv: FastTextKeyedVectors | None = None
        self.syn1neg = self.syn1 = None

    def validate(self) -> None:
        check_int("max_n", self.max_n, 0, 100, allowed="an integer in [0, 100] (0: no n-grams, plain word2vec)")
        check_int("min_n", self.min_n, 1, 100, allowed="an integer in [1, 100]")
        if self.max_n and self.min_n > self.max_n:
            raise invalid("min_n", self.min_n, f"<= max_n={self.max_n} (or max_n=0: no n-grams)")
        check_int("bucket", self.bucket, 1, 2**31 - 1, allowed="an integer in [1, 2**31 - 1]")
        super().validate()

    @property
    def n_buckets(self) -> int:
        """Rows of the n-gram matrix: ``bucket``, or none without n-grams."""
        return int(self.bucket) if self.max_n > 0 else 0

    # ------------------------------------------------------------------ weights
    def _init_weights(self) -> None:
        super()._init_weights()  # the word rows: the same random numbers as Word2Vec's
        d, b = self.vector_size, self.n_buckets
        ngrams = np.empty((b, d), np.float32)
        # The n-gram rows from their own stream, so the word rows are Word2Vec's whatever bucket is.
        rng = np.random.default_rng([int(self.seed), 0x6E6772])
        for start in range(0, b, _CHUNK):
            part = ngrams[start:start + _CHUNK]
            rng.random(dtype=np.float32, out=part)
            part *= np.float32(2.0)
            part -= np.float32(1.0)
            part /= np.float32(d)
        self._make_wv(self.vocab_, self.wv.vectors, ngrams)

    def _make_wv(self, vocab: Vocabulary, vectors_vocab, ngrams, vectors=None) -> None:
        wv = FastTextKeyedVectors(vocab.words, vectors if vectors is not None else vectors_vocab, vocab.counts,
                                  vectors_vocab, ngrams, self.min_n, self.max_n)
        if vectors is None:
            wv.adjust_vectors()
        self.wv = wv
        self.ngram_ptr_, self.ngram_rows_ = wv.vocab_ngrams()

    # ------------------------------------------------------------------ training
    def _input_rows(self) -> np.ndarray:
        return self.wv.vectors_vocab

    def run_job(self, job: Job) -> tuple[float, int, int]:
        """One job through the subword skip-gram or CBOW kernel."""
        wv = self.wv
        dummy = self._dummy_outputs()
        syn1 = self.syn1 if self.syn1 is not None else dummy
        syn1neg = self.syn1neg if self.syn1neg is not None else dummy
        if not self.ngram_rows_.size:  # no n-grams: word2vec's own drivers, exactly
            return super().run_job(job)
        if self.sg:
            # Each sentence position's mean of rows is built once (kernels/fasttext.py).
            return fasttext_sg_job(job.tokens, job.bounds, wv.vectors_vocab, wv.vectors_ngrams, self.ngram_ptr_,
                                   self.ngram_rows_, syn1, syn1neg, self.tables_, self.window, self.negative,
                                   bool(self.hs), job.alpha0, job.alpha1, job.seed)
        return fasttext_cbow_job(job.tokens, job.bounds, wv.vectors_vocab, wv.vectors_ngrams, self.ngram_ptr_,
                                 self.ngram_rows_, syn1, syn1neg, self.tables_, self.window, self.negative,
                                 bool(self.hs), bool(self.cbow_mean), job.alpha0, job.alpha1, job.seed)

    # ------------------------------------------------------------------ persistence
    def trained_arrays(self) -> dict:
        """The arrays saved; ``vectors`` (each word's mean of its rows) is brought up to date
        first, so every save, checkpoint and epoch's end sees the vectors trained so far."""
        if self.wv.vectors_vocab.flags.writeable:
            self.wv.adjust_vectors()
        return {"vectors": self.wv.vectors, "vectors_vocab": self.wv.vectors_vocab,
                "vectors_ngrams": self.wv.vectors_ngrams, "syn1neg": self.syn1neg, "syn1": self.syn1}

    def required_arrays(self) -> tuple[str, ...]:
        return ("vectors_vocab", "vectors_ngrams") + super().required_arrays()

    def drop_weights(self) -> None:
        super().drop_weights()
        self.ngram_ptr_ = self.ngram_rows_ = None

    def config(self) -> dict:
        cfg = super().config()
        cfg["n_buckets"] = self.n_buckets
        return cfg

    def _restore_arrays(self, vocab: Vocabulary, arrays: dict, for_training: bool, source=None) -> None:
        from ..errors import ModelFormatError

        for name in ("vectors_vocab", "vectors_ngrams"):
            if name not in arrays:
                raise ModelFormatError(f"{source}: no {name}.npy; not a fastText model")
        if arrays["vectors_ngrams"].shape[0] != self.n_buckets:
            raise ModelFormatError(f"{source}: vectors_ngrams.npy has {arrays['vectors_ngrams'].shape[0]:,} rows; "
                                   f"the parameters say {self.n_buckets:,}")
        super()._restore_arrays(vocab, arrays, for_training, source)
        self._make_wv(vocab, arrays["vectors_vocab"], arrays["vectors_ngrams"],
                      None if for_training else arrays["vectors"])

    # ------------------------------------------------------------------ export
    def save_facebook_model(self, path) -> None:
        """Facebook's ``.bin`` (fastText and gensim's ``load_facebook_model`` read it)."""
        from ..formats.fasttext import write_fasttext_bin

        write_fasttext_bin(path, self.wv.index_to_key, self.wv.counts, self.wv.vectors_vocab, self.wv.vectors_ngrams,
                           self.syn1neg if self.syn1neg is not None else self.syn1, min_n=self.min_n,
                           max_n=self.max_n, window=self.window, epochs=self.epochs, min_count=self.min_count,
                           negative=self.negative, hs=bool(self.hs), sg=bool(self.sg), sample=self.sample,
                           ntokens=getattr(getattr(self, "vocab_", None), "raw_words", None))
