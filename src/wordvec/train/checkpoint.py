"""Checkpoints: save the whole training state at a job boundary, resume it exactly.

A checkpoint is a native model folder (``wordvec.formats.native``) written atomically,
with the output weights (``syn1neg.npy``/``syn1.npy``) and, in ``config.json``, every
parameter, the corpus path and a ``"checkpoint"`` record: epochs done, jobs done in the
current epoch, words done, and the sums of the epoch so far. The random state needs no
saving: each job's random stream and learning rate follow from (seed, epoch, job index)
and its corpus position alone, so a resumed run trains the remaining jobs exactly as an
uninterrupted one would (bit for bit with one worker).

    model.fit("corpus.txt", callbacks=[CheckpointCallback("model", every_seconds=600)])
    model = resume("model")          # recounts the corpus, checks it did not change
    model.train()                    # the rest of the schedule
"""
from __future__ import annotations

import contextlib
import math
import re
import signal
import threading
import time
from pathlib import Path

import numpy as np

from .callbacks import Callback
from ..errors import CorpusError, ModelFormatError, ParameterError, WordvecError
from ..formats.native import check_replaceable, load_model_dir, read_config
from ..params import check_int, check_number

_EVERY = re.compile(r"^\s*(?:(?P<words>\d[\d_]*)|(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>s|m|h))\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_PARTIAL_KEYS = ("loss_sum", "loss_terms", "effective_words", "words", "seconds")


def parse_every(text: str, name: str = "checkpoint_every") -> tuple[int | None, float | None]:
    """``"1000000"`` -> (words, None); ``"30s"``, ``"10m"``, ``"2h"`` -> (None, seconds)."""
    m = _EVERY.match(str(text))
    if m is None:
        raise ParameterError(
            f"{name}={text!r} is invalid: must be a number of words (e.g. 1000000) "
            f"or a duration (e.g. 30s, 10m, 2h)")
    if m.group("words") is not None:
        words = int(m.group("words").replace("_", ""))
        if words < 1:
            raise ParameterError(f"{name}={text!r} is invalid: a number of words must be >= 1")
        return words, None
    seconds = float(m.group("num")) * _UNIT_SECONDS[m.group("unit")]
    if seconds <= 0:
        raise ParameterError(f"{name}={text!r} is invalid: a duration must be > 0")
    return None, seconds


def save_checkpoint(model, model_dir, every: str | None = None) -> None:
    """Write the model and its training state to ``model_dir`` atomically. Call it only at
    a safe point (``model.at_next_safe_point``), between epochs, or after training stopped."""
    if getattr(model, "encoded_", None) is None or model.wv is None:
        raise WordvecError("checkpoint: the model has no training state (call build_vocab or fit first)")
    cfg = model.config()
    cfg["checkpoint"] = {
        "epochs_done": int(model.epochs_done_),
        "jobs_done": int(model.jobs_done_),
        "words_done": int(model.progress_start_),
        "words_total": int(model.progress_total_),
        "n_tokens": int(model.encoded_.n_tokens),
        "n_sentences": int(model.encoded_.n_sentences),
        "corpus_crc": model.encoded_.crc,  # the token stream's fingerprint: an exact resume needs the same
        "partial_epoch": dict(model.partial_epoch_) if model.jobs_done_ else {},
        "every": every,
        "saved_at": time.time(),
    }
    if cfg["checkpoint"]["corpus_crc"] is None:
        del cfg["checkpoint"]["corpus_crc"]
    model.write_folder(model_dir, cfg)


class CheckpointCallback(Callback):
    """Write a checkpoint to ``model_dir`` every ``every_words`` words trained and/or every
    ``every_seconds`` seconds, at the next job boundary (workers paused meanwhile)."""

    def __init__(self, model_dir, every_words: int | None = None, every_seconds: float | None = None,
                 every: str | None = None):
        if every is not None and every_words is None and every_seconds is None:
            every_words, every_seconds = parse_every(every)
        check_int("every_words", every_words, 1, none_ok=True)
        check_number("every_seconds", every_seconds, 0, low_open=True, none_ok=True)
        if every_words is None and every_seconds is None:
            raise ParameterError("CheckpointCallback: give every_words or every_seconds (or both)")
        self.model_dir = Path(model_dir)
        check_replaceable(self.model_dir)  # a bad folder is found now, not at the first checkpoint
        self.every_words = every_words
        self.every_seconds = every_seconds
        self.every = every if every is not None else (
            str(every_words) if every_words is not None else f"{every_seconds:g}s")
        self.saves = 0
        self._pending = False

    def on_train_begin(self, model):
        self._last_words = model.progress_start_
        self._last_time = time.monotonic()

    def _due(self, words_done: int) -> bool:
        return (self.every_words is not None and words_done - self._last_words >= self.every_words) or (
            self.every_seconds is not None and time.monotonic() - self._last_time >= self.every_seconds)

    def _request(self, model, words_done: int) -> None:
        if not self._pending and self._due(words_done):
            self._pending = True
            model.at_next_safe_point(self._save)

    def on_progress(self, model, words_done, loss, lr):
        self._request(model, words_done)

    def on_epoch_end(self, model, epoch, logs):
        self._request(model, model.progress_start_)

    def _save(self, model) -> None:
        self._pending = False
        if model.epochs_done_ >= model.epochs:
            return  # training is complete; the final save follows
        save_checkpoint(model, self.model_dir, every=self.every)
        self.saves += 1
        self._last_words = model.progress_start_
        self._last_time = time.monotonic()


def checkpoint_state(model_dir) -> dict:
    """The ``"checkpoint"`` record of a model folder, checked (empty for a finished model
    saved without one)."""
    cfg = read_config(model_dir)
    where = Path(model_dir) / "config.json"
    state = cfg.get("checkpoint", {})
    if not isinstance(state, dict):
        raise ModelFormatError(f"{where}: 'checkpoint' must be an object")
    for key in ("epochs_done", "jobs_done", "n_tokens", "corpus_crc"):
        if key in state and not (type(state[key]) is int and state[key] >= 0):
            raise ModelFormatError(f"{where}: checkpoint.{key} must be an integer >= 0")
    partial = state.get("partial_epoch", {})
    if not isinstance(partial, dict) or any(
            k not in _PARTIAL_KEYS or type(v) not in (int, float) or not math.isfinite(v) or v < 0
            for k, v in partial.items()):
        raise ModelFormatError(f"{where}: checkpoint.partial_epoch must map {', '.join(_PARTIAL_KEYS)} to numbers >= 0")
    return state


def resume(model_dir, corpus=None, workers: int | None = None, force: bool = False):
    """The model rebuilt from the checkpoint in ``model_dir``, ready for ``train()``.

    The corpus (the one recorded in the checkpoint, or ``corpus``) is counted and encoded
    again and must give the very same vocabulary, token count and token stream (a CRC-32
    recorded in the checkpoint; ``force=True`` accepts the same vocabulary in another
    order, giving up the exact resume); the weights are loaded as writable copies (never
    memory-mapped). ``workers`` may differ from the original run."""
    from ..models import model_class

    model_dir = Path(model_dir)
    # A new worker count is the caller's parameter, not the checkpoint's: checked as such
    # (``workers=0`` is not a fault of MODEL/config.json).
    check_int("workers", workers, 1, 1024, none_ok=True, allowed="an integer in [1, 1024]")
    cfg = read_config(model_dir)
    where = model_dir / "config.json"
    state = checkpoint_state(model_dir)
    model = model_class(cfg.get("model") if cfg.get("model") != "vectors" else None).from_config(
        cfg, where, workers=workers)
    epochs_done = state.get("epochs_done", cfg.get("epochs_done"))
    if type(epochs_done) is not int or not 0 <= epochs_done <= model.epochs:
        raise ModelFormatError(f"{where}: epochs_done must be an integer in [0, epochs={model.epochs}]")
    history = cfg.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise ModelFormatError(f"{where}: history must be a list of objects")

    if corpus is None:
        source = (cfg.get("corpus") or {}).get("source") if isinstance(cfg.get("corpus"), dict) else None
        if not isinstance(source, str) or source == "<iterable>":
            raise ParameterError(
                f"corpus: {model_dir} was trained on a Python iterable (or records no corpus path); "
                f"pass the same corpus to resume(..., corpus=...)")
        corpus = source
    model.build_vocab(corpus)  # CorpusError if it is gone or unreadable
    words, counts = _vocab_of(model_dir)
    if model.vocab_.words != words or not np.array_equal(model.vocab_.counts, counts) or (
            "n_tokens" in state and state["n_tokens"] != model.encoded_.n_tokens):
        raise CorpusError(
            f"{model.corpus_.name}: differs from the corpus checkpointed in {model_dir} "
            f"(vocabulary or token count changed); cannot resume")
    crc = state.get("corpus_crc")
    if crc is not None and crc != model.encoded_.crc and not force:
        raise CorpusError(
            f"{model.corpus_.name}: not the corpus checkpointed in {model_dir}: the same words and counts, "
            f"but not in the same order (lines changed or moved), so the rest of the training cannot be the one "
            f"that was interrupted; resume anyway with force=True (wordvec train --resume {model_dir} --force)")
    jobs_done = state.get("jobs_done", 0)
    n_jobs = len(model.encoded_.jobs(model.batch_words))
    if jobs_done > n_jobs or (jobs_done and epochs_done >= model.epochs):
        raise ModelFormatError(f"{where}: checkpoint.jobs_done={jobs_done} is outside the schedule ({n_jobs} jobs per epoch)")

    # Free the fresh weights before reading the saved ones: memory stays one model.
    model.drop_weights()
    _, words, counts, arrays = load_model_dir(model_dir, mmap=False)
    model.restore(model.vocab_, arrays, history, epochs_done, jobs_done, state.get("partial_epoch", {}),
                  for_training=True, source=model_dir)
    model.checkpoint_every_ = state.get("every") if isinstance(state.get("every"), str) else None
    return model


def _vocab_of(model_dir):
    from ..formats.native import read_vocab

    return read_vocab(model_dir)


class Interrupted(WordvecError):
    """Training was stopped by Ctrl-C; the message says what was saved where."""


def is_complete(model_dir) -> bool:
    """True when the model folder holds a finished training (nothing left to resume)."""
    cfg = read_config(model_dir)
    state = checkpoint_state(model_dir)
    params = cfg.get("params") if isinstance(cfg.get("params"), dict) else {}
    epochs_done = state.get("epochs_done", cfg.get("epochs_done"))
    return type(epochs_done) is int and epochs_done >= params.get("epochs", 5) and not state.get("jobs_done")


def train_with_checkpoints(model, model_dir, callbacks=(), progress: bool = False, every: str | None = None):
    """Train the rest of the schedule, checkpointing into ``model_dir`` ``every`` N words or
    duration (``None``: only on Ctrl-C).

    On Ctrl-C the workers finish the jobs they hold, a checkpoint is written and
    ``Interrupted`` is raised. A second Ctrl-C stops at once: the checkpoint being written
    is abandoned (atomic save) and the last good one stays as it was."""
    from .runner import TrainingInterrupted

    check_replaceable(Path(model_dir))  # the Ctrl-C checkpoint must have somewhere to go
    cbs = list(callbacks)
    if every is not None:
        cbs.append(CheckpointCallback(model_dir, every=every))
    try:
        model.train(callbacks=cbs, progress=progress)
    except TrainingInterrupted:
        _checkpoint_and_stop(model, model_dir, every)
    except KeyboardInterrupt as e:
        # A second Ctrl-C while the workers were finishing their jobs stops at once; a
        # first one between epochs (say, in a callback) checkpoints if the state is whole.
        if isinstance(e.__context__, KeyboardInterrupt) or len(model.history_) != model.epochs_done_:
            raise Interrupted(_second_interrupt(model_dir)) from None
        _checkpoint_and_stop(model, model_dir, every)
    return model


def _checkpoint_and_stop(model, model_dir, every) -> None:
    """Save the state reached and raise ``Interrupted`` saying how to resume."""
    try:
        save_checkpoint(model, model_dir, every=every)
    except KeyboardInterrupt:
        raise Interrupted(_second_interrupt(model_dir)) from None
    raise Interrupted(
        f"interrupted: checkpoint saved to {model_dir} after {model.progress_start_:,} of "
        f"{model.progress_total_:,} words; continue with: wordvec train --resume {model_dir}") from None


def _second_interrupt(model_dir) -> str:
    if Path(model_dir, "config.json").is_file():
        return f"interrupted again: stopped without a new checkpoint; {model_dir} holds the last good one"
    return "interrupted again: stopped without saving a checkpoint"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_signals():
    """While training from the command line, SIGINT (Ctrl-C, also where a shell started us
    with it ignored) and SIGTERM both mean "checkpoint and stop"."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
