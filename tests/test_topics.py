"""Topics (top2vec's method over a doc2vec model): planted topics are found and named by
their own words, search and reduction follow the planted hierarchy, fits repeat exactly,
saved topics load back, and a missing extra or an unsuitable model is one clear line."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("umap")
pytest.importorskip("hdbscan")

from wordvec.cli.main import cli  # noqa: E402
from wordvec.errors import ModelFormatError, ParameterError, WordvecError  # noqa: E402
from wordvec.models.doc2vec import Doc2Vec  # noqa: E402
from wordvec.text.documents import TaggedDocument  # noqa: E402
from wordvec.vectors.topics import MISSING_EXTRA, Topics, TopicsError  # noqa: E402

SUPERS, SUBS = 3, 2  # 3 broad topics of 2 narrow ones each
TOPICS = SUPERS * SUBS
MODEL = dict(vector_size=16, min_count=1, epochs=15, workers=1, seed=3, dm=False, dbow_words=True)


def nested(n_docs=360, seed=0):
    """Documents of one of 6 narrow topics: 20 words from the narrow topic's pool
    (``t{k}w{i}``), 14 from its broad topic's (``s{k // 2}w{i}``), 6 shared noise words."""
    rng = np.random.default_rng(seed)
    docs = []
    for d in range(n_docs):
        k = d % TOPICS
        words = (list(rng.choice([f"s{k // SUBS}w{i}" for i in range(20)], 14))
                 + list(rng.choice([f"t{k}w{i}" for i in range(20)], 20))
                 + list(rng.choice([f"n{i}" for i in range(40)], 6)))
        docs.append(TaggedDocument([str(w) for w in words], [f"doc{d}"]))
    return docs


def pool_of(word: str) -> str:
    return word.split("w")[0]  # "t3w7" -> "t3", "s1w2" -> "s1", "n5" -> "n5"


@pytest.fixture(scope="module")
def model():
    return Doc2Vec(**MODEL).fit(nested())


@pytest.fixture(scope="module")
def topics(model):
    return Topics(model).fit()


def test_planted_topics_are_found_and_named_by_their_own_words(topics):
    assert len(topics) == TOPICS
    assert topics.topic_sizes().tolist() == [60] * TOPICS
    found = topics.get_topics(topn=10)
    pools = [{pool_of(w) for w in t.words} for t in found]
    assert all(len(p) == 1 and next(iter(p)).startswith("t") for p in pools), pools
    assert sorted(next(iter(p)) for p in pools) == [f"t{k}" for k in range(TOPICS)]
    assert all(1.0 >= t.scores[0] >= t.scores[-1] > 0 for t in found)
    # every document is in its planted topic, and HDBSCAN's clusters agree
    truth = np.arange(360) % TOPICS
    topic_pool = [int(next(iter(p))[1:]) for p in pools]
    assert (np.array(topic_pool)[topics.document_topics_] == truth).all()
    assert ((topics.labels_ == -1) | (topics.labels_ == topics.document_topics_)).all()
    assert topics.embedding_.shape == (360, 5) and topics.hierarchy_ == [[t] for t in range(TOPICS)]
    assert [t.topic for t in topics.get_topics(2)] == [0, 1]


def test_search_by_keywords_documents_and_new_documents(topics):
    words = [t.words for t in topics.get_topics()]
    k = int(words[2][0][1:].split("w")[0])  # topic 2's planted pool
    (best, score), *rest = topics.search_topics([f"t{k}w1", f"t{k}w5"], n=3)
    assert best == 2 and score > rest[0][1] and len(rest) == 2
    assert topics.search_topics(f"t{k}w1 t{k}w5", n=1)[0][0] == 2  # one string of words
    # a broad topic's words find its two narrow topics first
    two = {t for t, _ in topics.search_topics([f"s{k // SUBS}w{i}" for i in range(5)], n=2)}
    assert {int(words[t][0][1:].split("w")[0]) // SUBS for t in two} == {k // SUBS}
    docs = topics.search_documents_by_topic(2, n=5)
    assert len(docs) == 5 and all(int(tag[3:]) % TOPICS == k for tag, _ in docs)
    assert [s for _, s in docs] == sorted((s for _, s in docs), reverse=True)
    assert len(topics.search_documents_by_topic(2, n=1000)) == 60
    new = nested(12, seed=7)
    topic, score = topics.topic_of(new[k].words)
    assert topic == 2 and 0 < score <= 1.0001
    assert topics.topic_of(" ".join(new[k].words)) == (topic, score)  # a string, the same tokens
    assert [t for t, _ in topics.topic_of(new[k].words, n=3)][0] == 2
    batch, scores = topics.topics_of([d.words for d in new])
    assert (np.array([words[t][0][1:].split("w")[0] for t in batch], int) == np.arange(12) % TOPICS).all()
    with pytest.raises(KeyError, match="nosuchword"):
        topics.search_topics(["nosuchword"])


def test_reduction_merges_the_planted_siblings(topics):
    reduced = topics.reduce_topics(SUPERS)
    assert len(reduced) == SUPERS and len(topics) == TOPICS  # a new object; the fitted one is unchanged
    assert reduced.topic_sizes().tolist() == [120] * SUPERS
    narrow_pool = [int(t.words[0][1:].split("w")[0]) for t in topics.get_topics()]
    for t, members in zip(reduced.get_topics(topn=10), reduced.hierarchy_):
        assert len(members) == SUBS and len({narrow_pool[m] // SUBS for m in members}) == 1
        assert {pool_of(w) for w in t.words} == {f"s{narrow_pool[members[0]] // SUBS}"}  # named by the broad pool
    assert sorted(m for h in reduced.hierarchy_ for m in h) == list(range(TOPICS))
    for new, members in enumerate(reduced.hierarchy_):
        assert set(np.flatnonzero(reduced.document_topics_ == new)) == set(
            np.flatnonzero(np.isin(topics.document_topics_, members)))
    assert reduced.reduce_topics(1).topic_sizes().tolist() == [360]
    twice = topics.reduce_topics(4).reduce_topics(SUPERS)  # in two steps: the same broad topics
    assert sorted(map(sorted, twice.hierarchy_)) == sorted(map(sorted, reduced.hierarchy_))
    assert all(set(twice.labels_[twice.document_topics_ == t]) <= {t, -1} for t in range(SUPERS))
    same = topics.reduce_topics(TOPICS)
    assert np.array_equal(same.document_topics_, topics.document_topics_)
    with pytest.raises(ParameterError, match=r"n=7 is invalid: must be an integer in \[1, 6\]"):
        topics.reduce_topics(7)


def test_same_seed_same_topics(model, topics):
    again = Topics(model).fit()
    assert np.array_equal(again.topic_vectors_, topics.topic_vectors_)
    assert np.array_equal(again.labels_, topics.labels_) and np.array_equal(again.embedding_, topics.embedding_)
    other = Topics(model, seed=2).fit()
    assert len(other) == TOPICS and not np.array_equal(other.embedding_, topics.embedding_)
    assert sorted(other.topic_sizes().tolist()) == [60] * TOPICS
    members = Topics(model, centroid="members").fit()  # top2vec's centroid: every member, not the core
    assert np.array_equal(members.labels_, topics.labels_) and members.topic_sizes().tolist() == [60] * TOPICS
    assert not np.array_equal(members.topic_vectors_, topics.topic_vectors_)
    assert [{pool_of(w) for w in t.words} for t in members.get_topics()] == [
        {pool_of(w) for w in t.words} for t in topics.get_topics()]


def test_save_and_load(model, topics, tmp_path):
    topics.save(tmp_path / "t")
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "config.json", "document_scores.npy", "document_topics.npy", "embedding.npy", "labels.npy",
        "probabilities.npy", "topic_vectors.npy"]
    config = json.loads((tmp_path / "t" / "config.json").read_text())
    assert config["topics"] == TOPICS and len(config["words"][0]["words"]) == 50
    back = Topics.load(tmp_path / "t", model)
    for name in ("topic_vectors_", "topic_sizes_", "document_topics_", "document_scores_", "labels_", "probabilities_",
                 "embedding_"):
        assert np.array_equal(getattr(back, name), getattr(topics, name)), name
    assert back.get_topics() == topics.get_topics() and back.get_params() == topics.get_params()
    other = Doc2Vec(**MODEL).fit(nested(60, seed=1))
    with pytest.raises(TopicsError, match="fitted on another model"):
        Topics.load(tmp_path / "t", other)
    with pytest.raises(ModelFormatError, match="not a topics folder"):
        Topics.load(tmp_path, model)
    np.save(tmp_path / "t" / "labels.npy", np.zeros(3, np.int64))
    with pytest.raises(ModelFormatError, match=r"labels.npy: shape \(3,\)"):
        Topics.load(tmp_path / "t", model)


def test_missing_extra_is_one_clear_line(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap now raises ImportError
    with pytest.raises(WordvecError) as e:
        Topics(model).fit()
    assert str(e.value) == MISSING_EXTRA == "topics need the 'topics' extra: pip install 'wordvec[topics]'"


def test_unsuitable_models_and_parameters():
    no_words = Doc2Vec(**dict(MODEL, dbow_words=False)).fit(nested(60))
    with pytest.raises(TopicsError, match="dbow_words=False.*train it with dbow_words=True"):
        Topics(no_words).fit()
    concat = Doc2Vec(**dict(MODEL, dm=True, dm_concat=True, window=2)).fit(nested(40))
    with pytest.raises(TopicsError, match="dm_concat"):
        Topics(concat).fit()
    few = Doc2Vec(**MODEL).fit(nested(24))
    with pytest.raises(TopicsError, match="the model has 24 documents; at least 30 are needed"):
        Topics(few).fit()
    with pytest.raises(TopicsError, match="no vectors yet"):
        Topics(Doc2Vec()).fit()
    with pytest.raises(TopicsError, match="need a doc2vec model"):
        Topics(object()).fit()
    with pytest.raises(TopicsError, match="not fitted yet"):
        Topics(few).get_topics()
    with pytest.raises(ParameterError, match="min_cluster_size=1 is invalid"):
        Topics(few, min_cluster_size=1)
    with pytest.raises(ParameterError, match="cluster_selection='x' is invalid"):
        Topics(few, cluster_selection="x")
    with pytest.raises(TopicsError, match="no parameter 'bogus'"):
        Topics(few).set_params(bogus=1)


def _run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def test_cli_prints_topics_as_text_and_json(model, tmp_path, monkeypatch):
    model.save(tmp_path / "m")
    code, out = _run("topics", tmp_path / "m", "-n", 5, "--save", tmp_path / "t")
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) == TOPICS and all(line.startswith(f"topic {i}  (60 documents): ") for i, line in enumerate(lines))
    assert all(len(line.split(": ")[1].split()) == 5 for line in lines)
    code, out = _run("topics", tmp_path / "m", "--json", "--topics", 3)
    assert code == 0, out
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["size"] for r in rows] == [120] * 3 and all(len(r["words"]) == 10 == len(r["scores"]) for r in rows)
    code, loaded = _run("topics", tmp_path / "m", "-n", 5, "--load", tmp_path / "t")
    assert code == 0 and loaded.splitlines() == lines
    code, out = _run("topics", tmp_path / "m", "--topics", 7)
    assert code == 2 and out.strip() == "wordvec: error: --topics=7 is invalid: must be in [1, 6] (6 topics were found)"
    code, out = _run("topics", tmp_path / "m", "-n", 0)
    assert code == 2 and out.strip() == "wordvec: error: --topn=0 is invalid: must be >= 1"
    code, out = _run("topics", tmp_path / "nothing")
    assert code == 2 and len(out.strip().splitlines()) == 1 and out.startswith("wordvec: error:")
    monkeypatch.setitem(sys.modules, "hdbscan", None)
    code, out = _run("topics", tmp_path / "m")
    assert code == 2 and out.strip() == f"wordvec: error: {MISSING_EXTRA}"
