"""Facebook fastText's files: the full model ``.bin`` and the ``.vec`` text vectors.

``.vec`` is word2vec's C text format (a ``<words> <dims>`` header, then a word and its
values a line: ``formats.word2vec``), holding each vocabulary word's vector.

``.bin`` (fastText 0.9, ``FastText::saveModel``; all numbers little-endian, no padding):

  int32 magic 793712314, int32 version 12
  args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss (1 hs, 2 ns, 3 softmax),
        model (1 cbow, 2 skipgram, 3 supervised), bucket, minn, maxn, lrUpdateRate;
        float64 t (sampling threshold)
  dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size (-1: none);
        per entry: the word's UTF-8 bytes, a NUL, int64 count, int8 type (0 word, 1 label);
        then pruneidx_size pairs of int32
  bool quant_input; input matrix: int64 rows (nwords + bucket), int64 cols (dim), float32
        rows x cols (the words' own rows, then the n-gram buckets)
  bool quant_output; output matrix: int64 rows, int64 cols, float32 rows x cols

Files of fastText before 0.2 (no magic number: the header starts with dim, ws; no pruned
index, no quant flags) are read too. Only dense unsupervised models are read: quantised ones (``.ftz``) and supervised ones are
refused with one line. Every count is checked against the file's size before anything is
allocated from it; the matrices are memory-mapped (``mmap=True``) or read.
"""
from __future__ import annotations

import mmap as _mmap
import os
import stat
import struct
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from ..errors import ModelFormatError, WordvecError

MAGIC = 793712314
VERSION = 12
_ARGS = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn",
         "lr_update_rate")
_ARGS_FMT = "<12id"
_HEAD = 8 + struct.calcsize(_ARGS_FMT)
MAX_DIM = 100_000


def is_fasttext_bin(path) -> bool:
    """True for a regular file that starts with fastText's magic number."""
    try:
        p = Path(path)
        if not p.is_file():
            return False
        with open(p, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return len(head) == 4 and struct.unpack("<i", head)[0] == MAGIC or _old_format_head(p)


def _old_format_head(p: Path) -> bool:
    """A ``.bin`` of fastText before 0.2 (no magic number: the header starts with dim, ws);
    its first 64 bytes must be a plausible header (never the digits of a word2vec header)."""
    if p.suffix != ".bin":
        return False
    try:
        with open(p, "rb") as f:
            head = f.read(_HEAD - 8)
    except OSError:
        return False
    if len(head) < _HEAD - 8:
        return False
    v = dict(zip(("dim", "ws") + _ARGS[2:], struct.unpack_from("<12i", head)))
    return (1 <= v["dim"] <= MAX_DIM and 1 <= v["ws"] <= 10_000 and v["model"] in (1, 2) and v["loss"] in (1, 2, 3)
            and 0 <= v["minn"] and 0 <= v["maxn"] <= 100 and v["bucket"] >= 0)


class _Reader:
    """Reads numbers from the mapped file, every read checked against its size."""

    def __init__(self, path: Path, data):
        self.path, self.data, self.pos, self.size = path, data, 0, len(data)

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise ModelFormatError(f"{self.path}: truncated or not a fastText model: {what} needs {n:,} bytes at "
                                   f"offset {self.pos:,}, the file has {self.size - self.pos:,} left")

    def unpack(self, fmt: str, what: str):
        n = struct.calcsize(fmt)
        self.need(n, what)
        out = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += n
        return out


def read_fasttext_bin(path, mmap_arrays: bool = True, output: bool = True, mmap: bool | None = None) -> dict:
    """Everything in a fastText ``.bin``: ``words`` (str), ``counts``, ``vectors_vocab``
    (nwords x dim), ``vectors_ngrams`` (bucket x dim), ``output`` (the output matrix; None
    with ``output=False``), and the arguments (``dim``, ``ws``, ``epoch``, ``min_count``,
    ``neg``, ``loss``, ``model``, ``bucket``, ``min_n``, ``max_n``, ``t``, ``ntokens`` ...)."""
    path = Path(path)
    if mmap is not None:
        mmap_arrays = mmap
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: no such file") from None
    except OSError as e:
        raise ModelFormatError(f"{path}: unreadable ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ModelFormatError(f"{path}: not a regular file")
    if st.st_size < _HEAD:
        raise ModelFormatError(f"{path}: {st.st_size} bytes, too short for a fastText model (truncated?)")
    with open(path, "rb") as f:
        data = _mmap.mmap(f.fileno(), 0, access=_mmap.ACCESS_READ)
    try:
        return _read(path, data, mmap_arrays, output)
    finally:
        try:
            data.close()
        except BufferError:  # pragma: no cover - a view still alive
            pass


def _read(path: Path, data, mmap_arrays: bool, output: bool) -> dict:
    r = _Reader(path, data)
    magic, version = r.unpack("<2i", "the magic number")
    old = magic != MAGIC  # fastText before 0.2: no magic, no version, no pruned index, no quant flags
    if old:
        if not _old_format_head(path):
            raise ModelFormatError(f"{path}: not a fastText .bin model (magic number {magic}, expected {MAGIC})")
        r.pos, version = 0, 0
        vals = r.unpack("<12id", "the arguments")
    else:
        if version not in (11, VERSION):
            raise ModelFormatError(f"{path}: fastText format version {version} is not supported (expected 11 or 12)")
        vals = r.unpack(_ARGS_FMT, "the arguments")
    m = dict(zip(_ARGS, vals[:12]), t=vals[12], version=version)
    m["min_n"], m["max_n"] = m.pop("minn"), m.pop("maxn")
    if m["model"] == 3:
        raise ModelFormatError(f"{path}: a supervised (classifier) fastText model; only word vectors (cbow, skipgram) are read")
    if not 1 <= m["dim"] <= MAX_DIM:
        raise ModelFormatError(f"{path}: dim={m['dim']} in the header; must be in [1, {MAX_DIM:,}] (not a fastText model?)")
    if m["bucket"] < 0 or m["min_n"] < 0 or m["max_n"] < 0:
        raise ModelFormatError(f"{path}: bucket={m['bucket']}, minn={m['min_n']}, maxn={m['max_n']}: must be >= 0")
    size, nwords, nlabels = r.unpack("<3i", "the dictionary")
    ntokens, prune = r.unpack("<qq" if not old else "<q", "the dictionary") + ((() if not old else (0,)))
    if nlabels > 0:
        raise ModelFormatError(f"{path}: has {nlabels} labels: a supervised fastText model; only word vectors are read")
    if nwords < 0 or size != nwords + nlabels:
        raise ModelFormatError(f"{path}: dictionary of {size} entries with {nwords} words and {nlabels} labels; corrupt")
    r.need(10 * nwords, f"a dictionary of {nwords:,} words")  # each entry takes >= 10 bytes
    words, counts, seen = [], np.empty(nwords, np.int64), set()
    for i in range(nwords):
        end = data.find(b"\0", r.pos)
        if end < 0:
            r.need(r.size + 1, f"word #{i + 1}")
        raw = data[r.pos:end]
        r.pos = end + 1
        counts[i], kind = r.unpack("<qb", f"word #{i + 1}'s count")
        word = raw.decode("utf-8", "backslashreplace")
        if kind != 0 or word in seen:
            raise ModelFormatError(f"{path}: dictionary entry #{i + 1} {word!r:.60} is "
                                   f"{'a duplicate' if word in seen else 'not a word'}; corrupt")
        seen.add(word)
        words.append(word)
    if prune > 0:
        r.need(8 * prune, "the pruned index")
        r.pos += 8 * prune
    m.update(words=words, counts=counts, ntokens=ntokens)
    m["vectors_vocab"], m["vectors_ngrams"] = _split(path, _matrix(r, mmap_arrays, m["dim"], "input", old), nwords, m)
    if output:
        m["output"] = _matrix(r, mmap_arrays, m["dim"], "output", old)
        if r.pos != r.size:
            raise ModelFormatError(f"{path}: {r.size - r.pos:,} bytes after the output matrix; not a fastText model")
    else:
        m["output"] = None
    return m


def _matrix(r: _Reader, mmap_arrays: bool, dim: int, which: str, old: bool = False) -> np.ndarray:
    (quant,) = r.unpack("<?", f"the {which} matrix") if not old else (False,)
    if quant:
        raise ModelFormatError(f"{r.path}: a quantised fastText model (.ftz); wordvec reads only dense models "
                               "(quantised ones cannot give back the n-gram vectors): use the .bin it was made from")
    rows, cols = r.unpack("<2q", f"the {which} matrix")
    if cols != dim or rows < 0:
        raise ModelFormatError(f"{r.path}: the {which} matrix is {rows} x {cols}; the model has dim={dim}; corrupt")
    nbytes = rows * cols * 4
    r.need(nbytes, f"the {which} matrix ({rows:,} x {cols:,} float32)")
    if mmap_arrays:
        arr = np.memmap(r.path, dtype="<f4", mode="r", offset=r.pos, shape=(rows, cols)) if rows else np.zeros((0, cols), np.float32)
    else:
        arr = np.frombuffer(r.data, dtype="<f4", count=rows * cols, offset=r.pos).reshape(rows, cols).copy()
    r.pos += nbytes
    return arr


def _split(path: Path, inp: np.ndarray, nwords: int, m: dict):
    if inp.shape[0] != nwords + m["bucket"]:
        raise ModelFormatError(f"{path}: the input matrix has {inp.shape[0]:,} rows; {nwords:,} words + "
                               f"{m['bucket']:,} buckets expected; corrupt")
    return inp[:nwords], inp[nwords:]


def write_fasttext_bin(path, words, counts, vectors_vocab, vectors_ngrams, output=None, *, min_n: int = 3,
                       max_n: int = 6, window: int = 5, epochs: int = 5, min_count: int = 5, negative: int = 5,
                       hs: bool = False, sg: bool = True, sample: float = 1e-4, ntokens: int | None = None) -> Path:
    """Write a fastText ``.bin`` that fastText and gensim's ``load_facebook_model`` read:
    ``vectors_vocab`` are the words' own rows (not their composed vectors), ``vectors_ngrams``
    the buckets, ``output`` the output layer (one row per word; zeros when None)."""
    path = Path(path)
    words = list(words)
    vv = np.ascontiguousarray(vectors_vocab, dtype="<f4")
    ng = np.ascontiguousarray(vectors_ngrams, dtype="<f4")
    n, dim = vv.shape
    if len(words) != n or ng.ndim != 2 or ng.shape[1] != dim:
        raise WordvecError(f"{path}: {len(words)} words, vectors {vv.shape}, n-grams {ng.shape}: they must agree")
    counts = np.asarray(counts if counts is not None else np.ones(n), np.int64)
    encoded = [w.encode("utf-8", "surrogatepass") for w in words]
    if any(b"\0" in w or not w for w in encoded):
        raise WordvecError(f"{path}: a word is empty or holds a NUL byte; a fastText dictionary cannot hold it")
    if output is None:
        out = np.zeros((n, dim), "<f4")
    else:
        out = np.ascontiguousarray(output, dtype="<f4")
        if out.shape[0] < n:  # hierarchical softmax's n - 1 inner nodes: padded to one row per word
            out = np.vstack([out, np.zeros((n - out.shape[0], dim), "<f4")])
    bucket = ng.shape[0]
    args = (dim, window, epochs, min_count, negative, 1, 1 if hs and not negative else 2, 2 if sg else 1, bucket,
            min_n if max_n else 0, max_n, 100, float(sample))
    total = int(ntokens if ntokens is not None else counts.sum())
    with atomic_file(path, "wb") as f:
        f.write(struct.pack("<2i", MAGIC, VERSION))
        f.write(struct.pack(_ARGS_FMT, *args))
        f.write(struct.pack("<3i2q", n, n, 0, total, -1))
        f.write(b"".join(w + b"\0" + struct.pack("<qb", int(c), 0) for w, c in zip(encoded, counts)))
        f.write(struct.pack("<?2q", False, n + bucket, dim))
        f.write(vv.tobytes())
        for start in range(0, bucket, 65536):  # a memory-mapped n-gram matrix is written piece by piece
            f.write(np.ascontiguousarray(ng[start:start + 65536]).tobytes())
        f.write(struct.pack("<?2q", False, out.shape[0], dim))
        f.write(out.tobytes())
    return path
