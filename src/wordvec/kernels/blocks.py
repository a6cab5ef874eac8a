"""Shared kernel blocks: the pieces every embedding kernel is made of, as public Numba functions.

A model's kernel (``word2vec.py``, ``doc2vec.py``, ``fasttext.py``) is a driver that walks
sentences and calls these:

- ``subsample``: drop frequent words (the C tool's formula, integer thresholds).
- ``shrunk_window``: the C tool's random window narrowing.
- ``job_alpha``: the learning rate, linear across a job.
- ``huffman_outputs`` / ``draw_outputs``: a centre word's outputs (its Huffman path; or
  itself and its negatives), then ``batch_update`` against many context rows at once
  (HogBatch; the context gradients summed in ``dctx``) or ``hidden_update`` against one
  hidden vector (CBOW, PV-DM; its gradient summed in ``neu1e``).
- ``gather_rows`` / ``add_rows``, ``subword_sum`` / ``subword_mean`` / ``add_subword_rows``: inputs in, gradients back.

Two rules, measured (each cost 5-7% of skip-gram's words/s, 15-18% of doc2vec's): a driver
takes the arrays out of ``tables`` once, at its top (reading a field in the loop costs a
reference count each time), and calls the output blocks itself (``if hs: ...; if negative:
...``): any function around them, inlined or not, slows the loop. That is why those four
lines appear in every driver instead of in one block here.

Every block that predicts adds the exact negative log-likelihood of its predictions to
``loss``, which it takes and returns, so a kernel's loss sums in one fixed order.

Every fastmath kernel is compiled with ``error_model="numpy"``: under fastmath a NaN
divisor (weights that diverged) passes Numba's "divisor == 0" check and raised
ZeroDivisionError from deep inside a kernel; with the numpy model a division never
raises, NaN flows into the loss, and the job runner reports the divergence.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .sampling import draw_alias, next_random

_U32 = np.uint64(32)
_FLUSH = 1e-200


@njit(nogil=True, fastmath=True, inline="always", error_model="numpy")
def sigmoid_and_prob(f, label):
    """sigmoid(f) and the probability given to ``label``, from one float32 exp and no
    subtraction (so tiny probabilities keep their precision)."""
    e = math.exp(-abs(f))
    big = np.float32(1.0) / (np.float32(1.0) + e)  # sigmoid(|f|)
    small = max(e * big, np.float32(1e-30))  # sigmoid(-|f|); floored so a log never sees 0
    s = big if f >= 0 else small
    p = big if (label > 0.5) == (f >= 0) else small
    return s, p


@njit(nogil=True, fastmath=True, inline="always", error_model="numpy")
def accumulate(prod, logsum, p):
    """Multiply probabilities and take one log per many: the exact log-likelihood at a
    fraction of the cost of a log per prediction."""
    prod *= p
    if prod < _FLUSH:
        logsum += math.log(prod)
        prod = 1.0
    return prod, logsum


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def subsample(tokens, start, stop, keep, sent, state):
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


@njit(nogil=True, inline="always")
def longest_sentence(bounds):
    longest = 1
    for s in range(bounds.shape[0] - 1):
        longest = max(longest, bounds[s + 1] - bounds[s])
    return longest


@njit(nogil=True, inline="always")
def shrunk_window(i, n, window, state):
    """The C tool's shrinking window: a random b in [0, window) narrows both sides.
    Returns (lo, hi, state): positions lo..hi-1 around i."""
    state, r = next_random(state)
    b = np.int64((r >> _U32) % np.uint64(window))
    return max(0, i - window + b), min(n, i + window - b + 1), state


@njit(nogil=True, inline="always")
def job_alpha(alpha0, alpha1, bounds, s):
    """Learning rate at sentence s, linear across the job from alpha0 to alpha1."""
    total = max(1, bounds[-1] - bounds[0])
    return np.float32(alpha0 + (alpha1 - alpha0) * ((bounds[s] - bounds[0]) / total))


NO_MARKS = np.zeros((0, 0), np.bool_)  # the kernels' default ``touched``: record nothing


@njit(nogil=True, inline="always")
def mark_outputs(touched, which, rows, k):
    """``touched[which, rows[:k]] = True``: the output rows a step wrote (row 0 of
    ``touched`` for syn1neg, row 1 for syn1), which a Spark task's delta scan then reads
    alone; a no-op for one machine's empty ``NO_MARKS``."""
    if touched.shape[0]:
        for q in range(k):
            touched[which, rows[q]] = True


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state):
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
def huffman_outputs(centre, codes, points, code_lengths, rows, labels):
    """Outputs for hierarchical softmax: the inner nodes on the centre word's path,
    label 1 - code (as the C tool). Returns how many."""
    k = code_lengths[centre]
    for o in range(k):
        rows[o] = points[centre, o]
        labels[o] = 1.0 - codes[centre, o]
    return k


@njit(nogil=True, inline="always")
def output_buffers(negative, codes, contexts):
    """Scratch for the output blocks: rows, labels, and (rows x contexts) gradients, sized
    for the longest Huffman path or the centre word plus its negatives."""
    kmax = max(negative + 1, codes.shape[1])
    return np.empty(kmax, np.int64), np.empty(kmax, np.float32), np.empty((kmax, max(1, contexts)), np.float32)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def batch_update(weights, rows, labels, k, ctxbuf, dctx, nc, alpha, grad, learn_outputs):
    """Outputs ``rows[:k]`` (with labels) against contexts ``ctxbuf[:nc]``:
    add the context gradient into ``dctx`` and update the output rows in place (unless
    ``learn_outputs`` is False: inference keeps them frozen).
    Returns the summed loss of the k * nc predictions.

    Register-blocked: each pass reads an output row once for 4 contexts (and a context's
    gradient row once for 2 outputs), not once per pair; 12-15% more skip-gram words/s on
    one thread, the same updates up to float32 summation order."""
    dim = ctxbuf.shape[1]
    prod = 1.0
    logsum = 0.0
    for o in range(k):  # scores and gradients
        row = rows[o]
        lab = labels[o]
        c = 0
        while c + 4 <= nc:
            f0 = np.float32(0.0)
            f1 = np.float32(0.0)
            f2 = np.float32(0.0)
            f3 = np.float32(0.0)
            for d in range(dim):
                w = weights[row, d]
                f0 += w * ctxbuf[c, d]
                f1 += w * ctxbuf[c + 1, d]
                f2 += w * ctxbuf[c + 2, d]
                f3 += w * ctxbuf[c + 3, d]
            s, p = sigmoid_and_prob(f0, lab)
            prod, logsum = accumulate(prod, logsum, p)
            grad[o, c] = (lab - s) * alpha
            s, p = sigmoid_and_prob(f1, lab)
            prod, logsum = accumulate(prod, logsum, p)
            grad[o, c + 1] = (lab - s) * alpha
            s, p = sigmoid_and_prob(f2, lab)
            prod, logsum = accumulate(prod, logsum, p)
            grad[o, c + 2] = (lab - s) * alpha
            s, p = sigmoid_and_prob(f3, lab)
            prod, logsum = accumulate(prod, logsum, p)
            grad[o, c + 3] = (lab - s) * alpha
            c += 4
        while c < nc:
            f = np.float32(0.0)
            for d in range(dim):
                f += weights[row, d] * ctxbuf[c, d]
            s, p = sigmoid_and_prob(f, lab)
            prod, logsum = accumulate(prod, logsum, p)
            grad[o, c] = (lab - s) * alpha
            c += 1
    for c in range(nc):  # the contexts' gradients, from the output rows before their update
        o = 0
        while o + 2 <= k:
            g0 = grad[o, c]
            g1 = grad[o + 1, c]
            r0 = rows[o]
            r1 = rows[o + 1]
            for d in range(dim):
                dctx[c, d] += g0 * weights[r0, d] + g1 * weights[r1, d]
            o += 2
        if o < k:
            g0 = grad[o, c]
            r0 = rows[o]
            for d in range(dim):
                dctx[c, d] += g0 * weights[r0, d]
    if learn_outputs:
        for o in range(k):
            row = rows[o]
            c = 0
            while c + 4 <= nc:
                g0 = grad[o, c]
                g1 = grad[o, c + 1]
                g2 = grad[o, c + 2]
                g3 = grad[o, c + 3]
                for d in range(dim):
                    weights[row, d] += (g0 * ctxbuf[c, d] + g1 * ctxbuf[c + 1, d]) + (
                        g2 * ctxbuf[c + 2, d] + g3 * ctxbuf[c + 3, d])
                c += 4
            while c < nc:
                g = grad[o, c]
                for d in range(dim):
                    weights[row, d] += g * ctxbuf[c, d]
                c += 1
    return -(logsum + math.log(prod))


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def hidden_update(weights, rows, labels, k, h, neu1e, alpha, learn_outputs):
    """One hidden vector ``h`` against outputs ``rows[:k]``: accumulate its gradient in
    ``neu1e`` and update the output rows (unless ``learn_outputs`` is False). ``h`` may be
    wider than a word vector (PV-DM's concatenation). Returns the summed loss."""
    dim = h.shape[0]
    prod = 1.0
    logsum = 0.0
    for o in range(k):
        row = rows[o]
        f = np.float32(0.0)
        for d in range(dim):
            f += weights[row, d] * h[d]
        s, p = sigmoid_and_prob(f, labels[o])
        prod, logsum = accumulate(prod, logsum, p)
        g = np.float32((labels[o] - s) * alpha)
        if learn_outputs:
            for d in range(dim):
                neu1e[d] += g * weights[row, d]
                weights[row, d] += g * h[d]
        else:
            for d in range(dim):
                neu1e[d] += g * weights[row, d]
    return -(logsum + math.log(prod))


@njit(nogil=True, inline="always")
def add_rows(weights, ids, n, delta):
    """weights[ids[c]] += delta[c] for c < n (a context's gradient back into its rows)."""
    dim = weights.shape[1]
    for c in range(n):
        w = ids[c]
        for d in range(dim):
            weights[w, d] += delta[c, d]


@njit(nogil=True, inline="always")
def gather_rows(weights, ids, n, out, zero):
    """out[c] = weights[ids[c]] and zero[c] = 0 for c < n (a context's rows, gradient cleared)."""
    dim = weights.shape[1]
    for c in range(n):
        w = ids[c]
        for d in range(dim):
            out[c, d] = weights[w, d]
            zero[c, d] = 0.0


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def subword_sum(syn0, ngrams, ptr, rows, w, out):
    """Subword input (fastText): out = word w's own row of ``syn0`` plus its n-gram rows
    ``ngrams[rows[ptr[w]:ptr[w + 1]]]``; returns how many rows were added."""
    dim = syn0.shape[1]
    for d in range(dim):
        out[d] = syn0[w, d]
    for r in range(ptr[w], ptr[w + 1]):
        g = rows[r]
        for d in range(dim):
            out[d] += ngrams[g, d]
    return 1 + ptr[w + 1] - ptr[w]


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def subword_mean(syn0, ngrams, ptr, rows, w, out):
    """out = the mean of word w's own row and its n-gram rows (its fastText vector)."""
    count = subword_sum(syn0, ngrams, ptr, rows, w, out)
    if count > 1:
        inv = np.float32(1.0 / count)
        for d in range(out.shape[0]):
            out[d] *= inv


@njit(nogil=True, inline="always")
def add_subword_rows(syn0, ngrams, ptr, rows, w, delta):
    """The gradient of a mean of subword rows back into every one of them: ``delta`` (one
    vector) added whole to word w's own row and to each of its n-gram rows. Whole, not
    divided by their number: fastText divides only in supervised training (Model::update's
    normalizeGradient), gensim's FastText does the same."""
    dim = syn0.shape[1]
    for d in range(dim):
        syn0[w, d] += delta[d]
    for r in range(ptr[w], ptr[w + 1]):
        g = rows[r]
        for d in range(dim):
            ngrams[g, d] += delta[d]
