"""Training callbacks: every engine calls these hooks; the progress bar is one of them.

A callback receives the model and plain numbers, so TensorBoard logging, checkpoints or
early evaluation can be added without touching the engines.
"""
from __future__ import annotations

import sys


class Callback:
    """Base class: override the hooks you need. ``model`` is the model being trained."""

    def on_train_begin(self, model) -> None:
        pass

    def on_progress(self, model, words_done: int, loss: float, lr: float) -> None:
        """Called about every ``report_seconds``: words done so far (all epochs), mean loss
        over the interval since the last report, current learning rate."""

    def on_epoch_end(self, model, epoch: int, logs: dict) -> None:
        """``logs`` is the epoch's history record (loss, words, seconds, words_per_sec...)."""

    def on_train_end(self, model) -> None:
        pass


class ProgressBar(Callback):
    """A tqdm bar: percent, words/s, loss, learning rate and ETA, on stderr."""

    def __init__(self, file=None):
        self.file = file or sys.stderr
        self.bar = None
        self.last = 0

    def on_train_begin(self, model):
        from tqdm import tqdm

        total = model.progress_total_
        self.last = model.progress_start_
        self.bar = tqdm(
            total=total,
            initial=self.last,
            unit="w",
            unit_scale=True,
            file=self.file,
            dynamic_ncols=True,
            smoothing=0.1,
            desc="training",
            mininterval=0.5,
        )

    def on_progress(self, model, words_done, loss, lr):
        if self.bar is None:
            return
        self.bar.update(words_done - self.last)
        self.last = words_done
        self.bar.set_postfix_str(f"loss={loss:.4f} lr={lr:.5f}", refresh=False)

    def on_epoch_end(self, model, epoch, logs):
        if self.bar is not None:
            self.bar.write(
                f"epoch {epoch + 1}: loss {logs['loss']:.4f}, {logs['words_per_sec']:,.0f} words/s, "
                f"{logs['seconds']:.1f}s",
                file=self.file,
            )

    def on_train_end(self, model):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class CallbackList(Callback):
    def __init__(self, callbacks):
        self.callbacks = [c for c in callbacks if c is not None]

    def on_train_begin(self, model):
        for c in self.callbacks:
            c.on_train_begin(model)

    def on_progress(self, model, words_done, loss, lr):
        for c in self.callbacks:
            c.on_progress(model, words_done, loss, lr)

    def on_epoch_end(self, model, epoch, logs):
        for c in self.callbacks:
            c.on_epoch_end(model, epoch, logs)

    def on_train_end(self, model):
        for c in self.callbacks:
            c.on_train_end(model)

