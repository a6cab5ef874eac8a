"""The TensorFlow word2vec tutorial's whole recipe, end to end (``wordvec tutorial``).

1. read the text file, one sequence per non-empty line (``TextLineDataset`` + filter);
2. vectorise: ``Vectorizer(max_tokens=vocab_size, output_sequence_length=sequence_length)``;
3. generate skip-gram training data (window, ``num_ns`` log-uniform negatives);
4. train the tutorial's model (``TutorialWord2Vec``), TensorBoard logs optional;
5. export ``vectors.tsv`` + ``metadata.tsv`` for the Embedding Projector (every word
   but padding, as the tutorial) and a native model folder for ``wordvec similar``.

Each stage is timed; ``run_tutorial`` returns the timings with the results.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..text.corpus import open_binary
from ..params import check_int
from ..errors import CorpusError, ParameterError

# The tutorial's settings.
DEFAULTS = {
    "vocab_size": 4096,
    "sequence_length": 10,
    "window_size": 2,
    "num_ns": 4,
    "embedding_dim": 128,
    "epochs": 20,
    "batch_size": 1024,
    "seed": 42,
}


def read_lines(path) -> list[str]:
    """The non-empty lines of a UTF-8 text file (.gz/.bz2 too), as ``TextLineDataset``
    filtered on length reads them: line ends (``\\n``, ``\\r\\n``) removed."""
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file")
    if not path.is_file():
        raise CorpusError(f"{path}: not a file (the tutorial reads one text file)")
    try:
        with open_binary(path) as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise CorpusError(f"{path}: cannot read ({e})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return [line for line in text.split("\n") if line]


def load_kernels() -> None:
    """Load the Numba kernels a numba-engine run calls, training's then the export's
    (``run_tutorial`` does it in a background thread; a benchmark, to time stages alone)."""
    import numpy as np

    from ..formats.float_text import format_rows
    from .model import warm_up_numba_engine

    warm_up_numba_engine()
    try:
        format_rows(np.zeros((1, 1), np.float32))
    except Exception:  # noqa: BLE001 - the export reports it
        pass


@dataclass
class TutorialRun:
    """What ``run_tutorial`` made: the trained model, the vectorizer, the data size,
    seconds per stage and the files written."""

    model: object
    vectorizer: object
    examples: int
    timings: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)

    @property
    def final(self) -> dict:
        return self.model.history_[-1] if self.model.history_ else {}


def _check_outputs(output: Path) -> None:
    """Every path the recipe writes, checked before any work (type, a writable place, and a
    ``model/`` that is not someone else's folder)."""
    from ..atomic import check_writable
    from ..formats.native import check_replaceable

    check_writable(output, folder=True)
    for name in ("vectors.tsv", "metadata.tsv"):
        check_writable(output / name, folder=False)
    check_replaceable(output / "model")


def run_tutorial(corpus, output, *, vocab_size: int = 4096, sequence_length: int = 10, window_size: int = 2,
                 num_ns: int = 4, embedding_dim: int = 128, epochs: int = 20, batch_size: int = 1024,
                 loss: str = "softmax", learning_rate: float = 1e-3, seed: int = 42, engine: str = "auto",
                 device=None, threads: int | None = None, logdir="default", run_name: str | None = None, callbacks=(),
                 drop_remainder: bool = True, sampling_factor: float = 1e-5) -> TutorialRun:
    """Run the whole recipe on ``corpus`` and write everything under ``output``:
    ``vectors.tsv``, ``metadata.tsv``, ``model/`` and (unless ``logdir`` is None)
    TensorBoard logs in ``logdir`` (``"default"``: ``output/logs``). Frequent words are
    subsampled with ``make_sampling_table(vocab_size, sampling_factor)`` as in the
    tutorial; ``sampling_factor=0`` keeps every word (small corpora)."""
    from .model import TutorialWord2Vec, resolve_engine

    output = Path(output)
    check_int("epochs", epochs, 1)
    _check_outputs(output)
    settings = dict(embedding_dim=embedding_dim, loss=loss, learning_rate=learning_rate, batch_size=batch_size,
                    epochs=epochs, drop_remainder=drop_remainder, seed=seed, engine=engine, device=device,
                    threads=threads)
    model = TutorialWord2Vec(vocab_size, **settings)  # checks the parameters before any work
    # Numba and the CPU kernels load in a background thread while the text is vectorised.
    preload = None
    if resolve_engine(engine, device)[0] == "numba":
        preload = threading.Thread(target=load_kernels, name="wordvec-numba-preload", daemon=True)
        preload.start()
    try:
        from .preprocessing import Vectorizer, generate_training_data, make_sampling_table

        vectorizer = Vectorizer(max_tokens=vocab_size, output_sequence_length=sequence_length)
        if sampling_factor != 0:
            table = make_sampling_table(vocab_size, sampling_factor)
        else:
            table = None
        timings = {}

        started = time.perf_counter()
        lines = read_lines(corpus)
        if not lines:
            raise CorpusError(f"{corpus}: holds no text")
        vectorizer.adapt(lines)
        sequences = vectorizer(lines)
        timings["vectorize"] = time.perf_counter() - started

        started = time.perf_counter()
        # A text with fewer distinct words than vocab_size gets a smaller model, so negatives
        # are never ids without a word (the tutorial's text fills its 4,096).
        if vectorizer.vocabulary_size() < vocab_size:
            vocab_size = vectorizer.vocabulary_size()
            model = TutorialWord2Vec(vocab_size, **settings)
            table = None if table is None else table[:vocab_size]
        if num_ns > vocab_size:
            raise ParameterError(f"num_ns={num_ns} is invalid: the text has only {vocab_size} ids (with padding and "
                                 "[UNK]) and negatives are distinct")
        targets, contexts, labels = generate_training_data(sequences, window_size, num_ns, vocab_size, seed=seed,
                                                           sampling_table=table)
        timings["generate"] = time.perf_counter() - started

        cbs = list(callbacks)
        if logdir == "default":  # logs on by default: skipped with a warning without the viz extra
            from ..viz.tensorboard import default_logs_possible

            if not default_logs_possible("the tutorial"):
                logdir = None
        if logdir is not None:
            from ..viz.tensorboard import TensorBoardCallback

            logdir = output / "logs" if logdir == "default" else Path(logdir)
            name = run_name or f"{time.strftime('%Y%m%d-%H%M%S')}-tutorial-{loss}-d{embedding_dim}-w{window_size}-ns{num_ns}"
            cbs.append(TensorBoardCallback(logdir, run_name=name))
        started = time.perf_counter()
        model.fit(targets, contexts, labels, callbacks=cbs)
        timings["train"] = time.perf_counter() - started

        started = time.perf_counter()
        from ..formats.projector import write_projector_tsv

        words = vectorizer.get_vocabulary()
        wv = model.word_vectors(words, vectorizer.counts)
        vectors_path, metadata_path = write_projector_tsv(wv, output)
        recipe = {"sequence_length": sequence_length, "window_size": window_size, "num_ns": num_ns,
                  "sampling_factor": sampling_factor,
                  "corpus": str(corpus), "examples": int(len(targets)),
                  "word2vec_params": {"window": window_size, "negative": num_ns}}
        model.save(output / "model", words, vectorizer.counts, extra=recipe)
        timings["export"] = time.perf_counter() - started

        files = {"vectors": vectors_path, "metadata": metadata_path, "model": output / "model"}
        if logdir is not None:
            files["logs"] = logdir
        return TutorialRun(model=model, vectorizer=vectorizer, examples=int(len(targets)), timings=timings, files=files)
    finally:
        if preload is not None:
            preload.join()  # never left running into interpreter shutdown
