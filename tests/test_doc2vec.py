"""Doc2Vec: every mode learns planted topics, tags are dense, nothing is truncated, inference
is deterministic, save/load/resume are exact, bad input gives one-line errors."""
from __future__ import annotations

import json
import numpy as np
import pytest

from conftest import StopAfter, shared_file
from wordvec.errors import CorpusError, ModelFormatError, ParameterError
from wordvec.models.doc2vec import Doc2Vec
from wordvec.text.documents import DocumentCorpus, TaggedDocument
from wordvec.train.checkpoint import CheckpointCallback, resume, save_checkpoint
from wordvec.train.runner import TrainingInterrupted

SMALL = dict(vector_size=16, min_count=1, epochs=15, workers=1, seed=3)


def planted(n_docs=240, topics=4, seed=0):
    """Documents drawn from one of ``topics`` word pools plus shared noise words; each is
    tagged with its own id and its topic."""
    rng = np.random.default_rng(seed)
    pools = [[f"t{k}w{i}" for i in range(25)] for k in range(topics)]
    noise = [f"n{i}" for i in range(40)]
    docs = []
    for d in range(n_docs):
        k = d % topics
        words = list(rng.choice(pools[k], 30)) + list(rng.choice(noise, 8))
        docs.append(TaggedDocument([str(w) for w in words], [f"doc{d}", f"topic{k}"]))
    return docs


def topic_hits(model, topics=4, topn=5):
    hits = 0
    for k in range(topics):
        for key, _ in model.dv.most_similar(f"topic{k}", topn=topn):
            hits += key.startswith("doc") and int(key[3:]) % topics == k
    return hits / (topics * topn)


MODES = {
    "dbow": dict(dm=False),
    "dbow-words": dict(dm=False, dbow_words=True),
    "dm-mean": dict(dm=True),
    "dm-sum": dict(dm=True, dm_mean=False),
    "dbow-hs": dict(dm=False, hs=True, negative=0),
}


@pytest.mark.parametrize("params", MODES.values(), ids=MODES.keys())
def test_every_mode_finds_planted_topics(params):
    model = Doc2Vec(**SMALL, **params).fit(planted())
    assert topic_hits(model) >= 0.8
    assert np.isfinite(model.history_[-1]["loss"]) and model.history_[-1]["loss"] > 0
    assert len(model.dv) == 240 + 4


def test_dm_concat_needs_one_tag_and_learns():
    docs = [TaggedDocument(d.words, [d.tags[1]]) for d in planted()]  # the topic only
    model = Doc2Vec(**SMALL, dm_concat=True, window=2).fit(docs)
    assert model.syn1neg.shape == (len(model.wv), 16 * 5) and model.null_.shape == (1, 16)
    v = model.infer_vector(docs[1].words)
    assert model.dv.most_similar([v], topn=1)[0][0] == "topic1"
    with pytest.raises(CorpusError, match="document 0 has 2 tags; dm_concat=True needs exactly one"):
        Doc2Vec(**SMALL, dm_concat=True).fit(planted())


def test_inference_is_deterministic_and_batch_equals_single():
    model = Doc2Vec(**SMALL, dm=False).fit(planted())
    docs = [d.words for d in planted(seed=9)[:12]]
    one = model.infer_vector(docs[3])
    assert np.array_equal(one, model.infer_vector(docs[3]))
    batch = model.infer_vectors(docs, workers=2)
    assert np.array_equal(batch[3], one)
    assert not np.array_equal(model.infer_vector(docs[3], seed=7), one)
    # an inferred document lands next to its own topic
    assert model.dv.most_similar([one], topn=1)[0][0] in {f"topic{3 % 4}"} | {f"doc{i}" for i in range(3, 240, 4)}
    # words are standardised as in training; a string is text; unknown words are dropped
    assert np.array_equal(model.infer_vector(" ".join(docs[3]).upper()), one)
    assert np.array_equal(model.infer_vector(docs[3] + ["neverseen"]), one)


def test_self_similarity_of_training_documents():
    docs = planted()
    model = Doc2Vec(**dict(SMALL, epochs=30), dm=False).fit(docs)
    inferred = model.infer_vectors([d.words for d in docs[:60]])
    ranks = [[k for k, _ in model.dv.most_similar([inferred[i]], topn=len(model.dv))].index(f"doc{i}")
             for i in range(60)]
    # the doc's own tag among the few nearest (topic tags and same-topic docs are close too)
    assert np.mean(np.asarray(ranks) < 5) >= 0.6


def test_tags_are_dense_shared_and_of_any_type(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("1000000000\tapple banana apple\nalice bob\tcherry apple banana\nuntagged apple cherry\n"
                    "alice\tbanana banana apple\n", encoding="utf-8")
    model = Doc2Vec(**SMALL).fit(path)
    assert model.dv.index_to_key == ["1000000000", "alice", "bob", 2]
    assert model.dv.vectors.shape == (4, 16)
    assert model.dv.counts.tolist() == [1, 2, 1, 1]  # alice tags two documents
    docs = [TaggedDocument(["a", "b"], [10**9]), TaggedDocument(["b", "a"], ["x", 10**9])]
    model = Doc2Vec(**SMALL).fit(docs)
    assert model.dv.index_to_key == [10**9, "x"] and model.dv.vectors.shape == (2, 16)


def test_long_documents_are_never_truncated():
    rng = np.random.default_rng(1)
    long_doc = [f"w{i}" for i in rng.integers(0, 500, 100_000)]
    docs = [TaggedDocument(long_doc, ["long"]), TaggedDocument(long_doc[:50], ["short"])]
    model = Doc2Vec(**dict(SMALL, epochs=1), max_sentence_length=1000, sample=0).fit(docs)
    assert model.encoded_.n_tokens == 100_050
    assert model.history_[0]["effective_words"] == 100_050
    # every sentence of the long document carries its tag
    assert (model.sent_doc_[:-1] == 0).all() and model.sent_doc_[-1] == 1 and len(model.sent_doc_) == 101


def test_reader_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("a\tone two\n\tthree four\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad.txt:2: no tag before the tab"):
        Doc2Vec(**SMALL).fit(bad)
    with pytest.raises(CorpusError, match="document 1: a tag must be a string or an integer"):
        Doc2Vec(**SMALL).fit([TaggedDocument(["a"], ["x"]), TaggedDocument(["b"], [1.5])])
    with pytest.raises(CorpusError, match="one-shot iterator"):
        DocumentCorpus(iter([["a"]]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(dm="yes"), "dm="), (dict(window=0), "window=0"), (dict(alpha=0), "alpha=0"),
    (dict(negative=0), "leave nothing to train"), (dict(epochs=0), "epochs=0"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        Doc2Vec(**kwargs)


def test_bad_inference_arguments():
    model = Doc2Vec(**SMALL).fit(planted(40))
    with pytest.raises(ParameterError, match="epochs=0"):
        model.infer_vector(["t0w1"], epochs=0)
    with pytest.raises(ParameterError, match="document 0 must be a list of str"):
        model.infer_vectors([[1, 2]])
    with pytest.raises(ParameterError, match="pass a list of documents"):
        model.infer_vectors("t0w1 t0w2")


@pytest.mark.parametrize("params", [dict(dm=False), dict(dm=True, hs=True), dict(dm=True, dm_concat=True, window=2)],
                         ids=["dbow", "dm-hs", "dm-concat"])
def test_save_load_mmap_and_inference_match(tmp_path, params):
    docs = planted(80) if not params.get("dm_concat") else [TaggedDocument(d.words, [d.tags[0]]) for d in planted(80)]
    model = Doc2Vec(**SMALL, **params).fit(docs)
    model.save(tmp_path / "m")
    for mmap in (False, True):
        loaded = Doc2Vec.load(tmp_path / "m", mmap=mmap)
        assert loaded.dv.index_to_key == model.dv.index_to_key
        assert np.array_equal(loaded.dv.vectors, model.dv.vectors)
        assert isinstance(loaded.dv.vectors, np.memmap) == mmap
        assert np.array_equal(loaded.infer_vector(docs[0].words), model.infer_vector(docs[0].words))
    assert not loaded.wv.vectors.flags.writeable  # inference mapped its own copy-on-write view


def test_loading_checks_the_tags_file(tmp_path):
    model = Doc2Vec(**SMALL).fit(planted(20))
    model.save(tmp_path / "m")
    tags = tmp_path / "m" / "tags.tsv"
    lines = tags.read_text(encoding="utf-8").splitlines()
    tags.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"tags.tsv: 23 tags but config.json says n_tags=24"):
        Doc2Vec.load(tmp_path / "m")
    tags.write_text("\n".join(lines[:-1] + [lines[0]]) + "\n", encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"tags.tsv:24: duplicate tag 'doc0'"):
        Doc2Vec.load(tmp_path / "m")
    tags.write_text("\n".join(lines[:-1] + ["i\tnot-a-number\t1"]) + "\n", encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"tags.tsv:24: expected 'KIND<TAB>tag<TAB>count'"):
        Doc2Vec.load(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    cfg["n_tags"] = 10**12
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelFormatError, match=r"dv.npy: shape \(24, 16\) does not match"):
        Doc2Vec.load(tmp_path / "m")


def test_interrupt_and_resume_exactly(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("".join(f"{' '.join(d.tags)}\t{' '.join(d.words)}\n" for d in planted()), encoding="utf-8")
    params = dict(SMALL, epochs=3, batch_words=500)
    reference = Doc2Vec(**params).fit(path)
    model = Doc2Vec(**params, report_seconds=1e-9)
    total = reference.encoded_.n_tokens * 3
    with pytest.raises(TrainingInterrupted):
        model.fit(path, callbacks=[CheckpointCallback(tmp_path / "m", every_words=2000), StopAfter(total // 2)])
    save_checkpoint(model, tmp_path / "m")
    resumed = resume(tmp_path / "m")
    assert isinstance(resumed, Doc2Vec) and 0 < resumed.progress_start_ < total
    resumed.train()
    assert np.array_equal(resumed.dv.vectors, reference.dv.vectors)
    assert np.array_equal(resumed.wv.vectors, reference.wv.vectors)
    # a corpus whose tags changed cannot be resumed into
    path.write_text(path.read_text(encoding="utf-8").replace("doc0 ", "docX ", 1), encoding="utf-8")
    with pytest.raises(Exception, match="cannot resume"):
        resume(tmp_path / "m")


def test_params_roundtrip_like_scikit_learn():
    model = Doc2Vec(dm=False, vector_size=8)
    assert model.get_params()["dm"] is False
    model.set_params(window=3)
    assert model.window == 3
    with pytest.raises(ParameterError, match="not a parameter"):
        model.set_params(size=3)


def test_two_workers_train_and_agree_roughly():
    model = Doc2Vec(**dict(SMALL, workers=2), dm=False).fit(planted())
    assert topic_hits(model) >= 0.8


def test_lee_self_similarity():
    """gensim's tutorial check: a training document, inferred again, finds its own tag first."""
    lee = shared_file("gensim-test-data/lee_background.cor")
    docs = [TaggedDocument(line.split(), [i]) for i, line in enumerate(lee.read_text(encoding="latin-1").splitlines())]
    model = Doc2Vec(vector_size=50, min_count=2, epochs=40, dm=False, workers=2, seed=1).fit(docs)
    inferred = model.infer_vectors([d.words for d in docs])
    first = [model.dv.most_similar([inferred[i]], topn=1)[0][0] == i for i in range(len(docs))]
    assert np.mean(first) >= 0.95


def test_export_doc_vectors_to_c_format_and_projector(tmp_path):
    from wordvec.formats.projector import write_tsv
    from wordvec.text.documents import document_snippets

    path = tmp_path / "c.txt"
    path.write_text("a b\tapple banana cherry\nuntagged: Apple pie\nb\tbanana split\n", encoding="utf-8")
    model = Doc2Vec(**SMALL).fit(path)
    snippets = document_snippets(DocumentCorpus(path), n_words=2)
    assert snippets == {"a": "apple banana", "b": "apple banana", 1: "untagged apple"}
    keys = model.dv.index_to_key
    write_tsv(tmp_path / "p", keys, model.dv.vectors, key_label="tag",
              columns={"words": [snippets.get(k, "") for k in keys]})
    meta = (tmp_path / "p" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert meta == ["tag\twords", "a\tapple banana", "b\tapple banana", "1\tuntagged apple"]
    model.dv.save_word2vec_format(tmp_path / "dv.txt")
    assert (tmp_path / "dv.txt").read_text().splitlines()[0] == "3 16"
