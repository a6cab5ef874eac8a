"""The TensorFlow word2vec tutorial's preprocessing, in NumPy and vectorised.

Same documented semantics as the TensorFlow/Keras functions the tutorial uses:

- ``standardize``: ``tf.strings.lower`` (ASCII letters) and deleting ASCII punctuation;
- ``Vectorizer``: ``TextVectorization(output_mode='int')``: ``''`` at 0 (padding),
  ``'[UNK]'`` at 1, then words by count (ties: the larger UTF-8 string first, as Keras);
- ``make_sampling_table``, ``skipgrams``: ``keras.preprocessing.sequence`` (removed from
  Keras 3); index 0 is padding, never a target or a context;
- ``log_uniform_candidates``: ``tf.random.log_uniform_candidate_sampler``;
- ``generate_training_data``: the tutorial's function, with no Python loop per pair.

Arrays come back where TensorFlow gives tensors or lists (int64 ids).
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable

import numpy as np

from ..errors import ParameterError
from ..params import check_int, check_number
from ..text.standardize import LOWER_STRIP_PUNCTUATION, canonical_mode, standardize_ascii

PADDING = ""
OOV_TOKEN = "[UNK]"  # the out-of-vocabulary token, id 1 (vocab.vocabulary.OOV_ID is the corpus's -1)
# Vectorizer's standardize modes (the shared names of ``text.standardize``; text8 is the corpus reader's).
VECTORIZER_MODES = ("lower_and_strip_punctuation", "lower", "strip_punctuation", None)
# Joins many lines so they are standardised by one bytes call; a line holding it falls back.
_JOIN = "\x00"


def _as_int(value, name: str, minimum: int) -> int:
    return int(check_int(name, value, minimum))


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    check_int("seed", seed, 0, none_ok=True, allowed="an integer >= 0, None or a numpy Generator")
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- text
def _standardize_bytes(text: str) -> str:
    return standardize_ascii(text, LOWER_STRIP_PUNCTUATION)


def standardize(text):
    """Lowercase (ASCII letters, as ``tf.strings.lower``) and delete ASCII punctuation
    (``string.punctuation``): the tutorial's ``custom_standardization``.

    ``text`` is a string (returns a string) or an iterable of strings (returns a list)."""
    if isinstance(text, str):
        return _standardize_bytes(text)
    lines = [_check_text(t) for t in text]
    joined = _JOIN.join(lines)
    if joined.count(_JOIN) != max(len(lines) - 1, 0):
        return [_standardize_bytes(t) for t in lines]
    return _standardize_bytes(joined).split(_JOIN) if lines else []


def _check_text(t) -> str:
    if isinstance(t, bytes):
        return t.decode("utf-8", "replace")
    if not isinstance(t, str):
        raise ParameterError(f"text must be strings, found {type(t).__name__}")
    return t


class Vectorizer:
    """Words to integer ids, like ``tf.keras.layers.TextVectorization(output_mode='int')``.

    ``adapt(texts)`` counts the words of the standardised, whitespace-split texts and keeps
    the ``max_tokens - 2`` most frequent after ``''`` (0, padding) and ``'[UNK]'`` (1, any
    other word). Calling the vectorizer on a list of strings gives an int64 array with one
    row per string: padded with 0 and truncated to ``output_sequence_length``, or padded
    to the longest row when that is None. A single string gives one 1-D row.

    ``standardize``: ``"lower_and_strip_punctuation"`` (default; ``"lower_strip_punctuation"``
    is the same mode), ``"lower"``, ``"strip_punctuation"``, None (or ``"none"``), or a
    function from string to string (see ``wordvec.text.standardize``).
    """

    def __init__(self, max_tokens: int | None = None, output_sequence_length: int | None = None,
                 standardize="lower_and_strip_punctuation"):
        if max_tokens is not None:
            max_tokens = _as_int(max_tokens, "max_tokens", 2)
        if output_sequence_length is not None:
            output_sequence_length = _as_int(output_sequence_length, "output_sequence_length", 1)
        mode = None if callable(standardize) else canonical_mode(standardize)
        if not callable(standardize) and mode in (None, "text8"):
            raise ParameterError(
                f"standardize={standardize!r} is invalid: use one of {', '.join(map(repr, VECTORIZER_MODES))} "
                "or a function"
            )
        self.max_tokens = max_tokens
        self.output_sequence_length = output_sequence_length
        self.standardize = standardize
        self._mode = mode  # the canonical name (None for a function)
        self._set([], 0)

    # -------------------------------------------------------------- internals
    def _standardize_one(self, text: str) -> str:
        if callable(self.standardize):
            out = self.standardize(text)
            if not isinstance(out, str):
                raise ParameterError(f"standardize: the function must return strings, returned {type(out).__name__}")
            return out
        return standardize_ascii(text, self._mode)

    def _tokens(self, texts) -> tuple[list[str], np.ndarray]:
        """All tokens of all texts, one ``_JOIN`` marker between texts, and the count of
        markers expected. Standardising and splitting one joined string is ~10x faster
        than a call per line; a text that itself holds the marker falls back to that."""
        if isinstance(texts, (str, bytes)):
            texts = [texts]
        lines = texts if isinstance(texts, list) else list(texts)
        try:
            _JOIN.join(lines)
        except TypeError:  # not all str: decode bytes, name anything else
            lines = [_check_text(t) for t in lines]
        if callable(self.standardize):
            lines = [self._standardize_one(t) for t in lines]
            joined = _JOIN.join(lines)
        else:
            joined = self._standardize_one(_JOIN.join(lines))
        if joined.count(_JOIN) == max(len(lines) - 1, 0):
            return joined.replace(_JOIN, f" {_JOIN} ").split(), len(lines)
        tokens: list[str] = []
        for i, t in enumerate(lines):
            if i:
                tokens.append(_JOIN)
            tokens.extend(t.replace(_JOIN, " ").split() if callable(self.standardize) else self._standardize_one(t).split())
        return tokens, len(lines)

    # -------------------------------------------------------------- API
    def adapt(self, texts, batch_lines: int = 1 << 16) -> "Vectorizer":
        """Build the vocabulary from ``texts`` (an iterable of strings; a generator is read
        in batches of ``batch_lines``, so it can be larger than memory)."""
        if isinstance(texts, (str, bytes)):
            texts = [texts]
        counts: Counter = Counter()
        batch = []
        for t in texts:
            batch.append(t)
            if len(batch) >= batch_lines:
                counts.update(self._tokens(batch)[0])
                batch = []
        if batch:
            counts.update(self._tokens(batch)[0])
        counts.pop(_JOIN, None)
        oov_count = counts.pop(OOV_TOKEN, 0)
        counts.pop(PADDING, None)
        # Keras: np.lexsort((tokens, counts))[::-1] - count descending, ties by the larger
        # string first (UTF-8 byte order is code point order, so str order is the same).
        ranked = sorted(counts.items(), key=_count_then_word, reverse=True)
        if self.max_tokens is not None:
            dropped = ranked[self.max_tokens - 2:]
            ranked = ranked[: self.max_tokens - 2]
            oov_count += sum(c for _, c in dropped)
        self._set(ranked, oov_count)
        return self

    def _set(self, ranked, oov_count: int) -> None:
        self._vocab = [PADDING, OOV_TOKEN] + [w for w, _ in ranked]
        self._counts = np.array([0, oov_count] + [c for _, c in ranked], dtype=np.int64)
        self._index = _Lookup((w, i) for i, w in enumerate(self._vocab) if i >= 2)
        self._index[_JOIN] = -1

    def set_vocabulary(self, vocabulary: Iterable[str]) -> "Vectorizer":
        """Use a given vocabulary (without ``''`` and ``'[UNK]'``, which are added)."""
        words = [w for w in vocabulary]
        if words[:2] == [PADDING, OOV_TOKEN]:
            words = words[2:]
        if len(set(words)) != len(words) or PADDING in words or OOV_TOKEN in words:
            raise ParameterError("vocabulary: words must be unique and exclude '' and '[UNK]'")
        if self.max_tokens is not None and len(words) + 2 > self.max_tokens:
            raise ParameterError(f"vocabulary: {len(words) + 2} tokens exceed max_tokens={self.max_tokens}")
        self._set([(w, 0) for w in words], 0)
        return self

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        return list(self._vocab) if include_special_tokens else self._vocab[2:]

    def vocabulary_size(self) -> int:
        return len(self._vocab)

    @property
    def counts(self) -> np.ndarray:
        """How often each vocabulary word was seen by ``adapt`` (``'[UNK]'``: all other words)."""
        return self._counts.copy()

    def __call__(self, texts) -> np.ndarray:
        single = isinstance(texts, (str, bytes))
        tokens, n = self._tokens(texts)
        ids = np.fromiter(map(self._index.__getitem__, tokens), np.int64, len(tokens))
        marker = ids < 0
        line = np.cumsum(marker)[~marker]  # the text each word belongs to
        ids = ids[~marker]
        lengths = np.bincount(line, minlength=n)
        width = self.output_sequence_length
        if width is None:
            width = int(lengths.max()) if n else 0
        col = np.arange(ids.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        keep = col < width
        out = np.zeros((n, width), np.int64)
        out[line[keep], col[keep]] = ids[keep]
        return out[0] if single else out


def _count_then_word(item):
    return item[1], item[0]


class _Lookup(dict):
    """word -> id; any other word is 1 ('[UNK]')."""

    def __missing__(self, key):
        return 1


# --------------------------------------------------------------------------- sampling
def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """Probability of keeping each word id when the ids are ranked by frequency (Keras).

    Word frequencies are estimated from Zipf's law by rank; the probability is
    ``min(1, sqrt(sampling_factor / frequency))`` as in word2vec's subsampling."""
    size = _as_int(size, "size", 0)
    check_number("sampling_factor", sampling_factor, 0, low_open=True)
    gamma = 0.577
    rank = np.arange(size, dtype=np.float64)
    if size:
        rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, np.sqrt(f))


def _as_sequences(sequences, vocabulary_size: int, name: str = "sequences"):
    """Flat tokens, each token's position in its sequence and its sequence's length."""
    if isinstance(sequences, np.ndarray) and sequences.ndim == 2:
        arr = sequences
        n, length = arr.shape
        tokens = arr.reshape(-1)
        pos = np.tile(np.arange(length, dtype=np.int64), n)
        lens = np.full(tokens.size, length, np.int64)
    else:
        seqs = [np.asarray(s).reshape(-1) for s in sequences]
        sizes = np.array([s.size for s in seqs], np.int64)
        tokens = np.concatenate(seqs) if seqs else np.zeros(0, np.int64)
        starts = np.cumsum(sizes) - sizes
        pos = np.arange(tokens.size, dtype=np.int64) - np.repeat(starts, sizes)
        lens = np.repeat(sizes, sizes)
    if tokens.size and not np.issubdtype(tokens.dtype, np.integer):
        if np.issubdtype(tokens.dtype, np.floating) and np.all(tokens == np.round(tokens)):
            tokens = tokens.astype(np.int64)
        else:
            raise ParameterError(f"{name}: ids must be integers, found {tokens.dtype}")
    tokens = tokens.astype(np.int64, copy=False)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocabulary_size):
        bad = int(tokens.min()) if tokens.min() < 0 else int(tokens.max())
        raise ParameterError(f"{name}: id {bad} is outside [0, {vocabulary_size}) (vocabulary_size={vocabulary_size})")
    return tokens, pos, lens


def _positive_pairs(tokens, pos, lens, window_size: int, sampling_table, rng):
    """Keras ``skipgrams``' positive couples for every sequence at once, in its order
    (target by position, then context by position). Targets are kept with probability
    ``sampling_table[target]``; 0 is never a target or a context."""
    keep = tokens != 0
    if sampling_table is not None:
        keep &= sampling_table[tokens] >= rng.random(tokens.size)
    offsets = np.array([o for o in range(-window_size, window_size + 1) if o != 0], np.int64)
    if not tokens.size or not offsets.size:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # Only targets that survive are expanded: (kept targets) x (2 * window) candidates.
    where = np.flatnonzero(keep)
    ctx_pos = pos[where, None] + offsets[None, :]
    valid = (ctx_pos >= 0) & (ctx_pos < lens[where, None])
    ctx_idx = np.clip(where[:, None] + offsets[None, :], 0, tokens.size - 1)
    contexts = tokens[ctx_idx]
    valid &= contexts != 0
    targets = np.broadcast_to(tokens[where, None], valid.shape)
    return targets[valid], contexts[valid]


def _checked_table(sampling_table, vocabulary_size: int):
    if sampling_table is None:
        return None
    table = np.asarray(sampling_table, dtype=np.float64).reshape(-1)
    if table.size < vocabulary_size:
        raise ParameterError(
            f"sampling_table has {table.size} entries but vocabulary_size={vocabulary_size} needs one per id"
        )
    return table


def skipgrams(sequence, vocabulary_size: int, window_size: int = 4, negative_samples: float = 1.0,
              shuffle: bool = True, categorical: bool = False, sampling_table=None, seed=None):
    """Skip-gram couples of one sequence of word ids, as ``keras.preprocessing.sequence.skipgrams``.

    Every non-zero id ``wi`` (kept with probability ``sampling_table[wi]`` when a table is
    given) is paired with each non-zero id within ``window_size`` positions (label 1).
    With ``negative_samples`` > 0, ``int(n_positive * negative_samples)`` couples pair a
    target (from a shuffled list of the positive targets) with a uniform id in
    ``[1, vocabulary_size - 1]`` (label 0). ``categorical`` makes labels ``[0, 1]`` /
    ``[1, 0]``. Returns ``(couples (n, 2), labels (n,) or (n, 2))`` as int64 arrays."""
    vocabulary_size = _as_int(vocabulary_size, "vocabulary_size", 1)
    window_size = _as_int(window_size, "window_size", 0)
    check_number("negative_samples", negative_samples, 0)
    rng = _rng(seed)
    seq = np.asarray(sequence).reshape(-1)
    tokens, pos, lens = _as_sequences([seq], vocabulary_size, "sequence")
    table = _checked_table(sampling_table, vocabulary_size)
    targets, contexts = _positive_pairs(tokens, pos, lens, window_size, table, rng)
    n_pos = targets.size
    n_neg = int(n_pos * negative_samples)
    if n_neg:  # there are positives, so some id >= 1 exists and vocabulary_size >= 2
        words = rng.permutation(targets)
        targets = np.concatenate([targets, words[np.arange(n_neg) % n_pos]])
        contexts = np.concatenate([contexts, rng.integers(1, vocabulary_size, n_neg)])
    couples = np.stack([targets, contexts], axis=1).astype(np.int64)
    labels = np.concatenate([np.ones(n_pos, np.int64), np.zeros(n_neg, np.int64)])
    if categorical:
        labels = np.stack([1 - labels, labels], axis=1)
    if shuffle and couples.shape[0]:
        order = rng.permutation(couples.shape[0])
        couples, labels = couples[order], labels[order]
    return couples, labels


def log_uniform_probabilities(classes, range_max: int) -> np.ndarray:
    """P(k) = (log(k + 2) - log(k + 1)) / log(range_max + 1): the log-uniform (Zipfian)
    distribution over ``[0, range_max)`` that TensorFlow's sampler draws from."""
    k = np.asarray(classes, dtype=np.float64)
    return (np.log(k + 2.0) - np.log(k + 1.0)) / math.log(range_max + 1.0)


def _log_uniform_draws(shape, range_max: int, rng) -> np.ndarray:
    # TensorFlow's LogUniformSampler: floor(exp(u * log(range_max + 1))) - 1, mod range_max.
    values = np.exp(rng.random(shape) * math.log(range_max + 1.0)).astype(np.int64) - 1
    return values % range_max


def _first_occurrences(cand: np.ndarray) -> np.ndarray:
    """Per row, True where a value appears for the first time (left to right)."""
    n, m = cand.shape
    if m <= 12:  # a few columns: comparing pairs beats sorting rows
        first = np.ones((n, m), bool)
        for j in range(1, m):
            seen = cand[:, :j] == cand[:, j:j + 1]
            first[:, j] = ~seen.any(axis=1)
        return first
    order = np.argsort(cand, axis=1, kind="stable")
    ordered = np.take_along_axis(cand, order, axis=1)
    first_sorted = np.ones(cand.shape, bool)
    first_sorted[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.empty_like(first_sorted)
    np.put_along_axis(first, order, first_sorted, axis=1)
    return first


def log_uniform_rows(n: int, num_sampled: int, unique: bool, range_max: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` independent draws of ``num_sampled`` log-uniform ids in ``[0, range_max)``.

    With ``unique``, each row is what TensorFlow's sampler gives: ids drawn one after the
    other, repeats skipped, until ``num_sampled`` distinct ids are found. Rows that need
    more draws continue their own stream, so the result is exact. Returns
    ``(ids (n, num_sampled), tries per row)``."""
    if not unique or num_sampled == 0:
        return _log_uniform_draws((n, num_sampled), range_max, rng), np.full(n, num_sampled, np.int64)
    out = np.empty((n, num_sampled), np.int64)
    tries = np.empty(n, np.int64)
    todo = np.arange(n)
    cand = np.zeros((n, 0), np.int64)
    extra = num_sampled  # most rows need no more draws than ids
    while todo.size:
        cand = np.concatenate([cand, _log_uniform_draws((todo.size, extra), range_max, rng)], axis=1)
        first = _first_occurrences(cand)
        found = np.cumsum(first, axis=1)
        done = found[:, -1] >= num_sampled
        if done.any():
            rows = todo[done]
            pick = first[done] & (found[done] <= num_sampled)
            out[rows] = cand[done][pick].reshape(-1, num_sampled)
            tries[rows] = np.argmax(found[done] >= num_sampled, axis=1) + 1
        todo, cand = todo[~done], cand[~done]
        extra = max(extra, cand.shape[1])  # doubles the stream of rows still short
    return out, tries


def log_uniform_candidates(true_classes, num_sampled: int, unique: bool, range_max: int, seed=None):
    """``tf.random.log_uniform_candidate_sampler`` with ``num_true`` taken from
    ``true_classes`` (shape ``(batch, num_true)``).

    Draws one set of ``num_sampled`` ids from ``[0, range_max)`` with
    P(k) = (log(k+2) - log(k+1)) / log(range_max+1), distinct when ``unique`` (which needs
    ``num_sampled <= range_max``). The true classes are not excluded. Returns
    ``(sampled (num_sampled,), true_expected_count (batch, num_true),
    sampled_expected_count (num_sampled,))`` - the expected number of times each id
    occurs among the tries, as TensorFlow computes it."""
    num_sampled = _as_int(num_sampled, "num_sampled", 0)
    range_max = _as_int(range_max, "range_max", 1)
    if unique and num_sampled > range_max:
        raise ParameterError(f"num_sampled={num_sampled} is invalid with unique=True: must be <= range_max={range_max}")
    true = np.asarray(true_classes)
    if true.ndim == 1:
        true = true[None, :]
    if true.ndim != 2 or (true.size and not np.issubdtype(true.dtype, np.integer)):
        raise ParameterError("true_classes must be a 2-D array of integer ids (batch, num_true)")
    if true.size and (true.min() < 0 or true.max() >= range_max):
        raise ParameterError(f"true_classes: ids must be in [0, {range_max}) (range_max={range_max})")
    ids, tries = log_uniform_rows(1, num_sampled, bool(unique), range_max, _rng(seed))
    num_tries = int(tries[0])

    def expected(p):
        if num_tries == num_sampled:  # always so without unique
            return p * num_sampled
        return -np.expm1(num_tries * np.log1p(-p))

    return (ids[0], expected(log_uniform_probabilities(true, range_max)),
            expected(log_uniform_probabilities(ids[0], range_max)))


def generate_training_data(sequences, window_size: int, num_ns: int, vocab_size: int, seed=None,
                           sampling_table="auto"):
    """The tutorial's ``generate_training_data``, vectorised.

    For each sequence (a 2-D array of padded ids, or a list of 1-D arrays): positive
    skip-gram pairs within ``window_size`` as ``skipgrams(..., negative_samples=0)`` with
    ``sampling_table`` (``"auto"``: ``make_sampling_table(vocab_size)`` as the tutorial;
    None: keep every word), then for each pair ``num_ns`` distinct log-uniform negatives
    from ``[0, vocab_size)`` as ``log_uniform_candidate_sampler(unique=True)`` (the
    positive itself may be drawn, as in the tutorial).

    Returns ``targets (N,)``, ``contexts (N, 1 + num_ns)`` (the positive first) and
    ``labels (N, 1 + num_ns)`` (``[1, 0, ..., 0]``), int64, in sequence order."""
    window_size = _as_int(window_size, "window_size", 0)
    num_ns = _as_int(num_ns, "num_ns", 0)
    vocab_size = _as_int(vocab_size, "vocab_size", 1)
    if num_ns > vocab_size:
        raise ParameterError(f"num_ns={num_ns} is invalid: must be <= vocab_size={vocab_size} (negatives are distinct)")
    rng = _rng(seed)
    if isinstance(sampling_table, str):
        if sampling_table != "auto":
            raise ParameterError(f"sampling_table={sampling_table!r} is invalid: use 'auto', None or an array")
        table = make_sampling_table(vocab_size)
    else:
        table = _checked_table(sampling_table, vocab_size)
    tokens, pos, lens = _as_sequences(sequences, vocab_size)
    targets, positives = _positive_pairs(tokens, pos, lens, window_size, table, rng)
    negatives, _ = log_uniform_rows(targets.size, num_ns, True, vocab_size, rng)
    contexts = np.concatenate([positives[:, None], negatives], axis=1)
    labels = np.zeros(contexts.shape, np.int64)
    labels[:, 0] = 1
    return targets, contexts, labels
