"""What every embedding model shares: parameters, vocabulary, training through the job
runner, safe points, and one save/restore path for saved models and checkpoints.

A model subclasses ``EmbeddingModel`` and supplies only what is its own (see
docs/architecture.md, "How to add a model"):

- ``MODEL_NAME`` (recorded in config.json) and ``PARAMS`` (its ``__init__`` parameters);
- ``validate()``: the parameter checks (``wordvec.params``);
- ``_set_vocab(vocab)``: the lookup tables it needs for this vocabulary;
- ``_init_weights()``: fresh weights;
- ``run_job(job)``: one job through its kernel (``wordvec.train.runner.Job``);
- ``trained_arrays()``, ``required_arrays()`` and ``_restore_arrays(...)``: the arrays it saves,
  those training needs, and how to put them back.
"""
from __future__ import annotations

import os
import tempfile
import weakref
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import make_scratch, remove_scratch
from ..errors import ModelFormatError, ParameterError, WordvecError
from ..params import check, check_int, check_number
from ..text.corpus import Corpus
from ..text.standardize import MODES as STANDARDIZE_MODES, canonical_mode
from ..text.tokenizers import check_tokenizer, make_tokenizer
from ..train import runner
from ..train.schedule import Schedule
from ..vocab.encoding import encode_id_stream
from ..vocab.vocabulary import Vocabulary, build_vocabulary, encode_tokens


class EmbeddingModel:
    MODEL_NAME = ""
    PARAMS: tuple[str, ...] = ()

    def _set_params(self, values: dict) -> None:
        """``__init__``'s arguments become attributes of the same names (scikit-learn's
        rule: no conversion here), then everything is checked."""
        for name in self.PARAMS + ("report_seconds",):
            setattr(self, name, values[name])
        self._init_state()

    # Set by subclasses' __init__ through _set_params().
    def _init_state(self) -> None:
        self.validate()
        self.history_: list[dict] = []
        self.intervals_: list[dict] = []
        self.partial_epoch_: dict = {}  # sums over the jobs done in an interrupted epoch
        self._safe_point_calls: list = []
        self.epochs_done_ = 0
        self.jobs_done_ = 0  # jobs finished in the current epoch (for resume)
        self.encoded_ = None
        self.corpus_ = None

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep: bool = True) -> dict:
        return {p: getattr(self, p) for p in self.PARAMS}

    def set_params(self, **params) -> "EmbeddingModel":
        """Change parameters (scikit-learn's convention); all are checked again."""
        unknown = sorted(set(params) - set(self.PARAMS))
        if unknown:
            raise ParameterError(f"{unknown[0]}: not a parameter of {type(self).__name__}")
        old = self.get_params()
        for k, v in params.items():
            setattr(self, k, v)
        try:
            self.validate()
        except ParameterError:
            for k, v in old.items():
                setattr(self, k, v)
            raise
        return self

    @property
    def effective_workers(self) -> int:
        return int(self.workers) if self.workers is not None else max(1, os.cpu_count() or 1)

    def validate(self) -> None:  # pragma: no cover - every model defines its own
        raise NotImplementedError

    def validate_shared(self) -> None:
        """The checks of the parameters every model on the engine has (window, sampling,
        schedule, vocabulary, reading); a model's ``validate`` checks its own, then calls this."""
        check_int("vector_size", self.vector_size, 1, 100_000)
        check_int("window", self.window, 1, 1000)
        check_int("min_count", self.min_count, 1)
        check_int("negative", self.negative, 0, 1000)
        if not self.hs and self.negative == 0:
            raise ParameterError("negative=0 and hs=False leave nothing to train: use negative sampling (negative >= 1), hierarchical softmax (hs=True), or both")
        check_number("ns_exponent", self.ns_exponent, -10, 10)
        check_number("min_alpha", self.min_alpha, 0, self.effective_alpha, allowed=f"a number in [0, alpha={self.effective_alpha}]")
        check_number("sample", self.sample, 0, 1, allowed="a number in [0, 1] (0 disables subsampling)")
        check_int("epochs", self.epochs, 1, 100_000, allowed="an integer >= 1")
        check_int("workers", self.workers, 1, 1024, none_ok=True, allowed="an integer in [1, 1024]")
        check_int("seed", self.seed, 0, 2**64 - 1, allowed="an integer in [0, 2**64)")
        check_int("max_vocab_size", self.max_vocab_size, 1, none_ok=True)
        check_int("max_final_vocab", self.max_final_vocab, 1, none_ok=True)
        # Aliases (TensorFlow's "lower_and_strip_punctuation", None) are kept as their canonical
        # name, so a saved config names the mode the reader used.
        mode = canonical_mode(self.standardize)
        check("standardize", self.standardize, mode is not None, "one of " + ", ".join(STANDARDIZE_MODES))
        self.standardize = mode
        check_tokenizer(self.tokenizer)
        check_int("max_sentence_length", self.max_sentence_length, 1)
        check_int("batch_words", self.batch_words, 1)
        check_number("report_seconds", self.report_seconds, 0, low_open=True)

    # ------------------------------------------------------------------ vocabulary
    def _make_corpus(self, corpus) -> Corpus:
        if getattr(self.tokenizer, "spec", None) == "phrases":  # a Phrases never saved
            raise ParameterError("tokenizer: save the phrase table first (phrases.save(PATH)) so the model "
                                 "can record it, or pass tokenizer='phrases:PATH'")
        return corpus if isinstance(corpus, Corpus) else Corpus(corpus, self.standardize, self.tokenizer)

    def build_vocab(self, corpus):
        """Count the corpus, choose the vocabulary, encode the corpus to a scratch file
        and initialise the weights."""
        self.validate()
        corpus = self._make_corpus(corpus)
        self.corpus_ = corpus
        try:
            scratch, lock = make_scratch()
        except OSError as e:
            raise WordvecError(f"{tempfile.gettempdir()}: cannot create a scratch folder ({e.strerror or e}); "
                               "point TMPDIR to a writable folder") from None
        self._scratch_finalizer = weakref.finalize(self, remove_scratch, scratch, lock)
        ids_path = scratch / "ids.i32"
        try:  # corpus read errors are CorpusErrors: an OSError here is the scratch folder's
            with open(ids_path, "wb") as raw:
                vocab, remap = build_vocabulary(
                    corpus, self.min_count, self.max_vocab_size, self.max_final_vocab, raw_ids=raw
                )
            if remap is None:  # pruning forgot counts: encode again with the final vocabulary
                with open(ids_path, "wb") as raw:
                    encode_tokens(vocab, corpus, raw)
            self.encoded_ = encode_id_stream(ids_path, remap, scratch, self.max_sentence_length)
            os.remove(ids_path)
        except OSError as e:
            self._scratch_finalizer()
            raise WordvecError(
                f"{scratch}: cannot write the encoded corpus ({e.strerror or e}); "
                "point TMPDIR to a folder with more space") from None
        except BaseException:  # a corpus error, Ctrl-C, SIGTERM: the scratch folder goes with it
            self._scratch_finalizer()
            raise
        self._corpus_encoded()
        self._set_vocab(vocab)
        self._init_weights()
        self.epochs_done_ = 0
        self.jobs_done_ = 0
        return self

    def _corpus_encoded(self) -> None:
        """Called once the corpus is counted and encoded, before the weights exist: a model
        that needs more of the corpus than its words (doc2vec: which document each
        sentence is) takes it here from ``self.corpus_`` and ``self.encoded_``."""

    # ------------------------------------------------------------------ training
    def fit(self, corpus, callbacks=(), progress: bool = False):
        """Build the vocabulary from ``corpus`` and train for ``epochs`` epochs."""
        self.build_vocab(corpus)
        return self.train(callbacks=callbacks, progress=progress)

    def train(self, callbacks=(), progress: bool = False):
        """Run the remaining epochs (all of them on a fresh model, the rest after resume)."""
        if getattr(self, "encoded_", None) is None:
            raise WordvecError("train: call build_vocab(corpus) or fit(corpus) first")
        self.validate()
        runner.train(self, callbacks, progress)
        return self

    def schedule(self) -> Schedule:
        return Schedule(self.encoded_.n_tokens, self.epochs, self.effective_alpha, self.min_alpha, self.seed)

    @property
    def progress_total_(self) -> int:
        return self.encoded_.n_tokens * self.epochs

    @property
    def progress_start_(self) -> int:
        return self.epochs_done_ * self.encoded_.n_tokens + runner.words_in_done_jobs(self)

    def at_next_safe_point(self, fn) -> None:
        """During training, call ``fn(model)`` at the next job boundary: workers paused, no
        job half done, and weights, ``epochs_done_``, ``jobs_done_`` and ``partial_epoch_``
        consistent, so a checkpoint written then resumes exactly (see ``wordvec.train.checkpoint``)."""
        self._safe_point_calls.append(fn)

    def has_safe_point_calls(self) -> bool:
        return bool(self._safe_point_calls)

    def run_safe_point_calls(self) -> None:
        calls, self._safe_point_calls = self._safe_point_calls, []
        for fn in calls:
            fn(self)

    def clear_safe_point_calls(self) -> None:
        self._safe_point_calls = []

    def drop_weights(self) -> None:
        """Let go of the trained arrays (before reading saved ones: memory stays one model).
        Models with more arrays than word2vec's extend this."""
        self.wv = self.syn1neg = self.syn1 = None

    # ------------------------------------------------------------------ persistence
    def config(self) -> dict:
        return {
            "wordvec_version": __version__,
            "model": self.MODEL_NAME,
            "vector_size": self.vector_size,
            "params": self.saved_params(),
            "epochs_done": getattr(self, "epochs_done_", 0),
            "history": self.history_,
            "corpus": self.corpus_.describe() if getattr(self, "corpus_", None) is not None else None,
            "raw_words": getattr(getattr(self, "vocab_", None), "raw_words", None),
        }

    def saved_params(self) -> dict:
        """The parameters as config.json holds them: a tokenizer object by its spec string."""
        params = self.get_params()
        if params.get("tokenizer") is not None:
            params["tokenizer"] = make_tokenizer(params["tokenizer"]).spec
        return params

    def save(self, path) -> None:
        """Write the model folder atomically (see ``wordvec.formats.native``)."""
        if self.wv is None:
            raise WordvecError("save: the model has no vectors yet; train it first")
        self.write_folder(path, self.config())

    def write_folder(self, path, config: dict, extra: dict | None = None) -> None:
        """The one writer of model folders (``save`` and checkpoints): vocabulary, the
        trained arrays and, for a model with document vectors, its tags (``extra``: a
        trainer's own resume state, see ``save_model_dir``)."""
        from ..formats.native import save_model_dir

        save_model_dir(path, config, self.wv.index_to_key, self.wv.counts, self.trained_arrays(), self.saved_tags(),
                       extra)

    def saved_tags(self):
        """(tags, document counts) to save beside the arrays, or None (word models)."""
        return None

    @classmethod
    def from_config(cls, cfg: dict, where: Path, **overrides):
        """A fresh model with the parameters saved in ``cfg`` (``overrides`` replace some)."""
        params = cfg.get("params")
        if not isinstance(params, dict):
            raise ModelFormatError(f"{where}: no training parameters; not a checkpoint of a trained model")
        params = {k: v for k, v in params.items() if k in cls.PARAMS}
        params.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**params)
        except (ParameterError, TypeError) as e:
            raise ModelFormatError(f"{where}: bad parameters ({e})") from None

    @classmethod
    def load(cls, path, mmap: bool = False):
        """Load a model folder (``mmap=True`` maps the arrays read-only instead of reading them)."""
        from ..formats.native import load_model_dir

        cfg, words, counts, arrays = load_model_dir(path, mmap=mmap)
        where = Path(path) / "config.json"
        model = cls.from_config({"params": {}, **cfg}, where)
        # The sampling tables and Huffman tree need the counts of a trained vocabulary.
        if not words or counts.sum() <= 0 or (np.diff(counts) > 0).any():
            raise ModelFormatError(
                f"{Path(path) / 'vocab.tsv'}: counts must be > 0 in total and in descending order; not a trained model")
        vocab = Vocabulary(words, counts, raw_words=int(cfg.get("raw_words") or counts.sum()))
        model.restore(vocab, arrays, cfg.get("history", []), int(cfg.get("epochs_done", model.epochs)),
                      source=Path(path))
        return model

    def restore(self, vocab: Vocabulary, arrays: dict, history: list, epochs_done: int,
                jobs_done: int = 0, partial_epoch: dict | None = None, for_training: bool = False,
                source=None) -> None:
        """Put saved state back: the one path behind ``load`` and ``checkpoint.resume``.
        ``for_training`` requires the arrays training needs and makes private writable copies."""
        if for_training:
            for name in self.required_arrays():
                if name not in arrays:
                    raise ModelFormatError(
                        f"{source}: no {name}.npy; a model saved without its output weights cannot be resumed")
            # Training writes into these arrays: they must be private, writable, C-ordered copies.
            arrays = {k: np.require(v, np.float32, ["C_CONTIGUOUS", "WRITEABLE", "OWNDATA"]) for k, v in arrays.items()}
        else:
            self.vocab_ = vocab
            self._set_vocab(vocab)
        self._restore_arrays(vocab, arrays, for_training, source)
        self.history_ = [dict(h) for h in history]
        self.epochs_done_ = epochs_done
        self.jobs_done_ = jobs_done
        self.partial_epoch_ = dict(partial_epoch or {}) if jobs_done else {}
