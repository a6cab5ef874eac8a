"""wordvec.tutorial.preprocessing against the documented semantics of the TensorFlow/Keras
functions the word2vec tutorial uses; distributions are checked statistically."""
from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from scipy import stats

from wordvec.errors import ParameterError
from wordvec.tutorial.preprocessing import (
    Vectorizer,
    generate_training_data,
    log_uniform_candidates,
    log_uniform_probabilities,
    log_uniform_rows,
    make_sampling_table,
    skipgrams,
    standardize,
)

from conftest import SHARED_DATA as DATA  # noqa: E402
SHAKESPEARE = DATA / "shakespeare.txt"


def keras_positive_couples(sequence, window_size, sampling_table=None, rand=None):
    """Keras' skipgrams loop (negative_samples=0, shuffle=False), transcribed."""
    couples = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < rand.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
    return couples


def chi2_pvalue(observed, probabilities):
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(probabilities, dtype=np.float64) * observed.sum()
    return stats.chisquare(observed, expected).pvalue


# --------------------------------------------------------------------------- text
def test_standardize_lowercases_ascii_and_strips_ascii_punctuation():
    assert standardize("Hello, World! It's 'me'--ROMEO.") == "hello world its meromeo"
    # tf.strings.lower lowers ASCII letters only; non-ASCII punctuation stays.
    assert standardize("ÉTÉ «Oui»") == "ÉtÉ «oui»"
    assert standardize(["A.b", "", "C\x00d!"]) == ["ab", "", "c\x00d"]
    assert standardize([]) == []


def test_vectorizer_vocabulary_order_max_tokens_and_special_tokens():
    texts = ["b a c", "a b", "a", "d e"]
    v = Vectorizer().adapt(texts)
    # counts a=3, b=2, then c, d, e once each: ties go to the larger string (Keras lexsort)
    assert v.get_vocabulary() == ["", "[UNK]", "a", "b", "e", "d", "c"]
    assert v.get_vocabulary(include_special_tokens=False) == ["a", "b", "e", "d", "c"]
    assert v.counts.tolist() == [0, 0, 3, 2, 1, 1, 1]
    small = Vectorizer(max_tokens=4).adapt(texts)
    assert small.get_vocabulary() == ["", "[UNK]", "a", "b"]
    assert small.vocabulary_size() == 4
    assert small.counts.tolist() == [0, 3, 3, 2]  # [UNK] counts the words left out
    assert small(["a b c z"]).tolist() == [[2, 3, 1, 1]]


def test_vectorizer_padding_truncation_and_shapes():
    v = Vectorizer(output_sequence_length=3).adapt(["x y z", "x y", "x"])
    assert v(["x y z w", "", "y"]).tolist() == [[2, 3, 4], [0, 0, 0], [3, 0, 0]]
    assert v("z x").tolist() == [4, 2, 0]  # one string, one row
    assert v([]).shape == (0, 3)
    ragged = Vectorizer().adapt(["x y z"])
    out = ragged(["x", "y z x q", ""])
    # all counts tie, so the larger word comes first: z=2, y=3, x=4
    assert out.dtype == np.int64 and out.tolist() == [[4, 0, 0, 0], [3, 2, 4, 1], [0, 0, 0, 0]]


def test_vectorizer_standardizes_like_the_tutorial_and_handles_odd_text():
    v = Vectorizer(output_sequence_length=4).adapt(["The KING, the king!", "king's"])
    assert v.get_vocabulary()[:4] == ["", "[UNK]", "the", "king"]
    assert v(["KING. the\tkings"]).tolist() == [[3, 2, 4, 0]]
    # a NUL inside a text (our internal separator) takes the slow path, same answer
    assert v(["the\x00king", "king"]).tolist() == [[1, 0, 0, 0], [3, 0, 0, 0]]
    # bytes are decoded; generators are read in batches with the same vocabulary
    gen = Vectorizer().adapt((t for t in ["b a", b"a c", "a"]), batch_lines=1)
    assert gen.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]
    custom = Vectorizer(standardize=str.upper).adapt(["a b"])
    assert custom.get_vocabulary() == ["", "[UNK]", "B", "A"]
    none = Vectorizer(standardize=None).adapt(["A a"])
    assert none.get_vocabulary() == ["", "[UNK]", "a", "A"]


def test_vectorizer_errors_name_the_parameter():
    with pytest.raises(ParameterError, match="max_tokens"):
        Vectorizer(max_tokens=1)
    with pytest.raises(ParameterError, match="output_sequence_length"):
        Vectorizer(output_sequence_length=0)
    with pytest.raises(ParameterError, match="standardize"):
        Vectorizer(standardize="upper")
    with pytest.raises(ParameterError, match="text must be strings"):
        Vectorizer().adapt(["a", 3])
    with pytest.raises(ParameterError, match="vocabulary"):
        Vectorizer().set_vocabulary(["a", "a"])
    assert Vectorizer().set_vocabulary(["x", "y"])(["y q"]).tolist() == [[3, 1]]


@pytest.mark.skipif(not SHAKESPEARE.is_file(), reason="../shared/data/shakespeare.txt not present")
def test_vectorizer_on_shakespeare_matches_the_tutorial():
    lines = [line for line in SHAKESPEARE.read_text(encoding="utf-8").split("\n") if line]
    v = Vectorizer(max_tokens=4096, output_sequence_length=10).adapt(lines)
    # the tutorial prints these after adapt
    assert v.get_vocabulary()[:20] == [
        "", "[UNK]", "the", "and", "to", "i", "of", "you", "my", "a", "that", "in", "is", "not", "for",
        "with", "me", "it", "be", "your",
    ]
    sequences = v(lines)
    assert sequences.shape == (32777, 10) and v.vocabulary_size() == 4096


# --------------------------------------------------------------------------- sampling table
def test_make_sampling_table_matches_keras():
    expected = [0.00315225, 0.00315225, 0.00547597, 0.00741556, 0.00912817, 0.01068435, 0.01212381,
                0.01347162, 0.01474487, 0.0159558]
    np.testing.assert_allclose(make_sampling_table(10), expected, atol=5e-9)
    table = make_sampling_table(4096, sampling_factor=1e-3)
    assert table.max() == 1.0 and np.all(np.diff(table[1:]) >= 0)
    assert make_sampling_table(0).shape == (0,)
    with pytest.raises(ParameterError, match="sampling_factor"):
        make_sampling_table(10, sampling_factor=0)
    with pytest.raises(ParameterError, match="size"):
        make_sampling_table(-1)


# --------------------------------------------------------------------------- skipgrams
@pytest.mark.parametrize("window", [0, 1, 2, 4, 30])
def test_skipgrams_positive_couples_equal_keras_in_order(window):
    rng = np.random.default_rng(window)
    for _ in range(20):
        seq = rng.integers(0, 6, rng.integers(0, 15)).tolist()
        couples, labels = skipgrams(seq, 6, window_size=window, negative_samples=0, shuffle=False)
        assert couples.tolist() == keras_positive_couples(seq, window)
        assert labels.tolist() == [1] * len(couples)


def test_skipgrams_negatives_shuffle_and_categorical():
    seq = [1, 2, 0, 3, 4, 5, 0, 0, 6]
    pos = keras_positive_couples(seq, 2)
    couples, labels = skipgrams(seq, 50, window_size=2, negative_samples=2.5, seed=3)
    assert len(couples) == len(pos) + int(len(pos) * 2.5)
    positives = couples[labels == 1].tolist()
    assert sorted(positives) == sorted(pos)  # shuffled with their labels
    negatives = couples[labels == 0]
    assert set(negatives[:, 0]) <= {p[0] for p in pos}  # targets come from the positives
    assert negatives[:, 1].min() >= 1 and negatives[:, 1].max() <= 49
    cat_couples, cat_labels = skipgrams(seq, 50, window_size=2, categorical=True, seed=3)
    assert cat_labels.shape == (len(cat_couples), 2)
    assert set(map(tuple, cat_labels.tolist())) == {(0, 1), (1, 0)}
    assert (cat_labels[:, 1] == 1).sum() == len(pos)
    same = skipgrams(seq, 50, window_size=2, negative_samples=2.5, seed=3)
    assert np.array_equal(same[0], couples) and np.array_equal(same[1], labels)


def test_skipgrams_edge_cases():
    for seq in ([], [0, 0, 0], [7]):
        couples, labels = skipgrams(seq, 10)
        assert couples.shape == (0, 2) and labels.shape == (0,)
    with pytest.raises(ParameterError, match="outside"):
        skipgrams([1, 10], 10)
    with pytest.raises(ParameterError, match="window_size"):
        skipgrams([1, 2], 10, window_size=-1)
    with pytest.raises(ParameterError, match="negative_samples"):
        skipgrams([1, 2], 10, negative_samples=-1)
    with pytest.raises(ParameterError, match="sampling_table"):
        skipgrams([1, 2], 10, sampling_table=[1.0] * 5)
    with pytest.raises(ParameterError, match="vocabulary_size"):
        skipgrams([0, 0], 0)
    # the smallest vocabulary with a word: negatives can only be id 1
    couples, labels = skipgrams([1, 1], 2, negative_samples=1, seed=0)
    assert couples.tolist().count([1, 1]) == 4 and labels.sum() == 2


def test_skipgrams_keeps_targets_with_the_sampling_table_probability():
    # Every position of a long sequence is a target once; id 1 kept with 0.3, id 2 always.
    seq = np.tile([1, 2], 20000)
    table = np.array([0.0, 0.3, 1.0])
    couples, _ = skipgrams(seq, 3, window_size=1, negative_samples=0, sampling_table=table, seed=5)
    kept_1 = (couples[:, 0] == 1).sum() / 2  # an inner target has two neighbours
    kept_2 = (couples[:, 0] == 2).sum() / 2
    assert abs(kept_2 - 20000) <= 1
    assert stats.binomtest(int(round(kept_1)), 20000, 0.3).pvalue > 1e-4


# --------------------------------------------------------------------------- log-uniform sampler
def test_log_uniform_draws_follow_the_documented_distribution():
    range_max = 50
    ids, tries = log_uniform_rows(40000, 5, False, range_max, np.random.default_rng(0))
    assert ids.min() >= 0 and ids.max() < range_max and np.all(tries == 5)
    p = log_uniform_probabilities(np.arange(range_max), range_max)
    assert math.isclose(p.sum(), 1.0)
    assert chi2_pvalue(np.bincount(ids.ravel(), minlength=range_max), p) > 1e-4


def sequential_without_replacement(p, k):
    """P(ordered tuple) for draws repeated until k distinct ids: p1 * p2/(1-p1) * ..."""
    out = {}
    for tup in itertools.permutations(range(len(p)), k):
        prob, left = 1.0, 1.0
        for x in tup:
            prob *= p[x] / left
            left -= p[x]
        out[tup] = prob
    return out


@pytest.mark.parametrize("range_max,k", [(5, 3), (5, 5), (8, 2)])
def test_unique_log_uniform_rows_equal_tensorflows_rejection_sampling(range_max, k):
    p = log_uniform_probabilities(np.arange(range_max), range_max)
    exact = sequential_without_replacement(p, k)
    ids, tries = log_uniform_rows(60000, k, True, range_max, np.random.default_rng(k))
    assert all(len(set(row)) == k for row in ids[:2000].tolist())
    assert np.all(tries >= k)
    index = {tup: i for i, tup in enumerate(exact)}
    observed = np.bincount([index[tuple(r)] for r in ids.tolist()], minlength=len(exact))
    assert chi2_pvalue(observed, list(exact.values())) > 1e-4
    if k == range_max:  # every row is a permutation of all ids
        assert np.all(np.sort(ids, axis=1) == np.arange(range_max))


def test_log_uniform_candidates_interface_and_expected_counts():
    sampled, true_count, sampled_count = log_uniform_candidates(np.array([[3], [7]]), 4, False, 20, seed=1)
    assert sampled.shape == (4,) and true_count.shape == (2, 1) and sampled_count.shape == (4,)
    np.testing.assert_allclose(true_count, 4 * log_uniform_probabilities([[3], [7]], 20))
    np.testing.assert_allclose(sampled_count, 4 * log_uniform_probabilities(sampled, 20))
    sampled, true_count, sampled_count = log_uniform_candidates([[1]], 5, True, 5, seed=2)
    assert sorted(sampled.tolist()) == [0, 1, 2, 3, 4]
    assert np.all(sampled_count <= 1.0) and np.all(sampled_count > 0)
    a = log_uniform_candidates([[1]], 3, True, 100, seed=9)[0]
    assert np.array_equal(a, log_uniform_candidates([[1]], 3, True, 100, seed=9)[0])
    assert log_uniform_candidates([[1]], 0, True, 5, seed=1)[0].shape == (0,)
    with pytest.raises(ParameterError, match="num_sampled=6"):
        log_uniform_candidates([[1]], 6, True, 5)
    with pytest.raises(ParameterError, match="true_classes"):
        log_uniform_candidates([[5]], 2, True, 5)


# --------------------------------------------------------------------------- training data
def test_generate_training_data_positives_equal_keras_and_negatives_are_distinct():
    rng = np.random.default_rng(1)
    seqs = rng.integers(0, 30, (200, 10))
    seqs[rng.random(seqs.shape) < 0.2] = 0
    targets, contexts, labels = generate_training_data(seqs, 3, 4, 30, seed=7, sampling_table=None)
    expected = [c for s in seqs.tolist() for c in keras_positive_couples(s, 3)]
    assert np.column_stack([targets, contexts[:, 0]]).tolist() == expected
    assert contexts.shape == labels.shape == (len(expected), 5)
    assert targets.dtype == contexts.dtype == labels.dtype == np.int64
    assert np.all(labels[:, 0] == 1) and np.all(labels[:, 1:] == 0)
    negatives = contexts[:, 1:]
    assert np.all(np.diff(np.sort(negatives, axis=1), axis=1) != 0)  # distinct in each row
    assert negatives.min() >= 0 and negatives.max() < 30
    # a list of ragged sequences gives the same positives as the padded array
    ragged = [s[: rng.integers(0, 11)] for s in seqs]
    t2, c2, _ = generate_training_data(ragged, 3, 0, 30, seed=1, sampling_table=None)
    assert np.column_stack([t2, c2[:, 0]]).tolist() == [
        c for s in ragged for c in keras_positive_couples(s.tolist(), 3)
    ]


def test_generate_training_data_negative_distribution():
    # unique=True marginals: a draw of 2 distinct ids from range 6 - exact ordered pairs
    seqs = np.tile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (3000, 1))
    _, contexts, _ = generate_training_data(seqs, 1, 2, 6 + 5, seed=3, sampling_table=None)
    p = log_uniform_probabilities(np.arange(11), 11)
    exact = sequential_without_replacement(p, 2)
    index = {tup: i for i, tup in enumerate(exact)}
    observed = np.bincount([index[tuple(r)] for r in contexts[:, 1:].tolist()], minlength=len(exact))
    assert chi2_pvalue(observed, list(exact.values())) > 1e-4


def test_generate_training_data_subsamples_with_the_tutorial_table():
    # Rows of two ids and window 1: each kept target gives exactly one pair, so the
    # pairs per id count the kept occurrences: Binomial(seen, sampling_table[id]).
    vocab = 4096
    rng = np.random.default_rng(4)
    seqs = rng.choice([1, 2000, 4000], size=(60000, 2))
    targets, _, _ = generate_training_data(seqs, 1, 0, vocab, seed=11)
    table = make_sampling_table(vocab)
    seen = np.bincount(seqs.ravel(), minlength=vocab)
    kept = np.bincount(targets, minlength=vocab)
    for word in (1, 2000, 4000):
        assert stats.binomtest(int(kept[word]), int(seen[word]), table[word]).pvalue > 1e-4


def test_generate_training_data_edge_cases():
    for seqs in ([], np.zeros((0, 10), int), np.zeros((4, 10), int), [[], [0, 0]], [[5]]):
        targets, contexts, labels = generate_training_data(seqs, 2, 4, 10, seed=1)
        assert targets.shape == (0,) and contexts.shape == (0, 5) and labels.shape == (0, 5)
    # window far larger than the sequence: every other id is a context
    t, c, _ = generate_training_data([[1, 2, 3]], 100, 0, 4, sampling_table=None)
    assert sorted(zip(t.tolist(), c[:, 0].tolist())) == [(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)]
    # num_ns == vocab_size: the negatives of every row are all the ids
    _, c, _ = generate_training_data([[1, 2, 3, 1]], 2, 4, 4, seed=2, sampling_table=None)
    assert np.all(np.sort(c[:, 1:], axis=1) == np.arange(4))
    with pytest.raises(ParameterError, match="num_ns=5"):
        generate_training_data([[1, 2]], 2, 5, 4)
    with pytest.raises(ParameterError, match="outside"):
        generate_training_data([[1, 4]], 2, 1, 4)
    with pytest.raises(ParameterError, match="window_size"):
        generate_training_data([[1, 2]], -1, 1, 4)
    with pytest.raises(ParameterError, match="sampling_table"):
        generate_training_data([[1, 2]], 1, 1, 4, sampling_table="keras")
    with pytest.raises(ParameterError, match="integers"):
        generate_training_data([[1.5, 2]], 1, 1, 4)
    a = generate_training_data([[1, 2, 3, 1, 2]], 2, 2, 4, seed=8)
    b = generate_training_data([[1, 2, 3, 1, 2]], 2, 2, 4, seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.skipif(not SHAKESPEARE.is_file(), reason="../shared/data/shakespeare.txt not present")
def test_generate_training_data_on_shakespeare_gives_the_tutorials_size():
    lines = [line for line in SHAKESPEARE.read_text(encoding="utf-8").split("\n") if line]
    v = Vectorizer(max_tokens=4096, output_sequence_length=10).adapt(lines)
    sizes = [len(generate_training_data(v(lines), 2, 4, 4096, seed=s)[0]) for s in range(3)]
    # the tutorial got 64,872 (and 64,907 in its notebook); subsampling makes it vary
    assert all(abs(n - 64872) < 1500 for n in sizes)


def test_reference_transcription_is_keras():
    # the helper above must itself follow Keras' loop: window edges and zeros skipped
    rand = random.Random(0)
    assert keras_positive_couples([0, 1, 0, 2], 2, None, rand) == [[1, 2], [2, 1]]
