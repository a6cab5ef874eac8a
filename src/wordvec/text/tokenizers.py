"""Tokenizers: how the corpus reader turns standardised text into tokens.

The reader hands a tokenizer the standardised text of one file as a stream of blocks, in
order (about 1 MiB each, cut after a whitespace byte; a run of 4 MiB with no whitespace at
all, a genome line, is cut wherever it must be). The tokenizer returns blocks of bytes tokens
with ``SENTENCE_END`` where a sentence ends. Because it sees the blocks in order it can carry
across a cut what it needs: ``Tokenizer.stream`` keeps the unfinished tail of each block (a
piece of a word, or the rest of a line) and puts it in front of the next block, so no token
is lost or split at a cut.

A tokenizer is named by a spec string in parameters, config files and the CLI
(``"whitespace"``, ``"kmer:3"``, ``"protvec:3"``, ``"dna2vec:3-8"``, ``"phrases:PATH"``:
``sequences.py`` and ``phrases.py``); ``make_tokenizer`` turns a spec (or a ready object) into one,
and a model folder records the spec so that resuming reads the corpus the same way.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..errors import ParameterError

SENTENCE_END = b"\x00"  # the marker token (also in corpus.py, which imports it from here)
_WHITESPACE = re.compile(rb"\s")
_MAX_CARRY = 8 << 20  # a tail this long is tokenized in part (memory stays bounded)


class Tokenizer:
    """The protocol, and the carrying that most tokenizers need.

    A subclass sets ``spec`` and ``unit`` and implements ``tokenize(text)``: the tokens of
    ``text``, which holds whole units (``"word"``: whitespace-separated pieces; ``"line"``:
    whole lines, for tokenizers that look across words), ``SENTENCE_END`` after each line.
    ``tokenize_partial(tail)`` handles a tail that grew past 8 MiB without ending (a single
    giant piece or line): it returns the tokens it can give now and the bytes to keep.
    """

    spec = ""
    unit = "word"
    standardize = None  # the standardisation this tokenizer needs (None: the corpus's own)

    def tokenize(self, text: bytes) -> list[bytes]:  # pragma: no cover - every tokenizer defines it
        raise NotImplementedError

    def tokenize_partial(self, tail: bytes) -> tuple[list[bytes], bytes]:
        """Default: tokens of everything up to the tail's last whitespace (a word, or a line
        continued in the next block), or nothing yet when it has none."""
        cut = _last_whitespace(tail)
        if cut < 0:
            return [], tail
        return [t for t in self.tokenize(tail[: cut + 1]) if t != SENTENCE_END], tail[cut + 1 :]

    def text_stream(self, blocks: Iterable[bytes], name: str = "<iterable>") -> Iterator[bytes]:
        """The tokens as text (spaces between, a newline ending each sentence), block by
        block: what the vocabulary's WordCounter reads. A tokenizer that can write its
        tokens as text directly overrides this (``sequences.py``)."""
        for tokens in self.stream(blocks, name):
            yield b" ".join(tokens).replace(SENTENCE_END, b"\n")

    def tokens_of_line(self, line: bytes) -> list[bytes]:
        """The tokens of one standardised line with no newline (a document, a query)."""
        return [t for t in self.tokenize(line + b"\n") if t != SENTENCE_END]

    def stream(self, blocks: Iterable[bytes], name: str = "<iterable>") -> Iterator[list[bytes]]:
        """Token blocks of one file's standardised text blocks (the last ends with a newline);
        ``name`` is the file's, for error messages."""
        carry = b""
        for block in blocks:
            text = carry + block
            cut = text.rfind(b"\n") if self.unit == "line" else _last_whitespace(text)
            if cut < 0:
                carry = text
                if len(carry) > _MAX_CARRY:
                    tokens, carry = self.tokenize_partial(carry)
                    if tokens:
                        yield tokens
                continue
            carry = text[cut + 1 :]
            tokens = self.tokenize(text[: cut + 1])
            if tokens:
                yield tokens
        if carry:
            yield self.tokenize(carry + b"\n")

    @classmethod
    def from_arg(cls, arg: str) -> "Tokenizer":
        """The tokenizer of the spec ``NAME:ARG`` (``arg`` is "" for a bare ``NAME``)."""
        if arg:
            raise ParameterError(f"tokenizer={cls.spec + ':' + arg!r} is invalid: '{cls.spec}' takes no argument")
        return cls()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"


def _last_whitespace(text: bytes) -> int:
    return max(text.rfind(b" "), text.rfind(b"\n"), text.rfind(b"\t"), text.rfind(b"\r"))


class WhitespaceTokenizer(Tokenizer):
    """Tokens are runs of non-whitespace; a line is a sentence. The reader's blocks are
    already cut after whitespace, so no carrying is needed: one ``bytes.split`` a block."""

    spec = "whitespace"

    def tokenize(self, text: bytes) -> list[bytes]:
        return text.replace(b"\n", b" \x00 ").split()

    def stream(self, blocks: Iterable[bytes], name: str = "<iterable>") -> Iterator[list[bytes]]:
        for block in blocks:
            yield block.replace(b"\n", b" \x00 ").split()


def _sequences(name: str):
    def load():
        from . import sequences  # numpy-only, but it imports this module: loaded when first named

        return {"kmer": sequences.KmerTokenizer, "protvec": sequences.ProtVecTokenizer,
                "dna2vec": sequences.Dna2vecTokenizer}[name]

    return load


def _phrases():
    from .phrases import Phrases  # only where used: it loads the Numba counting kernels

    return Phrases


# name -> the class (or a function returning it, for those imported only when used)
TOKENIZERS = {"whitespace": WhitespaceTokenizer, "kmer": _sequences("kmer"), "protvec": _sequences("protvec"),
              "dna2vec": _sequences("dna2vec"), "phrases": _phrases}


def _parse(spec) -> tuple:
    if not isinstance(spec, str):
        raise ParameterError(f"tokenizer={spec!r} is invalid: must be a spec string such as 'kmer:3' or a Tokenizer")
    name, _, arg = spec.partition(":")
    if name not in TOKENIZERS:
        raise ParameterError(f"tokenizer={spec!r} is invalid: must be one of {', '.join(TOKENIZERS)} "
                             "(as 'kmer:3', 'phrases:table.tsv')")
    return name, arg


def check_tokenizer(spec) -> None:
    """Check a ``tokenizer`` parameter without building it (a phrase table is read only when
    the corpus is: a model whose table moved still loads)."""
    if spec is None or isinstance(spec, Tokenizer):
        return
    name, arg = _parse(spec)
    if name == "phrases":
        if not arg:
            raise ParameterError("tokenizer='phrases' needs the table: 'phrases:PATH' (learn one with wordvec phrases)")
        return
    make_tokenizer(spec)


def make_tokenizer(spec) -> Tokenizer:
    """A tokenizer from a spec string (``"whitespace"``, ``"kmer:3"``, ``"phrases:PATH"``),
    None (whitespace), or a ``Tokenizer`` (returned as is)."""
    if spec is None:
        return WhitespaceTokenizer()
    if isinstance(spec, Tokenizer):
        return spec
    name, arg = _parse(spec)
    cls = TOKENIZERS[name]
    if not isinstance(cls, type):
        cls = cls()
    return cls.from_arg(arg)


def tokenizer_spec(tokenizer) -> str:
    """The spec string a model records for ``tokenizer`` (a spec, None or a Tokenizer)."""
    return make_tokenizer(tokenizer).spec
