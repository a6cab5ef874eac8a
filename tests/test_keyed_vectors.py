"""KeyedVectors: any key (str words, int or str document tags); formats/ deals in arrays and keys."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wordvec
from wordvec import KeyedVectors, ModelFormatError, ParameterError, WordvecError, WordVectors
from wordvec.formats import native, projector, word2vec


def _vectors(n=30, dim=8, seed=3):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


@pytest.fixture()
def int_kv():
    # Tags deliberately out of row order: kv[5] must be tag 5, not row 5.
    tags = [100 + 7 * i for i in range(30)]
    tags[0], tags[12] = 5, -3
    return KeyedVectors(tags, _vectors(), counts=np.arange(30, 0, -1))


@pytest.fixture()
def str_kv():
    return KeyedVectors([f"doc_{i}" for i in range(30)], _vectors())


def _same(a, b):
    assert a.index_to_key == b.index_to_key and [type(k) for k in a.index_to_key] == [type(k) for k in b.index_to_key]
    np.testing.assert_array_equal(a.vectors, b.vectors)


def test_int_keys_are_keys_not_rows(int_kv):
    assert len(int_kv) == 30 and 5 in int_kv and -3 in int_kv and 1 not in int_kv
    np.testing.assert_array_equal(int_kv[5], int_kv.vectors[0])
    np.testing.assert_array_equal(int_kv[-3], int_kv.vectors[12])
    np.testing.assert_array_equal(int_kv[np.int64(5)], int_kv.vectors[0])
    np.testing.assert_array_equal(int_kv[[5, -3]], int_kv.vectors[[0, 12]])
    np.testing.assert_array_equal(int_kv[np.array([-3, 5])], int_kv.vectors[[12, 0]])
    assert int_kv.key_to_index[-3] == 12 and int_kv.get_index(107) == 1
    assert int_kv.get_vector(5, norm=True) @ int_kv.get_vector(5, norm=True) == pytest.approx(1, abs=1e-6)
    assert "5" not in int_kv and [5] not in int_kv and True not in int_kv
    assert repr(int_kv) == "KeyedVectors(30 keys x 8 dims)"


def test_numpy_keys_are_stored_as_python_ones():
    kv = KeyedVectors(np.arange(4), _vectors(4))
    assert kv.index_to_key == [0, 1, 2, 3] and all(type(k) is int for k in kv.index_to_key)
    kv = KeyedVectors(np.array(["a", "b"]), _vectors(2))
    assert all(type(k) is str for k in kv.index_to_key)


def test_most_similar_by_int_tag(int_kv):
    unit = int_kv.get_normed_vectors()
    res = int_kv.most_similar(5, topn=5)
    assert len(res) == 5 and all(type(k) is int for k, _ in res) and 5 not in [k for k, _ in res]
    sims = unit[1:] @ unit[0]
    assert res[0][0] == int_kv.index_to_key[1 + int(np.argmax(sims))]
    assert res[0][1] == pytest.approx(float(sims.max()), abs=1e-6)
    assert [k for k, _ in int_kv.most_similar([5], topn=5)] == [k for k, _ in res]
    assert int_kv.similar_by_key(5, topn=5) == res
    # positive / negative lists of int keys, (key, weight) pairs and raw vectors
    both = int_kv.most_similar(positive=[5, 107], negative=[-3], topn=4)
    assert {5, 107, -3}.isdisjoint(k for k, _ in both) and len(both) == 4
    weighted = int_kv.most_similar(positive=[(5, 1.0), (107, 1.0)], negative=[(-3, -1.0)], topn=4)  # gensim: a pair's weight is kept
    assert [k for k, _ in weighted] == [k for k, _ in both]
    by_vector = int_kv.most_similar(positive=[int_kv[5]], topn=1)
    assert by_vector[0][0] == 5  # a raw vector excludes nothing
    assert int_kv.similar_by_vector(int_kv[-3] * 2, topn=1)[0][0] == -3
    restricted = int_kv.most_similar(5, topn=3, restrict_vocab=10)
    assert all(int_kv.key_to_index[k] < 10 for k, _ in restricted)
    assert [k for k, _ in int_kv.most_similar_cosmul([5, 107], [-3], topn=3)]
    assert [k for k, _ in int_kv.most_similar_batch([5, -3], topn=3)[0]] == [k for k, _ in int_kv.most_similar(5, topn=3)]


def test_similarity_distance_rank_doesnt_match(int_kv, str_kv):
    for kv, a, b in ((int_kv, 5, -3), (str_kv, "doc_0", "doc_12")):
        u = kv.get_normed_vectors()
        expected = float(u[kv.get_index(a)] @ u[kv.get_index(b)])
        assert kv.similarity(a, b) == pytest.approx(expected, abs=1e-6)
        assert kv.distance(a, b) == pytest.approx(1 - expected, abs=1e-6)
        np.testing.assert_allclose(kv.distances(a, [b]), [1 - expected], atol=1e-6)
        assert kv.distances(a).shape == (len(kv),)
        assert kv.rank(a, b) == len(kv.closer_than(a, b)) + 1
        assert kv.n_similarity([a], [b]) == pytest.approx(expected, abs=1e-5)
        assert kv.doesnt_match([a, b, kv.index_to_key[3]]) in (a, b, kv.index_to_key[3])


def test_bad_keys_raise_clear_errors(int_kv, str_kv):
    with pytest.raises(KeyError, match="key 1 not found"):
        int_kv[1]
    with pytest.raises(KeyError, match="key '5' not found"):
        int_kv.most_similar("5")
    with pytest.raises(KeyError, match="key 99 not found"):
        int_kv.most_similar(positive=[5], negative=[99])
    with pytest.raises(KeyError, match="key True not found"):
        int_kv.get_index(True)
    with pytest.raises(KeyError, match="key 'nope' not found"):
        str_kv.similarity("doc_1", "nope")
    with pytest.raises(KeyError, match="key 0 not found"):
        str_kv[0]  # str keys: an int is not a row number either
    with pytest.raises(ParameterError, match="duplicate key 3"):
        KeyedVectors([1, 2, 3, 3], _vectors(4))
    with pytest.raises(ParameterError, match="one row per key"):
        KeyedVectors([1, 2], _vectors(3))
    with pytest.raises(ParameterError, match="a bool"):
        KeyedVectors([True, 2], _vectors(2))
    with pytest.raises(ParameterError, match="not hashable"):
        KeyedVectors([[1], 2], _vectors(2))
    with pytest.raises(ParameterError, match="at least one positive or negative key"):
        int_kv.most_similar()
    # WordVectors keeps its wording
    wv = WordVectors(["a", "b"], _vectors(2))
    with pytest.raises(KeyError, match="word 'c' not in vocabulary"):
        wv["c"]
    assert repr(wv) == "WordVectors(2 words x 8 dims)" and isinstance(wv, KeyedVectors)


def test_parameter_messages(int_kv):
    with pytest.raises(ParameterError, match=r"^topn='5' is invalid: must be an integer or None$"):
        int_kv.most_similar(5, topn="5")
    with pytest.raises(ParameterError, match=r"^restrict_vocab=0 is invalid: must be an integer >= 1 or None$"):
        int_kv.most_similar(5, restrict_vocab=0)
    with pytest.raises(ParameterError, match=r"^topn=None is invalid: must be >= 1$"):
        int_kv.most_similar_batch([5], topn=None)


@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("kind", ["int", "str"])
def test_native_roundtrip_keeps_the_key_type(tmp_path, int_kv, str_kv, kind, mmap):
    kv = int_kv if kind == "int" else str_kv
    kv.save(tmp_path / "kv")
    cfg = json.loads((tmp_path / "kv" / "config.json").read_text())
    assert cfg["key_type"] == kind
    back = KeyedVectors.load(tmp_path / "kv", mmap=mmap)
    _same(back, kv)
    assert isinstance(back.vectors, np.memmap) == mmap
    assert back.most_similar(kv.index_to_key[0], topn=3) == kv.most_similar(kv.index_to_key[0], topn=3)
    keys, vectors, counts = native.load_vectors(tmp_path / "kv", mmap=mmap)
    assert keys == kv.index_to_key and vectors.shape == kv.vectors.shape and counts.shape == (len(kv),)


def test_native_old_folders_and_bad_key_types(tmp_path, str_kv, int_kv):
    str_kv.save(tmp_path / "old")
    cfg_path = tmp_path / "old" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    del cfg["key_type"]  # folders written before key_type existed hold words
    cfg_path.write_text(json.dumps(cfg))
    _same(WordVectors.load(tmp_path / "old"), str_kv)
    # an int folder whose vocab.tsv holds a non-integer is rejected, naming the line
    int_kv.save(tmp_path / "bad")
    vocab = tmp_path / "bad" / "vocab.tsv"
    lines = vocab.read_text().splitlines()
    lines[2] = "x" + lines[2]
    vocab.write_text("\n".join(lines) + "\n")
    with pytest.raises(ModelFormatError, match=r"vocab.tsv:3: key 'x114' is not an integer"):
        KeyedVectors.load(tmp_path / "bad")
    cfg_path = tmp_path / "bad" / "config.json"
    cfg_path.write_text(cfg_path.read_text().replace('"int"', '"float"'))
    with pytest.raises(ModelFormatError, match="key_type must be 'str' or 'int'"):
        KeyedVectors.load(tmp_path / "bad")
    with pytest.raises(WordvecError, match="mix str and int"):
        KeyedVectors(["a", 1], _vectors(2)).save(tmp_path / "mixed")
    with pytest.raises(WordvecError, match="the native format holds str or int keys"):
        KeyedVectors([(1, 2), 3], _vectors(2)).save(tmp_path / "tuple")


@pytest.mark.parametrize("binary", [False, True])
def test_c_format_roundtrip(tmp_path, int_kv, str_kv, binary):
    path = tmp_path / ("v.bin" if binary else "v.txt")
    int_kv.save_word2vec_format(path, binary=binary)
    as_text = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert as_text.index_to_key == [str(k) for k in int_kv.index_to_key]
    _same(KeyedVectors.load_word2vec_format(path, key_type="int"), int_kv)
    str_kv.save_word2vec_format(path, binary=binary, top=10)
    back = KeyedVectors.load(path)
    assert back.index_to_key == str_kv.index_to_key[:10]
    np.testing.assert_array_equal(back.vectors, str_kv.vectors[:10])
    with pytest.raises(ModelFormatError, match="'doc_0' is not an integer"):
        KeyedVectors.load_word2vec_format(path, key_type="int")
    with pytest.raises(ParameterError, match="key_type='float' is invalid: must be one of str, int"):
        KeyedVectors.load_word2vec_format(path, key_type="float")


def test_formats_deal_in_keys_and_arrays(tmp_path):
    keys, vectors = [3, 1, 2], _vectors(3)
    word2vec.write_word2vec(tmp_path / "v.txt", keys, vectors)
    back_keys, back_vectors = word2vec.read_word2vec(tmp_path / "v.txt")
    assert back_keys == ["3", "1", "2"] and back_vectors.dtype == np.float32
    np.testing.assert_array_equal(back_vectors, vectors)
    assert word2vec.read_word2vec(tmp_path / "v.txt", limit=1)[0] == ["3"]
    with pytest.raises(WordvecError, match="both written as '1'"):
        word2vec.write_word2vec(tmp_path / "dup.txt", [1, "1"], _vectors(2))
    native.save_vectors(tmp_path / "n", keys, vectors, counts=[3, 2, 1])
    k, v, c = native.load_vectors(tmp_path / "n")
    assert k == keys and c.tolist() == [3, 2, 1]
    np.testing.assert_array_equal(v, vectors)


def test_projector_tsv_with_int_keys(tmp_path, int_kv):
    vec_path, meta_path = int_kv.save_projector_tsv(tmp_path / "p", top=4)
    assert meta_path.read_text().splitlines() == [str(k) for k in int_kv.index_to_key[:4]]
    assert len(vec_path.read_text().splitlines()) == 4
    _, meta_path = projector.write_tsv(tmp_path / "q", int_kv.index_to_key, int_kv.vectors, int_kv.counts,
                                       top=2, counts_column=True, key_label="tag")
    assert meta_path.read_text().splitlines() == ["tag\tcount", "5\t30", "107\t29"]
    _, meta_path = projector.write_projector_tsv(int_kv, tmp_path / "r", top=2)  # the old entry point
    assert meta_path.read_text().splitlines() == ["5", "107"]


def test_formats_do_not_import_vectors():
    code = ("import sys, wordvec.formats.word2vec, wordvec.formats.native, wordvec.formats.projector; "
            "print(sorted(m for m in sys.modules if m.startswith('wordvec.vectors') or m.startswith('wordvec.models')))")
    src = str(Path(wordvec.__file__).resolve().parents[1])  # this checkout, not another install
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"


def test_unit_rows_are_the_normed_rows_without_normalising_everything():
    from wordvec import WordVectors

    rng = np.random.default_rng(3)
    v = rng.normal(size=(50, 7)).astype(np.float32)
    v[4] = 0.0
    wv = WordVectors([f"w{i}" for i in range(50)], v)
    rows = np.array([4, 0, 49, 4])
    before = wv.unit_rows(rows)
    assert wv._unit is None  # nothing cached for a few rows
    np.testing.assert_array_equal(before, wv.get_normed_vectors()[rows])
    np.testing.assert_array_equal(wv.unit_rows(slice(0, 10)), wv.get_normed_vectors()[:10])
    wv.vectors[0] *= 2  # changed in place: the cache is not used stale
    np.testing.assert_array_equal(wv.unit_rows([0]), before[1:2])
