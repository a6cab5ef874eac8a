import numpy as np
from scipy import stats

from wordvec.kernels.sampling import (
    alias_table, draw_negatives, keep_probabilities, negative_distribution, seed_state,
    subsample_thresholds,
)


def test_subsampling_matches_the_c_tool_formula():
    counts = np.array([1_000_000, 100_000, 10_000, 100, 1])
    sample = 1e-3
    total = counts.sum()
    expected = np.minimum((np.sqrt(counts / (sample * total)) + 1) * (sample * total) / counts, 1.0)
    assert np.allclose(keep_probabilities(counts, sample), expected, atol=1e-9)
    assert keep_probabilities(counts, sample)[0] < 0.1  # the most frequent word is mostly dropped
    assert keep_probabilities(counts, sample)[-1] == 1.0
    assert np.all(subsample_thresholds(counts, 0) == 1 << 32)  # sample=0 keeps everything


def test_negative_distribution_is_unigram_to_the_075():
    counts = np.array([81, 16, 1])
    p = negative_distribution(counts, 0.75)
    assert np.allclose(p, np.array([27, 8, 1]) / 36)


def test_alias_draws_follow_the_distribution():
    rng = np.random.default_rng(0)
    counts = np.sort(rng.zipf(1.3, size=2000).clip(max=10**5))[::-1]
    p = negative_distribution(counts, 0.75)
    thr, alias = alias_table(p)
    n = 2_000_000
    draws = draw_negatives(thr, alias, n, seed=1)
    observed = np.bincount(draws, minlength=len(p))
    # Chi-square over the 50 most likely words plus one bin for the rest.
    top = 50
    obs = np.append(observed[:top], observed[top:].sum())
    exp = np.append(p[:top], p[top:].sum()) * n
    chi2, pvalue = stats.chisquare(obs, exp)
    assert pvalue > 1e-4, (chi2, pvalue)
    assert np.all(draws >= 0) and np.all(draws < len(p))


def test_alias_never_draws_zero_probability_words():
    p = np.array([0.5, 0.0, 0.5, 0.0])
    thr, alias = alias_table(p)
    draws = draw_negatives(thr, alias, 100_000, seed=3)
    assert set(np.unique(draws)) == {0, 2}


def test_seed_streams_differ_and_repeat():
    assert seed_state(1, 0, 0) == seed_state(1, 0, 0)
    states = {seed_state(1, e, j) for e in range(5) for j in range(200)}
    assert len(states) == 1000 and 0 not in states
