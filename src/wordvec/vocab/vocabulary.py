"""Vocabulary: one counting pass over the corpus, bounded memory, words sorted by frequency.

The counting pass also writes every token's provisional id to a scratch file, so the
encoding stage needs no second pass over the text (unless pruning forgot some counts, in
which case the text is read once more, to stay exact).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from typing import BinaryIO

import numpy as np

from ..text.corpus import SENTENCE_END, Corpus
from .wordcount import WordCounter
from ..errors import CorpusError

MARKER = -2  # sentence end in an id stream
OOV_ID = -1  # a token out of the vocabulary, in an id stream (the tutorial's token is OOV_TOKEN)


@dataclass
class Vocabulary:
    """Words sorted by descending count; ``index`` maps a word to its row."""

    words: list[str]
    counts: np.ndarray  # int64, descending
    raw_words: int = 0  # tokens read from the corpus, in and out of the vocabulary
    unique_words: int = 0  # distinct tokens seen before min_count
    min_count: int = 1

    def __post_init__(self):
        self.counts = np.asarray(self.counts, dtype=np.int64)

    @cached_property
    def index(self) -> dict[str, int]:
        """Word -> row, built when first asked for: a model looks words up in its
        ``wv.key_to_index``, so a second dict of the whole vocabulary (112 MiB at 2M words)
        is not kept unless something needs it (the exact re-encoding after pruning)."""
        return {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def total_words(self) -> int:
        """Tokens of the corpus that are in the vocabulary (the training schedule's length)."""
        return int(self.counts.sum())


class _Counter:
    """Streaming counter: provisional ids in first-seen order, counts by bincount per block."""

    def __init__(self):
        self.ids: defaultdict = defaultdict()
        self.ids.default_factory = self.ids.__len__  # unseen word -> next id, all in C
        self.ids[SENTENCE_END]  # id 0 is the sentence marker
        self.counts = np.zeros(1 << 16, np.int64)
        self.raw_words = 0
        self.min_reduce = 1
        self.pruned = False

    def __len__(self) -> int:
        return len(self.ids)

    def words(self) -> list[bytes]:
        return list(self.ids.keys())

    def decoded(self, ids: np.ndarray) -> list[str]:
        """The words of ``ids`` as str (bad UTF-8 replaced)."""
        words = self.words()
        return [words[i].decode("utf-8", "replace") for i in ids]

    def add(self, tokens: list[bytes]) -> np.ndarray:
        ids = np.fromiter(map(self.ids.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        n = len(self.ids)
        if n > self.counts.size:
            self.counts = np.concatenate([self.counts, np.zeros(max(n, self.counts.size), np.int64)])
        self.counts[:n] += np.bincount(ids, minlength=n)
        self.raw_words += len(tokens)
        return ids

    def prune(self, max_vocab_size: int) -> None:
        """Forget the rarest words (count <= min_reduce, rising) until the dictionary fits,
        as the C tool does; ids are compacted so memory stays bounded."""
        while len(self.ids) - 1 > max_vocab_size:
            n = len(self.ids)
            keep = self.counts[:n] > self.min_reduce
            keep[0] = True
            self.min_reduce += 1
            words = list(self.ids.keys())
            new = defaultdict()
            new.default_factory = new.__len__
            for i in np.flatnonzero(keep):
                new[words[i]]
            self.ids = new
            kept = self.counts[:n][keep]
            self.counts = np.zeros(max(1 << 16, 2 * kept.size), np.int64)
            self.counts[: kept.size] = kept
            self.pruned = True


def build_vocabulary(
    corpus: Corpus,
    min_count: int = 5,
    max_vocab_size: int | None = None,
    max_final_vocab: int | None = None,
    raw_ids: BinaryIO | None = None,
) -> tuple[Vocabulary, np.ndarray | None]:
    """Count the corpus and choose the vocabulary.

    Returns the vocabulary and, when ``raw_ids`` was given and no pruning happened, the
    table that maps provisional ids written there to final rows (-1 dropped, -2 marker).
    """
    if hasattr(corpus, "text_blocks"):
        # The fast path: the counter splits the tokens' text itself (same ids, 2-5x faster).
        counter, blocks = WordCounter(), corpus.text_blocks()
    else:
        counter, blocks = _Counter(), corpus.token_blocks()
    pruned = False
    for block in blocks:
        ids = counter.add(block)
        if raw_ids is not None and not pruned:
            raw_ids.write(ids.tobytes())
        if max_vocab_size is not None and len(counter) - 1 > max_vocab_size:
            counter.prune(max_vocab_size)
            pruned = True

    n = len(counter)
    counts = counter.counts[:n].copy()
    counts[0] = 0  # the marker is no word
    raw_words = counter.raw_words - int(counter.counts[0])
    if raw_words == 0:
        raise CorpusError(f"{corpus.name}: corpus is empty (no tokens after standardization)")

    effective_min = min_count
    order = np.argsort(-counts, kind="stable")  # descending count, first seen first on ties
    if max_final_vocab is not None and np.count_nonzero(counts >= min_count) > max_final_vocab:
        # As gensim: raise min_count just enough that at most max_final_vocab words remain.
        effective_min = max(min_count, int(counts[order[max_final_vocab]]) + 1)
    order = order[counts[order] >= max(effective_min, 1)]
    if order.size == 0:
        raise CorpusError(
            f"{corpus.name}: no word occurs at least min_count={effective_min} times "
            f"({raw_words} tokens, {n - 1} distinct); lower min_count"
        )
    words = counter.decoded(order)
    vocab = Vocabulary(
        words=words,
        counts=counts[order],
        raw_words=raw_words,
        unique_words=n - 1,
        min_count=effective_min,
    )
    if raw_ids is None or pruned:
        return vocab, None
    remap = np.full(n, OOV_ID, np.int32)
    remap[order] = np.arange(order.size, dtype=np.int32)
    remap[0] = MARKER
    return vocab, remap


def encode_tokens(vocab: Vocabulary, corpus: Corpus, out: BinaryIO) -> None:
    """Second pass (only after pruning): write final ids, -2 at sentence ends, -1 (OOV_ID) out of the vocabulary."""
    lookup = {w.encode("utf-8"): i for i, w in enumerate(vocab.words)}
    lookup[SENTENCE_END] = MARKER
    for tokens in corpus.token_blocks():
        # map(dict.get, tokens, repeat(OOV_ID)) stays in C: no Python frame per token
        ids = np.fromiter(map(lookup.get, tokens, repeat(OOV_ID)), dtype=np.int32, count=len(tokens))
        out.write(ids.tobytes())
