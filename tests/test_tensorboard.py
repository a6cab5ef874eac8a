"""TensorBoardCallback and write_projector: what lands on disk, read back with TensorBoard's
own event reader and projector config parser."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorboard")

from google.protobuf import text_format  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

from wordvec import Word2Vec  # noqa: E402
from wordvec.train.callbacks import Callback, CallbackList  # noqa: E402
from wordvec.errors import ParameterError, WordvecError  # noqa: E402
from wordvec.viz.tensorboard import TensorBoardCallback, write_projector  # noqa: E402
from wordvec.vectors.keyed import WordVectors  # noqa: E402


def toy_sentences(n=1500, seed=0):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(120)]
    return [[rng.choice(words[:15] if j % 2 else words) for j in range(10)] for _ in range(n)]


def read_scalars(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    acc = EventAccumulator(str(run_dir), size_guidance={"tensors": 0})
    acc.Reload()
    return {
        tag: [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]
        for tag in acc.Tags()["tensors"]
        if not tag.startswith("_hparams_")
    }


def read_hparams(run_dir: Path) -> dict:
    from tensorboard.plugins.hparams import plugin_data_pb2

    acc = EventAccumulator(str(run_dir), size_guidance={"tensors": 0})
    acc.Reload()
    content = acc.PluginTagToContent("hparams")
    data = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    return {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind")) for k, v in data.session_start_info.hparams.items()}


def read_config(path: Path) -> ProjectorConfig:
    return text_format.Parse(path.read_text(), ProjectorConfig())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("runs")
    model = Word2Vec(vector_size=12, min_count=1, epochs=2, workers=1, seed=3, report_seconds=0.01)
    cb = TensorBoardCallback(logdir, projector_top=40, hparams={"corpus": "toy"})
    model.fit(toy_sentences(), callbacks=[cb])
    return model, cb, logdir


def test_run_gets_its_own_folder_named_after_parameters(trained):
    model, cb, logdir = trained
    assert cb.run_dir.parent == logdir
    assert cb.run_dir.name.endswith("-sg-ns5-d12-w5")
    assert list(cb.run_dir.glob("events.out.tfevents.*"))


def test_progress_scalars_match_the_models_intervals(trained):
    model, cb, _ = trained
    scalars = read_scalars(cb.run_dir)
    assert {"train/loss", "train/learning_rate", "train/words_per_sec"} <= set(scalars)
    steps = [s for s, _ in scalars["train/loss"]]
    assert steps == [r["words_done"] for r in model.intervals_]
    assert steps == sorted(steps) and steps[-1] == model.progress_total_
    np.testing.assert_allclose([v for _, v in scalars["train/loss"]], [r["loss"] for r in model.intervals_], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in scalars["train/learning_rate"]], [r["lr"] for r in model.intervals_], rtol=1e-6)
    lrs = [v for _, v in scalars["train/learning_rate"]]
    assert lrs == sorted(lrs, reverse=True)  # linear decay
    assert all(v > 0 for _, v in scalars["train/words_per_sec"])


def test_epoch_scalars_are_the_history_records(trained):
    model, cb, _ = trained
    scalars = read_scalars(cb.run_dir)
    for key in ("loss", "words", "effective_words", "seconds", "words_per_sec", "lr"):
        tag = f"epoch/{key}"
        assert [s for s, _ in scalars[tag]] == [1, 2]
        np.testing.assert_allclose([v for _, v in scalars[tag]], [h[key] for h in model.history_], rtol=1e-6)
    assert "epoch/epoch" not in scalars


def test_parameters_are_written_as_hparams(trained):
    model, cb, _ = trained
    hp = read_hparams(cb.run_dir)
    assert hp["vector_size"] == 12 and hp["epochs"] == 2 and hp["sg"] is True
    assert hp["alpha"] == pytest.approx(0.025)  # the value used, not "None"
    assert hp["corpus"] == "toy"
    assert "max_vocab_size" not in hp  # None without an effective value: left out


def test_projector_files_for_the_top_words(trained):
    model, cb, _ = trained
    config = read_config(cb.projector_path)
    (emb,) = config.embeddings
    assert emb.tensor_name == "embedding" and list(emb.tensor_shape) == [40, 12]
    vectors = np.loadtxt(cb.run_dir / emb.tensor_path, delimiter="\t", dtype=np.float32)
    np.testing.assert_allclose(vectors, model.wv.vectors[:40], rtol=1e-5, atol=1e-7)
    lines = (cb.run_dir / emb.metadata_path).read_text().splitlines()
    assert lines[0] == "word\tcount"
    assert lines[1:] == [f"{w}\t{c}" for w, c in zip(model.wv.index_to_key[:40], model.wv.counts[:40])]


class EpochOnlyEngine:
    """Like the tutorial engine: no get_params, no wv, epoch logs with loss and accuracy."""

    def run(self, cbs, epochs=3):
        cbs.on_train_begin(self)
        for epoch in range(epochs):
            cbs.on_epoch_end(self, epoch, {"loss": 1.0 / (epoch + 1), "accuracy": 0.5 + 0.1 * epoch, "note": "text"})
        cbs.on_train_end(self)


def test_any_engine_logs_its_epoch_numbers(tmp_path):
    cb = TensorBoardCallback(tmp_path, run_name="tutorial")
    EpochOnlyEngine().run(CallbackList([cb]))
    scalars = read_scalars(tmp_path / "tutorial")
    assert scalars["epoch/loss"] == [(1, 1.0), (2, 0.5), (3, pytest.approx(1 / 3))]
    assert [s for s, _ in scalars["epoch/accuracy"]] == [1, 2, 3]
    np.testing.assert_allclose([v for _, v in scalars["epoch/accuracy"]], [0.5, 0.6, 0.7], rtol=1e-6)
    assert "epoch/note" not in scalars
    assert not (tmp_path / "tutorial" / "projector_config.pbtxt").exists()


def test_same_run_name_twice_gets_two_folders(tmp_path):
    dirs = []
    for _ in range(2):
        cb = TensorBoardCallback(tmp_path, run_name="same")
        EpochOnlyEngine().run(CallbackList([cb]), epochs=1)
        dirs.append(cb.run_dir.name)
    assert dirs == ["same", "same-2"]


def test_missing_evaluation_file_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="nope.txt: evaluation file not found"):
        TensorBoardCallback(tmp_path, eval_analogies=tmp_path / "nope.txt")
    with pytest.raises(ParameterError, match="evaluation file not found"):
        TensorBoardCallback(tmp_path, eval_similarity=[tmp_path / "nope.txt"])
    with pytest.raises(ParameterError, match="projector_top"):
        TensorBoardCallback(tmp_path, projector_top=0)
    for bad in ("../up", "a/b", "", ".."):
        with pytest.raises(ParameterError, match="run_name"):
            TensorBoardCallback(tmp_path, run_name=bad)
    assert not list(tmp_path.iterdir())  # nothing written before training starts


def test_malformed_evaluation_files_stop_the_run_before_training(tmp_path):
    from wordvec.errors import ModelFormatError

    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a question file\n")
    with pytest.raises(ModelFormatError, match="garbage.txt:1: question before the first ': section' header"):
        TensorBoardCallback(tmp_path / "runs", eval_analogies=garbage)
    with pytest.raises(ModelFormatError, match="garbage.txt: no 'word<TAB>word<TAB>score' lines found"):
        TensorBoardCallback(tmp_path / "runs", eval_similarity=[garbage])
    assert not (tmp_path / "runs").exists()


def test_a_score_that_cannot_be_computed_is_left_out_with_one_warning(tmp_path):
    pairs = tmp_path / "unknown.tsv"
    pairs.write_text("alpha\tbeta\t3.0\ngamma\tdelta\t1.0\n")  # no word of the toy corpus
    model = Word2Vec(vector_size=8, min_count=1, epochs=2, workers=1)
    cb = TensorBoardCallback(tmp_path / "runs", eval_similarity=[pairs])
    with pytest.warns(UserWarning, match="not logging this score: .*unknown.tsv: no pair to score") as caught:
        model.fit(toy_sentences(n=200), callbacks=[cb])
    assert len([w for w in caught if "not logging" in str(w.message)]) == 1
    scalars = read_scalars(cb.run_dir)
    assert "eval/spearman/unknown" not in scalars and [s for s, _ in scalars["epoch/loss"]] == [1, 2]


def test_it_is_a_callback():
    assert isinstance(TensorBoardCallback("unused"), Callback)


def small_vectors(words, dim=4, counts=True):
    rng = np.random.default_rng(0)
    return WordVectors(words, rng.normal(size=(len(words), dim)).astype(np.float32),
                       np.arange(len(words), 0, -1) * 10 if counts else None)


def test_write_projector_escapes_words_and_keeps_other_embeddings(tmp_path):
    wv = small_vectors(["a", "tab\there", "new\nline", "back\\slash", "é"])
    write_projector(wv, tmp_path)
    path = write_projector(small_vectors(["x", "y", "z"], dim=3, counts=False), tmp_path, name="other", top=2)
    config = read_config(path)
    assert [(e.tensor_name, list(e.tensor_shape)) for e in config.embeddings] == [("embedding", [5, 4]), ("other", [2, 3])]
    meta = (tmp_path / "embedding" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert meta == ["word\tcount", "a\t50", "tab\\there\t40", "new\\nline\t30", "back\\\\slash\t20", "é\t10"]
    # One column: no header (the Projector would read it as a word).
    assert (tmp_path / "other" / "metadata.tsv").read_text().splitlines() == ["x", "y"]
    # Writing again replaces the entry instead of adding a second one.
    write_projector(wv, tmp_path, top=3)
    config = read_config(path)
    assert [(e.tensor_name, list(e.tensor_shape)) for e in config.embeddings] == [("other", [2, 3]), ("embedding", [3, 4])]
    # One (empty) event file, so TensorBoard lists the folder as a run.
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 1


def test_write_projector_rejects_bad_requests(tmp_path):
    wv = small_vectors(["a", "b"])
    with pytest.raises(ParameterError, match="--top=0 is invalid"):
        write_projector(wv, tmp_path, top=0)
    with pytest.raises(ParameterError, match="embedding name"):
        write_projector(wv, tmp_path, name="../up")
    (tmp_path / "file").write_text("x")
    with pytest.raises(WordvecError, match="not a folder"):
        write_projector(wv, tmp_path / "file")


def test_needs_neither_tensorflow_nor_torch(tmp_path):
    code = (
        "import sys\n"
        "from wordvec.viz.tensorboard import TensorBoardCallback\n"
        "from wordvec.train.callbacks import CallbackList\n"
        f"cb = TensorBoardCallback({str(tmp_path)!r}, run_name='r')\n"
        "cbs = CallbackList([cb]); m = object()\n"
        "cbs.on_train_begin(m); cbs.on_epoch_end(m, 0, {'loss': 1.0}); cbs.on_train_end(m)\n"
        "print(sorted(k for k in ('tensorflow', 'torch') if k in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert list((tmp_path / "r").glob("events.out.tfevents.*"))


def test_evaluations_after_every_epoch_match_the_final_vectors(tmp_path):
    sentences = toy_sentences(n=800)
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": toy\n" + "".join(f"w{i} w{i + 1} w{i + 2} w{i + 3}\n" for i in range(0, 40, 2)))
    pairs = tmp_path / "toy-pairs.tsv"
    pairs.write_text("# word pairs\n" + "".join(f"w{i}\tw{i + 5}\t{(i * 7) % 10}\n" for i in range(30)))
    (tmp_path / "other").mkdir()
    same_name = tmp_path / "other" / "toy-pairs.tsv"  # another file with the same name: its own tag
    same_name.write_text("".join(f"w{i}\tw{i + 1}\t{i % 4}\n" for i in range(20)))
    model = Word2Vec(vector_size=12, min_count=1, epochs=3, workers=1, seed=3)
    cb = TensorBoardCallback(tmp_path / "runs", eval_analogies=analogies, eval_similarity=[pairs, same_name])
    model.fit(sentences, callbacks=[cb])
    scalars = read_scalars(cb.run_dir)
    assert [s for s, _ in scalars["eval/analogy_accuracy"]] == [1, 2, 3]
    assert [s for s, _ in scalars["eval/spearman/toy-pairs"]] == [1, 2, 3]
    assert [s for s, _ in scalars["eval/spearman/toy-pairs_2"]] == [1, 2, 3]
    assert scalars["eval/spearman/toy-pairs_2"][-1][1] == pytest.approx(model.wv.evaluate_word_pairs(same_name).spearman, abs=1e-6)
    # The last epoch's scores are those of the trained vectors (no stale cached unit vectors).
    assert scalars["eval/analogy_accuracy"][-1][1] == pytest.approx(model.wv.evaluate_word_analogies(analogies)[0], abs=1e-6)
    assert scalars["eval/spearman/toy-pairs"][-1][1] == pytest.approx(model.wv.evaluate_word_pairs(pairs).spearman, abs=1e-6)
    # Scores move as the vectors train (the cache is refreshed between epochs).
    assert len({v for _, v in scalars["eval/spearman/toy-pairs"]}) > 1


def test_the_tutorial_engine_logs_loss_and_accuracy(tmp_path):
    tutorial = pytest.importorskip("wordvec.tutorial")
    rng = random.Random(0)
    words = [f"w{i}" for i in range(40)]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(" ".join(rng.choice(words) for _ in range(8)) + "\n" for _ in range(200)))
    tutorial.run_tutorial(corpus, tmp_path / "out", vocab_size=41, embedding_dim=8, epochs=2, batch_size=64,
                          engine="numba", logdir=tmp_path / "logs", run_name="tutorial")
    scalars = read_scalars(tmp_path / "logs" / "tutorial")
    assert [s for s, _ in scalars["epoch/accuracy"]] == [1, 2]
    assert all(0 <= v <= 1 for _, v in scalars["epoch/accuracy"])
    assert [s for s, _ in scalars["epoch/loss"]] == [1, 2]
    assert read_hparams(tmp_path / "logs" / "tutorial")["embedding_dim"] == 8


def test_a_writer_that_fails_warns_that_the_logs_are_incomplete(tmp_path, monkeypatch):
    import wordvec.viz.tensorboard as tb

    def broken():
        raise OSError("No space left on device")

    monkeypatch.setattr(tb, "_tb", broken)
    writer = tb.EventWriterThread(tmp_path)
    writer.scalar("train/loss", 1.0, 1)
    writer.flush()
    with pytest.warns(UserWarning, match="TensorBoard logs are incomplete .No space left on device"):
        writer.close()


def test_events_are_all_written_by_close(tmp_path):
    from wordvec.viz.tensorboard import EventWriterThread

    writer = EventWriterThread(tmp_path)
    for step in range(1, 301):
        writer.scalar("train/loss", 1.0 / step, step)
    writer.close()
    assert [s for s, _ in read_scalars(tmp_path)["train/loss"]] == list(range(1, 301))
