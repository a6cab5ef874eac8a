"""``wordvec train`` and ``wordvec demo`` (``similar`` is in ``query.py``)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import ParameterError
from .main import cli
from .watch import echo_tensorboard_hint, tensorboard_callbacks, tensorboard_options


# Python parameter name -> CLI flag, so errors name what the user typed.
FLAG_NAMES = {"vector_size": "--dim", "sg": "--sg/--cbow", "cbow_mean": "--cbow-mean/--cbow-sum"}


def cli_names(message: str) -> str:
    name, sep, rest = message.partition("=")
    if sep and name.isidentifier():
        return FLAG_NAMES.get(name, "--" + name.replace("_", "-")) + "=" + rest
    return message


@cli.command()
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True, help="Model folder to write.")
@click.option("--sg/--cbow", default=True, show_default=True, help="Skip-gram or CBOW.")
@click.option("--hs", is_flag=True, help="Use hierarchical softmax (with --negative 0 alone, else both).")
@click.option("--negative", type=int, default=5, show_default=True, help="Negative samples per positive (0: none).")
@click.option("--dim", "vector_size", type=int, default=100, show_default=True, help="Vector dimensions.")
@click.option("--window", type=int, default=5, show_default=True, help="Maximum context window.")
@click.option("--min-count", type=int, default=5, show_default=True, help="Drop words rarer than this.")
@click.option("--max-vocab-size", type=int, default=None, help="Prune while counting to bound memory.")
@click.option("--max-final-vocab", type=int, default=None, help="Keep at most this many words.")
@click.option("--sample", type=float, default=1e-3, show_default=True, help="Subsampling threshold (0: off).")
@click.option("--epochs", type=int, default=5, show_default=True)
@click.option("--alpha", type=float, default=None, help="Initial learning rate [0.025 skip-gram, 0.05 CBOW].")
@click.option("--min-alpha", type=float, default=0.0001, show_default=True)
@click.option("--cbow-mean/--cbow-sum", default=True, show_default=True, help="CBOW: average or sum the context.")
@click.option("--ns-exponent", type=float, default=0.75, show_default=True)
@click.option("--workers", type=int, default=None, help="Threads [all cores].")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--standardize",
    type=click.Choice(["lower_strip_punctuation", "lower", "text8", "none"]),
    default="lower_strip_punctuation",
    show_default=True,
)
@click.option("--max-sentence-length", type=int, default=10000, show_default=True, help="Longer lines are split into chunks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
@tensorboard_options
def train(corpus, output, quiet, logdir, eval_analogies, eval_similarity, **params):
    """Train word vectors on CORPUS (a text file, a folder, .gz/.bz2; one sentence per line)."""
    from ..training import Word2Vec

    try:
        model = Word2Vec(**params)
    except ParameterError as e:
        raise ParameterError(cli_names(str(e))) from None
    callbacks = tensorboard_callbacks(logdir, eval_analogies, eval_similarity)
    model.fit(corpus, progress=not quiet, callbacks=callbacks)
    model.save(output)
    if not quiet:
        last = model.history_[-1]
        click.echo(
            f"trained {len(model.wv):,} words x {model.vector_size} dims on {model.encoded_.n_tokens:,} tokens "
            f"x {model.epochs} epochs; final loss {last['loss']:.4f}; saved to {output}"
        )
        echo_tensorboard_hint(callbacks)


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("demo-model"), show_default=True)
@click.option("--epochs", type=int, default=5, show_default=True)
@click.option("-q", "--quiet", is_flag=True)
@click.option("--logdir", type=click.Path(path_type=Path), default=None,
              help="TensorBoard logs [runs/ beside the model folder].")
def demo(output, epochs, quiet, logdir):
    """Train on a corpus made from the Python standard library's own documentation
    (no download, no network) and show nearest neighbours."""
    from ..demo import run_demo

    callbacks = tensorboard_callbacks(logdir or output.parent / "runs", run_name=None)
    run_demo(output, epochs=epochs, quiet=quiet, extra_callbacks=callbacks)
    echo_tensorboard_hint(callbacks)
