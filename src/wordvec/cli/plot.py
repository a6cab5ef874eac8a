"""``wordvec plot``: a labelled 2-D map of some words (see ``wordvec.viz.plot``)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import ParameterError
from .defaults import default


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--words", default=None, help="Comma-separated words to draw, e.g. king,queen,man,woman.")
@click.option("--top", type=int, default=default("plot", "--top"), help="Draw the N most frequent words [100 when nothing is chosen].")
@click.option("--neighbors", "neighbors", default=None, metavar="WORD", help="Draw WORD and its nearest words.")
@click.option("-n", "n_neighbors", type=int, default=default("plot", "-n"), show_default=True, help="How many neighbours with --neighbors.")
@click.option("--method", type=click.Choice(["pca", "tsne"]), default=default("plot", "--method"), show_default=True,
              help="Projection to 2-D: PCA, or t-SNE (keeps neighbourhoods, scikit-learn).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Picture to write: .png, .svg or .pdf.")
@click.option("--html", type=click.Path(path_type=Path), default=None, help="Also (or only) write an interactive page (plotly).")
@click.option("--seed", type=int, default=default("plot", "--seed"), show_default=True, help="t-SNE's random seed.")
@click.option("--title", default=default("plot", "--title"), help="Title above the map.")
def plot(model, words, top, neighbors, n_neighbors, method, output, html, seed, title):
    """Draw a labelled 2-D map of words from MODEL (a wordvec model folder or a word2vec file)."""
    from ..viz.plot import plot_words
    from ..vectors.keyed import WordVectors

    if output is None and html is None:
        raise ParameterError("give -o/--output FILE (.png, .svg, .pdf) and/or --html FILE")
    from ..atomic import check_writable

    for path in (output, html):
        if path is not None:
            check_writable(path, folder=False)
    _check_extras(output, html, method)  # before the model is loaded, not after
    word_list = None if words is None else [w.strip() for w in words.split(",") if w.strip()]
    wv = WordVectors.load(model, mmap=True)
    drawn = plot_words(wv, output, words=word_list, top=top, neighbors=neighbors, n_neighbors=n_neighbors,
                       method=method, html=html, seed=seed, title=title)
    written = " and ".join(str(p) for p in (output, html) if p is not None)
    click.echo(f"drew {len(drawn)} words ({method}) to {written}")


def _check_extras(output, html, method) -> None:
    """The optional packages this plot needs, each named with what needs it."""
    import importlib.util

    from ..errors import WordvecError

    def missing(name):
        try:
            return importlib.util.find_spec(name) is None
        except (ImportError, ValueError):
            return True

    if output is not None and missing("matplotlib"):
        raise WordvecError(f"{output}: a picture needs matplotlib: pip install 'wordvec[viz]' (or draw --html only)")
    if html is not None and missing("plotly"):
        raise WordvecError(f"{html}: --html needs plotly: pip install 'wordvec[viz]'")
    if method == "tsne" and missing("sklearn"):
        raise WordvecError("--method tsne needs scikit-learn: pip install 'wordvec[viz]' (or use --method pca)")


COMMANDS = [plot]
