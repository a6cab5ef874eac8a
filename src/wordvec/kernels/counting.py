"""Counting in Numba: an open-addressing hash table of uint64 keys, and the phrase kernels
(candidate pairs counted while streaming; phrases found in a block of ids).

The table is two arrays (keys, values), a power of two long, ``EMPTY`` marking free slots,
probed linearly from a multiplicative hash. The Python side (``text.phrases``) keeps it at
most 70% full (growing it) and bounded (pruning the rarest keys), so no kernel ever finds it
full. A phrase candidate is packed into one key: the first word's id (26 bits), the run of
up to three connector words between (12 bits: each a connector number below 15), the last
word's id (26 bits).
"""
from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
ID_BITS = 26
MAX_ID = (1 << ID_BITS) - 1
MAX_CONNECTORS = 15  # connector numbers 0..14 (4 bits each, 15 means none)
MAX_BETWEEN = 3
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(nogil=True, cache=True, inline="always")
def _slot(key, mask):
    return ((key * _GOLDEN) >> np.uint64(29)) & mask


@njit(nogil=True, cache=True)
def table_add(keys, values, key, add):
    """values[key] += add (inserting key); returns 1 when key was new."""
    mask = np.uint64(keys.size - 1)
    h = _slot(key, mask)
    while True:
        k = keys[h]
        if k == key:
            values[h] += add
            return 0
        if k == EMPTY:
            keys[h] = key
            values[h] = add
            return 1
        h = (h + np.uint64(1)) & mask


@njit(nogil=True, cache=True)
def table_get(keys, values, key, default):
    mask = np.uint64(keys.size - 1)
    h = _slot(key, mask)
    while True:
        k = keys[h]
        if k == key:
            return values[h]
        if k == EMPTY:
            return default
        h = (h + np.uint64(1)) & mask


@njit(nogil=True, cache=True)
def table_rebuild(keys, values, new_keys, new_values, min_value, remap):
    """Move every entry with value > ``min_value`` into the (empty) new arrays, its two word
    ids mapped through ``remap`` (an id mapped to -1 drops the entry; an empty ``remap``
    keeps ids). Returns (entries kept, entries dropped)."""
    kept = 0
    dropped = 0
    low = np.uint64(MAX_ID)
    for i in range(keys.size):
        k = keys[i]
        if k == EMPTY:
            continue
        if values[i] <= min_value:
            dropped += 1
            continue
        if remap.size:
            a = remap[np.int64(k >> np.uint64(64 - ID_BITS))]
            b = remap[np.int64(k & low)]
            if a < 0 or b < 0:
                dropped += 1
                continue
            mid = (k >> np.uint64(ID_BITS)) & np.uint64(0xFFF)
            k = (np.uint64(a) << np.uint64(64 - ID_BITS)) | (mid << np.uint64(ID_BITS)) | np.uint64(b)
        table_add(new_keys, new_values, k, values[i])
        kept += 1
    return kept, dropped


@njit(nogil=True, cache=True)
def table_items(keys, values, min_value):
    """The entries with value > ``min_value``, as two arrays."""
    n = 0
    for i in range(keys.size):
        if keys[i] != EMPTY and values[i] > min_value:
            n += 1
    out_k = np.empty(n, np.uint64)
    out_v = np.empty(n, values.dtype)
    j = 0
    for i in range(keys.size):
        if keys[i] != EMPTY and values[i] > min_value:
            out_k[j] = keys[i]
            out_v[j] = values[i]
            j += 1
    return out_k, out_v


@njit(nogil=True, cache=True, inline="always")
def pack(a, between, b):
    return (np.uint64(a) << np.uint64(64 - ID_BITS)) | (np.uint64(between) << np.uint64(ID_BITS)) | np.uint64(b)


@njit(nogil=True, cache=True)
def count_candidates(ids, connector, state, keys, values):
    """Count the phrase candidates of a block of word ids (0: sentence end) into the table:
    a word, up to three connector words, a word, all in one sentence (gensim's candidates).
    ``connector[id]`` is the word's connector number or -1; ``state`` = [first word or -1,
    the run of connectors so far, its length] carries a candidate across blocks.
    Returns the number of new keys."""
    new = 0
    start = state[0]
    run = state[1]
    n_between = state[2]
    for t in range(ids.size):
        w = ids[t]
        if w == 0:
            start = -1
            continue
        c = connector[w]
        if c >= 0:
            if start >= 0:
                if n_between < MAX_BETWEEN:
                    run = run * 16 + c
                n_between += 1
            continue
        if start >= 0 and n_between <= MAX_BETWEEN:
            new += table_add(keys, values, pack(start, _padded(run, n_between), w), 1)
        start = w
        run = 0
        n_between = 0
    state[0] = start
    state[1] = run
    state[2] = n_between
    return new


@njit(nogil=True, cache=True, inline="always")
def _padded(run, n_between):
    """The run code of n_between connectors: their numbers in base 16, padded with 15s to
    three digits, so runs of different lengths never share a code."""
    for _ in range(MAX_BETWEEN - n_between):
        run = run * 16 + 15
    return run


@njit(nogil=True, cache=True)
def _phrase_at(ids, connector, keys, values, i, n):
    """(phrase number or -1, index of its last word) for a candidate starting at word i."""
    run = 0
    j = i + 1
    while j < n and ids[j] >= 0 and connector[ids[j]] >= 0 and j - i - 1 < MAX_BETWEEN:
        run = run * 16 + connector[ids[j]]
        j += 1
    if j >= n or ids[j] < 0 or connector[ids[j]] >= 0:
        return -1, j
    return table_get(keys, values, pack(ids[i], _padded(run, j - i - 1), ids[j]), -1), j


@njit(nogil=True, cache=True)
def find_phrases(ids, connector, keys, values, scores):
    """Phrases to join in a block of ids (-1: a word in no phrase, -2: sentence end), left to
    right; where the phrase found overlaps the next one (its last word starts another), the
    higher-scoring wins. Returns (starts, ends, phrase numbers) of the phrases joined."""
    n = ids.size
    starts = np.empty(n // 2 + 1, np.int64)
    ends = np.empty(n // 2 + 1, np.int64)
    which = np.empty(n // 2 + 1, np.int64)
    m = 0
    i = 0
    while i < n:
        a = ids[i]
        if a < 0 or connector[a] >= 0:
            i += 1
            continue
        p, j = _phrase_at(ids, connector, keys, values, i, n)
        if p < 0:
            i += 1
            continue
        q, _ = _phrase_at(ids, connector, keys, values, j, n)
        if q >= 0 and scores[q] > scores[p]:
            i = j  # the next pair scores higher: this word stays alone
            continue
        starts[m] = i
        ends[m] = j
        which[m] = p
        m += 1
        i = j + 1
    return starts[:m], ends[:m], which[:m]


# --------------------------------------------------------------------------- words from bytes
# The vocabulary counter's hot loop: split standardised bytes on ASCII whitespace (as
# ``bytes.split``), give each distinct word an id in first-seen order (0 is the sentence
# marker, emitted at each newline) and count it. A table row holds all a lookup needs
# (hash, id, length, first 8 bytes, count, where its bytes are in the arena), so a token
# costs one cache line; a word longer than 8 bytes is confirmed byte by byte in the arena,
# so no two words ever share an id.

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
ROW_HASH, ROW_ID, ROW_LEN, ROW_PREFIX, ROW_COUNT, ROW_START = 0, 1, 2, 3, 4, 5
ROW = 6


@njit(nogil=True, cache=True, inline="always")
def _is_space(c):
    return c == 32 or c == 10 or c == 9 or c == 13 or c == 11 or c == 12


@njit(nogil=True, cache=True, inline="always")
def _find(table, arena, buf, i, j, h, prefix):
    """The row of the word buf[i:j] (hash h, first bytes prefix), or the empty row where it goes."""
    mask = np.uint64(table.shape[0] - 1)
    s = np.int64(_slot(h, mask))
    hs = np.int64(h)
    length = j - i
    while True:
        if table[s, ROW_ID] < 0:
            return s
        if table[s, ROW_HASH] == hs and table[s, ROW_LEN] == length and table[s, ROW_PREFIX] == prefix:
            same = True
            if length > 8:
                a = table[s, ROW_START]
                for t in range(8, length):
                    if arena[a + t] != buf[i + t]:
                        same = False
                        break
            if same:
                return s
        s = (s + 1) & np.int64(mask)


@njit(nogil=True, cache=True, inline="always")
def _hash_word(buf, i, n):
    """(end, hash, first 8 bytes as an integer) of the word starting at buf[i]."""
    j = i
    h = _FNV_OFFSET
    prefix = np.uint64(0)
    while j < n and not _is_space(buf[j]):
        h = (h ^ np.uint64(buf[j])) * _FNV_PRIME
        if j - i < 8:
            prefix |= np.uint64(buf[j]) << np.uint64(8 * (j - i))
        j += 1
    return j, h, np.int64(prefix)


@njit(nogil=True, cache=True)
def words_to_ids(buf, start, table, arena, state, out, m, limit):
    """Ids of the words of ``buf[start:]`` into ``out[m:]`` (0 at each newline), counted in
    ``table``. ``state`` = [words so far, arena bytes used, newlines]. Stops before the word
    that would make ``limit`` words (the table's 70%: the caller grows it and goes on);
    returns (ids written in all, where it stopped: ``buf.size`` when done). The arena has
    room for all of ``buf``."""
    n_words = state[0]
    used = state[1]
    i = start
    n = buf.size
    while i < n:
        c = buf[i]
        if _is_space(c):
            if c == 10:
                out[m] = 0
                m += 1
                state[2] += 1
            i += 1
            continue
        j, h, prefix = _hash_word(buf, i, n)
        s = _find(table, arena, buf, i, j, h, prefix)
        if table[s, ROW_ID] < 0:  # a new word
            if n_words >= limit:
                break
            table[s, ROW_HASH] = np.int64(h)
            table[s, ROW_ID] = n_words
            table[s, ROW_LEN] = j - i
            table[s, ROW_PREFIX] = prefix
            table[s, ROW_COUNT] = 0
            table[s, ROW_START] = used
            for t in range(i, j):
                arena[used] = buf[t]
                used += 1
            n_words += 1
        table[s, ROW_COUNT] += 1
        out[m] = table[s, ROW_ID]
        m += 1
        i = j
    state[0] = n_words
    state[1] = used
    return m, i


@njit(nogil=True, cache=True)
def lookup_word(word, table, arena):
    """The id of ``word`` (uint8 bytes with no whitespace), or -1."""
    j, h, prefix = _hash_word(word, 0, word.size)
    if j != word.size or j == 0:
        return -1
    s = _find(table, arena, word, 0, j, h, prefix)
    return table[s, ROW_ID]


@njit(nogil=True, cache=True)
def word_rows(table, n_words):
    """Per id (1..n_words-1): (count, arena start, length); id 0 (the marker) is zeros."""
    out = np.zeros((n_words, 3), np.int64)
    for s in range(table.shape[0]):
        w = table[s, ROW_ID]
        if w >= 0:
            out[w, 0] = table[s, ROW_COUNT]
            out[w, 1] = table[s, ROW_START]
            out[w, 2] = table[s, ROW_LEN]
    return out


@njit(nogil=True, cache=True)
def rebuild_words(table, arena, keep, new_table, new_arena):
    """Move the words with ``keep[id]`` into the empty new table and arena, ids compacted in
    their old order; returns (old id -> new id or -1, words kept including the marker, bytes used)."""
    rows = word_rows(table, keep.size)
    remap = np.full(keep.size, -1, np.int64)
    n = 1
    remap[0] = 0
    for w in range(1, keep.size):
        if keep[w]:
            remap[w] = n
            n += 1
    mask = np.uint64(new_table.shape[0] - 1)
    used = 0
    for w in range(1, keep.size):
        if remap[w] < 0:
            continue
        start, length = rows[w, 1], rows[w, 2]
        for t in range(length):
            new_arena[used + t] = arena[start + t]
        j, h, prefix = _hash_word(new_arena, used, used + length)
        s = np.int64(_slot(h, mask))
        while new_table[s, ROW_ID] >= 0:
            s = (s + 1) & np.int64(mask)
        new_table[s, ROW_HASH] = np.int64(h)
        new_table[s, ROW_ID] = remap[w]
        new_table[s, ROW_LEN] = length
        new_table[s, ROW_PREFIX] = prefix
        new_table[s, ROW_COUNT] = rows[w, 0]
        new_table[s, ROW_START] = used
        used += length
    return remap, n, used
