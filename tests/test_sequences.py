"""Biological sequences: FASTA/FASTQ/plain records, alphabets, ProtVec frames, dna2vec's
variable k and reverse complements by hand, bad files, and planted motifs learned."""
from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import numpy as np
import pytest

from wordvec import Word2Vec
from wordvec.errors import CorpusError
from wordvec.models.doc2vec import Doc2Vec
from wordvec.text import corpus as corpus_module
from wordvec.text import sequences
from wordvec.text.corpus import SENTENCE_END, Corpus
from wordvec.text.documents import TaggedDocument
from wordvec.text.sequences import Dna2vecTokenizer, ProtVecTokenizer, sequence_vector

END = SENTENCE_END


def tokens(path, spec):
    return [t.decode() if t != END else "|" for b in Corpus(path, tokenizer=spec).token_blocks() for t in b]


def test_fasta_multiline_records_and_ambiguity_codes(tmp_path):
    path = tmp_path / "a.fasta"
    path.write_text(">r1 some description\nACGTNAC\ngtac\n\n>r2\nTTGA\n")
    # k-mers span the line break; N splits r1 into two sentences (with :dna); r2 is one
    assert tokens(path, "kmer:3:dna") == ["ACG", "CGT", "|", "ACG", "CGT", "GTA", "TAC", "|", "TTG", "TGA", "|"]
    # without an alphabet any letter is kept, N included
    assert tokens(path, "kmer:3")[:5] == ["ACG", "CGT", "GTN", "TNA", "NAC"]


def test_fastq_and_compressed_files(tmp_path):
    text = "@read1\nACGTAC\n+\nIIIIII\n@read2\nGGGA\n+read2\nIIII\n"
    for name, opener in (("r.fq", open), ("r.fq.gz", gzip.open), ("r.fq.bz2", bz2.open)):
        with opener(tmp_path / name, "wt") as f:
            f.write(text)
        assert tokens(tmp_path / name, "kmer:4") == ["ACGT", "CGTA", "GTAC", "|", "GGGA", "|"]


def test_protvec_reading_frames_by_hand():
    tok = ProtVecTokenizer(3)
    # ProtVec: MKVLAAGI in three frames: MKV LAA | KVL AAG | VLA AGI
    assert tok.tokenize(b"MKVLAAGI\n") == [b"MKV", b"LAA", END, b"KVL", b"AAG", END, b"VLA", b"AGI", END]


def test_dna2vec_variable_k_and_reverse_complement(tmp_path, monkeypatch):
    tok = Dna2vecTokenizer(3, 3, reverse_complement=True)
    out = [t for t in tok.tokenize(b"AACGTT\n") if t != END]
    forward = [b"AAC", b"ACG", b"CGT", b"GTT"]
    revcomp = [b"GTT", b"CGT", b"ACG", b"AAC"]  # reverse complements of each
    assert len(out) == 4 and all(o in (f, r) for o, f, r in zip(out, forward, revcomp))
    seq = "".join(np.random.default_rng(0).choice(list("ACGT"), 5000))
    var = [t for t in Dna2vecTokenizer(3, 8).tokenize(seq.encode() + b"\n") if t != END]
    assert {len(t) for t in var} == set(range(3, 9)) and all(seq.find(t.decode()) >= 0 for t in var[:50])
    # the same record gives the same tokens however the reader cuts it
    path = tmp_path / "g.fa"
    path.write_text(">chr\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
    whole = tokens(path, "dna2vec:3-8:rc")
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 97)
    monkeypatch.setattr(sequences, "_PIECE", 300)
    assert tokens(path, "dna2vec:3-8:rc") == whole


def test_a_long_fasta_record_keeps_every_kmer_across_pieces(tmp_path, monkeypatch):
    seq = "".join(np.random.default_rng(1).choice(list("ACGT"), 3000))
    path = tmp_path / "g.fasta.gz"
    with gzip.open(path, "wt") as f:
        f.write(">chr1\n" + "\n".join(seq[i:i + 70] for i in range(0, len(seq), 70)) + "\n")
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 113)
    monkeypatch.setattr(sequences, "_PIECE", 256)
    assert tokens(path, "kmer:6") == [seq[i:i + 6] for i in range(len(seq) - 5)] + ["|"]


@pytest.mark.parametrize("name, text, message", [
    ("a.fasta", "ACGT\n>r1\nACGT\n", r"a.fasta:1: FASTA sequence before any '>' header"),
    ("b.fa", ">r1\n>r2\nACGT\n", r"b.fa:1: FASTA record 'r1' has no sequence"),
    ("c.fa", ">r1\nACGT\n>last\n", r"c.fa:3: FASTA record 'last' has no sequence"),
    ("d.fq", "@x\nACGT\n+\nII\n", r"d.fq:1: FASTQ record 'x' is malformed"),
    ("e.fq", "@x\nACGT\n+\nIIII\n@y\nAC\n", r"e.fq:5: FASTQ record cut short \(2 of 4 lines\)"),
])
def test_bad_files_name_the_file_line_and_record(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(CorpusError, match=message):
        tokens(tmp_path / name, "kmer:3")


def test_binary_junk_is_refused(tmp_path):
    path = tmp_path / "junk.fasta"
    path.write_bytes(b">r1\nACGT\n" + bytes(range(256)) * 64)
    with pytest.raises(CorpusError, match="junk.fasta: looks like a binary file"):
        tokens(path, "kmer:3")


MOTIFS = {"A": ["ACGTACGGA", "CGTACGGAT", "GTACGGATC"], "B": ["TTGCCAATG", "TGCCAATGG", "GCCAATGGT"]}


def _planted_genomes(n=300, seed=0):
    """Random DNA with motifs of two families planted: family A's motifs share k-mers with
    each other, family B's too; each sequence carries motifs of one family."""
    rng = np.random.default_rng(seed)
    families = MOTIFS
    seqs = []
    for i in range(n):
        fam = "AB"[i % 2]
        parts = []
        for _ in range(6):
            parts.append("".join(rng.choice(list("ACGT"), int(rng.integers(3, 8)))))
            parts.append(families[fam][int(rng.integers(0, 3))])
        seqs.append((fam, "".join(parts)))
    return seqs


def test_planted_motifs_are_learned_and_sequences_that_share_them_are_nearer(tmp_path):
    seqs = _planted_genomes()
    path = tmp_path / "planted.fasta"
    path.write_text("".join(f">s{i}_{fam}\n{s}\n" for i, (fam, s) in enumerate(seqs)))
    model = Word2Vec(vector_size=16, window=5, min_count=3, epochs=15, workers=1, seed=2, sample=0,
                     tokenizer="kmer:4:dna").fit(path)
    # k-mers of one motif family are nearer each other than to the other family's
    fams = {f: {m[i:i + 4] for m in ms for i in range(len(m) - 3)} for f, ms in MOTIFS.items()}
    a, b = sorted(fams["A"] - fams["B"]), sorted(fams["B"] - fams["A"])
    unit_k = model.wv.get_normed_vectors()
    ka, kb = unit_k[[model.wv.key_to_index[k] for k in a]], unit_k[[model.wv.key_to_index[k] for k in b]]
    off_diagonal = lambda m: m[~np.eye(len(m), dtype=bool)].mean()  # noqa: E731
    within = (off_diagonal(ka @ ka.T) + off_diagonal(kb @ kb.T)) / 2
    assert within > np.mean(ka @ kb.T) + 0.1
    tok = sequences.KmerTokenizer(4, "dna")
    vecs = [sequence_vector(model.wv, [t.decode() for t in tok.tokens_of_line(s.encode())], "mean") for _, s in seqs]
    unit = np.array(vecs) / np.linalg.norm(vecs, axis=1, keepdims=True)
    sims = unit @ unit.T
    same = np.equal.outer(np.arange(len(seqs)) % 2, np.arange(len(seqs)) % 2)
    np.fill_diagonal(sims, np.nan)
    assert np.nanmean(sims[same]) > np.nanmean(sims[~same]) + 0.1


def test_doc2vec_on_sequences_finds_the_family():
    seqs = _planted_genomes(200, seed=3)
    docs = [TaggedDocument(s, [f"s{i}", f"family_{fam}"]) for i, (fam, s) in enumerate(seqs)]
    model = Doc2Vec(vector_size=16, min_count=2, epochs=20, workers=1, dm=False, tokenizer="kmer:4:dna").fit(docs)
    near = [t for t, _ in model.dv.most_similar("family_A", topn=10) if t.startswith("s")]
    assert sum(int(t[1:]) % 2 == 0 for t in near) >= 0.8 * len(near) and near


def test_a_real_fasta_file_from_biopython_if_present():
    root = Path(__file__).resolve().parents[2] / "shared" / "data"
    found = sorted(root.rglob("*.fasta")) + sorted(root.rglob("*.fa"))
    if not found:
        pytest.skip("no FASTA file in ../shared/data (Biopython's test files are not shipped here)")
    out = tokens(found[0], "kmer:3")
    assert out and out[-1] == "|"


def test_sequence_vector_sums_or_averages_known_kmers():
    from wordvec import WordVectors

    wv = WordVectors(["AAA", "CCC"], np.array([[1.0, 0.0], [0.0, 2.0]], np.float32))
    assert sequence_vector(wv, ["AAA", "CCC", "GGG"]).tolist() == [1.0, 2.0]
    assert sequence_vector(wv, ["AAA", "CCC"], "mean").tolist() == [0.5, 1.0]
    with pytest.raises(KeyError):
        sequence_vector(wv, ["GGG"])
