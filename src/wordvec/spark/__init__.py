"""Train a wordvec Word2Vec on a Spark cluster: ``wordvec.spark.fit(model, data, ...)``.

The corpus never comes to the driver. Spark counts the vocabulary (the same vocabulary as
one machine: same standardisation and splitting, same frequency order, ties broken by the
global first-seen position), each partition encodes its shard with the broadcast
vocabulary, and the encoded corpus is cut into one machine's jobs (about ``batch_words``
tokens each, labelled by their position) and spread over the partitions (job ``j`` on
partition ``j % partitions``), cached for every epoch.

Training is model averaging in rounds: an epoch is ``rounds_per_epoch`` consecutive slices
of the corpus; in each round the driver broadcasts the weights, every partition trains its
jobs of that slice with the Numba kernels (each job's learning-rate span and seed from its
position, as one machine's schedule), and returns the delta of the rows it changed; the
driver combines the deltas (``combine``) and applies them. A task is a pure function of
(round, partition, broadcast weights), so a retried task gives the same result, and a seed
gives the same model on the same layout (partitions, rounds).

Needs ``pip install 'wordvec[spark]'`` (pyspark, and Java for Spark). See the README,
"Training on Spark", for the limits.
"""
from __future__ import annotations

import os
import re
import sys
import time
import uuid
from pathlib import Path

import numpy as np

from ..errors import CorpusError, ParameterError, WordvecError
from ..params import check_int
from . import rounds as rounds_mod
from . import tasks

COMBINE = ("auto", "momentum", "sum", "mean", "row_mean")
# rounds_per_epoch=None: a round every ROUND_TOKENS * 2 / partitions tokens (at least 20 a
# epoch). What costs accuracy is how many tokens train on the same stale weights, not
# the share of an epoch (17.5M tokens, 2 partitions: 20 rounds -2.30 analogy points,
# 60 rounds -0.10), and with more partitions each round's work lands later.
ROUND_TOKENS = 250_000
EXCHANGE = ("auto", "barrier", "server", "broadcast")


def require_pyspark():
    """pyspark itself, or a one-line error naming the extra to install."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise WordvecError("Spark training needs pyspark: pip install 'wordvec[spark]'") from None
    return pyspark


def session(master: str | None = None, app_name: str = "wordvec"):
    """A SparkSession (the active one, or a new one on ``master``), or a one-line error."""
    require_pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    if not master or master.startswith("local"):
        # Local workers run this interpreter (the one with numba and wordvec), not the
        # first python3 on PATH; a cluster's workers are set up by PYSPARK_PYTHON.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    try:
        return builder.getOrCreate()
    except Exception as e:  # Java missing, a bad master URL: a long JVM message
        raise WordvecError(f"spark: cannot start a Spark session ({_first_line(e)}); is Java installed "
                           f"(JAVA_HOME)?") from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    for marker in ("CorpusError: ", "ParameterError: ", "WordvecError: "):
        at = text.rfind(marker)
        if at >= 0:
            return text[at + len(marker):].splitlines()[0]
    raised = re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception)): (.+)$", text, re.M)
    if raised:  # a Python worker's exception: its own last line, not the JVM's wrapping
        return f"{raised[-1][0].rsplit('.', 1)[-1]}: {raised[-1][1]}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0][:300] if lines else type(e).__name__


class _SparkSource:
    """What config.json records as the corpus of a model trained on Spark."""

    def __init__(self, info: dict):
        self.info = info

    def describe(self) -> dict:
        return dict(self.info)


# ---------------------------------------------------------------------- input
def lines_rdd(data, spark, column: str | None = None, partitions: int | None = None):
    """``data`` as an RDD of lines (str or lists of str tokens) in corpus order, and a name."""
    from pyspark import RDD
    from pyspark.sql import DataFrame

    sc = spark.sparkContext
    if isinstance(data, DataFrame):
        cols = data.columns
        if column is None:
            if len(cols) != 1:
                raise ParameterError(f"column: the DataFrame has {len(cols)} columns ({', '.join(cols)}); "
                                     f"name the one that holds the text")
            column = cols[0]
        if column not in cols:
            raise ParameterError(f"column: {column!r} is not a column of the DataFrame ({', '.join(cols)})")
        from pyspark.sql.types import ArrayType, StringType

        kind = data.schema[column].dataType
        if not (isinstance(kind, StringType) or (isinstance(kind, ArrayType)
                                                 and isinstance(kind.elementType, StringType))):
            raise ParameterError(f"column: {column!r} is {kind.simpleString()}; it must hold text (string) "
                                 f"or tokens (array<string>)")
        rdd = data.select(column).rdd.map(lambda row: row[0])
        name = f"<DataFrame column {column}>"
    elif isinstance(data, RDD):
        rdd, name = data, "<RDD>"
    elif isinstance(data, (str, os.PathLike)) or (isinstance(data, (list, tuple)) and data
                                                  and all(isinstance(p, (str, os.PathLike)) for p in data)):
        paths = [str(p) for p in (data if isinstance(data, (list, tuple)) else [data])]
        files: list[str] = []
        for p in paths:
            if "://" in p and not p.startswith("file://"):
                files.append(p)  # HDFS, S3...: Spark lists and reads them
            else:
                from ..text.corpus import find_files

                files.extend(str(f.resolve()) for f in find_files(p.removeprefix("file://")))
        rdd = sc.textFile(",".join(files), minPartitions=partitions or sc.defaultParallelism)
        name = paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1})"
    else:
        raise ParameterError(f"data: {type(data).__name__} is not a Spark DataFrame, an RDD of lines, "
                             f"or paths Spark can read")
    if partitions is not None and rdd.getNumPartitions() != partitions:
        # repartition would shuffle lines out of corpus order: coalesce keeps it, and for more
        # partitions the lines are numbered first and re-ranged by number.
        if partitions < rdd.getNumPartitions():
            rdd = rdd.coalesce(partitions)
        else:
            n = rdd.count()
            per = max(1, -(-n // partitions))
            rdd = (rdd.zipWithIndex().map(lambda x: (x[1], x[0]))
                   .partitionBy(partitions, lambda i: min(i // per, partitions - 1))
                   .mapPartitions(lambda it: (line for _, line in sorted(it, key=lambda kv: kv[0]))))
    return rdd, name


# ---------------------------------------------------------------------- vocabulary
def local_ids(rdd, mode: str):
    """Each partition's lines read once, counted and turned into local ids by one machine's
    counter (``tasks.count_partition``): one record per partition, cached, for both the
    vocabulary and the encoding (no second pass over the text)."""
    return rdd.mapPartitionsWithIndex(lambda p, lines: tasks.count_partition(p, tasks.number_lines(p, lines), mode))


def count_vocabulary(local, model, name: str):
    """The model's vocabulary counted by Spark from ``local_ids``' records: min_count,
    max_final_vocab, descending count, ties by the first position in the corpus, the same
    as ``build_vocabulary`` on one machine."""
    from ..vocab.vocabulary import Vocabulary

    floor = max(model.min_count, 1)
    counted = local.flatMap(tasks.local_counts).reduceByKey(tasks.merge_counts)
    # One job: each partition sends its kept words and one (distinct, tokens) record.
    out = counted.mapPartitions(lambda it: tasks.keep_counted(it, floor)).collect()
    kept = [x for x in out if x[0] is not None]
    unique = sum(x[1][0] for x in out if x[0] is None)
    raw_words = sum(x[1][1] for x in out if x[0] is None)
    if raw_words == 0:
        raise CorpusError(f"{name}: corpus is empty (no tokens after standardization)")
    kept.sort(key=lambda kv: (-kv[1][0], kv[1][1]))
    counts = np.array([c for _, (c, _) in kept], np.int64)
    effective_min = model.min_count
    if model.max_final_vocab is not None and counts.size > model.max_final_vocab:
        effective_min = max(model.min_count, int(counts[model.max_final_vocab]) + 1)
    keep = counts >= max(effective_min, 1)
    if not keep.any():
        raise CorpusError(f"{name}: no word occurs at least min_count={effective_min} times "
                          f"({raw_words} tokens, {unique} distinct); lower min_count")
    words = [w.decode("utf-8", "replace") for (w, _), k in zip(kept, keep) if k]
    return Vocabulary(words=words, counts=counts[keep], raw_words=int(raw_words), unique_words=int(unique),
                      min_count=effective_min)


# ---------------------------------------------------------------------- training
def _check(model, partitions, rounds_per_epoch, combine, exchange):
    from ..models.word2vec import Word2Vec

    if type(model) is not Word2Vec:
        raise ParameterError(f"model: {type(model).__name__} cannot train on Spark yet; use a Word2Vec")
    model.validate()
    if model.tokenizer is not None:
        raise ParameterError("tokenizer: Spark training splits on whitespace only; leave tokenizer unset")
    if model.max_vocab_size is not None:
        raise ParameterError("max_vocab_size: Spark counts every word exactly; use max_final_vocab or min_count")
    check_int("partitions", partitions, 1, none_ok=True)
    check_int("rounds_per_epoch", rounds_per_epoch, 1, none_ok=True)
    if combine not in COMBINE:
        raise ParameterError(f"combine={combine!r} is invalid: must be one of {', '.join(COMBINE)}")
    if exchange not in EXCHANGE:
        raise ParameterError(f"exchange={exchange!r} is invalid: must be one of {', '.join(EXCHANGE)}")


def fit(model, data, spark=None, column: str | None = None, partitions: int | None = None,
        rounds_per_epoch: int | None = None, combine: str = "auto", checkpoint=None, verbose: bool = False,
        exchange: str = "auto"):
    """Train ``model`` (a ``Word2Vec``, skip-gram or CBOW, negative sampling and/or HS) on Spark
    and return it, trained: ``model.wv``, ``save``, queries and exports work as usual.

    ``data``: a Spark DataFrame (``column``: text or array<string> of tokens; default its one
    column), an RDD of lines (str, or lists of str tokens), or a path / list of paths Spark
    can read (local files and folders are listed as one machine lists them, in order;
    .gz/.bz2 read by Hadoop). ``spark``: a SparkSession (default: the active one or a new
    local one). ``partitions``: how many tasks train at once (default: the data's, at least
    Spark's default parallelism for paths). ``rounds_per_epoch``: weight exchanges per
    epoch (more: closer to one machine, more overhead; default: one every
    ``ROUND_TOKENS * 2 / partitions`` tokens, at least 20 an epoch). ``combine``: how the
    deltas of a round are applied: ``"auto"`` (the default: ``"sum"`` up to 2 partitions,
    ``"momentum"`` beyond), ``"momentum"`` (block momentum, Chen & Huo's BMUF with
    Nesterov's look-ahead: the round's summed deltas over a lag ``L`` (``momentum_lag``:
    min(partitions, max(6, partitions / 2))) feed a momentum ``m = eta m + g`` with
    ``eta = 1 - 1/L``, and the weights move by ``eta m + g``: in the steady state that is
    the sum of the deltas, as one machine's, but no round's overshoot is applied at once;
    at 1 partition it is ``"sum"`` exactly; the driver keeps ``m``, one more copy of the
    trained arrays, and so do barrier tasks), ``"sum"`` (every partition's delta added: each
    token's update counts once, as with Hogwild threads, but 4 or more partitions'
    deltas of a frequent row, all computed from the same weights, overshoot: useless
    vectors at 4 partitions, divergence at 8 in our sweep), ``"mean"`` (sum / partitions:
    plain model averaging; each token counts 1/partitions, which undertrains) or
    ``"row_mean"`` (each row's deltas averaged over the partitions that changed it).
    ``checkpoint``: a folder written (a native model folder) after every round; a run given
    the folder of an unfinished run with the same data and layout resumes after its last round.
    ``exchange``: how the rounds run and the weights travel (the model is the same for all):
    ``"barrier"`` (one Spark barrier job for the whole run: its min(partitions, default
    parallelism) tasks stay, fetch each round's weights over TCP from a thread in the
    driver, train their partitions and push the deltas back; no Spark job per round),
    ``"server"`` (one
    Spark job per round, the weights fetched from the driver's thread once per Python
    worker), ``"broadcast"`` (one Spark job per round, the weights as Spark broadcasts in
    64 MiB row blocks: the slowest, but no connection to the driver beyond Spark's own), or
    ``"auto"`` (the default: ``"barrier"``, or ``"server"`` under dynamic allocation, which
    barrier jobs refuse). ``"barrier"`` and
    ``"server"`` need the executors to reach the driver's host on a free port, as they
    reach Spark's own driver ports.
    """
    from ..vectors.keyed import WordVectors

    _check(model, partitions, rounds_per_epoch, combine, exchange)
    if spark is None:
        spark = session()
    sc = spark.sparkContext
    t_start = time.perf_counter()
    server = runner = None
    try:
        rdd, name = lines_rdd(data, spark, column, partitions)
        P = rdd.getNumPartitions()
        # Lines numbered (partition, line in it): the corpus order, with no job to count the
        # lines first (zipWithIndex's); read once, the local ids cached for the encoding.
        local = local_ids(rdd, model.standardize).persist()
        vocab = count_vocabulary(local, model, name)
        index_bc = sc.broadcast({w.encode("utf-8"): i for i, w in enumerate(vocab.words)})
        max_len = int(model.max_sentence_length)
        encoded = local.flatMap(lambda rec: tasks.encode_partition(rec, index_bc, max_len)).persist()
        sizes = encoded.map(lambda r: int(r[0].size)).collect()
        n_tokens = int(sum(sizes))
        if n_tokens == 0:
            raise CorpusError(f"{name}: no token of the corpus is in the vocabulary")
        bases = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        # Jobs of batch_words tokens, smaller on a small corpus so every round gives every
        # partition some jobs (the schedule stays exact: each job's span is its own).
        if rounds_per_epoch is None:
            rounds_per_epoch = max(20, -(-n_tokens * P // (2 * ROUND_TOKENS)))
        if combine == "auto":
            combine = "sum" if P <= 2 else "momentum"
        batch = int(min(model.batch_words, max(100, n_tokens // (int(rounds_per_epoch) * P * 4))))
        # Job j belongs to partition j % P, which trains on task slot (j % P) % S.
        exchange, S = rounds_mod.choose(exchange, sc, P)
        jobs_rdd = (encoded.mapPartitionsWithIndex(lambda p, recs: tasks.job_pieces(p, recs, bases, batch))
                    .partitionBy(S, lambda label: (label % P) % S)
                    .mapPartitions(tasks.assemble_jobs, preservesPartitioning=True).persist())
        n_jobs = (n_tokens - 1) // batch + 1  # job labels 0 .. n_jobs - 1 (some may be empty)
        jobs_rdd.count()  # materialise the cache now; the text-side caches can go
        encoded.unpersist()
        local.unpersist()
        index_bc.unpersist()
        rounds = max(1, min(int(rounds_per_epoch), n_jobs // P or 1))

        model.vocab_ = vocab
        model._set_vocab(vocab)
        model._init_weights()
        model.history_ = []
        model.epochs_done_ = model.jobs_done_ = 0
        model.encoded_ = None
        model.corpus_ = _SparkSource({"source": name, "spark": {"partitions": P, "rounds_per_epoch": rounds,
                                                                 "combine": combine, "n_tokens": n_tokens}})
        layout = {"partitions": P, "rounds_per_epoch": rounds, "combine": combine, "n_tokens": n_tokens,
                  "batch_words": batch}
        # Block momentum, one array per trained array, kept by the driver (at 1 partition
        # eta is 0 and momentum is the sum: no arrays).
        momentum = {k: np.zeros_like(v) for k, v in model.trained_arrays().items()
                    if v is not None} if combine == "momentum" and P > 1 else {}
        start = (0, 0)
        if checkpoint is not None:
            start = _resume(model, Path(checkpoint), layout, momentum)

        counts_bc = sc.broadcast(vocab.counts)
        cfg = {"vector_size": model.vector_size, "sample": model.sample, "negative": model.negative,
               "ns_exponent": model.ns_exponent, "hs": bool(model.hs), "sg": bool(model.sg),
               "cbow_mean": bool(model.cbow_mean), "window": model.window, "n_tokens": n_tokens,
               "epochs": model.epochs, "alpha": model.effective_alpha, "min_alpha": model.min_alpha,
               "seed": model.seed, "vocab_key": uuid.uuid4().hex,
               "fault": os.environ.get("WORDVEC_SPARK_FAULT")}  # tests: a task dies once, is retried
        arrays = {k: v for k, v in (("vectors", model.wv.vectors), ("syn1neg", model.syn1neg),
                                    ("syn1", model.syn1)) if v is not None}
        from ..train.schedule import Schedule

        sched = Schedule(n_tokens, model.epochs, model.effective_alpha, model.min_alpha, model.seed)
        cfg.update(rounds=rounds, n_jobs=n_jobs, partitions=P, slots=S)
        runner, server = rounds_mod.runner(exchange, sc, jobs_rdd, counts_bc, cfg, P)
        changed = None  # the rows the last round changed (None: unknown, or all with momentum)
        for epoch in range(start[0], model.epochs):
            t_epoch = time.perf_counter()
            sums = list(model.partial_epoch_.get("sums", [0.0, 0, 0, 0])) if epoch == start[0] and start[1] else \
                [0.0, 0, 0, 0]
            for r in range(start[1] if epoch == start[0] else 0, rounds):
                lo, hi = n_jobs * r // rounds, n_jobs * (r + 1) // rounds
                stats, changed = _round(runner, arrays, epoch * rounds + r, epoch, lo, hi, P, combine, momentum,
                                        changed)
                for k in range(4):
                    sums[k] += stats[k]
                if not np.isfinite(stats[0]):  # the loss, or a weight the round wrote (``_round``)
                    from ..train.runner import diverged

                    raise diverged(model, epoch, "the weights")
                if verbose:
                    print(f"epoch {epoch + 1} round {r + 1}/{rounds}: loss {stats[0] / max(1, stats[1]):.4f}",
                          flush=True)
                if r + 1 < rounds:
                    if checkpoint is not None:
                        model.partial_epoch_ = {"sums": sums}
                        _write_checkpoint(model, Path(checkpoint), layout, epoch, r + 1, momentum)
                    continue
                seconds = time.perf_counter() - t_epoch
                loss, terms, eff, words = sums
                model.history_.append({"epoch": epoch, "loss": loss / max(1, terms), "loss_terms": int(terms),
                                       "words": int(words), "effective_words": int(eff), "seconds": seconds,
                                       "words_per_sec": words / max(seconds, 1e-9),
                                       "lr": float(sched.lr_at((epoch + 1) * n_tokens)), "rounds": rounds})
                model.epochs_done_ = epoch + 1
                model.partial_epoch_ = {}
                if checkpoint is not None and epoch + 1 < model.epochs:
                    _write_checkpoint(model, Path(checkpoint), layout, epoch, rounds, momentum)
        runner.close(failed=False)
        runner = None
        counts_bc.unpersist()
        jobs_rdd.unpersist()
    except WordvecError:
        raise
    except Exception as e:
        if type(e).__module__.startswith(("py4j", "pyspark")):
            raise WordvecError(f"spark: {_first_line(e)}") from None
        raise
    finally:
        if runner is not None:
            runner.close(failed=True)
        if server is not None:
            server.close()
    model.wv = WordVectors(vocab.words, model.wv.vectors, vocab.counts)
    model.spark_seconds_ = time.perf_counter() - t_start
    return model


def momentum_lag(P: int) -> float:
    """Over how many rounds block momentum spreads a round's summed deltas (eta = 1 - 1/L).
    L = P (the classic choice, g the mean delta) lags more as P grows; too short a lag
    overshoots as ``sum`` does. Measured (20 Wikipedia files, 3 epochs, seeds 1 and 2;
    analogy against one machine's): P = 8: L = 8 -0.79 / -0.53, L = 6 -0.32 / +0.35,
    L = 4 -5.68; P = 16: L = 16 -2.23 / -1.17, L = 8 -0.71 / -0.79, L = 4 diverged;
    P = 32: L = 32 -2.77, L = 16 -0.95 / -0.79."""
    return float(min(P, max(6, P / 2)))


def _round(runner, arrays: dict, round_no: int, epoch, lo, hi, P, combine, momentum: dict, changed=None):
    """One round: the tasks train their jobs of [lo, hi) from the weights (``runner``; the
    rows ``changed`` by the round before, if known), and the driver applies the combined
    deltas. Returns the loss sums (the loss NaN if a weight written became infinite or NaN)
    and what changed: {name: rows}, or with momentum ("momentum", eta, L, {name: (rows,
    summed deltas)}), from which a task holding the round before computes this one."""
    from ..kernels.deltas import add_scaled_rows, gather_sum, momentum_step

    results = runner.run(arrays, round_no, epoch, lo, hi, changed, momentum)
    stats = [0.0, 0, 0, 0]
    finite = True  # every value the deltas wrote: NaN or inf can enter the model only there
    touched = {name: np.zeros(a.shape[0], np.int32) for name, a in arrays.items()} if combine == "row_mean" else None
    acc = {name: np.zeros_like(a) for name, a in arrays.items()} if combine == "row_mean" else None
    scale = np.float32(1.0 / P) if combine == "mean" else np.float32(1.0)
    if momentum:
        # Nesterov block momentum with g = (sum of the deltas) / L: m' = eta m + g and
        # w += eta m' + g, i.e. w += eta^2 m + (1 + eta) g; then m = m'. With eta = 1 - 1/L a
        # delta's total effect is g / (1 - eta) = the sum, spread over about L rounds. The
        # summed deltas are what barrier tasks fetch: they apply the same step themselves.
        L = momentum_lag(P)
        eta = np.float32(1.0 - 1.0 / L)
        steps = {}
        for name, m in momentum.items():
            own = [it for it in results if it[0] == "delta" and it[1] == name]
            union = np.unique(np.concatenate([it[2] for it in own])) if own else np.zeros(0, np.int64)
            g = np.zeros((union.size, m.shape[1]), np.float32)
            for it in own:  # in partition order: the same sums on every run
                gather_sum(it[2], union, it[3], g)
            finite &= momentum_step(arrays[name], m, union, g, eta, L)
            steps[name] = (union, g)
    for item in results:  # in partition order: the same sums on every run
        if item[0] == "stats":
            for k in range(4):
                stats[k] += item[2 + k]
            continue
        _, name, rows, delta = item
        if momentum:
            continue  # applied above
        if combine == "row_mean":
            finite &= add_scaled_rows(acc[name], rows, delta, np.float32(1.0))
            touched[name][rows] += 1
        else:  # sum (scale 1) or mean (1 / P)
            finite &= add_scaled_rows(arrays[name], rows, delta, scale)
    if combine == "row_mean":
        for name, a in arrays.items():
            rows = np.flatnonzero(touched[name])
            a[rows] += acc[name][rows] / touched[name][rows, None].astype(np.float32)
    if not finite:
        stats[0] = float("nan")  # the caller's divergence check
    if momentum:
        return stats, ("momentum", float(eta), L, steps)
    rows = {name: [it[2] for it in results if it[0] == "delta" and it[1] == name] for name in arrays}
    return stats, {name: np.unique(np.concatenate(r)) if r else np.zeros(0, np.int64) for name, r in rows.items()}


# ---------------------------------------------------------------------- checkpoints
def _write_checkpoint(model, path: Path, layout: dict, epoch: int, rounds_done: int, momentum: dict) -> None:
    cfg = model.config()
    cfg["spark_progress"] = {**layout, "epoch": epoch, "rounds_done": rounds_done,
                             "sums": model.partial_epoch_.get("sums"), "momentum": sorted(momentum)}
    cfg["epochs_done"] = epoch + (rounds_done >= layout["rounds_per_epoch"])
    model.write_folder(path, cfg, extra={f"momentum-{k}": v for k, v in momentum.items()})


def _resume(model, path: Path, layout: dict, momentum: dict) -> tuple[int, int]:
    """(epoch, round) to start from: (0, 0), or after the last round of the checkpoint there."""
    if not (path / "config.json").is_file():
        return 0, 0
    from ..formats.native import load_model_dir

    cfg, words, counts, arrays = load_model_dir(path)
    prog = cfg.get("spark_progress")
    if not isinstance(prog, dict):
        raise WordvecError(f"{path}: is a model folder, not a Spark checkpoint; choose a new checkpoint folder")
    same = ({k: prog.get(k) for k in layout} == layout and list(words) == list(model.vocab_.words)
            and cfg.get("params", {}).get("seed") == model.seed
            and cfg.get("params", {}).get("vector_size") == model.vector_size)
    if not same:
        raise WordvecError(f"{path}: a checkpoint of another corpus, vocabulary or layout; "
                           f"choose a new checkpoint folder or train with the same settings")
    for name in ("vectors", "syn1neg", "syn1"):
        target = model.wv.vectors if name == "vectors" else getattr(model, name)
        if target is not None:
            target[...] = arrays[name]
    if sorted(prog.get("momentum") or []) != sorted(momentum):
        raise WordvecError(f"{path}: a checkpoint of another combine rule; choose a new checkpoint folder")
    from ..formats.native import load_array

    for name, m in momentum.items():  # validated (shape, dtype, no pickle) before it is read
        m[...] = load_array(path / f"extra-momentum-{name}.npy", m.shape[0], m.shape[1], False)
    model.history_ = [dict(h) for h in cfg.get("history", [])]
    model.partial_epoch_ = {"sums": prog.get("sums") or [0.0, 0, 0, 0]}
    epoch, done = int(prog["epoch"]), int(prog["rounds_done"])
    if done >= layout["rounds_per_epoch"]:
        return epoch + 1, 0
    return epoch, done
