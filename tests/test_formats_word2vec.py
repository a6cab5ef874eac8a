"""word2vec C formats (text and binary) and the native vectors folder: round trips, gensim
interoperability, tolerance of real-world files, clear rejection of broken ones."""
import functools
import gzip
import struct

import numpy as np
import pytest

from wordvec import ModelFormatError, WordvecError, WordVectors
from wordvec.formats import word2vec as c_format
from wordvec.formats.word2vec import read_word2vec
from wordvec.formats.word2vec_scan import scan_binary


@pytest.fixture(params=["python", "compiled"])
def walk(request, monkeypatch):
    """Binary files are walked in Python (small files, Numba not loaded) or by the compiled
    kernel: every binary test runs through both."""
    if request.param == "python":
        monkeypatch.setattr(c_format, "_walk_for", lambda data, want: functools.partial(c_format._walk_binary, data))
    else:
        monkeypatch.setattr(c_format, "_walk_for", lambda data, want: scan_binary)
    return request.param


@pytest.fixture()
def wv():
    rng = np.random.default_rng(5)
    words = ["the", "of", "naïve", "日本", "x" * 300, "a.b", "UPPER", "e\u0301"] + [f"w{i}" for i in range(50)]
    vectors = rng.standard_normal((len(words), 13)).astype(np.float32) * 10.0 ** rng.integers(-8, 4, (len(words), 1))
    vectors[1, 0] = np.float32(1e-45)  # a subnormal must survive too
    return WordVectors(words, vectors, counts=np.arange(len(words), 0, -1) * 10)


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_is_exact(tmp_path, wv, binary, walk):
    path = tmp_path / ("v.bin" if binary else "v.txt")
    wv.save_word2vec_format(path, binary=binary)
    for detect in (None, binary):
        back = WordVectors.load_word2vec_format(path, binary=detect)
        assert back.index_to_key == wv.index_to_key
        np.testing.assert_array_equal(back.vectors, wv.vectors)  # text keeps 9 digits: float32 exact
    assert WordVectors.load(path).index_to_key == wv.index_to_key


def test_native_vectors_folder_round_trip(tmp_path, wv):
    wv.save(tmp_path / "m")
    back = WordVectors.load(tmp_path / "m")
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    np.testing.assert_array_equal(back.counts, wv.counts)
    with pytest.raises(ModelFormatError, match="not a wordvec model"):
        WordVectors.load(tmp_path)


def test_top_writes_the_most_frequent_words(tmp_path, wv):
    wv.save_word2vec_format(tmp_path / "v.bin", binary=True, top=3)
    back = WordVectors.load(tmp_path / "v.bin")
    assert back.index_to_key == wv.index_to_key[:3]
    assert (tmp_path / "v.bin").read_bytes().startswith(b"3 13\n")
    keys, vectors = read_word2vec(tmp_path / "v.bin", limit=2)
    assert len(keys) == 2 and vectors.shape[0] == 2


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, wv, binary):
    KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors
    ours = tmp_path / "ours"
    wv.save_word2vec_format(ours, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert kv.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(kv.vectors, wv.vectors)
    theirs = tmp_path / "theirs"
    kv.save_word2vec_format(str(theirs), binary=binary)
    back = WordVectors.load_word2vec_format(theirs)  # detected, and gensim's binary has no newlines
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)


def _binary(header: bytes, records, newline=b"\n") -> bytes:
    return header + b"".join(w + b" " + struct.pack(f"<{len(v)}f", *v) + newline for w, v in records)


def test_tolerates_what_real_files_contain(tmp_path):
    p = tmp_path / "c.txt"
    # The C tool writes a space after each value; CRLF endings; a blank line at the end.
    p.write_bytes(b"2 3\r\nking 0.1 0.2 0.3 \r\nqueen 0.4   0.5 0.6 \r\n\r\n")
    wv = WordVectors.load_word2vec_format(p)
    assert wv.index_to_key == ["king", "queen"]
    np.testing.assert_array_equal(wv["queen"], np.float32([0.4, 0.5, 0.6]))
    p.write_bytes(_binary(b"2 2\n", [(b"a", [1, 2]), (b"b", [3, 4])], newline=b""))
    np.testing.assert_array_equal(WordVectors.load_word2vec_format(p)["b"], [3, 4])
    gz = tmp_path / "c.bin.gz"
    gz.write_bytes(gzip.compress(_binary(b"2 2\n", [(b"a", [1, 2]), (b"b", [3, 4])])))
    np.testing.assert_array_equal(WordVectors.load(gz)["a"], [1, 2])


@pytest.mark.parametrize("binary", [False, True])
def test_non_utf8_words_are_replaced_counted_and_warned(tmp_path, binary):
    p = tmp_path / "latin1"
    if binary:
        p.write_bytes(_binary(b"3 2\n", [(b"caf\xe9", [1, 2]), (b"ok", [3, 4]), (b"caf\xe8", [5, 6])]))
    else:
        p.write_bytes(b"3 2\ncaf\xe9 1 2\nok 3 4\ncaf\xe8 5 6\n")
    with pytest.warns(UnicodeWarning, match=r"2 word\(s\) were not valid UTF-8.*1 of them then duplicated"):
        wv = WordVectors.load_word2vec_format(p, binary=binary)
    assert wv.index_to_key == ["caf\ufffd", "ok"]
    np.testing.assert_array_equal(wv["caf\ufffd"], [1, 2])


@pytest.mark.parametrize("content, message", [
    (b"", r"t:1: expected a header '<number of words> <dimensions>'.*empty file"),
    (b"king 0.1 0.2\n", r"t:1: expected a header"),
    (b"2 0\n", r"t:1: the header says 0 dimensions"),
    (b"3 2\na 1 2\nb 3 4\n", r"t:1: the header says 3 words x 2 dimensions but only 12 bytes follow.*truncated"),
    (b"3 2\na 1 2\nb 3 4\n\n\n\n\n\n\n", r"t:9: file ends after 2 vectors but the header says 3"),
    (b"499999999999999999  3\na 1 2 3\n", r"t:1: the header says 499,999,999,999,999,999 words x 3 dimensions"),
    (b"4 399999999999999999999\na 1\n", r"t:1: the header says 399999999999999999999 dimensions; must be in"),
    (b"1 2\na 1 2\nb 3 4\n", r"t:3: more vectors than the 1 the header says"),
    (b"2 2\na 1 2\nb 3 4 5\n", r"t:3: expected a word and 2 values, found 3"),
    (b"2 2\na 1.0\nb 3.0 4.0\n", r"t:2: expected a word and 2 values, found 1"),
    (b"2 2\na 1 2\nb 3.000\n", r"t:3: expected a word and 2 values, found 1"),
    (b"2 2\na 1 2\nb 3 x\n", r"t:3: a value is not a number"),
    (b"2 2\na 1 2\nb 3 nan\n", r"t:3: NaN or infinite"),
    (b"2 2\na 1 2\nb inf 1\n", r"t:3: NaN or infinite"),
    (b"2 2\na 1 2\na 3 4\n", r"t:3: duplicate word 'a' \(first at 2\)"),
])
def test_text_errors_name_file_and_line(tmp_path, content, message):
    p = tmp_path / "t"
    p.write_bytes(content)
    for binary in (False, None):  # a broken text file is still detected as text
        with pytest.raises(ModelFormatError, match=message):
            WordVectors.load_word2vec_format(p, binary=binary)


@pytest.mark.parametrize("content, message", [
    (_binary(b"3 2\n", [(b"a", [1, 2]), (b"b", [3, 4])]), r"b:1: the header says 3 words x 2 dimensions but only 22 bytes"),
    (_binary(b"3 2\n", [(b"a", [1, 2]), (b"b", [3, 4])]) + b"\n" * 9, r"record 3 .*file ends after 2 vectors but the header"),
    (_binary(b"2 2\n", [(b"a", [1, 2]), (b"b", [3, 4])])[:-3], r"b:1: the header says 2 words x 2 .*truncated"),
    (_binary(b"2 2\n", [(b"a", [1, 2]), (b"b" * 9, [3, 4])])[:-3], r"record 2 .*file ends inside the vector"),
    (_binary(b"1 2\n", [(b"a", [1, 2]), (b"b", [3, 4])]), r"data after the 1 vectors the header says"),
    (_binary(b"2 2\n", [(b"a", [1, 2]), (b"a", [3, 4])]), r"record 2: duplicate word 'a'"),
    (_binary(b"2 2\n", [(b"a", [1, 2]), (b"b", [float("nan"), 4])]), r"record 2: NaN or infinite"),
])
def test_binary_errors_name_file_and_record(tmp_path, content, message, walk):
    p = tmp_path / "b"
    p.write_bytes(content)
    with pytest.raises(ModelFormatError, match=message):
        WordVectors.load_word2vec_format(p, binary=True)
    with pytest.raises(ModelFormatError, match=message):
        WordVectors.load(p)  # detection finds the binary format too


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelFormatError, match="no such file"):
        WordVectors.load_word2vec_format(tmp_path / "nope.bin")
    with pytest.raises(ModelFormatError, match="is a folder"):
        WordVectors.load_word2vec_format(tmp_path)


def test_unwritable_words_and_values_are_refused(tmp_path):
    with pytest.raises(WordvecError, match="word #2 'two words'.*whitespace"):
        WordVectors(["a", "two words"], np.zeros((2, 2))).save_word2vec_format(tmp_path / "x.txt")
    with pytest.raises(WordvecError, match="word 'b' has a NaN"):
        WordVectors(["a", "b"], np.array([[0, 1], [np.nan, 1]])).save_word2vec_format(tmp_path / "x.bin", binary=True)
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "x.bin").exists()


def test_large_binary_file_reads_every_row(tmp_path, walk):
    # 20,000 records through the one-pass scanner land in the right rows.
    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(20000)]
    v = rng.standard_normal((20000, 50)).astype(np.float32)
    WordVectors(words, v).save_word2vec_format(tmp_path / "big.bin", binary=True)
    back = WordVectors.load(tmp_path / "big.bin")
    assert back.index_to_key[-1] == "word19999"
    np.testing.assert_array_equal(back.vectors, v)
