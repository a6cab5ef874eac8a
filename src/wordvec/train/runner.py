"""The job runner: Hogwild threads over one model's jobs, for every model.

An epoch is split into jobs of about ``batch_words`` tokens (whole sentences) of the encoded
corpus. Worker threads take jobs in order and run them through the model's ``nogil`` kernel
(``model.run_job(job)``), updating the shared weights without locks. The runner owns
everything else: the schedule (each job's learning rate and seed from its position),
safe points where workers pause so a checkpoint is exact, Ctrl-C accounting (the jobs done
form a prefix, so a resume repeats none), loss and progress intervals, callbacks and the
epoch's history record. A model needs no code of its own for any of these.

What a model provides (see ``wordvec.models.base.EmbeddingModel``): ``encoded_``,
``batch_words``, ``epochs``, ``effective_workers``, ``report_seconds``, ``schedule()``,
``run_job(job) -> (loss_sum, loss_terms, effective_words)``, and the training state
``epochs_done_``, ``jobs_done_``, ``partial_epoch_``, ``history_``, ``intervals_``.
"""
from __future__ import annotations

import math
import queue
import threading
import time
from typing import NamedTuple

import numpy as np

from ..errors import ParameterError, TrainingDiverged, WordvecError
from .callbacks import Callback, CallbackList, ProgressBar

_PARTIAL_KEYS = ("loss_sum", "loss_terms", "effective_words", "words", "seconds")


class TrainingInterrupted(WordvecError):
    """Training stopped early (Ctrl-C); the model holds the state reached so far."""


class Job(NamedTuple):
    """One job: sentences [s0, s1) of the encoded corpus, tokens [t0, t1) of the epoch."""

    epoch: int
    index: int
    tokens: np.ndarray  # int32 vocabulary rows
    bounds: np.ndarray  # sentence starts within ``tokens``, then len(tokens)
    s0: int
    s1: int
    t0: int
    alpha0: float
    alpha1: float
    seed: np.uint64


def _epoch_totals(carried: dict, loss, terms, eff, words, seconds) -> tuple:
    """This run's sums for an epoch plus those carried over from before a resume."""
    return (loss + carried.get("loss_sum", 0.0), terms + carried.get("loss_terms", 0),
            eff + carried.get("effective_words", 0), words + carried.get("words", 0),
            seconds + carried.get("seconds", 0.0))


def words_in_done_jobs(model) -> int:
    """Tokens of the epoch's jobs already done (``jobs_done_`` of them)."""
    if model.jobs_done_ == 0:
        return 0
    jobs = model.encoded_.jobs(model.batch_words)
    return int(model.encoded_.offsets[jobs[model.jobs_done_ - 1, 1]])


def diverged(model, epoch: int, what: str) -> TrainingDiverged:
    alpha = float(model.effective_alpha)
    return TrainingDiverged(
        f"training diverged in epoch {epoch + 1}: {what} became infinite or NaN (the learning rate alpha={alpha:g} "
        f"is too large for this corpus and model); train again with a smaller alpha (--alpha), e.g. {alpha / 10:g}")


def check_weights(model, epoch: int) -> None:
    """Every trained array finite, else ``TrainingDiverged``: run before a checkpoint or the
    end of an epoch, so diverged weights never reach a save (one pass over the weights, far
    less than an epoch's work). Hogwild threads may have spread NaN where no loss shows it."""
    for name, a in model.trained_arrays().items():
        # In blocks of rows: a whole-matrix test would allocate a mask as large as fastText's
        # 2,000,000 n-gram rows (200 MB).
        if a is not None and not all(np.isfinite(a[i:i + 65536]).all() for i in range(0, a.shape[0], 65536)):
            raise diverged(model, epoch, f"the weights ({name})")


def check_callbacks(callbacks, progress: bool) -> CallbackList:
    cbs = CallbackList(([ProgressBar()] if progress else []) + list(callbacks))
    for c in cbs.callbacks:
        if not isinstance(c, Callback):
            raise ParameterError(f"callbacks: {c!r} is not a wordvec.train.callbacks.Callback")
    return cbs


def train(model, callbacks=(), progress: bool = False) -> None:
    """Run the model's remaining epochs (all on a fresh model, the rest after a resume)."""
    cbs = check_callbacks(callbacks, progress)
    cbs.on_train_begin(model)
    try:
        while model.epochs_done_ < model.epochs:
            logs = EpochRun(model, model.epochs_done_, cbs).run()
            model.history_.append(logs)
            model.epochs_done_ += 1
            model.jobs_done_ = 0
            model.partial_epoch_ = {}
            cbs.on_epoch_end(model, model.epochs_done_ - 1, logs)
            model.run_safe_point_calls()
    finally:
        model.clear_safe_point_calls()
        cbs.on_train_end(model)


class EpochRun:
    """One epoch: worker threads take jobs, the calling thread gathers their results."""

    def __init__(self, model, epoch: int, cbs: CallbackList):
        self.model = model
        self.epoch = epoch
        self.cbs = cbs
        enc = model.encoded_
        self.enc = enc
        self.jobs = enc.jobs(model.batch_words)
        self.offsets = np.asarray(enc.offsets)
        self.schedule = model.schedule()
        self.start_job = model.jobs_done_
        self.carried = dict(model.partial_epoch_) if self.start_job else {}  # done before a resume
        self.next_job = self.start_job
        self.lock = threading.Lock()
        self.paused = False  # workers take no new job while a safe point is reached
        self.unpaused = threading.Condition(self.lock)
        self.stop = threading.Event()
        self.results: queue.Queue = queue.Queue()
        self.finished: set = set()
        self.sums = [0.0, 0, 0, 0]  # loss, terms, effective words, words of this run's jobs

    # ------------------------------------------------------------------ workers
    def _take_job(self) -> int:
        with self.lock:
            while self.paused and not self.stop.is_set():
                self.unpaused.wait()
            j = self.next_job
            self.next_job += 1
        return j

    def _job(self, j: int, fh) -> Job:
        s0, s1 = int(self.jobs[j, 0]), int(self.jobs[j, 1])
        t0, t1 = int(self.offsets[s0]), int(self.offsets[s1])
        a0, a1 = self.schedule.job_alphas(self.epoch, t0, t1)
        return Job(self.epoch, j, self.enc.read(t0, t1, fh), self.offsets[s0 : s1 + 1] - t0, s0, s1, t0, a0, a1,
                   self.schedule.job_seed(self.epoch, j))

    def _work(self) -> None:
        try:
            with open(self.enc.tokens_path, "rb") as fh:
                while not self.stop.is_set():
                    j = self._take_job()
                    if j >= len(self.jobs) or self.stop.is_set():
                        break
                    job = self._job(j, fh)
                    loss, terms, eff = self.model.run_job(job)
                    if not math.isfinite(loss):  # one float per job: divergence is noticed at once
                        raise diverged(self.model, self.epoch, "the loss")
                    self.results.put((j, len(job.tokens), loss, terms, eff, job.alpha1))
        except BaseException as e:  # surfaced in the main thread
            self.results.put(e)
        finally:
            self.results.put(None)

    def _release(self) -> None:
        with self.lock:
            self.paused = False
            self.unpaused.notify_all()

    def _join(self, threads) -> None:
        self.stop.set()
        self._release()
        for t in threads:
            t.join()

    # ------------------------------------------------------------------ bookkeeping
    def _add(self, item) -> int:
        j, words, loss, terms, eff, _ = item
        self.finished.add(j)
        s = self.sums
        s[0] += loss
        s[1] += terms
        s[2] += eff
        s[3] += words
        return words

    def _record_partial(self) -> None:
        """After a stop: the jobs done form a prefix from ``start_job`` (workers take jobs
        in order and finish the ones they hold), so resume can start right after it."""
        j = self.start_job
        while j in self.finished:
            j += 1
        self.model.jobs_done_ = j

    def _keep_partial(self, seconds: float) -> None:
        """Remember the sums of the jobs done so far in this epoch (for a checkpoint)."""
        loss, terms, eff, words = self.sums
        self.model.partial_epoch_ = dict(zip(_PARTIAL_KEYS, _epoch_totals(self.carried, loss, terms, eff, words, seconds)))

    # ------------------------------------------------------------------ the epoch
    def run(self) -> dict:
        model, epoch, enc = self.model, self.epoch, self.enc
        n_workers = min(model.effective_workers, max(1, len(self.jobs) - self.start_job))
        threads = [threading.Thread(target=self._work, daemon=True, name=f"wordvec-{i}") for i in range(n_workers)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        done_words = words_in_done_jobs(model)
        iv_loss, iv_terms, iv_words, iv_start = 0.0, 0, 0, started
        last_lr = self.schedule.lr_at(epoch * enc.n_tokens + done_words)
        alive = n_workers
        error = None
        safe_at = None  # jobs before this one are all taken; wait for them to finish
        try:
            while alive:
                try:
                    item = self.results.get(timeout=0.1)
                except queue.Empty:
                    item = False
                if item is None:
                    alive -= 1
                elif isinstance(item, BaseException):
                    error = error or item
                    self.stop.set()
                elif item is not False:
                    iv_words += self._add(item)
                    iv_loss += item[2]
                    iv_terms += item[3]
                    last_lr = item[5]
                now = time.perf_counter()
                if iv_words and (now - iv_start >= model.report_seconds or not alive):
                    record = {
                        "epoch": epoch,
                        "words_done": epoch * enc.n_tokens + done_words + self.sums[3],
                        "loss": iv_loss / max(1, iv_terms),
                        "lr": last_lr,
                        "words_per_sec": iv_words / max(now - iv_start, 1e-9),
                    }
                    model.intervals_.append(record)
                    self.cbs.on_progress(model, record["words_done"], record["loss"], last_lr)
                    iv_loss, iv_terms, iv_words, iv_start = 0.0, 0, 0, now
                if model.has_safe_point_calls() and safe_at is None and error is None:
                    with self.lock:
                        self.paused = True
                        safe_at = min(self.next_job, len(self.jobs))
                if safe_at is not None and len(self.finished) >= safe_at - self.start_job:
                    model.jobs_done_ = safe_at
                    self._keep_partial(now - started)
                    check_weights(model, epoch)  # a checkpoint never holds diverged weights
                    model.run_safe_point_calls()
                    self._release()
                    safe_at = None
        except KeyboardInterrupt:
            self._join(threads)
            # Count the jobs that finished after the interrupt, so resume repeats none.
            while not self.results.empty():
                item = self.results.get_nowait()
                if isinstance(item, tuple):
                    self._add(item)
            self._record_partial()
            self._keep_partial(time.perf_counter() - started)
            raise TrainingInterrupted(
                f"training interrupted in epoch {epoch + 1} after {model.progress_start_} of {model.progress_total_} words"
            ) from None
        except BaseException:  # a callback or a checkpoint failed: no worker may go on alone
            self._join(threads)
            self._record_partial()
            raise
        for t in threads:
            t.join()
        if error is not None:
            self._record_partial()
            raise error
        check_weights(model, epoch)  # before the epoch-end checkpoint or the final save
        loss, terms, eff, words, seconds = _epoch_totals(self.carried, *self.sums, time.perf_counter() - started)
        return {
            "epoch": epoch,
            "loss": loss / max(1, terms),
            "loss_terms": terms,
            "words": words,
            "effective_words": eff,
            "seconds": seconds,
            "words_per_sec": words / max(seconds, 1e-9),
            "lr": last_lr,
        }
