"""``wordvec tutorial`` and ``run_tutorial`` end to end: the files the tutorial writes, a
native model the query layer reads, TensorBoard logs, one-line errors; and the
tutorial's own figures on Shakespeare."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
from click.testing import CliRunner

from wordvec.cli.main import cli
from wordvec.errors import CorpusError
from wordvec.tutorial.recipe import read_lines, run_tutorial

from conftest import SHARED_DATA as DATA  # noqa: E402
SHAKESPEARE = DATA / "shakespeare.txt"


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Lines from two topics, so neighbours are meaningful, with blank lines and punctuation."""
    rng = np.random.default_rng(0)
    topics = [["king", "queen", "crown", "throne", "prince", "court"], ["ship", "sea", "sail", "wave", "boat", "port"]]
    lines = []
    for i in range(1500):
        words = rng.choice(topics[i % 2], 8)
        lines.append(" ".join(words).capitalize() + ("!" if i % 3 else ",") + "\n")
        if i % 50 == 0:
            lines.append("\n")
    path = tmp_path_factory.mktemp("tutorial") / "corpus.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


# the tutorial's subsampling table is made for 4,096 words: keep every word of this small text
SMALL = ["--vocab-size", 20, "--epochs", 3, "--batch-size", 256, "--dim", 16, "--sampling-factor", 0]


def test_cli_writes_projector_files_native_model_and_logs(corpus, tmp_path):
    pytest.importorskip("tensorboard")
    out = tmp_path / "out"
    code, output = run("tutorial", corpus, "-o", out, *SMALL)
    assert code == 0, output
    lines = output.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "loss" in lines[0] and "accuracy" in lines[0]
    assert "training examples; final loss" in output
    vectors = np.loadtxt(out / "vectors.tsv", delimiter="\t", ndmin=2)
    metadata = (out / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    # every vocabulary word but padding, '[UNK]' first, as the tutorial exports them
    assert vectors.shape[1] == 16 and len(metadata) == len(vectors) == 13  # 12 words + [UNK]
    assert metadata[0] == "[UNK]" and set(metadata[1:]) == {
        "king", "queen", "crown", "throne", "prince", "court", "ship", "sea", "sail", "wave", "boat", "port"}
    runs = list((out / "logs").iterdir())
    assert len(runs) == 1 and any(f.name.startswith("events.out.tfevents") for f in runs[0].iterdir())
    code, output = run("similar", out / "model", "king", "-n", 3)
    assert code == 0, output
    assert len(output.splitlines()) == 3 and "[UNK]" not in output


def test_recipe_results_and_files(corpus, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from wordvec.models.word2vec import Word2Vec

    result = run_tutorial(corpus, tmp_path / "r", vocab_size=20, epochs=4, batch_size=256, embedding_dim=16,
                          engine="numba", run_name="run", sampling_factor=0)
    assert set(result.timings) == {"vectorize", "generate", "train", "export"}
    assert result.examples > 1000 and len(result.model.history_) == 4
    assert result.final["accuracy"] > result.model.history_[0]["accuracy"]
    words = result.vectorizer.get_vocabulary()
    assert words[:2] == ["", "[UNK]"] and len(words) == 14
    model = Word2Vec.load(tmp_path / "r" / "model")
    assert model.vector_size == 16 and len(model.wv) == 12
    np.testing.assert_array_equal(model.wv["sea"], result.model.target_embedding[words.index("sea")])
    # two topics: a word's nearest neighbour is from its own topic
    assert model.wv.most_similar("sea", topn=1)[0][0] in {"ship", "sail", "wave", "boat", "port"}
    events = EventAccumulator(str(tmp_path / "r" / "logs" / "run"))
    events.Reload()
    tags = events.Tags()["tensors"] + events.Tags().get("scalars", [])
    assert "epoch/loss" in tags and "epoch/accuracy" in tags


def test_no_logs_keep_remainder_and_reading_compressed(corpus, tmp_path):
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(corpus.read_bytes().replace(b"\n", b"\r\n")))
    assert read_lines(packed) == read_lines(corpus)
    assert "" not in read_lines(corpus)
    code, output = run("tutorial", packed, "-o", tmp_path / "o", *SMALL, "--no-logs", "--keep-remainder", "-q")
    assert code == 0 and output == ""
    assert not (tmp_path / "o" / "logs").exists() and (tmp_path / "o" / "model" / "vectors.npy").is_file()


def test_torch_engine_from_the_cli(corpus, tmp_path):
    pytest.importorskip("torch")
    code, output = run("tutorial", corpus, "-o", tmp_path / "t", *SMALL, "--engine", "torch", "--device", "cpu",
                       "--no-logs", "--loss", "sigmoid")
    assert code == 0, output
    assert "engine torch on cpu" in output


@pytest.mark.parametrize("args,message", [
    (["--vocab-size", 1], "--vocab-size=1"),
    (["--num-ns", 50, "--vocab-size", 20], "--num-ns=50"),
    (["--window", -1], "--window=-1"),
    (["--sequence-length", 0], "--sequence-length=0"),
    (["--epochs", 0], "--epochs=0"),
    (["--batch-size", 100000], "fewer than batch_size=100000"),
    (["--device", "cuda", "--engine", "numba"], "device='cuda'"),
    (["--learning-rate", -1], "--learning-rate=-1"),
])
def test_user_errors_are_one_line_naming_the_flag(corpus, tmp_path, args, message):
    code, output = run("tutorial", corpus, "-o", tmp_path / "e", "--epochs", 1, "--sampling-factor", 0, *args)
    assert code == 2, output
    assert output.count("\n") == 1 and output.startswith("wordvec: error:") and message in output


def test_unreadable_corpora(tmp_path):
    assert run("tutorial", tmp_path / "missing.txt", "-o", tmp_path / "o")[1].startswith("wordvec: error:")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00abc")
    code, output = run("tutorial", tmp_path / "bin.txt", "-o", tmp_path / "o")
    assert code == 2 and "not UTF-8" in output
    (tmp_path / "empty.txt").write_text("\n\n")
    code, output = run("tutorial", tmp_path / "empty.txt", "-o", tmp_path / "o")
    assert code == 2 and "holds no text" in output
    with pytest.raises(CorpusError, match="not a file"):
        read_lines(tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not SHAKESPEARE.is_file(), reason="../shared/data/shakespeare.txt not present")
def test_shakespeare_reaches_the_tutorials_accuracy(tmp_path):
    result = run_tutorial(SHAKESPEARE, tmp_path / "s", logdir=None)
    # the TensorFlow tutorial: 64,872 examples, final loss 0.471, accuracy 0.892
    assert abs(result.examples - 64872) < 1500
    assert abs(result.final["accuracy"] - 0.892) < 0.03
    assert abs(result.final["loss"] - 0.471) < 0.05
    metadata = (tmp_path / "s" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert len(metadata) == 4095 and metadata[:3] == ["[UNK]", "the", "and"]
