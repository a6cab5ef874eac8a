"""fastText: hashing and n-grams as Facebook's tool, its .bin/.vec files, training with
subwords (planted structure, unseen words), max_n=0 as word2vec bit for bit, save/load,
bad files, the CLI."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from conftest import group_purity, planted_sentences, run_cli, shared_file
from wordvec.errors import ModelFormatError, ParameterError
from wordvec.formats.fasttext import read_fasttext_bin, write_fasttext_bin
from wordvec.formats.word2vec import read_word2vec
from wordvec.kernels.fasttext import ft_hash
from wordvec.models.fasttext import FastText
from wordvec.models.word2vec import Word2Vec
from wordvec.vectors.fasttext import FastTextKeyedVectors, load_word_vectors, ngram_rows

DATA = "gensim-test-data/"


def _hash(s: str) -> int:
    b = np.frombuffer(s.encode(), np.uint8)
    return int(ft_hash(b, 0, len(b)))


def _read_fb_ngrams(path):
    """{word: [(ngram, vector)]} from fastText's print-ngrams output (fb-ngrams.txt)."""
    out, lines = {}, path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines) and lines[i] == "<start>":
        word = lines[i + 1]
        i += 3  # the word, then its own line (zeros: print-ngrams on a word it has not seen)
        grams = []
        while lines[i] != "<end>":
            cols = lines[i].rstrip("\n").split(" ")
            if cols[-1] == "":
                cols = cols[:-1]
            grams.append((" ".join(cols[:-5]), np.array(cols[-5:], np.float32)))
            i += 1
        out[word] = grams
        i += 1
    return out


def test_hash_is_fnv1a_with_signed_bytes():
    assert _hash("") == 2166136261
    assert _hash("a") == 0xE40C292C  # FNV-1a of one ASCII byte
    # A byte >= 0x80 is sign-extended before the xor (fastText's int8 -> uint32), unlike plain FNV-1a.
    h = 2166136261
    for byte in "é".encode():
        h = ((h ^ (byte | 0xFFFFFF00)) * 16777619) & 0xFFFFFFFF
    assert _hash("é") == h


def test_ngrams_and_vectors_match_fasttext():
    fb = _read_fb_ngrams(shared_file(DATA + "fb-ngrams.txt"))
    wv = load_word_vectors(shared_file(DATA + "crime-and-punishment.bin"))
    assert (wv.min_n, wv.max_n) == (3, 6)
    checked = 0
    for word, grams in fb.items():
        if "\n" in word or not grams:
            continue
        rows = ngram_rows([word], 3, 6, wv.bucket)[1]
        assert len(rows) == len(grams), word
        for (gram, vec), row in zip(grams, rows):  # fastText prints them in the order it computes them
            assert row == _hash(gram) % wv.bucket, (word, gram)
            np.testing.assert_allclose(wv.vectors_ngrams[row], vec, atol=1e-4, rtol=1e-3)
        oov = np.mean([v for _, v in grams], axis=0)
        if word not in wv.key_to_index:
            np.testing.assert_allclose(wv[word], oov, atol=1e-4)
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("name", ["lee_fasttext", "crime-and-punishment"])
def test_bin_vectors_equal_vec(name):
    wv = load_word_vectors(shared_file(DATA + name + ".bin"))
    keys, vecs = read_word2vec(shared_file(DATA + name + ".vec"))
    assert isinstance(wv, FastTextKeyedVectors) and len(wv) == len(keys)
    np.testing.assert_allclose(wv[keys], vecs, atol=1e-4)  # .vec holds 5 significant digits
    assert "thisisnotawordatall" in wv and "thisisnotawordatall" not in wv.key_to_index
    assert wv.most_similar("thisisnotawordatall", topn=3)


def test_gensim_reads_what_we_write(tmp_path):
    gensim_ft = pytest.importorskip("gensim.models.fasttext")
    sents, vocab = planted_sentences(sentences=400)
    m = FastText(vector_size=12, min_count=1, sg=True, epochs=1, workers=1, bucket=3000).fit(sents)
    m.save_facebook_model(tmp_path / "m.bin")
    g = gensim_ft.load_facebook_model(str(tmp_path / "m.bin"))
    words = m.wv.index_to_key
    np.testing.assert_allclose(g.wv[words], m.wv[words], atol=1e-6)
    for oov in ("g1w3x", "zzqq"):
        np.testing.assert_allclose(g.wv[oov], m.wv[oov], atol=1e-6)
    back = read_fasttext_bin(tmp_path / "m.bin")
    assert back["words"] == words and back["bucket"] == 3000 and back["model"] == 2
    np.testing.assert_array_equal(back["vectors_ngrams"], m.wv.vectors_ngrams)
    np.testing.assert_array_equal(back["output"], m.syn1neg)


def test_planted_structure_and_unseen_words():
    sents, vocab = planted_sentences(sentences=2000)
    m = FastText(vector_size=24, window=3, min_count=1, sg=True, epochs=4, workers=1, bucket=20000, seed=2).fit(sents)
    assert group_purity(m.wv, vocab) >= 0.9
    # g2w5s: unseen, but its n-grams "<g2", "g2w", "2w5", "w5" are the family's.
    hits = 0
    for g in range(len(vocab)):
        oov = f"g{g}w{len(vocab[g]) - 1}s"
        assert oov in m.wv and oov not in m.wv.key_to_index
        best = m.wv.most_similar(oov, topn=1)[0][0]
        hits += best in vocab[g]
    assert hits >= len(vocab) - 1
    with pytest.raises(KeyError):
        m.wv[""]  # "<>": no n-gram of 3 characters
    assert "" not in m.wv


@pytest.mark.parametrize("sg", [True, False])
def test_max_n_0_is_word2vec_bit_for_bit(sg):
    sents, _ = planted_sentences(sentences=500)
    kw = dict(vector_size=16, window=3, min_count=1, sg=sg, epochs=2, workers=1, seed=5, alpha=0.025, hs=True)
    a = Word2Vec(**kw).fit(sents)
    b = FastText(max_n=0, **kw).fit(sents)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    np.testing.assert_array_equal(a.syn1, b.syn1)
    assert [h["loss"] for h in a.history_] == [h["loss"] for h in b.history_]


def test_deterministic_one_worker():
    sents, _ = planted_sentences(sentences=300)
    kw = dict(vector_size=8, min_count=1, epochs=1, workers=1, bucket=2000)
    np.testing.assert_array_equal(FastText(**kw).fit(sents).wv.vectors, FastText(**kw).fit(sents).wv.vectors)


def test_save_load_mmap(tmp_path):
    sents, _ = planted_sentences(sentences=300)
    m = FastText(vector_size=8, min_count=1, epochs=1, workers=1, bucket=2000).fit(sents)
    m.save(tmp_path / "m")
    for mmap in (False, True):
        back = FastText.load(tmp_path / "m", mmap=mmap)
        assert isinstance(back.wv, FastTextKeyedVectors) and back.bucket == 2000
        np.testing.assert_array_equal(back.wv.vectors, m.wv.vectors)
        np.testing.assert_array_equal(back.wv["unseenword"], m.wv["unseenword"])
        assert isinstance(back.wv.vectors_ngrams, np.memmap) == mmap
    wv = load_word_vectors(tmp_path / "m", mmap=True)
    assert isinstance(wv.vectors_ngrams, np.memmap)
    np.testing.assert_array_equal(wv["unseenword"], m.wv["unseenword"])


def test_interrupt_and_resume_exactly(tmp_path):
    from conftest import StopAfter
    from wordvec.train.checkpoint import CheckpointCallback, resume, save_checkpoint
    from wordvec.train.runner import TrainingInterrupted

    sents, _ = planted_sentences(sentences=600)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in sents) + "\n")
    kw = dict(vector_size=8, min_count=1, epochs=3, workers=1, bucket=2000, batch_words=500, sg=True)
    reference = FastText(**kw).fit(path)
    model = FastText(**kw, report_seconds=1e-9)
    total = reference.encoded_.n_tokens * 3
    with pytest.raises(TrainingInterrupted):
        model.fit(path, callbacks=[CheckpointCallback(tmp_path / "m", every_words=2000), StopAfter(total // 2)])
    save_checkpoint(model, tmp_path / "m")
    resumed = resume(tmp_path / "m")
    assert isinstance(resumed, FastText) and 0 < resumed.progress_start_ < total
    resumed.train()
    np.testing.assert_array_equal(resumed.wv.vectors_ngrams, reference.wv.vectors_ngrams)
    np.testing.assert_array_equal(resumed.wv.vectors, reference.wv.vectors)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="min_n"):
        FastText(min_n=7, max_n=6)
    with pytest.raises(ParameterError, match="bucket"):
        FastText(bucket=0)


def _bin(tmp_path):
    sents, _ = planted_sentences(sentences=100)
    m = FastText(vector_size=4, min_count=1, epochs=1, workers=1, bucket=50).fit(sents)
    m.save_facebook_model(tmp_path / "ok.bin")
    return (tmp_path / "ok.bin").read_bytes()


def test_bad_bin_files(tmp_path):
    data = _bin(tmp_path)
    m = read_fasttext_bin(tmp_path / "ok.bin")
    # where the input matrix starts: its quant flag, then int64 rows and cols
    quant_at = len(data) - (m["output"].nbytes + 17) - (m["vectors_vocab"].nbytes + m["vectors_ngrams"].nbytes + 17)
    assert data[quant_at] == 0 and struct.unpack_from("<q", data, quant_at + 1)[0] == len(m["words"]) + 50
    lie = lambda at, fmt, v: data[:at] + struct.pack(fmt, v) + data[at + struct.calcsize(fmt):]
    cases = {
        "truncated": (data[: len(data) - 7], "truncated"),
        "header": (data[:20], "too short"),
        "lying_rows": (lie(quant_at + 1, "<q", 10**15), "needs"),
        "lying_dict": (data[:64] + struct.pack("<3i", 2**30, 2**30, 0) + data[76:], "dictionary"),
        "magic": (b"\1\2\3\4" + data[4:], "magic"),
        "version": (lie(4, "<i", 99), "version"),
        "dim": (lie(8, "<i", 10**9), "dim"),
        "quantised": (data[:quant_at] + b"\1" + data[quant_at + 1:], "quantised"),
        "trailing": (data + b"x", "after the output"),
    }
    for name, (blob, why) in cases.items():
        p = tmp_path / f"{name}.bin"
        p.write_bytes(blob)
        with pytest.raises(ModelFormatError, match=why) as e:
            read_fasttext_bin(p)
        assert "\n" not in str(e.value) and str(p) in str(e.value)
    with pytest.raises(ModelFormatError, match="not a regular file"):
        read_fasttext_bin(tmp_path)


def test_write_refuses_mismatch(tmp_path):
    from wordvec.errors import WordvecError

    with pytest.raises(WordvecError):
        write_fasttext_bin(tmp_path / "x.bin", ["a"], [1], np.zeros((2, 3)), np.zeros((4, 3)))


def test_cli_train_query_export(tmp_path):
    sents, vocab = planted_sentences(sentences=600)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in sents) + "\n")
    model = tmp_path / "m"
    assert run_cli(["train", str(corpus), "-o", str(model), "--model", "fasttext", "--min-count", "1", "--epochs",
                    "2", "--dim", "16", "--bucket", "5000", "--min-n", "2", "--max-n", "4", "-q", "--workers",
                    "1"]) == 0
    m = FastText.load(model)
    assert (m.min_n, m.max_n, m.bucket, m.sg) == (2, 4, 5000, False)
    for args in (["similar", str(model), "g1w2zz"], ["analogy", str(model), "g1w1", "g1w2", "g2w1x"],
                 ["odd", str(model), "g1w1", "g1w2", "g3w9q"]):
        assert run_cli(args) == 0
    assert run_cli(["export", str(model), "--format", "fasttext-bin", "-o", str(tmp_path / "m.bin")]) == 0
    assert run_cli(["export", str(model), "--format", "fasttext-vec", "-o", str(tmp_path / "m.vec")]) == 0
    wv = load_word_vectors(tmp_path / "m.bin")
    keys, vecs = read_word2vec(tmp_path / "m.vec")
    np.testing.assert_allclose(wv[keys], vecs, atol=1e-6)
    np.testing.assert_allclose(wv["g1w2zz"], m.wv["g1w2zz"], atol=1e-6)
    assert run_cli(["similar", str(tmp_path / "m.bin"), "g1w2zz"]) == 0
    assert run_cli(["train", str(corpus), "-o", str(tmp_path / "w"), "--bucket", "10"]) != 0
