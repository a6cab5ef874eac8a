"""Watch training in TensorBoard and look at the vectors in its Projector tab.

Everything is written with the ``tensorboard`` package's own writer and protocol
buffers, so neither TensorFlow nor torch is needed. Layout of a log folder::

    LOGDIR/
      20261121-160512-sg-ns5-d100-w5/      one folder per run, so runs can be compared
        events.out.tfevents...             scalars (train/*, epoch/*, eval/*) and hparams
        projector_config.pbtxt             what the Projector plugin reads
        embedding/vectors.tsv              the vectors (first ``projector_top`` words)
        embedding/metadata.tsv             word<TAB>count with a header

Then ``tensorboard --logdir LOGDIR`` shows the curves (Scalars), the run parameters
(HParams) and the words (Projector).

Events are written by a thread of their own (``EventWriterThread``): importing
tensorboard and building its protocol buffers (~0.3 s) then overlap training, which runs
outside the GIL, instead of delaying it.
"""
from __future__ import annotations

import importlib.util
import math
import queue
import re
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from ..atomic import atomic_file, check_writable
from ..train.callbacks import Callback
from ..errors import ParameterError, WordvecError
from ..params import check_int

PROJECTOR_CONFIG = "projector_config.pbtxt"
# The CLI and the demo cap the Projector at this many words: the browser holds them all.
DEFAULT_PROJECTOR_TOP = 10_000


def _tb():
    """TensorBoard's writer and summary builders (imported lazily: ``viz`` extra)."""
    try:
        from tensorboard.compat.proto import event_pb2
        from tensorboard.plugins.hparams import summary_v2 as hparams_summary
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise WordvecError("TensorBoard logging needs the tensorboard package: pip install 'wordvec[viz]'") from None
    return event_pb2, hparams_summary, scalar_pb, EventFileWriter


def tensorboard_installed() -> bool:
    """Whether the tensorboard package can be imported (found without importing it)."""
    try:
        return importlib.util.find_spec("tensorboard") is not None
    except (ImportError, ValueError):
        return False


def default_logs_possible(what: str = "training") -> bool:
    """For logging that is on by default (``demo``, ``tutorial``): True when tensorboard
    is installed; else one warning that the logs are skipped and False, so a default
    command never fails for want of the optional ``viz`` extra."""
    if tensorboard_installed():
        return True
    warnings.warn(f"no TensorBoard logs: the tensorboard package is not installed (pip install 'wordvec[viz]'); "
                  f"{what} goes on without them", UserWarning, stacklevel=3)
    return False


def _check_tensorboard() -> None:
    """Fail early, without the import's cost, when the tensorboard package is missing."""
    if not tensorboard_installed():
        raise WordvecError("TensorBoard logging needs the tensorboard package: pip install 'wordvec[viz]'")


class EventWriterThread:
    """TensorBoard's ``EventFileWriter`` for one run folder, fed through a queue by a
    thread of its own. ``scalar``, ``hparams`` and ``flush`` return at once; ``close``
    writes what is queued and waits. An error in the thread (a full disk) is reported by
    ``close`` as a warning: the logs are incomplete, the training it watched is not lost."""

    def __init__(self, run_dir):
        self.run_dir = str(run_dir)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="wordvec-tensorboard", daemon=True)
        self._thread.start()

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._queue.put(("scalar", tag, float(value), int(step), time.time()))

    def hparams(self, values: dict, trial_id: str) -> None:
        self._queue.put(("hparams", dict(values), trial_id, time.time()))

    def flush(self) -> None:
        self._queue.put(("flush",))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            warnings.warn(f"{self.run_dir}: TensorBoard logs are incomplete ({self._error})", stacklevel=2)

    def _work(self) -> None:
        writer = None
        try:
            event_pb2, hparams_summary, scalar_pb, EventFileWriter = _tb()
            writer = EventFileWriter(self.run_dir, flush_secs=5)
            while (item := self._queue.get()) is not None:
                if item[0] == "scalar":
                    _, tag, value, step, wall = item
                    writer.add_event(event_pb2.Event(wall_time=wall, step=step, summary=scalar_pb(tag, value)))
                elif item[0] == "hparams":
                    _, values, trial_id, wall = item
                    summary = hparams_summary.hparams_pb(values, trial_id=trial_id, start_time_secs=wall)
                    writer.add_event(event_pb2.Event(wall_time=wall, step=0, summary=summary))
                else:
                    writer.flush()
        except BaseException as e:  # noqa: BLE001 - reported by close()
            self._error = e
            while self._queue.get() is not None:  # let close() return
                pass
        finally:
            if writer is not None:
                try:
                    writer.close()
                except OSError as e:
                    self._error = self._error or e


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) and math.isfinite(v)


def _safe_tag(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("_") or "file"


def default_run_name(model=None) -> str:
    """A timestamp plus a short summary of the parameters, e.g. ``20261121-160512-sg-ns5-d100-w5``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    params = model.get_params() if hasattr(model, "get_params") else {}
    if not params:
        return f"{stamp}-{type(model).__name__.lower()}" if model is not None else stamp
    parts = ["sg" if params.get("sg", True) else "cbow"]
    if params.get("hs"):
        parts.append("hs")
    if params.get("negative"):
        parts.append(f"ns{params['negative']}")
    if params.get("vector_size"):
        parts.append(f"d{params['vector_size']}")
    if params.get("window"):
        parts.append(f"w{params['window']}")
    return "-".join([stamp, *parts])


def _unique_dir(parent: Path, name: str) -> Path:
    """Create ``parent/name`` (or ``name-2``, ``name-3``...) so two runs never share a folder."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WordvecError(f"{parent}: cannot create the log folder ({e.strerror or e})") from None
    for i in range(1, 10_000):
        path = parent / (name if i == 1 else f"{name}-{i}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
        except OSError as e:
            raise WordvecError(f"{path}: cannot create the run folder ({e.strerror or e})") from None
    raise WordvecError(f"{parent}: too many runs named {name!r}")


def _hparam_value(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if _is_number(v):
        return v.item() if isinstance(v, np.generic) else v
    return str(v)


def _refresh_unit_vectors(wv) -> None:
    # Training moves the vectors in place: unit vectors cached by earlier queries are stale.
    if callable(getattr(wv, "fill_norms", None)):
        wv.fill_norms(force=True)


def _spearman(result) -> float | None:
    """Spearman's rho from ``evaluate_word_pairs``' gensim-style ``(pearson, spearman, oov)``."""
    if _is_number(getattr(result, "spearman", None)):
        return float(result.spearman)
    try:
        rho = result[1]
    except (TypeError, IndexError):
        return None
    for attr in ("statistic", "correlation"):
        if hasattr(rho, attr):
            rho = getattr(rho, attr)
            break
    else:
        if isinstance(rho, (tuple, list)):
            rho = rho[0]
    return float(rho) if _is_number(rho) else None


class TensorBoardCallback(Callback):
    """Write a run's curves, evaluations, parameters and final vectors for TensorBoard.

    - ``on_progress``: ``train/loss``, ``train/learning_rate``, ``train/words_per_sec``
      (step = words done so far);
    - ``on_epoch_end``: every number in the epoch's ``logs`` as ``epoch/<key>`` (step =
      epoch + 1), and with ``eval_analogies`` / ``eval_similarity`` files,
      ``eval/analogy_accuracy`` and ``eval/spearman/<file stem>``;
    - parameters as hparams; at the end, the Projector files for ``model.wv``.
    """

    def __init__(self, logdir, run_name=None, eval_analogies=None, eval_similarity=(), hparams=None,
                 projector_top=None):
        self.logdir = Path(logdir)
        check_writable(self.logdir, folder=True)  # now, not at the first report
        self.run_name = run_name
        self.eval_analogies = Path(eval_analogies) if eval_analogies else None
        if isinstance(eval_similarity, (str, Path)):
            eval_similarity = [eval_similarity]
        self.eval_similarity = [Path(p) for p in (eval_similarity or ())]
        for path in ([self.eval_analogies] if self.eval_analogies else []) + self.eval_similarity:
            if not path.is_file():
                raise ParameterError(f"{path}: evaluation file not found")
        self._check_evaluation_files()
        if run_name is not None and (not str(run_name).strip() or str(run_name) in (".", "..")
                                     or "/" in str(run_name) or "\\" in str(run_name)):
            raise ParameterError(f"run_name={run_name!r} is invalid: must be a folder name (no '/')")
        # One tag per similarity file, even when two files share a name.
        self._similarity_tags = []
        for path in self.eval_similarity:
            tag, k = f"eval/spearman/{_safe_tag(path.stem)}", 2
            while tag in self._similarity_tags:
                tag, k = f"eval/spearman/{_safe_tag(path.stem)}_{k}", k + 1
            self._similarity_tags.append(tag)
        check_int("projector_top", projector_top, 1, none_ok=True)
        self.hparams = dict(hparams or {})
        self.projector_top = projector_top
        self.run_dir: Path | None = None
        self.projector_path: Path | None = None
        self._writer = None
        self._last = None  # (time, words_done) of the previous report, for words/s
        self._unscored: set = set()  # evaluation files already warned about
        _check_tensorboard()  # fail now, not after the first epoch

    def _check_evaluation_files(self) -> None:
        """Read the evaluation files once now, so a malformed one stops the run before
        training rather than after the first epoch."""
        from ..errors import ModelFormatError
        from ..vectors.evaluation import read_analogies, read_word_pairs

        if self.eval_analogies is not None:
            read_analogies(self.eval_analogies)
        for path in self.eval_similarity:
            if not read_word_pairs(path)[0]:
                raise ModelFormatError(f"{path}: no 'word<TAB>word<TAB>score' lines found")

    # ------------------------------------------------------------------ writing
    def _scalar(self, tag: str, value, step: int) -> None:
        self._writer.scalar(tag, value, step)

    def _open(self, model) -> None:
        if self._writer is not None:
            return
        self.run_dir = _unique_dir(self.logdir, self.run_name or default_run_name(model))
        self.run_name = self.run_dir.name
        self._writer = EventWriterThread(self.run_dir)
        params = dict(model.get_params()) if hasattr(model, "get_params") else {}
        for key, value in list(params.items()):
            if value is None:  # "alpha=None" means a default: log the value used, or nothing
                value = getattr(model, f"effective_{key}", None)
                params[key] = value
        params.update(self.hparams)
        hp = {k: _hparam_value(v) for k, v in params.items() if v is not None}
        if hp:
            self._writer.hparams(hp, trial_id=self.run_name)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, model):
        self._open(model)
        self._last = (time.perf_counter(), getattr(model, "progress_start_", 0))

    def on_progress(self, model, words_done, loss, lr):
        self._open(model)
        now = time.perf_counter()
        rate = None
        intervals = getattr(model, "intervals_", None)
        if intervals and intervals[-1].get("words_done") == words_done:
            rate = intervals[-1].get("words_per_sec")
        elif self._last is not None and now > self._last[0]:
            rate = (words_done - self._last[1]) / (now - self._last[0])
        self._last = (now, words_done)
        if _is_number(loss):
            self._scalar("train/loss", loss, words_done)
        if _is_number(lr):
            self._scalar("train/learning_rate", lr, words_done)
        if _is_number(rate):
            self._scalar("train/words_per_sec", rate, words_done)

    def on_epoch_end(self, model, epoch, logs):
        self._open(model)
        step = int(epoch) + 1
        for key, value in (logs or {}).items():
            if key != "epoch" and _is_number(value):
                self._scalar(f"epoch/{key}", value, step)
        wv = getattr(model, "wv", None)
        if wv is not None and (self.eval_analogies or self.eval_similarity):
            self._evaluate(wv, step)
        self._writer.flush()

    def _evaluate(self, wv, step: int) -> None:
        _refresh_unit_vectors(wv)
        if self.eval_analogies is not None:
            score = self._score(wv.evaluate_word_analogies, self.eval_analogies, step)
            score = score[0] if isinstance(score, tuple) else score
            if _is_number(score):
                self._scalar("eval/analogy_accuracy", score, step)
        for path, tag in zip(self.eval_similarity, self._similarity_tags):
            rho = _spearman(self._score(wv.evaluate_word_pairs, path, step))
            if rho is not None:
                self._scalar(tag, rho, step)

    def _score(self, evaluate, path, step):
        """One evaluation; a score that cannot be computed (e.g. no pair in the vocabulary)
        is left out with one warning instead of stopping a long training run."""
        with warnings.catch_warnings():  # skipped-line notices: repeated every epoch otherwise
            if step > 1:
                warnings.simplefilter("ignore")
            try:
                return evaluate(path)
            except WordvecError as e:
                if path not in self._unscored:
                    self._unscored.add(path)
                    warnings.warn(f"not logging this score: {e}", stacklevel=2)
                return None

    def on_train_end(self, model):
        try:
            wv = getattr(model, "wv", None)
            if self.run_dir is not None and wv is not None and len(wv):
                self.projector_path = write_projector(wv, self.run_dir, top=self.projector_top)
        finally:
            self.close()


def write_projector(wv, logdir, top: int | None = None, name: str = "embedding") -> Path:
    """Write the files TensorBoard's Projector reads for the first ``top`` words of ``wv``:
    ``<name>/vectors.tsv``, ``<name>/metadata.tsv`` (word and count, with a header) and
    ``projector_config.pbtxt`` (other embeddings already listed there are kept), and an
    empty event file if there is none, so the folder shows as a run. Returns the config
    file's path."""
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    from ..formats.projector import write_projector_tsv

    check_int("--top", top, 1, none_ok=True, allowed="an integer >= 1")
    if not name or name != _safe_tag(name):
        raise ParameterError(f"embedding name {name!r} is invalid: use letters, digits, '_', '-' or '.'")
    if len(wv) == 0:
        raise WordvecError("the vectors hold no words: nothing to show in the Projector")
    logdir = Path(logdir)
    if logdir.exists() and not logdir.is_dir():
        raise WordvecError(f"{logdir}: exists and is not a folder")
    n = len(wv) if top is None else min(int(top), len(wv))
    vectors_path, meta_path = write_projector_tsv(wv, logdir / name, top=n, counts_column=wv.counts is not None)
    config_path = logdir / PROJECTOR_CONFIG
    config = ProjectorConfig()
    if config_path.is_file():
        try:
            text_format.Parse(config_path.read_text(encoding="utf-8"), config)
        except (text_format.ParseError, UnicodeDecodeError):
            config = ProjectorConfig()  # unreadable: ours replaces it
    for old in [e for e in config.embeddings if e.tensor_name == name]:
        config.embeddings.remove(old)
    emb = config.embeddings.add()
    emb.tensor_name = name
    # Relative paths: the plugin refuses files outside the config's folder.
    emb.tensor_path = f"{name}/{vectors_path.name}"
    emb.metadata_path = f"{name}/{meta_path.name}"
    emb.tensor_shape.extend([n, int(wv.vectors.shape[1])])
    with atomic_file(config_path, "w") as f:
        f.write(text_format.MessageToString(config))
    if not any(logdir.glob("events.out.tfevents.*")):
        # TensorBoard lists a folder as a run only if it holds an event file: without one,
        # an export into LOGDIR/words would not show under `tensorboard --logdir LOGDIR`.
        writer = _tb()[3](str(logdir))
        writer.close()
    return config_path
