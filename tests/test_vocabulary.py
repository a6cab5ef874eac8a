from collections import Counter

import numpy as np
import pytest

from wordvec.text.corpus import Corpus
from wordvec.vocab.encoding import encode_id_stream
from wordvec.errors import CorpusError
from wordvec.vocab.vocabulary import build_vocabulary, encode_tokens


def make_corpus(tmp_path, seed=0, n=4000):
    rng = np.random.default_rng(seed)
    ranks = rng.zipf(1.4, size=n * 8) % 3000
    words = [f"w{r}" for r in ranks]
    lines = [" ".join(words[i : i + 8]) for i in range(0, len(words), 8)]
    p = tmp_path / "zipf.txt"
    p.write_text("\n".join(lines) + "\n")
    return p, Counter(words), lines


def test_counts_min_count_and_order(tmp_path):
    p, truth, _ = make_corpus(tmp_path)
    vocab, remap = build_vocabulary(Corpus(p), min_count=3)
    assert remap is None  # no scratch stream asked for
    expected = {w: c for w, c in truth.items() if c >= 3}
    assert dict(zip(vocab.words, vocab.counts.tolist())) == expected
    assert np.all(np.diff(vocab.counts) <= 0)
    assert vocab.raw_words == sum(truth.values())
    assert vocab.unique_words == len(truth)


def test_max_final_vocab_as_gensim(tmp_path):
    p, truth, _ = make_corpus(tmp_path)
    vocab, _ = build_vocabulary(Corpus(p), min_count=1, max_final_vocab=100)
    counts = sorted(truth.values(), reverse=True)
    assert len(vocab) <= 100
    assert vocab.min_count == counts[100] + 1
    assert len(vocab) == sum(c >= counts[100] + 1 for c in counts)


def test_pruning_bounds_the_dictionary_and_encoding_stays_exact(tmp_path):
    p, truth, lines = make_corpus(tmp_path)
    with open(tmp_path / "ids", "wb") as raw:
        vocab, remap = build_vocabulary(Corpus(p), min_count=5, max_vocab_size=200, raw_ids=raw)
    assert remap is None  # pruning happened: a second, exact pass is needed
    top = [w for w, c in truth.most_common(20)]
    assert all(w in vocab.index for w in top)
    with open(tmp_path / "ids", "wb") as raw:
        encode_tokens(vocab, Corpus(p), raw)
    enc = encode_id_stream(tmp_path / "ids", None, tmp_path / "enc")
    tokens = np.fromfile(enc.tokens_path, dtype=np.int32)
    expected = [vocab.index[w] for line in lines for w in line.split() if w in vocab.index]
    assert tokens.tolist() == expected


def test_a_model_keeps_one_dict_of_its_vocabulary(tmp_path):
    """The word -> row dict is the vectors' key_to_index alone: Vocabulary.index is built
    only when asked for (at 2M words a second dict is 112 MiB of peak memory)."""
    from wordvec import Word2Vec

    p, truth, _ = make_corpus(tmp_path)
    model = Word2Vec(vector_size=8, min_count=2, epochs=1, workers=1).fit(str(p))
    assert "index" not in vars(model.vocab_)
    assert model.vocab_.index == model.wv.key_to_index  # still there when asked for
    assert "index" in vars(model.vocab_)
    with open(tmp_path / "ids", "wb") as raw:  # pruning's exact re-encoding does not build it
        vocab, _ = build_vocabulary(Corpus(p), min_count=5, max_vocab_size=200, raw_ids=raw)
        encode_tokens(vocab, Corpus(p), raw)
    assert "index" not in vars(vocab)


def test_encoding_drops_oov_and_splits_long_sentences(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b rare a\n\nb a " + "a " * 25 + "\nrare2\nb\n")
    with open(tmp_path / "ids", "wb") as raw:
        vocab, remap = build_vocabulary(Corpus(p), min_count=2, raw_ids=raw)
    enc = encode_id_stream(tmp_path / "ids", remap, tmp_path / "enc", max_sentence_length=10)
    tokens = np.fromfile(enc.tokens_path, dtype=np.int32)
    words = [vocab.words[t] for t in tokens]
    offsets = enc.offsets
    sents = [words[offsets[i] : offsets[i + 1]] for i in range(enc.n_sentences)]
    assert sents[0] == ["a", "b", "a"]
    long = ["b", "a"] + ["a"] * 25
    assert sents[1:4] == [long[0:10], long[10:20], long[20:27]]  # chunked, nothing lost
    assert sents[4] == ["b"]  # "rare2" alone vanished, with no empty sentence
    assert enc.n_sentences == 5
    jobs = enc.jobs(batch_words=10)
    assert jobs[0, 0] == 0 and jobs[-1, 1] == enc.n_sentences
    assert np.all(jobs[1:, 0] == jobs[:-1, 1])


def test_empty_and_too_rare(tmp_path):
    e = tmp_path / "empty.txt"
    e.write_text("  \n\n\t\n")
    with pytest.raises(CorpusError, match="empty"):
        build_vocabulary(Corpus(e), min_count=1)
    r = tmp_path / "rare.txt"
    r.write_text("a b c\n")
    with pytest.raises(CorpusError, match="min_count=5"):
        build_vocabulary(Corpus(r), min_count=5)


def test_encoding_streams_line_ends_and_offsets_across_chunks(tmp_path, monkeypatch):
    """Line ends and sentence offsets are written chunk by chunk: the files equal np.save's
    of the whole arrays (empty lines dropped, long lines split, chunk edges anywhere), and
    the fingerprint is the CRC of the tokens then the line ends."""
    import zlib

    from wordvec.vocab import encoding
    from wordvec.vocab.vocabulary import MARKER, OOV_ID

    rng = np.random.default_rng(3)
    parts = []
    for _ in range(300):  # lines of 0..40 tokens, some OOV, a few long ones
        n = int(rng.choice([0, 0, 3, 17, 40, 95]))
        parts.append(rng.integers(-1, 9, n).astype(np.int32))
        parts.append(np.array([MARKER], np.int32))
    stream = np.concatenate(parts)
    ids_path = tmp_path / "ids.i32"
    stream.tofile(ids_path)
    monkeypatch.setattr(encoding, "CHUNK_IDS", 37)
    enc = encoding.encode_id_stream(ids_path, None, tmp_path / "out", max_sentence_length=30)

    kept = stream[stream != OOV_ID]
    tokens = kept[kept != MARKER]
    line_ends = np.concatenate([[0], np.cumsum(kept != MARKER)[kept == MARKER]]).astype(np.int64)
    bounds = np.unique(np.append(line_ends, tokens.size))
    offsets = encoding._split_long(bounds, 30)
    assert np.array_equal(np.fromfile(enc.tokens_path, np.int32), tokens)
    for path, want in ((enc.lines_path, line_ends), (enc.offsets_path, offsets)):
        np.save(tmp_path / "want.npy", want)
        assert path.read_bytes() == (tmp_path / "want.npy").read_bytes()
    assert enc.n_sentences == offsets.size - 1 and np.diff(offsets).max() <= 30 and np.diff(offsets).min() > 0
    assert enc.crc == zlib.crc32(line_ends.tobytes(), zlib.crc32(tokens.tobytes()))
