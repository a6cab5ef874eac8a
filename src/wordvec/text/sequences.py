"""Biological sequences as tokens: FASTA, FASTQ or one sequence a line, cut into k-mers.

Three schemes, each a tokenizer on the corpus reader's hook (``text.tokenizers``), so every
model trains on them while streaming:

- ``kmer:K``: overlapping k-mers (``ACGTA``, k=3: ``ACG CGT GTA``), as dna2vec's fixed-k
  and most k-mer embeddings.
- ``protvec:K``: ProtVec's scheme: non-overlapping k-mers in each of the k reading frames,
  so a sequence gives k sentences.
- ``dna2vec:KMIN-KMAX``: dna2vec's variable k: at each position a k-mer of random length in
  [KMIN, KMAX] (seeded by ``seed`` and the record's number, so the same file always gives the
  same tokens); ``dna2vec:3-8:rc`` replaces each k-mer by its reverse complement with
  probability 0.5.

An alphabet may follow (``kmer:3:dna``, ``:rna``, ``:protein``): letters outside it
(``N`` and the other ambiguity codes, gaps, stop marks) split a sequence, and each piece is a
sentence of its own. Without one, any letter is kept and anything else splits. Letters are
upper-cased; the reader does no other standardisation for these tokenizers.

Records: a file whose first line starts with ``>`` is FASTA (a record's sequence may span
many lines; k-mers span the line breaks), ``@`` is FASTQ (four lines a record), anything
else has one sequence a line. A record is streamed in pieces of at most 1 MiB, keeping the
last KMAX - 1 letters for the next piece, so a 3 GB chromosome never sits in memory and no
k-mer is lost where the reader cuts its blocks (ProtVec's frames hold a record whole, up to
64 MiB, then start again). Bad records (a FASTA file with no header, a header with no
sequence, a FASTQ record whose parts disagree) are errors naming the file, line and record.
"""
from __future__ import annotations

import zlib
from typing import Iterable, Iterator

import numpy as np

from ..errors import CorpusError, ParameterError
from .tokenizers import SENTENCE_END, Tokenizer

ALPHABETS = {"dna": b"ACGT", "rna": b"ACGU", "protein": b"ACDEFGHIKLMNPQRSTVWY"}
_LETTERS = bytes(range(ord("A"), ord("Z") + 1))
_PIECE = 1 << 20  # letters of one record tokenized at a time
_WHOLE_MAX = 64 << 20  # ProtVec holds a record whole up to this many letters
_COMPLEMENT = bytes.maketrans(b"ACGTU", b"TGCAA")


def _splitter(alphabet: bytes) -> bytes:
    """A translate table: letters of ``alphabet`` kept, everything else a space."""
    return bytes(b if b in alphabet else 32 for b in range(256))


class SequenceTokenizer(Tokenizer):
    """The shared reading (records, alphabets, pieces); subclasses cut a piece into k-mers."""

    standardize = "none"  # the reader leaves the bytes alone (case is folded here)
    kmax = 1

    def __init__(self, alphabet: str | None = None):
        if alphabet is not None and alphabet not in ALPHABETS:
            raise ParameterError(f"tokenizer: alphabet {alphabet!r} is invalid: must be one of {', '.join(ALPHABETS)}")
        self.alphabet = alphabet
        self._split = _splitter(ALPHABETS[alphabet] if alphabet else _LETTERS)

    # -- what a subclass supplies
    def kmers(self, seq: bytes, final: bool) -> tuple[list[bytes], int]:
        """Sentences from ``seq`` (a piece of the current record),
        each as its tokens joined, a space after each (``b"ACG CGT "``: made with NumPy, split
        only where tokens are wanted as objects), and how many letters were used (the rest
        is carried, unless ``final``)."""
        raise NotImplementedError

    # -- the reader's side
    def tokenize(self, text: bytes) -> list[bytes]:
        """Tokens of text holding whole lines, each line one sequence (documents, queries)."""
        out: list[bytes] = []
        for n, line in enumerate(text.split(b"\n")):
            self._reset(n)
            for sentences in self._feed([line], final=True):
                for sentence, _ in sentences:
                    if sentence:
                        out.extend(sentence.split())
                        out.append(SENTENCE_END)
        return out

    def tokens_of_line(self, line: bytes) -> list[bytes]:
        return [t for t in self.tokenize(line) if t != SENTENCE_END]

    def stream(self, blocks: Iterable[bytes], name: str = "<iterable>") -> Iterator[list[bytes]]:
        for text in self.text_stream(blocks, name):
            yield text.replace(b"\n", b" \x00 ").split()

    def text_stream(self, blocks: Iterable[bytes], name: str = "<iterable>") -> Iterator[bytes]:
        """The k-mers as text: tokens separated by spaces, a newline ending each sentence, in
        blocks of about 1 MiB (what the vocabulary's WordCounter reads without making a
        Python object per k-mer)."""
        self._reset(0)
        out: list[bytes] = []
        size = 0
        open_ = False  # a sentence not yet ended has tokens in ``out`` (or already yielded)
        for sentences in self._records(self._lines(blocks), name):
            for sentence, ended in sentences:
                if sentence:
                    out.append(sentence)
                    size += len(sentence)
                    open_ = True
                if ended and open_:
                    out.append(b"\n")
                    open_ = False
            if size >= _PIECE:
                yield b"".join(out)
                out, size = [], 0
        if open_:
            out.append(b"\n")
        if out:
            yield b"".join(out)

    @staticmethod
    def _lines(blocks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
        """(line, goes_on) pairs: goes_on says the line continues in the next item (a line
        longer than a piece is handed on in pieces, so memory stays bounded)."""
        carry = b""
        for block in blocks:
            text = carry + block
            cut = text.rfind(b"\n")
            if cut < 0:
                while len(text) > _PIECE:
                    yield text[:_PIECE], True
                    text = text[_PIECE:]
                carry = text
                continue
            *whole, last = text[: cut + 1].split(b"\n")
            for line in whole:
                yield line, False
            carry = text[cut + 1:]
        if carry:
            yield carry, False

    def _records(self, lines: Iterator[tuple[bytes, bool]], name: str) -> Iterator[list[list[bytes]]]:
        """Sentences of each record's pieces, as the file's format says."""
        fmt = None
        record = -1
        header_line = 0
        header = b""
        seen_letters = False
        parts: list[bytes] = []
        size = 0  # bytes in parts
        line_no = 0
        fastq: list[bytes] = []
        goes_on = False  # the previous item was a piece of a longer line
        for line, more in lines:
            continued, goes_on = goes_on, more
            if not continued:
                line_no += 1
            line = line.rstrip(b"\r")
            if fmt is None:
                if not line.strip():
                    continue
                fmt = "fasta" if line.startswith(b">") else "fastq" if line.startswith(b"@") else "plain"
                base = name.lower().removesuffix(".gz").removesuffix(".bz2")
                if fmt == "plain" and base.endswith((".fa", ".fasta", ".fna", ".faa", ".ffn")):
                    raise CorpusError(f"{name}:{line_no}: FASTA sequence before any '>' header")
            if fmt == "plain":
                if not continued:
                    record += 1
                    self._reset(record)
                parts.append(line)
                size += len(line)
                if more:
                    if size >= _PIECE:
                        yield from self._feed(parts)
                        size = 0
                    continue
                yield from self._feed(parts, final=True)
                size = 0
            elif fmt == "fasta":
                if not continued and line.startswith(b">"):
                    if record >= 0:
                        if not seen_letters:
                            raise CorpusError(f"{name}:{header_line}: FASTA record {_rec(header)} has no sequence")
                        yield from self._feed(parts, final=True)
                    record += 1
                    size = 0
                    header_line, header, seen_letters = line_no, line, False
                    self._reset(record)
                    continue
                if line.strip():
                    seen_letters = True
                    parts.append(line)
                    size += len(line)
                    if size >= _PIECE:  # a running total: summing the parts each line is quadratic
                        yield from self._feed(parts)
                        size = 0
            else:  # FASTQ: @id, sequence, +, quality (a long read may come in pieces)
                if continued:
                    fastq[-1] += line
                else:
                    fastq.append(line)
                if more or len(fastq) < 4:
                    continue
                head, seq, plus, qual = fastq
                fastq = []
                first = line_no - 3
                if not head.startswith(b"@") or not plus.startswith(b"+") or len(seq) != len(qual) or not seq:
                    raise CorpusError(f"{name}:{first}: FASTQ record {_rec(head)} is malformed "
                                      "(expected @id, sequence, +, quality of the same length)")
                record += 1
                self._reset(record)
                yield from self._feed([seq], final=True)
        if fmt == "fasta" and record >= 0:
            if not seen_letters:
                raise CorpusError(f"{name}:{header_line}: FASTA record {_rec(header)} has no sequence")
            yield from self._feed(parts, final=True)
        if any(x.strip() for x in fastq):
            lines_left = [x for x in fastq if x.strip()]
            raise CorpusError(f"{name}:{line_no - len(fastq) + 1}: FASTQ record cut short ({len(lines_left)} of 4 lines)")

    # -- one record, in pieces, split at letters outside the alphabet
    def _reset(self, record: int) -> None:
        self._carry = b""
        self._open = False  # a sentence of this record is still open (its piece goes on)

    def _feed(self, parts: list[bytes], final: bool = False):
        """Yields lists of (tokens, ended) sentences: a piece split off by a letter outside the
        alphabet is ended; the record's last piece goes on in the next feed unless ``final``."""
        text = self._carry + b"".join(parts).upper().translate(self._split)
        parts.clear()
        pieces = text.split(b" ")
        # All but the last piece end at a split letter: they are whole.
        for piece in pieces[:-1]:
            if piece or self._open:
                sentences, _ = self.kmers(piece, True)
                yield [(t, True) for t in sentences] or [([], True)]
            self._open = False
        last = pieces[-1]
        sentences, used = self.kmers(last, final)
        if sentences or final:
            yield [(t, final or i < len(sentences) - 1) for i, t in enumerate(sentences)] or [([], True)]
        self._open = bool(sentences) and not final
        self._carry = b"" if final else last[used:]



def _windows_text(seq: bytes, k: int, n: int, step: int) -> bytes:
    """``n`` k-mers of ``seq`` starting every ``step`` letters, as text: ``b"ACG CGT "``."""
    a = np.frombuffer(seq, np.uint8)
    windows = np.lib.stride_tricks.as_strided(a, (n, k), (step, 1))
    out = np.empty((n, k + 1), np.uint8)
    out[:, :k] = windows
    out[:, k] = 32
    return out.tobytes()


def _rec(header) -> str:
    name = (header or b"")[1:].split(maxsplit=1)
    return repr(name[0].decode("utf-8", "replace")[:60]) if name else "(no name)"


def _check_k(name: str, k, low: int = 1, high: int = 64) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not low <= k <= high:
        raise ParameterError(f"tokenizer: {name}={k!r} is invalid: must be an integer in [{low}, {high}]")
    return k


class KmerTokenizer(SequenceTokenizer):
    """Overlapping k-mers (``kmer:K[:ALPHABET]``)."""

    def __init__(self, k: int = 3, alphabet: str | None = None):
        super().__init__(alphabet)
        self.k = self.kmax = _check_k("k", k)
        self.spec = f"kmer:{k}" + (f":{alphabet}" if alphabet else "")

    def kmers(self, seq, final):
        k = self.k
        n = len(seq) - k + 1 if final else len(seq) - (k - 1)
        return ([_windows_text(seq, k, n, 1)] if n > 0 else []), max(n, 0)


class ProtVecTokenizer(SequenceTokenizer):
    """ProtVec: non-overlapping k-mers in each of the k frames (``protvec:K[:ALPHABET]``)."""

    def __init__(self, k: int = 3, alphabet: str | None = None):
        super().__init__(alphabet)
        self.k = self.kmax = _check_k("k", k)
        self.spec = f"protvec:{k}" + (f":{alphabet}" if alphabet else "")

    def kmers(self, seq, final):
        if not final and len(seq) < _WHOLE_MAX:
            return [], 0  # frames need the whole sequence: wait for more
        k = self.k
        frames = [_windows_text(seq[f:], k, (len(seq) - f) // k, k) for f in range(k) if len(seq) - f >= k]
        return frames, len(seq)


class Dna2vecTokenizer(SequenceTokenizer):
    """dna2vec's variable-length k-mers (``dna2vec:KMIN-KMAX[:rc][:ALPHABET]``)."""

    def __init__(self, kmin: int = 3, kmax: int = 8, reverse_complement: bool = False, alphabet: str | None = None,
                 seed: int = 0):
        super().__init__(alphabet)
        self.kmin = _check_k("kmin", kmin)
        self.kmax = _check_k("kmax", kmax, kmin)
        self.rc = bool(reverse_complement)
        self.seed = seed
        self.spec = f"dna2vec:{kmin}-{kmax}" + (":rc" if self.rc else "") + (f":{alphabet}" if alphabet else "")

    def _reset(self, record: int) -> None:
        super()._reset(record)
        # The same record always draws the same lengths: the stream depends on seed and record alone.
        # Two streams of doubles (one draw a value): the same values however a record is cut.
        self._lengths = np.random.default_rng([self.seed, record, zlib.crc32(self.spec.encode()), 0])
        self._flips = np.random.default_rng([self.seed, record, zlib.crc32(self.spec.encode()), 1])

    def kmers(self, seq, final):
        n = len(seq) if final else len(seq) - (self.kmax - 1)
        if n <= 0:
            return [], 0
        span = self.kmax - self.kmin + 1
        lengths = (self.kmin + np.floor(self._lengths.random(n) * span).astype(np.int64)).tolist()
        flips = (self._flips.random(n) < 0.5).tolist() if self.rc else None
        out = []
        for i, L in enumerate(lengths):
            if i + L > len(seq):
                continue  # near the end of the record: no room for this length
            kmer = seq[i:i + L]
            if flips is not None and flips[i]:
                kmer = kmer.translate(_COMPLEMENT)[::-1]
            out.append(kmer)
        return ([b" ".join(out) + b" "] if out else []), n


def _parse_alphabet(rest: list[str], spec: str) -> str | None:
    if not rest:
        return None
    if len(rest) > 1 or rest[0] not in ALPHABETS:
        raise ParameterError(f"tokenizer={spec!r} is invalid: an alphabet is one of {', '.join(ALPHABETS)}")
    return rest[0]


def kmer_from_arg(cls, arg: str, name: str):
    parts = arg.split(":") if arg else []
    if not parts or not parts[0].isdigit():
        raise ParameterError(f"tokenizer={name + ':' + arg!r} is invalid: give k as '{name}:K' (K an integer)")
    return cls(int(parts[0]), _parse_alphabet(parts[1:], f"{name}:{arg}"))


KmerTokenizer.from_arg = classmethod(lambda cls, arg: kmer_from_arg(cls, arg, "kmer"))
ProtVecTokenizer.from_arg = classmethod(lambda cls, arg: kmer_from_arg(cls, arg, "protvec"))


def _dna2vec_from_arg(cls, arg: str):
    spec = f"dna2vec:{arg}"
    parts = arg.split(":") if arg else []
    bounds = parts[0].split("-") if parts else []
    if len(bounds) != 2 or not all(b.isdigit() for b in bounds):
        raise ParameterError(f"tokenizer={spec!r} is invalid: give the lengths as 'dna2vec:KMIN-KMAX' (as dna2vec:3-8)")
    rest = parts[1:]
    rc = "rc" in rest
    rest = [r for r in rest if r != "rc"]
    return cls(int(bounds[0]), int(bounds[1]), rc, _parse_alphabet(rest, spec))


Dna2vecTokenizer.from_arg = classmethod(_dna2vec_from_arg)


def sequence_vector(wv, tokens, how: str = "sum"):
    """A sequence's vector from its k-mers' (ProtVec sums them; ``how="mean"`` averages);
    k-mers not in ``wv`` are skipped. Raises KeyError when none is known."""
    rows = [wv.key_to_index[t] for t in tokens if t in wv.key_to_index]
    if not rows:
        raise KeyError("no k-mer of the sequence is in the vocabulary")
    v = wv.vectors[rows].sum(axis=0)
    return v / len(rows) if how == "mean" else v
