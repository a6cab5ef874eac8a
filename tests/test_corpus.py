import bz2
import gzip
import warnings
from collections import Counter

import numpy as np
import pytest

from wordvec.text import corpus as corpus_mod
from wordvec.text.corpus import SENTENCE_END, Corpus, Standardizer
from wordvec.errors import CorpusError


def sentences_of(corpus_or_blocks):
    """Sentences (lists of str) from a Corpus or from an iterable of token blocks."""
    blocks = corpus_or_blocks.token_blocks() if isinstance(corpus_or_blocks, Corpus) else corpus_or_blocks
    out, cur = [], []
    for block in blocks:
        for t in block:
            if t == SENTENCE_END:
                if cur:
                    out.append([w.decode() for w in cur])
                cur = []
            else:
                cur.append(t)
    assert not cur
    return out


def test_standardize_modes():
    raw = "Hello, World! It's 2 o'clock.\n".encode()
    assert Standardizer("lower_strip_punctuation")(raw).split() == [b"hello", b"world", b"its", b"2", b"oclock"]
    assert Standardizer("lower")(raw).split() == [b"hello,", b"world!", b"it's", b"2", b"o'clock."]
    assert Standardizer("none")(raw).split() == [b"Hello,", b"World!", b"It's", b"2", b"o'clock."]
    assert Standardizer("text8")(raw).split() == [b"hello", b"world", b"it", b"s", b"two", b"o", b"clock"]
    assert Standardizer("lower")("ÉCOLE Straße".encode()).decode().split() == ["école", "straße"]


def test_unknown_mode():
    with pytest.raises(CorpusError, match="standardize"):
        Standardizer("upper")


def test_file_folder_gz_bz2_give_the_same_sentences(tmp_path):
    text = "The cat sat.\nOn the mat!\n\n  \nA dog\n"
    (tmp_path / "plain.txt").write_text(text)
    with gzip.open(tmp_path / "c.txt.gz", "wt") as f:
        f.write(text)
    with bz2.open(tmp_path / "c.txt.bz2", "wt") as f:
        f.write(text)
    expected = [["the", "cat", "sat"], ["on", "the", "mat"], ["a", "dog"]]
    for name in ("plain.txt", "c.txt.gz", "c.txt.bz2"):
        assert sentences_of(Corpus(tmp_path / name)) == expected
    assert sentences_of(Corpus(tmp_path)) == expected * 3


def test_mixed_line_endings_and_nul_bytes(tmp_path):
    p = tmp_path / "mixed.txt"
    p.write_bytes(b"one two\r\nthree\rfour\x00five\nsix")
    assert sentences_of(Corpus(p)) == [["one", "two"], ["three"], ["four", "five"], ["six"]]


def test_small_blocks_change_nothing(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)] + ["é", "日本"]
    lines = [" ".join(rng.choice(words, size=rng.integers(1, 40))) for _ in range(300)]
    p = tmp_path / "c.txt"
    p.write_text("\n".join(lines) + "\n")
    whole = sentences_of(Corpus(p))
    monkeypatch.setattr(corpus_mod, "BLOCK_BYTES", 7)
    blocks = list(corpus_mod.iter_blocks(p, corpus_mod.ReadStats(), block_bytes=7))
    assert len(blocks) > 100
    std = Standardizer()
    small = sentences_of(std(raw).replace(b"\n", b" \x00 ").split() for raw in blocks)
    assert small == whole == [line.split() for line in lines]


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"caf\xe9 ok\nfine \xff\xfe words\n")
    c = Corpus(p)
    with pytest.warns(UnicodeWarning, match=r"replaced 3 invalid UTF-8 sequence\(s\).*bad.txt"):
        sents = sentences_of(c)
    assert sents == [["caf\ufffd", "ok"], ["fine", "\ufffd\ufffd", "words"]]


def test_iterable_of_token_lists():
    c = Corpus([["Hello", "World"], ["again"]])
    assert sentences_of(c) == [["hello", "world"], ["again"]]
    with pytest.raises(CorpusError, match="one-shot iterator"):
        Corpus(iter([["a"]]))


def test_missing_and_binary_and_empty_folder(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        Corpus(tmp_path / "nope.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no files"):
        Corpus(tmp_path / "empty")
    b = tmp_path / "blob.bin"
    b.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(CorpusError, match="binary"):
        list(Corpus(b).token_blocks())
