"""Shared test helpers: generated corpora with planted structure, the shared data folder."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from wordvec.train.callbacks import Callback

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WORDVEC_DATA", REPO.parent / "shared" / "data"))


def planted_sentences(groups: int = 5, per_group: int = 8, sentences: int = 3000, length: int = 10, seed: int = 0):
    """Sentences that each draw their words from one planted group (plus a few shared
    filler words), so words of the same group share contexts and nothing else."""
    rng = np.random.default_rng(seed)
    vocab = [[f"g{g}w{i}" for i in range(per_group)] for g in range(groups)]
    filler = ["the", "of", "and"]
    out = []
    for _ in range(sentences):
        g = rng.integers(groups)
        words = list(rng.choice(vocab[g], size=length))
        for k in rng.choice(length, size=2, replace=False):
            words[k] = filler[rng.integers(len(filler))]
        out.append(words)
    return out, vocab


def group_purity(wv, vocab) -> float:
    """Share of planted words whose nearest neighbour (among planted words) is in their group."""
    words = [w for g in vocab for w in g]
    group_of = {w: gi for gi, g in enumerate(vocab) for w in g}
    unit = wv.get_normed_vectors()
    idx = [wv.key_to_index[w] for w in words]
    sims = unit[idx] @ unit[idx].T
    np.fill_diagonal(sims, -np.inf)
    nearest = sims.argmax(axis=1)
    return float(np.mean([group_of[words[i]] == group_of[words[j]] for i, j in enumerate(nearest)]))


@pytest.fixture
def planted():
    return planted_sentences()


@pytest.fixture
def planted_file(tmp_path):
    sents, vocab = planted_sentences()
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(" ".join(s) for s in sents) + "\n")
    return path, vocab


def shared_file(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/data is absent)")
    return path


def run_cli(args) -> int:
    """Run the wordvec CLI in this process; its exit status (0 when it returned)."""
    from wordvec.cli.main import cli

    try:
        cli.main(args=args, prog_name="wordvec", standalone_mode=False)
    except SystemExit as e:
        return e.code
    return 0


class StopAfter(Callback):
    """Ctrl-C as the main thread sees it, once ``words`` words are done."""

    def __init__(self, words):
        self.words = words

    def on_progress(self, model, words_done, loss, lr):
        if words_done >= self.words:
            raise KeyboardInterrupt
