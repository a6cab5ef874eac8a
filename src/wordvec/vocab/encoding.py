"""Encoded corpus: the corpus as a flat int32 file of vocabulary rows plus sentence offsets.

Built once from the id stream of the counting pass; every epoch then reads it in jobs of
about ``batch_words`` tokens with no Python in the per-word loop. Out-of-vocabulary tokens
are removed (windows span over them, as in the C tool) and sentences longer than
``max_sentence_length`` are split into chunks, never truncated.
"""
from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .vocabulary import MARKER, OOV_ID

CHUNK_IDS = 1 << 20  # 4 MiB of ids per step: bounded transient memory


@dataclass
class EncodedCorpus:
    tokens_path: Path
    offsets_path: Path
    n_tokens: int
    n_sentences: int
    lines_path: Path | None = None  # token offset where each input line ends (n_lines + 1 values)
    crc: int | None = None  # CRC-32 of the tokens and the line ends: the corpus's fingerprint (resume)

    @property
    def line_ends(self) -> np.ndarray:
        """[0, end of line 1, end of line 2, ...]: which line each token came from, so a model
        that knows lines (doc2vec: a line is a document) can map sentences back to them."""
        return np.load(self.lines_path, mmap_mode="r")

    def sentence_lines(self) -> np.ndarray:
        """The input line (0-based) each encoded sentence comes from (a long line gives
        several sentences; an empty line none)."""
        ends = np.asarray(self.line_ends)[1:]
        return np.searchsorted(ends, np.asarray(self.offsets)[:-1], side="right").astype(np.int64)

    @property
    def offsets(self) -> np.ndarray:
        """Sentence start offsets (n_sentences + 1 of them), memory-mapped."""
        return np.load(self.offsets_path, mmap_mode="r")

    def read(self, start: int, stop: int, fh=None) -> np.ndarray:
        """Tokens [start, stop) as an int32 array (a small copy, not a mapping)."""
        count = stop - start
        if fh is not None:
            buf = os.pread(fh.fileno(), 4 * count, 4 * start)
            return np.frombuffer(buf, dtype=np.int32)
        return np.fromfile(self.tokens_path, dtype=np.int32, count=count, offset=4 * start)

    def jobs(self, batch_words: int) -> np.ndarray:
        """Sentence ranges [s0, s1) of about ``batch_words`` tokens each, shape (n_jobs, 2)."""
        offsets = self.offsets
        if self.n_sentences == 0:
            return np.zeros((0, 2), np.int64)
        marks = np.arange(0, self.n_tokens, max(1, batch_words), dtype=np.int64)
        starts = np.unique(np.searchsorted(offsets[:-1], marks, side="right") - 1)
        starts = starts[starts >= 0]
        ends = np.append(starts[1:], self.n_sentences)
        return np.stack([starts, ends], axis=1).astype(np.int64)


def encode_id_stream(
    ids_path: Path,
    remap: np.ndarray | None,
    out_dir: Path,
    max_sentence_length: int = 10000,
) -> EncodedCorpus:
    """Turn a stream of ids (provisional ids with ``remap``, or final ids with -1/-2) into
    the token file, the line ends and the sentence offsets, chunk by chunk in bounded
    memory: the line ends and offsets are streamed to their files too (a corpus of many
    short lines has millions of them, and building them whole at the end took several
    copies' worth of peak memory and left the heap fragmented for the whole training)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tokens_path = out_dir / "tokens.i32"
    offsets_path = out_dir / "offsets.npy"
    lines_path = out_dir / "lines.npy"
    base = 0
    crc = 0
    last = 0  # the last sentence boundary written to the offsets
    with open(ids_path, "rb") as src, open(tokens_path, "wb") as dst, \
            _Int64Npy(lines_path) as lines, _Int64Npy(offsets_path) as offsets:
        lines.write(np.zeros(1, np.int64))
        offsets.write(np.zeros(1, np.int64))
        while True:
            raw = np.fromfile(src, dtype=np.int32, count=CHUNK_IDS)
            if raw.size == 0:
                break
            ids = remap[raw] if remap is not None else raw
            ids = ids[ids != OOV_ID]
            is_end = ids == MARKER
            is_tok = ~is_end
            # Line end offsets in the output: tokens written before each marker.
            ends = np.cumsum(is_tok, dtype=np.int64)[is_end] + base
            lines.write(ends)
            last = _write_bounds(offsets, ends, last, max_sentence_length)
            tok = ids[is_tok]
            data = tok.astype(np.int32).tobytes()
            crc = zlib.crc32(data, crc)
            dst.write(data)
            base += tok.size
        n_tokens = base
        _write_bounds(offsets, np.array([n_tokens], np.int64), last, max_sentence_length)
    # The fingerprint covers the tokens, then the line ends (read back from their file).
    with open(lines_path, "rb") as f:
        f.seek(_Int64Npy.HEADER)
        while block := f.read(1 << 22):
            crc = zlib.crc32(block, crc)
    return EncodedCorpus(tokens_path, offsets_path, n_tokens, offsets.count - 1, lines_path, crc)


def _write_bounds(out: "_Int64Npy", ends: np.ndarray, last: int, max_len: int) -> int:
    """Append the sentence boundaries that ``ends`` (sorted line ends) add after ``last``:
    empty sentences dropped, long ones split; returns the new last boundary."""
    new = ends[np.diff(ends, prepend=last) != 0]
    if new.size:
        out.write(_split_long(np.concatenate([[last], new]), max_len)[1:])
        last = int(new[-1])
    return last


class _Int64Npy:
    """A 1-D int64 ``.npy`` file written in pieces (the same bytes as ``np.save``): room for
    the header is kept, and the header is written once the length is known."""

    HEADER = 128  # np.save's header for a 1-D int64 array of any length below 10**40

    def __init__(self, path: Path):
        self.path, self.count = path, 0

    def __enter__(self):
        self.f = open(self.path, "wb")
        self.f.write(b"\0" * self.HEADER)
        return self

    def write(self, values: np.ndarray) -> None:
        self.f.write(np.ascontiguousarray(values, dtype=np.int64).tobytes())
        self.count += values.size

    def __exit__(self, *exc) -> None:
        with self.f:
            if exc[0] is not None:
                return
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                header, {"descr": "<i8", "fortran_order": False, "shape": (self.count,)})
            if len(header.getvalue()) != self.HEADER:  # cannot happen below 10**40 values
                raise AssertionError(f"{self.path}: unexpected .npy header size")
            self.f.seek(0)
            self.f.write(header.getvalue())


def _split_long(bounds: np.ndarray, max_len: int) -> np.ndarray:
    """Insert boundaries so no sentence is longer than ``max_len`` tokens."""
    lengths = np.diff(bounds)
    if lengths.size == 0 or lengths.max() <= max_len:
        return bounds
    pieces = -(-lengths // max_len)  # chunks per sentence
    starts = np.repeat(bounds[:-1], pieces)
    within = np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    return np.append(starts + within * max_len, bounds[-1])
