"""WordVectors queries: lookups, gensim-compatible similarity queries, cached unit vectors."""
import numpy as np
import pytest

from wordvec import ParameterError, WordVectors



def _gensim(keys, vectors):
    KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(keys, vectors)
    return kv


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    keys = [f"w{i}" for i in range(400)] + ["king", "queen", "man", "woman", "paris", "café"]
    vectors = rng.standard_normal((len(keys), 24)).astype(np.float32)
    return keys, vectors


@pytest.fixture()
def wv(data):
    keys, vectors = data
    return WordVectors(keys, vectors.copy(), counts=np.arange(len(keys), 0, -1))


def test_lookup(wv, data):
    keys, vectors = data
    assert len(wv) == len(keys) and "king" in wv and "nope" not in wv
    assert wv.index_to_key[wv.key_to_index["café"]] == "café"
    np.testing.assert_array_equal(wv["queen"], vectors[keys.index("queen")])
    np.testing.assert_array_equal(wv[["man", "king"]], vectors[[keys.index("man"), keys.index("king")]])
    unit = wv.get_vector("man", norm=True)
    assert abs(np.linalg.norm(unit) - 1) < 1e-6
    np.testing.assert_allclose(unit * np.linalg.norm(wv["man"]), wv["man"], rtol=1e-5)
    assert wv.vector_size == 24 and wv.counts[0] == len(keys)


@pytest.mark.parametrize("call", [
    lambda wv: wv["nope"], lambda wv: wv.get_vector("nope"), lambda wv: wv.similarity("king", "nope"),
    lambda wv: wv.most_similar("nope"), lambda wv: wv.most_similar(positive=["king"], negative=["nope"]),
    lambda wv: wv.most_similar_cosmul(["nope"]), lambda wv: wv.doesnt_match(["king", "nope"]),
    lambda wv: wv.rank("nope", "king"), lambda wv: wv.most_similar_batch(["king", "nope"]),
])
def test_unknown_words_raise_keyerror_naming_the_word(wv, call):
    with pytest.raises(KeyError, match="'nope' not in vocabulary"):
        call(wv)


def test_constructor_rejects_bad_input():
    with pytest.raises(ParameterError, match="duplicate word 'a'"):
        WordVectors(["a", "b", "a"], np.zeros((3, 2)))
    with pytest.raises(ParameterError, match="one row per word"):
        WordVectors(["a", "b"], np.zeros((3, 2)))


def test_most_similar_matches_gensim(wv, data):
    kv = _gensim(*data)
    for kwargs in [
        dict(positive="king"), dict(positive=["king", "woman"], negative=["man"], topn=7),
        dict(positive=["paris"], topn=5, restrict_vocab=100), dict(positive=[("king", 2.0), "queen"], negative=["man"]),
        dict(positive=[wv["king"]], topn=3),
    ]:
        ours, theirs = wv.most_similar(**kwargs), kv.most_similar(**kwargs)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)
    np.testing.assert_allclose(wv.most_similar("king", topn=None), kv.most_similar("king", topn=None), atol=1e-6)
    assert wv.most_similar("king", topn=0) == []


def test_most_similar_excludes_inputs_and_sorts(wv):
    res = wv.most_similar(positive=["king", "woman"], negative=["man"], topn=len(wv))
    words = [w for w, _ in res]
    assert {"king", "woman", "man"}.isdisjoint(words) and len(words) == len(wv) - 3
    sims = [s for _, s in res]
    assert sims == sorted(sims, reverse=True)


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`")
def test_cosmul_doesnt_match_rank_distances_match_gensim(wv, data):
    kv = _gensim(*data)
    ours = wv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=6)
    theirs = kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=6)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5)
    for group in (["king", "queen", "man", "paris"], ["w1", "w2", "w3", "café", "w9"]):
        assert wv.doesnt_match(group) == kv.doesnt_match(group)
    for a, b in (("king", "queen"), ("w5", "w300"), ("paris", "café")):
        assert wv.rank(a, b) == kv.rank(a, b)
        assert abs(wv.similarity(a, b) - kv.similarity(a, b)) < 1e-6
    np.testing.assert_allclose(wv.distances("king"), kv.distances("king"), atol=1e-6)
    np.testing.assert_allclose(wv.distances("king", ["man", "w3"]), kv.distances("king", ["man", "w3"]), atol=1e-6)
    v = wv["queen"] * 3
    assert [w for w, _ in wv.similar_by_vector(v, topn=4)] == [w for w, _ in kv.similar_by_vector(v, topn=4)]
    assert wv.similar_by_vector(v, topn=1)[0][0] == "queen"


def test_batch_equals_single_queries(wv):
    words = ["king", "w3", "café", "w399"]
    batch = wv.most_similar_batch(words, topn=5)
    for w, res in zip(words, batch):
        single = wv.most_similar(w, topn=5)
        assert [x for x, _ in res] == [x for x, _ in single]
        np.testing.assert_allclose([s for _, s in res], [s for _, s in single], atol=1e-6)
    restricted = wv.most_similar_batch(["w1"], topn=3, restrict_vocab=10)[0]
    assert all(wv.key_to_index[w] < 10 and w != "w1" for w, _ in restricted) and len(restricted) == 3


def test_unit_vectors_cached_and_refreshed_when_vectors_change(wv):
    first = wv.get_normed_vectors()
    assert wv.get_normed_vectors() is first  # computed once, reused
    before = wv.most_similar("king", topn=3)
    wv.vectors[wv.key_to_index["queen"]] = wv["king"] * 2  # training moves rows in place
    wv.vectors[0] += 1.0
    assert wv.get_normed_vectors() is not first
    assert wv.most_similar("king", topn=1)[0][0] == "queen" != before[0][0]


def test_zero_vector_is_harmless():
    wv = WordVectors(["a", "b", "c"], np.array([[0, 0], [1, 0], [0.9, 0.1]], np.float32))
    assert wv.most_similar("b", topn=1)[0][0] == "c"
    assert wv.similarity("a", "b") == 0.0


def test_bad_parameters(wv):
    with pytest.raises(ParameterError, match="restrict_vocab"):
        wv.most_similar("king", restrict_vocab=0)
    with pytest.raises(ParameterError, match="topn"):
        wv.most_similar("king", topn="5")
    with pytest.raises(ParameterError, match="at least one"):
        wv.most_similar()
    with pytest.raises(ParameterError, match="24 values"):
        wv.similar_by_vector(np.zeros(3))
