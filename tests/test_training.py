import numpy as np
import pytest

from conftest import group_purity, planted_sentences
from wordvec import Word2Vec
from wordvec.train.callbacks import Callback
from wordvec.errors import CorpusError, ParameterError

MODES = [
    pytest.param(dict(sg=True, negative=5, hs=False), id="sg-ns"),
    pytest.param(dict(sg=True, negative=0, hs=True), id="sg-hs"),
    pytest.param(dict(sg=False, negative=5, hs=False), id="cbow-ns"),
    pytest.param(dict(sg=False, negative=0, hs=True), id="cbow-hs"),
    pytest.param(dict(sg=False, negative=5, hs=True, cbow_mean=False, alpha=0.01), id="cbow-sum-ns+hs"),
    pytest.param(dict(sg=True, negative=3, hs=True), id="sg-ns+hs"),
]


@pytest.mark.parametrize("params", MODES)
def test_every_mode_learns_the_planted_groups_and_loss_falls(planted, params):
    sents, vocab = planted
    model = Word2Vec(vector_size=24, window=4, min_count=1, epochs=6, workers=1, seed=3, sample=0,
                     batch_words=2000, report_seconds=1e-9, **params)
    model.fit(sents)
    purity = group_purity(model.wv, vocab)
    assert purity >= 0.95, purity
    losses = [h["loss"] for h in model.history_]
    assert len(losses) == 6 and all(np.isfinite(losses))
    assert all(b <= a + 1e-3 for a, b in zip(losses, losses[1:])), losses
    first_job, last_job = model.intervals_[0]["loss"], model.intervals_[-1]["loss"]
    assert last_job < first_job * 0.9, (first_job, last_job)
    # Words of a group are nearer each other than to another group's words.
    assert model.wv.most_similar("g0w0", topn=3)[0][0].startswith("g0")


def test_one_worker_is_bit_reproducible(planted):
    sents, _ = planted
    a = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1, seed=7).fit(sents)
    b = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1, seed=7).fit(sents)
    c = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1, seed=8).fit(sents)
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert np.array_equal(a.syn1neg, b.syn1neg)
    assert a.history_[-1]["loss"] == b.history_[-1]["loss"]
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


def test_many_workers_train_and_count_every_word(planted):
    sents, vocab = planted
    m = Word2Vec(vector_size=24, window=4, min_count=1, epochs=4, workers=4, batch_words=500, sample=0).fit(sents)
    n = sum(len(s) for s in sents)
    assert [h["words"] for h in m.history_] == [n] * 4
    assert group_purity(m.wv, vocab) >= 0.95


def test_learning_rate_decays_linearly_to_min_alpha(planted):
    sents, _ = planted
    seen = []

    class Record(Callback):
        def on_progress(self, model, words_done, loss, lr):
            seen.append((words_done, lr))

    m = Word2Vec(vector_size=8, min_count=1, epochs=3, workers=1, alpha=0.02, min_alpha=0.001,
                 batch_words=1000, report_seconds=1e-9)
    m.fit(sents, callbacks=[Record()])
    total = m.progress_total_
    assert seen[-1][0] == total
    for words_done, lr in seen:
        assert lr == pytest.approx(0.02 - (0.02 - 0.001) * words_done / total, rel=1e-9, abs=1e-12)
    assert m.history_[-1]["lr"] == pytest.approx(0.001)


def test_subsampling_drops_frequent_words(planted):
    sents, _ = planted
    m = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, sample=1e-3).fit(sents)
    h = m.history_[0]
    assert h["effective_words"] < h["words"]
    m0 = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, sample=0).fit(sents)
    assert m0.history_[0]["effective_words"] == m0.history_[0]["words"]


def test_save_load_round_trip_and_mmap(planted, tmp_path):
    sents, _ = planted
    m = Word2Vec(vector_size=12, min_count=1, epochs=1, workers=1, hs=True).fit(sents)
    m.save(tmp_path / "model")
    for mmap in (False, True):
        loaded = Word2Vec.load(tmp_path / "model", mmap=mmap)
        assert loaded.wv.index_to_key == m.wv.index_to_key
        assert np.array_equal(loaded.wv.vectors, m.wv.vectors)
        assert np.array_equal(loaded.syn1neg, m.syn1neg) and np.array_equal(loaded.syn1, m.syn1)
        assert np.array_equal(loaded.wv.counts, m.wv.counts)
        assert loaded.get_params() == m.get_params()
        assert loaded.history_ == m.history_
        assert isinstance(loaded.wv.vectors, np.memmap) == mmap
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "config.json", "syn1.npy", "syn1neg.npy", "vectors.npy", "vocab.tsv"]


def test_long_lines_are_chunked_not_truncated(tmp_path):
    p = tmp_path / "long.txt"
    rng = np.random.default_rng(0)
    p.write_text(" ".join(rng.choice(["a", "b", "c", "d"], size=50_000)) + "\n")
    m = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=2, max_sentence_length=1000).fit(p)
    assert m.history_[0]["words"] == 50_000
    assert m.encoded_.n_sentences == 50


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(vector_size=0), "vector_size"), (dict(window=0), "window"), (dict(negative=-1), "negative"),
        (dict(negative=0, hs=False), "negative=0"), (dict(sample=-0.1), "sample"), (dict(epochs=0), "epochs"),
        (dict(workers=0), "workers"), (dict(min_count=0), "min_count"), (dict(alpha=0), "alpha"),
        (dict(vector_size=2.5), "vector_size"), (dict(standardize="upper"), "standardize"),
    ],
)
def test_bad_parameters_name_themselves(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        Word2Vec(**kwargs)


def test_no_word_reaches_min_count(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b c d\n")
    with pytest.raises(CorpusError, match=r"c\.txt.*min_count=5"):
        Word2Vec().fit(p)
