"""``wordvec tutorial``: the TensorFlow word2vec tutorial's recipe, end to end."""
from __future__ import annotations

from pathlib import Path

import click

from ..train.callbacks import Callback
from ..errors import ParameterError
from .defaults import default

# Python parameter name -> CLI flag, so errors name what the user typed.
FLAGS = {"vocab_size": "--vocab-size", "sequence_length": "--sequence-length", "window_size": "--window",
         "num_ns": "--num-ns", "embedding_dim": "--dim", "max_tokens": "--vocab-size",
         "output_sequence_length": "--sequence-length"}


def D(option: str):
    """``tutorial``'s default for ``option``: ``run_tutorial``'s (see ``defaults.py``)."""
    return default("tutorial", option)


def _flag_names(message: str) -> str:
    name, sep, rest = message.partition("=")
    if sep and name.isidentifier():
        return FLAGS.get(name, "--" + name.replace("_", "-")) + "=" + rest
    return message


class EpochLines(Callback):
    """Prints one line per epoch, as Keras' ``fit`` does: loss and accuracy."""

    def __init__(self, epochs: int):
        self.epochs = epochs

    def on_epoch_end(self, model, epoch, logs):
        click.echo(
            f"epoch {epoch + 1}/{self.epochs}: loss {logs['loss']:.4f} - accuracy {logs['accuracy']:.4f} "
            f"({logs['examples']:,} examples, {logs['seconds']:.2f}s)"
        )


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Folder for vectors.tsv, metadata.tsv, model/ and logs/.")
@click.option("--vocab-size", type=int, default=D("--vocab-size"), show_default=True, help="Vocabulary incl. padding and [UNK].")
@click.option("--sequence-length", type=int, default=D("--sequence-length"), show_default=True, help="Tokens kept per line (padded).")
@click.option("--window", "window_size", type=int, default=D("--window"), show_default=True, help="Skip-gram window.")
@click.option("--num-ns", type=int, default=D("--num-ns"), show_default=True, help="Negative samples per positive pair.")
@click.option("--dim", "embedding_dim", type=int, default=D("--dim"), show_default=True, help="Embedding dimensions.")
@click.option("--epochs", type=int, default=D("--epochs"), show_default=True)
@click.option("--batch-size", type=int, default=D("--batch-size"), show_default=True)
@click.option("--loss", type=click.Choice(["softmax", "sigmoid"]), default=D("--loss"), show_default=True,
              help="Softmax cross-entropy over 1 + num-ns contexts (the tutorial's) or per-column sigmoid.")
@click.option("--sampling-factor", type=float, default=D("--sampling-factor"), show_default=True,
              help="Subsampling of frequent words (make_sampling_table); 0 keeps every word.")
@click.option("--learning-rate", type=float, default=D("--learning-rate"), show_default=True, help="Adam's learning rate.")
@click.option("--seed", type=int, default=D("--seed"), show_default=True)
@click.option("--engine", type=click.Choice(["auto", "numba", "torch"]), default=D("--engine"), show_default=True,
              help="auto: PyTorch on a CUDA GPU, else the Numba CPU kernels; torch: PyTorch on --device.")
@click.option("--device", default=D("--device"), show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--threads", type=int, default=D("--threads"),
              help="CPU threads: numba engine 1 or 2 (same results; default 2 where there are 2 CPUs), torch on the CPU any.")
@click.option("--logdir", type=click.Path(path_type=Path), default=None, help="TensorBoard logs [OUTPUT/logs].")
@click.option("--no-logs", is_flag=True, help="Write no TensorBoard logs.")
@click.option("--keep-remainder", is_flag=True, default=D("--keep-remainder"), help="Train on the last partial batch too (the tutorial drops it).")
@click.option("-q", "--quiet", is_flag=True, help="No per-epoch lines or summary.")
def tutorial(corpus, output, logdir, no_logs, keep_remainder, quiet, **params):
    """Run the TensorFlow word2vec tutorial's recipe on CORPUS (one text file): vectorise,
    skip-grams with negative sampling, train the tutorial's model, and write
    vectors.tsv/metadata.tsv (Embedding Projector), TensorBoard logs and a native model
    (wordvec similar OUTPUT/model WORD)."""
    from ..tutorial.recipe import run_tutorial

    callbacks = [] if quiet else [EpochLines(params["epochs"])]
    try:
        run = run_tutorial(corpus, output, logdir=None if no_logs else (logdir or "default"), callbacks=callbacks,
                           drop_remainder=not keep_remainder, **params)
    except ParameterError as e:
        raise ParameterError(_flag_names(str(e))) from None
    if not quiet:
        t = run.timings
        final = run.final
        click.echo(
            f"{run.examples:,} training examples; final loss {final.get('loss', float('nan')):.4f}, "
            f"accuracy {final.get('accuracy', float('nan')):.4f}; engine {run.model.engine_} on {run.model.device_}; "
            f"vectorise {t['vectorize']:.2f}s, generate {t['generate']:.2f}s, train {t['train']:.2f}s, "
            f"export {t['export']:.2f}s"
        )
        click.echo(f"wrote {run.files['vectors']}, {run.files['metadata']}, {run.files['model']}"
                   + (f", logs in {run.files['logs']}" if "logs" in run.files else ""))


COMMANDS = [tutorial]
