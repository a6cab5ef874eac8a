"""Corpus: stream sentences of tokens from files, folders, .gz/.bz2, or Python iterables.

Text is read in binary blocks cut at whitespace, so memory stays bounded even for a single
line of 100 million tokens. Each line is one sentence; a newline becomes a sentence marker
(``SENTENCE_END``) in the token stream so later stages can split sentences with NumPy.
"""
from __future__ import annotations

import bz2
import codecs
import gzip
import io
import os
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import CorpusError
from .standardize import LOWER_STRIP_PUNCTUATION, MODES as STANDARDIZE_MODES, Standardizer  # noqa: F401 (public here too)
from .tokenizers import SENTENCE_END, WhitespaceTokenizer, make_tokenizer

BLOCK_BYTES = 1 << 20  # 1 MiB of text per block: keeps the token lists (and memory) small
# SENTENCE_END (from tokenizers.py) is the marker token; NUL bytes in the input itself are
# treated as spaces.


@dataclass
class ReadStats:
    """What the reader saw: counted so problems are reported, never silently dropped."""

    files: int = 0
    bytes: int = 0
    invalid_utf8: int = 0
    invalid_files: list = field(default_factory=list)

    def warn(self) -> None:
        if self.invalid_utf8:
            where = ", ".join(self.invalid_files[:3]) + (" ..." if len(self.invalid_files) > 3 else "")
            warnings.warn(
                f"replaced {self.invalid_utf8} invalid UTF-8 sequence(s) with U+FFFD in {where}",
                UnicodeWarning,
                stacklevel=3,
            )


def find_files(path: str | os.PathLike) -> list[Path]:
    """The text files of a corpus: one file, or every regular file under a folder (sorted)."""
    p = Path(path)
    if not p.exists():
        raise CorpusError(f"{p}: no such file or folder")
    if p.is_dir():
        files = sorted(f for f in _walk(p) if not f.name.startswith("."))
        files = [f for f in files if f.name not in ("MANIFEST.md",) or len(files) == 1]
        if not files:
            raise CorpusError(f"{p}: folder holds no files to read")
        return files
    if not p.is_file():
        raise CorpusError(f"{p}: not a regular file")
    return [p]


def _walk(root: Path) -> list[Path]:
    """Every regular file under ``root``, following symlinked folders (``rglob`` skipped
    them without a word) but entering each real folder once: a link back to a folder
    already read (a loop, or the same folder twice) is skipped with a warning."""
    seen = set()
    files: list[Path] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            raise CorpusError(f"{folder}: cannot read the folder ({e.strerror or e})") from None
        if (st.st_dev, st.st_ino) in seen:
            warnings.warn(f"{folder}: links to a folder already read; skipped", UserWarning, stacklevel=4)
            continue
        seen.add((st.st_dev, st.st_ino))
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir():  # follows links
                stack.append(path)
            elif entry.is_file():
                files.append(path)
    return files


_BZ2_IN = 1 << 16  # compressed bytes read at a time
_BZ2_OUT = 1 << 20  # most decompressed bytes made at a time (bzip2 can inflate a lot)


class _Bz2Streams(io.RawIOBase):
    """Every stream of a (possibly concatenated) .bz2 file, strictly. Python's ``bz2``
    stops quietly at the first stream that does not decode and calls the rest "trailing
    data": a corrupt second stream trained on a third of the text with no word said. Here
    anything after a stream must be a whole valid stream, else OSError; a file that ends
    inside one is EOFError (as ``bz2``)."""

    def __init__(self, fp):
        self._fp = fp
        self._dec = bz2.BZ2Decompressor()
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        dec = self._dec
        if dec.eof:
            rest = dec.unused_data or self._fp.read(_BZ2_IN)
            if not rest:
                self._done = True
                return
            self._dec = dec = bz2.BZ2Decompressor()  # the next stream: garbage raises OSError here
            self._pending = dec.decompress(rest, _BZ2_OUT)
            return
        raw = b""
        if dec.needs_input:
            raw = self._fp.read(_BZ2_IN)
            if not raw:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        self._pending = dec.decompress(raw, _BZ2_OUT)

    def readinto(self, b) -> int:
        while not self._pending and not self._done:
            self._fill()
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._fp.close()
        super().close()


_BOM = b"\xef\xbb\xbf"


def _identity(st: os.stat_result) -> tuple:
    return st.st_size, st.st_mtime_ns


class _Checked:
    """A corpus file whose read errors (corrupt or truncated archives: OSError, EOFError,
    zlib.error) are one ``CorpusError`` naming the file, for every reader of corpora; and
    whose end is checked: a file that changed while it was read (truncated, appended to,
    rewritten) is a ``CorpusError``, not a model trained on part of it."""

    def __init__(self, path: Path, f, raw=None):
        self.path, self._f, self._raw = path, f, raw
        self._first = True
        self._at_open = _identity(os.fstat(raw.fileno())) if raw is not None else None

    def _check_unchanged(self) -> None:
        if self._raw is None:
            return
        now = _identity(os.fstat(self._raw.fileno()))
        if now != self._at_open:
            change = (f"its size went from {self._at_open[0]:,} to {now[0]:,} bytes" if now[0] != self._at_open[0]
                      else "it was modified")
            raise CorpusError(f"{self.path}: changed while it was read ({change}); what was read is not the "
                              f"file: train again once it is complete and no longer written")

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._f.read(n)
            if not data and n != 0:
                self._check_unchanged()
            if self._first and data:
                # A UTF-8 byte-order mark (Windows editors) is no part of the first word.
                self._first = False
                while len(data) < 3 and _BOM.startswith(data) and n != -1:
                    more = self._f.read(n)
                    if not more:
                        break
                    data += more
                if data.startswith(_BOM):
                    data = data[3:] or self._f.read(n)
            return data
        except (OSError, EOFError, ValueError, zlib.error) as e:
            self._check_unchanged()  # a compressed file cut short while read: say that, not "corrupt"
            raise CorpusError(f"{self.path}: read failed ({e})") from None

    def close(self) -> None:
        self._f.close()
        if self._raw is not None:
            self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_binary(path: Path):
    """Open a corpus file for reading bytes, decompressing .gz and .bz2 transparently:
    every member or stream is read, and corruption or trailing garbage is a CorpusError
    naming the file (gzip already refuses trailing garbage; bz2 is read by _Bz2Streams)."""
    try:
        raw = open(path, "rb")
    except OSError as e:
        raise CorpusError(f"{path}: cannot open ({e.strerror or e})") from None
    if path.suffix == ".gz":
        return _Checked(path, gzip.GzipFile(fileobj=raw, mode="rb"), raw)
    if path.suffix == ".bz2":
        return _Checked(path, io.BufferedReader(_Bz2Streams(raw), BLOCK_BYTES), raw)
    return _Checked(path, raw, raw)


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _looks_binary(head: bytes) -> bool:
    """Bytes that are mostly control bytes or invalid UTF-8 are not text."""
    sample = head[:8192]
    # A window may start or end inside a UTF-8 sequence: that is no sign of binary data.
    sample = sample[next((i for i in range(min(3, len(sample))) if sample[i] & 0xC0 != 0x80), min(3, len(sample))):]
    if len(sample) < 16:
        return False
    ctrl = len(sample) - len(sample.translate(None, _CONTROL))
    bad = 0
    if not sample.isascii():
        text = codecs.getincrementaldecoder("utf-8")("replace").decode(sample, final=False)
        bad = text.count("\ufffd") - sample.count(b"\xef\xbf\xbd")
    return ctrl + bad > len(sample) * 0.30


def _binary_at(chunk: bytes) -> int | None:
    """Offset of an 8 KiB window of ``chunk`` (start, middle, end) that looks binary."""
    window = 8192
    for start in sorted({0, max(0, len(chunk) // 2 - window // 2), max(0, len(chunk) - window)}):
        if _looks_binary(chunk[start : start + window]):
            return start
    return None


def _wide_encoding(head: bytes) -> str | None:
    """UTF-32 or UTF-16 by the byte-order mark (UTF-32LE's starts with UTF-16LE's, so it
    is tested first), else None."""
    if head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "UTF-32"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    return None


def _utf8_cut(data: bytes, end: int) -> int:
    """Move ``end`` back to the start of a UTF-8 sequence (at most 3 bytes)."""
    for cut in range(end, max(0, end - 3), -1):
        if data[cut] & 0xC0 != 0x80:
            return cut
    return end


def iter_blocks(path: Path, stats: ReadStats, block_bytes: int = BLOCK_BYTES) -> Iterator[bytes]:
    """Raw byte blocks of one file, each cut after a whitespace byte (so no token or
    UTF-8 sequence is split), ending with a newline at the end of the file."""
    carry = b""
    offset = 0
    with open_binary(path) as f:
        while True:
            try:
                chunk = f.read(block_bytes)
            except (OSError, EOFError, ValueError, zlib.error) as e:  # corrupt archives, truncated gzip
                raise CorpusError(f"{path}: read failed ({e})") from None
            # Every block is checked (a few windows), so binary data after a text start
            # stops the run instead of training on garbage.
            at = _binary_at(chunk)
            encoding = _wide_encoding(chunk) if at is not None and offset == 0 else None
            if encoding:
                raise CorpusError(f"{path}: is {encoding} text; convert it to UTF-8 (iconv -f {encoding} -t UTF-8)")
            if at is not None:
                where = "" if offset + at == 0 else f" (from about byte {offset + at:,})"
                raise CorpusError(f"{path}: looks like a binary file{where}, not text")
            offset += len(chunk)
            if not chunk:
                break
            stats.bytes += len(chunk)
            data = carry + chunk
            cut = max(data.rfind(b" "), data.rfind(b"\n"), data.rfind(b"\t"), data.rfind(b"\r"))
            if cut < 0:
                # No whitespace in a whole block: one enormous token. Keep bounded memory by
                # emitting it as is (it will be a rare word and be dropped by min_count).
                if len(data) > 4 * block_bytes:
                    cut = _utf8_cut(data, len(data) - 1)
                    yield data[:cut]
                    carry = data[cut:]
                else:
                    carry = data
                continue
            yield data[: cut + 1]
            carry = data[cut + 1 :]
    yield carry + b"\n"
    stats.files += 1


class Corpus:
    """A re-iterable source of standardized tokens.

    ``source`` is a path (file or folder; .gz/.bz2 decompressed) or an iterable of sentences
    (each a list of str tokens, or a str to split on whitespace). Iterating yields lists of
    bytes tokens with ``SENTENCE_END`` after every sentence, block by block. ``tokenizer``
    (a spec such as ``"kmer:3"`` or a ``Tokenizer``; default whitespace) cuts the
    standardised text into tokens (``wordvec.text.tokenizers``).
    """

    def __init__(self, source, standardize: str = "lower_strip_punctuation", tokenizer=None):
        self.source = source
        self.tokenizer = make_tokenizer(tokenizer)
        # A tokenizer may need its own standardisation (sequences: the bytes as they are).
        self.standardizer = Standardizer(self.tokenizer.standardize or standardize)
        self.stats = ReadStats()
        if isinstance(source, (str, os.PathLike)):
            self.files = find_files(source)
        else:
            self.files = None
            if isinstance(source, Iterator):
                raise CorpusError(
                    "corpus: a one-shot iterator cannot be read more than once; pass a list or a path"
                )

    @property
    def name(self) -> str:
        return str(self.source) if self.files is not None else "<iterable>"

    def describe(self) -> dict:
        extra = {} if isinstance(self.tokenizer, WhitespaceTokenizer) else {"tokenizer": self.tokenizer.spec}
        if self.files is None:
            return {"source": "<iterable>", **extra}
        return {"source": str(Path(self.source).resolve()), "files": len(self.files), **extra}

    def token_blocks(self) -> Iterator[list[bytes]]:
        self.stats = ReadStats()
        if self.files is None:
            yield from self._iterable_blocks()
        else:
            std = self.standardizer
            for path in self.files:
                texts = (std(raw, self.stats, str(path)) for raw in iter_blocks(path, self.stats))
                yield from self.tokenizer.stream(texts, str(path))
        self.stats.warn()

    def text_blocks(self) -> Iterator[bytes]:
        """The tokens as standardised text, block by block (spaces between, a newline ending
        each sentence): what a counter that splits bytes itself reads. For whitespace that is
        the standardised text itself; another tokenizer writes its tokens (``text_stream``)."""
        self.stats = ReadStats()
        tok = self.tokenizer
        plain = isinstance(tok, WhitespaceTokenizer)
        if self.files is None:
            yield from self._iterable_texts() if plain else tok.text_stream(self._iterable_texts())
        else:
            std = self.standardizer
            for path in self.files:
                texts = (std(raw, self.stats, str(path)) for raw in iter_blocks(path, self.stats))
                yield from texts if plain else tok.text_stream(texts, str(path))
        self.stats.warn()

    def _iterable_blocks(self) -> Iterator[list[bytes]]:
        if not isinstance(self.tokenizer, WhitespaceTokenizer):
            yield from self.tokenizer.stream(self._iterable_texts())
            return
        std = self.standardizer
        buf: list[bytes] = []
        for i, sentence in enumerate(self.source):
            buf.extend(std(_sentence_bytes(sentence, i), self.stats, "<iterable>").split())
            buf.append(SENTENCE_END)
            if len(buf) >= 1 << 16:
                yield buf
                buf = []
        if buf:
            yield buf

    def _iterable_texts(self) -> Iterator[bytes]:
        """Standardised text of the sentences, a line each, in blocks (for a tokenizer)."""
        buf: list[bytes] = []
        size = 0
        for i, sentence in enumerate(self.source):
            line = _sentence_bytes(sentence, i)
            buf.append(line)
            size += len(line)
            if size >= BLOCK_BYTES:
                yield self.standardizer(b"\n".join(buf) + b"\n", self.stats, "<iterable>")
                buf, size = [], 0
        if buf:
            yield self.standardizer(b"\n".join(buf) + b"\n", self.stats, "<iterable>")


def check_tokens(words, where: str) -> None:
    """Every token of a sentence given as a list is a str: integers or nested lists are a
    ``CorpusError`` naming the sentence and the token, never ``str.join``'s TypeError."""
    for k, w in enumerate(words):
        if not isinstance(w, str):
            raise CorpusError(f"{where}: token {k} is {type(w).__name__} {_short(w)}, not str "
                              f"(a sentence is a list of str, or one str)")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _sentence_bytes(sentence, i: int = 0) -> bytes:
    """One sentence (number ``i``) of an iterable corpus as UTF-8 bytes on one line."""
    if isinstance(sentence, (list, tuple)):
        check_tokens(sentence, f"corpus: sentence {i}")
        sentence = " ".join(sentence)
    elif isinstance(sentence, bytes):
        sentence = sentence.decode("utf-8", "replace")
    elif not isinstance(sentence, str):
        raise CorpusError(f"corpus: sentence {i} is {type(sentence).__name__} {_short(sentence)}; "
                          f"sentences must be lists of str or str")
    return sentence.encode("utf-8", "replace").replace(b"\n", b" ").replace(b"\r", b" ")
