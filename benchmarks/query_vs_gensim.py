"""Query speed against gensim, same run, same vectors: the full questions-words evaluation
(restricted to the 30,000 most frequent words) and 1,000 single-word ``most_similar`` calls.

Vectors come from a quick wordvec run (CBOW, 1 epoch) on the text8-like normalised Wikipedia
sample in ../shared/data/enwiki-wikiextractor-AA, cached under ~/.cache/wordvec/bench/ (all
100 files give about 70,000 words at min_count=5). The same matrix is loaded into gensim's
KeyedVectors. Prints both timings, the ratios, the results side by side, and one JSON line.

    .venv/bin/python benchmarks/query_vs_gensim.py            # all files (first run trains: minutes)
    .venv/bin/python benchmarks/query_vs_gensim.py --files 20 # a quicker, smaller vocabulary
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import QUESTIONS, REPO, WIKI, WORDSIM, cache_dir, text8_like  # noqa: E402

CACHE = cache_dir()

sys.path.insert(0, str(REPO / "src"))


def vectors(files: int, dim: int, min_count: int):
    from wordvec import Word2Vec, WordVectors

    path = CACHE / f"query-vectors-text8-{files}files-d{dim}-mc{min_count}.bin"
    if not path.exists():
        print(f"training vectors on {files} file(s) (cached in {path}) ...", file=sys.stderr)
        t = time.perf_counter()
        model = Word2Vec(vector_size=dim, sg=False, epochs=1, min_count=min_count, standardize="none",
                         workers=2, seed=1).fit(text8_like(files))
        print(f"  trained in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        model.wv.save_word2vec_format(path, binary=True)
    return WordVectors.load_word2vec_format(path, binary=True)


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100, help="Wikipedia files to train on (1-100) [100]")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--restrict", type=int, default=30000)
    ap.add_argument("--queries", type=int, default=1000)
    args = ap.parse_args()
    if not WIKI.is_dir() or not QUESTIONS.is_file():
        sys.exit(f"benchmark: data not found in {DATA} (the shared data folder must sit beside the repo)")
    try:
        from gensim.models import KeyedVectors
    except ImportError:
        sys.exit("benchmark: gensim is not installed (pip install -e '.[bench]')")

    wv = vectors(args.files, args.dim, args.min_count)
    kv = KeyedVectors(wv.vector_size)
    kv.add_vectors(wv.index_to_key, np.array(wv.vectors))
    print(f"vectors: {len(wv):,} words x {wv.vector_size} dims ({args.files} Wikipedia files); "
          f"numpy {np.__version__}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")

    # Full analogy evaluation. Each side's unit vectors are computed in its own timing.
    wv.fill_norms(force=True)
    kv.norms = None
    t_ours, ours = timed(lambda: wv.evaluate_word_analogies(QUESTIONS, restrict_vocab=args.restrict))
    t_gensim, (g_score, g_sections) = timed(lambda: kv.evaluate_word_analogies(str(QUESTIONS), restrict_vocab=args.restrict))
    g_correct = len(g_sections[-1]["correct"])
    g_total = g_correct + len(g_sections[-1]["incorrect"])
    same_questions = ours[1] == g_sections

    # Single-word most_similar, one call at a time, both warmed up.
    rng = np.random.default_rng(0)
    words = [wv.index_to_key[i] for i in rng.integers(0, min(len(wv), args.restrict), args.queries)]
    wv.most_similar(words[0])
    kv.most_similar(words[0])
    t_ms, ours_ms = timed(lambda: [wv.most_similar(w, topn=10) for w in words], repeat=3)
    t_ms_g, gensim_ms = timed(lambda: [kv.most_similar(w, topn=10) for w in words], repeat=3)
    t_batch, _ = timed(lambda: wv.most_similar_batch(words, topn=10), repeat=3)
    same_top = sum([w for w, _ in a] == [w for w, _ in b] for a, b in zip(ours_ms, gensim_ms))

    pairs = wv.evaluate_word_pairs(WORDSIM) if WORDSIM.is_file() else None
    g_pairs = kv.evaluate_word_pairs(str(WORDSIM)) if WORDSIM.is_file() else None

    print(f"\n{'':34} {'wordvec':>12} {'gensim':>12} {'speed-up':>9}")
    print(f"{'analogies (restrict %d)' % args.restrict:34} {t_ours:>11.2f}s {t_gensim:>11.2f}s {t_gensim / t_ours:>8.1f}x")
    print(f"{'%d x most_similar (one by one)' % args.queries:34} {t_ms:>11.3f}s {t_ms_g:>11.3f}s {t_ms_g / t_ms:>8.2f}x")
    print(f"{'%d x most_similar (one batch)' % args.queries:34} {t_batch:>11.3f}s {'':>12} {t_ms_g / t_batch:>8.1f}x")
    print(f"\n{'':34} {'wordvec':>12} {'gensim':>12}")
    print(f"{'analogies correct':34} {ours.correct:>12,} {g_correct:>12,}")
    print(f"{'analogies answered':34} {ours.total:>12,} {g_total:>12,}")
    print(f"{'accuracy':34} {ours.accuracy:>12.4f} {g_score:>12.4f}")
    print(f"{'every question on the same side':34} {str(same_questions):>12}")
    print(f"{'most_similar: same top-10 words':34} {same_top:>12,} {'of %d' % args.queries:>12}")
    if pairs is not None:
        print(f"{'WordSim-353 Spearman':34} {pairs.spearman:>12.6f} {g_pairs[1][0]:>12.6f}")
    for s in ours.sections:
        print(f"  {s.name:32} {s.correct:>6}/{s.total:<5} {100 * s.accuracy:>6.1f}%")

    print(json.dumps({
        "benchmark": "query_vs_gensim", "vocab": len(wv), "dim": wv.vector_size, "files": args.files,
        "restrict_vocab": args.restrict, "analogy_seconds": {"wordvec": round(t_ours, 4), "gensim": round(t_gensim, 4)},
        "analogy_speedup": round(t_gensim / t_ours, 2),
        "analogy_correct": {"wordvec": ours.correct, "gensim": g_correct}, "analogy_total": ours.total,
        "analogy_identical": bool(same_questions and ours.correct == g_correct),
        "most_similar_seconds": {"wordvec": round(t_ms, 4), "gensim": round(t_ms_g, 4), "wordvec_batch": round(t_batch, 4)},
        "most_similar_speedup": round(t_ms_g / t_ms, 2), "most_similar_same_top10": same_top,
        "spearman": None if pairs is None else {"wordvec": pairs.spearman, "gensim": float(g_pairs[1][0])},
    }))


if __name__ == "__main__":
    main()
