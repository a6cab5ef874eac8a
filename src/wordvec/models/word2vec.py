"""Word2Vec: skip-gram or CBOW, negative sampling and/or hierarchical softmax.

The estimator holds its parameters and weights; the shared engine does the rest
(``models.base``: vocabulary, save/load; ``train.runner``: Hogwild threads, schedule,
checkpoints, callbacks, history). Each job's learning rate and random seed follow from its
position in the corpus alone, so one worker is bit-reproducible and the schedule is the same
however the run is split or resumed.
"""
from __future__ import annotations

import numpy as np

from ..kernels.tables import OutputTables, build_tables
from ..kernels.word2vec import cbow_job, skipgram_job
from ..params import check_flag, check_number
from ..train.runner import Job, TrainingInterrupted  # noqa: F401  (TrainingInterrupted: public here too)
from ..vectors.keyed import WordVectors
from ..vocab.vocabulary import Vocabulary
from .base import EmbeddingModel

PARAMS = (
    "vector_size", "window", "min_count", "sg", "hs", "negative", "ns_exponent", "cbow_mean",
    "alpha", "min_alpha", "sample", "epochs", "workers", "seed", "max_vocab_size",
    "max_final_vocab", "standardize", "tokenizer", "max_sentence_length", "batch_words",
)


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
        tokenizer=None,
        max_sentence_length: int = 10000,
        batch_words: int = 10000,
        report_seconds: float = 1.0,
    ):
        self._set_params(locals())
        self.wv: WordVectors | None = None
        self.syn1neg = self.syn1 = None

    # ------------------------------------------------------------------ parameters
    @property
    def effective_alpha(self) -> float:
        return float(self.alpha) if self.alpha is not None else (0.025 if self.sg else 0.05)

    def validate(self) -> None:
        """Raise ParameterError naming the first parameter outside its allowed range."""
        for flag in ("sg", "hs", "cbow_mean"):
            check_flag(flag, getattr(self, flag))
        check_number("alpha", self.alpha, 0, 10, low_open=True, none_ok=True, allowed="a number in (0, 10]")
        self.validate_shared()

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
        syn0 = self._input_rows()
        dummy = self._dummy_outputs()
        syn1 = self.syn1 if self.syn1 is not None else dummy
        syn1neg = self.syn1neg if self.syn1neg is not None else dummy
        if self.sg:
            return skipgram_job(job.tokens, job.bounds, syn0, syn1, syn1neg, self.tables_, self.window,
                                self.negative, bool(self.hs), job.alpha0, job.alpha1, job.seed)
        return cbow_job(job.tokens, job.bounds, syn0, syn1, syn1neg, self.tables_, self.window, self.negative,
                        bool(self.hs), bool(self.cbow_mean), job.alpha0, job.alpha1, job.seed)

    def _input_rows(self) -> np.ndarray:
        """The input layer the kernels train (FastText: its words' own rows)."""
        return self.wv.vectors

    def _dummy_outputs(self) -> np.ndarray:
        """A one-row stand-in for an output layer the model does not train (typed as the real one)."""
        d = getattr(self, "_dummy", None)
        if d is None or d.shape[1] != self.vector_size:
            d = self._dummy = np.zeros((1, self.vector_size), np.float32)
        return d

    # ------------------------------------------------------------------ queries
    def predict_output_word(self, context_words, topn: int = 10, method: str | None = None, standardize=False):
        """The likeliest centre words for ``context_words`` (see ``wordvec.vectors.prediction``;
        ``standardize=True``: standardise them as the training corpus was)."""
        from ..vectors.prediction import predict_output_word

        return predict_output_word(self, context_words, topn, method=method, standardize=standardize)

    # ------------------------------------------------------------------ persistence
    def trained_arrays(self) -> dict:
        return {"vectors": self.wv.vectors, "syn1neg": self.syn1neg, "syn1": self.syn1}

    def required_arrays(self) -> tuple[str, ...]:
        """The arrays training needs (a resume refuses a folder without them)."""
        return ("vectors",) + (("syn1neg",) if self.negative > 0 else ()) + (("syn1",) if self.hs else ())

    def _restore_arrays(self, vocab: Vocabulary, arrays: dict, for_training: bool, source=None) -> None:
        self.wv = WordVectors(vocab.words, arrays["vectors"], vocab.counts)
        self.syn1neg = arrays.get("syn1neg") if (self.negative > 0 or not for_training) else None
        self.syn1 = arrays.get("syn1") if (self.hs or not for_training) else None
