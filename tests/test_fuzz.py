"""Property-based fuzzing of everything that reads user files: random and mutated bytes
must give a result or one of our documented errors, never anything else.

The default run is small; ``make fuzz`` runs the same properties with many more examples
(``WORDVEC_FUZZ_EXAMPLES``, default here 40)."""
from __future__ import annotations

import bz2
import gzip
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wordvec import Word2Vec
from wordvec.text.corpus import Corpus, ReadStats, Standardizer, SENTENCE_END, iter_blocks, STANDARDIZE_MODES
from wordvec.errors import CorpusError, ModelFormatError, WordvecError
from wordvec.formats.native import load_model_dir
from wordvec.vocab.vocabulary import build_vocabulary

EXAMPLES = int(os.environ.get("WORDVEC_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TEXT = ("the quick brown fox jumps over the lazy dog\r\ncafé naïve über straße\n\tone two  three\r"
        "日本語 テキスト\n\x00nul\x00 bytes\n" * 3).encode()


@st.composite
def mutated(draw, base: bytes):
    """``base`` with a few random edits: flipped bytes, insertions, deletions, a cut."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete" and data:
            del data[pos: pos + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[pos:]
        elif op == "dup":
            data[pos:pos] = data[pos: pos + draw(st.integers(1, 64))]
    return bytes(data)


@pytest.fixture(scope="module")
def scratch():
    d = Path(tempfile.mkdtemp(prefix="wordvec-fuzz-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


# ----------------------------------------------------------------------------- corpus
def _read_corpus(path: Path, mode: str = "lower_strip_punctuation"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnicodeWarning)
        try:
            vocab, _ = build_vocabulary(Corpus(path, standardize=mode), min_count=1)
        except CorpusError as e:
            assert str(e).startswith(str(path)) and "\n" not in str(e)
            return None
    assert vocab.raw_words > 0 and len(vocab) > 0
    # Only ASCII whitespace separates words (as in the C tool): U+00A0 and kin may be in one.
    assert all(w and not any(c in " \t\n\r\x0b\x0c" for c in w) and "\x00" not in w for w in vocab.words)
    return vocab


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), mutated(TEXT)),
       suffix=st.sampled_from([".txt", ".gz", ".bz2"]), mode=st.sampled_from(STANDARDIZE_MODES))
def test_corpus_reader_random_bytes(scratch, data, suffix, mode):
    path = scratch / f"corpus{suffix}"
    path.write_bytes(data)
    _read_corpus(path, mode)


@FUZZ
@given(data=mutated(TEXT), compress=st.sampled_from([gzip.compress, bz2.compress]), cut=st.booleans())
def test_corpus_reader_mutated_archives(scratch, data, compress, cut):
    packed = compress(data)
    suffix = ".gz" if compress is gzip.compress else ".bz2"
    path = scratch / f"corpus{suffix}"
    path.write_bytes(packed[: len(packed) // 2] if cut else packed)
    _read_corpus(path)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab é\n\r\t\x00日")), max_size=400), block=st.integers(1, 64))
def test_blocks_lose_no_byte_and_split_no_token(scratch, text, block):
    data = text.encode()
    path = scratch / "blocks.txt"
    path.write_bytes(data)
    try:
        blocks = list(iter_blocks(path, ReadStats(), block_bytes=block))
    except CorpusError:  # mostly NULs: binary, refused
        return
    assert b"".join(blocks) == data + b"\n"
    for b in blocks:
        b.decode("utf-8")  # never a split UTF-8 sequence


@FUZZ
@given(raw=st.binary(max_size=500), mode=st.sampled_from(STANDARDIZE_MODES))
def test_standardizer_never_makes_markers(raw, mode):
    out = Standardizer(mode)(raw, ReadStats(), "x")
    assert SENTENCE_END not in out.split()
    out.decode("utf-8")


# ----------------------------------------------------------------------------- native
@pytest.fixture(scope="module")
def good_model(scratch):
    path = scratch / "good-model"
    Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1, hs=True).fit(
        [["alpha", "beta", "gamma", "tab\tword", "back\\slash"]] * 20).save(path)
    return path


def _check_loaded(path: Path):
    """A model that loads is whole: unique words, finite arrays of the stated shapes."""
    for mmap in (False, True):
        try:
            cfg, words, counts, arrays = load_model_dir(path, mmap=mmap)
        except ModelFormatError as e:
            assert str(e).startswith(str(path)) and "\n" not in str(e)
            continue
        assert len(set(words)) == len(words) == len(counts) == cfg["vocab_size"]
        for name, arr in arrays.items():
            assert arr.dtype == np.float32 and arr.shape[1] == cfg["vector_size"] and np.isfinite(arr).all()
    try:
        Word2Vec.load(path)
    except ModelFormatError as e:
        assert str(e).startswith(str(path)) and "\n" not in str(e)


@FUZZ
@given(file=st.sampled_from(["config.json", "vocab.tsv", "vectors.npy", "syn1neg.npy", "syn1.npy"]), data=st.data())
def test_native_model_mutated_files(scratch, good_model, file, data):
    path = scratch / "mutated-model"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(good_model, path)
    base = (good_model / file).read_bytes()
    (path / file).write_bytes(data.draw(st.one_of(mutated(base), st.binary(max_size=300))))
    _check_loaded(path)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10)


@FUZZ
@given(key=st.sampled_from(["vocab_size", "vector_size", "arrays", "params", "all params", "history", "epochs_done",
                            "raw_words", "format_version", "checkpoint", "corpus"]),
       value=JSON, param=st.sampled_from(["vector_size", "window", "alpha", "epochs", "seed", "negative", "hs",
                                          "sample", "standardize", "batch_words"]))
def test_native_config_values(scratch, good_model, key, value, param):
    path = scratch / "config-model"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(good_model, path)
    cfg = json.loads((good_model / "config.json").read_text())
    if key == "params":
        cfg["params"][param] = value  # one parameter of any JSON value
    elif key == "all params":
        cfg["params"] = value
    else:
        cfg[key] = value
    (path / "config.json").write_text(json.dumps(cfg))
    _check_loaded(path)


# ----------------------------------------------------------------------------- C formats
def _read_c(path: Path, binary):
    from wordvec.vectors.keyed import WordVectors

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnicodeWarning)
        try:
            wv = WordVectors.load_word2vec_format(path, binary=binary)
        except ModelFormatError as e:
            assert str(e).startswith(str(path)) and "\n" not in str(e)
            return
    assert len(set(wv.index_to_key)) == len(wv.index_to_key) == wv.vectors.shape[0]
    assert wv.vectors.dtype == np.float32 and np.isfinite(wv.vectors).all()


@pytest.fixture(scope="module")
def c_files(scratch, good_model):
    from wordvec.vectors.keyed import WordVectors

    wv = WordVectors(["alpha", "beta", "gamma", "délta"], np.arange(12, dtype=np.float32).reshape(4, 3) / 7)
    out = {}
    for binary in (False, True):
        p = scratch / f"good.{'bin' if binary else 'txt'}"
        wv.save_word2vec_format(p, binary=binary)
        out[binary] = p.read_bytes()
    return out


@FUZZ
@given(binary=st.sampled_from([False, True, None]), source=st.sampled_from([False, True]), data=st.data())
def test_c_format_mutated_files(scratch, c_files, binary, source, data):
    path = scratch / "mutated.vec"
    path.write_bytes(data.draw(st.one_of(mutated(c_files[source]), st.binary(max_size=300))))
    _read_c(path, binary)
