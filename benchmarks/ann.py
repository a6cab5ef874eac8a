"""Nearest neighbours at scale (issue 17): the approximate index against exact search.

Vectors: a model of 1,000,000+ words x 100 dims, trained by ``wordvec train`` (skip-gram,
1 epoch, ``--standardize none --min-count 1``) on the raw Wikipedia dump plus generated words
seen once (scale.py's vocabulary corpus, cut at ``--vocab``): what a 1M-word vocabulary
is on this corpus, most of it rare words. Trained once and cached; ``--model PATH`` uses
another model or C-format file instead.

In one process, alternating where timed: exact ``most_similar`` (wordvec's default) and
gensim's ``most_similar`` on the same vectors (the peer, exact), and the index
(``build_index(recall=0.95)``): its build time and memory, files on disk, load time, and
for two query sets (the 10,000 most frequent words, and words drawn uniformly from the
whole vocabulary, none of them the calibration's) recall@10 against exact search and
single-query latency. Targets: recall@10 >= 0.95 and queries >= 20x faster than exact.

    .venv/bin/python benchmarks/ann.py
    .venv/bin/python benchmarks/ann.py --queries 200 --vocab 300000    # a quick check
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import scale  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def trained_model(vocab: int, workers: int) -> Path:
    """A cached ``wordvec train`` model whose vocabulary is ``vocab`` words or more."""
    raw = scale.raw_dump(None)
    real = json.loads(common.measured(scale.me("distinct", raw))[2])
    corpus, _ = scale.with_rare_words(raw, real["distinct"], vocab)
    out = common.cache_dir() / f"ann-model-v{vocab}"
    if not (out / "config.json").exists():
        print(f"training {out.name} on {corpus.name} (once; cached)", flush=True)
        scale.wordvec_train(corpus, out, workers, ["--min-count", "1"])
    return out


def latencies(fn, words) -> list[float]:
    out = []
    for w in words:
        t = time.perf_counter()
        fn(w)
        out.append(time.perf_counter() - t)
    return out


def recall(truth: dict, got: dict) -> float:
    hits = sum(len({k for k, _ in truth[w]} & {k for k, _ in got[w]}) for w in truth)
    return hits / sum(len(truth[w]) for w in truth)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, help="vectors to index (default: the cached 1M-word model)")
    ap.add_argument("--vocab", type=int, default=1_000_000, help="vocabulary of the trained model [1,000,000]")
    ap.add_argument("--queries", type=int, default=500, help="queries per set [500]")
    ap.add_argument("--recall", type=float, default=0.95, help="recall the index is built for [0.95]")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-gensim", action="store_true")
    args = ap.parse_args()

    from wordvec.vectors.keyed import WordVectors

    model = args.model or trained_model(args.vocab, args.workers)
    wv = WordVectors.load(model)
    n, d = wv.vectors.shape
    wv.fill_norms()
    print(f"{model}: {n:,} words x {d} dims", flush=True)
    rng = np.random.default_rng(7)
    frequent = [wv.index_to_key[i] for i in rng.choice(min(n, 10_000), args.queries, replace=False)]
    uniform = [wv.index_to_key[i] for i in rng.choice(n, args.queries, replace=False)]
    sets = {"frequent": frequent, "uniform": uniform}

    gensim_kv = None
    if not args.no_gensim:
        from gensim.models import KeyedVectors as GKV

        gensim_kv = GKV(d)
        gensim_kv.add_vectors(wv.index_to_key, wv.vectors)
        gensim_kv.fill_norms()

    # Build (memory: resident growth during the build, and the process's peak).
    before, peak_before = rss_mib(), peak_mib()
    t = time.perf_counter()
    ann = wv.build_index(recall=args.recall)
    build_s = time.perf_counter() - t
    build_rss = rss_mib() - before
    build_peak = max(0.0, peak_mib() - max(peak_before, before))
    tmp = Path(tempfile.mkdtemp(prefix="wordvec-ann-"))
    try:
        saved = tmp / "vectors.ann"
        t = time.perf_counter()
        ann.save(saved)
        save_s = time.perf_counter() - t
        disk = scale.folder_bytes(saved)
        t = time.perf_counter()
        wv.load_index(saved)
        load_s = time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"index: {ann}; built in {build_s:.1f} s (resident +{build_rss:,.0f} MiB, peak +{build_peak:,.0f} MiB), "
          f"saved in {save_s:.2f} s ({disk / 2**20:,.1f} MiB on disk), loaded in {load_s:.2f} s", flush=True)

    results = {}
    for name, words in sets.items():
        truth = {w: wv.most_similar(w, topn=10, approximate=False) for w in words}
        got = {w: wv.most_similar(w, topn=10, approximate=True) for w in words}
        if gensim_kv is not None:
            g = {w: gensim_kv.most_similar(w, topn=10) for w in words}
            agree = recall(truth, g)
        # Timed, alternating in rounds of 50 so that drift hits every tool alike.
        t_exact, t_ann, t_gensim = [], [], []
        for s in range(0, len(words), 50):
            chunk = words[s : s + 50]
            t_exact += latencies(lambda w: wv.most_similar(w, topn=10, approximate=False), chunk)
            t_ann += latencies(lambda w: wv.most_similar(w, topn=10, approximate=True), chunk)
            if gensim_kv is not None:
                t_gensim += latencies(lambda w: gensim_kv.most_similar(w, topn=10), chunk)
        r = {"recall_at_10": recall(truth, got), "exact_ms": 1e3 * statistics.median(t_exact),
             "ann_ms": 1e3 * statistics.median(t_ann)}
        r["speedup"] = r["exact_ms"] / r["ann_ms"]
        if gensim_kv is not None:
            r.update(gensim_ms=1e3 * statistics.median(t_gensim), gensim_agrees_with_exact=agree)
            r["speedup_vs_gensim"] = r["gensim_ms"] / r["ann_ms"]
        # Many queries at once: exact batches share one matrix product.
        t = time.perf_counter()
        wv.most_similar_batch(words, topn=10, approximate=False)
        r["exact_batch_ms"] = 1e3 * (time.perf_counter() - t) / len(words)
        t = time.perf_counter()
        wv.most_similar_batch(words, topn=10, approximate=True)
        r["ann_batch_ms"] = 1e3 * (time.perf_counter() - t) / len(words)
        results[name] = r

    print(f"\n{'queries':10} {'recall@10':>9} {'exact ms':>9} {'index ms':>9} {'speedup':>8} {'gensim ms':>10} "
          f"{'batch exact':>12} {'batch index':>12}")
    for name, r in results.items():
        print(f"{name:10} {r['recall_at_10']:>9.4f} {r['exact_ms']:>9.2f} {r['ann_ms']:>9.3f} {r['speedup']:>7.1f}x "
              f"{r.get('gensim_ms', float('nan')):>10.2f} {r['exact_batch_ms']:>10.3f}ms {r['ann_batch_ms']:>10.3f}ms")
    ok_recall = {name: r["recall_at_10"] >= 0.95 for name, r in results.items()}
    ok_speed = {name: r["speedup"] >= 20 for name, r in results.items()}
    print("targets: " + "; ".join(f"{name}: recall@10 >= 0.95 {scale.verdict(ok_recall[name])}, >= 20x faster than "
                                  f"exact {scale.verdict(ok_speed[name])}" for name in results))
    print(json.dumps({"benchmark": "ann", "model": str(model), "rows": n, "dim": d, "nlist": ann.nlist,
                      "nprobe": ann.nprobe, "calibrated_recall": ann.recall, "build_seconds": build_s,
                      "build_resident_mib": build_rss, "build_peak_mib": build_peak, "disk_bytes": disk,
                      "load_seconds": load_s, "queries": results,
                      "targets": {"recall_ge_0.95": ok_recall, "speedup_ge_20": ok_speed}}))


if __name__ == "__main__":
    main()
