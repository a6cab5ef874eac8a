"""word2vec's kernels: one job (a run of sentences) of skip-gram or CBOW, as drivers over the
shared blocks (``blocks.py``).

Skip-gram follows Ji et al.'s HogBatch: for one centre word, all context words of its
window share the same outputs (the centre word and its negative samples, and/or its
Huffman path), so the updates are small dense matrix products over rows that stay in
cache, instead of one dot product and two axpys per pair. While a step computes, the next
step's rows are prefetched (``prefetch.py``: its negatives are the next draws of the
random stream), which changes no result. CBOW averages (or sums) the
context and predicts the centre word, as in the C tool.

Every kernel returns (loss_sum, loss_terms, effective_words): the exact summed negative
log-likelihood of the predictions it made, how many predictions (positive pairs for
skip-gram, centre words for CBOW), and words kept after subsampling. ``touched`` (Spark
tasks only): a (2, words) mask that records the output rows written (``mark_outputs``).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .blocks import (NO_MARKS, add_rows, batch_update, draw_outputs, gather_rows, hidden_update, huffman_outputs,
                     job_alpha, longest_sentence, mark_outputs, output_buffers, shrunk_window, subsample)
from .prefetch import prefetch_outputs, prefetch_row


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def skipgram_job(tokens, bounds, syn0, syn1, syn1neg, tables, window, negative, hs, alpha0, alpha1, seed,
                 touched=NO_MARKS):
    dim = syn0.shape[1]
    # The tables' arrays, taken out once: reading a field of ``tables`` in the loop costs a
    # reference count each time (6-7% of skip-gram's time, measured).
    _, neg_thr, neg_alias, codes, points, code_lengths = tables
    state = np.uint64(seed)
    sent = np.empty(longest_sentence(bounds), np.int32)
    ctx = np.empty(2 * window, np.int32)
    ctxbuf = np.empty((2 * window, dim), np.float32)
    dctx = np.empty((2 * window, dim), np.float32)
    rows, labels, grad = output_buffers(negative, tables.codes, 2 * window)
    loss = 0.0
    terms = 0
    effective = 0
    for s in range(bounds.shape[0] - 1):
        alpha = job_alpha(alpha0, alpha1, bounds, s)
        n, state = subsample(tokens, bounds[s], bounds[s + 1], tables.keep, sent, state)
        effective += n
        for i in range(n):
            lo, hi, state = shrunk_window(i, n, window, state)
            nc = 0
            for j in range(lo, hi):
                if j != i:
                    ctx[nc] = sent[j]
                    nc += 1
            if nc == 0:
                continue
            gather_rows(syn0, ctx, nc, ctxbuf, dctx)
            # The output blocks are called here, not through a helper function: any function
            # around them costs skip-gram 5-7% (measured against the pre-engine kernel).
            centre = sent[i]
            if hs:
                k = huffman_outputs(centre, codes, points, code_lengths, rows, labels)
                loss += batch_update(syn1, rows, labels, k, ctxbuf, dctx, nc, alpha, grad, True)
                mark_outputs(touched, 1, rows, k)
            if negative > 0:
                k, state = draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
                if i + 1 < n:  # the next step's rows, fetched while this one computes (x1.12)
                    prefetch_outputs(state, 1, sent[i + 1], negative, neg_thr, neg_alias, syn1neg)
                    if i + window + 1 < n:
                        prefetch_row(syn0, sent[i + window + 1])
                loss += batch_update(syn1neg, rows, labels, k, ctxbuf, dctx, nc, alpha, grad, True)
                mark_outputs(touched, 0, rows, k)
            add_rows(syn0, ctx, nc, dctx)
            terms += nc
    return loss, terms, effective


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def cbow_job(tokens, bounds, syn0, syn1, syn1neg, tables, window, negative, hs, cbow_mean, alpha0, alpha1, seed,
             touched=NO_MARKS):
    dim = syn0.shape[1]
    # The tables' arrays, taken out once: reading a field of ``tables`` in the loop costs a
    # reference count each time (6-7% of skip-gram's time, measured).
    _, neg_thr, neg_alias, codes, points, code_lengths = tables
    state = np.uint64(seed)
    sent = np.empty(longest_sentence(bounds), np.int32)
    h = np.empty(dim, np.float32)
    neu1e = np.empty(dim, np.float32)
    rows, labels, _ = output_buffers(negative, tables.codes, 1)
    loss = 0.0
    terms = 0
    effective = 0
    for s in range(bounds.shape[0] - 1):
        alpha = job_alpha(alpha0, alpha1, bounds, s)
        n, state = subsample(tokens, bounds[s], bounds[s + 1], tables.keep, sent, state)
        effective += n
        for i in range(n):
            lo, hi, state = shrunk_window(i, n, window, state)
            nc = hi - lo - 1
            if nc <= 0:
                continue
            for d in range(dim):
                h[d] = 0.0
                neu1e[d] = 0.0
            for j in range(lo, hi):
                if j != i:
                    w = sent[j]
                    for d in range(dim):
                        h[d] += syn0[w, d]
            if cbow_mean:
                inv = np.float32(1.0 / nc)
                for d in range(dim):
                    h[d] *= inv
            centre = sent[i]  # the output blocks called directly, as in skipgram_job
            if hs:
                k = huffman_outputs(centre, codes, points, code_lengths, rows, labels)
                loss += hidden_update(syn1, rows, labels, k, h, neu1e, alpha, True)
                mark_outputs(touched, 1, rows, k)
            if negative > 0:
                k, state = draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
                if i + 1 < n:  # as in skipgram_job
                    prefetch_outputs(state, 1, sent[i + 1], negative, neg_thr, neg_alias, syn1neg)
                    if i + window + 1 < n:
                        prefetch_row(syn0, sent[i + window + 1])
                loss += hidden_update(syn1neg, rows, labels, k, h, neu1e, alpha, True)
                mark_outputs(touched, 0, rows, k)
            # As the C tool: every context word receives the whole error (mean and sum).
            for j in range(lo, hi):
                if j != i:
                    w = sent[j]
                    for d in range(dim):
                        syn0[w, d] += neu1e[d]
            terms += 1
    return loss, terms, effective
