"""predict_output_word: negative sampling as gensim computes it, hierarchical softmax along
the Huffman paths, on a small model trained on sentences with an obvious answer."""
import numpy as np
import pytest

from wordvec import ParameterError, Word2Vec, WordvecError, WordVectors
from wordvec.vectors.prediction import predict_output_word, word_probabilities

SENTENCES = (
    [["the", "cat", "sat", "on", "the", "mat"]] * 300
    + [["a", "dog", "ran", "in", "the", "park"]] * 300
    + [["the", "bird", "flew", "over", "the", "tree"]] * 300
)


@pytest.fixture(scope="module")
def model():
    # Both output layers in one model: CBOW with negative sampling and hierarchical softmax.
    return Word2Vec(vector_size=16, window=2, min_count=1, sg=False, hs=True, negative=5, epochs=5,
                    workers=1, sample=0, seed=3).fit(SENTENCES)


@pytest.mark.parametrize("method", ["ns", "hs"])
def test_predicts_the_obvious_word(model, method):
    assert predict_output_word(model, ["dog", "in"], topn=3, method=method)[0][0] == "ran"
    assert predict_output_word(model, ["bird", "over"], topn=3, method=method)[0][0] == "flew"
    top = predict_output_word(model, ["the", "sat"], topn=3, method=method)
    assert {w for w, _ in top[:2]} == {"cat", "on"}  # "the _ sat": cat, or "on" from "sat on the"
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True) and 0 < probs[0] <= 1


def test_negative_sampling_is_gensims_softmax(model):
    ctx = ["the", "park", "dog"]
    idx = [model.wv.key_to_index[w] for w in ctx]
    hidden = model.wv.vectors[idx].astype(np.float64).mean(axis=0)  # cbow_mean
    expected = np.exp(model.syn1neg.astype(np.float64) @ hidden)
    expected /= expected.sum()
    got = dict(predict_output_word(model, ctx, topn=len(model.wv), method="ns"))
    np.testing.assert_allclose([got[w] for w in model.wv.index_to_key], expected, rtol=1e-9)
    assert model.predict_output_word(ctx, topn=2) == predict_output_word(model, ctx, topn=2)  # ns by default


def test_hierarchical_softmax_walks_the_huffman_path(model):
    hidden = model.wv.vectors[[1, 2]].astype(np.float64).mean(axis=0)
    probs = word_probabilities(model, hidden, "hs")
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)  # a proper distribution over the vocabulary
    for w in range(len(model.wv)):  # brute force: one sigmoid per inner node on the path
        p = 1.0
        for code, point in zip(model.tables_.codes[w, : model.tables_.code_lengths[w]], model.tables_.points[w, : model.tables_.code_lengths[w]]):
            f = 1 / (1 + np.exp(-(model.syn1[point].astype(np.float64) @ hidden)))
            p *= f if code == 0 else 1 - f
        assert probs[w] == pytest.approx(p, rel=1e-9)


def test_saved_model_predicts_the_same(model, tmp_path):
    model.save(tmp_path / "m")
    loaded = Word2Vec.load(tmp_path / "m", mmap=True)
    vectors_only = WordVectors.load(tmp_path / "m")  # a trained model folder is also a vectors file
    assert vectors_only.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(vectors_only.vectors, model.wv.vectors)
    for method in ("ns", "hs"):
        assert predict_output_word(loaded, ["a", "ran"], 4, method) == predict_output_word(model, ["a", "ran"], 4, method)


def test_unknown_context_and_bad_calls(model):
    with pytest.warns(UserWarning, match="left out: 'zebra'"):
        assert predict_output_word(model, ["dog", "zebra", "in"], topn=1)[0][0] == "ran"
    with pytest.raises(KeyError, match="no context word is in the vocabulary: 'zebra', 'yak'"):
        predict_output_word(model, ["zebra", "yak"])
    with pytest.raises(ParameterError, match="topn=0"):
        predict_output_word(model, ["dog"], topn=0)
    with pytest.raises(ParameterError, match="method='x'"):
        predict_output_word(model, ["dog"], method="x")


def test_needs_output_weights(model):
    class VectorsOnly:
        wv, syn1neg, syn1, hs, cbow_mean = model.wv, None, None, False, True

    with pytest.raises(WordvecError, match="needs output weights"):
        predict_output_word(VectorsOnly(), ["dog"])

    class NsOnly(VectorsOnly):
        syn1neg = model.syn1neg

    with pytest.raises(WordvecError, match="not trained with method='hs'"):
        predict_output_word(NsOnly(), ["dog"], method="hs")
