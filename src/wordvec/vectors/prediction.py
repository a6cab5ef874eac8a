"""Predict a missing word from its context with the trained output weights.

The hidden layer is the mean (``cbow_mean``) or sum of the context words' input vectors, as
in gensim's ``predict_output_word``. With negative sampling the scores are a softmax over
``syn1neg @ hidden``; with hierarchical softmax each word's probability is the product of
the sigmoids along its Huffman path (these sum to 1 over the vocabulary).

``standardize_context`` turns a context as a person types it (``"The wide, _ shimmered"``)
into the words the model knows, standardised as its training corpus was.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import WordvecError
from ..params import check_choice, check_int
from .keyed import top_k

METHODS = ("ns", "hs")
GAP = "_"  # marks the missing word in a typed context; never a context word


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def word_probabilities(model, hidden: np.ndarray, method: str) -> np.ndarray:
    """P(word | hidden) for every word of the vocabulary (float64, sums to 1)."""
    h = hidden.astype(np.float64)
    if method == "ns":
        logits = np.asarray(model.syn1neg, dtype=np.float64) @ h
        logits -= logits.max()  # stable softmax; gensim's plain exp overflows on long vectors
        p = np.exp(logits)
        return p / p.sum()
    n = len(model.wv)
    if n == 1:
        return np.ones(1)
    node_scores = np.asarray(model.syn1, dtype=np.float64) @ h
    lengths = np.asarray(model.tables_.code_lengths[:n])
    width = int(lengths.max())
    points = np.asarray(model.tables_.points[:n, :width], dtype=np.int64)
    codes = np.asarray(model.tables_.codes[:n, :width], dtype=np.float64)
    on_path = np.arange(width)[None, :] < lengths[:, None]
    # Branch label is 1 - code: the C tool trains sigmoid(h . syn1[point]) towards it.
    x = np.where(on_path, (1.0 - 2.0 * codes) * node_scores[np.where(on_path, points, 0)], np.inf)
    logp = _log_sigmoid(x).sum(axis=1)
    return np.exp(logp)


def standardize_context(context, mode: str = "none") -> list[str]:
    """The words of ``context`` (a string, split on whitespace, or a list of words) as a
    corpus read with ``standardize=mode`` gives them (``lower_strip_punctuation``: ``"The
    wide, _"`` becomes ``["the", "wide"]``); the gap marker ``_`` is left out."""
    from ..text.corpus import STANDARDIZE_MODES, Standardizer

    check_choice("standardize", mode, STANDARDIZE_MODES)
    if isinstance(context, str):
        context = context.split()
    std = Standardizer(mode)
    return [t.decode() for w in context if w != GAP for t in std(w.encode()).split()]


def model_standardize(model) -> str:
    """The standardisation of ``model``'s training corpus (``none`` when it records none)."""
    from ..text.corpus import STANDARDIZE_MODES

    mode = getattr(model, "standardize", "none")
    return mode if isinstance(mode, str) and mode in STANDARDIZE_MODES else "none"


def predict_output_word(model, context_words, topn: int = 10, method: str | None = None, standardize=False):
    """The ``topn`` likeliest centre words for ``context_words``, as (word, probability).

    ``method`` is ``ns`` (negative sampling, gensim's choice) or ``hs``; by default the
    model's negative-sampling weights when it has them, else its hierarchical softmax.
    ``standardize``: False takes the words as given; True standardises them as the model's
    corpus was (see ``standardize_context``; ``_`` marks the gap); a mode name, that way.
    Unknown context words are left out with a warning; a KeyError names them when none is known.
    """
    check_int("topn", topn, low=1)
    if getattr(model, "wv", None) is None:
        raise WordvecError("predict_output_word: the model has no vectors yet; train it first")
    has_ns = getattr(model, "syn1neg", None) is not None
    has_hs = getattr(model, "syn1", None) is not None and bool(getattr(model, "hs", False))
    if method is None:
        method = "ns" if has_ns else "hs"
    check_choice("method", method, METHODS, none_ok=True)
    if (method == "ns" and not has_ns) or (method == "hs" and not has_hs):
        raise WordvecError(
            "predict_output_word needs output weights (negative sampling or hierarchical softmax): "
            "these vectors have none; load a model saved by Word2Vec.save, not vectors only"
            if not (has_ns or has_hs) else f"predict_output_word: the model was not trained with method={method!r}"
        )
    if standardize is not False:
        mode = model_standardize(model) if standardize is True else standardize
        context_words = standardize_context(context_words, mode)
    elif isinstance(context_words, str):
        context_words = context_words.split()
    context_words = list(context_words)
    wv = model.wv
    known = [wv.key_to_index[w] for w in context_words if w in wv.key_to_index]
    unknown = [w for w in context_words if w not in wv.key_to_index]
    if not known:
        raise KeyError(f"no context word is in the vocabulary: {', '.join(map(repr, unknown)) or '(none given)'}")
    if unknown:
        warnings.warn(f"context words not in the vocabulary, left out: {', '.join(map(repr, unknown))}", stacklevel=2)
    hidden = np.asarray(wv.vectors[known], dtype=np.float64).sum(axis=0)
    if getattr(model, "cbow_mean", True):
        hidden /= len(known)
    probs = word_probabilities(model, hidden, method)
    best = top_k(probs, min(int(topn), len(probs)))
    return [(wv.index_to_key[i], float(probs[i])) for i in best]
