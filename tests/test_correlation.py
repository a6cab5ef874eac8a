"""Our Pearson and Spearman (NumPy, so ``wordvec evaluate`` need not import scipy.stats)
against SciPy's: the same statistics to the last bit, the same p-values to 1e-9."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import stats

from wordvec.vectors.correlation import Correlation, pearson, rank_average, spearman


def _same(ours: Correlation, theirs, p_rtol=1e-9):
    assert ours.statistic == theirs[0] or (np.isnan(ours.statistic) and np.isnan(theirs[0]))
    if np.isnan(theirs[1]):
        assert np.isnan(ours.pvalue)
    else:
        assert ours.pvalue == pytest.approx(float(theirs[1]), rel=p_rtol, abs=1e-300)


@pytest.mark.parametrize("n", [3, 4, 7, 30, 351, 3000])
@pytest.mark.parametrize("ties", [False, True])
def test_statistics_bit_identical_to_scipy_and_p_values_close(n, ties):
    rng = np.random.default_rng(n)
    for _ in range(20):
        x = rng.normal(size=n)
        y = x * rng.uniform(-1, 1) + rng.normal(size=n) * rng.uniform(0.01, 3)
        if ties:
            x, y = np.round(x * 2), np.round(y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SciPy warns on constant input; we return NaN quietly
            _same(pearson(x, y), stats.pearsonr(x, y))
            _same(spearman(x, y), stats.spearmanr(x, y))


def test_edge_cases_as_scipy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x, y in [([1, 2], [2, 1]), ([1, 2, 3], [1, 1, 1]), ([1, 2, 3], [3, 2, 1]), ([5, 5, 5, 5], [1, 2, 3, 4])]:
            _same(pearson(x, y), stats.pearsonr(x, y))
            _same(spearman(x, y), stats.spearmanr(x, y))
    assert np.isnan(spearman([1.0, np.nan, 3.0], [1, 2, 3]).statistic)


def test_ranks_average_ties():
    np.testing.assert_array_equal(rank_average(np.array([3.0, 1, 3, 2, 3])), stats.rankdata([3, 1, 3, 2, 3]))


def test_result_reads_as_scipy_result():
    r = spearman([1, 2, 3, 4], [1, 3, 2, 4])
    statistic, pvalue = r
    assert r[0] == r.statistic == r.correlation == statistic and r[1] == pvalue


def test_evaluate_on_a_small_c_file_loads_neither_numba_nor_scipy_stats(tmp_path):
    # What makes a whole `wordvec evaluate` 5x a gensim script (benchmarks/evaluate_vs_gensim.py).
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy"] + [f"w{i}" for i in range(200)]
    from wordvec import WordVectors

    WordVectors(words, rng.normal(size=(len(words), 10)).astype(np.float32)).save_word2vec_format(
        tmp_path / "v.bin", binary=True)
    (tmp_path / "q.txt").write_text(": s\nking queen man woman\nparis france rome italy\n")
    (tmp_path / "ws.txt").write_text("king queen 8\nman woman 7\nparis rome 5\nfrance italy 6\n")
    code = (
        "import sys\nfrom wordvec.cli.main import main\n"
        "try:\n    main(['evaluate', sys.argv[1], '--analogies', sys.argv[2], '--similarity', sys.argv[3]])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numba', 'scipy.stats') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "v.bin"), str(tmp_path / "q.txt"),
                          str(tmp_path / "ws.txt")], capture_output=True, text=True, check=True).stdout
    assert "similarity ws.txt: spearman" in out
    assert out.strip().splitlines()[-1] == "[]"
