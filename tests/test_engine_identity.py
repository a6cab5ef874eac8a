"""The restructured engine (shared kernel blocks, job runner, grouped tables) gives
bit-identical weights and losses to the engine as it was before (a frozen copy of its
kernels, driven the way its training loop drove them), for one worker and the same seed."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import planted_sentences
from reference import frozen_word2vec_kernels as frozen

from wordvec import Word2Vec
from wordvec.kernels.huffman import build_huffman
from wordvec.kernels.sampling import alias_table, negative_distribution, seed_state, subsample_thresholds

CONFIGS = {
    "skipgram-ns": dict(sg=True, hs=False, negative=5),
    "skipgram-hs": dict(sg=True, hs=True, negative=0),
    "skipgram-both": dict(sg=True, hs=True, negative=3),
    "cbow-ns-mean": dict(sg=False, hs=False, negative=5, cbow_mean=True),
    "cbow-hs-sum": dict(sg=False, hs=True, negative=0, cbow_mean=False),
    "cbow-both": dict(sg=False, hs=True, negative=2),
}


def old_engine(model: Word2Vec, epochs: int, seed: int):
    """Today's weights as the old Word2Vec computed them: its initialisation, its tables,
    its learning-rate schedule and job seeds, its kernels."""
    counts = model.vocab_.counts
    v, d = len(counts), model.vector_size
    rng = np.random.default_rng(seed)
    syn0 = (rng.random((v, d), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(d)
    syn1neg = np.zeros((v, d), np.float32) if model.negative > 0 else np.zeros((1, d), np.float32)
    syn1 = np.zeros((max(v - 1, 1), d), np.float32) if model.hs else np.zeros((1, d), np.float32)
    keep = subsample_thresholds(counts, model.sample)
    if model.negative > 0:
        neg_thr, neg_alias = alias_table(negative_distribution(counts, model.ns_exponent))
    else:
        neg_thr, neg_alias = np.full(1, 1 << 32, np.int64), np.zeros(1, np.int32)
    if model.hs:
        codes, points, lengths = build_huffman(counts)
    else:
        codes, points, lengths = np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
    enc = model.encoded_
    jobs = enc.jobs(model.batch_words)
    offsets = np.asarray(enc.offsets)
    n_total = enc.n_tokens * epochs
    alpha, min_alpha = model.effective_alpha, model.min_alpha
    losses = []
    for epoch in range(epochs):
        loss = 0.0
        terms = 0
        for j in range(len(jobs)):
            s0, s1 = int(jobs[j, 0]), int(jobs[j, 1])
            t0, t1 = int(offsets[s0]), int(offsets[s1])
            tokens = enc.read(t0, t1)
            bounds = offsets[s0 : s1 + 1] - t0
            pos = epoch * enc.n_tokens
            a0 = alpha - (alpha - min_alpha) * ((pos + t0) / max(1, n_total))
            a1 = alpha - (alpha - min_alpha) * ((pos + t1) / max(1, n_total))
            rs = np.uint64(seed_state(seed, epoch, j))
            common = (tokens, bounds, syn0, syn1, syn1neg, keep, neg_thr, neg_alias, codes, points, lengths,
                      model.window, model.negative, bool(model.hs))
            if model.sg:
                out = frozen.skipgram_job(*common, a0, a1, rs)
            else:
                out = frozen.cbow_job(*common, bool(model.cbow_mean), a0, a1, rs)
            loss += out[0]
            terms += out[1]
        losses.append(loss / max(1, terms))
    return syn0, syn1neg, syn1, losses


@pytest.mark.parametrize("name", list(CONFIGS))
def test_bit_identical_to_the_engine_before_the_split(name):
    sentences, _ = planted_sentences(sentences=1500, length=12, seed=3)
    params = dict(vector_size=12, window=3, min_count=2, sample=1e-2, epochs=2, workers=1, seed=7, batch_words=997)
    model = Word2Vec(**params, **CONFIGS[name]).fit(sentences)
    syn0, syn1neg, syn1, losses = old_engine(model, epochs=2, seed=7)
    assert np.array_equal(model.wv.vectors, syn0)
    if model.negative > 0:
        assert np.array_equal(model.syn1neg, syn1neg)
    if model.hs:
        assert np.array_equal(model.syn1, syn1)
    assert [h["loss"] for h in model.history_] == losses
