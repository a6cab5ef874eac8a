"""WordCounter (Numba) gives exactly the dict counter's ids and counts, tells long words
with one prefix apart, grows, prunes and looks up."""
from __future__ import annotations

import numpy as np
import pytest

from wordvec.vocab.vocabulary import _Counter
from wordvec.vocab.wordcount import WordCounter


def _both(blocks):
    wc, dc = WordCounter(), _Counter()
    a = [wc.add(b) for b in blocks]
    r = [dc.add(b.replace(b"\n", b" \x00 ").split()) for b in blocks]
    return wc, dc, a, r


def test_same_ids_and_counts_as_the_dict_counter():
    rng = np.random.default_rng(0)
    vocab = [("w%d" % i).encode() * int(rng.integers(1, 4)) for i in range(5000)]
    vocab += [b"internationalisation", b"internationalization", b"internationalisations", b"\xc3\xa9t\xc3\xa9"]
    blocks = []
    for _ in range(30):  # enough distinct words that the table grows several times
        words = rng.choice(len(vocab), 2000)
        text = b" ".join(vocab[w] + (b"\n" if rng.random() < 0.05 else b"") for w in words)
        blocks.append(text + b"\t\r\x0b\x0c \n")
    wc, dc, a, r = _both(blocks)
    assert all(np.array_equal(x, y) for x, y in zip(a, r))
    n = len(dc.ids)
    assert len(wc) == n and np.array_equal(wc.counts, dc.counts[:n])
    assert wc.words()[1:] == list(dc.ids)[1:]
    assert wc.id_of(b"internationalization") == dc.ids[b"internationalization"]
    assert wc.id_of(b"internationalisationX") == -1 and wc.id_of(b"") == -1 and wc.id_of(b"a b") == -1


def test_prune_forgets_the_rarest_and_remaps():
    wc = WordCounter()
    wc.add(b"a a a b b c d e\nf a b\n")
    remap = wc.prune(2)  # counts: a 4, b 3, c d e f 1
    assert len(wc) - 1 <= 2 and wc.pruned_words == 4
    words = wc.words()
    assert words[1:] == [b"a", b"b"] and remap[1] == 1 and remap[2] == 2 and (remap[3:] == -1).all()
    assert wc.add(b"a z\n").tolist() == [1, 3, 0] and wc.words()[3] == b"z"


class _TokensOnly:
    """A corpus offering token blocks only: build_vocabulary then takes the dict counter."""

    def __init__(self, corpus):
        self.name, self._corpus = corpus.name, corpus

    def token_blocks(self):
        return self._corpus.token_blocks()


@pytest.mark.parametrize("tokenizer", [None, "kmer:2", "dna2vec:1-3"])
def test_build_vocabulary_is_the_same_on_either_counter(tmp_path, tokenizer):
    """The fast path (WordCounter on the bytes) and the token path (_Counter) choose the same
    vocabulary and write the same ids, with and without pruning."""
    import io

    from wordvec.text.corpus import Corpus
    from wordvec.vocab import vocabulary

    rng = np.random.default_rng(1)
    path = tmp_path / "c.txt"
    if tokenizer is None:
        path.write_text("\n".join(" ".join(f"w{int(x)}" for x in rng.zipf(1.3, 30) % 3000) for _ in range(2000)) + "\n")
    else:
        path.write_text(">r1\n" + "\n".join("".join(rng.choice(list("ACGTN"), 70)) for _ in range(300)) + "\n")
    for max_vocab in (None, 500):
        results = []
        for fast in (True, False):
            corpus = Corpus(path, tokenizer=tokenizer)
            raw = io.BytesIO()
            vocab, remap = vocabulary.build_vocabulary(corpus if fast else _TokensOnly(corpus), 2, max_vocab, None,
                                                       raw_ids=raw)
            results.append((vocab.words, vocab.counts.tolist(), vocab.raw_words, None if remap is None else remap.tolist(),
                            raw.getvalue() if remap is not None else b""))
        assert results[0] == results[1]


def test_decoded_is_the_words_bytes_decoded():
    """``decoded`` (straight from the arena, for the vocabulary) gives what decoding each
    word's bytes gives, bad UTF-8 included."""
    rng = np.random.default_rng(3)
    alphabet = np.array([ord(c) for c in "ab\xe9"] + [0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xFF, 0x80])
    text = b" ".join(bytes(rng.choice(alphabet, rng.integers(1, 7)).tolist()) for _ in range(3000)) + b"\n"
    counter = WordCounter()
    counter.add(text)
    ids = np.random.default_rng(4).permutation(len(counter))[:2000]
    words = counter.words()
    assert counter.decoded(ids) == [words[i].decode("utf-8", "replace") for i in ids]
    assert any("\ufffd" in w for w in counter.decoded(ids))
