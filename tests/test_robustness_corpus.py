"""Bad corpora: each trains correctly or stops with one line naming the file; never a
traceback, never silent garbage, never a whole line in memory."""
from __future__ import annotations

import bz2
import gzip
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from wordvec import Word2Vec
from conftest import run_cli as _cli
from wordvec.text.corpus import Corpus, iter_blocks, ReadStats
from wordvec.errors import CorpusError

PARAMS = dict(vector_size=8, min_count=1, epochs=1, workers=1)


def _sentences(model: Word2Vec) -> list[list[str]]:
    enc = model.encoded_
    tokens = enc.read(0, enc.n_tokens)
    off = enc.offsets
    words = model.wv.index_to_key
    return [[words[t] for t in tokens[off[i]:off[i + 1]]] for i in range(enc.n_sentences)]


def _make(tmp_path: Path, case: str) -> Path:
    """Build the bad corpus ``case`` under tmp_path and return the path to train on."""
    p = tmp_path / "corpus.txt"
    if case == "missing":
        return tmp_path / "missing.txt"
    if case == "empty folder":
        (tmp_path / "empty").mkdir()
        return tmp_path / "empty"
    if case == "folder of hidden files":
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / ".hidden").write_text("some words here\n")
        return tmp_path / "d"
    if case == "folder of empty files":
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "a.txt").write_text("")
        (tmp_path / "d" / "b.txt").write_text("\n\n")
        return tmp_path / "d"
    if case == "folder with a binary file":
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "a.txt").write_text("good text here\n" * 10)
        (tmp_path / "d" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
        return tmp_path / "d"
    if case == "empty file":
        p.write_bytes(b"")
    elif case == "whitespace only":
        p.write_bytes(b" \t\n\r\n \x0c \n" * 1000)
    elif case == "binary file":
        p.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8)))
    elif case == "binary after text":
        p.write_bytes(b"plain words on a line\n" * 100_000 + bytes(np.random.default_rng(0).integers(0, 256, 100_000, dtype=np.uint8)))
    elif case == "UTF-16 text":
        p.write_bytes("some words on a line\n".encode("utf-16") * 50)
    elif case == "FIFO":
        os.mkfifo(p)
    elif case == "corrupt gzip":
        data = bytearray(gzip.compress(b"words and more words\n" * 5000))
        data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
        p = tmp_path / "corpus.txt.gz"
        p.write_bytes(bytes(data))
    elif case == "truncated gzip":
        data = gzip.compress(b"words and more words\n" * 5000)
        p = tmp_path / "corpus.txt.gz"
        p.write_bytes(data[: len(data) // 2])
    elif case == "not gzip despite .gz":
        p = tmp_path / "corpus.txt.gz"
        p.write_bytes(b"plain text\n" * 10)
    elif case == "truncated bz2":
        data = bz2.compress(b"words and more words\n" * 5000)
        p = tmp_path / "corpus.txt.bz2"
        p.write_bytes(data[: len(data) // 2])
    elif case == "all words rarer than min_count":
        p.write_text(" ".join(f"w{i}" for i in range(100)) + "\n")
    else:
        raise AssertionError(case)
    return p


# case -> the one line the user sees (``{path}`` is the path given)
ERRORS = {
    "missing": "{path}: no such file or folder",
    "empty folder": "{path}: folder holds no files to read",
    "folder of hidden files": "{path}: folder holds no files to read",
    "folder of empty files": "{path}: corpus is empty (no tokens after standardization)",
    "folder with a binary file": "{path}/b.png: looks like a binary file, not text",
    "empty file": "{path}: corpus is empty (no tokens after standardization)",
    "whitespace only": "{path}: corpus is empty (no tokens after standardization)",
    "binary file": "{path}: looks like a binary file, not text",
    "binary after text": "{path}: looks like a binary file (from about byte ",
    "UTF-16 text": "{path}: is UTF-16 text; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)",
    "FIFO": "{path}: not a regular file",
    "corrupt gzip": "{path}: read failed (",
    "truncated gzip": "{path}: read failed (Compressed file ended before the end-of-stream marker was reached)",
    "not gzip despite .gz": "{path}: read failed (Not a gzipped file",
    "truncated bz2": "{path}: read failed (",
    "all words rarer than min_count": "{path}: no word occurs at least min_count=5 times (100 tokens, 100 distinct); lower min_count",
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_corpus_is_one_clear_error(tmp_path, case):
    path = _make(tmp_path, case)
    expected = ERRORS[case].format(path=path)
    with pytest.raises(CorpusError) as err:
        Word2Vec(**dict(PARAMS, min_count=5)).fit(path)
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("case", ["missing", "binary file", "empty file", "truncated gzip"])
def test_bad_corpus_in_the_cli_is_one_line_and_exit_2(tmp_path, case, capsys):
    path = _make(tmp_path, case)
    assert _cli(["train", str(path), "-o", str(tmp_path / "model"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wordvec: error: " + ERRORS[case].format(path=path))
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "model").exists()


def test_nul_bytes_are_spaces(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"alpha\x00beta gamma\x00\x00\n" * 20 + b"delta epsilon\n")
    m = Word2Vec(**PARAMS).build_vocab(p)
    assert _sentences(m) == [["alpha", "beta", "gamma"]] * 20 + [["delta", "epsilon"]]


def test_invalid_utf8_is_replaced_and_warned_naming_the_file(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("café crème brûlée\n".encode("latin-1") * 10 + "naïve\n".encode())
    with pytest.warns(UnicodeWarning, match=r"replaced 40 invalid UTF-8 sequence\(s\) with U\+FFFD in .*latin1\.txt"):
        m = Word2Vec(**PARAMS).build_vocab(p)
    assert _sentences(m)[-1] == ["naïve"]
    assert "caf\ufffd" in m.wv


def test_invalid_utf8_warning_in_the_cli(tmp_path, capsys):
    p = tmp_path / "latin1.txt"
    p.write_bytes("café crème\n".encode("latin-1") * 10)
    with warnings.catch_warnings():
        assert _cli(["train", str(p), "-o", str(tmp_path / "m"), "-q", "--min-count", "1", "--epochs", "1", "--dim", "4"]) == 0
    err = capsys.readouterr().err
    assert "wordvec: warning: replaced 20 invalid UTF-8 sequence(s) with U+FFFD in " in err and "latin1.txt" in err


def test_unicode_spaces_are_part_of_words_as_in_the_c_tool(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("10\u00a0km away\u3000far\nlone \u00a0 nbsp\n", encoding="utf-8")
    m = Word2Vec(**PARAMS).build_vocab(p)
    assert _sentences(m) == [["10\u00a0km", "away\u3000far"], ["lone", "\u00a0", "nbsp"]]


def test_mixed_line_endings_split_sentences_alike(tmp_path):
    lines = [f"w{i} w{i + 1} w{i + 2}" for i in range(0, 300, 3)]
    unix = tmp_path / "unix.txt"
    unix.write_bytes(("\n".join(lines) + "\n").encode())
    mixed = tmp_path / "mixed.txt"
    endings = ["\n", "\r\n", "\r"]
    mixed.write_bytes("".join(line + endings[i % 3] for i, line in enumerate(lines)).encode())
    a, b = Word2Vec(**PARAMS).build_vocab(unix), Word2Vec(**PARAMS).build_vocab(mixed)
    assert _sentences(a) == _sentences(b) == [line.split() for line in lines]


def test_crlf_split_across_blocks_makes_no_extra_sentence(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"aa bb\r\ncc dd\r\n" * 10)
    blocks = list(iter_blocks(p, ReadStats(), block_bytes=6))  # cuts between \r and \n
    assert b"".join(blocks).replace(b"\r\n", b"\n").split(b"\n")[:2] == [b"aa bb", b"cc dd"]
    m = Word2Vec(**PARAMS).build_vocab(p)
    assert _sentences(m) == [["aa", "bb"], ["cc", "dd"]] * 10


def test_giant_token_without_whitespace_keeps_utf8_whole(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes("é".encode() * 40_000 + b" end\n")  # no whitespace for 80 kB
    stats = ReadStats()
    blocks = list(iter_blocks(p, stats, block_bytes=1001))
    assert max(len(b) for b in blocks) <= 5 * 1001 + 1
    assert all(b.decode("utf-8") for b in blocks)  # every block decodes: no sequence split


# ----------------------------------------------------------------------------- 100M tokens
COUNT_100M = textwrap.dedent(
    """
    import resource, sys
    from wordvec import Word2Vec
    # Warm up first (Numba may compile on a fresh checkout, which takes memory of its
    # own), then restart the high-water mark so only the streaming is measured.
    Word2Vec(min_count=1, workers=1, vector_size=8).build_vocab([["warm", "up"]])
    def measure():
        try:
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    m = Word2Vec(min_count=1, workers=1, vector_size=8).build_vocab(sys.argv[1])
    peak_kib = measure()  # this process alone, in KiB
    print(len(m.vocab_), m.vocab_.raw_words, m.encoded_.n_tokens, m.encoded_.n_sentences, peak_kib)
    """
)


def test_single_line_of_100_million_tokens_streams_in_bounded_memory(tmp_path):
    # 100M two-letter tokens on ONE line (300 MB), written in 3 MB pieces.
    path = tmp_path / "one-line.txt"
    rng = np.random.default_rng(0)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)
    piece = np.full((1_000_000, 3), ord(" "), np.uint8)
    piece[:, :2] = letters[rng.integers(0, 26, (1_000_000, 2))]
    with open(path, "wb") as f:
        for _ in range(100):
            f.write(piece.tobytes())
        f.write(b"\n")
    out = subprocess.run([sys.executable, "-c", COUNT_100M, str(path)], capture_output=True, text=True,
                         timeout=600, check=True)
    vocab, raw, n_tokens, n_sentences, peak_kib = map(int, out.stdout.split())
    peak_mib = peak_kib / 1024
    assert (vocab, raw, n_tokens) == (676, 100_000_000, 100_000_000)
    assert n_sentences == 10_000  # split into max_sentence_length chunks, nothing dropped
    # Reading the line whole would take 300 MB for the bytes alone (GBs as tokens).
    assert peak_mib < 300, f"peak memory {peak_mib:.0f} MiB"
