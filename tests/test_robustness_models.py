"""Bad model files: each is rejected with one line naming the file and what is wrong;
never executed (no pickle), never loaded silently wrong."""
from __future__ import annotations

import json
import pickle
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from wordvec import Word2Vec, WordVectors
from wordvec.cli.main import cli
from wordvec.errors import ModelFormatError
from wordvec.formats.native import load_model_dir

MARKER = Path("/tmp/wordvec-pickle-was-executed")


class Exploit:
    """Unpickling this would create MARKER: the test checks it never exists."""

    def __reduce__(self):
        return (open, (str(MARKER), "w"))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "good"
    Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1, hs=True).fit(
        [["alpha", "beta", "gamma", "delta"], ["alpha", "beta", "gamma"], ["alpha", "beta"], ["alpha"]]).save(path)
    return path


def _cfg(p, **changes):
    cfg = json.loads((p / "config.json").read_text())
    cfg.update(changes)
    (p / "config.json").write_text(json.dumps(cfg))


def _npy_with_header(file, shape, payload: bytes):
    with open(file, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": shape})
        f.write(payload)


def _truncate(file, keep):
    data = file.read_bytes()
    file.write_bytes(data[:keep] if keep >= 0 else data[:keep])


# case -> (how to break the good model folder, the message after the path)
NATIVE = {
    "missing folder": (lambda p: shutil.rmtree(p), "{p}: no such model"),
    "no config.json": (lambda p: (p / "config.json").unlink(), "{p}: not a wordvec model folder (no config.json)"),
    "config.json not JSON": (lambda p: (p / "config.json").write_text("{'format':"), "{p}/config.json: not valid JSON ("),
    "config.json nested too deeply": (lambda p: (p / "config.json").write_text("[" * 100_000 + "]" * 100_000),
                                      "{p}/config.json: not valid JSON (nested too deeply)"),
    "config.json of another format": (lambda p: _cfg(p, format="gensim"), "{p}/config.json: not a wordvec model config"),
    "config.json newer format_version": (lambda p: _cfg(p, format_version=99),
                                         "{p}/config.json: format_version 99 is not supported (expected 1)"),
    "config.json field of the wrong type": (lambda p: _cfg(p, arrays=5),
                                            "{p}/config.json: arrays must be a list of distinct array names, found 5"),
    "config.json vocab_size lies": (lambda p: _cfg(p, vocab_size=5), "{p}/vocab.tsv: 4 words but config.json says vocab_size=5"),
    "config.json vector_size lies": (lambda p: _cfg(p, vector_size=5),
                                     "{p}/syn1.npy: shape (3, 4) does not match the model (3 x 5)"),
    "config.json bad parameter": (lambda p: _cfg(p, params={"window": -3}),
                                  "{p}/config.json: bad parameters (window=-3 is invalid: must be an integer in [1, 1000])"),
    "vocab.tsv missing": (lambda p: (p / "vocab.tsv").unlink(), "{p}: model folder has no vocab.tsv"),
    "vocab.tsv duplicate words": (lambda p: (p / "vocab.tsv").write_text("alpha\t4\nbeta\t3\nalpha\t2\ndelta\t1\n"),
                                  "{p}/vocab.tsv:3: duplicate word 'alpha'"),
    "vocab.tsv invalid UTF-8": (lambda p: (p / "vocab.tsv").write_bytes(b"alpha\t4\nb\xffta\t3\ngamma\t2\ndelta\t1\n"),
                                "{p}/vocab.tsv: not valid UTF-8 (invalid start byte at byte"),
    "vocab.tsv count not a number": (lambda p: (p / "vocab.tsv").write_text("alpha\t4\nbeta\tmany\ngamma\t2\ndelta\t1\n"),
                                     "{p}/vocab.tsv:2: expected 'word<TAB>count'"),
    "vocab.tsv count too large": (lambda p: (p / "vocab.tsv").write_text("alpha\t" + "9" * 30 + "\nbeta\t3\ngamma\t2\ndelta\t1\n"),
                                  "{p}/vocab.tsv:1: expected 'word<TAB>count' (count: 0 to 10**18)"),
    "vocab.tsv counts not descending": (lambda p: (p / "vocab.tsv").write_text("alpha\t1\nbeta\t3\ngamma\t2\ndelta\t1\n"),
                                        "{p}/vocab.tsv: counts must be > 0 in total and in descending order"),
    "vectors.npy missing": (lambda p: (p / "vectors.npy").unlink(), "{p}/vectors.npy: missing"),
    "vectors.npy truncated data": (lambda p: _truncate(p / "vectors.npy", -10),
                                   "{p}/vectors.npy: header says 4 x 4 float32 (64 bytes) but the file holds 54 bytes of data (truncated?)"),
    "vectors.npy truncated header": (lambda p: _truncate(p / "vectors.npy", 30),
                                     "{p}/vectors.npy: not a .npy array or truncated header"),
    "vectors.npy header lies about rows": (lambda p: _npy_with_header(p / "vectors.npy", (1_000_000_000, 4), b"\0" * 64),
                                           "{p}/vectors.npy: header says 1000000000 x 4 float32 (16,000,000,000 bytes) but the file holds 64 bytes"),
    "vectors.npy extra data": (lambda p: (p / "vectors.npy").write_bytes((p / "vectors.npy").read_bytes() + b"junk"),
                               "{p}/vectors.npy: header says 4 x 4 float32 (64 bytes) but the file holds 68 bytes of data (wrong header?)"),
    "vectors.npy float64": (lambda p: np.save(p / "vectors.npy", np.zeros((4, 4))),
                            "{p}/vectors.npy: expected a 2-D float32 array, found float64 with shape (4, 4)"),
    "vectors.npy big-endian": (lambda p: np.save(p / "vectors.npy", np.zeros((4, 4), ">f4")),
                               "{p}/vectors.npy: expected a 2-D float32 array, found >f4 with shape (4, 4)"),
    "vectors.npy wrong shape": (lambda p: np.save(p / "vectors.npy", np.zeros(16, np.float32)),
                                "{p}/vectors.npy: expected a 2-D float32 array, found float32 with shape (16,)"),
    "vectors.npy NaN": (lambda p: np.save(p / "vectors.npy", np.full((4, 4), np.nan, np.float32)),
                        "{p}/vectors.npy: contains NaN or infinite values"),
    "syn1neg.npy Inf": (lambda p: np.save(p / "syn1neg.npy", np.full((4, 4), np.inf, np.float32)),
                        "{p}/syn1neg.npy: contains NaN or infinite values"),
    "syn1.npy wrong rows": (lambda p: np.save(p / "syn1.npy", np.zeros((4, 4), np.float32)),
                            "{p}/syn1.npy: shape (4, 4) does not match the model (3 x 4)"),
    "vectors.npy is a pickle": (lambda p: (p / "vectors.npy").write_bytes(pickle.dumps(Exploit())),
                                "{p}/vectors.npy: holds a Python pickle, not a .npy array; refused (pickles are never loaded)"),
    "vectors.npy is an old pickle": (lambda p: (p / "vectors.npy").write_bytes(pickle.dumps(Exploit(), protocol=0)),
                                     "{p}/vectors.npy: not a .npy array or truncated header"),
    "vectors.npy holds objects": (lambda p: np.save(p / "vectors.npy", np.array([Exploit()] * 4, dtype=object), allow_pickle=True),
                                  "{p}/vectors.npy: holds Python objects, not numbers; refused (pickles are never loaded)"),
}


@pytest.mark.parametrize("case", list(NATIVE))
def test_native_bad_file(good, tmp_path, case):
    p = tmp_path / "model"
    shutil.copytree(good, p)
    MARKER.unlink(missing_ok=True)
    breaker, message = NATIVE[case]
    breaker(p)
    expected = message.format(p=p)
    for mmap in (False, True):
        with pytest.raises(ModelFormatError) as err:
            Word2Vec.load(p, mmap=mmap)
        assert str(err.value).startswith(expected), str(err.value)
        assert "\n" not in str(err.value)
    # The vectors alone: the same file problems, in the query layer's words.
    if case not in ("config.json bad parameter", "vocab.tsv counts not descending"):
        with pytest.raises(ModelFormatError, match="^" + str(p)):
            WordVectors.load(p)
    assert not MARKER.exists(), "a pickle was executed"


def test_native_bad_file_in_the_cli_is_one_line(good, tmp_path, capsys):
    p = tmp_path / "model"
    shutil.copytree(good, p)
    np.save(p / "vectors.npy", np.full((4, 4), np.nan, np.float32))
    try:
        cli.main(args=["similar", str(p), "alpha"], prog_name="wordvec", standalone_mode=False)
    except SystemExit as e:
        assert e.code == 2
    err = capsys.readouterr().err
    assert err == f"wordvec: error: {p}/vectors.npy: contains NaN or infinite values\n"


# ----------------------------------------------------------------------------- C formats
WV = WordVectors(["alpha", "beta", "gamma", "delta"], np.arange(12, dtype=np.float32).reshape(4, 3) / 7)


def _c_file(tmp_path, binary: bool) -> bytes:
    p = tmp_path / "good.vec"
    WV.save_word2vec_format(p, binary=binary)
    return p.read_bytes()


C_FORMAT = {
    "text truncated": (False, lambda d: d[:-20], "{p}:5: expected a word and 3 values, found"),
    "binary truncated": (True, lambda d: d[:-5], "{p}: record 4 (byte 60): file ends inside the vector (truncated?)"),
    "text header says more words": (False, lambda d: d.replace(b"4 3", b"5 3", 1),
                                    "{p}:5: file ends after 4 vectors but the header says 5 (truncated?)"),
    "text header says fewer words": (False, lambda d: d.replace(b"4 3", b"3 3", 1), "{p}:5: more vectors than the 3 the header says"),
    "binary header says more words": (True, lambda d: d.replace(b"4 3", b"5 3", 1),
                                      "{p}: record 5 (byte 79): file ends after 4 vectors but the header says 5"),
    "binary header says fewer words": (True, lambda d: d.replace(b"4 3", b"3 3", 1),
                                       "{p}: byte 59: data after the 3 vectors the header says (wrong header?)"),
    "binary header lies about dimensions": (True, lambda d: d.replace(b"4 3", b"4 2", 1), "{p}: byte 74: data after the 4 vectors the header says (wrong header?)"),
    "text duplicate words": (False, lambda d: d.replace(b"beta", b"alpha"), "{p}:3: duplicate word 'alpha' (first at 2)"),
    "binary duplicate words": (True, lambda d: d.replace(b"beta", b"alpha"), "{p}:record 2: duplicate word 'alpha'"),
    "text NaN": (False, lambda d: b"2 3\na 1 nan 2\nb 1 2 3\n", "{p}:2: NaN or infinite value in the vector"),
    "binary Inf": (True, lambda d: b"1 2\na " + np.array([np.inf, 1], np.float32).tobytes(),
                   "{p}:record 1: NaN or infinite value in the vector"),
    "empty file": (None, lambda d: b"", "{p}:1: expected a header '<number of words> <dimensions>', found '' (an empty file)"),
    "not a header": (None, lambda d: b"\x89PNG\r\n\x1a\n", "{p}:1: expected a header"),
}


@pytest.mark.parametrize("case", list(C_FORMAT))
def test_c_format_bad_file(tmp_path, case):
    binary, breaker, message = C_FORMAT[case]
    p = tmp_path / "bad.vec"
    p.write_bytes(breaker(_c_file(tmp_path, bool(binary))))
    with pytest.raises(ModelFormatError) as err:
        WordVectors.load_word2vec_format(p, binary=binary)
    assert str(err.value).startswith(message.format(p=p)), str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("header, message", [
    (b"99999999999999 3", "{p}:1: the header says 99,999,999,999,999 words x 3 dimensions but only 75 bytes follow"),
    (b"4 99999999999999", "{p}:1: the header says 99999999999999 dimensions; must be in [1, 1,000,000]"),
], ids=["absurd word count", "absurd dimensions"])
def test_c_format_header_with_absurd_counts(tmp_path, header, message):
    p = tmp_path / "bad.vec"
    p.write_bytes(_c_file(tmp_path, True).replace(b"4 3", header, 1))
    with pytest.raises(ModelFormatError) as err:  # refused before allocating anything
        WordVectors.load_word2vec_format(p, binary=True)
    assert str(err.value).startswith(message.format(p=p)), str(err.value)
