"""Training speed and quality, wordvec vs gensim, same corpus, same settings, same run.

    python benchmarks/train_vs_gensim.py [--epochs 1] [--modes sg,cbow] [--seeds 1,2,3] [--files N]
    python benchmarks/train_vs_gensim.py --tools wordvec,baseline --baseline ../old/src   # engine vs an older wordvec

The Wikipedia dump in ../shared/data is normalised once to text8-like tokens (~17.5M).
Each trainer runs in its own subprocess (so peak memory is its own), one after the other.
Printed: words/s (corpus tokens x epochs / training seconds), wall time (vocabulary +
training), peak RSS, analogy accuracy (questions-words, 30,000 most frequent words,
case-insensitive) and WordSim-353 Spearman, both scored by the same evaluator; then the
ratios and one JSON line. ``--baseline SRC`` adds the tool ``baseline``: the same wordvec
code path run with another checkout's ``src`` first on PYTHONPATH (say, main before a
change), so a restructured engine is timed against the old one in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def evaluate(words, vectors) -> dict:
    """Score vectors with gensim's evaluator for both tools, so the yardstick is identical."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), vectors)
    acc, _ = kv.evaluate_word_analogies(str(common.QUESTIONS), restrict_vocab=30000, case_insensitive=True)
    pearson, spearman, oov = kv.evaluate_word_pairs(str(common.WORDSIM), case_insensitive=True)
    return {"analogy": float(acc), "wordsim_spearman": float(spearman[0]), "wordsim_oov": float(oov)}


def run_one(tool: str, corpus: Path, mode: str, args) -> dict:
    sg = mode == "sg"
    alpha = args.alpha if args.alpha else (0.025 if sg else 0.05)
    p = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, workers=args.workers,
             epochs=args.epochs, alpha=alpha, min_alpha=0.0001, seed=args.seed)
    t0 = time.perf_counter()
    if tool in ("wordvec", "baseline"):
        from wordvec import Word2Vec

        m = Word2Vec(sg=sg, standardize="none", **p)
        m.build_vocab(str(corpus))
        t1 = time.perf_counter()
        m.train()
        t2 = time.perf_counter()
        words, vectors = m.wv.index_to_key, m.wv.vectors
        loss = m.history_[-1]["loss"]
    else:
        from gensim.models import Word2Vec as GWord2Vec
        from gensim.models.word2vec import LineSentence

        gp = dict(p)
        gp["sg"] = 1 if sg else 0
        gp["hs"] = 0
        if args.gensim_corpus_file:
            m = GWord2Vec(**{**gp, "epochs": gp["epochs"]})
            m.build_vocab(corpus_file=str(corpus))
            t1 = time.perf_counter()
            m.train(corpus_file=str(corpus), total_words=m.corpus_total_words, epochs=m.epochs)
        else:
            sentences = LineSentence(str(corpus), max_sentence_length=10000)
            m = GWord2Vec(**gp)
            m.build_vocab(sentences)
            t1 = time.perf_counter()
            m.train(sentences, total_examples=m.corpus_count, epochs=m.epochs)
        t2 = time.perf_counter()
        words, vectors = m.wv.index_to_key, m.wv.vectors
        loss = None
    peak = common.peak_rss_mib()
    tokens = args.tokens
    res = {
        "tool": tool, "mode": mode, "epochs": args.epochs, "vocab": len(words),
        "vocab_seconds": t1 - t0, "train_seconds": t2 - t1, "wall_seconds": t2 - t0,
        "words_per_sec": tokens * args.epochs / (t2 - t1), "peak_rss_mib": peak, "final_loss": loss,
    }
    res.update(evaluate(words, vectors))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--modes", default="sg,cbow")
    ap.add_argument("--tools", default="wordvec,gensim")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--alpha", type=float, default=None, help="default: 0.025 skip-gram, 0.05 CBOW, for both tools")
    ap.add_argument("--files", type=int, default=None, help="use only the first N wiki files (default: all 100)")
    ap.add_argument("--gensim-corpus-file", action="store_true", help="gensim's corpus_file mode instead of LineSentence")
    ap.add_argument("--baseline", default=None, metavar="SRC", help="the src folder of another wordvec checkout (tool 'baseline')")
    ap.add_argument("--seeds", default="1", help="comma-separated seeds; each tool runs once per seed, means are compared")
    ap.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "MODE"), help=argparse.SUPPRESS)
    ap.add_argument("--tokens", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()

    corpus = common.text8_like(args.files)
    if args.child:
        print(json.dumps(run_one(args.child[0], corpus, args.child[1], args)), flush=True)
        return

    tokens = common.count_tokens(corpus)
    print(f"corpus: {corpus} ({tokens:,} tokens); epochs={args.epochs} workers={args.workers}", flush=True)
    seeds = [int(x) for x in args.seeds.split(",")]
    runs = []
    for mode in args.modes.split(","):
        for seed in seeds:
            for tool in args.tools.split(","):
                cmd = [sys.executable, __file__, "--child", tool, mode, "--tokens", str(tokens), "--seed", str(seed),
                       "--epochs", str(args.epochs), "--workers", str(args.workers)]
                if args.files:
                    cmd += ["--files", str(args.files)]
                if args.alpha:
                    cmd += ["--alpha", str(args.alpha)]
                if args.gensim_corpus_file:
                    cmd.append("--gensim-corpus-file")
                env = dict(os.environ)
                if tool == "baseline":
                    if not args.baseline:
                        sys.exit("--tools baseline needs --baseline SRC")
                    env["PYTHONPATH"] = str(Path(args.baseline).resolve())
                out = subprocess.run(cmd, capture_output=True, text=True, env=env)
                if out.returncode != 0:
                    sys.exit(f"{tool} {mode} failed:\n{out.stderr[-3000:]}")
                r = json.loads(out.stdout.strip().splitlines()[-1])
                r["seed"] = seed
                runs.append(r)
                print(f"{mode:5s} {tool:8s} seed {seed}: {r['words_per_sec']:>10,.0f} words/s  train {r['train_seconds']:6.1f}s  "
                      f"wall {r['wall_seconds']:6.1f}s  peak {r['peak_rss_mib']:5.0f} MiB  "
                      f"analogy {100 * r['analogy']:5.2f}%  wordsim {r['wordsim_spearman']:.3f}  vocab {r['vocab']:,}",
                      flush=True)
    keys = ("words_per_sec", "train_seconds", "wall_seconds", "peak_rss_mib", "analogy", "wordsim_spearman")
    results = {}
    for r in runs:
        results.setdefault((r["tool"], r["mode"]), []).append(r)
    means = {k: {key: sum(r[key] for r in rs) / len(rs) for key in keys} for k, rs in results.items()}
    summary = {"corpus_tokens": tokens, "epochs": args.epochs, "workers": args.workers, "seeds": seeds,
               "runs": runs, "means": {f"{t}/{m}": v for (t, m), v in means.items()}}
    if len(seeds) > 1:
        for (tool, mode), v in means.items():
            print(f"{mode:5s} {tool:8s} mean of {len(seeds)}: {v['words_per_sec']:>10,.0f} words/s  "
                  f"peak {v['peak_rss_mib']:5.0f} MiB  analogy {100 * v['analogy']:5.2f}%  wordsim {v['wordsim_spearman']:.3f}")
    for mode in args.modes.split(","):
        a, b = means.get(("wordvec", mode)), means.get(("gensim", mode))
        if a and b:
            ratios = {
                "speed_ratio": a["words_per_sec"] / b["words_per_sec"],
                "wall_ratio": b["wall_seconds"] / a["wall_seconds"],
                "memory_ratio": a["peak_rss_mib"] / b["peak_rss_mib"],
                "analogy_diff_points": 100 * (a["analogy"] - b["analogy"]),
                "wordsim_diff": a["wordsim_spearman"] - b["wordsim_spearman"],
            }
            summary[f"{mode}_ratios"] = ratios
            print(f"{mode:5s} wordvec/gensim: speed x{ratios['speed_ratio']:.2f}, wall x{ratios['wall_ratio']:.2f} faster, "
                  f"memory x{ratios['memory_ratio']:.2f}, analogy {ratios['analogy_diff_points']:+.2f} points, "
                  f"wordsim {ratios['wordsim_diff']:+.3f}")
        c = means.get(("baseline", mode))
        if a and c:
            ratio = a["words_per_sec"] / c["words_per_sec"]
            summary[f"{mode}_vs_baseline"] = {"speed_ratio": ratio, "analogy_diff_points": 100 * (a["analogy"] - c["analogy"])}
            print(f"{mode:5s} wordvec/baseline: words/s x{ratio:.3f}, analogy {100 * (a['analogy'] - c['analogy']):+.2f} points")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
