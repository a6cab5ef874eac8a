"""``wordvec phrases``: learn a phrase table from a corpus (``wordvec train --phrases`` uses it)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..text.standardize import MODES as STANDARDIZE_MODES
from .defaults import default

D = lambda option: default("phrases", option)  # noqa: E731


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The phrase table to write (TSV).")
@click.option("--scoring", type=click.Choice(["word2phrase", "npmi"]), default=D("--scoring"), show_default=True)
@click.option("--min-count", type=int, default=D("--min-count"), show_default=True)
@click.option("--threshold", type=float, default=D("--threshold"),
              help="Score a pair must pass [100 for word2phrase, 0.5 for npmi].")
@click.option("--levels", type=int, default=D("--levels"), show_default=True,
              help="Learn again on the joined text (2: phrases of up to four words), as word2phrase run twice.")
@click.option("--delimiter", default=D("--delimiter"), show_default=True)
@click.option("--no-connectors", is_flag=True, help="No connector words (by default 'of', 'the'... may sit inside a phrase).")
@click.option("--max-vocab-size", type=int, default=D("--max-vocab-size"), show_default=True,
              help="Prune the rarest candidates beyond this many (bounded memory).")
@click.option("--standardize", type=click.Choice(STANDARDIZE_MODES), default=D("--standardize"), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def phrases(corpus, output, scoring, min_count, threshold, levels, delimiter, no_connectors, max_vocab_size,
            standardize, as_json):
    """Learn the phrases of CORPUS ("new york" -> new_york) into a TSV table; train on it with
    wordvec train CORPUS -o MODEL --phrases TABLE."""
    from ..text.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

    table = Phrases(min_count=min_count, threshold=threshold, scoring=scoring, delimiter=delimiter,
                    connector_words=() if no_connectors else ENGLISH_CONNECTOR_WORDS, levels=levels,
                    max_vocab_size=max_vocab_size, standardize=standardize)
    table.fit(corpus)
    table.save(output)
    summary = {"phrases": len(table.phrases_), "by_level": {}, "pruned": table.pruned_,
               "total_words": table.total_words_, "output": str(output)}
    for p in table.phrases_:
        summary["by_level"][p.level] = summary["by_level"].get(p.level, 0) + 1
    if as_json:
        click.echo(json.dumps(summary))
        return
    top = ", ".join(table.delimiter.join(p.words) for p in table.phrases_[:5])
    click.echo(f"learned {len(table.phrases_):,} phrases from {table.total_words_:,} words "
               f"({table.pruned_:,} rare candidates pruned); saved to {output}" + (f"\ntop: {top}" if top else ""))


COMMANDS = [phrases]
