"""Tagged documents: the corpus of doc2vec, one document a line, its tags first.

A file line is ``TAGS<TAB>TEXT``: the tags (one or more, separated by spaces) before the
first tab, then the document's text. A line with no tab is tagged with its line number
(0-based, over all files in order). Python callers pass ``TaggedDocument(words, tags)``,
``(words, tags)`` pairs, or plain token lists (tagged by position).

The reader streams like ``Corpus``: it yields the documents' standardised tokens, a
sentence marker after each document, and as it goes maps every tag to a dense row
(first seen, first row): a tag ``10**9`` costs one row, not 10**9. Documents are never
truncated; the encoder splits a long one into several sentences that keep its tags.
"""
from __future__ import annotations

import os
from array import array
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np

from ..errors import CorpusError
from .corpus import SENTENCE_END, ReadStats, Standardizer, check_tokens, find_files, open_binary
from .tokenizers import WhitespaceTokenizer, make_tokenizer

_LINES_PER_BLOCK = 4096  # documents standardised together: one bytes call for many lines
_MAX_TAGS = 10_000


class TaggedDocument(NamedTuple):
    words: list
    tags: list


class DocumentTags:
    """Tag -> row (dense, in first-seen order) and each document's rows (CSR)."""

    def __init__(self):
        self.index: dict = {}
        self.keys: list = []
        self._rows = array("i")
        self._ptr = array("q", [0])

    def add(self, tags) -> None:
        for t in tags:
            row = self.index.get(t)
            if row is None:
                row = self.index[t] = len(self.keys)
                self.keys.append(t)
            self._rows.append(row)
        self._ptr.append(len(self._rows))

    def rows_of(self, doc: int):
        """Document ``doc``'s tag rows."""
        return self._rows[self._ptr[doc] : self._ptr[doc + 1]]

    @property
    def n_documents(self) -> int:
        return len(self._ptr) - 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, rows): document d's tag rows are rows[ptr[d]:ptr[d + 1]]."""
        return np.frombuffer(self._ptr, np.int64).copy(), np.frombuffer(self._rows, np.int32).copy()


def _check_tag(tag, where: str):
    if isinstance(tag, bool) or not isinstance(tag, (str, int, np.integer)):
        raise CorpusError(f"{where}: a tag must be a string or an integer, found {type(tag).__name__} {tag!r:.40}")
    if isinstance(tag, str) and (not tag or any(c.isspace() for c in tag)):
        raise CorpusError(f"{where}: tag {tag!r:.40} must be non-empty and without spaces")
    return int(tag) if isinstance(tag, np.integer) else tag


class DocumentCorpus:
    """A re-iterable source of tagged documents (see the module docstring)."""

    def __init__(self, source, standardize: str = "lower_strip_punctuation", tokenizer=None):
        self.source = source
        self.tokenizer = make_tokenizer(tokenizer)
        self.standardizer = Standardizer(self.tokenizer.standardize or standardize)
        self.stats = ReadStats()
        self.tags = DocumentTags()
        if isinstance(source, (str, os.PathLike)):
            self.files = find_files(source)
        else:
            self.files = None
            if isinstance(source, Iterator):
                raise CorpusError("corpus: a one-shot iterator cannot be read more than once; pass a list or a path")

    @property
    def name(self) -> str:
        return str(self.source) if self.files is not None else "<iterable>"

    def describe(self) -> dict:
        extra = {} if isinstance(self.tokenizer, WhitespaceTokenizer) else {"tokenizer": self.tokenizer.spec}
        if self.files is None:
            return {"source": "<iterable>", "documents": True, **extra}
        return {"source": str(Path(self.source).resolve()), "files": len(self.files), "documents": True, **extra}

    # ------------------------------------------------------------------ reading
    def token_blocks(self) -> Iterator[list[bytes]]:
        """Tokens of many documents at a time, ``SENTENCE_END`` after each; the tags of
        this pass are in ``self.tags`` once it is done."""
        self.stats = ReadStats()
        self.tags = DocumentTags()
        if self.files is None:
            yield from self._iterable_blocks()
        else:
            line_no = 0
            for path in self.files:
                for lines in self._file_lines(path):
                    texts = []
                    for k, line in enumerate(lines):
                        tags, text = self._split_tags(line, line_no, path)
                        self.tags.add(tags)
                        texts.append(text)
                        line_no += 1
                    yield self._tokens(texts, str(path))
        self.stats.warn()

    def _file_lines(self, path: Path) -> Iterator[list[bytes]]:
        """Lines of a file in groups, read in bounded blocks (a line is kept whole)."""
        carry = b""
        with open_binary(path) as f:
            while True:
                try:
                    chunk = f.read(1 << 20)
                except (OSError, EOFError, ValueError) as e:
                    raise CorpusError(f"{path}: read failed ({e})") from None
                if not chunk:
                    break
                self.stats.bytes += len(chunk)
                data = carry + chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                lines, carry = data[:cut].split(b"\n"), data[cut + 1 :]
                for i in range(0, len(lines), _LINES_PER_BLOCK):
                    yield lines[i : i + _LINES_PER_BLOCK]
        if carry:
            yield [carry]
        self.stats.files += 1

    @staticmethod
    def _split_tags(line: bytes, line_no: int, path) -> tuple[list, bytes]:
        tab = line.find(b"\t")
        if tab < 0:
            return [line_no], line
        head = line[:tab].decode("utf-8", "replace").split()
        if not head:
            raise CorpusError(f"{path}:{line_no + 1}: no tag before the tab (write TAGS<TAB>TEXT, or no tab at all)")
        if len(head) > _MAX_TAGS:
            raise CorpusError(f"{path}:{line_no + 1}: {len(head)} tags; at most {_MAX_TAGS:,} per document")
        return head, line[tab + 1 :]

    def _tokens(self, texts: list[bytes], name: str) -> list[bytes]:
        """Standardise many documents in one call; a marker after each."""
        joined = b"\n".join(t.replace(b"\r", b" ").replace(b"\x00", b" ") for t in texts) + b"\n"
        out: list[bytes] = []
        # A document is one line, so a tokenizer sees it whole: nothing to carry.
        split = bytes.split if isinstance(self.tokenizer, WhitespaceTokenizer) else self.tokenizer.tokens_of_line
        for line in self.standardizer(joined, self.stats, name).split(b"\n")[: len(texts)]:
            out.extend(split(line))
            out.append(SENTENCE_END)
        return out

    def _iterable_blocks(self) -> Iterator[list[bytes]]:
        texts: list[bytes] = []
        for i, doc in enumerate(self.source):
            words, tags = self._unpack(doc, i)
            self.tags.add(tags)
            if isinstance(words, str):
                texts.append(words.encode("utf-8", "replace").replace(b"\n", b" "))
            else:
                texts.append(" ".join(words).encode("utf-8", "replace").replace(b"\n", b" "))
            if len(texts) >= _LINES_PER_BLOCK:
                yield self._tokens(texts, "<iterable>")
                texts = []
        if texts:
            yield self._tokens(texts, "<iterable>")

    @staticmethod
    def _unpack(doc, i: int):
        where = f"corpus: document {i}"
        if isinstance(doc, TaggedDocument) or (isinstance(doc, tuple) and len(doc) == 2 and not isinstance(doc[0], str)):
            words, tags = doc
            if isinstance(tags, (str, int, np.integer)):
                tags = [tags]
            tags = [_check_tag(t, where) for t in tags]
            if not tags:
                raise CorpusError(f"{where}: has no tags")
        else:
            words, tags = doc, [i]
        if isinstance(words, str):
            return words, tags
        if not isinstance(words, (list, tuple)):
            raise CorpusError(f"{where}: words must be a list of str (or one str), found {type(words).__name__}")
        check_tokens(words, where)
        return words, tags


def document_snippets(corpus: "DocumentCorpus", n_words: int = 8) -> dict:
    """Tag -> the first ``n_words`` standardised words of the first document carrying it
    (the Projector's metadata for document vectors). One streaming pass."""
    snippets: dict = {}
    doc = 0
    words: list[bytes] = []
    pending: list = []  # (document number, words) read before this block's tags are known
    for block in corpus.token_blocks():
        for tok in block:
            if tok == SENTENCE_END:
                pending.append((doc, words[:n_words]))
                doc += 1
                words = []
            elif len(words) < n_words:
                words.append(tok)
        for d, ws in pending:
            text = b" ".join(ws).decode("utf-8", "replace")
            for r in corpus.tags.rows_of(d):
                snippets.setdefault(corpus.tags.keys[r], text)
        pending = []
    return snippets
