"""Phrases: scores by hand, connector words, bounded pruning, gensim's exact set, the table
file, joining while streaming (across block cuts), levels, the CLI."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import run_cli
from wordvec import Word2Vec
from wordvec.errors import ModelFormatError, ParameterError
from wordvec.text import corpus as corpus_module
from wordvec.text.corpus import SENTENCE_END, Corpus
from wordvec.text.phrases import Phrases, phrase_scores


def word2phrase_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """gensim's default scorer multiplies by its vocabulary size; word2phrase's by the corpus
    size: this one, given to gensim, compares like with like."""
    return (bigram_count - min_count) / (worda_count * wordb_count) * corpus_word_count


def planted(n=3000, seed=0):
    """Random words with "new york" and "bank of america" planted in them."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(200)]
    out = []
    for _ in range(n):
        s = list(rng.choice(words, 12))
        k = int(rng.integers(3, 10))
        s[k:k + 2] = ["new", "york"]
        if rng.random() < 0.3:
            s[0:3] = ["bank", "of", "america"]
        out.append(s)
    return out


def test_scores_by_hand():
    # word2phrase: (cab - min_count) / (ca * cb) * total
    assert phrase_scores("word2phrase", np.array([10.0]), np.array([20.0]), np.array([8.0]), 5, 1000)[0] == \
        pytest.approx((8 - 5) / (10 * 20) * 1000)
    # npmi: log(p(ab) / (p(a) p(b))) / -log(p(ab)); below min_count: -inf
    pa, pb, pab = 10 / 1000, 20 / 1000, 8 / 1000
    got = phrase_scores("npmi", np.array([10.0, 10.0]), np.array([20.0, 20.0]), np.array([8.0, 4.0]), 5, 1000)
    assert got[0] == pytest.approx(math.log(pab / (pa * pb)) / -math.log(pab)) and got[1] == -np.inf
    # always a phrase: a pair seen only together scores npmi 1
    assert phrase_scores("npmi", np.array([7.0]), np.array([7.0]), np.array([7.0]), 1, 100)[0] == pytest.approx(1.0)


def test_learns_planted_phrases_with_connectors_inside_only():
    p = Phrases(min_count=5, threshold=10).fit(planted())
    found = {p.words for p in p.phrases_}
    assert ("new", "york") in found and ("bank", "of", "america") in found
    assert all(w[0] not in p.connector_words and w[-1] not in p.connector_words for w in found)
    ny = next(x for x in p.phrases_ if x.words == ("new", "york"))
    assert ny.count == 3000 and ny.level == 1
    assert p["we met in new york at the bank of america".split()] == \
        ["we", "met", "in", "new_york", "at", "the", "bank_of_america"]
    npmi = Phrases(min_count=5, threshold=0.5, scoring="npmi").fit(planted())
    assert ("new", "york") in {x.words for x in npmi.phrases_}
    assert all(-1 <= x.score <= 1 for x in npmi.phrases_)


def test_overlapping_pairs_join_the_higher_scoring_and_always_the_same():
    p = Phrases(min_count=1, threshold=0.0, connector_words=())
    from wordvec.text.phrases import Phrase

    p.phrases_ = [Phrase(1, ("a", "b"), 5, 10.0), Phrase(1, ("b", "c"), 5, 20.0), Phrase(1, ("c", "d"), 5, 1.0)]
    assert p["a b c d".split()] == ["a", "b_c", "d"]  # b_c beats a_b; c is taken, so no c_d
    assert p["x a b".split()] == ["x", "a_b"]
    assert p["c d a b".split()] == ["c_d", "a_b"]
    assert all(p["a b c d a b".split()] == ["a", "b_c", "d", "a_b"] for _ in range(3))


def test_levels_learn_phrases_of_phrases():
    rng = np.random.default_rng(1)
    sents = []
    for n in range(2000):
        s = [f"w{i}" for i in rng.integers(0, 2000, 10)]
        if n % 2:
            s[2:5] = ["new", "york", "times"]
        sents.append(s)
    one = Phrases(min_count=5, threshold=10, levels=1).fit(sents)
    two = Phrases(min_count=5, threshold=10, levels=2).fit(sents)
    assert one["read the new york times".split()][-1] in ("new_york", "york_times", "times")
    assert "new_york_times" in two["read the new york times".split()]
    assert {x.level for x in two.phrases_} == {1, 2}


def test_pruning_keeps_memory_bounded_and_frequent_phrases():
    rng = np.random.default_rng(2)
    sents = []
    for _ in range(4000):  # thousands of distinct rare pairs, one frequent phrase
        s = [f"r{i}" for i in rng.integers(0, 5000, 10)]
        s[4:6] = ["new", "york"]
        sents.append(s)
    p = Phrases(min_count=5, threshold=1, max_vocab_size=1000).fit(sents)
    assert p.pruned_ > 1000
    assert ("new", "york") in {x.words for x in p.phrases_}


def test_the_same_set_as_gensim_without_pruning():
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    sents = planted(2000, seed=3)
    for s in sents[::7]:
        s[-3:] = ["air", "canada", "flight"]

    ours = Phrases(min_count=3, threshold=2, standardize="none").fit(sents)
    g = gensim_phrases.Phrases(sents, min_count=3, threshold=2, scoring=word2phrase_scorer,
                               connector_words=gensim_phrases.ENGLISH_CONNECTOR_WORDS, max_vocab_size=10**9)
    theirs = {tuple(k.split("_")) for k in g.freeze().phrasegrams}
    assert {x.words for x in ours.phrases_} == theirs and len(theirs) > 3


def test_table_round_trips_and_bad_tables_name_the_line(tmp_path):
    p = Phrases(min_count=5, threshold=10, levels=2).fit(planted())
    p.save(tmp_path / "t.tsv")
    q = Phrases.load(tmp_path / "t.tsv")
    assert q.phrases_ == p.phrases_ and q.get_params() == {**p.get_params(), "threshold": 10.0}
    lines = (tmp_path / "t.tsv").read_text().splitlines()
    assert lines[1] == "level\tphrase\tcount\tscore\twords" and "1\tnew_york\t3000\t" in (tmp_path / "t.tsv").read_text()
    assert [float(x.split("\t")[3]) for x in lines[2:] if x.startswith("1")] == sorted(
        (float(x.split("\t")[3]) for x in lines[2:] if x.startswith("1")), reverse=True)
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join(lines[:3] + ["1\tx_y\tmany\t3.0\tx y"]) + "\n")
    with pytest.raises(ModelFormatError, match=r"bad.tsv:4: expected LEVEL"):
        Phrases.load(bad)
    bad.write_text("phrase\tcount\n")
    with pytest.raises(ModelFormatError, match=r"bad.tsv:1: not a wordvec phrase table"):
        Phrases.load(bad)
    with pytest.raises(ModelFormatError, match="no such phrase table"):
        Phrases.load(tmp_path / "missing.tsv")


def test_joining_while_streaming_loses_nothing_at_block_cuts(tmp_path, monkeypatch):
    table = Phrases(min_count=5, threshold=10).fit(planted())
    table.save(tmp_path / "t.tsv")
    lines = [" ".join(s) for s in planted(200, seed=4)]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    expected = [t for line in lines for t in table[line.split()] + ["\x00"]] + ["\x00"]
    for block in (50, 333, 1 << 20):
        monkeypatch.setattr(corpus_module, "BLOCK_BYTES", block)
        got = [t.decode() for b in Corpus(path, tokenizer="phrases:" + str(tmp_path / "t.tsv")).token_blocks()
               for t in b]
        assert got == expected


def test_models_train_on_phrases_and_record_the_table(tmp_path):
    table = Phrases(min_count=5, threshold=10).fit(planted())
    with pytest.raises(ParameterError, match="save the phrase table first"):
        Word2Vec(min_count=1, epochs=1, workers=1, tokenizer=table).fit(planted(50))
    table.save(tmp_path / "t.tsv")
    model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, tokenizer=table).fit(planted(300))
    assert "new_york" in model.wv and "new" not in model.wv
    model.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["params"]["tokenizer"] == f"phrases:{(tmp_path / 't.tsv').resolve()}"
    (tmp_path / "t.tsv").unlink()
    assert Word2Vec.load(tmp_path / "m").wv.vectors.shape[1] == 8  # loads without its table


def test_cli_learns_and_trains_with_phrases(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted(1000)) + "\n")
    assert run_cli(["phrases", str(corpus), "-o", str(tmp_path / "t.tsv"), "--threshold", "10", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["phrases"] >= 2 and summary["pruned"] == 0
    assert run_cli(["train", str(corpus), "-o", str(tmp_path / "m"), "--phrases", str(tmp_path / "t.tsv"),
                    "--dim", "8", "--min-count", "1", "--epochs", "1", "-q"]) == 0
    assert "bank_of_america" in Word2Vec.load(tmp_path / "m").wv
    assert run_cli(["phrases", str(corpus), "-o", str(tmp_path / "n.tsv"), "--scoring", "npmi", "--threshold", "2"]) == 2
    assert "threshold=2.0 is invalid" in capsys.readouterr().err
    assert run_cli(["train", str(corpus), "-o", str(tmp_path / "m2"), "--phrases", str(tmp_path / "none.tsv")]) == 2
    assert "none.tsv: no such phrase table" in capsys.readouterr().err
    assert not (tmp_path / "m2").exists()
