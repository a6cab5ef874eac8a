"""Phrases against gensim's ``Phrases``, in one run on the same normalised Wikipedia corpus.

    python benchmarks/phrases_vs_gensim.py [--files N] [--min-count 5] [--threshold 10] [--no-train]

1. Speed and memory of learning the table: wordvec (word2phrase score) against gensim's
   ``Phrases`` + ``freeze()`` with its default scorer, as the issue measured it (each tool in
   a child process of its own, so peak memory is its own; the tools alternate).
2. The same phrases: gensim again with a scorer that multiplies by the corpus size, as
   word2phrase (and wordvec) does, instead of gensim's vocabulary size. With no pruning
   the two sets must be equal; the difference is printed.
3. Training with the table applied while reading (skip-gram, 1 epoch, 2 workers) against
   training without: words/s, the whole run, and ``questions-phrases.txt`` (shared), which
   only a model with phrases can answer.

Prints a line per measurement, the ratios, and one JSON line.
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

PHRASE_QUESTIONS = common.DATA / "questions-phrases.txt"


def word2phrase_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """gensim's default scorer with the corpus size in place of its vocabulary size."""
    return (bigram_count - min_count) / float(worda_count * wordb_count) * corpus_word_count


def learn(tool: str, corpus: Path, args) -> dict:
    t0 = time.perf_counter()
    if tool == "wordvec":
        from wordvec.text.phrases import Phrases

        p = Phrases(min_count=args.min_count, threshold=args.threshold, standardize="none").fit(str(corpus))
        seconds = time.perf_counter() - t0
        p.save(args.table)
        phrases = sorted("_".join(x.words) for x in p.phrases_)
        extra = {"pruned": p.pruned_}
    else:
        from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases as GPhrases
        from gensim.models.word2vec import LineSentence

        scoring = word2phrase_scorer if tool == "gensim-w2p" else "default"
        g = GPhrases(LineSentence(str(corpus), max_sentence_length=10**9), min_count=args.min_count,
                     threshold=args.threshold, scoring=scoring, connector_words=ENGLISH_CONNECTOR_WORDS)
        frozen = g.freeze()
        seconds = time.perf_counter() - t0
        phrases = sorted(frozen.phrasegrams)
        extra = {"pruned_min_reduce": int(g.min_reduce) - 1}
    return {"tool": tool, "seconds": seconds, "peak_rss_mib": common.peak_rss_mib(), "phrases": len(phrases),
            "set": phrases, **extra}


def train(with_phrases: bool, corpus: Path, args) -> dict:
    from wordvec import Word2Vec

    t0 = time.perf_counter()
    m = Word2Vec(sg=True, vector_size=100, min_count=5, epochs=1, workers=2, seed=1, standardize="none",
                 tokenizer=f"phrases:{args.table}" if with_phrases else None)
    m.build_vocab(str(corpus))
    t1 = time.perf_counter()
    m.train()
    t2 = time.perf_counter()
    acc = None
    if PHRASE_QUESTIONS.exists():
        acc = m.wv.evaluate_word_analogies(PHRASE_QUESTIONS, restrict_vocab=300000, case_insensitive=True)
    score, sections = (acc if acc else (0.0, []))
    answered = sum(len(s.get("correct", [])) + len(s.get("incorrect", [])) for s in sections
                   if isinstance(s, dict) and s.get("section") != "Total accuracy") if sections else 0
    return {"phrases": with_phrases, "vocab_seconds": t1 - t0, "train_seconds": t2 - t1, "wall_seconds": t2 - t0,
            "words_per_sec": m.encoded_.n_tokens / (t2 - t1), "vocab": len(m.wv),
            "phrase_analogy": float(score), "phrase_questions_answered": answered}


def child(kind: str, name: str, args) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, name, "--table", str(args.table),
           "--min-count", str(args.min_count), "--threshold", str(args.threshold)]
    if args.files:
        cmd += ["--files", str(args.files)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{kind} {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=None, help="the first N wiki files (default: all, 17.5M tokens)")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threshold", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=1, help="learning runs per tool (alternating)")
    ap.add_argument("--no-train", action="store_true", help="skip part 3 (training with and without phrases)")
    ap.add_argument("--table", type=Path, default=common.cache_dir() / "phrases-bench.tsv")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    corpus = common.text8_like(args.files)
    if args.child:
        kind, name = args.child
        res = learn(name, corpus, args) if kind == "learn" else train(name == "phrases", corpus, args)
        print(json.dumps(res), flush=True)
        return

    tokens = common.count_tokens(corpus)
    print(f"corpus: {corpus} ({tokens:,} tokens); min_count={args.min_count} threshold={args.threshold}", flush=True)
    runs = []
    for _ in range(args.repeats):
        for tool in ("wordvec", "gensim"):
            r = child("learn", tool, args)
            runs.append(r)
            print(f"learn {tool:10s} {r['seconds']:7.2f}s  peak {r['peak_rss_mib']:6.0f} MiB  {r['phrases']:,} phrases",
                  flush=True)
    exact = child("learn", "gensim-w2p", args)
    print(f"learn gensim-w2p {exact['seconds']:7.2f}s  peak {exact['peak_rss_mib']:6.0f} MiB  {exact['phrases']:,} phrases"
          " (scorer x corpus size, as word2phrase)", flush=True)
    ours = set(runs[0]["set"])
    theirs = set(exact["set"])
    print(f"same phrases as gensim with the word2phrase scorer: {ours == theirs} "
          f"(only wordvec {len(ours - theirs)}, only gensim {len(theirs - ours)}: {sorted(theirs - ours)[:5]})")

    def mean(tool, key):
        xs = [r[key] for r in runs if r["tool"] == tool]
        return sum(xs) / len(xs)

    speed = mean("gensim", "seconds") / mean("wordvec", "seconds")
    memory = mean("wordvec", "peak_rss_mib") / mean("gensim", "peak_rss_mib")
    print(f"learning: wordvec x{speed:.1f} faster than gensim (default scorer), memory x{memory:.2f} of gensim's")
    summary = {"corpus_tokens": tokens, "min_count": args.min_count, "threshold": args.threshold,
               "learn": [{k: v for k, v in r.items() if k != "set"} for r in runs + [exact]],
               "speed_ratio": speed, "memory_ratio": memory, "same_set": ours == theirs,
               "only_wordvec": len(ours - theirs), "only_gensim": len(theirs - ours)}
    if not args.no_train:
        trains = []
        for name in ("plain", "phrases", "plain", "phrases"):
            r = child("train", name, args)
            trains.append(r)
            print(f"train {name:8s} {r['words_per_sec']:>10,.0f} words/s  train {r['train_seconds']:5.1f}s  "
                  f"whole {r['wall_seconds']:5.1f}s  vocab {r['vocab']:,}  questions-phrases "
                  f"{100 * r['phrase_analogy']:.2f}% of {r['phrase_questions_answered']} answered", flush=True)
        wps = {n: sum(r["words_per_sec"] for r in trains if r["phrases"] == (n == "phrases")) / 2
               for n in ("plain", "phrases")}
        cost = 1 - wps["phrases"] / wps["plain"]
        print(f"training with phrases: words/s {100 * cost:+.1f}% slower than without (target: at most 15%)")
        summary.update({"train": trains, "train_words_per_sec_cost": cost})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
