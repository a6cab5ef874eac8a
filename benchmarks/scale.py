"""Scale (issue 17): a corpus 10 times larger, and a vocabulary of 2 million words or more.

Part ``10x``: the normalised Wikipedia corpus of ``train_vs_gensim.py`` (17.5M tokens) and a
file that is it written 10 times over (175M tokens, ~1 GB, cached, streamed). Whole
``wordvec train`` runs (skip-gram, 1 epoch, 2 workers, train_vs_gensim's settings), each a
fresh process: 1x, then 10x, then 1x again (the machine drifts: the two 1x runs are
averaged). Targets: time(10x) / (10 x time(1x)) <= 1.10 and peak(10x) / peak(1x) <= 1.10.
Analogy of both models (the 10x one has seen 10 epochs' worth of tokens). ``--gensim``
adds gensim on 1x (before and after) for comparison, ``--gensim-10x`` gensim on 10x too
(~8 minutes).

Part ``vocab``: the raw dump (no normalisation; only Unicode whitespace that Python's
``str.split`` splits on but a byte split does not becomes a space, so both tools see the
same tokens) plus lines of generated words seen once (``zqx<base36>``), so that with
``min_count=1`` the vocabulary reaches ``--vocab-target`` (2,000,000). wordvec
(``wordvec train --standardize none --min-count 1``, a whole process, native save) and gensim
(``LineSentence``, ``min_count=1``, the same dim/window/negative/sample/alpha, 1 epoch,
native ``model.save``) each a fresh process. Target: wordvec's peak memory <= gensim's.

Peak memory is each process's maximum resident set (``wait4``) unless said otherwise.
Prints a table, and one JSON line per part.

    .venv/bin/python benchmarks/scale.py                          # both parts
    .venv/bin/python benchmarks/scale.py --part 10x --gensim
    .venv/bin/python benchmarks/scale.py --part vocab
    .venv/bin/python benchmarks/scale.py --files 5 --vocab-target 300000   # a quick check
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

WORDVEC = Path(sys.executable).parent / "wordvec"
# train_vs_gensim.py's skip-gram settings, as CLI options.
TRAIN_OPTS = ["--sg", "--epochs", "1", "--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-3",
              "--alpha", "0.025", "--min-alpha", "0.0001", "--seed", "1", "--standardize", "none", "-q"]


# ---------------------------------------------------------------------------- corpora
def repeated(corpus: Path, times: int) -> Path:
    """``corpus`` written ``times`` times over into one file, once (cached), streamed."""
    out = corpus.with_name(f"{corpus.stem}-x{times}.txt")
    if out.exists() and out.stat().st_size == times * corpus.stat().st_size:
        return out
    tmp = out.with_suffix(".tmp")
    with open(tmp, "wb") as dst:
        for _ in range(times):
            with open(corpus, "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 24)
    os.replace(tmp, out)
    return out


def raw_dump(max_files: int | None) -> Path:
    """The Wikipedia files as they are, in one text file (cached); Unicode whitespace that
    ``str.split`` splits on (no-break spaces, ...) becomes an ASCII space."""
    common.require_data()
    files = sorted(common.WIKI.glob("wiki_*.gz"))[:max_files]
    out = common.cache_dir() / f"enwiki-raw-{len(files)}files.txt"
    if out.exists():
        return out
    # What str.split() splits on and bytes.split() does not.
    unicode_space = re.compile("[" + "".join(chr(c) for c in range(0x110000)
                                             if chr(c).isspace() and chr(c) not in " \t\n\r\x0b\x0c") + "]")
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as dst:
        for f in files:
            with gzip.open(f, "rt", encoding="utf-8", newline="\n") as src:
                for line in src:
                    dst.write(unicode_space.sub(" ", line))
    os.replace(tmp, out)
    return out


def base36(i: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        i, r = divmod(i, 36)
        s = digits[r] + s
        if not i:
            return s


def with_rare_words(raw: Path, distinct: int, target: int, per_line: int = 1000) -> tuple[Path, int]:
    """``raw`` followed by lines of words seen once, enough to bring ``distinct`` words to
    ``target``; (path, number generated). Cached by target."""
    n = max(0, target - distinct)
    out = raw.with_name(f"{raw.stem}-v{target}.txt")
    if out.exists():
        return out, n
    tmp = out.with_suffix(".tmp")
    with open(tmp, "wb") as dst:
        with open(raw, "rb") as src:
            shutil.copyfileobj(src, dst, 1 << 24)
        for start in range(0, n, per_line):
            dst.write((" ".join("zqx" + base36(i) for i in range(start, min(n, start + per_line))) + "\n").encode())
    os.replace(tmp, out)
    return out, n


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# ---------------------------------------------------------------------------- children
def child(args) -> None:
    """The work done in a fresh process (the parent stays small: see common.measured)."""
    what = args.child[0]
    if what == "distinct":  # distinct tokens of a file, as wordvec's counter splits them
        from wordvec.text.corpus import Corpus
        from wordvec.vocab.vocabulary import build_vocabulary

        vocab, _ = build_vocabulary(Corpus(args.child[1], "none", None), min_count=1)
        print(json.dumps({"distinct": len(vocab), "tokens": vocab.raw_words}))
    elif what == "eval-wordvec":  # analogy and WordSim of a saved model folder
        from train_vs_gensim import evaluate
        from wordvec.formats.native import load_model_dir

        cfg, words, counts, arrays = load_model_dir(args.child[1], mmap=True)
        print(json.dumps(evaluate(words, arrays["vectors"])))
    elif what == "gensim-train":  # train_vs_gensim's gensim run (peak: before its evaluation)
        from train_vs_gensim import run_one

        ns = argparse.Namespace(alpha=0.025, workers=args.workers, epochs=1, seed=1, gensim_corpus_file=False,
                                tokens=int(args.child[2]))
        print(json.dumps(run_one("gensim", Path(args.child[1]), "sg", ns)))
    elif what == "gensim-vocab":  # min_count 1, train, native save
        import time

        from gensim.models import Word2Vec as GWord2Vec
        from gensim.models.word2vec import LineSentence

        corpus, out = args.child[1], Path(args.child[2])
        t0 = time.perf_counter()
        m = GWord2Vec(vector_size=100, window=5, negative=5, hs=0, sg=1, sample=1e-3, min_count=1, alpha=0.025,
                      min_alpha=0.0001, workers=args.workers, epochs=1, seed=1)
        sentences = LineSentence(corpus, max_sentence_length=10000)
        m.build_vocab(sentences)
        t1 = time.perf_counter()
        m.train(sentences, total_examples=m.corpus_count, epochs=1)
        t2 = time.perf_counter()
        peak_trained = common.peak_rss_mib()
        out.mkdir(parents=True, exist_ok=True)
        m.save(str(out / "gensim.model"))
        t3 = time.perf_counter()
        print(json.dumps({"vocab": len(m.wv), "vocab_seconds": t1 - t0, "train_seconds": t2 - t1,
                          "save_seconds": t3 - t2, "peak_before_save_mib": peak_trained,
                          "words_per_sec": m.corpus_total_words / (t2 - t1)}))
    else:
        sys.exit(f"unknown child {what}")


def me(*child_args) -> list[str]:
    return [sys.executable, __file__, "--child", *map(str, child_args)]


def wordvec_train(corpus: Path, out: Path, workers: int, extra=()) -> dict:
    """A whole ``wordvec train`` process: wall seconds, peak MiB, and from the saved
    config.json the training seconds, words/s and vocabulary."""
    cmd = [str(WORDVEC), "train", str(corpus), "-o", str(out), "--workers", str(workers), *TRAIN_OPTS, *extra]
    seconds, peak, _ = common.measured(cmd)
    cfg = json.loads((out / "config.json").read_text())
    h = cfg["history"][-1]
    return {"wall_seconds": seconds, "peak_rss_mib": peak, "train_seconds": h["seconds"],
            "words_per_sec": h["words_per_sec"], "vocab": cfg["vocab_size"], "disk_bytes": folder_bytes(out)}


def mean(rs: list[dict], key: str) -> float:
    return sum(r[key] for r in rs) / len(rs)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# ---------------------------------------------------------------------------- part 1
def part_10x(args, work: Path) -> dict:
    corpus1 = common.text8_like(args.files)
    corpus10 = repeated(corpus1, 10)
    tokens = common.count_tokens(corpus1)
    print(f"10x: {corpus1.name} ({tokens:,} tokens) and {corpus10.name} ({10 * tokens:,} tokens, "
          f"{corpus10.stat().st_size / 2**20:,.0f} MiB); skip-gram, 1 epoch, {args.workers} workers", flush=True)
    runs: dict[str, list[dict]] = {}
    # (tool, times, min_count): 10x with min_count 50 keeps exactly 1x's vocabulary (a word
    # seen c times in 1x is seen 10c times in 10x), so only the corpus's length differs.
    plan = [("wordvec", 1, 5), ("wordvec", 10, 5), ("wordvec", 10, 50), ("wordvec", 1, 5)]
    if args.gensim:
        plan = [("wordvec", 1, 5), ("gensim", 1, 5), ("wordvec", 10, 5), ("wordvec", 10, 50)] \
            + ([("gensim", 10, 5)] if args.gensim_10x else []) + [("wordvec", 1, 5), ("gensim", 1, 5)]
    for tool, times, min_count in plan:
        corpus = corpus10 if times == 10 else corpus1
        key = f"{tool}/{times}x" + ("" if min_count == 5 else f"-mc{min_count}")
        if tool == "wordvec":
            out = work / f"wordvec-{times}x"
            r = wordvec_train(corpus, out, args.workers, ["--min-count", str(min_count)])
            r.update(json.loads(common.measured(me("eval-wordvec", out))[2]))
            shutil.rmtree(out)
        else:
            seconds, peak, text = common.measured(me("gensim-train", corpus, times * tokens) + ["--workers", str(args.workers)])
            r = json.loads(text.strip().splitlines()[-1])
            r["process_seconds"], r["process_peak_mib"] = seconds, peak
        r.update(tool=tool, times=times, min_count=min_count)
        runs.setdefault(key, []).append(r)
        print(f"  {key:17s} wall {r['wall_seconds']:7.1f}s  train {r['train_seconds']:7.1f}s  "
              f"{r['words_per_sec']:>10,.0f} words/s  peak {r['peak_rss_mib']:6.0f} MiB  "
              f"analogy {100 * r['analogy']:5.2f}%  vocab {r['vocab']:,}", flush=True)

    summary = {"benchmark": "scale", "part": "10x", "tokens_1x": tokens, "tokens_10x": 10 * tokens,
               "workers": args.workers, "files": args.files, "runs": runs, "ratios": {}}
    print(f"\n{'10x against 1x':17} {'1x wall':>9} {'10x wall':>9} {'time ratio':>10} {'1x MiB':>7} {'10x MiB':>8} "
          f"{'MiB ratio':>9} {'1x words/s':>11} {'10x words/s':>11} {'vocab 1x, 10x':>17} {'analogy 1x -> 10x':>18}")
    for key in ("wordvec/10x", "wordvec/10x-mc50", "gensim/10x"):
        tool = key.split("/")[0]
        one, ten = runs.get(f"{tool}/1x"), runs.get(key)
        if not one or not ten:
            continue
        t1, t10 = mean(one, "wall_seconds"), ten[0]["wall_seconds"]
        p1, p10 = mean(one, "peak_rss_mib"), ten[0]["peak_rss_mib"]
        s = {"wall_1x": t1, "wall_1x_runs": [r["wall_seconds"] for r in one], "wall_10x": t10,
             "time_ratio": t10 / (10 * t1), "train_time_ratio": ten[0]["train_seconds"] / (10 * mean(one, "train_seconds")),
             "peak_1x_mib": p1, "peak_1x_runs": [r["peak_rss_mib"] for r in one], "peak_10x_mib": p10,
             "memory_ratio": p10 / p1, "words_per_sec_1x": mean(one, "words_per_sec"),
             "words_per_sec_10x": ten[0]["words_per_sec"], "vocab_1x": one[0]["vocab"], "vocab_10x": ten[0]["vocab"],
             "analogy_1x": mean(one, "analogy"), "analogy_10x": ten[0]["analogy"],
             "wordsim_1x": mean(one, "wordsim_spearman"), "wordsim_10x": ten[0]["wordsim_spearman"]}
        summary["ratios"][key] = s
        print(f"{key:17} {t1:>8.1f}s {t10:>8.1f}s {s['time_ratio']:>9.3f}x {p1:>7.0f} {p10:>8.0f} {s['memory_ratio']:>8.3f}x "
              f"{s['words_per_sec_1x']:>11,.0f} {s['words_per_sec_10x']:>11,.0f} {s['vocab_1x']:>8,} {s['vocab_10x']:>8,} "
              f"{100 * s['analogy_1x']:>7.2f}% -> {100 * s['analogy_10x']:.2f}%")
    w, same = summary["ratios"]["wordvec/10x"], summary["ratios"]["wordvec/10x-mc50"]
    summary["targets"] = {"time_ratio_le_1.10": w["time_ratio"] <= 1.10, "memory_ratio_le_1.10": w["memory_ratio"] <= 1.10,
                          "memory_ratio_same_vocab_le_1.10": same["memory_ratio"] <= 1.10}
    print(f"targets: time(10x) / (10 x time(1x)) = {w['time_ratio']:.3f} <= 1.10 {verdict(w['time_ratio'] <= 1.10)} "
          f"(training alone {w['train_time_ratio']:.3f}); peak(10x) / peak(1x) = {w['memory_ratio']:.3f} <= 1.10 "
          f"{verdict(w['memory_ratio'] <= 1.10)} (vocabulary {w['vocab_1x']:,} -> {w['vocab_10x']:,}: every word of 1x is "
          f"seen >= 10 times in 10x); at the same vocabulary (10x with min_count 50) {same['memory_ratio']:.3f} "
          f"{verdict(same['memory_ratio'] <= 1.10)}")
    if runs.get("gensim/1x"):
        g = mean(runs["gensim/1x"], "wall_seconds")
        summary["wordvec_vs_gensim_1x_wall"] = g / w["wall_1x"]
        print(f"gensim 1x wall (train_vs_gensim's run: vocabulary + training, peak before its evaluation) {g:.1f}s: "
              f"wordvec's whole process x{g / w['wall_1x']:.2f} faster")
    return summary


# ---------------------------------------------------------------------------- part 2
def part_vocab(args, work: Path) -> dict:
    raw = raw_dump(args.files)
    real = json.loads(common.measured(me("distinct", raw))[2])
    corpus, generated = with_rare_words(raw, real["distinct"], args.vocab_target)
    tokens = real["tokens"] + generated
    print(f"\nvocab: {raw.name} ({real['tokens']:,} raw tokens, {real['distinct']:,} distinct) + {generated:,} generated "
          f"words seen once = {corpus.name} ({tokens:,} tokens, {corpus.stat().st_size / 2**20:,.0f} MiB); "
          f"min_count 1, dim 100, skip-gram, 1 epoch, {args.workers} workers", flush=True)
    out = work / "wordvec-vocab"
    ours = wordvec_train(corpus, out, args.workers, ["--min-count", "1"])
    shutil.rmtree(out)
    gout = work / "gensim-vocab"
    seconds, peak, text = common.measured(me("gensim-vocab", corpus, gout) + ["--workers", str(args.workers)])
    theirs = json.loads(text.strip().splitlines()[-1])
    theirs.update(wall_seconds=seconds, peak_rss_mib=peak, disk_bytes=folder_bytes(gout))
    shutil.rmtree(gout)
    ratio = ours["peak_rss_mib"] / theirs["peak_rss_mib"]
    print(f"\n{'':10} {'vocabulary':>11} {'wall':>8} {'train':>8} {'words/s':>10} {'peak MiB':>9} {'on disk MiB':>12}")
    for name, r in (("wordvec", ours), ("gensim", theirs)):
        print(f"{name:10} {r['vocab']:>11,} {r['wall_seconds']:>7.1f}s {r['train_seconds']:>7.1f}s "
              f"{r['words_per_sec']:>10,.0f} {r['peak_rss_mib']:>9,.0f} {r['disk_bytes'] / 2**20:>12,.0f}")
    same = ours["vocab"] == theirs["vocab"]
    print(f"targets: vocabulary {ours['vocab']:,} >= {args.vocab_target:,} {verdict(ours['vocab'] >= args.vocab_target)}, "
          f"the same in both {verdict(same)}; peak memory wordvec / gensim = {ratio:.3f} <= 1 {verdict(ratio <= 1)} "
          f"(gensim before its save: {theirs['peak_before_save_mib']:,.0f} MiB); wall x{theirs['wall_seconds'] / ours['wall_seconds']:.2f} faster")
    return {"benchmark": "scale", "part": "vocab", "files": args.files, "real_tokens": real["tokens"],
            "real_distinct": real["distinct"], "generated_words": generated, "tokens": tokens,
            "vocab_target": args.vocab_target, "wordvec": ours, "gensim": theirs, "memory_ratio": ratio,
            "wall_speedup": theirs["wall_seconds"] / ours["wall_seconds"], "same_vocab": same,
            "targets": {"vocab_ge_target": ours["vocab"] >= args.vocab_target, "same_vocab": same,
                        "memory_le_gensim": ratio <= 1}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("10x", "vocab", "both"), default="both")
    ap.add_argument("--files", type=int, default=None, help="use only the first N wiki files (default: all 100)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--gensim", action="store_true", help="10x part: gensim on 1x too (before and after), for comparison")
    ap.add_argument("--gensim-10x", action="store_true", help="with --gensim: gensim on 10x too (~8 minutes)")
    ap.add_argument("--vocab-target", type=int, default=2_000_000, help="vocabulary to reach with generated words [2,000,000]")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    common.require_data()
    work = Path(tempfile.mkdtemp(prefix="scale-", dir=common.cache_dir()))
    try:
        results = []
        if args.part in ("10x", "both"):
            results.append(part_10x(args, work))
        if args.part in ("vocab", "both"):
            results.append(part_vocab(args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
