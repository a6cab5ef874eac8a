"""``wordvec spark-train``: train word2vec on a Spark cluster (``wordvec.spark``); pyspark is
imported only when the command runs, so the CLI works without the ``spark`` extra."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import ParameterError
from .train import D, cli_names, word2vec_options

# wordvec.spark.COMBINE and EXCHANGE, not imported (it loads Numba); a test keeps them equal.
COMBINE = ("auto", "momentum", "sum", "mean", "row_mean")
EXCHANGE = ("auto", "barrier", "server", "broadcast")


@click.command("spark-train")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="Model folder to write.")
@click.option("--master", default=None, metavar="URL",
              help="Spark master: local[N], spark://HOST:PORT, yarn ... [spark-submit's, else local[*]].")
@click.option("--partitions", type=int, default=None, help="Tasks that train at once [the data's partitions].")
@click.option("--rounds", "rounds_per_epoch", type=int, default=None,
              help="Weight exchanges (model-averaging rounds) per epoch [one every 500,000 / "
                   "partitions tokens, at least 20].")
@click.option("--combine", type=click.Choice(COMBINE), default="auto", show_default=True,
              help="How a round's deltas are applied: block momentum (steady state: the sum, without "
                   "the overshoot of many partitions), summed (each token counts once; overshoots "
                   "at 4+ partitions), averaged over partitions, or averaged per row; auto: summed "
                   "up to 2 partitions, else momentum.")
@click.option("--exchange", type=click.Choice(EXCHANGE), default="auto", show_default=True,
              help="How rounds run: one barrier job whose tasks stay and exchange weights with the "
                   "driver over TCP, one job per round with weights over TCP, or with Spark "
                   "broadcasts (slowest); auto: barrier unless dynamic allocation is on.")
@click.option("--checkpoint", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Write a checkpoint folder after every round; a run given it again resumes there.")
@word2vec_options(exclude=("--max-vocab-size", "--workers"))
@click.option("--max-sentence-length", type=int, default=D("--max-sentence-length"), show_default=True,
              help="Longer lines are split into chunks.")
@click.option("-q", "--quiet", is_flag=True, help="No per-round lines or summary.")
def spark_train(corpus, output, master, partitions, rounds_per_epoch, combine, exchange, checkpoint, quiet,
                **params):
    """Train word2vec on Spark from CORPUS (paths Spark can read: files, folders, .gz/.bz2,
    hdfs://, s3a://; one sentence per line) and write the model folder. Also runs under
    spark-submit: spark-submit "$(python -m wordvec.spark --path)" CORPUS -o MODEL."""
    from ..formats.native import check_replaceable
    from ..models.word2vec import Word2Vec

    try:
        model = Word2Vec(**params)
    except ParameterError as e:
        raise ParameterError(cli_names(str(e))) from None
    check_replaceable(output)  # before the training, not after
    from ..text.corpus import find_files

    for path in corpus:  # a local corpus that is not there: say so before Spark starts
        if "://" not in path or path.startswith("file://"):
            find_files(path.removeprefix("file://"))
    from .. import spark as wspark

    wspark.require_pyspark()
    session = wspark.session(master, app_name="wordvec spark-train")
    session.sparkContext.setLogLevel("ERROR")
    try:
        wspark.fit(model, list(corpus), session, partitions=partitions, rounds_per_epoch=rounds_per_epoch,
                   combine=combine, checkpoint=checkpoint, verbose=not quiet, exchange=exchange)
    except ParameterError as e:
        message = cli_names(str(e)).replace("--rounds-per-epoch=", "--rounds=")
        raise ParameterError(message.replace(" or None", " (or left out)")) from None
    model.save(output)
    if not quiet:
        last = model.history_[-1]
        n_tokens = model.corpus_.describe()["spark"]["n_tokens"]
        click.echo(f"trained {len(model.wv):,} words x {model.vector_size} dims on {n_tokens:,} tokens x "
                   f"{model.epochs} epochs on Spark ({model.spark_seconds_:.1f} s); final loss {last['loss']:.4f}; "
                   f"saved to {output}")


COMMANDS = [spark_train]
