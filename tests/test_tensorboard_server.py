"""The real TensorBoard, served on 127.0.0.1, reads what ``wordvec train --logdir`` wrote:
scalars through the scalars plugin's HTTP API, the embedding through the projector's."""
from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorboard")

from click.testing import CliRunner  # noqa: E402

from wordvec.cli.main import cli  # noqa: E402

TOP = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 10.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def wait_for(fn, timeout: float, what: str):
    """Call ``fn`` until it returns something true (errors count as not yet)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except (OSError, ValueError, urllib.error.URLError) as e:
            last = e
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


@contextlib.contextmanager
def serve_tensorboard(logdir: Path, timeout: float = 40.0):
    """Start the real ``tensorboard`` on 127.0.0.1 and a free port; yield its base URL;
    stop it (and anything it started) at the end."""
    port = free_port()
    log = open(Path(logdir).parent / f"tensorboard-{port}.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
         "--port", str(port), "--load_fast=false", "--reload_interval", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        def up():
            if proc.poll() is not None:
                raise AssertionError(f"tensorboard exited with {proc.returncode}: {Path(log.name).read_text()[-2000:]}")
            return http_get(url + "/data/environment", timeout=2)

        wait_for(up, timeout, "tensorboard to answer")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def write_toy_corpus(path: Path, n=2000, seed=0) -> Path:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(150)]
    with open(path, "w") as f:
        for _ in range(n):
            f.write(" ".join(rng.choice(words[:20] if j % 2 else words) for j in range(10)) + "\n")
    return path


def train_with_logdir(tmp: Path, extra=None, corpus=None) -> tuple[Path, Path]:
    """``wordvec train --logdir`` on ``corpus`` (default: a toy one); returns (logdir, run folder)."""
    corpus = corpus or write_toy_corpus(tmp / "corpus.txt")
    if extra is None:
        extra = ["--dim", "16", "--min-count", "1", "--epochs", "2", "--workers", "1"]
    logdir = tmp / "runs"
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(tmp / "model"), *extra, "--logdir", str(logdir)])
    assert result.exit_code == 0, result.output
    (run,) = [p for p in logdir.iterdir() if p.is_dir()]
    assert f"tensorboard --logdir {logdir}" in result.output  # `tensorboard` or its path
    return logdir, run


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tbserve")
    analogies = tmp / "analogies.txt"
    analogies.write_text(": toy\n" + "".join(f"w{i} w{i + 1} w{i + 2} w{i + 3}\n" for i in range(0, 40, 2)))
    pairs = tmp / "pairs.tsv"
    pairs.write_text("".join(f"w{i}\tw{i + 5}\t{(i * 7) % 10}\n" for i in range(30)))
    logdir, run = train_with_logdir(tmp, ["--dim", "16", "--min-count", "1", "--epochs", "2", "--workers", "1",
                                          "--eval-analogies", str(analogies), "--eval-similarity", str(pairs)])
    # A second embedding, written the way `wordvec export --format tensorboard` does.
    from wordvec.viz.tensorboard import write_projector
    from wordvec.models.word2vec import Word2Vec

    model = Word2Vec.load(tmp / "model")
    write_projector(model.wv, run, top=TOP, name="top_words")
    # And into a folder of its own under the log folder, as `wordvec export ... --logdir runs/words`.
    write_projector(model.wv, logdir / "words", top=25)
    with serve_tensorboard(logdir) as url:
        yield url, run.name, model


def get_json(url, path, **params):
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    return json.loads(http_get(url + path + query))


def test_scalar_tags_and_values_are_served(served):
    url, run, model = served
    tags = wait_for(lambda: get_json(url, "/data/plugin/scalars/tags").get(run), 30, "the run's scalar tags")
    assert {"train/loss", "train/learning_rate", "train/words_per_sec", "epoch/loss", "epoch/words_per_sec",
            "eval/analogy_accuracy", "eval/spearman/pairs"} <= set(tags)
    spearman = get_json(url, "/data/plugin/scalars/scalars", run=run, tag="eval/spearman/pairs")
    assert [step for _, step, _ in spearman] == [1, 2] and all(-1 <= v <= 1 for _, _, v in spearman)
    epoch_loss = get_json(url, "/data/plugin/scalars/scalars", run=run, tag="epoch/loss")
    assert [step for _, step, _ in epoch_loss] == [1, 2]
    np.testing.assert_allclose([v for _, _, v in epoch_loss], [h["loss"] for h in model.history_], rtol=1e-6)
    loss = get_json(url, "/data/plugin/scalars/scalars", run=run, tag="train/loss")
    assert loss and loss[-1][1] == sum(h["words"] for h in model.history_)  # step = words done
    assert all(np.isfinite(v) and v > 0 for _, _, v in loss)


def test_hparams_are_served(served):
    url, run, _ = served
    body = json.dumps({"experimentName": ""}).encode()

    def experiment():
        req = urllib.request.Request(url + "/data/plugin/hparams/experiment", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    exp = wait_for(experiment, 30, "the hparams experiment")
    names = {h["name"] for h in exp["hparamInfos"]}
    assert {"vector_size", "window", "negative", "epochs", "alpha"} <= names


def test_projector_lists_the_embeddings_with_shape_and_metadata(served):
    url, run, model = served
    runs = wait_for(lambda: {run, "words"} <= set(get_json(url, "/data/plugin/projector/runs")), 30, "projector runs")
    assert runs
    exported = get_json(url, "/data/plugin/projector/info", run="words")
    assert [(e["tensorName"], e["tensorShape"]) for e in exported["embeddings"]] == [("embedding", [25, 16])]
    info = get_json(url, "/data/plugin/projector/info", run=run)
    shapes = {e["tensorName"]: e["tensorShape"] for e in info["embeddings"]}
    n = min(len(model.wv), 10_000)
    assert shapes == {"embedding": [n, 16], "top_words": [TOP, 16]}
    meta = http_get(url + "/data/plugin/projector/metadata?" + urllib.parse.urlencode({"run": run, "name": "top_words"}))
    lines = meta.decode().splitlines()
    assert lines[0] == "word\tcount" and len(lines) == TOP + 1
    assert [line.split("\t")[0] for line in lines[1:]] == model.wv.index_to_key[:TOP]
    raw = http_get(url + "/data/plugin/projector/tensor?" + urllib.parse.urlencode({"run": run, "name": "top_words"}))
    tensor = np.frombuffer(raw, dtype=np.float32).reshape(TOP, 16)
    np.testing.assert_allclose(tensor, model.wv.vectors[:TOP], rtol=1e-5, atol=1e-7)


def test_demo_writes_logs_beside_the_model_and_says_how_to_watch(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "-o", str(tmp_path / "demo-model"), "--epochs", "1", "-q"])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs").iterdir()
    assert f"tensorboard --logdir {tmp_path / 'runs'}" in result.output.splitlines()[-1]
    assert list(run.glob("events.out.tfevents.*")) and (run / "projector_config.pbtxt").is_file()
    lines = (run / "embedding" / "metadata.tsv").read_text().splitlines()
    assert lines[0] == "word\tcount" and len(lines) == 1 + min(10_000, len((tmp_path / "demo-model" / "vocab.tsv").read_text().splitlines()))
