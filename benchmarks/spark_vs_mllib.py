"""wordvec on Spark vs Spark MLlib's Word2Vec vs wordvec on one machine.

Same corpus (the normalised Wikipedia slice, ``common.text8_like``), same dim, window,
min_count and epochs; each tool its own way: wordvec skip-gram with negative sampling
(its default; ``--hs`` for skip-gram with hierarchical softmax as MLlib), MLlib skip-gram
with hierarchical softmax (its only kind; no subsampling), both on Spark ``local[N]`` with
N partitions, wordvec on one machine with N threads. Reports wall time (vocabulary and
training), training words/s, analogy accuracy (questions-words, 30k most frequent words,
case-insensitive) and WordSim-353 Spearman; one JSON line per tool, then one summary line.

``--partitions 1,2,4,8,16,32`` sweeps the partition count (wordvec's ``partitions`` and
MLlib's ``numPartitions`` alike) on one cluster, against one machine trained once;
``--master local-cluster[2,1,3072]`` starts separate executor JVMs on this machine.

    flock /tmp/bench.lock python benchmarks/spark_vs_mllib.py --files 5
    flock /tmp/bench.lock python benchmarks/spark_vs_mllib.py --files 20 \
        --master 'local-cluster[2,1,3072]' --partitions 1,2,4,8,16,32
"""
from __future__ import annotations

import argparse
from collections import Counter
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from train_vs_gensim import evaluate  # noqa: E402


def spark_session(master: str, memory: str):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    s = (SparkSession.builder.master(master).appName("wordvec bench")
         .config("spark.driver.memory", memory).config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.maxResultSize", "0").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    return s


def params(args) -> dict:
    return dict(vector_size=args.dim, window=args.window, min_count=args.min_count, epochs=args.epochs,
                sg=True, hs=args.hs, negative=0 if args.hs else 5, sample=1e-3, seed=args.seed,
                standardize="none")


def run_wordvec_local(corpus: Path, args) -> dict:
    from wordvec import Word2Vec

    t0 = time.perf_counter()
    m = Word2Vec(workers=args.cores, **params(args))
    m.build_vocab(str(corpus))
    t1 = time.perf_counter()
    m.train()
    t2 = time.perf_counter()
    n = m.vocab_.raw_words  # tokens read (MLlib's count too), not only those kept
    return {"tool": "wordvec-1-machine", "words": m.wv.index_to_key, "vectors": m.wv.vectors,
            "vocab_s": t1 - t0, "train_s": t2 - t1, "tokens": n}


def run_wordvec_spark(corpus: Path, spark, args, partitions: int) -> dict:
    import wordvec.spark as ws
    from wordvec import Word2Vec

    t0 = time.perf_counter()
    m = ws.fit(Word2Vec(**params(args)), str(corpus), spark, partitions=partitions, rounds_per_epoch=args.rounds,
               combine=args.combine, exchange=args.exchange)
    t2 = time.perf_counter()
    train_s = sum(h["seconds"] for h in m.history_)
    n = m.vocab_.raw_words
    return {"tool": "wordvec-spark", "partitions": partitions, "words": m.wv.index_to_key, "vectors": m.wv.vectors,
            "vocab_s": (t2 - t0) - train_s, "train_s": train_s, "tokens": n, "rounds": m.history_[0]["rounds"],
            "combine": m.corpus_.describe()["spark"]["combine"], "exchange": args.exchange}


def run_mllib(corpus: Path, spark, args, partitions: int) -> dict:
    from pyspark.ml.feature import Word2Vec as MLWord2Vec
    from pyspark.sql import functions as F

    t0 = time.perf_counter()
    df = spark.read.text(str(corpus)).repartition(args.cores)
    df = df.select(F.split(F.col("value"), " ").alias("tokens")).cache()
    n = df.select(F.sum(F.size("tokens"))).first()[0]
    t1 = time.perf_counter()
    w2v = MLWord2Vec(vectorSize=args.dim, windowSize=args.window, minCount=args.min_count, maxIter=args.epochs,
                     numPartitions=partitions, stepSize=0.025, seed=args.seed, inputCol="tokens",
                     outputCol="vec", maxSentenceLength=1000)
    model = w2v.fit(df)
    t2 = time.perf_counter()
    rows = model.getVectors().collect()
    words = [r["word"] for r in rows]
    vectors = np.array([r["vector"].toArray() for r in rows], np.float32)
    df.unpersist()
    # MLlib's own vocabulary order is by frequency too, but getVectors() is unordered:
    # the analogy test restricts to the 30k most frequent, so order by our counts.
    return {"tool": "mllib", "partitions": partitions, "words": words, "vectors": vectors, "vocab_s": t1 - t0,
            "train_s": t2 - t1, "tokens": int(n)}


def frequency_order(r: dict, corpus: Path, counts: Counter) -> None:
    """MLlib's getVectors() is unordered: most frequent first, for restrict_vocab=30000."""
    if not counts:
        with open(corpus, encoding="ascii") as f:
            for line in f:
                counts.update(line.split())
    order = np.argsort([-counts.get(w, 0) for w in r["words"]], kind="stable")
    r["words"] = [r["words"][i] for i in order]
    r["vectors"] = r["vectors"][order]


def summary_table(results: list[dict]) -> None:
    one = next((r for r in results if r["tool"] == "wordvec-1-machine"), None)
    print(f"\n{'tool':<18}{'P':>4}{'train s':>9}{'words/s':>11}{'analogy':>9}{'vs 1 machine':>14}{'WS-353':>8}")
    for r in results:
        gap = f"{100 * (r['analogy'] - one['analogy']):+.2f} pt" if one else ""
        print(f"{r['tool']:<18}{r.get('partitions', '-'):>4}{r['train_s']:>9.1f}{r['train_words_per_s']:>11,.0f}"
              f"{100 * r['analogy']:>8.2f}%{gap:>14}{r['wordsim_spearman']:>8.3f}")
    for P in sorted({r["partitions"] for r in results if "partitions" in r}):
        ws_ = next((r for r in results if r["tool"] == "wordvec-spark" and r["partitions"] == P), None)
        ml = next((r for r in results if r["tool"] == "mllib" and r["partitions"] == P), None)
        if ws_ and ml:
            print(f"P={P}: wordvec-on-Spark x{ws_['train_words_per_s'] / ml['train_words_per_s']:.2f} MLlib's "
                  f"words/s (target 5x)" + (f", x{one['train_words_per_s'] / ws_['train_words_per_s']:.2f} slower "
                                             f"than one machine (target <= 1.3)" if one else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=5, help="Wikipedia files to normalise and train on")
    ap.add_argument("--cores", type=int, default=2, help="local[N] and one machine's threads")
    ap.add_argument("--master", default=None, help="Spark master (default local[CORES]); "
                    "e.g. local-cluster[2,1,3072]: 2 executor JVMs of 1 core and 3 GB")
    ap.add_argument("--partitions", default=None, help="comma-separated partition counts to sweep "
                    "(default: CORES)")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=None, help="wordvec on Spark: rounds per epoch [its default]")
    ap.add_argument("--combine", default="auto", choices=["auto", "momentum", "sum", "mean", "row_mean"])
    ap.add_argument("--exchange", default="auto", choices=["auto", "barrier", "server", "broadcast"],
                    help="wordvec on Spark: how rounds run and weights travel")
    ap.add_argument("--hs", action="store_true", help="wordvec: skip-gram HS (as MLlib) instead of negative sampling")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--memory", default="6g", help="spark.driver.memory (local mode: the executor too)")
    ap.add_argument("--tools", default="local,spark,mllib")
    args = ap.parse_args()

    corpus = common.text8_like(args.files)
    master = args.master or f"local[{args.cores}]"
    sweep = [int(p) for p in (args.partitions or str(args.cores)).split(",")]
    tools = args.tools.split(",")
    spark = spark_session(master, args.memory)
    runs = [("local", None)] if "local" in tools else []
    runs += [(t, P) for P in sweep for t in ("spark", "mllib") if t in tools]
    results, counts = [], Counter()
    for tool, P in runs:
        if tool == "local":
            r = run_wordvec_local(corpus, args)
        elif tool == "spark":
            r = run_wordvec_spark(corpus, spark, args, P)
        else:
            r = run_mllib(corpus, spark, args, P)
            frequency_order(r, corpus, counts)
        quality = evaluate(r.pop("words"), r.pop("vectors"))
        r.update(quality)
        r["wall_s"] = r["vocab_s"] + r["train_s"]
        r["train_words_per_s"] = r["tokens"] * args.epochs / max(r["train_s"], 1e-9)
        r.update(files=args.files, dim=args.dim, window=args.window, min_count=args.min_count, epochs=args.epochs,
                 method="sg-hs" if (args.hs or tool == "mllib") else "sg-ns5", master=master)
        r = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
        results.append(r)
        print(json.dumps(r), flush=True)
    summary_table(results)
    print(json.dumps({"benchmark": "spark_vs_mllib", "corpus": corpus.name, "master": master,
                      "results": [{k: r.get(k) for k in ("tool", "partitions", "wall_s", "train_words_per_s",
                                                          "analogy", "wordsim_spearman")} for r in results]}))
    spark.stop()


if __name__ == "__main__":
    main()
