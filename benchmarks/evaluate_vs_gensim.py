"""The whole ``wordvec evaluate`` command against the same work as a gensim script, and the
whole ``wordvec similar`` command: what a user waits for, process start to exit.

Both sides load the same C binary vectors (a quick wordvec CBOW run on the normalised
Wikipedia sample, cached as in ``query_vs_gensim.py``), answer questions-words restricted
to the 30,000 most frequent words and score WordSim-353. Each is a fresh process, the two
alternate, and the best of ``--repeat`` runs is kept; peak memory is each process's own
maximum resident set (``wait4``). Prints the timings, the ratios, the scores side by side
(they must agree), and one JSON line.

    .venv/bin/python benchmarks/evaluate_vs_gensim.py              # 100 files: ~70k words
    .venv/bin/python benchmarks/evaluate_vs_gensim.py --files 20   # quicker, smaller vocabulary
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import QUESTIONS, WORDSIM, cache_dir, measured, require_data  # noqa: E402

VENV_BIN = Path(sys.executable).parent

# The gensim side, as a user would write it: load, evaluate, print.
GENSIM_SCRIPT = """
import json, sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
score, sections = kv.evaluate_word_analogies(sys.argv[2], restrict_vocab=int(sys.argv[4]))
pearson, spearman, oov = kv.evaluate_word_pairs(sys.argv[3])
print(json.dumps({"accuracy": score, "correct": len(sections[-1]["correct"]),
                  "spearman": float(spearman[0]), "pearson": float(pearson[0])}))
"""

VECTORS = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from query_vs_gensim import vectors
print(len(vectors(*map(int, sys.argv[1:]))))
"""

GENSIM_SIMILAR = """
import sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
for word, score in kv.most_similar(sys.argv[2], topn=10):
    print(f"{word}\\t{score:.4f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100, help="Wikipedia files the vectors are trained on [100]")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--restrict", type=int, default=30000)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command, alternating [5]")
    ap.add_argument("--word", default="king", help="the word for the `similar` runs [king]")
    args = ap.parse_args()
    require_data()
    if importlib.util.find_spec("gensim") is None:  # not imported here: see below
        sys.exit("benchmark: gensim is not installed (pip install -e '.[bench]')")
    # In a child: Linux keeps a process's peak RSS across fork and exec, so this one must
    # stay small for its children's peaks to be their own.
    n_words = int(subprocess.run([sys.executable, "-c", VECTORS, str(args.files), str(args.dim), str(args.min_count)],
                                 check=True, capture_output=True, text=True).stdout)
    path = cache_dir() / f"query-vectors-text8-{args.files}files-d{args.dim}-mc{args.min_count}.bin"

    wordvec = str(VENV_BIN / "wordvec")
    ours_eval = [wordvec, "evaluate", str(path), "--analogies", str(QUESTIONS), "--similarity", str(WORDSIM),
                 "--restrict-vocab", str(args.restrict), "--json"]
    theirs_eval = [sys.executable, "-c", GENSIM_SCRIPT, str(path), str(QUESTIONS), str(WORDSIM), str(args.restrict)]
    ours_sim = [wordvec, "similar", str(path), args.word]
    theirs_sim = [sys.executable, "-c", GENSIM_SIMILAR, str(path), args.word]

    times = {k: [] for k in ("wordvec evaluate", "gensim evaluate", "wordvec similar", "gensim similar")}
    peaks = {k: [] for k in times}
    outputs = {}
    for _ in range(args.repeat):  # alternate, so drift in the machine's speed hits both
        for name, cmd in (("wordvec evaluate", ours_eval), ("gensim evaluate", theirs_eval),
                          ("wordvec similar", ours_sim), ("gensim similar", theirs_sim)):
            seconds, peak, out = measured(cmd)
            times[name].append(seconds)
            peaks[name].append(peak)
            outputs[name] = out
    best = {k: min(v) for k, v in times.items()}
    peak = {k: max(v) for k, v in peaks.items()}

    ours = json.loads(outputs["wordvec evaluate"])
    theirs = json.loads(outputs["gensim evaluate"])
    ws = ours["similarity"][WORDSIM.name]
    ours_top = [line.split()[-1] for line in outputs["wordvec similar"].splitlines() if line.strip()][-10:]
    theirs_top = [line.split("\t")[0] for line in outputs["gensim similar"].splitlines()]

    print(f"vectors: {path.name}: {n_words:,} words x {args.dim}; best of {args.repeat} alternating runs")
    print(f"\n{'whole process':26} {'wordvec':>10} {'gensim':>10} {'speed-up':>9} {'wordvec MiB':>12} {'gensim MiB':>11}")
    for what in ("evaluate", "similar"):
        o, g = best[f"wordvec {what}"], best[f"gensim {what}"]
        print(f"{what:26} {o:>9.2f}s {g:>9.2f}s {g / o:>8.2f}x {peak[f'wordvec {what}']:>12.0f} "
              f"{peak[f'gensim {what}']:>11.0f}")
    print(f"\n{'':26} {'wordvec':>10} {'gensim':>10}")
    print(f"{'analogy accuracy':26} {ours['analogy_accuracy']:>10.4f} {theirs['accuracy']:>10.4f}")
    print(f"{'analogies correct':26} {ours['analogy_correct']:>10,} {theirs['correct']:>10,}")
    print(f"{'WordSim-353 Spearman':26} {ws['spearman']:>10.4f} {theirs['spearman']:>10.4f}")
    print(f"{'similar: same top 10':26} {str(ours_top == theirs_top):>10}")
    print(json.dumps({
        "benchmark": "evaluate_vs_gensim", "vocab": n_words, "dim": args.dim, "files": args.files,
        "repeat": args.repeat, "seconds": {k: round(v, 3) for k, v in best.items()},
        "peak_mib": {k: round(v, 1) for k, v in peak.items()},
        "evaluate_speedup": round(best["gensim evaluate"] / best["wordvec evaluate"], 2),
        "similar_speedup": round(best["gensim similar"] / best["wordvec similar"], 2),
        "accuracy": {"wordvec": ours["analogy_accuracy"], "gensim": theirs["accuracy"]},
        "correct": {"wordvec": ours["analogy_correct"], "gensim": theirs["correct"]},
        "spearman": {"wordvec": ws["spearman"], "gensim": theirs["spearman"]},
        "similar_same_top10": ours_top == theirs_top,
    }))


if __name__ == "__main__":
    main()
