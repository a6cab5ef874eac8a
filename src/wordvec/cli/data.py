"""``wordvec demo`` and ``wordvec download``: the built-in demo and the standard corpora
(see ``wordvec.data``). The library returns what happened; the printing is here."""
from __future__ import annotations

import time
from pathlib import Path

import click

from .defaults import default
from .watch import echo_tensorboard_hint, tensorboard_callbacks


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("demo-model"), show_default=True)
@click.option("--epochs", type=int, default=default("demo", "--epochs"), show_default=True)
@click.option("-q", "--quiet", is_flag=True)
@click.option("--logdir", type=click.Path(path_type=Path), default=None,
              help="TensorBoard logs [runs/ beside the model folder].")
def demo(output, epochs, quiet, logdir):
    """Train on a corpus made from the Python standard library's own documentation
    (no download, no network) and show nearest neighbours."""
    from ..data.demo import demo_corpus, run_demo
    from ..formats.native import check_replaceable

    check_replaceable(output)  # before the corpus is built and trained on

    callbacks = tensorboard_callbacks(logdir or output.parent / "runs", run_name=None, default=logdir is None)
    t0 = time.perf_counter()
    corpus = demo_corpus()
    corpus_seconds = time.perf_counter() - t0
    if not quiet:
        click.echo(f"corpus: {corpus} (Python's own documentation, generated locally)")
    run = run_demo(output, epochs=epochs, corpus=corpus, progress=not quiet, callbacks=callbacks)
    model = run.model
    click.echo(
        f"trained {len(model.wv):,} words on {model.encoded_.n_tokens:,} tokens x {model.epochs} epochs "
        f"in {corpus_seconds + run.seconds:.1f}s; final loss {run.final_loss:.3f}"
    )
    for word, near in run.neighbours.items():
        click.echo(f"  {word:10s} -> {', '.join(w for w, _ in near)}")
    click.echo(f"model saved to {output}/  (try: wordvec similar {output} socket)")
    echo_tensorboard_hint(callbacks)


@click.command("download")
@click.argument("name", required=False)
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None, help="Where to keep it [~/.cache/wordvec/corpora].")
@click.option("-q", "--quiet", is_flag=True)
def download_cmd(name, directory, quiet):
    """Download a standard corpus (checked by SHA-256, cached) and print its path.
    Without NAME, list the corpora."""
    from ..data.download import DATASETS, download

    if name is None:
        for ds in DATASETS.values():
            click.echo(f"{ds.name:12s} {ds.size / 1e6:7.1f} MB  {ds.description}")
        return
    click.echo(download(name, directory, progress=not quiet))


COMMANDS = [demo, download_cmd]
