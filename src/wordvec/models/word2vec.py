"""Training: the Word2Vec model, driving the Numba kernels from plain Python threads.

The corpus is counted and encoded once (``build_vocab``); each epoch is then split into
jobs of about ``batch_words`` tokens that worker threads run through ``nogil`` kernels,
updating the shared weights without locks (Hogwild). Each job's learning rate and random
seed follow from its position in the corpus alone, so one worker is bit-reproducible and
the schedule is the same however the run is split or resumed.
"""
from __future__ import annotations

import math
import os
import queue
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path

import numpy as np

from .. import __version__
from ..train.callbacks import Callback, CallbackList, ProgressBar
from ..text.corpus import STANDARDIZE_MODES, Corpus
from ..vocab.encoding import EncodedCorpus, encode_id_stream
from ..errors import ParameterError, WordvecError
from ..kernels.huffman import build_huffman
from ..kernels.word2vec import cbow_job, skipgram_job
from ..kernels.sampling import alias_table, negative_distribution, seed_state, subsample_thresholds
from ..vectors.keyed import WordVectors
from ..vocab.vocabulary import Vocabulary, build_vocabulary, encode_tokens

PARAMS = (
    "vector_size", "window", "min_count", "sg", "hs", "negative", "ns_exponent", "cbow_mean",
    "alpha", "min_alpha", "sample", "epochs", "workers", "seed", "max_vocab_size",
    "max_final_vocab", "standardize", "max_sentence_length", "batch_words",
)


class TrainingInterrupted(WordvecError):
    """Training stopped early (Ctrl-C); the model holds the state reached so far."""


def _check(name, value, ok: bool, allowed: str):
    if not ok:
        raise ParameterError(f"{name}={value!r} is invalid: must be {allowed}")


def _epoch_totals(carried: dict, loss, terms, eff, words, seconds) -> tuple:
    """This run's sums for an epoch plus those carried over from before a resume."""
    return (loss + carried.get("loss_sum", 0.0), terms + carried.get("loss_terms", 0),
            eff + carried.get("effective_words", 0), words + carried.get("words", 0),
            seconds + carried.get("seconds", 0.0))


class Word2Vec:
    """word2vec: skip-gram or CBOW, negative sampling and/or hierarchical softmax.

    Parameters follow gensim's names and the C tool's defaults. Train with
    ``Word2Vec(...).fit(corpus)``; the vectors are then in ``model.wv``.

    ``corpus`` is a path (a text file, a folder of them, .gz/.bz2) with one sentence per
    line, or a re-iterable of sentences (lists of str tokens).
    """

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
        self.validate()
        self.history_: list[dict] = []
        self.intervals_: list[dict] = []
        self.partial_epoch_: dict = {}  # sums over the jobs done in an interrupted epoch
        self._safe_point_calls: list = []
        self.wv: WordVectors | None = None

    # ------------------------------------------------------------------ parameters
    @property
    def effective_alpha(self) -> float:
        return float(self.alpha) if self.alpha is not None else (0.025 if self.sg else 0.05)

    @property
    def effective_workers(self) -> int:
        return int(self.workers) if self.workers is not None else max(1, os.cpu_count() or 1)

    def get_params(self) -> dict:
        return {p: getattr(self, p) for p in PARAMS}

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
    def build_vocab(self, corpus) -> "Word2Vec":
        """Count the corpus, choose the vocabulary, encode the corpus to a scratch file
        and initialise the weights."""
        self.validate()
        if not isinstance(corpus, Corpus):
            corpus = Corpus(corpus, standardize=self.standardize)
        self.corpus_ = corpus
        scratch = Path(tempfile.mkdtemp(prefix="wordvec-"))
        self._scratch_finalizer = weakref.finalize(self, shutil.rmtree, scratch, True)
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
        self._set_vocab(vocab)
        self._init_weights()
        return self

    def _set_vocab(self, vocab: Vocabulary) -> None:
        self.vocab_ = vocab
        counts = vocab.counts
        self._keep = subsample_thresholds(counts, self.sample)
        if self.negative > 0:
            self._neg_thr, self._neg_alias = alias_table(negative_distribution(counts, self.ns_exponent))
        else:
            self._neg_thr, self._neg_alias = np.full(1, 1 << 32, np.int64), np.zeros(1, np.int32)
        if self.hs:
            self._codes, self._points, self._code_lengths = build_huffman(counts)
        else:
            self._codes, self._points, self._code_lengths = (
                np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))

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
        self.epochs_done_ = 0
        self.jobs_done_ = 0  # jobs finished in the current epoch (for resume)

    # ------------------------------------------------------------------ training
    def fit(self, corpus, callbacks=(), progress: bool = False) -> "Word2Vec":
        """Build the vocabulary from ``corpus`` and train for ``epochs`` epochs."""
        self.build_vocab(corpus)
        return self.train(callbacks=callbacks, progress=progress)

    @property
    def progress_total_(self) -> int:
        return self.encoded_.n_tokens * self.epochs

    @property
    def progress_start_(self) -> int:
        return self.epochs_done_ * self.encoded_.n_tokens + self._words_in_done_jobs()

    def _words_in_done_jobs(self) -> int:
        if self.jobs_done_ == 0:
            return 0
        jobs = self.encoded_.jobs(self.batch_words)
        return int(self.encoded_.offsets[jobs[self.jobs_done_ - 1, 1]])

    def train(self, callbacks=(), progress: bool = False) -> "Word2Vec":
        """Run the remaining epochs (all of them on a fresh model, the rest after resume)."""
        if getattr(self, "encoded_", None) is None:
            raise WordvecError("train: call build_vocab(corpus) or fit(corpus) first")
        self.validate()
        cbs = CallbackList(([ProgressBar()] if progress else []) + list(callbacks))
        for c in cbs.callbacks:
            if not isinstance(c, Callback):
                raise ParameterError(f"callbacks: {c!r} is not a wordvec.train.callbacks.Callback")
        cbs.on_train_begin(self)
        try:
            while self.epochs_done_ < self.epochs:
                logs = self._run_epoch(self.epochs_done_, cbs)
                self.history_.append(logs)
                self.epochs_done_ += 1
                self.jobs_done_ = 0
                self.partial_epoch_ = {}
                cbs.on_epoch_end(self, self.epochs_done_ - 1, logs)
                self._run_safe_point_calls()
        finally:
            self._safe_point_calls = []
            cbs.on_train_end(self)
        return self

    def at_next_safe_point(self, fn) -> None:
        """During training, call ``fn(model)`` at the next job boundary: workers paused, no
        job half done, and weights, ``epochs_done_``, ``jobs_done_`` and ``partial_epoch_``
        consistent, so a checkpoint written then resumes exactly (see ``wordvec.train.checkpoint``)."""
        self._safe_point_calls.append(fn)

    def _run_safe_point_calls(self) -> None:
        calls, self._safe_point_calls = self._safe_point_calls, []
        for fn in calls:
            fn(self)

    def _keep_partial(self, carried: dict, loss, terms, eff, words, seconds) -> None:
        """Remember the sums of the jobs done so far in this epoch (for a checkpoint)."""
        self.partial_epoch_ = dict(zip(
            ("loss_sum", "loss_terms", "effective_words", "words", "seconds"),
            _epoch_totals(carried, loss, terms, eff, words, seconds)))

    def _run_epoch(self, epoch: int, cbs: CallbackList) -> dict:
        enc = self.encoded_
        jobs = enc.jobs(self.batch_words)
        offsets = np.asarray(enc.offsets)
        n_total = enc.n_tokens * self.epochs
        alpha, min_alpha = self.effective_alpha, self.min_alpha
        syn0 = self.wv.vectors
        dummy = np.zeros((1, self.vector_size), np.float32)
        syn1 = self.syn1 if self.syn1 is not None else dummy
        syn1neg = self.syn1neg if self.syn1neg is not None else dummy
        start_job = self.jobs_done_
        carried = dict(self.partial_epoch_) if start_job else {}  # done before a resume
        next_job = [start_job]
        lock = threading.Lock()
        paused = [False]  # workers take no new job while a safe point is reached
        unpaused = threading.Condition(lock)
        stop = threading.Event()
        results: queue.Queue = queue.Queue()

        def lr_at(position):
            return alpha - (alpha - min_alpha) * (position / max(1, n_total))

        def work():
            try:
                with open(enc.tokens_path, "rb") as fh:
                    while not stop.is_set():
                        with lock:
                            while paused[0] and not stop.is_set():
                                unpaused.wait()
                            j = next_job[0]
                            next_job[0] += 1
                        if j >= len(jobs) or stop.is_set():
                            break
                        s0, s1 = int(jobs[j, 0]), int(jobs[j, 1])
                        t0, t1 = int(offsets[s0]), int(offsets[s1])
                        tokens = enc.read(t0, t1, fh)
                        bounds = offsets[s0 : s1 + 1] - t0
                        pos = epoch * enc.n_tokens
                        a0, a1 = lr_at(pos + t0), lr_at(pos + t1)
                        seed = np.uint64(seed_state(self.seed, epoch, j))
                        if self.sg:
                            out = skipgram_job(tokens, bounds, syn0, syn1, syn1neg, self._keep,
                                               self._neg_thr, self._neg_alias, self._codes, self._points,
                                               self._code_lengths, self.window, self.negative, bool(self.hs),
                                               a0, a1, seed)
                        else:
                            out = cbow_job(tokens, bounds, syn0, syn1, syn1neg, self._keep,
                                           self._neg_thr, self._neg_alias, self._codes, self._points,
                                           self._code_lengths, self.window, self.negative, bool(self.hs),
                                           bool(self.cbow_mean), a0, a1, seed)
                        results.put((j, t1 - t0, out[0], out[1], out[2], a1))
            except BaseException as e:  # surfaced in the main thread
                results.put(e)
            finally:
                results.put(None)

        n_workers = min(self.effective_workers, max(1, len(jobs) - start_job))
        threads = [threading.Thread(target=work, daemon=True, name=f"wordvec-{i}") for i in range(n_workers)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        done_words = self._words_in_done_jobs()
        finished = set()
        ep_loss, ep_terms, ep_eff, ep_words = 0.0, 0, 0, 0
        iv_loss, iv_terms, iv_words, iv_start = 0.0, 0, 0, started
        last_lr = lr_at(epoch * enc.n_tokens + done_words)
        alive = n_workers
        error = None
        safe_at = None  # jobs before this one are all taken; wait for them to finish
        try:
            while alive:
                try:
                    item = results.get(timeout=0.1)
                except queue.Empty:
                    item = False
                if item is None:
                    alive -= 1
                elif isinstance(item, BaseException):
                    error = error or item
                    stop.set()
                elif item is not False:
                    j, words, loss, terms, eff, last_lr = item
                    finished.add(j)
                    ep_loss += loss
                    ep_terms += terms
                    ep_eff += eff
                    ep_words += words
                    iv_loss += loss
                    iv_terms += terms
                    iv_words += words
                now = time.perf_counter()
                if iv_words and (now - iv_start >= self.report_seconds or not alive):
                    record = {
                        "epoch": epoch,
                        "words_done": epoch * enc.n_tokens + done_words + ep_words,
                        "loss": iv_loss / max(1, iv_terms),
                        "lr": last_lr,
                        "words_per_sec": iv_words / max(now - iv_start, 1e-9),
                    }
                    self.intervals_.append(record)
                    cbs.on_progress(self, record["words_done"], record["loss"], last_lr)
                    iv_loss, iv_terms, iv_words, iv_start = 0.0, 0, 0, now
                if self._safe_point_calls and safe_at is None and error is None:
                    with lock:
                        paused[0] = True
                        safe_at = min(next_job[0], len(jobs))
                if safe_at is not None and len(finished) >= safe_at - start_job:
                    self.jobs_done_ = safe_at
                    self._keep_partial(carried, ep_loss, ep_terms, ep_eff, ep_words, now - started)
                    self._run_safe_point_calls()
                    with lock:
                        paused[0] = False
                        unpaused.notify_all()
                    safe_at = None
        except KeyboardInterrupt:
            stop.set()
            with lock:
                unpaused.notify_all()
            for t in threads:
                t.join()
            # Count the jobs that finished after the interrupt, so resume repeats none.
            while not results.empty():
                item = results.get_nowait()
                if isinstance(item, tuple):
                    finished.add(item[0])
                    ep_words, ep_loss, ep_terms, ep_eff = (
                        ep_words + item[1], ep_loss + item[2], ep_terms + item[3], ep_eff + item[4])
            self._record_partial(start_job, finished)
            self._keep_partial(carried, ep_loss, ep_terms, ep_eff, ep_words, time.perf_counter() - started)
            raise TrainingInterrupted(
                f"training interrupted in epoch {epoch + 1} after {self.progress_start_} of {self.progress_total_} words"
            ) from None
        except BaseException:  # a callback or a checkpoint failed: no worker may go on alone
            stop.set()
            with lock:
                unpaused.notify_all()
            for t in threads:
                t.join()
            self._record_partial(start_job, finished)
            raise
        for t in threads:
            t.join()
        if error is not None:
            self._record_partial(start_job, finished)
            raise error
        ep_loss, ep_terms, ep_eff, ep_words, seconds = _epoch_totals(
            carried, ep_loss, ep_terms, ep_eff, ep_words, time.perf_counter() - started)
        return {
            "epoch": epoch,
            "loss": ep_loss / max(1, ep_terms),
            "loss_terms": ep_terms,
            "words": ep_words,
            "effective_words": ep_eff,
            "seconds": seconds,
            "words_per_sec": ep_words / max(seconds, 1e-9),
            "lr": last_lr,
        }

    def _record_partial(self, start_job: int, finished: set) -> None:
        """After a stop: the jobs done form a prefix from ``start_job`` (workers take jobs
        in order and finish the ones they hold), so resume can start right after it."""
        j = start_job
        while j in finished:
            j += 1
        self.jobs_done_ = j

    # ------------------------------------------------------------------ queries
    def predict_output_word(self, context_words, topn: int = 10, method: str | None = None):
        """The likeliest centre words for ``context_words`` (see ``wordvec.vectors.prediction``)."""
        from ..vectors.prediction import predict_output_word

        return predict_output_word(self, context_words, topn, method=method)

    # ------------------------------------------------------------------ persistence
    def config(self) -> dict:
        return {
            "wordvec_version": __version__,
            "model": "word2vec",
            "vector_size": self.vector_size,
            "params": self.get_params(),
            "epochs_done": getattr(self, "epochs_done_", 0),
            "history": self.history_,
            "corpus": self.corpus_.describe() if getattr(self, "corpus_", None) is not None else None,
            "raw_words": getattr(getattr(self, "vocab_", None), "raw_words", None),
        }

    def save(self, path) -> None:
        """Write the model folder atomically (see ``wordvec.formats.native``)."""
        from ..formats.native import save_model_dir

        if self.wv is None:
            raise WordvecError("save: the model has no vectors yet; train it first")
        save_model_dir(
            path,
            self.config(),
            self.wv.index_to_key,
            self.wv.counts,
            {"vectors": self.wv.vectors, "syn1neg": self.syn1neg, "syn1": self.syn1},
        )

    @classmethod
    def load(cls, path, mmap: bool = False) -> "Word2Vec":
        """Load a model folder (``mmap=True`` maps the arrays read-only instead of reading them)."""
        from ..errors import ModelFormatError
        from ..formats.native import load_model_dir

        cfg, words, counts, arrays = load_model_dir(path, mmap=mmap)
        params = {k: v for k, v in cfg.get("params", {}).items() if k in PARAMS}
        try:
            model = cls(**params)
        except (ParameterError, TypeError) as e:
            raise ModelFormatError(f"{Path(path) / 'config.json'}: bad parameters ({e})") from None
        model.history_ = list(cfg.get("history", []))
        model.vocab_ = Vocabulary(words, counts, raw_words=int(cfg.get("raw_words") or counts.sum()))
        model.wv = WordVectors(words, arrays["vectors"], counts)
        model.syn1neg = arrays.get("syn1neg")
        model.syn1 = arrays.get("syn1")
        model.epochs_done_ = int(cfg.get("epochs_done", model.epochs))
        model.jobs_done_ = 0
        model.encoded_ = None
        model.corpus_ = None
        # The sampling tables and Huffman tree need the counts of a trained vocabulary.
        if not words or counts.sum() <= 0 or (np.diff(counts) > 0).any():
            raise ModelFormatError(
                f"{Path(path) / 'vocab.tsv'}: counts must be > 0 in total and in descending order; not a trained model")
        model._set_vocab(model.vocab_)
        return model
