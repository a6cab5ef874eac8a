"""The original C word2vec tool's vector files, text and binary, as gensim reads and writes them.

Both start with a header line ``<words> <dims>``. Text: then one line per word, the word and
its values separated by spaces. Binary: then per word ``<word> `` followed by ``dims``
little-endian float32 values (the C tool adds a newline after each, gensim does not).

Reading is tolerant of what real files contain (trailing spaces, CRLF, optional newlines
between binary records, words that are not UTF-8: replaced, counted and warned about) and
strict about what they must contain: the header's counts must match the body, values must be
finite, words unique. Every rejection names the file and the line (text) or record (binary).
"""
from __future__ import annotations

import functools
import gzip
import zlib
import mmap
import sys
import warnings
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from ..errors import ModelFormatError, WordvecError
from ..params import check_int

_WHITESPACE = b" \t\n\r\v\f"
_MAX_DIM = 1_000_000
_NEWLINES = (10, 13)
_KERNEL_MIN_RECORDS = 200_000  # from here on, loading Numba costs less than it saves


def _open_bytes(path: Path):
    """The whole file as a bytes-like object: memory-mapped, or decompressed for .gz."""
    if path.exists() and not path.is_dir() and not path.is_file():  # a FIFO would block forever
        raise ModelFormatError(f"{path}: not a regular file")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            if f.seek(0, 2) == 0:
                return b""
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ModelFormatError(f"{path}: is a folder, not a word2vec file") from None
    except (OSError, EOFError, zlib.error) as e:  # zlib.error: corrupt .gz data (not an OSError)
        raise ModelFormatError(f"{path}: unreadable ({e})") from None


def _parse_header(path: Path, data) -> tuple[int, int, int]:
    """(words, dims, offset of the first record)."""
    end = data.find(b"\n")
    line = bytes(data[: end if end >= 0 else len(data)])
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        shown = line[:60].decode("utf-8", "replace")
        raise ModelFormatError(
            f"{path}:1: expected a header '<number of words> <dimensions>', found {shown!r}"
            + (" (an empty file)" if not line.strip() else "")
        )
    n, dim = int(parts[0]), int(parts[1])
    if not 1 <= dim <= _MAX_DIM:
        raise ModelFormatError(f"{path}:1: the header says {dim} dimensions; must be in [1, {_MAX_DIM:,}]")
    return n, dim, (end + 1 if end >= 0 else len(data))


_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\v\f")


def _looks_like_text(data, start: int, dim: int) -> bool:
    """True when the first record after the header is a text line (a word and ``dim``
    numbers), or at least the start of the body has no control bytes, which float32 data
    of any length is all but certain to have (so a broken text file gets text errors)."""
    end = data.find(b"\n", start)
    line = bytes(data[start : end if end >= 0 else len(data)])
    parts = line.split()
    if len(parts) == dim + 1:
        try:
            np.array(parts[1:], dtype=np.float64)
            return True
        except ValueError:
            pass
    sample = bytes(data[start : start + max(4096, 8 * dim)])
    return not sample.translate(None, delete=bytes(set(range(256)) - set(_CONTROL)))


class _Words:
    """Decodes words, counting those that are not UTF-8 and refusing duplicates."""

    def __init__(self, path: Path):
        self.path = path
        self.words: list[str] = []
        self.seen: dict[str, int] = {}
        self.replaced = 0
        self.first_replaced = None

    def add(self, raw: bytes, where: str) -> bool:
        """Add a word; False when it only duplicates another after replacing bad bytes."""
        try:
            word = raw.decode("utf-8")
            replaced = False
        except UnicodeDecodeError:
            word = raw.decode("utf-8", "replace")
            replaced = True
            self.replaced += 1
            self.first_replaced = self.first_replaced or where
        if not word:
            raise ModelFormatError(f"{self.path}:{where}: empty word")
        if word in self.seen:
            if replaced:
                return False
            raise ModelFormatError(f"{self.path}:{where}: duplicate word {word!r} (first at {self.seen[word]})")
        self.seen[word] = where
        self.words.append(word)
        return True

    def warn(self, dropped: int) -> None:
        if self.replaced:
            msg = (f"{self.path}: {self.replaced} word(s) were not valid UTF-8; bad bytes replaced with U+FFFD "
                   f"(first at {self.first_replaced})")
            if dropped:
                msg += f"; {dropped} of them then duplicated an earlier word and were dropped"
            warnings.warn(msg, UnicodeWarning, stacklevel=4)


def _check_finite(path: Path, vectors: np.ndarray, where_of) -> None:
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelFormatError(f"{path}:{where_of(i)}: NaN or infinite value in the vector")


def _read_text(path: Path, data, n: int, dim: int, start: int, limit: int | None):
    words = _Words(path)
    want = n if limit is None else min(n, limit)
    vectors = np.empty((want, dim), np.float32)
    linenos = np.empty(want, np.int64)
    pos, lineno, row, dropped = start, 1, 0, 0
    size = len(data)
    while pos < size and row + dropped < want:
        end = data.find(b"\n", pos)
        end = size if end < 0 else end
        line = bytes(data[pos:end]).rstrip(_WHITESPACE)
        pos = end + 1
        lineno += 1
        if not line.strip(_WHITESPACE):
            continue  # blank lines carry nothing
        raw_word, _, rest = line.lstrip(b"\n\r").partition(b" ")
        values = rest.split()
        if len(values) != dim:
            raise ModelFormatError(f"{path}:{lineno}: expected a word and {dim} values, found {len(values)} value(s)")
        try:
            vec = np.array(values, dtype=np.float64)
        except ValueError:
            raise ModelFormatError(f"{path}:{lineno}: a value is not a number") from None
        if not words.add(raw_word, str(lineno)):
            dropped += 1
            continue
        vectors[row] = vec
        linenos[row] = lineno
        row += 1
    if row + dropped < want:
        raise ModelFormatError(
            f"{path}:{lineno}: file ends after {row + dropped} vectors but the header says {n} (truncated?)"
        )
    if limit is None:
        while pos < size:  # anything but blank lines after the last vector is an error
            end = data.find(b"\n", pos)
            end = size if end < 0 else end
            lineno += 1
            if bytes(data[pos:end]).strip(_WHITESPACE):
                raise ModelFormatError(f"{path}:{lineno}: more vectors than the {n} the header says")
            pos = end + 1
    _check_finite(path, vectors[:row], lambda i: str(linenos[i]))
    words.warn(dropped)
    return words.words, vectors[:row]


_MAX_WORD_BYTES = 100_000  # a binary "word" longer than this means it is not a word2vec file


def _walk_binary(data, buf, start, n, nbytes, max_word):
    """Walk ``n`` binary records: (word starts, word ends, vector bytes, records read, next
    offset, status); status 0 ok, 1 no space ends the word, 2 the file ends inside a vector.
    Python, one ``find`` per word: for the vocabularies most files hold this is quicker
    than loading Numba, which would be most of a whole ``wordvec evaluate``."""
    size = len(data)
    starts = np.empty(n, np.int64)
    ends = np.empty(n, np.int64)
    out = np.empty((n, nbytes), np.uint8)
    find, pos = data.find, start
    for i in range(n):
        while pos < size and data[pos] in _NEWLINES:  # the C tool's newline; gensim writes none
            pos += 1
        j = find(b" ", pos, min(size, pos + max_word))
        if j < 0:
            return starts, ends, out, i, pos, 1
        if j + 1 + nbytes > size:
            return starts, ends, out, i, pos, 2
        starts[i] = pos
        ends[i] = j
        out[i] = buf[j + 1 : j + 1 + nbytes]
        pos = j + 1 + nbytes
    return starts, ends, out, n, pos, 0


def _walk_for(data, want: int):
    """The compiled walk for large files, or once Numba is loaded anyway; else Python's."""
    if want >= _KERNEL_MIN_RECORDS or "numba.core.registry" in sys.modules:
        from .word2vec_scan import scan_binary

        return scan_binary
    return functools.partial(_walk_binary, data)


def _read_binary(path: Path, data, n: int, dim: int, start: int, limit: int | None):
    words = _Words(path)
    want = n if limit is None else min(n, limit)
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        starts, ends, raw, count, pos, status = _walk_for(data, want)(buf, start, want, 4 * dim, _MAX_WORD_BYTES)
    finally:
        del buf  # no view may outlive the memory map, which is closed after reading
    keep = np.ones(count, bool)
    for i in range(count):  # words first: an earlier duplicate is the first error in the file
        keep[i] = words.add(bytes(data[starts[i] : ends[i]]), f"record {i + 1}")
    if status == 1:
        raise ModelFormatError(
            f"{path}: record {count + 1} (byte {pos}): "
            + (f"file ends after {count} vectors but the header says {n} (truncated?)" if len(data) - pos < _MAX_WORD_BYTES
               else "no word found (is this really a word2vec binary file?)")
        )
    if status == 2:
        raise ModelFormatError(
            f"{path}: record {count + 1} (byte {pos}): file ends inside the vector (truncated?); the header says {n} x {dim}"
        )
    if limit is None:
        rest = bytes(data[pos : pos + 4096])
        if rest.strip(_WHITESPACE):
            raise ModelFormatError(f"{path}: byte {pos}: data after the {n} vectors the header says (wrong header?)")
    vectors = raw[:count].view("<f4").astype(np.float32, copy=False)
    records = np.flatnonzero(keep)
    if len(records) < count:
        vectors = vectors[records]
    _check_finite(path, vectors, lambda i: f"record {records[i] + 1}")
    words.warn(count - len(records))
    return words.words, vectors


def read_word2vec(path, binary: bool | None = None, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """(keys, vectors) of a C-format file: the keys as text (str) and a float32 matrix, one
    row per key. ``binary=None`` detects the format and ``limit`` reads only the first keys.
    Files ending in .gz are decompressed."""
    path = Path(path)
    check_int("limit", limit, 0, none_ok=True)
    data = _open_bytes(path)
    try:
        n, dim, start = _parse_header(path, data)
        if binary is None:
            binary = not _looks_like_text(data, start, dim) if n else False
        # Refuse a header the body cannot hold before allocating for it: a binary record
        # takes at least 4*dim + 2 bytes, a text line 2*dim + 1 and its newline.
        want = n if limit is None else min(n, limit)
        room = len(data) - start
        if want * (4 * dim + 2 if binary else 2 * dim + 2) - (0 if binary else 1) > room:
            raise ModelFormatError(
                f"{path}:1: the header says {n:,} words x {dim:,} dimensions but only {room:,} bytes follow, "
                "too few to hold them (truncated file or wrong header?)"
            )
        reader = _read_binary if binary else _read_text
        words, vectors = reader(path, data, n, dim, start, limit)
    finally:
        if isinstance(data, mmap.mmap):
            try:
                data.close()
            except BufferError:  # a view still alive (e.g. held while Numba compiles): unmapped when freed
                pass
    return words, vectors


def _check_words(path: Path, words, key_name: str = "word") -> None:
    for i, w in enumerate(words):
        if not w or any(c in w for c in " \t\n\r\v\f"):
            raise WordvecError(
                f"{path}: cannot write {key_name} #{i + 1} {w!r}: word2vec files separate {key_name}s by whitespace, "
                f"so {key_name}s must be non-empty and contain none"
            )


def write_word2vec(path, keys, vectors, binary: bool = False, top: int | None = None,
                   key_name: str = "word") -> Path:
    """Write the first ``top`` keys (all by default) and their rows of ``vectors`` in the C
    tool's text or binary format. Keys are written as ``str(key)`` (int tags as digits) and
    must be unique as text; ``key_name`` is how error messages name one.

    Text values are written with 9 significant digits, enough to read back the same float32."""
    path = Path(path)
    keys = list(keys)
    if len(keys) != len(vectors):
        raise WordvecError(f"{path}: {len(keys)} {key_name}s but {len(vectors)} vectors")
    n = len(keys) if top is None else max(0, min(int(top), len(keys)))
    words = [k if isinstance(k, str) else str(k) for k in keys[:n]]
    _check_words(path, words, key_name)
    if len(set(words)) != len(words):
        seen = set()
        dup = next(w for w in words if w in seen or seen.add(w))
        raise WordvecError(f"{path}: two {key_name}s are both written as {dup!r}; the file could not be read back")
    vectors = np.ascontiguousarray(vectors[:n], dtype="<f4")
    if vectors.ndim != 2:
        raise WordvecError(f"{path}: vectors must be a 2-D matrix, found shape {vectors.shape}")
    if not np.isfinite(vectors).all():
        bad = int(np.argmax(~np.isfinite(vectors).all(axis=1)))
        raise WordvecError(f"{path}: {key_name} {keys[bad]!r} has a NaN or infinite value; refusing to write it")
    dim = vectors.shape[1]
    with atomic_file(path, "wb") as f:
        f.write(f"{n} {dim}\n".encode())
        if binary:
            for w, row in zip(words, vectors):
                f.write(w.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            fmt = " ".join(["%.9g"] * dim)
            for w, row in zip(words, vectors):
                f.write((w + " " + fmt % tuple(row.tolist()) + "\n").encode("utf-8"))
    return path
