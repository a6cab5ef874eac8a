"""wordvec.spark: Word2Vec trained on Spark (local[2]) matches one machine's vocabulary and
accuracy, is deterministic for a seed and layout, resumes from checkpoints, and its CLI works."""
from __future__ import annotations

import json
import os
import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("pyspark")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Spark needs Java: none on PATH or JAVA_HOME", allow_module_level=True)

from click.testing import CliRunner  # noqa: E402

from conftest import group_purity, planted_sentences  # noqa: E402
from wordvec import Word2Vec  # noqa: E402
from wordvec.errors import ParameterError, WordvecError  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    import wordvec.spark as ws

    # local[2, 4]: two threads, and up to 4 attempts of a task (local mode's default is 1),
    # so a task that dies is retried as on a cluster
    s = ws.session("local[2,4]", app_name="wordvec tests")
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def planted_lines():
    sents, vocab = planted_sentences(groups=4, per_group=6, sentences=1500, length=10, seed=1)
    return [" ".join(s) for s in sents], vocab


def small(**kw):
    p = dict(vector_size=16, window=3, min_count=1, epochs=3, seed=5, negative=5)
    p.update(kw)
    return Word2Vec(**p)


def tie_corpus(tmp_path):
    """Many tied counts, punctuation, capitals and non-ASCII: the ties decide the order."""
    rng = np.random.default_rng(7)
    words = [f"W{i}" for i in range(60)] + ["Été", "naïve", "x,y", "THE"]
    lines = []
    for _ in range(400):
        k = int(rng.integers(0, 12))
        lines.append(" ".join(rng.choice(words, size=k)) + (" end." if k % 3 == 0 else ""))
    lines.insert(50, "")
    path = tmp_path / "ties.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("min_count,max_final_vocab,partitions", [(1, None, 3), (3, None, 2), (1, 25, 4)])
def test_same_vocabulary_as_one_machine(spark, tmp_path, min_count, max_final_vocab, partitions):
    import wordvec.spark as ws

    path = tie_corpus(tmp_path)
    one = Word2Vec(min_count=min_count, max_final_vocab=max_final_vocab)
    one.build_vocab(str(path))
    rdd, name = ws.lines_rdd(str(path), spark, partitions=partitions)
    assert rdd.getNumPartitions() == partitions
    vocab = ws.count_vocabulary(ws.local_ids(rdd, one.standardize),
                                Word2Vec(min_count=min_count, max_final_vocab=max_final_vocab), name)
    assert vocab.words == one.vocab_.words
    assert vocab.counts.tolist() == one.vocab_.counts.tolist()
    assert (vocab.raw_words, vocab.unique_words, vocab.min_count) == (
        one.vocab_.raw_words, one.vocab_.unique_words, one.vocab_.min_count)


def test_encoding_is_one_machines(spark, tmp_path):
    """Counted and encoded in one pass per partition: the same token ids and sentences as
    one machine (out-of-vocabulary words dropped, empty lines gone, long lines split)."""
    import wordvec.spark as ws
    from wordvec.spark.tasks import encode_partition

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    lines = [" ".join(rng.choice(words, int(rng.integers(0, 30)))) for _ in range(300)]
    lines[5] = " ".join(words * 3)  # longer than max_sentence_length
    lines[9] = "\t rare\x0bwords  here "
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    one = Word2Vec(min_count=2, max_sentence_length=50)
    one.build_vocab(str(path))
    enc = one.encoded_
    rdd, _ = ws.lines_rdd(str(path), spark, partitions=3)
    records = ws.local_ids(rdd, one.standardize).collect()
    index = {w.encode(): i for i, w in enumerate(one.vocab_.words)}

    class Value:
        value = index

    parts = [next(encode_partition(rec, Value, 50)) for rec in records]
    tokens = np.concatenate([t for t, _ in parts])
    lengths = np.concatenate([n for _, n in parts])
    assert np.array_equal(tokens, enc.read(0, enc.n_tokens))
    assert np.array_equal(lengths, np.diff(np.asarray(enc.offsets)))


@pytest.mark.parametrize("sg", [1, 0])
def test_planted_structure_close_to_one_machine(spark, planted_lines, sg):
    import wordvec.spark as ws

    lines, vocab = planted_lines
    one = small(sg=sg, workers=1).fit([s.split() for s in lines])
    m = ws.fit(small(sg=sg), spark.sparkContext.parallelize(lines, 2), spark, rounds_per_epoch=8)
    assert m.wv.index_to_key == one.wv.index_to_key
    p_spark, p_one = group_purity(m.wv, vocab), group_purity(one.wv, vocab)
    assert p_spark >= 0.9 and p_spark >= p_one - 0.1, (p_spark, p_one)
    assert m.history_[-1]["loss"] < m.history_[0]["loss"]
    assert m.history_[-1]["loss"] < 1.25 * one.history_[-1]["loss"]
    assert len(m.history_) == 3 and m.epochs_done_ == 3


def test_deterministic_for_a_seed_and_layout(spark, planted_lines):
    import wordvec.spark as ws

    lines, _ = planted_lines
    runs = [ws.fit(small(seed=s, hs=True, epochs=1), spark.sparkContext.parallelize(lines, 2), spark,
                   rounds_per_epoch=3) for s in (5, 5, 6)]
    for name in ("vectors", "syn1neg", "syn1"):
        a, b, c = (r.trained_arrays()[name] for r in runs)
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)


def test_weight_exchanges_give_the_same_model(spark, planted_lines):
    """A barrier job (auto at 2 partitions on local[2]), a job per round with the weight
    server, and Spark broadcasts: the same bytes, combined in the same order, the same model."""
    import wordvec.spark as ws

    lines, _ = planted_lines
    rdd = spark.sparkContext.parallelize(lines, 2)
    models = {x: ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=3, exchange=x)
              for x in ("auto", "barrier", "server", "broadcast")}
    for x, m in models.items():
        for name, a in models["barrier"].trained_arrays().items():
            assert np.array_equal(a, m.trained_arrays()[name]), (x, name)
        assert [h["loss"] for h in m.history_] == [h["loss"] for h in models["barrier"].history_]
    # 5 partitions on 2 slots: a barrier task trains several partitions, the same model
    rdd5 = spark.sparkContext.parallelize(lines, 5)
    shared, own = (ws.fit(small(epochs=1), rdd5, spark, rounds_per_epoch=3, exchange=x) for x in ("barrier", "server"))
    for name, a in own.trained_arrays().items():
        assert np.array_equal(a, shared.trained_arrays()[name]), name
    with pytest.raises(ParameterError, match="exchange='pigeon' is invalid"):
        ws.fit(small(), rdd, spark, exchange="pigeon")


def test_weight_server_serves_raw_arrays_to_its_own_run_only():
    from wordvec.spark.exchange import WeightServer, fetch

    a, b = np.arange(12, dtype=np.float32).reshape(3, 4), np.ones((2, 4), np.float32)
    with WeightServer("127.0.0.1") as server:
        server.publish(7, [a, b])
        got = fetch(server.address, server.token, 7, [(3, 4), (2, 4)])
        assert np.array_equal(got[0], a) and np.array_equal(got[1], b)
        with pytest.raises(OSError, match="no longer serves round 6"):
            fetch(server.address, server.token, 6, [(3, 4), (2, 4)])
        with pytest.raises(OSError, match="sent 48 bytes for a"):  # shapes are checked, not trusted
            fetch(server.address, server.token, 7, [(4, 4), (2, 4)])
        with pytest.raises(OSError):  # another run's token: the server says nothing
            fetch(server.address, b"x" * 16, 7, [(3, 4), (2, 4)])
        port = server.address[1]
    with pytest.raises(OSError, match=r"cannot reach the driver's weight server at 127.0.0.1:\d+ .*"
                                      r"exchange='broadcast'"):
        fetch(("127.0.0.1", port), b"x" * 16, 7, [(3, 4)])


def test_weight_server_collects_pushed_results_in_partition_order():
    import threading

    from wordvec.spark.exchange import WeightServer, fetch, push

    a = np.zeros((5, 3), np.float32)
    with WeightServer("127.0.0.1") as server:
        server.publish(4, [a, a])
        d = np.ones((2, 3), np.float32)
        def res(p):
            return p, [("delta", "b", np.array([0, 4]), d * (p + 1)), ("stats", p, 0.5, 2, 3, 4)]

        # a task pushes its partitions together; partition 1 twice: a restarted task's copy
        # replaces the first
        push(server.address, server.token, 4, [res(1), res(2)], ["a", "b"])
        push(server.address, server.token, 4, [res(0)], ["a", "b"])
        push(server.address, server.token, 4, [res(1)], ["a", "b"])
        items = server.results(4, 3)
        deltas = [it for it in items if it[0] == "delta"]
        assert [it[1] for it in deltas] == [1, 1, 1] and [it[3][0, 0] for it in deltas] == [1, 2, 3]
        assert [it[2:] for it in items if it[0] == "stats"] == [(0.5, 2, 3, 4)] * 3
        with pytest.raises(OSError):  # a row outside the array: refused, not applied
            push(server.address, server.token, 4, [(0, [("delta", "a", np.array([5]), d[:1]),
                                                        ("stats", 0, 0.0, 0, 0, 0)])], ["a", "b"])
        # a task waiting for the next round gets it when it is published, then "finished"
        got = []
        t = threading.Thread(target=lambda: got.append(fetch(server.address, server.token, 5, [(5, 3)] * 2,
                                                             at_least=True)))
        t.start()
        server.publish(5, [a + 1, a])
        t.join(10)
        assert got[0][0] == 5 and got[0][1][0][0, 0] == 1
        # a task holding round 5 gets only the rows round 6 changed, applied to its copy
        held = [x.copy() for x in got[0][1]]
        b = a + 1
        b[2] = 7
        server.publish(6, [b, a], changed=[np.array([2]), np.zeros(0, np.int64)])
        r, arrays = fetch(server.address, server.token, 6, [(5, 3)] * 2, at_least=True, held=held, held_round=5)
        assert r == 6 and arrays is held and np.array_equal(held[0], b) and np.array_equal(held[1], a)
        r, arrays = fetch(server.address, server.token, 6, [(5, 3)] * 2, at_least=True)  # a new task: all
        assert np.array_equal(arrays[0], b)
        # block momentum: a task holding (weights, momentum) of round 6 gets round 7's summed
        # deltas and applies the driver's step itself, to the same bits
        from wordvec.kernels.deltas import momentum_step

        w, m = b.copy(), np.full((5, 3), 0.5, np.float32)
        held = [w.copy(), m.copy()]
        rows, g = np.array([1, 3]), np.ones((2, 3), np.float32)
        momentum_step(w, m, rows, g, 0.75, 4.0)
        server.publish(7, [w, m], increments=(0.75, 4.0, [(rows, g)]))
        r, arrays = fetch(server.address, server.token, 7, [(5, 3)] * 2, at_least=True, held=held, held_round=6)
        assert r == 7 and arrays is held and np.array_equal(held[0], w) and np.array_equal(held[1], m)
        assert not np.array_equal(w, b)
        server.finish()
        assert fetch(server.address, server.token, 6, [(5, 3)] * 2, at_least=True) is None


def test_delta_kernels_match_numpy():
    from wordvec.kernels.deltas import add_scaled_rows, changed_rows, decay, mark_rows, row_deltas

    rng = np.random.default_rng(0)
    old = rng.random((50, 7), dtype=np.float32)
    new = old.copy()
    new[[3, 17, 49], [0, 6, 2]] += 1
    rows = changed_rows(new, old)
    assert rows.tolist() == [3, 17, 49]
    assert np.array_equal(row_deltas(new, old, rows), new[rows] - old[rows])
    target = old.copy()
    assert add_scaled_rows(target, rows, new[rows] - old[rows], np.float32(0.5))
    expect = old.copy()
    expect[rows] += (new[rows] - old[rows]) * np.float32(0.5)
    assert np.array_equal(target, expect)
    # a value written that is infinite or NaN is reported (the driver's divergence check)
    for bad in (np.inf, np.nan):
        delta = np.zeros((1, 7), np.float32)
        delta[0, 4] = bad
        assert not add_scaled_rows(target.copy(), rows[:1], delta, np.float32(1.0))
    # a mask limits the comparison to the rows that may have changed
    mask = np.zeros(50, np.bool_)
    mark_rows(mask, np.array([17, 49, 49], np.int32))
    assert changed_rows(new, old, mask).tolist() == [17, 49]
    # block momentum's decay: one pass, the same bits as NumPy's two
    w, m = rng.random((50, 7), dtype=np.float32), rng.random((50, 7), dtype=np.float32)
    ew, em = w + m * np.float32(0.81), m * np.float32(0.9)
    decay(w, m, np.float32(0.81), np.float32(0.9))
    assert np.array_equal(w, ew) and np.array_equal(m, em)


@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("hs,negative", [(False, 5), (True, 0), (True, 3)])
def test_kernels_record_every_output_row_they_write(sg, hs, negative):
    """A task's delta scan reads only the rows the kernels recorded (and the slice's own
    words): every row that changed must be among them, or its delta would be lost."""
    from wordvec.kernels.deltas import changed_rows
    from wordvec.kernels.tables import build_tables
    from wordvec.kernels.word2vec import cbow_job, skipgram_job

    rng = np.random.default_rng(1)
    V, d = 300, 8
    counts = np.sort(rng.integers(1, 1000, V))[::-1].copy()
    tables = build_tables(counts, 1e-3, negative, 0.75, hs)
    tokens = rng.integers(0, V // 3, 2000).astype(np.int32)  # the slice uses a third of the words
    bounds = np.array([0, 700, 2000], np.int64)
    syn0 = (rng.random((V, d), dtype=np.float32) - 0.5) / d
    syn1, syn1neg = rng.random((V, d), dtype=np.float32), rng.random((V, d), dtype=np.float32)
    before = [a.copy() for a in (syn0, syn1, syn1neg)]
    touched = np.zeros((2, V), np.bool_)
    if sg:
        skipgram_job(tokens, bounds, syn0, syn1, syn1neg, tables, 3, negative, hs, 0.05, 0.04, 7, touched)
    else:
        cbow_job(tokens, bounds, syn0, syn1, syn1neg, tables, 3, negative, hs, True, 0.05, 0.04, 7, touched)
    inputs = np.zeros(V, np.bool_)
    inputs[tokens] = True
    for new, old, marks in zip((syn0, syn1, syn1neg), before, (inputs, touched[1], touched[0])):
        rows = changed_rows(new, old)
        assert marks[rows].all()
        assert np.array_equal(changed_rows(new, old, marks), rows)
    assert changed_rows(syn1neg, before[2]).size > 0 if negative else not touched[0].any()
    assert changed_rows(syn1, before[1]).size > 0 if hs else not touched[1].any()


def test_killed_task_is_retried_with_the_same_result(spark, planted_lines, tmp_path, monkeypatch):
    """A Python worker killed mid-task (after training one of its jobs on its private copy)
    costs a retried task, not the run, and the model is bit for bit an unbroken run's."""
    import wordvec.spark as ws

    lines, _ = planted_lines
    rdd = spark.sparkContext.parallelize(lines, 2)
    clean = ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=2)
    monkeypatch.setenv("WORDVEC_SPARK_FAULT", str(tmp_path))
    broken = ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=2)
    assert (tmp_path / "wordvec-spark-fault").exists()  # a task did die
    for name, a in clean.trained_arrays().items():
        assert np.array_equal(a, broken.trained_arrays()[name]), name
    assert [h["words"] for h in broken.history_] == [h["words"] for h in clean.history_]


def test_averaging_combines_run_and_undertrain(spark, planted_lines):
    """mean / row_mean weigh each token below 1: they train, but less than sum (measured)."""
    import wordvec.spark as ws

    lines, _ = planted_lines
    rdd = spark.sparkContext.parallelize(lines, 2)
    loss = {c: ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=2, combine=c).history_
            for c in ("sum", "mean", "row_mean")}
    for c, h in loss.items():
        assert h[-1]["loss"] < h[0]["loss"], c
    assert loss["sum"][-1]["loss"] < loss["mean"][-1]["loss"]


def test_momentum_is_sum_at_one_partition_and_trains_at_eight(spark, planted_lines):
    """Block momentum (the default) is the sum exactly at 1 partition; at 8 partitions, where
    the sum's simultaneous deltas overshoot, it trains as one machine does."""
    import wordvec.spark as ws

    lines, vocab = planted_lines
    sc = spark.sparkContext
    a = ws.fit(small(epochs=1), sc.parallelize(lines, 1), spark, rounds_per_epoch=3)
    b = ws.fit(small(epochs=1), sc.parallelize(lines, 1), spark, rounds_per_epoch=3, combine="sum")
    for name, arr in a.trained_arrays().items():
        assert np.array_equal(arr, b.trained_arrays()[name]), name
    # A high learning rate makes the planted corpus show what a large one does at the
    # default: eight partitions' deltas of the same rows, added, overshoot (loss ~146).
    one = small(alpha=0.25, workers=1).fit([x.split() for x in lines])
    runs = {c: ws.fit(small(alpha=0.25), sc.parallelize(lines, 8), spark, rounds_per_epoch=8, combine=c)
            for c in ("momentum", "sum")}
    m, s = runs["momentum"], runs["sum"]
    assert m.corpus_.describe()["spark"]["partitions"] == 8
    assert group_purity(m.wv, vocab) >= 0.9, group_purity(m.wv, vocab)
    assert m.history_[-1]["loss"] < 1.25 * one.history_[-1]["loss"], (m.history_, one.history_)
    assert s.history_[-1]["loss"] > 5 * one.history_[-1]["loss"], s.history_  # the sum's overshoot


def test_divergence_is_the_one_machine_error(spark, planted_lines):
    """A learning rate that blows up stops the run after the round that wrote inf or NaN,
    with one machine's one-line error (the driver checks the rows the deltas wrote, not a
    scan of the whole model each round)."""
    import wordvec.spark as ws
    from wordvec.errors import TrainingDiverged

    lines, _ = planted_lines
    for combine in ("sum", "momentum"):
        with pytest.raises(TrainingDiverged, match=r"training diverged in epoch 1: .*smaller alpha"):
            ws.fit(small(alpha=10, epochs=1), spark.sparkContext.parallelize(lines, 4), spark,
                   rounds_per_epoch=4, combine=combine)


def test_dataframe_columns_of_text_and_tokens(spark, planted_lines):
    import wordvec.spark as ws
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    lines, vocab = planted_lines
    schema = StructType([StructField("id", StringType()), StructField("text", StringType()),
                         StructField("tokens", ArrayType(StringType()))])
    df = spark.createDataFrame([(str(i), s.upper(), s.split()) for i, s in enumerate(lines)], schema)
    by_text = ws.fit(small(), df, spark, column="text", rounds_per_epoch=4)
    by_tokens = ws.fit(small(), df.select("tokens"), spark, rounds_per_epoch=4)  # the one column
    assert by_text.wv.index_to_key == by_tokens.wv.index_to_key  # lowercased as one machine does
    for m in (by_text, by_tokens):
        assert group_purity(m.wv, vocab) >= 0.9
    with pytest.raises(ParameterError, match="name the one that holds the text"):
        ws.fit(small(), df, spark)
    with pytest.raises(ParameterError, match="'nope' is not a column"):
        ws.fit(small(), df, spark, column="nope")
    with pytest.raises(ParameterError, match="must hold text"):
        ws.fit(small(), spark.createDataFrame([(1,)], ["n"]), spark)


def test_model_saves_loads_and_queries(spark, planted_lines, tmp_path):
    import wordvec.spark as ws

    lines, vocab = planted_lines
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    m = ws.fit(small(), str(path), spark, partitions=2, rounds_per_epoch=4)
    m.save(tmp_path / "model")
    loaded = Word2Vec.load(tmp_path / "model", mmap=True)
    assert np.array_equal(loaded.wv.vectors, m.wv.vectors)
    best = loaded.wv.most_similar(vocab[0][0], topn=3)
    assert len(best) == 3 and best[0][0] in vocab[0]
    loaded.wv.save_word2vec_format(tmp_path / "vec.txt")
    cfg = json.loads((tmp_path / "model" / "config.json").read_text())
    assert cfg["corpus"]["spark"]["partitions"] == 2 and cfg["epochs_done"] == 3


def test_checkpoint_resumes_exactly(spark, planted_lines, tmp_path, monkeypatch):
    import wordvec.spark as ws

    lines, _ = planted_lines
    rdd = spark.sparkContext.parallelize(lines, 2)
    whole = ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=2)
    real, calls = ws._round, []

    def stopping(*args, **kw):
        calls.append(1)
        if len(calls) == 4:  # epoch 2, round 2
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(ws, "_round", stopping)
    with pytest.raises(KeyboardInterrupt):
        ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=2, checkpoint=tmp_path / "ckpt")
    monkeypatch.setattr(ws, "_round", real)
    cfg = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    assert cfg["spark_progress"]["epoch"] == 1 and cfg["spark_progress"]["rounds_done"] == 1
    resumed = ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=2, checkpoint=tmp_path / "ckpt")
    assert np.array_equal(resumed.wv.vectors, whole.wv.vectors)
    assert np.array_equal(resumed.syn1neg, whole.syn1neg)
    assert [h["epoch"] for h in resumed.history_] == [0, 1]
    with pytest.raises(WordvecError, match="another corpus, vocabulary or layout"):
        ws.fit(small(epochs=2), rdd, spark, rounds_per_epoch=3, checkpoint=tmp_path / "ckpt")


def test_cli_end_to_end(spark, planted_lines, tmp_path):
    from wordvec.cli.main import cli

    lines, vocab = planted_lines
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("\n".join(lines[:400]) + "\n")
    (tmp_path / "c" / "b.txt").write_text("\n".join(lines[400:]) + "\n")
    out = tmp_path / "model"
    r = CliRunner().invoke(cli, ["spark-train", str(tmp_path / "c"), "-o", str(out), "--master", "local[2]",
                                 "--partitions", "2", "--rounds", "4", "--min-count", "1", "--dim", "16",
                                 "--epochs", "3", "--window", "3", "--cbow"])
    assert r.exit_code == 0, r.output
    assert "trained 27 words x 16 dims" in r.output
    m = Word2Vec.load(out)
    assert not m.sg and group_purity(m.wv, vocab) >= 0.9
    r = CliRunner().invoke(cli, ["similar", str(out), vocab[1][0], "-n", "2"])
    assert r.exit_code == 0 and r.output.strip().splitlines()[0].split()[-1] in vocab[1], r.output


@pytest.mark.parametrize("args,message", [
    (["MISSING", "-o", "OUT"], "no such file or folder"),
    (["CORPUS", "-o", "OUT", "--dim", "0"], "--dim=0 is invalid"),
    (["CORPUS", "-o", "OUT", "--rounds", "0"], "--rounds=0 is invalid"),
    (["CORPUS", "-o", "OUT", "--partitions", "0"], "partitions=0 is invalid"),
])
def test_cli_errors_are_one_line(spark, tmp_path, args, message):
    from wordvec.cli.main import cli

    (tmp_path / "corpus.txt").write_text("a b c\n")
    args = [str(tmp_path / "missing.txt") if a == "MISSING" else str(tmp_path / "corpus.txt") if a == "CORPUS"
            else str(tmp_path / "out") if a == "OUT" else a for a in args]
    r = CliRunner().invoke(cli, ["spark-train", *args])
    assert r.exit_code == 2, r.output
    err = r.output.strip().splitlines()
    assert len(err) == 1 and message in err[0], r.output


def test_clear_errors(spark, tmp_path):
    import wordvec.spark as ws
    from wordvec import Doc2Vec

    sc = spark.sparkContext
    with pytest.raises(ParameterError, match="Doc2Vec cannot train on Spark"):
        ws.fit(Doc2Vec(), sc.parallelize(["a b"]), spark)
    with pytest.raises(ParameterError, match="not a Spark DataFrame"):
        ws.fit(small(), 42, spark)
    with pytest.raises(WordvecError, match="corpus is empty"):
        ws.fit(small(), sc.parallelize(["", "...", "!"], 2), spark)
    with pytest.raises(WordvecError, match="no word occurs at least min_count=5"):
        ws.fit(small(min_count=5), sc.parallelize(["a b c"], 2), spark)
    with pytest.raises(WordvecError, match="partition 1, sentence 0 is int"):  # a worker's error, as one line
        ws.fit(small(), sc.parallelize(["a b", 7], 2), spark)
    with pytest.raises(ParameterError, match="max_vocab_size"):
        ws.fit(small(max_vocab_size=10), sc.parallelize(["a b"]), spark)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "notes.txt").write_text("mine")
    with pytest.raises(WordvecError, match="not a Spark checkpoint|not a wordvec model"):
        ws.fit(small(), sc.parallelize(["a b a b"] * 50, 2), spark, checkpoint=tmp_path / "m")


def test_missing_extra_names_it(monkeypatch):
    import wordvec.spark as ws

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(WordvecError, match=r"pip install 'wordvec\[spark\]'"):
        ws.require_pyspark()


def test_weights_travel_in_bounded_blocks():
    """The 2 GB limit of one Java byte array: weights are broadcast, and deltas returned, in row
    blocks of at most BLOCK_BYTES. (A real vocab x dim > 2**31 model needs > 8 GB per copy: not run.)"""
    from wordvec.spark.tasks import split_rows

    a = np.zeros((1000, 30), np.float32)
    blocks = split_rows(a, block_bytes=12_000)
    assert all(b.nbytes <= 12_000 for b in blocks) and sum(len(b) for b in blocks) == 1000
    assert np.shares_memory(blocks[0], a)
    from wordvec.spark.tasks import delta_items

    b = a.copy()
    b[::3] += 1  # 334 rows changed
    items = list(delta_items("vectors", b, a, 5, block_bytes=12_000))
    assert len(items) == 4 and all(it[3].nbytes <= 12_000 for it in items)
    assert np.array_equal(np.concatenate([it[2] for it in items]), np.arange(0, 1000, 3) + 5)


def test_module_entry_for_spark_submit(tmp_path):
    """``python -m wordvec.spark`` is spark-train as a script (spark-submit runs its file);
    a user's error is one line and exit 2, before any Spark starts."""
    import subprocess
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    r = subprocess.run([sys.executable, "-m", "wordvec.spark", "--path"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and Path(r.stdout.strip()).name == "__main__.py" and Path(r.stdout.strip()).is_file()
    r = subprocess.run([sys.executable, "-m", "wordvec.spark", str(tmp_path / "none.txt"), "-o", str(tmp_path / "m")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [f"wordvec: error: {tmp_path / 'none.txt'}: no such file or folder"]


def test_more_partitions_keep_corpus_order(spark):
    import wordvec.spark as ws

    lines = [f"line {i}" for i in range(50)]
    rdd, _ = ws.lines_rdd(spark.sparkContext.parallelize(lines, 1), spark, partitions=3)
    assert rdd.getNumPartitions() == 3 and rdd.collect() == lines
    rdd, _ = ws.lines_rdd(spark.sparkContext.parallelize(lines, 4), spark, partitions=2)
    assert rdd.getNumPartitions() == 2 and rdd.collect() == lines


def test_no_java_is_one_line(tmp_path, planted_lines):
    """Without Java the session cannot start: wordvec's own line and exit 2 (Spark's launcher
    may print its own line first)."""
    import subprocess
    from pathlib import Path

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "bash").symlink_to(shutil.which("bash"))  # the launcher script, but no java
    (tmp_path / "c.txt").write_text("a b c\n")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env.update(PATH=str(tmp_path / "bin"), PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    r = subprocess.run([sys.executable, "-m", "wordvec.spark", str(tmp_path / "c.txt"), "-o", str(tmp_path / "m"),
                        "--master", "local[1]"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("wordvec: error: spark: cannot start a Spark session")


def test_cli_combine_choices_match_the_trainer():
    from wordvec import spark as trainer
    from wordvec.cli import spark as cli_spark

    assert cli_spark.COMBINE == trainer.COMBINE and cli_spark.EXCHANGE == trainer.EXCHANGE
