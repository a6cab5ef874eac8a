"""doc2vec's kernels: paragraph vectors (PV-DBOW, PV-DM mean/sum, PV-DM concatenated) as
drivers over the shared blocks, for training jobs and for inference.

A document is a run of word rows plus its tag rows (``tags``: rows of ``dv``); a long
document may be cut into several encoded sentences that all carry its tags. As in gensim:

- PV-DBOW: every (subsampled) word of the document is predicted from each tag vector;
  with ``dbow_words`` the window's words are contexts too (skip-gram), and the tags join
  that window, so words and tags share the centre word's outputs (one HogBatch update).
- PV-DM: the hidden layer is the sum (or mean) of the window's words and the tags; the
  error goes back to all of them (divided by their number when summed, as gensim does).
- PV-DM concatenated: the hidden layer is [tags, w-window .. w-1, w+1 .. w+window] side by
  side, a fixed window padded with a trained null vector; outputs are that wide.

``learn`` flags (words, tags, outputs) let inference train only a new document's vector.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .blocks import (batch_update, draw_outputs, hidden_update, huffman_outputs, job_alpha, longest_sentence,
                     output_buffers, shrunk_window, subsample)
from .prefetch import prefetch_outputs


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def dbow_document(sent, n, tags, syn0, dv, syn1, syn1neg, tables, window, negative, hs, train_words,
                  learn_words, learn_tags, learn_outputs, alpha, ctx, ctxbuf, dctx, rows, labels, grad, loss, state):
    """PV-DBOW over one (subsampled) document ``sent[:n]`` with tag rows ``tags``.
    Returns (loss, terms, state)."""
    dim = syn0.shape[1]
    # The tables' arrays, taken out once: reading a field of ``tables`` in the loop costs a
    # reference count each time (6-7% of skip-gram's time, measured).
    _, neg_thr, neg_alias, codes, points, code_lengths = tables
    nt = tags.shape[0]
    terms = 0
    for i in range(n):
        nw = 0
        if train_words:
            lo, hi, state = shrunk_window(i, n, window, state)
            for j in range(lo, hi):
                if j != i:
                    ctx[nw] = sent[j]
                    nw += 1
            for c in range(nw):
                w = ctx[c]
                for d in range(dim):
                    ctxbuf[c, d] = syn0[w, d]
                    dctx[c, d] = 0.0
        for t in range(nt):
            r = tags[t]
            for d in range(dim):
                ctxbuf[nw + t, d] = dv[r, d]
                dctx[nw + t, d] = 0.0
        nc = nw + nt
        if nc == 0:
            continue
        centre = sent[i]  # the output blocks called directly: a function around them costs 5-7% (blocks.py)
        if hs:
            k = huffman_outputs(centre, codes, points, code_lengths, rows, labels)
            loss += batch_update(syn1, rows, labels, k, ctxbuf, dctx, nc, alpha, grad, learn_outputs)
        if negative > 0:
            k, state = draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
            if i + 1 < n:  # the next step's rows, fetched while this one computes (prefetch.py)
                prefetch_outputs(state, 1 if train_words else 0, sent[i + 1], negative, neg_thr, neg_alias, syn1neg)
            loss += batch_update(syn1neg, rows, labels, k, ctxbuf, dctx, nc, alpha, grad, learn_outputs)
        if learn_words:
            for c in range(nw):
                w = ctx[c]
                for d in range(dim):
                    syn0[w, d] += dctx[c, d]
        if learn_tags:
            for t in range(nt):
                r = tags[t]
                for d in range(dim):
                    dv[r, d] += dctx[nw + t, d]
        terms += nc
    return loss, terms, state


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def dm_document(sent, n, tags, syn0, dv, syn1, syn1neg, tables, window, negative, hs, dm_mean,
                learn_words, learn_tags, learn_outputs, alpha, h, neu1e, rows, labels, loss, state):
    """PV-DM (mean or sum) over one document. Returns (loss, terms, state)."""
    dim = syn0.shape[1]
    # The tables' arrays, taken out once: reading a field of ``tables`` in the loop costs a
    # reference count each time (6-7% of skip-gram's time, measured).
    _, neg_thr, neg_alias, codes, points, code_lengths = tables
    nt = tags.shape[0]
    terms = 0
    for i in range(n):
        lo, hi, state = shrunk_window(i, n, window, state)
        count = hi - lo - 1 + nt
        if count <= 0:
            continue
        for d in range(dim):
            h[d] = 0.0
            neu1e[d] = 0.0
        for j in range(lo, hi):
            if j != i:
                w = sent[j]
                for d in range(dim):
                    h[d] += syn0[w, d]
        for t in range(nt):
            r = tags[t]
            for d in range(dim):
                h[d] += dv[r, d]
        inv = np.float32(1.0 / count)
        if dm_mean:
            for d in range(dim):
                h[d] *= inv
        centre = sent[i]  # the output blocks called directly (blocks.py)
        if hs:
            k = huffman_outputs(centre, codes, points, code_lengths, rows, labels)
            loss += hidden_update(syn1, rows, labels, k, h, neu1e, alpha, learn_outputs)
        if negative > 0:
            k, state = draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
            if i + 1 < n:  # the next step's rows, fetched while this one computes (prefetch.py)
                prefetch_outputs(state, 1, sent[i + 1], negative, neg_thr, neg_alias, syn1neg)
            loss += hidden_update(syn1neg, rows, labels, k, h, neu1e, alpha, learn_outputs)
        if not dm_mean:  # a summed input shares the error among its parts, as gensim
            for d in range(dim):
                neu1e[d] *= inv
        if learn_tags:
            for t in range(nt):
                r = tags[t]
                for d in range(dim):
                    dv[r, d] += neu1e[d]
        if learn_words:
            for j in range(lo, hi):
                if j != i:
                    w = sent[j]
                    for d in range(dim):
                        syn0[w, d] += neu1e[d]
        terms += 1
    return loss, terms, state


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def dm_concat_document(sent, n, tags, syn0, dv, null, syn1, syn1neg, tables, window, negative, hs,
                       learn_words, learn_tags, learn_outputs, alpha, h, neu1e, rows, labels, loss, state):
    """PV-DM with concatenation: [tags | window left | window right], missing words padded
    with ``null[0]``; ``h`` and ``neu1e`` are (tags + 2 * window) * dim wide. Returns (loss, terms, state)."""
    dim = syn0.shape[1]
    # The tables' arrays, taken out once: reading a field of ``tables`` in the loop costs a
    # reference count each time (6-7% of skip-gram's time, measured).
    _, neg_thr, neg_alias, codes, points, code_lengths = tables
    nt = tags.shape[0]
    terms = 0
    for i in range(n):
        for t in range(nt):
            r = tags[t]
            for d in range(dim):
                h[t * dim + d] = dv[r, d]
        for k in range(2 * window):
            j = i - window + k if k < window else i + 1 + (k - window)
            base = (nt + k) * dim
            if 0 <= j < n:
                w = sent[j]
                for d in range(dim):
                    h[base + d] = syn0[w, d]
            else:
                for d in range(dim):
                    h[base + d] = null[0, d]
        for d in range(neu1e.shape[0]):
            neu1e[d] = 0.0
        centre = sent[i]  # the output blocks called directly (blocks.py)
        if hs:
            k = huffman_outputs(centre, codes, points, code_lengths, rows, labels)
            loss += hidden_update(syn1, rows, labels, k, h, neu1e, alpha, learn_outputs)
        if negative > 0:
            k, state = draw_outputs(centre, negative, neg_thr, neg_alias, rows, labels, state)
            if i + 1 < n:  # the next step's rows, fetched while this one computes (prefetch.py)
                prefetch_outputs(state, 0, sent[i + 1], negative, neg_thr, neg_alias, syn1neg)
            loss += hidden_update(syn1neg, rows, labels, k, h, neu1e, alpha, learn_outputs)
        if learn_tags:
            for t in range(nt):
                r = tags[t]
                for d in range(dim):
                    dv[r, d] += neu1e[t * dim + d]
        if learn_words:
            for k in range(2 * window):
                j = i - window + k if k < window else i + 1 + (k - window)
                base = (nt + k) * dim
                if 0 <= j < n:
                    w = sent[j]
                    for d in range(dim):
                        syn0[w, d] += neu1e[base + d]
                else:
                    for d in range(dim):
                        null[0, d] += neu1e[base + d]
        terms += 1
    return loss, terms, state


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _document(mode, sent, n, tags, syn0, dv, null, syn1, syn1neg, tables, window, negative, hs, dm_mean, dbow_words,
              learn_words, learn_tags, learn_outputs, alpha, ctx, ctxbuf, dctx, h, neu1e, rows, labels, grad, loss, state):
    """One document in the model's mode (0 PV-DBOW, 1 PV-DM, 2 PV-DM concatenated)."""
    if mode == 0:
        return dbow_document(sent, n, tags, syn0, dv, syn1, syn1neg, tables, window, negative, hs, dbow_words,
                             learn_words, learn_tags, learn_outputs, alpha, ctx, ctxbuf, dctx, rows, labels, grad,
                             loss, state)
    if mode == 1:
        return dm_document(sent, n, tags, syn0, dv, syn1, syn1neg, tables, window, negative, hs, dm_mean,
                           learn_words, learn_tags, learn_outputs, alpha, h, neu1e, rows, labels, loss, state)
    return dm_concat_document(sent, n, tags, syn0, dv, null, syn1, syn1neg, tables, window, negative, hs,
                              learn_words, learn_tags, learn_outputs, alpha, h, neu1e, rows, labels, loss, state)


@njit(nogil=True, inline="always")
def _scratch(syn0, window, max_tags, negative, codes, hidden):
    dim = syn0.shape[1]
    width = 2 * window + max_tags
    ctx = np.empty(width, np.int32)
    ctxbuf = np.empty((width, dim), np.float32)
    dctx = np.empty((width, dim), np.float32)
    h = np.empty(hidden, np.float32)
    neu1e = np.empty(hidden, np.float32)
    rows, labels, grad = output_buffers(negative, codes, width)
    return ctx, ctxbuf, dctx, h, neu1e, rows, labels, grad


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def doc2vec_job(tokens, bounds, sent_doc, tag_ptr, tag_rows, syn0, dv, null, syn1, syn1neg, tables, mode, window,
                negative, hs, dm_mean, dbow_words, max_tags, hidden, alpha0, alpha1, seed):
    """A training job: sentences of ``tokens`` (split by ``bounds``), sentence s belonging
    to document ``sent_doc[s]`` whose tag rows are ``tag_rows[tag_ptr[d]:tag_ptr[d + 1]]``.
    Returns (loss_sum, loss_terms, effective_words)."""
    state = np.uint64(seed)
    sent = np.empty(longest_sentence(bounds), np.int32)
    ctx, ctxbuf, dctx, h, neu1e, rows, labels, grad = _scratch(syn0, window, max_tags, negative, tables.codes, hidden)
    loss = 0.0
    terms = 0
    effective = 0
    for s in range(bounds.shape[0] - 1):
        alpha = job_alpha(alpha0, alpha1, bounds, s)
        n, state = subsample(tokens, bounds[s], bounds[s + 1], tables.keep, sent, state)
        effective += n
        doc = sent_doc[s]
        tags = tag_rows[tag_ptr[doc] : tag_ptr[doc + 1]]
        loss, t, state = _document(mode, sent, n, tags, syn0, dv, null, syn1, syn1neg, tables, window, negative, hs,
                                   dm_mean, dbow_words, True, True, True, alpha, ctx, ctxbuf, dctx, h, neu1e, rows,
                                   labels, grad, loss, state)
        terms += t
    return loss, terms, effective


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def infer_documents(tokens, bounds, first, last, out, syn0, null, syn1, syn1neg, tables, mode, window, negative, hs,
                    dm_mean, max_tags, hidden, epochs, alpha, min_alpha, seeds):
    """Inference for documents ``first..last-1`` (``tokens[bounds[d]:bounds[d + 1]]``): each
    trains only its own row of ``out`` (already initialised) with words and outputs frozen,
    ``epochs`` passes from ``alpha`` down to ``min_alpha``. Document d's random stream
    starts from ``seeds[d]``, so its vector depends on its words and seed alone."""
    longest = 1
    for d in range(first, last):
        longest = max(longest, bounds[d + 1] - bounds[d])
    sent = np.empty(longest, np.int32)
    ctx, ctxbuf, dctx, h, neu1e, rows, labels, grad = _scratch(syn0, window, max_tags, negative, tables.codes, hidden)
    tags = np.empty(1, np.int32)
    step = (alpha - min_alpha) / max(epochs - 1, 1)
    for d in range(first, last):
        tags[0] = d
        state = np.uint64(seeds[d])
        for e in range(epochs):
            a = np.float32(alpha - step * e)
            n, state = subsample(tokens, bounds[d], bounds[d + 1], tables.keep, sent, state)
            _, _, state = _document(mode, sent, n, tags, syn0, out, null, syn1, syn1neg, tables, window, negative, hs,
                                    dm_mean, False, False, True, False, a, ctx, ctxbuf, dctx, h, neu1e, rows, labels,
                                    grad, 0.0, state)
