"""``wordvec infer``: vectors for new documents from a doc2vec model, and their nearest tags
(``similar MODEL TAG --docs`` is in ``query.py``)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import ModelFormatError, ParameterError


def load_doc2vec(path):
    """A doc2vec model folder, memory-mapped; a one-line error for anything else."""
    from ..formats.native import read_config
    from ..models.doc2vec import Doc2Vec

    if read_config(path).get("model") != "doc2vec":
        raise ModelFormatError(f"{path}: not a doc2vec model (train one with --model doc2vec)")
    return Doc2Vec.load(path, mmap=True)


def tag_of(dv, text: str):
    """The tag the user typed: as given, or as an int tag (line numbers) when it is digits."""
    if text in dv:
        return text
    if text.lstrip("-").isdigit() and int(text) in dv:
        return int(text)
    raise KeyError(f"tag {text!r} not found")


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("text", nargs=-1)
@click.option("-f", "--file", "file", type=click.Path(path_type=Path), default=None,
              help="Infer every line of FILE (one document a line) instead of TEXT.")
@click.option("-n", "--topn", type=int, default=10, show_default=True, help="Nearest tags to print (0: none).")
@click.option("--vector", "show_vector", is_flag=True, help="Print the inferred vector(s) as JSON lines instead.")
@click.option("--epochs", type=int, default=None, help="Inference passes [the model's epochs].")
@click.option("--seed", type=int, default=None, help="Seed [the model's]; the same text and seed give the same vector.")
def infer(model, text, file, topn, show_vector, epochs, seed):
    """Infer a vector for the new document TEXT with the doc2vec MODEL and print the nearest
    document tags (or the vector itself with --vector)."""
    if bool(text) == (file is not None):
        raise ParameterError("give the document as TEXT or --file FILE (one of them)")
    if topn < 0:
        raise ParameterError(f"--topn={topn} is invalid: must be >= 0")
    m = load_doc2vec(model)
    if file is not None:
        try:
            docs = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as e:
            raise ParameterError(f"{file}: cannot read ({e.strerror or e})") from None
    else:
        docs = [" ".join(text)]
    vectors = m.infer_vectors(docs, epochs=epochs, seed=seed)
    for i, v in enumerate(vectors):
        if show_vector:
            sys.stdout.write(json.dumps([round(float(x), 6) for x in v]) + "\n")
            continue
        if len(docs) > 1:
            click.echo(f"# document {i + 1}")
        for tag, score in m.dv.most_similar([v], topn=topn) if topn else []:
            click.echo(f"{score:.4f}  {tag}")


COMMANDS = [infer]
