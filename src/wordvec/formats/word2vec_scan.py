"""The binary word2vec reader's record walk, compiled. ``formats/word2vec.py`` walks in
Python unless the file is large enough to repay loading Numba (or Numba is loaded)."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def scan_binary(buf, start, n, nbytes, max_word):
    """Walk ``n`` binary records: (word starts, word ends, vector bytes, records read, next
    offset, status); status 0 ok, 1 no space ends the word, 2 the file ends inside a vector."""
    size = buf.shape[0]
    starts = np.empty(n, np.int64)
    ends = np.empty(n, np.int64)
    out = np.empty((n, nbytes), np.uint8)
    pos = start
    for i in range(n):
        while pos < size and (buf[pos] == 10 or buf[pos] == 13):  # the C tool's newline; gensim writes none
            pos += 1
        j = pos
        lim = min(size, pos + max_word)
        while j < lim and buf[j] != 32:
            j += 1
        if j >= lim:
            return starts, ends, out, i, pos, 1
        if j + 1 + nbytes > size:
            return starts, ends, out, i, pos, 2
        starts[i] = pos
        ends[i] = j
        out[i, :] = buf[j + 1 : j + 1 + nbytes]
        pos = j + 1 + nbytes
    return starts, ends, out, n, pos, 0
