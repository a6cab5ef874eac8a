"""FROZEN test oracle: the skip-gram and CBOW kernels exactly as they were before the engine
was split into shared blocks (commit 2153ae5, src/wordvec/kernels.py). tests/test_engine_identity.py
checks that the restructured engine gives bit-identical vectors. Never edit or reuse this file."""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from wordvec.kernels.sampling import draw_alias, next_random

_U32 = np.uint64(32)


@njit(nogil=True, fastmath=True, inline="always")
def _sigmoid_and_prob(f, label):
    """sigmoid(f) and the probability given to ``label``, from one float32 exp and no
    subtraction (so tiny probabilities keep their precision)."""
    e = math.exp(-abs(f))
    big = np.float32(1.0) / (np.float32(1.0) + e)  # sigmoid(|f|)
    small = max(e * big, np.float32(1e-30))  # sigmoid(-|f|); floored so a log never sees 0
    s = big if f >= 0 else small
    p = big if (label > 0.5) == (f >= 0) else small
    return s, p


_FLUSH = 1e-200


@njit(nogil=True, fastmath=True, inline="always")
def _accumulate(prod, logsum, p):
    """Multiply probabilities and take one log per many: the exact log-likelihood at a
    fraction of the cost of a log per prediction."""
    prod *= p
    if prod < _FLUSH:
        logsum += math.log(prod)
        prod = 1.0
    return prod, logsum


@njit(nogil=True, fastmath=True, cache=True)
def _subsample(tokens, start, stop, keep, sent, state):
    """Copy tokens[start:stop] into ``sent``, dropping each word w with probability
    1 - keep[w] / 2**32. Returns (kept, state)."""
    n = 0
    for t in range(start, stop):
        w = tokens[t]
        k = keep[w]
        if k < 4294967296:
            state, r = next_random(state)
            if np.int64(r >> _U32) >= k:
                continue
        sent[n] = w
        n += 1
    return n, state


@njit(nogil=True, fastmath=True, cache=True)
def _batch_update(weights, rows, labels, k, ctxbuf, dctx, nc, alpha, grad):
    """Outputs ``rows[:k]`` (with labels) against contexts ``ctxbuf[:nc]``:
    add the context gradient into ``dctx`` and update the output rows in place.
    Returns the summed loss of the k * nc predictions."""
    dim = ctxbuf.shape[1]
    prod = 1.0
    logsum = 0.0
    for o in range(k):
        row = rows[o]
        lab = labels[o]
        for c in range(nc):
            f = np.float32(0.0)
            for d in range(dim):
                f += weights[row, d] * ctxbuf[c, d]
            s, p = _sigmoid_and_prob(f, lab)
            prod, logsum = _accumulate(prod, logsum, p)
            grad[o, c] = (lab - s) * alpha
    for o in range(k):
        row = rows[o]
        for c in range(nc):
            g = grad[o, c]
            for d in range(dim):
                dctx[c, d] += g * weights[row, d]
    for o in range(k):
        row = rows[o]
        for c in range(nc):
            g = grad[o, c]
            for d in range(dim):
                weights[row, d] += g * ctxbuf[c, d]
    return -(logsum + math.log(prod))


@njit(nogil=True, fastmath=True, cache=True)
def _draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state):
    """Outputs for negative sampling: the centre word (label 1) then up to ``negative``
    noise words (label 0); a draw equal to the centre word is skipped, as in the C tool."""
    rows[0] = centre
    labels[0] = 1.0
    k = 1
    for _ in range(negative):
        state, r = next_random(state)
        w = draw_alias(r, neg_thr, neg_alias)
        if w == centre:
            continue
        rows[k] = w
        labels[k] = 0.0
        k += 1
    return k, state


@njit(nogil=True, inline="always")
def _longest_sentence(bounds):
    longest = 1
    for s in range(bounds.shape[0] - 1):
        longest = max(longest, bounds[s + 1] - bounds[s])
    return longest


@njit(nogil=True, inline="always")
def _shrunk_window(i, n, window, state):
    """The C tool's shrinking window: a random b in [0, window) narrows both sides."""
    state, r = next_random(state)
    b = np.int64((r >> _U32) % np.uint64(window))
    return max(0, i - window + b), min(n, i + window - b + 1), state


@njit(nogil=True, inline="always")
def _huffman_outputs(centre, codes, points, code_lengths, rows, labels):
    """Outputs for hierarchical softmax: the inner nodes on the centre word's path,
    label 1 - code (as the C tool). Returns how many."""
    k = code_lengths[centre]
    for o in range(k):
        rows[o] = points[centre, o]
        labels[o] = 1.0 - codes[centre, o]
    return k


@njit(nogil=True, inline="always")
def _job_alpha(alpha0, alpha1, bounds, s):
    """Learning rate at sentence s, linear across the job from alpha0 to alpha1."""
    total = max(1, bounds[-1] - bounds[0])
    return np.float32(alpha0 + (alpha1 - alpha0) * ((bounds[s] - bounds[0]) / total))


@njit(nogil=True, fastmath=True, cache=True)
def skipgram_job(tokens, bounds, syn0, syn1, syn1neg, keep, neg_thr, neg_alias,
                 codes, points, code_lengths, window, negative, hs, alpha0, alpha1, seed):
    dim = syn0.shape[1]
    state = np.uint64(seed)
    sent = np.empty(_longest_sentence(bounds), np.int32)
    ctx = np.empty(2 * window, np.int32)
    ctxbuf = np.empty((2 * window, dim), np.float32)
    dctx = np.empty((2 * window, dim), np.float32)
    kmax = max(negative + 1, codes.shape[1])
    rows = np.empty(kmax, np.int64)
    labels = np.empty(kmax, np.float32)
    grad = np.empty((kmax, 2 * window), np.float32)
    loss = 0.0
    terms = 0
    effective = 0
    for s in range(bounds.shape[0] - 1):
        alpha = _job_alpha(alpha0, alpha1, bounds, s)
        n, state = _subsample(tokens, bounds[s], bounds[s + 1], keep, sent, state)
        effective += n
        for i in range(n):
            lo, hi, state = _shrunk_window(i, n, window, state)
            nc = 0
            for j in range(lo, hi):
                if j != i:
                    ctx[nc] = sent[j]
                    nc += 1
            if nc == 0:
                continue
            for c in range(nc):
                w = ctx[c]
                for d in range(dim):
                    ctxbuf[c, d] = syn0[w, d]
                    dctx[c, d] = 0.0
            centre = sent[i]
            if hs:
                k = _huffman_outputs(centre, codes, points, code_lengths, rows, labels)
                loss += _batch_update(syn1, rows, labels, k, ctxbuf, dctx, nc, alpha, grad)
            if negative > 0:
                k, state = _draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
                loss += _batch_update(syn1neg, rows, labels, k, ctxbuf, dctx, nc, alpha, grad)
            for c in range(nc):
                w = ctx[c]
                for d in range(dim):
                    syn0[w, d] += dctx[c, d]
            terms += nc
    return loss, terms, effective


@njit(nogil=True, fastmath=True, cache=True)
def _cbow_outputs(weights, rows, labels, k, h, neu1e, alpha):
    """One hidden vector ``h`` against outputs ``rows[:k]``: accumulate its gradient in
    ``neu1e`` and update the output rows. Returns the summed loss."""
    dim = h.shape[0]
    prod = 1.0
    logsum = 0.0
    for o in range(k):
        row = rows[o]
        f = np.float32(0.0)
        for d in range(dim):
            f += weights[row, d] * h[d]
        s, p = _sigmoid_and_prob(f, labels[o])
        prod, logsum = _accumulate(prod, logsum, p)
        g = np.float32((labels[o] - s) * alpha)
        for d in range(dim):
            neu1e[d] += g * weights[row, d]
            weights[row, d] += g * h[d]
    return -(logsum + math.log(prod))


@njit(nogil=True, fastmath=True, cache=True)
def cbow_job(tokens, bounds, syn0, syn1, syn1neg, keep, neg_thr, neg_alias,
             codes, points, code_lengths, window, negative, hs, cbow_mean, alpha0, alpha1, seed):
    dim = syn0.shape[1]
    state = np.uint64(seed)
    sent = np.empty(_longest_sentence(bounds), np.int32)
    h = np.empty(dim, np.float32)
    neu1e = np.empty(dim, np.float32)
    kmax = max(negative + 1, codes.shape[1])
    rows = np.empty(kmax, np.int64)
    labels = np.empty(kmax, np.float32)
    loss = 0.0
    terms = 0
    effective = 0
    for s in range(bounds.shape[0] - 1):
        alpha = _job_alpha(alpha0, alpha1, bounds, s)
        n, state = _subsample(tokens, bounds[s], bounds[s + 1], keep, sent, state)
        effective += n
        for i in range(n):
            lo, hi, state = _shrunk_window(i, n, window, state)
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
            centre = sent[i]
            if hs:
                k = _huffman_outputs(centre, codes, points, code_lengths, rows, labels)
                loss += _cbow_outputs(syn1, rows, labels, k, h, neu1e, alpha)
            if negative > 0:
                k, state = _draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
                loss += _cbow_outputs(syn1neg, rows, labels, k, h, neu1e, alpha)
            # As the C tool: every context word receives the whole error (mean and sum).
            for j in range(lo, hi):
                if j != i:
                    w = sent[j]
                    for d in range(dim):
                        syn0[w, d] += neu1e[d]
            terms += 1
    return loss, terms, effective
