"""k-mer tokens: wordvec reading a FASTA genome directly against gensim trained on the same
k-mers written out as text, in one run.

    python benchmarks/kmers_vs_gensim.py [--megabases 10] [--k 6] [--epochs 1]

A genome of random DNA with two families of motifs planted (each stretch carries motifs of
one family) is generated once (cached). Reported: wordvec's tokenization throughput
(k-mers/s from the FASTA, streaming), then training words/s, the whole run and peak memory
for wordvec (``tokenizer="kmer:K:dna"``) and gensim (``LineSentence`` over the k-mers as
text, the time to write that text not counted), and the quality both reach: how much nearer
the k-mers of one motif family are to each other than to the other family's (cosine, mean
within minus mean across). Each tool runs in a child process of its own; a JSON line ends.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

MOTIFS = {"A": ["ACGTACGGATCA", "CGTACGGATCAG", "GTACGGATCAGT"], "B": ["TTGCCAATGGCA", "TGCCAATGGCAT", "GCCAATGGCATT"]}


def genome(megabases: int) -> Path:
    path = common.cache_dir() / f"kmers-genome-{megabases}mb.fa"
    if path.exists():
        return path
    rng = np.random.default_rng(0)
    letters = np.frombuffer(b"ACGT", np.uint8)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        for chrom in range(max(1, megabases // 5)):
            f.write(f">chr{chrom + 1}\n")
            parts, size, target = [], 0, (megabases * 1_000_000) // max(1, megabases // 5)
            while size < target:
                fam = "AB"[int(rng.integers(0, 2))]
                for _ in range(20):
                    filler = letters[rng.integers(0, 4, int(rng.integers(5, 40)))].tobytes().decode()
                    motif = MOTIFS[fam][int(rng.integers(0, 3))]
                    parts.append(filler + motif)
                    size += len(filler) + len(motif)
            seq = "".join(parts)
            f.write("\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
    tmp.rename(path)
    return path


def kmer_text(fasta: Path, k: int) -> Path:
    """The same k-mers as wordvec makes, one record's worth per line, 1,000 a line."""
    from wordvec.text.corpus import SENTENCE_END, Corpus

    out = fasta.with_name(f"{fasta.stem}-k{k}.txt")
    if out.exists():
        return out
    with open(out, "wb") as f:
        line: list[bytes] = []
        for block in Corpus(fasta, tokenizer=f"kmer:{k}:dna").token_blocks():
            for t in block:
                if t == SENTENCE_END or len(line) == 1000:
                    if line:
                        f.write(b" ".join(line) + b"\n")
                    line = [] if t == SENTENCE_END else [t]
                else:
                    line.append(t)
        if line:
            f.write(b" ".join(line) + b"\n")
    return out


def family_margin(words, vectors, k: int) -> float:
    index = {w: i for i, w in enumerate(words)}
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    fams = {f: {m[i:i + k] for m in ms for i in range(len(m) - k + 1)} for f, ms in MOTIFS.items()}
    a = [index[x] for x in sorted(fams["A"] - fams["B"]) if x in index]
    b = [index[x] for x in sorted(fams["B"] - fams["A"]) if x in index]
    ka, kb = unit[a], unit[b]

    def off(m):
        return m[~np.eye(len(m), dtype=bool)].mean()

    return float((off(ka @ ka.T) + off(kb @ kb.T)) / 2 - (ka @ kb.T).mean())


def run(tool: str, args) -> dict:
    fasta = genome(args.megabases)
    p = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=args.epochs, workers=2, seed=1)
    if tool == "tokenize":
        from wordvec.text.corpus import Corpus

        t0 = time.perf_counter()
        n = sum(len(b) for b in Corpus(fasta, tokenizer=f"kmer:{args.k}:dna").token_blocks())
        return {"tool": tool, "seconds": time.perf_counter() - t0, "tokens": n}
    t0 = time.perf_counter()
    if tool == "wordvec":
        from wordvec import Word2Vec

        m = Word2Vec(sg=True, tokenizer=f"kmer:{args.k}:dna", **p)
        m.build_vocab(str(fasta))
        t1 = time.perf_counter()
        m.train()
        t2 = time.perf_counter()
        words, vectors, n = m.wv.index_to_key, m.wv.vectors, m.encoded_.n_tokens
    else:
        from gensim.models import Word2Vec as G
        from gensim.models.word2vec import LineSentence

        text = kmer_text(fasta, args.k)
        t0 = time.perf_counter()
        sentences = LineSentence(str(text), max_sentence_length=10000)
        m = G(sg=1, hs=0, **p)
        m.build_vocab(sentences)
        t1 = time.perf_counter()
        m.train(sentences, total_examples=m.corpus_count, epochs=m.epochs)
        t2 = time.perf_counter()
        words, vectors, n = m.wv.index_to_key, m.wv.vectors, m.corpus_total_words
    return {"tool": tool, "vocab_seconds": t1 - t0, "train_seconds": t2 - t1, "wall_seconds": t2 - t0,
            "words_per_sec": n * args.epochs / (t2 - t1), "tokens": int(n), "peak_rss_mib": common.peak_rss_mib(),
            "family_margin": family_margin(list(words), np.asarray(vectors), args.k)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--megabases", type=int, default=10)
    ap.add_argument("--k", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args)), flush=True)
        return
    fasta = genome(args.megabases)
    if args.child is None:
        kmer_text(fasta, args.k)  # gensim's input, written before any timing
    results = {}
    for tool in ("tokenize", "wordvec", "gensim"):
        cmd = [sys.executable, __file__, "--child", tool, "--megabases", str(args.megabases), "--k", str(args.k),
               "--epochs", str(args.epochs)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{tool} failed:\n{out.stderr[-3000:]}")
        r = results[tool] = json.loads(out.stdout.strip().splitlines()[-1])
        if tool == "tokenize":
            print(f"tokenize  {r['tokens']:,} k-mers in {r['seconds']:.2f}s: {r['tokens'] / r['seconds']:,.0f} k-mers/s",
                  flush=True)
        else:
            print(f"{tool:8s}  {r['words_per_sec']:>10,.0f} words/s  train {r['train_seconds']:6.1f}s  whole "
                  f"{r['wall_seconds']:6.1f}s  peak {r['peak_rss_mib']:5.0f} MiB  family margin {r['family_margin']:.3f}",
                  flush=True)
    w, g = results["wordvec"], results["gensim"]
    ratios = {"speed_ratio": w["words_per_sec"] / g["words_per_sec"], "wall_ratio": g["wall_seconds"] / w["wall_seconds"],
              "memory_ratio": w["peak_rss_mib"] / g["peak_rss_mib"], "margin_diff": w["family_margin"] - g["family_margin"]}
    print(f"wordvec/gensim: words/s x{ratios['speed_ratio']:.2f}, whole run x{ratios['wall_ratio']:.2f} faster, "
          f"memory x{ratios['memory_ratio']:.2f}, family margin {ratios['margin_diff']:+.3f}")
    print(json.dumps({"megabases": args.megabases, "k": args.k, "epochs": args.epochs, **results, **ratios}))


if __name__ == "__main__":
    main()
