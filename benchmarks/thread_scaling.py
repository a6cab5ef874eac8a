"""Thread scaling: training words/s with 1 and 2 (or more) workers, wordvec and gensim in
the same run, on the same corpus and settings as ``train_vs_gensim.py`` (whose child
processes do the training). The issue's target: two workers >= 1.85x one worker.

Each (tool, mode, workers) is a fresh process; the worker counts alternate within each
seed so drift in the machine's speed hits all alike. Prints words/s, the scaling, the
quality at each count (Hogwild must not cost accuracy), and one JSON line.

    .venv/bin/python benchmarks/thread_scaling.py                 # 20 files, 1 and 2 workers
    .venv/bin/python benchmarks/thread_scaling.py --seeds 1,2,3 --files 100
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TRAIN = Path(__file__).resolve().parent / "train_vs_gensim.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20, help="Wikipedia files (1-100) [20]")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare [1,2]")
    ap.add_argument("--modes", default="sg,cbow")
    ap.add_argument("--tools", default="wordvec,gensim")
    ap.add_argument("--seeds", default="1")
    args = ap.parse_args()
    common.require_data()
    corpus = common.text8_like(args.files)
    tokens = common.count_tokens(corpus)
    counts = [int(w) for w in args.workers.split(",")]
    print(f"corpus: {corpus.name} ({tokens:,} tokens), 1 epoch; workers {counts}", flush=True)
    runs = []
    for mode in args.modes.split(","):
        for seed in args.seeds.split(","):
            for tool in args.tools.split(","):
                for w in counts:
                    cmd = [sys.executable, str(TRAIN), "--child", tool, mode, "--tokens", str(tokens), "--seed", seed,
                           "--workers", str(w), "--files", str(args.files)]
                    out = subprocess.run(cmd, capture_output=True, text=True)
                    if out.returncode:
                        sys.exit(f"{tool} {mode} {w} workers failed:\n{out.stderr[-3000:]}")
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    r.update(seed=int(seed), workers=w)
                    runs.append(r)
                    print(f"{mode:5s} {tool:8s} seed {seed} workers {w}: {r['words_per_sec']:>10,.0f} words/s  "
                          f"analogy {100 * r['analogy']:5.2f}%  wordsim {r['wordsim_spearman']:.3f}", flush=True)

    def mean(tool, mode, w, key):
        rs = [r[key] for r in runs if (r["tool"], r["mode"], r["workers"]) == (tool, mode, w)]
        return sum(rs) / len(rs)

    summary = {"benchmark": "thread_scaling", "corpus_tokens": tokens, "workers": counts, "seeds": args.seeds,
               "scaling": {}, "words_per_sec": {}, "analogy": {}, "wordsim": {}}
    print(f"\n{'':14} " + " ".join(f"{f'{w} workers':>12}" for w in counts) + f" {'scaling':>9} {'analogy':>16}")
    for mode in args.modes.split(","):
        for tool in args.tools.split(","):
            wps = [mean(tool, mode, w, "words_per_sec") for w in counts]
            acc = [100 * mean(tool, mode, w, "analogy") for w in counts]
            key = f"{tool}/{mode}"
            summary["words_per_sec"][key] = [round(x) for x in wps]
            summary["scaling"][key] = round(wps[-1] / wps[0], 3)
            summary["analogy"][key] = [round(a, 2) for a in acc]
            summary["wordsim"][key] = [round(mean(tool, mode, w, "wordsim_spearman"), 4) for w in counts]
            print(f"{key:14} " + " ".join(f"{x:>12,.0f}" for x in wps) + f" {wps[-1] / wps[0]:>8.2f}x "
                  + " -> ".join(f"{a:.2f}%" for a in acc))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
