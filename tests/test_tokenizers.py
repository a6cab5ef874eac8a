"""The corpus reader's tokenizer hook: whitespace stays the default and unchanged, k-mers
lose nothing where the reader cuts its blocks, every model takes a tokenizer and records it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli
from wordvec import Word2Vec
from wordvec.errors import ParameterError
from wordvec.models.doc2vec import Doc2Vec
from wordvec.text import corpus as corpus_module
from wordvec.text.corpus import SENTENCE_END, Corpus
from wordvec.text.documents import DocumentCorpus, TaggedDocument
from wordvec.text import sequences
from wordvec.text.sequences import KmerTokenizer
from wordvec.text.tokenizers import Tokenizer, WhitespaceTokenizer, make_tokenizer

END = SENTENCE_END


def tokens(corpus) -> list[bytes]:
    return [t for block in corpus.token_blocks() for t in block]


def test_kmers_by_hand():
    tok = KmerTokenizer(3)
    # upper-cased; a piece split by a non-letter (space, digit...) is a sentence of its own
    assert tok.tokenize(b"acgta gg\ntttt\n") == [b"ACG", b"CGT", b"GTA", END, b"TTT", b"TTT", END]
    assert tok.tokens_of_line(b"acgt") == [b"ACG", b"CGT"]
    assert KmerTokenizer(1).tokenize(b"ab\n") == [b"A", b"B", END]


def test_whitespace_is_the_default_and_unchanged(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("The cat, sat.\n\nOn  the mat\n")
    default = tokens(Corpus(path))
    assert default == [b"the", b"cat", b"sat", END, END, b"on", b"the", b"mat", END, END]
    assert tokens(Corpus(path, tokenizer="whitespace")) == default
    assert isinstance(Corpus(path).tokenizer, WhitespaceTokenizer)
    # An iterable corpus goes through the tokenizer too, one sentence a line.
    assert tokens(Corpus(["acgt", ["gg", "ggg"]], tokenizer="kmer:2")) == [b"AC", b"CG", b"GT", END, b"GG", END, b"GG", b"GG", END]


@pytest.mark.parametrize("block", [7, 64, 1000])
def test_no_kmer_is_lost_or_made_twice_at_block_cuts(tmp_path, monkeypatch, block):
    """Small blocks and pieces stand in for 1 MiB ones: a line with no space is cut mid-sequence."""
    rng = np.random.default_rng(0)
    lines = ["".join(rng.choice(list("ACGT"), n)) for n in (3000, 5, 1, 250)]
    lines[1] += " " + "".join(rng.choice(list("ACGT"), 40))  # two sequences on one line
    path = tmp_path / "genome.txt"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", block)
    monkeypatch.setattr(sequences, "_PIECE", 3 * block)  # long lines in pieces, too
    got = tokens(Corpus(path, tokenizer="kmer:4"))
    expected = KmerTokenizer(4).tokenize(("\n".join(lines) + "\n").encode())
    assert got == expected


def test_a_line_with_no_whitespace_past_4_blocks_keeps_every_kmer(tmp_path, monkeypatch):
    """The reader itself cuts a space-free run once it passes 4 blocks; the tokenizer's carry
    makes the k-mers across that cut."""
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 100)
    monkeypatch.setattr(sequences, "_PIECE", 150)
    seq = "".join(np.random.default_rng(1).choice(list("ACGT"), 2000))
    path = tmp_path / "one_line.txt"
    path.write_text(seq)  # no newline at the end either
    got = tokens(Corpus(path, tokenizer=KmerTokenizer(5)))
    assert got == [seq[i : i + 5].encode() for i in range(len(seq) - 4)] + [END]


def test_a_custom_tokenizer_sees_whole_lines():
    class Bigrams(Tokenizer):
        spec, unit = "bigrams", "line"

        def tokenize(self, text):
            out = []
            for line in text.split(b"\n")[:-1]:
                words = line.split()
                out.extend(a + b"_" + b for a, b in zip(words, words[1:]))
                out.append(END)
            return out

    got = tokens(Corpus(["a b c", "d e"], tokenizer=Bigrams()))
    assert got == [b"a_b", b"b_c", END, b"d_e", END]


def test_documents_take_a_tokenizer_in_training_and_inference(tmp_path):
    docs = DocumentCorpus([TaggedDocument(["acgtt"], ["x"]), TaggedDocument("ggcc", ["y"])], tokenizer="kmer:3")
    assert tokens(docs) == [b"ACG", b"CGT", b"GTT", END, b"GGC", b"GCC", END]
    rng = np.random.default_rng(2)
    seqs = [TaggedDocument("".join(rng.choice(list("acgt"), 60)), [f"s{i}"]) for i in range(30)]
    model = Doc2Vec(vector_size=8, min_count=1, epochs=2, workers=1, dm=False, tokenizer="kmer:3").fit(seqs)
    assert len(model.wv) <= 64 and all(len(w) == 3 for w in model.wv.index_to_key)
    v = model.infer_vector(seqs[0][0])  # the sequence is cut into k-mers as in training
    assert np.isfinite(v).all() and np.abs(v).sum() > 0


def test_models_record_the_tokenizer_and_resume_with_it(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "seqs.txt"
    path.write_text("\n".join("".join(rng.choice(list("acgt"), 80)) for _ in range(50)) + "\n")
    model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, tokenizer=KmerTokenizer(3)).fit(path)
    assert set(model.wv.index_to_key) <= {a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT"}
    model.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["params"]["tokenizer"] == "kmer:3" and cfg["corpus"]["tokenizer"] == "kmer:3"
    assert Word2Vec.load(tmp_path / "m").tokenizer == "kmer:3"


def test_cli_trains_on_kmers_and_refuses_a_bad_spec(tmp_path, capsys):
    path = tmp_path / "seqs.txt"
    rng = np.random.default_rng(4)
    path.write_text("\n".join("".join(rng.choice(list("acgt"), 80)) for _ in range(50)) + "\n")
    assert run_cli(["train", str(path), "-o", str(tmp_path / "m"), "--tokenizer", "kmer:4", "--dim", "8",
                    "--min-count", "1", "--epochs", "1", "-q"]) == 0
    assert all(len(w) == 4 for w in Word2Vec.load(tmp_path / "m").wv.index_to_key)


@pytest.mark.parametrize("spec, message", [
    ("kmer", "give k as 'kmer:K'"), ("kmer:0", "k=0 is invalid"), ("bpe:3", "must be one of whitespace, kmer"),
    ("whitespace:2", "takes no argument"), (3, "must be a spec string"), ("kmer:3:xna", "an alphabet is one of"),
    ("dna2vec:3", "KMIN-KMAX"), ("dna2vec:5-3", "kmax=3 is invalid"), ("phrases", "needs the table"),
])
def test_bad_specs_name_the_parameter(spec, message):
    with pytest.raises(ParameterError, match=message):
        make_tokenizer(spec)
    with pytest.raises(ParameterError, match=message):
        Word2Vec(tokenizer=spec)
