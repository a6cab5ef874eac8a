"""Training the TensorFlow tutorial's word2vec model: ``TutorialWord2Vec``.

The model (``wordvec.tutorial.torch_module.Word2VecTutorialModel``, PyTorch) has a target and a
context embedding; its logits are dot products of a target with 1 + num_ns contexts.
Loss: softmax cross-entropy over the columns (the tutorial's) or per-column sigmoid
cross-entropy; Adam; batches of 1024 shuffled each epoch; loss and accuracy (the
positive context scores highest) per epoch, as Keras reports them.

Two engines train it, with the same initialisation, shuffling and optimiser:

- ``torch``: the PyTorch module, autograd and ``torch.optim.Adam`` - on CUDA when there is
  a GPU, else on the CPU;
- ``numba``: fused CPU kernels (``wordvec.tutorial.kernels``) that update only the rows a batch
  uses, several times faster than PyTorch's per-op overhead at this size, and without
  the ~1.5 s of ``import torch``.

``engine="auto"`` (default) uses ``torch`` on a CUDA GPU and ``numba`` otherwise.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import time

import numpy as np

from .. import __version__
from ..train.callbacks import CallbackList
from ..errors import CorpusError, ParameterError, WordvecError
from ..params import check_choice, check_int, check_number

LOSSES = ("softmax", "sigmoid")
ENGINES = ("auto", "numba", "torch")
KERAS_UNIFORM = 0.05  # Keras' Embedding initialiser: uniform(-0.05, 0.05)


def _cuda_possible() -> bool:
    """Whether a CUDA GPU could be there, without importing torch (~1.5 s) when it cannot."""
    if "torch" in sys.modules:
        return True
    if importlib.util.find_spec("torch") is None:
        return False
    if sys.platform.startswith("linux"):
        # No NVIDIA driver loaded: torch.cuda.is_available() can only say False.
        return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidiactl")
    return True


def import_torch():
    try:
        import torch
    except ImportError:
        raise WordvecError(
            "the torch engine needs PyTorch: pip install torch==2.13.0 (CPU build) or see pytorch.org"
        ) from None
    return torch


def _check_device(engine: str, device) -> str | None:
    """The device asked for (None: auto), checked against the engine without importing torch."""
    if engine not in ENGINES:
        check_choice("engine", engine, ENGINES)
    if device is not None and not isinstance(device, str):
        device = str(device)
    if device in (None, "auto"):
        return None
    if device != "cpu" and not device.startswith("cuda"):
        raise ParameterError(f"device={device!r} is invalid: use auto, cpu, cuda or cuda:N")
    if engine == "numba" and device != "cpu":
        raise ParameterError(f"device={device!r} is invalid with engine='numba': it runs on the CPU")
    return device


def resolve_engine(engine: str, device) -> tuple[str, str]:
    """(engine, device) to use for ``engine`` in auto/numba/torch and ``device`` in
    None/"auto"/"cpu"/"cuda"/"cuda:N"."""
    device = _check_device(engine, device)
    if engine == "numba":
        return "numba", "cpu"
    if engine == "auto" and device in (None, "cpu"):
        if device is None and _cuda_possible() and import_torch().cuda.is_available():
            return "torch", "cuda"
        return "numba", "cpu"
    torch = import_torch()
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ParameterError(f"device={device!r} is invalid: PyTorch sees no CUDA GPU here")
    return "torch", device


def warm_up_numba_engine() -> None:
    """Load Numba and the numba engine's compiled kernels now (most of a second), by
    training a two-word model through ``fit``: exactly the kernels a real ``fit`` calls,
    with the same argument types. ``run_tutorial`` does this in a background thread while
    it reads and vectorises the text. Errors are left for the real ``fit`` to report."""
    try:
        TutorialWord2Vec(2, embedding_dim=1, batch_size=1, epochs=1, seed=0, engine="numba").fit(
            np.zeros(1, np.int64), np.ones((1, 1), np.int64), np.ones((1, 1), np.float32))
    except Exception:  # noqa: BLE001 - the real fit reports it
        pass


class TutorialWord2Vec:
    """The tutorial's word2vec model and its training loop (see the module docstring).

    ``fit(targets, contexts, labels)`` takes what ``generate_training_data`` returns and
    trains ``epochs`` more epochs; ``history_`` holds one record per epoch (loss,
    accuracy, examples, seconds...). ``target_embedding`` / ``context_embedding`` are the
    weights as NumPy arrays; ``torch_module()`` gives them as the PyTorch model.

    ``threads``: the numba engine's threads, 1 or 2 (None: 2 where the process may use
    two CPUs) - the parameters are bit-identical either way; the torch engine's CPU
    threads (None: 1, fastest at this size)."""

    def __init__(self, vocab_size: int, embedding_dim: int = 128, loss: str = "softmax",
                 learning_rate: float = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 batch_size: int = 1024, epochs: int = 20, drop_remainder: bool = True, seed: int | None = 42,
                 engine: str = "auto", device: str | None = None, threads: int | None = None):
        check_int("vocab_size", vocab_size, 1)
        check_int("embedding_dim", embedding_dim, 1)
        check_choice("loss", loss, LOSSES)
        check_number("learning_rate", learning_rate, 0, low_open=True)
        check_number("beta_1", beta_1, 0, 1)
        check_number("beta_2", beta_2, 0, 1)
        if beta_1 >= 1 or beta_2 >= 1:
            raise ParameterError(f"beta_1={beta_1}, beta_2={beta_2} are invalid: each must be < 1")
        check_number("epsilon", epsilon, 0, low_open=True)
        check_int("batch_size", batch_size, 1)
        check_int("epochs", epochs, 0)
        if seed is not None:
            check_int("seed", seed, 0)
        if threads is not None:
            check_int("threads", threads, 1)
        _check_device(engine, device)
        self.vocab_size = int(vocab_size)
        self.embedding_dim = int(embedding_dim)
        self.loss = loss
        self.learning_rate = float(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.batch_size = int(batch_size)
        self.epochs = int(epochs)
        self.drop_remainder = bool(drop_remainder)
        self.seed = seed
        self.engine = engine
        self.device = device
        self.threads = threads
        self.history_: list[dict] = []
        self.steps_ = 0
        self._rng = np.random.default_rng(seed)
        init = self._rng.uniform(-KERAS_UNIFORM, KERAS_UNIFORM, (2, self.vocab_size, self.embedding_dim))
        self._weights = init.astype(np.float32)  # [target, context]; the numba engine's tables
        self._adam = None  # numba engine: (m, v) per table and each row's last step
        self._torch = None  # torch engine: (module, optimizer)
        self.engine_ = None
        self.device_ = None

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in (
            "vocab_size", "embedding_dim", "loss", "learning_rate", "beta_1", "beta_2", "epsilon",
            "batch_size", "epochs", "drop_remainder", "seed", "engine", "device", "threads")}

    # ------------------------------------------------------------------ weights
    @property
    def target_embedding(self) -> np.ndarray:
        self._sync()
        return self._weights[0]

    @property
    def context_embedding(self) -> np.ndarray:
        self._sync()
        return self._weights[1]

    def _sync(self) -> None:
        if self._torch is not None:
            module = self._torch[0]
            self._weights[0] = module.target_embedding.weight.detach().cpu().numpy()
            self._weights[1] = module.context_embedding.weight.detach().cpu().numpy()

    def torch_module(self, device=None):
        """The weights as a ``Word2VecTutorialModel`` (PyTorch), on ``device`` (CPU by default)."""
        import_torch()
        from .torch_module import Word2VecTutorialModel

        model = Word2VecTutorialModel.from_arrays(self.target_embedding, self.context_embedding)
        return model.to(device) if device is not None else model

    # ------------------------------------------------------------------ training
    def _check_data(self, targets, contexts, labels):
        targets = np.asarray(targets)
        contexts = np.asarray(contexts)
        labels = np.asarray(labels)
        if targets.ndim == 2 and targets.shape[1] == 1:
            targets = targets[:, 0]
        if targets.ndim != 1 or contexts.ndim != 2 or labels.shape != contexts.shape or len(targets) != len(contexts):
            raise ParameterError(
                f"training data: expected targets (N,), contexts (N, K), labels (N, K); found "
                f"{targets.shape}, {contexts.shape}, {labels.shape}"
            )
        for name, arr in (("targets", targets), ("contexts", contexts)):
            if arr.size and not np.issubdtype(arr.dtype, np.integer):
                raise ParameterError(f"{name}: ids must be integers, found {arr.dtype}")
            if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
                raise ParameterError(f"{name}: ids must be in [0, {self.vocab_size}) (vocab_size={self.vocab_size})")
        labels = labels.astype(np.float32)
        if labels.size and not np.isfinite(labels).all():
            raise ParameterError("labels: must be finite numbers")
        usable = len(targets) // self.batch_size * self.batch_size if self.drop_remainder else len(targets)
        if usable == 0:
            raise CorpusError(
                f"{len(targets)} training examples: fewer than batch_size={self.batch_size}, so no full batch to "
                "train on (use a smaller batch size or keep the remainder)" if len(targets)
                else "no training examples: the corpus gives no skip-gram pairs"
            )
        return targets.astype(np.int64, copy=False), contexts.astype(np.int64, copy=False), labels, usable

    def fit(self, targets, contexts, labels, callbacks=None) -> "TutorialWord2Vec":
        targets, contexts, labels, usable = self._check_data(targets, contexts, labels)
        self.engine_, self.device_ = resolve_engine(self.engine, self.device)
        n = len(targets)
        self.examples_ = n
        self.progress_start_ = 0
        self.progress_total_ = usable * self.epochs
        steps_per_epoch = -(-usable // self.batch_size)
        cbs = CallbackList(callbacks or [])
        run = self._numba_runner if self.engine_ == "numba" else self._torch_runner
        epoch_fn, done = run(targets, contexts, labels, steps_per_epoch * self.epochs)
        cbs.on_train_begin(self)
        try:
            for _ in range(self.epochs):
                started = time.perf_counter()
                order = self._rng.permutation(n)[:usable]
                loss_sum, correct, seen = epoch_fn(order)
                seconds = time.perf_counter() - started
                epoch = len(self.history_)
                logs = {
                    "epoch": epoch,
                    "loss": loss_sum / seen,
                    "accuracy": correct / seen,
                    "examples": seen,
                    "steps": steps_per_epoch,
                    "seconds": seconds,
                    "examples_per_sec": seen / max(seconds, 1e-9),
                    "lr": self.learning_rate,
                }
                self.history_.append(logs)
                self.progress_start_ += seen
                cbs.on_progress(self, self.progress_start_, logs["loss"], self.learning_rate)
                cbs.on_epoch_end(self, epoch, logs)
        finally:
            done()
            cbs.on_train_end(self)  # also after an error or Ctrl-C, as every engine does
        return self

    def _numba_runner(self, targets, contexts, labels, planned_steps):
        from . import kernels as K

        if self._adam is None:
            V, D = self.vocab_size, self.embedding_dim
            self._adam = (np.zeros((2, V, D), np.float32), np.zeros((2, V, D), np.float32),
                          np.zeros(V, np.int64), np.zeros(V, np.int64))
        state_w, state_c, last_w, last_c = self._adam
        sched = K.AdamSchedule(self.steps_ + planned_steps, self.learning_rate, self.beta_1, self.beta_2,
                               self.epsilon).arrays()
        threads = self.numba_threads()
        buffers = K.scratch(self.vocab_size, self.embedding_dim, contexts.shape[1], self.batch_size, threads)
        W, C = self._weights[0], self._weights[1]
        sigmoid = self.loss == "sigmoid"

        def epoch(order):
            self.steps_ = K.run_epoch(
                threads, buffers, W, C, state_w, state_c, last_w, last_c, targets, contexts, labels, order,
                self.batch_size, self.steps_, sched, self.beta_1, self.beta_2, sigmoid)
            loss_sum, correct = buffers["results"].sum(axis=0)  # part 0's then part 1's: a fixed order
            return float(loss_sum), int(correct), len(order)

        def done():
            # Rows unused since their last step still move with their momentum.
            K.finish(W, C, state_w, state_c, last_w, last_c, self.steps_, sched, buffers)

        return epoch, done

    def numba_threads(self) -> int:
        """Threads the numba engine trains on: ``threads``, or 2 where this process may run
        on two CPUs or more; at most 2 (a step splits its batch in two halves). The
        parameters are the same whichever it is."""
        if self.threads is not None:
            return min(self.threads, 2)
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cpus = os.cpu_count() or 1
        return 2 if cpus >= 2 else 1

    def _torch_runner(self, targets, contexts, labels, planned_steps):
        torch = import_torch()
        from .torch_module import Word2VecTutorialModel, train_epoch

        device = torch.device(self.device_)
        if self._torch is None:
            module = Word2VecTutorialModel.from_arrays(self._weights[0], self._weights[1]).to(device)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.learning_rate,
                                         betas=(self.beta_1, self.beta_2), eps=self.epsilon)
            self._torch = (module, optimizer)
        module, optimizer = self._torch
        data = (torch.from_numpy(targets).to(device), torch.from_numpy(contexts).to(device),
                torch.from_numpy(labels).to(device))
        threads = torch.get_num_threads()
        if device.type == "cpu":
            # Ops this small are faster on one thread than split over several.
            torch.set_num_threads(self.threads or 1)
        sigmoid = self.loss == "sigmoid"

        def epoch(order):
            out = train_epoch(module, optimizer, *data, torch.from_numpy(order).to(device), self.batch_size, sigmoid)
            self.steps_ += -(-len(order) // self.batch_size)
            return out

        def done():
            torch.set_num_threads(threads)
            self._sync()

        return epoch, done

    # ------------------------------------------------------------------ results
    def word_vectors(self, vocabulary, counts=None):
        """``WordVectors`` of the target embedding for the words of ``vocabulary``
        (``Vectorizer.get_vocabulary()``), without the padding row 0 - the rows the
        tutorial exports."""
        from ..vectors.keyed import WordVectors

        words = list(vocabulary)
        if len(words) != self.vocab_size:
            raise ParameterError(f"vocabulary has {len(words)} words but the model has vocab_size={self.vocab_size}")
        counts = None if counts is None else np.asarray(counts)[1:]
        return WordVectors(words[1:], self.target_embedding[1:].copy(), counts)

    def config(self, extra: dict | None = None) -> dict:
        """The native model's config.json: ``model: tutorial``, our parameters, the
        history, and ``params`` in ``Word2Vec``'s names so ``Word2Vec.load`` reads it."""
        params = {"vector_size": self.embedding_dim, "sg": True, "epochs": max(1, self.epochs)}
        if self.seed is not None:
            params["seed"] = self.seed
        return {
            "wordvec_version": __version__,
            "model": "tutorial",
            "vector_size": self.embedding_dim,
            "params": {**params, **(extra or {}).get("word2vec_params", {})},
            "tutorial": {**self.get_params(), **{k: v for k, v in (extra or {}).items() if k != "word2vec_params"}},
            "engine": self.engine_,
            "device": self.device_,
            "epochs_done": len(self.history_),
            "history": self.history_,
        }

    def save(self, path, vocabulary, counts=None, extra: dict | None = None) -> None:
        """Write a native model folder (``wordvec similar PATH WORD``, ``Word2Vec.load``)
        with the target vectors of the vocabulary's words - not padding (row 0) nor
        ``'[UNK]'`` (row 1), which stand for no word - and the context vectors as
        ``syn1neg``. ``Word2Vec.load`` needs the words' counts (``Vectorizer.counts``)."""
        from ..formats.native import save_model_dir

        words = list(vocabulary)
        if len(words) != self.vocab_size:
            raise ParameterError(f"vocabulary has {len(words)} words but the model has vocab_size={self.vocab_size}")
        counts = None if counts is None else np.asarray(counts)[2:]
        save_model_dir(path, self.config(extra), words[2:], counts,
                       {"vectors": self.target_embedding[2:], "syn1neg": self.context_embedding[2:]})
