"""Word2Vec: skip-gram or CBOW, negative sampling and/or hierarchical softmax.

The estimator holds its parameters and weights; the shared engine does the rest
(``models.base``: vocabulary, save/load; ``train.runner``: Hogwild threads, schedule,
checkpoints, callbacks, history). Each job's learning rate and random seed follow from its
position in the corpus alone, so one worker is bit-reproducible and the schedule is the same
however the run is split or resumed.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..kernels.tables import OutputTables, build_tables
from ..kernels.word2vec import cbow_job, skipgram_job
from ..text.corpus import STANDARDIZE_MODES
from ..train.runner import Job, TrainingInterrupted  # noqa: F401  (TrainingInterrupted: public here too)
from ..vectors.keyed import WordVectors
from ..vocab.vocabulary import Vocabulary
from .base import EmbeddingModel

PARAMS = (
    "vector_size", "window", "min_count", "sg", "hs", "negative", "ns_exponent", "cbow_mean",
    "alpha", "min_alpha", "sample", "epochs", "workers", "seed", "max_vocab_size",
    "max_final_vocab", "standardize", "max_sentence_length", "batch_words",
)


def _check(name, value, ok: bool, allowed: str):
    if not ok:
        raise ParameterError(f"{name}={value!r} is invalid: must be {allowed}")


class Word2Vec(EmbeddingModel):
    """word2vec: skip-gram or CBOW, negative sampling and/or hierarchical softmax.

    Parameters follow gensim's names and the C tool's defaults. Train with
    ``Word2Vec(...).fit(corpus)``; the vectors are then in ``model.wv``.

    ``corpus`` is a path (a text file, a folder of them, .gz/.bz2) with one sentence per
    line, or a re-iterable of sentences (lists of str tokens).
    """

    MODEL_NAME = "word2vec"
    PARAMS = PARAMS

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        sg: bool = True,
        hs: bool = False,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: bool = True,
        alpha: float | None = None,
        min_alpha: float = 0.0001,
        sample: float = 1e-3,
        epochs: int = 5,
        workers: int | None = None,
        seed: int = 1,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        standardize: str = "lower_strip_punctuation",
        max_sentence_length: int = 10000,
        batch_words: int = 10000,
        report_seconds: float = 1.0,
    ):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.sg = sg
        self.hs = hs
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.cbow_mean = cbow_mean
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.sample = sample
        self.epochs = epochs
        self.workers = workers
        self.seed = seed
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.standardize = standardize
        self.max_sentence_length = max_sentence_length
        self.batch_words = batch_words
        self.report_seconds = report_seconds
        self._init_state()
        self.wv: WordVectors | None = None
        self.syn1neg = self.syn1 = None

    # ------------------------------------------------------------------ parameters
    @property
    def effective_alpha(self) -> float:
        return float(self.alpha) if self.alpha is not None else (0.025 if self.sg else 0.05)

    def validate(self) -> None:
        """Raise ParameterError naming the first parameter outside its allowed range."""
        def is_int(v):
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

        def is_num(v):
            # Integers are finite (and may be too large for math.isfinite).
            return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and (
                is_int(v) or math.isfinite(v))

        for flag in ("sg", "hs", "cbow_mean"):  # 0/1 as gensim; anything else is a mistake
            v = getattr(self, flag)
            _check(flag, v, isinstance(v, (bool, np.bool_)) or (is_int(v) and v in (0, 1)), "True or False (or 1 or 0)")
        _check("vector_size", self.vector_size, is_int(self.vector_size) and 1 <= self.vector_size <= 100_000, "an integer in [1, 100000]")
        _check("window", self.window, is_int(self.window) and 1 <= self.window <= 1000, "an integer in [1, 1000]")
        _check("min_count", self.min_count, is_int(self.min_count) and self.min_count >= 1, "an integer >= 1")
        _check("negative", self.negative, is_int(self.negative) and 0 <= self.negative <= 1000, "an integer in [0, 1000]")
        if not self.hs and self.negative == 0:
            raise ParameterError("negative=0 and hs=False leave nothing to train: use negative sampling (negative >= 1), hierarchical softmax (hs=True), or both")
        _check("ns_exponent", self.ns_exponent, is_num(self.ns_exponent) and -10 <= self.ns_exponent <= 10, "a number in [-10, 10]")
        if self.alpha is not None:
            _check("alpha", self.alpha, is_num(self.alpha) and 0 < self.alpha <= 10, "a number in (0, 10]")
        _check("min_alpha", self.min_alpha, is_num(self.min_alpha) and 0 <= self.min_alpha <= self.effective_alpha, f"a number in [0, alpha={self.effective_alpha}]")
        _check("sample", self.sample, is_num(self.sample) and 0 <= self.sample <= 1, "a number in [0, 1] (0 disables subsampling)")
        _check("epochs", self.epochs, is_int(self.epochs) and 1 <= self.epochs <= 100_000, "an integer >= 1")
        if self.workers is not None:
            _check("workers", self.workers, is_int(self.workers) and 1 <= self.workers <= 1024, "an integer in [1, 1024]")
        _check("seed", self.seed, is_int(self.seed) and 0 <= self.seed < 2**64, "an integer in [0, 2**64)")
        if self.max_vocab_size is not None:
            _check("max_vocab_size", self.max_vocab_size, is_int(self.max_vocab_size) and self.max_vocab_size >= 1, "an integer >= 1 or None")
        if self.max_final_vocab is not None:
            _check("max_final_vocab", self.max_final_vocab, is_int(self.max_final_vocab) and self.max_final_vocab >= 1, "an integer >= 1 or None")
        _check("standardize", self.standardize, self.standardize in STANDARDIZE_MODES, "one of " + ", ".join(STANDARDIZE_MODES))
        _check("max_sentence_length", self.max_sentence_length, is_int(self.max_sentence_length) and self.max_sentence_length >= 1, "an integer >= 1")
        _check("batch_words", self.batch_words, is_int(self.batch_words) and self.batch_words >= 1, "an integer >= 1")
        _check("report_seconds", self.report_seconds, is_num(self.report_seconds) and self.report_seconds > 0, "a number > 0")

    # ------------------------------------------------------------------ vocabulary
    def _set_vocab(self, vocab: Vocabulary) -> None:
        self.vocab_ = vocab
        self.tables_: OutputTables = build_tables(vocab.counts, self.sample, self.negative, self.ns_exponent,
                                                  bool(self.hs))

    def _init_weights(self) -> None:
        v, d = len(self.vocab_), self.vector_size
        rng = np.random.default_rng(self.seed)
        # Inputs uniform in [-1, 1) / dim as gensim (the C tool uses half that: measured on
        # Wikipedia, the wider start gains 0.3 (skip-gram) to 0.7 (CBOW) analogy points
        # after one epoch); outputs start at zero.
        syn0 = (rng.random((v, d), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(d)
        self.syn1neg = np.zeros((v, d), np.float32) if self.negative > 0 else None
        self.syn1 = np.zeros((max(v - 1, 1), d), np.float32) if self.hs else None
        self.wv = WordVectors(self.vocab_.words, syn0, self.vocab_.counts)

    # ------------------------------------------------------------------ training
    def run_job(self, job: Job) -> tuple[float, int, int]:
        """One job through the skip-gram or CBOW kernel: (loss_sum, loss_terms, effective_words)."""
        syn0 = self.wv.vectors
        dummy = self._dummy_outputs()
        syn1 = self.syn1 if self.syn1 is not None else dummy
        syn1neg = self.syn1neg if self.syn1neg is not None else dummy
        if self.sg:
            return skipgram_job(job.tokens, job.bounds, syn0, syn1, syn1neg, self.tables_, self.window,
                                self.negative, bool(self.hs), job.alpha0, job.alpha1, job.seed)
        return cbow_job(job.tokens, job.bounds, syn0, syn1, syn1neg, self.tables_, self.window, self.negative,
                        bool(self.hs), bool(self.cbow_mean), job.alpha0, job.alpha1, job.seed)

    def _dummy_outputs(self) -> np.ndarray:
        """A one-row stand-in for an output layer the model does not train (typed as the real one)."""
        d = getattr(self, "_dummy", None)
        if d is None or d.shape[1] != self.vector_size:
            d = self._dummy = np.zeros((1, self.vector_size), np.float32)
        return d

    # ------------------------------------------------------------------ queries
    def predict_output_word(self, context_words, topn: int = 10, method: str | None = None):
        """The likeliest centre words for ``context_words`` (see ``wordvec.vectors.prediction``)."""
        from ..vectors.prediction import predict_output_word

        return predict_output_word(self, context_words, topn, method=method)

    # ------------------------------------------------------------------ persistence
    def trained_arrays(self) -> dict:
        return {"vectors": self.wv.vectors, "syn1neg": self.syn1neg, "syn1": self.syn1}

    def required_arrays(self) -> tuple[str, ...]:
        """The arrays training needs (a resume refuses a folder without them)."""
        return ("vectors",) + (("syn1neg",) if self.negative > 0 else ()) + (("syn1",) if self.hs else ())

    def _restore_arrays(self, vocab: Vocabulary, arrays: dict, for_training: bool) -> None:
        self.wv = WordVectors(vocab.words, arrays["vectors"], vocab.counts)
        self.syn1neg = arrays.get("syn1neg") if (self.negative > 0 or not for_training) else None
        self.syn1 = arrays.get("syn1") if (self.hs or not for_training) else None
