"""Checkpoint and resume: a run stopped at any job boundary (by a periodic checkpoint,
Ctrl-C or SIGTERM) and resumed ends exactly as if it had never stopped."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from wordvec import Word2Vec
from wordvec.train.callbacks import Callback
from wordvec.train.checkpoint import CheckpointCallback, parse_every, resume, save_checkpoint
from conftest import StopAfter, run_cli as _cli
from wordvec.errors import CorpusError, ModelFormatError, ParameterError
from wordvec.train.runner import TrainingInterrupted

PARAMS = dict(vector_size=16, min_count=1, epochs=3, workers=1, batch_words=500)


def _write_corpus(path: Path, sentences: int = 1500, seed: int = 0) -> Path:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(300)]
    with open(path, "w") as f:
        for _ in range(sentences):
            f.write(" ".join(rng.choice(vocab) for _ in range(rng.randint(3, 30))) + "\n")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _write_corpus(tmp_path_factory.mktemp("ckpt") / "corpus.txt")


def _same_run(a: Word2Vec, b: Word2Vec) -> None:
    """Bit-identical weights and the same schedule: words, loss, learning rates per epoch."""
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    for x, y in ((a.syn1neg, b.syn1neg), (a.syn1, b.syn1)):
        assert (x is None) == (y is None) and (x is None or np.array_equal(x, y))
    assert len(a.history_) == len(b.history_) == a.epochs
    for ha, hb in zip(a.history_, b.history_):
        for key in ("epoch", "words", "effective_words", "loss_terms", "lr"):
            assert ha[key] == hb[key], key
        assert ha["loss"] == pytest.approx(hb["loss"], rel=1e-12)
    assert sum(h["words"] for h in b.history_) == a.encoded_.n_tokens * a.epochs
    assert b.history_[-1]["lr"] == pytest.approx(a.min_alpha)


@pytest.mark.parametrize("params", [dict(PARAMS), dict(PARAMS, sg=False, hs=True, negative=0)],
                         ids=["skipgram-ns", "cbow-hs"])
def test_periodic_checkpoints_then_interrupt_resume_exactly(corpus, tmp_path, params):
    reference = Word2Vec(**params).fit(corpus)
    model = Word2Vec(**params, report_seconds=1e-9)
    every = CheckpointCallback(tmp_path / "m", every_words=4000)
    total = reference.encoded_.n_tokens * params["epochs"]
    with pytest.raises(TrainingInterrupted, match="interrupted in epoch 2"):
        model.fit(corpus, callbacks=[every, StopAfter(total // 2)])
    assert every.saves >= 2
    # The last periodic checkpoint alone resumes exactly ...
    from_periodic = resume(tmp_path / "m")
    assert 0 < from_periodic.progress_start_ < total // 2 + params["batch_words"] * 2
    _same_run(reference, from_periodic.train())
    # ... and so does the state reached at the interrupt.
    save_checkpoint(model, tmp_path / "m2")
    state = json.loads((tmp_path / "m2" / "config.json").read_text())["checkpoint"]
    assert state["epochs_done"] == 1 and state["jobs_done"] > 0
    assert state["partial_epoch"]["words"] == state["words_done"] - state["n_tokens"]
    resumed = resume(tmp_path / "m2")
    assert resumed.progress_start_ == model.progress_start_ >= total // 2
    assert resumed.wv.vectors.flags.writeable and not isinstance(resumed.wv.vectors, np.memmap)
    _same_run(reference, resumed.train())


def test_checkpoint_between_epochs_and_by_time(corpus, tmp_path):
    reference = Word2Vec(**PARAMS).fit(corpus)
    model = Word2Vec(**PARAMS)
    cb = CheckpointCallback(tmp_path / "m", every_seconds=1e-6)  # due at every report
    with pytest.raises(TrainingInterrupted):
        model.fit(corpus, callbacks=[cb, StopAfter(reference.encoded_.n_tokens + 1)])
    assert cb.saves >= 1
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["checkpoint"]["epochs_done"] >= 1 and cfg["epochs_done"] == cfg["checkpoint"]["epochs_done"]
    _same_run(reference, resume(tmp_path / "m").train())


def test_checkpoint_is_a_loadable_model(corpus, tmp_path):
    model = Word2Vec(**PARAMS).build_vocab(corpus)
    save_checkpoint(model, tmp_path / "m")
    loaded = Word2Vec.load(tmp_path / "m")
    assert loaded.wv.index_to_key == model.wv.index_to_key
    assert np.array_equal(loaded.syn1neg, model.syn1neg)


def test_resume_refuses_a_changed_corpus(tmp_path):
    path = _write_corpus(tmp_path / "c.txt")
    model = Word2Vec(**PARAMS).build_vocab(path)
    save_checkpoint(model, tmp_path / "m")
    with open(path, "a") as f:
        f.write("w1 w2 w3\n")
    with pytest.raises(CorpusError, match=r"c\.txt: differs from the corpus checkpointed in .*m"):
        resume(tmp_path / "m")
    path.unlink()
    with pytest.raises(CorpusError, match=r"c\.txt: no such file or folder"):
        resume(tmp_path / "m")


def test_resume_of_an_iterable_needs_the_corpus(tmp_path):
    sentences = [["a", "b", "c", "d"]] * 50
    model = Word2Vec(**PARAMS).build_vocab(sentences)
    save_checkpoint(model, tmp_path / "m")
    with pytest.raises(ParameterError, match="trained on a Python iterable"):
        resume(tmp_path / "m")
    assert resume(tmp_path / "m", corpus=sentences).train().epochs_done_ == PARAMS["epochs"]


def test_resume_needs_output_weights(corpus, tmp_path):
    model = Word2Vec(**PARAMS).build_vocab(corpus)
    save_checkpoint(model, tmp_path / "m")
    (tmp_path / "m" / "syn1neg.npy").unlink()
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    cfg["arrays"] = ["vectors"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelFormatError, match="no syn1neg.npy"):
        resume(tmp_path / "m")


@pytest.mark.parametrize("mutate, message", [
    (lambda s: s.update(jobs_done=10**6), "jobs_done=1000000 is outside the schedule"),
    (lambda s: s.update(jobs_done=-1), "checkpoint.jobs_done must be an integer >= 0"),
    (lambda s: s.update(epochs_done="1"), "checkpoint.epochs_done must be an integer"),
    (lambda s: s.update(partial_epoch={"words": float("nan")}), "partial_epoch must map"),
], ids=["jobs_done past the schedule", "negative jobs_done", "epochs_done not an integer", "NaN in partial_epoch"])
def test_resume_rejects_a_lying_checkpoint(corpus, tmp_path, mutate, message):
    model = Word2Vec(**PARAMS).build_vocab(corpus)
    save_checkpoint(model, tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    mutate(cfg["checkpoint"])
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelFormatError, match=message):
        resume(tmp_path / "m")


@pytest.mark.parametrize("text, expected", [
    ("1000000", (1000000, None)), ("1_000", (1000, None)), ("30s", (None, 30.0)),
    ("10m", (None, 600.0)), ("1.5h", (None, 5400.0)),
])
def test_parse_every(text, expected):
    assert parse_every(text) == expected


@pytest.mark.parametrize("text", ["", "0", "abc", "10x", "-5", "0s", "5 minutes"])
def test_parse_every_rejects(text):
    with pytest.raises(ParameterError, match=r"checkpoint_every=.* is invalid: .*(number of words|duration)"):
        parse_every(text)


@pytest.mark.parametrize("kwargs, message", [
    (dict(), "give every_words or every_seconds"),
    (dict(every_words=0), "every_words=0 is invalid"),
    (dict(every_seconds=float("inf")), "every_seconds=inf is invalid"),
])
def test_checkpoint_callback_parameters(tmp_path, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        CheckpointCallback(tmp_path, **kwargs)


# ----------------------------------------------------------------------------- the CLI
# ``wordvec train`` in a real process; each job sleeps a little (WORDVEC_TEST_JOB_SLEEP)
# so the signals land mid-training whatever the machine's speed. With WORDVEC_TEST_GATE
# set, jobs that start once a checkpoint exists touch GATE/held and wait for GATE/release
# instead, and the main thread touches GATE/joining when it starts waiting for the
# workers after an interrupt: the second-interrupt test then needs no timing margin at all.
SLOW_WORDVEC = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import wordvec.models.word2vec as training
    from wordvec.train import runner
    real, pause = training.skipgram_job, float(os.environ["WORDVEC_TEST_JOB_SLEEP"])
    gate = os.environ.get("WORDVEC_TEST_GATE")
    out = Path(sys.argv[sys.argv.index("-o") + 1]) if "-o" in sys.argv else None
    def slow(*args):
        if gate and out is not None and (out / "config.json").exists():
            Path(gate, "held").touch()
            deadline = time.monotonic() + 120
            while not Path(gate, "release").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        else:
            time.sleep(pause)
        return real(*args)
    training.skipgram_job = slow
    if gate:
        real_join = runner.EpochRun._join
        def join(self, threads):
            Path(gate, "joining").touch()
            return real_join(self, threads)
        runner.EpochRun._join = join
    from wordvec.cli import main
    main(sys.argv[1:])
    """
)
CLI_ARGS = ["--dim", "16", "--min-count", "1", "--epochs", "3", "--workers", "1"]
CLI_PARAMS = dict(vector_size=16, min_count=1, epochs=3, workers=1)


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    # ~150k tokens: 15 jobs of 10k per epoch, 45 in all.
    return _write_corpus(tmp_path_factory.mktemp("cli") / "corpus.txt", sentences=9000, seed=1)


def _start(args, sleep, gate=None):
    env = dict(os.environ, WORDVEC_TEST_JOB_SLEEP=str(sleep))
    if gate is not None:
        env["WORDVEC_TEST_GATE"] = str(gate)
    return subprocess.Popen([sys.executable, "-c", SLOW_WORDVEC, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(path: Path, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_cli_interrupt_writes_checkpoint_and_resume_matches_uninterrupted(big_corpus, tmp_path, sig, capsys):
    out = tmp_path / "model"
    proc = _start(["train", str(big_corpus), "-o", str(out), *CLI_ARGS, "--checkpoint-every", "20000"], 0.1)
    _wait_for(out / "config.json", proc)  # a periodic checkpoint: training is under way
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    lines = stderr.decode().strip().splitlines()
    assert proc.returncode == 130
    assert "Traceback" not in stderr.decode()
    assert lines[-1].startswith(f"wordvec: interrupted: checkpoint saved to {out} after ")
    assert lines[-1].endswith(f"continue with: wordvec train --resume {out}")
    state = json.loads((out / "config.json").read_text())["checkpoint"]
    assert 0 < state["words_done"] < state["words_total"]
    assert state["every"] == "20000"

    assert _cli(["train", "--resume", str(out), "-q"]) == 0
    resumed = Word2Vec.load(out)
    reference = Word2Vec(**CLI_PARAMS).fit(big_corpus)
    assert "checkpoint" not in json.loads((out / "config.json").read_text())
    _same_run(reference, resumed)
    assert _cli(["train", "--resume", str(out)]) == 0
    assert "training already complete; nothing to resume" in capsys.readouterr().out


def test_cli_second_interrupt_exits_at_once_keeping_last_checkpoint(big_corpus, tmp_path):
    out, gate = tmp_path / "model", tmp_path / "gate"
    gate.mkdir()
    proc = _start(["train", str(big_corpus), "-o", str(out), *CLI_ARGS, "--checkpoint-every", "20000"], 0.1, gate)
    # A worker holds a job (waiting for gate/release) and will hold it until killed. (The
    # checkpoint's config.json alone was not enough: it appears while the main thread is
    # still saving, before any worker is held, and the run could then finish its Ctrl-C
    # checkpoint and exit before the second signal came.)
    _wait_for(gate / "held", proc)
    proc.send_signal(signal.SIGINT)
    _wait_for(gate / "joining", proc)  # the first is handled: waiting for the held worker
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr.decode()
    assert stderr.decode().strip().splitlines()[-1] == (
        f"wordvec: interrupted again: stopped without a new checkpoint; {out} holds the last good one")
    state = json.loads((out / "config.json").read_text())["checkpoint"]
    resumed = resume(out)  # the last good checkpoint is whole and resumes where it says
    assert resumed.progress_start_ == state["words_done"] > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("args, message", [
    (["--dim", "8"], "--dim cannot be given with --resume: the checkpoint remembers every training parameter"),
    (["--cbow"], "--sg/--cbow cannot be given with --resume"),
    (["--checkpoint-every", "5x"], "--checkpoint-every='5x' is invalid: must be a number of words"),
], ids=["--dim", "--cbow", "--checkpoint-every 5x"])
def test_cli_resume_refuses_new_parameters(big_corpus, tmp_path, capsys, args, message):
    model = Word2Vec(**CLI_PARAMS).build_vocab(big_corpus)
    save_checkpoint(model, tmp_path / "m")
    before = (tmp_path / "m" / "config.json").read_bytes()
    assert _cli(["train", "--resume", str(tmp_path / "m"), *args]) == 2
    assert capsys.readouterr().err.startswith(f"wordvec: error: {message}")
    assert (tmp_path / "m" / "config.json").read_bytes() == before


@pytest.mark.parametrize("args, message", [
    (["-o", "OUT"], "wordvec: error: CORPUS is missing: give a corpus to train on, or --resume MODEL_DIR"),
    (["CORPUS"], "wordvec: error: -o/--output is missing: give the model folder to write"),
    (["CORPUS", "-o", "OUT", "--checkpoint-every", "0"],
     "wordvec: error: --checkpoint-every='0' is invalid: a number of words must be >= 1"),
    (["--resume", "OUT"], "wordvec: error: OUT: no such model"),
], ids=["no corpus", "no output", "--checkpoint-every 0", "--resume of nothing"])
def test_cli_train_usage_errors(big_corpus, tmp_path, capsys, args, message):
    args = [str(big_corpus) if a == "CORPUS" else str(tmp_path / "m") if a == "OUT" else a for a in args]
    message = message.replace("OUT", str(tmp_path / "m"))
    assert _cli(["train", *args]) == 2
    assert capsys.readouterr().err.strip() == message


def test_disk_full_at_a_checkpoint_stops_cleanly_keeping_the_last_one(corpus, tmp_path, monkeypatch):
    import errno
    import threading

    from wordvec.errors import WordvecError
    from wordvec.formats import native

    reference = Word2Vec(**PARAMS).fit(corpus)
    threads_before = threading.active_count()
    real_save, calls = native.write_npy, []

    def save(file, *args, **kwargs):  # the second checkpoint finds the disk full
        if str(tmp_path) in str(file):  # model files, not the encoded corpus
            calls.append(file)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(file, *args, **kwargs)

    monkeypatch.setattr(native, "write_npy", save)
    model = Word2Vec(**PARAMS, report_seconds=1e-9)
    with pytest.raises(WordvecError, match=r"m: no space left on device; the previous file is unchanged"):
        model.fit(corpus, callbacks=[CheckpointCallback(tmp_path / "m", every_words=4000)])
    monkeypatch.setattr(native, "write_npy", real_save)
    assert threading.active_count() == threads_before  # no worker trains on in the background
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
    _same_run(reference, resume(tmp_path / "m").train())  # the first checkpoint is whole


def test_disk_full_while_encoding_the_corpus(corpus, monkeypatch):
    import errno

    from wordvec.vocab import encoding
    from wordvec.errors import WordvecError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(encoding, "encode_id_stream", full)
    monkeypatch.setattr("wordvec.models.base.encode_id_stream", full)
    with pytest.raises(WordvecError, match=r"wordvec-\d+-\w+: cannot write the encoded corpus \(No space left on device\); "
                                           r"point TMPDIR to a folder with more space"):
        Word2Vec(**PARAMS).build_vocab(corpus)


def test_failing_callback_stops_the_workers(corpus):
    import threading

    class Boom(Callback):
        def on_progress(self, model, words_done, loss, lr):
            raise RuntimeError("callback bug")

    before = threading.active_count()
    with pytest.raises(RuntimeError, match="callback bug"):
        Word2Vec(**PARAMS, report_seconds=1e-9).fit(corpus, callbacks=[Boom()])
    assert threading.active_count() == before


def test_cli_refuses_an_output_folder_that_is_not_a_model_before_training(big_corpus, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")

    def no_counting(*args, **kwargs):
        raise AssertionError("counted the corpus before checking the output folder")

    monkeypatch.setattr(Word2Vec, "build_vocab", no_counting)
    assert _cli(["train", str(big_corpus), "-o", str(folder), "-q"]) == 2
    assert capsys.readouterr().err.startswith(f"wordvec: error: {folder}: is a folder that is not a wordvec model")
    assert (folder / "notes.txt").read_text() == "keep me"
