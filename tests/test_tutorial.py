"""The tutorial's model and training loop: the CPU kernels against dense Adam and against
PyTorch, metrics, callbacks, errors, and the native model it saves."""
from __future__ import annotations

import math

import numpy as np
import pytest

from wordvec.train.callbacks import Callback
from wordvec.errors import CorpusError, ParameterError
from wordvec.tutorial.preprocessing import generate_training_data
from wordvec.tutorial.model import TutorialWord2Vec, resolve_engine


def small_data(vocab=40, num_ns=3, seed=1, rows=300):
    rng = np.random.default_rng(0)
    seqs = rng.integers(0, vocab, (rows, 8))
    return generate_training_data(seqs, 2, num_ns, vocab, seed=seed, sampling_table=None)


def dense_adam_reference(vocab, dim, targets, contexts, labels, epochs, batch, lr, seed, sigmoid=False,
                         drop=True, b1=0.9, b2=0.999, eps=1e-7):
    """Float64 NumPy: the tutorial's model trained with dense Adam (PyTorch's form), the
    same initialisation and shuffles as TutorialWord2Vec (one Generator: init, then one
    permutation per epoch)."""
    rng = np.random.default_rng(seed)
    params = rng.uniform(-0.05, 0.05, (2, vocab, dim)).astype(np.float32).astype(np.float64)
    m, v = np.zeros_like(params), np.zeros_like(params)
    n = len(targets)
    usable = n // batch * batch if drop else n
    step, history = 0, []
    for _ in range(epochs):
        order = rng.permutation(n)[:usable]
        loss_sum, correct = 0.0, 0
        for start in range(0, usable, batch):
            idx = order[start:start + batch]
            step += 1
            w, c, y = params[0][targets[idx]], params[1][contexts[idx]], labels[idx].astype(np.float64)
            logits = np.einsum("bd,bkd->bk", w, c)
            if sigmoid:
                loss_sum += (np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))).mean(1).sum()
                g = (1 / (1 + np.exp(-logits)) - y) / y.size
            else:
                z = logits - logits.max(1, keepdims=True)
                logp = z - np.log(np.exp(z).sum(1, keepdims=True))
                loss_sum += -(y * logp).sum()
                g = (np.exp(logp) * y.sum(1, keepdims=True) - y) / len(idx)
            correct += int((logits.argmax(1) == y.argmax(1)).sum())
            grad = np.zeros_like(params)
            np.add.at(grad[0], targets[idx], np.einsum("bk,bkd->bd", g, c))
            np.add.at(grad[1], contexts[idx], g[:, :, None] * w[:, None, :])
            m = b1 * m + (1 - b1) * grad
            v = b2 * v + (1 - b2) * grad * grad
            params -= lr / (1 - b1**step) * m / (np.sqrt(v) / np.sqrt(1 - b2**step) + eps)
        history.append((loss_sum / usable, correct / usable))
    return params, history


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("loss", ["softmax", "sigmoid"])
@pytest.mark.parametrize("batch,drop", [(64, True), (50, False), (100000, False)])
def test_numba_engine_is_dense_adam(loss, batch, drop, threads):
    targets, contexts, labels = small_data()
    model = TutorialWord2Vec(40, embedding_dim=16, batch_size=batch, epochs=3, loss=loss, learning_rate=1e-2,
                             seed=3, engine="numba", drop_remainder=drop, threads=threads).fit(targets, contexts, labels)
    params, history = dense_adam_reference(40, 16, targets, contexts, labels, 3, batch, 1e-2, 3,
                                           sigmoid=loss == "sigmoid", drop=drop)
    init = np.random.default_rng(3).uniform(-0.05, 0.05, (2, 40, 16))
    assert np.abs(params - init).max() > 0.02  # it did train
    # rows skipped by a step are brought up to date lazily: same parameters as dense Adam
    np.testing.assert_allclose(model.target_embedding, params[0], atol=1e-5)
    np.testing.assert_allclose(model.context_embedding, params[1], atol=1e-5)
    for record, (ref_loss, ref_acc) in zip(model.history_, history):
        assert math.isclose(record["loss"], ref_loss, rel_tol=1e-5)
        assert abs(record["accuracy"] - ref_acc) <= 2 / len(targets)


@pytest.mark.parametrize("loss", ["softmax", "sigmoid"])
@pytest.mark.parametrize("batch,drop,dim", [(64, True, 24), (51, False, 7), (1, True, 3)])
def test_one_or_two_threads_give_bit_identical_parameters(loss, batch, drop, dim):
    # a batch's halves keep their own gradient buffers, added in a fixed order: the
    # arithmetic is the same whether one thread does both or each its own
    targets, contexts, labels = small_data(rows=120 if batch == 1 else 300)
    runs = [TutorialWord2Vec(40, embedding_dim=dim, batch_size=batch, epochs=2, loss=loss, learning_rate=1e-2, seed=4,
                             engine="numba", drop_remainder=drop, threads=threads).fit(targets, contexts, labels)
            for threads in (1, 2)]
    assert [r.numba_threads() for r in runs] == [1, 2]
    one, two = runs
    assert np.array_equal(one.target_embedding, two.target_embedding)
    assert np.array_equal(one.context_embedding, two.context_embedding)
    for a, b in zip(one._adam, two._adam):
        assert np.array_equal(a, b)
    assert [(h["loss"], h["accuracy"]) for h in one.history_] == [(h["loss"], h["accuracy"]) for h in two.history_]


def test_thread_count(monkeypatch):
    import os

    assert TutorialWord2Vec(4, threads=1).numba_threads() == 1
    assert TutorialWord2Vec(4, threads=8).numba_threads() == 2  # a step has two halves to share
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert TutorialWord2Vec(4).numba_threads() == 1  # spinning threads on one CPU would only wait
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert TutorialWord2Vec(4).numba_threads() == 2


FAILING_HELPER = """
import sys
import numpy as np
from wordvec.tutorial import kernels as K
from wordvec.tutorial.model import TutorialWord2Vec

real = K.train_epoch
def train_epoch(tid, *args):
    if tid == 1:
        raise RuntimeError("helper failed")
    return real(tid, *args)
K.train_epoch = train_epoch
rng = np.random.default_rng(0)
targets, contexts = rng.integers(0, 30, 400), rng.integers(0, 30, (400, 3))
labels = np.zeros((400, 3), np.float32)
labels[:, 0] = 1
try:
    TutorialWord2Vec(30, embedding_dim=8, batch_size=32, epochs=1, engine="numba", threads=2).fit(
        targets, contexts, labels)
except RuntimeError as e:
    print("raised:", e)
"""


def test_a_failing_thread_does_not_leave_the_other_waiting():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", FAILING_HELPER], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "raised: helper failed"


def test_numba_engine_continues_training_like_one_longer_run():
    targets, contexts, labels = small_data()
    kw = dict(embedding_dim=8, batch_size=64, learning_rate=1e-2, seed=5, engine="numba")
    once = TutorialWord2Vec(40, epochs=4, **kw).fit(targets, contexts, labels)
    twice = TutorialWord2Vec(40, epochs=2, **kw).fit(targets, contexts, labels).fit(targets, contexts, labels)
    assert len(twice.history_) == 4 and twice.steps_ == once.steps_
    np.testing.assert_allclose(twice.target_embedding, once.target_embedding, atol=5e-6)


def test_metrics_at_initialisation_are_the_models_loss_and_accuracy():
    # One batch of everything and a tiny learning rate: epoch 1's numbers are those of
    # the initial weights.
    targets, contexts, labels = small_data(num_ns=4)
    model = TutorialWord2Vec(40, embedding_dim=8, batch_size=len(targets), epochs=1, learning_rate=1e-9, seed=2,
                             engine="numba").fit(targets, contexts, labels)
    init = np.random.default_rng(2).uniform(-0.05, 0.05, (2, 40, 8)).astype(np.float32).astype(np.float64)
    logits = np.einsum("bd,bkd->bk", init[0][targets], init[1][contexts])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    record = model.history_[0]
    assert math.isclose(record["loss"], -logp[:, 0].mean(), rel_tol=1e-5)
    assert record["accuracy"] == pytest.approx((logits.argmax(1) == 0).mean(), abs=1e-9)
    assert record["examples"] == len(targets) and record["steps"] == 1


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, model):
        self.calls.append(("begin", model.progress_total_))

    def on_progress(self, model, words_done, loss, lr):
        self.calls.append(("progress", words_done, loss, lr))

    def on_epoch_end(self, model, epoch, logs):
        self.calls.append(("epoch", epoch, dict(logs)))

    def on_train_end(self, model):
        self.calls.append(("end",))


def test_callbacks_history_and_params():
    targets, contexts, labels = small_data()
    rec = Recorder()
    model = TutorialWord2Vec(40, embedding_dim=8, batch_size=100, epochs=3, seed=1, engine="numba")
    model.fit(targets, contexts, labels, callbacks=[rec])
    usable = len(targets) // 100 * 100
    kinds = [c[0] for c in rec.calls]
    assert kinds == ["begin"] + ["progress", "epoch"] * 3 + ["end"]
    assert rec.calls[0][1] == 3 * usable
    epochs = [c for c in rec.calls if c[0] == "epoch"]
    assert [e[1] for e in epochs] == [0, 1, 2]
    for _, _, logs in epochs:
        assert {"loss", "accuracy", "seconds", "examples"} <= set(logs)
        assert logs["examples"] == usable and 0 <= logs["accuracy"] <= 1 and logs["loss"] > 0
    assert rec.calls[-3][:2] == ("progress", 3 * usable)  # all examples of all epochs
    assert [h["loss"] for h in model.history_] == [e[2]["loss"] for e in epochs]
    assert model.history_[-1]["loss"] < model.history_[0]["loss"]
    assert model.get_params()["embedding_dim"] == 8 and model.engine_ == "numba"


def test_word_vectors_and_native_model(tmp_path):
    from wordvec.formats.native import load_model_dir
    from wordvec.models.word2vec import Word2Vec

    targets, contexts, labels = small_data(vocab=12)
    model = TutorialWord2Vec(12, embedding_dim=4, batch_size=32, epochs=1, seed=1, engine="numba")
    model.fit(targets, contexts, labels)
    vocab = ["", "[UNK]"] + [f"w{i}" for i in range(10)]
    counts = np.arange(12)
    wv = model.word_vectors(vocab, counts)
    assert wv.index_to_key == vocab[1:] and np.array_equal(wv.vectors, model.target_embedding[1:])
    assert wv.counts.tolist() == list(range(1, 12))
    counts = np.array([0, 99, 50, 40, 30, 20, 20, 10, 5, 4, 3, 1])  # '[UNK]' counts every other word
    model.save(tmp_path / "m", vocab, counts)
    cfg, words, saved_counts, arrays = load_model_dir(tmp_path / "m")
    assert cfg["model"] == "tutorial" and cfg["vector_size"] == 4 and cfg["tutorial"]["embedding_dim"] == 4
    # the native model holds the words only: no padding, no '[UNK]'
    assert len(cfg["history"]) == 1 and words == vocab[2:] and saved_counts.tolist() == counts[2:].tolist()
    np.testing.assert_array_equal(arrays["vectors"], model.target_embedding[2:])
    np.testing.assert_array_equal(arrays["syn1neg"], model.context_embedding[2:])
    loaded = Word2Vec.load(tmp_path / "m")
    assert loaded.wv.most_similar("w3", topn=2)[0][0] in vocab[2:]
    with pytest.raises(ParameterError, match="vocabulary has 3 words"):
        model.word_vectors(vocab[:3])


def test_errors_name_what_is_wrong():
    targets, contexts, labels = small_data()
    with pytest.raises(ParameterError, match="loss"):
        TutorialWord2Vec(40, loss="hinge")
    with pytest.raises(ParameterError, match="learning_rate"):
        TutorialWord2Vec(40, learning_rate=0)
    with pytest.raises(ParameterError, match="beta_2"):
        TutorialWord2Vec(40, beta_2=1.0)
    with pytest.raises(ParameterError, match="batch_size"):
        TutorialWord2Vec(40, batch_size=0)
    with pytest.raises(ParameterError, match="engine"):
        TutorialWord2Vec(40, engine="tf")
    with pytest.raises(ParameterError, match="vocab_size"):
        TutorialWord2Vec(0)
    with pytest.raises(ParameterError, match="targets"):
        TutorialWord2Vec(10, engine="numba").fit(targets, contexts, labels)
    with pytest.raises(ParameterError, match="expected targets"):
        TutorialWord2Vec(40, engine="numba").fit(targets, contexts[:, :2], labels)
    with pytest.raises(CorpusError, match="fewer than batch_size=1024"):
        TutorialWord2Vec(40, engine="numba").fit(targets[:100], contexts[:100], labels[:100])
    with pytest.raises(CorpusError, match="no training examples"):
        TutorialWord2Vec(40, engine="numba").fit(targets[:0], contexts[:0], labels[:0])
    with pytest.raises(ParameterError, match="device"):
        resolve_engine("numba", "cuda")
    with pytest.raises(ParameterError, match="device"):
        resolve_engine("auto", "tpu")
    assert resolve_engine("numba", None) == ("numba", "cpu")
    assert resolve_engine("auto", "cpu") == ("numba", "cpu")


# --------------------------------------------------------------------------- PyTorch
@pytest.mark.parametrize("loss", ["softmax", "sigmoid"])
def test_torch_engine_matches_dense_adam_and_the_numba_engine(loss):
    pytest.importorskip("torch")
    targets, contexts, labels = small_data()
    kw = dict(embedding_dim=16, batch_size=64, epochs=2, loss=loss, learning_rate=1e-2, seed=3)
    torch_model = TutorialWord2Vec(40, engine="torch", device="cpu", **kw).fit(targets, contexts, labels)
    numba_model = TutorialWord2Vec(40, engine="numba", **kw).fit(targets, contexts, labels)
    params, _ = dense_adam_reference(40, 16, targets, contexts, labels, 2, 64, 1e-2, 3, sigmoid=loss == "sigmoid")
    assert torch_model.engine_ == "torch" and torch_model.device_ == "cpu"
    np.testing.assert_allclose(torch_model.target_embedding, params[0], atol=1e-5)
    np.testing.assert_allclose(torch_model.context_embedding, numba_model.context_embedding, atol=1e-5)
    for a, b in zip(torch_model.history_, numba_model.history_):
        assert math.isclose(a["loss"], b["loss"], rel_tol=1e-5)


def test_torch_module_is_the_tutorials_model():
    torch = pytest.importorskip("torch")
    from wordvec.tutorial.torch_module import Word2VecTutorialModel, tutorial_loss

    model = Word2VecTutorialModel(30, 6)
    w = model.target_embedding.weight
    assert w.shape == (30, 6) and float(w.detach().abs().max()) <= 0.05  # Keras' uniform initialiser
    target = torch.tensor([1, 2, 3])
    context = torch.tensor([[4, 5, 6], [7, 8, 9], [1, 1, 2]])
    logits = model(target, context)
    expected = (model.target_embedding(target)[:, None, :] * model.context_embedding(context)).sum(-1)
    assert torch.allclose(logits, expected) and torch.allclose(model(target[:, None], context), logits)
    labels = torch.tensor([[1.0, 0, 0]] * 3)
    assert torch.isclose(tutorial_loss(logits, labels), -torch.log_softmax(logits, 1)[:, 0].mean())
    trained = TutorialWord2Vec(30, embedding_dim=6, batch_size=8, epochs=1, engine="numba", seed=1)
    rng = np.random.default_rng(0)
    trained.fit(rng.integers(0, 30, 40), rng.integers(0, 30, (40, 3)), np.tile([1, 0, 0], (40, 1)))
    module = trained.torch_module()
    assert np.array_equal(module.context_embedding.weight.detach().numpy(), trained.context_embedding)


def test_auto_engine_uses_cuda_when_present():
    torch = pytest.importorskip("torch")
    engine, device = resolve_engine("auto", None)
    if torch.cuda.is_available():
        assert (engine, device) == ("torch", "cuda")
    else:
        assert (engine, device) == ("numba", "cpu")
        with pytest.raises(ParameterError, match="no CUDA GPU"):
            resolve_engine("torch", "cuda")
        assert resolve_engine("torch", None) == ("torch", "cpu")


def test_the_preloaded_kernels_are_the_ones_fit_calls():
    # The preload thread must load the very specialisation a real fit runs: one
    # signature per kernel, whatever dtypes the caller's arrays have.
    from wordvec.tutorial import kernels as K
    from wordvec.tutorial.model import warm_up_numba_engine

    warm_up_numba_engine()
    targets, contexts, labels = small_data()
    TutorialWord2Vec(40, embedding_dim=8, batch_size=64, epochs=1, engine="numba").fit(
        targets.astype(np.int32), contexts.astype(np.int16), labels.astype(np.int64))
    assert len(K.train_epoch.signatures) == 1
    assert len(K._finish_table.signatures) == 1
