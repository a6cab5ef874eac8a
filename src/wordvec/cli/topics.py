"""``wordvec topics``: the topics of a doc2vec model's documents (top2vec's method: UMAP,
HDBSCAN, topic vectors named by their nearest words; ``wordvec.vectors.topics``)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import ParameterError


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-n", "--topn", type=int, default=10, show_default=True, help="Words printed per topic.")
@click.option("--topics", "n_topics", type=int, default=None,
              help="Merge the topics found down to this many (smallest into the most similar).")
@click.option("--min-cluster-size", type=int, default=15, show_default=True,
              help="HDBSCAN: the fewest documents a topic may have.")
@click.option("--neighbors", "umap_neighbors", type=int, default=15, show_default=True, help="UMAP: neighbours.")
@click.option("--components", "umap_components", type=int, default=5, show_default=True,
              help="UMAP: dimensions the documents are reduced to.")
@click.option("--centroid", type=click.Choice(["core", "members"]), default="core", show_default=True,
              help="Topic vectors: the mean of each cluster's core documents, or of all its members (top2vec).")
@click.option("--seed", type=int, default=1, show_default=True, help="UMAP's random state: same seed, same topics.")
@click.option("--load", "load_dir", type=click.Path(path_type=Path), default=None,
              help="Use topics saved with --save instead of fitting them again.")
@click.option("--save", "save_dir", type=click.Path(path_type=Path), default=None,
              help="Save the fitted topics to this folder (npy + json).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per topic (topic, size, words, scores).")
def topics(model, topn, n_topics, min_cluster_size, umap_neighbors, umap_components, centroid, seed, load_dir, save_dir,
           as_json):
    """Find the topics of the documents of the doc2vec MODEL (trained with --dbow-words, or
    PV-DM, so words and documents share a space) and print each topic's size and words."""
    from ..vectors.topics import Topics
    from .doc2vec import load_doc2vec

    if topn < 1:
        raise ParameterError(f"--topn={topn} is invalid: must be >= 1")
    m = load_doc2vec(model)
    if load_dir is not None:
        found = Topics.load(load_dir, m)
    else:
        found = Topics(m, umap_components=umap_components, umap_neighbors=umap_neighbors,
                       min_cluster_size=min_cluster_size, centroid=centroid, seed=seed).fit()
    if n_topics is not None:
        if not 1 <= n_topics <= len(found):
            raise ParameterError(f"--topics={n_topics} is invalid: must be in [1, {len(found)}] "
                                 f"({len(found)} topics were found)")
        found = found.reduce_topics(n_topics)
    if save_dir is not None:
        found.save(save_dir)
    for t in found.get_topics(topn=topn):
        if as_json:
            sys.stdout.write(json.dumps({"topic": t.topic, "size": t.size, "words": t.words,
                                         "scores": [round(s, 4) for s in t.scores]}) + "\n")
        else:
            click.echo(f"topic {t.topic}  ({t.size} documents): {' '.join(t.words)}")


COMMANDS = [topics]
