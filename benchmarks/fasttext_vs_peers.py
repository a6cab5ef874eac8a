"""Subword (fastText) training, wordvec vs gensim's FastText (and Facebook's ``fasttext``
package when it is installed), same corpus, same settings, same run.

    python benchmarks/fasttext_vs_peers.py [--files 20] [--epochs 1] [--tools wordvec,gensim,fasttext] [--seeds 1]

Settings (all tools): skip-gram, dim 100, window 5, negative 5, sample 1e-3, min_count 5,
n-grams 3..6 in 2,000,000 buckets, alpha 0.025, 2 threads. The Wikipedia dump in
../shared/data is normalised to text8-like tokens (``common.text8_like``; ``--files 20`` is
about 3.5M tokens). Each tool trains in its own subprocess (peak memory is its own), one
after the other; words/s is corpus tokens x epochs / training seconds. The vocabulary's
vectors of every tool are scored by the same evaluator (gensim's): questions-words analogies
restricted to the 30,000 most frequent words, case-insensitive, and WordSim-353 Spearman.
Then the ratios against gensim and one JSON line.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from train_vs_gensim import evaluate  # noqa: E402

SETTINGS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, min_n=3, max_n=6, bucket=2_000_000,
                alpha=0.025, min_alpha=0.0001)


def run_one(tool: str, corpus: Path, args) -> dict:
    p = dict(SETTINGS, workers=args.workers, epochs=args.epochs, seed=args.seed)
    t0 = time.perf_counter()
    if tool == "wordvec":
        from wordvec import FastText

        m = FastText(sg=args.mode == "sg", standardize="none", **p)
        m.build_vocab(str(corpus))
        t1 = time.perf_counter()
        m.train()
        t2 = time.perf_counter()
        words, vectors = m.wv.index_to_key, m.wv.vectors
    elif tool == "gensim":
        from gensim.models import FastText as GFastText
        from gensim.models.word2vec import LineSentence

        sentences = LineSentence(str(corpus), max_sentence_length=10000)
        m = GFastText(sg=int(args.mode == "sg"), hs=0, **p)
        m.build_vocab(sentences)
        t1 = time.perf_counter()
        m.train(sentences, total_examples=m.corpus_count, epochs=m.epochs)
        t2 = time.perf_counter()
        words, vectors = m.wv.index_to_key, m.wv.vectors
    else:
        import fasttext
        import numpy as np

        t1 = t0  # fastText counts and trains in one call: its time includes reading the vocabulary
        m = fasttext.train_unsupervised(str(corpus), model="skipgram" if args.mode == "sg" else "cbow", dim=100, ws=5, neg=5, t=1e-3, minCount=5,
                                        minn=3, maxn=6, bucket=2_000_000, lr=0.025, thread=args.workers,
                                        epoch=args.epochs, verbose=0)
        t2 = time.perf_counter()
        words = m.get_words()
        vectors = np.stack([m.get_word_vector(w) for w in words])
    res = {"tool": tool, "epochs": args.epochs, "vocab": len(words), "vocab_seconds": t1 - t0,
           "train_seconds": t2 - t1, "wall_seconds": t2 - t0, "words_per_sec": args.tokens * args.epochs / (t2 - t1),
           "peak_rss_mib": common.peak_rss_mib()}
    res.update(evaluate(words, vectors))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=20, help="the first N wiki files (20: ~3.5M tokens; 100: all)")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--mode", choices=["sg", "cbow"], default="sg", help="skip-gram (the issue's setting) or CBOW")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tools", default="wordvec,gensim,fasttext")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--tokens", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    corpus = common.text8_like(args.files)
    if args.child:
        print(json.dumps(run_one(args.child, corpus, args)), flush=True)
        return
    tokens = common.count_tokens(corpus)
    print(f"corpus: {corpus} ({tokens:,} tokens); epochs={args.epochs} workers={args.workers}", flush=True)
    runs, skipped = [], {}
    for seed in [int(s) for s in args.seeds.split(",")]:
        for tool in args.tools.split(","):
            if tool == "fasttext":
                try:
                    import fasttext  # noqa: F401
                except ImportError as e:
                    skipped[tool] = f"not installed ({e})"
                    continue
            cmd = [sys.executable, __file__, "--child", tool, "--tokens", str(tokens), "--seed", str(seed),
                   "--epochs", str(args.epochs), "--workers", str(args.workers), "--files", str(args.files),
                   "--mode", args.mode]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"{tool} failed:\n{out.stderr[-3000:]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["seed"] = seed
            runs.append(r)
            print(f"{tool:8s} seed {seed}: {r['words_per_sec']:>10,.0f} words/s  train {r['train_seconds']:6.1f}s  "
                  f"wall {r['wall_seconds']:6.1f}s  peak {r['peak_rss_mib']:5.0f} MiB  analogy {100 * r['analogy']:5.2f}%  "
                  f"wordsim {r['wordsim_spearman']:.3f}  vocab {r['vocab']:,}", flush=True)
    for tool, why in skipped.items():
        print(f"{tool}: skipped, {why}")
    keys = ("words_per_sec", "train_seconds", "wall_seconds", "peak_rss_mib", "analogy", "wordsim_spearman")
    by_tool = {}
    for r in runs:
        by_tool.setdefault(r["tool"], []).append(r)
    means = {t: {k: sum(r[k] for r in rs) / len(rs) for k in keys} for t, rs in by_tool.items()}
    summary = {"corpus_tokens": tokens, "epochs": args.epochs, "workers": args.workers, "settings": SETTINGS,
               "runs": runs, "means": means, "skipped": skipped}
    a, b = means.get("wordvec"), means.get("gensim")
    if a and b:
        summary["ratios_vs_gensim"] = r = {
            "speed_ratio": a["words_per_sec"] / b["words_per_sec"],
            "memory_ratio": a["peak_rss_mib"] / b["peak_rss_mib"],
            "analogy_diff_points": 100 * (a["analogy"] - b["analogy"]),
            "wordsim_diff": a["wordsim_spearman"] - b["wordsim_spearman"],
        }
        print(f"wordvec vs gensim: x{r['speed_ratio']:.2f} words/s, memory x{r['memory_ratio']:.2f}, analogy "
              f"{r['analogy_diff_points']:+.2f} points, wordsim {r['wordsim_diff']:+.3f}")
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
