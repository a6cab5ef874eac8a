"""fastText's kernels: subword (character n-gram) vectors for skip-gram and CBOW, as drivers
over the shared blocks, plus fastText's n-gram hashing.

A word's input vector is the mean of its own row of ``syn0`` and the rows of its character
n-grams in ``ngrams`` (the hashed buckets). Each vocabulary word's n-gram rows are computed
once (``ngram_csr``: ``ptr``, ``rows``), so the training loop never hashes. The drivers walk
sentences as word2vec's do, but build each sentence position's mean (skip-gram) or sum (CBOW)
of rows once, with ``subword_mean`` / ``subword_sum``, and write its summed gradient back
with ``add_subword_rows`` when it leaves the windows. A vocabulary without n-grams
(``max_n=0``) is trained by word2vec's own drivers (``models/fasttext.py``), so it trains
exactly as word2vec, random number for random number.

Hashing is fastText's ``Dictionary::hash``: 32-bit FNV-1a over the UTF-8 bytes, each byte
sign-extended (``int8``) before the xor; n-grams of ``<word>`` are cut at character (not
byte) boundaries, lengths ``min_n``..``max_n`` in characters (``Dictionary::computeSubwords``).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .blocks import (add_subword_rows, batch_update, draw_outputs, hidden_update, huffman_outputs, subword_mean, subword_sum,
                     job_alpha, longest_sentence, output_buffers, shrunk_window, subsample)
from .prefetch import prefetch_outputs

_MASK32 = np.uint64(0xFFFFFFFF)


@njit(nogil=True, cache=True)
def ft_hash(buf, a, b):
    """fastText's hash of the bytes buf[a:b] (uint8): FNV-1a, bytes sign-extended to 32 bits."""
    h = np.uint64(2166136261)
    for i in range(a, b):
        x = np.uint64(buf[i])
        if x >= 128:
            x |= np.uint64(0xFFFFFF00)
        h = ((h ^ x) * np.uint64(16777619)) & _MASK32
    return h


@njit(nogil=True, cache=True)
def word_ngrams(buf, a, b, min_n, max_n, bucket, out, k):
    """The bucket of every n-gram of the wrapped word buf[a:b] (``<word>`` as UTF-8), written
    into ``out`` from index ``k``; returns the index after the last. With ``bucket <= 0``
    nothing is written: the call only counts (``ngram_csr`` sizes ``out`` that way)."""
    for i in range(a, b):
        if (buf[i] & 0xC0) == 0x80:
            continue
        j = i
        n = 1
        while j < b and n <= max_n:
            j += 1
            while j < b and (buf[j] & 0xC0) == 0x80:
                j += 1
            if n >= min_n and not (n == 1 and (i == a or j == b)):
                if bucket > 0:
                    out[k] = np.int32(ft_hash(buf, i, j) % np.uint64(bucket))
                k += 1
            n += 1
    return k


@njit(nogil=True, cache=True)
def ngram_csr(buf, offsets, min_n, max_n, bucket):
    """(ptr, rows): word w's n-gram buckets are rows[ptr[w]:ptr[w + 1]]; word w is the wrapped
    bytes buf[offsets[w]:offsets[w + 1]] (an empty span: no n-grams)."""
    n = offsets.shape[0] - 1
    ptr = np.zeros(n + 1, np.int64)
    dummy = np.zeros(1, np.int32)
    for w in range(n):
        ptr[w + 1] = ptr[w] + word_ngrams(buf, offsets[w], offsets[w + 1], min_n, max_n, 0, dummy, 0)
    rows = np.empty(ptr[n], np.int32)
    for w in range(n):
        word_ngrams(buf, offsets[w], offsets[w + 1], min_n, max_n, bucket, rows, ptr[w])
    return ptr, rows


@njit(nogil=True, fastmath=True, cache=True)
def compose_vectors(syn0, ngrams, ptr, rows, out):
    """out[w] = the mean of word w's own row and its n-gram rows (its vector, as fastText's
    getWordVector)."""
    for w in range(syn0.shape[0]):
        subword_mean(syn0, ngrams, ptr, rows, w, out[w])


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def fasttext_sg_job(tokens, bounds, syn0, ngrams, ptr, rows_of, syn1, syn1neg, tables, window, negative, hs,
                           alpha0, alpha1, seed):
    """Skip-gram with subwords, each sentence position's mean built once: a position's mean is
    made when it enters the windows (the centre ``window`` words before it), serves as the
    context of every centre around it, and its summed gradient goes back into its rows when
    it leaves them. A word's rows are then read and written once per position instead of
    once per (centre, context) pair: the updates within one window are delayed, as HogBatch
    delays them, which measured no loss of quality."""
    dim = syn0.shape[1]
    _, neg_thr, neg_alias, codes, points, code_lengths = tables
    state = np.uint64(seed)
    longest = longest_sentence(bounds)
    sent = np.empty(longest, np.int32)
    means = np.empty((longest, dim), np.float32)
    grads = np.empty((longest, dim), np.float32)
    pos = np.empty(2 * window, np.int32)
    ctxbuf = np.empty((2 * window, dim), np.float32)
    dctx = np.empty((2 * window, dim), np.float32)
    rows, labels, grad = output_buffers(negative, codes, 2 * window)
    loss = 0.0
    terms = 0
    effective = 0
    for s in range(bounds.shape[0] - 1):
        alpha = job_alpha(alpha0, alpha1, bounds, s)
        n, state = subsample(tokens, bounds[s], bounds[s + 1], tables.keep, sent, state)
        effective += n
        for q in range(min(window, n)):
            subword_mean(syn0, ngrams, ptr, rows_of, sent[q], means[q])
            grads[q, :] = 0.0
        for i in range(n):
            q = i + window
            if q < n:  # position q enters the windows
                subword_mean(syn0, ngrams, ptr, rows_of, sent[q], means[q])
                grads[q, :] = 0.0
            lo, hi, state = shrunk_window(i, n, window, state)
            nc = 0
            for j in range(lo, hi):
                if j != i:
                    pos[nc] = j
                    for d in range(dim):
                        ctxbuf[nc, d] = means[j, d]
                        dctx[nc, d] = 0.0
                    nc += 1
            if nc > 0:
                centre = sent[i]
                if hs:
                    k = huffman_outputs(centre, codes, points, code_lengths, rows, labels)
                    loss += batch_update(syn1, rows, labels, k, ctxbuf, dctx, nc, alpha, grad, True)
                if negative > 0:
                    k, state = draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
                    if i + 1 < n:  # the next step's rows, fetched while this one computes (prefetch.py)
                        prefetch_outputs(state, 1, sent[i + 1], negative, neg_thr, neg_alias, syn1neg)
                    loss += batch_update(syn1neg, rows, labels, k, ctxbuf, dctx, nc, alpha, grad, True)
                for c in range(nc):
                    for d in range(dim):
                        grads[pos[c], d] += dctx[c, d]
                terms += nc
            p = i - window
            if p >= 0:  # position p leaves the windows: its gradient into its rows
                add_subword_rows(syn0, ngrams, ptr, rows_of, sent[p], grads[p])
        for p in range(max(0, n - window), n):
            add_subword_rows(syn0, ngrams, ptr, rows_of, sent[p], grads[p])
    return loss, terms, effective


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def fasttext_cbow_job(tokens, bounds, syn0, ngrams, ptr, rows_of, syn1, syn1neg, tables, window, negative, hs,
                             cbow_mean, alpha0, alpha1, seed):
    """CBOW with subwords, each position's sum of rows built once (as
    ``fasttext_sg_job``): the hidden layer adds the cached sums of the window, and
    each position's errors are summed and go back into its rows when it leaves the windows."""
    dim = syn0.shape[1]
    _, neg_thr, neg_alias, codes, points, code_lengths = tables
    state = np.uint64(seed)
    longest = longest_sentence(bounds)
    sent = np.empty(longest, np.int32)
    sums = np.empty((longest, dim), np.float32)
    grads = np.empty((longest, dim), np.float32)
    counts = np.empty(longest, np.int64)
    h = np.empty(dim, np.float32)
    neu1e = np.empty(dim, np.float32)
    rows, labels, _ = output_buffers(negative, codes, 1)
    loss = 0.0
    terms = 0
    effective = 0
    for s in range(bounds.shape[0] - 1):
        alpha = job_alpha(alpha0, alpha1, bounds, s)
        n, state = subsample(tokens, bounds[s], bounds[s + 1], tables.keep, sent, state)
        effective += n
        for q in range(min(window, n)):
            counts[q] = subword_sum(syn0, ngrams, ptr, rows_of, sent[q], sums[q])
            grads[q, :] = 0.0
        for i in range(n):
            q = i + window
            if q < n:
                counts[q] = subword_sum(syn0, ngrams, ptr, rows_of, sent[q], sums[q])
                grads[q, :] = 0.0
            lo, hi, state = shrunk_window(i, n, window, state)
            if hi - lo - 1 > 0:
                for d in range(dim):
                    h[d] = 0.0
                    neu1e[d] = 0.0
                count = 0
                for j in range(lo, hi):
                    if j != i:
                        for d in range(dim):
                            h[d] += sums[j, d]
                        count += counts[j]
                if cbow_mean:
                    inv = np.float32(1.0 / count)
                    for d in range(dim):
                        h[d] *= inv
                centre = sent[i]
                if hs:
                    k = huffman_outputs(centre, codes, points, code_lengths, rows, labels)
                    loss += hidden_update(syn1, rows, labels, k, h, neu1e, alpha, True)
                if negative > 0:
                    k, state = draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
                    if i + 1 < n:  # the next step's rows, fetched while this one computes (prefetch.py)
                        prefetch_outputs(state, 1, sent[i + 1], negative, neg_thr, neg_alias, syn1neg)
                    loss += hidden_update(syn1neg, rows, labels, k, h, neu1e, alpha, True)
                for j in range(lo, hi):
                    if j != i:
                        for d in range(dim):
                            grads[j, d] += neu1e[d]
                terms += 1
            p = i - window
            if p >= 0:
                add_subword_rows(syn0, ngrams, ptr, rows_of, sent[p], grads[p])
        for p in range(max(0, n - window), n):
            add_subword_rows(syn0, ngrams, ptr, rows_of, sent[p], grads[p])
    return loss, terms, effective


