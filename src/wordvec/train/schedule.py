"""The training schedule: every job's learning-rate span and random seed follow from its
position in the corpus alone.

That is what makes one worker bit-reproducible, lets a checkpoint resume mid-epoch without
saving any random state, and lets a distributed trainer hand job (epoch, j) to any machine.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kernels.sampling import seed_state


@dataclass(frozen=True)
class Schedule:
    n_tokens: int  # tokens in one epoch
    epochs: int
    alpha: float
    min_alpha: float
    seed: int

    def lr_at(self, position: int) -> float:
        """The learning rate after ``position`` tokens of the whole run (linear decay)."""
        total = self.n_tokens * self.epochs
        return self.alpha - (self.alpha - self.min_alpha) * (position / max(1, total))

    def job_alphas(self, epoch: int, t0: int, t1: int) -> tuple[float, float]:
        """The learning rates at the first and past the last token of a job [t0, t1)."""
        pos = epoch * self.n_tokens
        return self.lr_at(pos + t0), self.lr_at(pos + t1)

    def job_seed(self, epoch: int, job: int) -> np.uint64:
        """The job's own random stream, independent of every other (seed, epoch, job)."""
        return np.uint64(seed_state(self.seed, epoch, job))
