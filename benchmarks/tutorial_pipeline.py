"""The TensorFlow word2vec tutorial's pipeline in wordvec, stage by stage, on its corpus.

    python benchmarks/tutorial_pipeline.py [--engine auto|numba|torch] [--threads 1|2] [--repeats 7]

On ../shared/data/shakespeare.txt with the tutorial's settings (vocab 4,096, sequence
length 10, window 2, num_ns 4, dim 128, 20 epochs, batch 1024): seconds to vectorise,
generate the training data, train and export (measured in a process whose Numba kernels
are already loaded, so no stage waits for them or shares the CPU with their loading), the
number of examples and the final loss and accuracy; then the whole ``wordvec tutorial``
command as a fresh process (Python start-up, imports and Numba's loading included), after
one untimed run that fills Numba's cache as any first use does: best and median of
``--repeats`` runs, as the machine's speed drifts. Compared with the tutorial's own
TensorFlow 2.21 code measured on the same 2-core machine. ``--threads`` is passed to
``wordvec tutorial`` (numba engine: 1 or 2, default 2 where there are two CPUs). The
last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, REPO  # noqa: E402
SHAKESPEARE = DATA / "shakespeare.txt"

# The tutorial's TensorFlow code (TensorFlow 2.21, CPU) on the same machine.
TENSORFLOW = {"vectorize": 2.3, "generate": 7.2, "train": 11.2, "export": 0.2, "process": 26.2,
              "examples": 64872, "loss": 0.471, "accuracy": 0.892}


def in_process(engine: str, threads, out: Path) -> dict:
    sys.path.insert(0, str(REPO / "src"))
    from wordvec.tutorial.recipe import load_kernels, run_tutorial
    from wordvec.tutorial.model import resolve_engine

    if resolve_engine(engine, None)[0] == "numba":
        load_kernels()
    result = run_tutorial(SHAKESPEARE, out, engine=engine, threads=threads, logdir=None)
    epochs = sum(h["seconds"] for h in result.model.history_)
    return {"timings": result.timings, "epochs_s": epochs, "examples": result.examples, "loss": result.final["loss"],
            "accuracy": result.final["accuracy"], "engine": result.model.engine_, "device": result.model.device_,
            "threads": result.model.numba_threads() if result.model.engine_ == "numba" else threads}


def whole_process(engine: str, threads, out: Path, repeats: int) -> list[float]:
    exe = Path(sys.executable).with_name("wordvec")  # the installed command, as a user runs it
    start = [str(exe)] if exe.exists() else [sys.executable, "-m", "wordvec.cli"]
    cmd = [*start, "tutorial", str(SHAKESPEARE), "-o", str(out), "--engine", engine, "-q"]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    subprocess.run(cmd, check=True)  # untimed: fills Numba's cache
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="auto", choices=["auto", "numba", "torch"])
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: the command's)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of the whole command")
    parser.add_argument("--no-process", action="store_true", help="skip timing the whole command")
    args = parser.parse_args()
    if not SHAKESPEARE.is_file():
        sys.exit(f"benchmark: {SHAKESPEARE} not found (the shared data folder must sit beside the repo)")
    with tempfile.TemporaryDirectory(prefix="wordvec-tutorial-") as tmp:
        r = in_process(args.engine, args.threads, Path(tmp) / "in-process")
        t = r["timings"]
        runs = None if args.no_process else whole_process(args.engine, args.threads, Path(tmp) / "cli", args.repeats)
    process = None if runs is None else min(runs)
    median = None if runs is None else statistics.median(runs)
    print(f"engine {r['engine']} on {r['device']}, {r['threads'] or 'default'} threads; {r['examples']:,} training examples; "
          f"final loss {r['loss']:.4f}, accuracy {r['accuracy']:.4f} "
          f"(TensorFlow: {TENSORFLOW['examples']:,}, {TENSORFLOW['loss']}, {TENSORFLOW['accuracy']})")
    for stage in ("vectorize", "generate", "train", "export"):
        print(f"{stage:10s} {t[stage]:7.3f} s   TensorFlow {TENSORFLOW[stage]:5.1f} s   "
              f"x{TENSORFLOW[stage] / t[stage]:,.{0 if TENSORFLOW[stage] > 10 * t[stage] else 1}f} faster")
    if process is not None:
        print(f"{'process':10s} {process:7.3f} s   TensorFlow {TENSORFLOW['process']:5.1f} s   "
              f"x{TENSORFLOW['process'] / process:,.1f} faster (whole `wordvec tutorial` run, imports included; best of "
              f"{len(runs)}, median {median:.3f} s: x{TENSORFLOW['process'] / median:,.1f})")
    summary = {
        "benchmark": "tutorial_pipeline", "engine": r["engine"], "device": r["device"], "threads": r["threads"],
        "examples": r["examples"], "final_loss": round(r["loss"], 4), "final_accuracy": round(r["accuracy"], 4),
        **{f"{k}_s": round(v, 4) for k, v in t.items()}, "epochs_s": round(r["epochs_s"], 4),
        "process_s": None if process is None else round(process, 3),
        "process_median_s": None if median is None else round(median, 3),
        "process_runs_s": None if runs is None else [round(x, 3) for x in runs],
        "speedup_generate": round(TENSORFLOW["generate"] / t["generate"], 1),
        "speedup_process": None if process is None else round(TENSORFLOW["process"] / process, 2),
        "accuracy_gap": round(abs(r["accuracy"] - TENSORFLOW["accuracy"]), 4),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
