"""``wordvec align | translate``: map one vector space onto another (two languages, two
decades) and translate words with the mapping. SRC and TGT are wordvec model folders or
word2vec C-format files; MAPPING is the folder ``align`` writes."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .defaults import default


def _split_heldout(pairs, share: float, seed: int):
    """(train, test): ``share`` of the source words (all their pairs) held out, at random."""
    import numpy as np

    words = list(dict.fromkeys(s for s, _ in pairs))
    rng = np.random.default_rng(seed)
    n_test = int(round(share * len(words)))
    test_words = {words[i] for i in rng.permutation(len(words))[:n_test]}
    return [p for p in pairs if p[0] not in test_words], [p for p in pairs if p[0] in test_words]


@click.command()
@click.argument("src", type=click.Path(path_type=Path))
@click.argument("tgt", type=click.Path(path_type=Path))
@click.option("-d", "--dictionary", default=default("align", "--dictionary"), show_default=True,
              help="File of 'source target' word pairs, one a line; or 'identical' (words spelled the same).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Mapping folder to write.")
@click.option("--center/--no-center", default=default("align", "--center"), show_default=True,
              help="Centre both spaces (after unit length) before fitting.")
@click.option("--normalize/--no-normalize", default=default("align", "--normalize"), show_default=True,
              help="Unit-length vectors before (and after) centring.")
@click.option("--refine", type=int, default=default("align", "--refine"), show_default=True,
              help="Self-learning rounds at most (0: Procrustes on the dictionary only).")
@click.option("--refine-vocab", type=int, default=default("align", "--refine-vocab"), show_default=True,
              help="Refinement induces pairs among this many most frequent words of each space.")
@click.option("--tol", type=float, default=default("align", "--tol"), show_default=True,
              help="Stop refining once a round raises the mean CSLS-match cosine by less.")
@click.option("--csls-k", type=int, default=default("align", "--csls-k"), show_default=True,
              help="CSLS neighbourhood size.")
@click.option("--max-pairs", type=int, default=default("align", "--max-pairs"),
              help="Use only the first N usable dictionary pairs.")
@click.option("--heldout", type=float, default=0.0, show_default=True,
              help="Hold out this share of the dictionary's source words and print P@1/5/10 on them.")
@click.option("--test", "test_file", type=click.Path(path_type=Path), default=None,
              help="File of test pairs: print P@1/5/10 on them.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the held-out split.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line instead of text.")
def align(src, tgt, dictionary, output, center, normalize, refine, refine_vocab, tol, csls_k, max_pairs, heldout,
          test_file, seed, as_json):
    """Learn an orthogonal map from the space SRC onto TGT and write it to -o MAPPING."""
    from ..params import check_int, check_number
    from ..vectors.align import align as fit, dictionary_pairs
    from ..vectors.keyed import WordVectors
    from .query import check_positive

    check_number("--heldout", heldout, low=0, high=1, high_open=True, allowed="a share in [0, 1)")
    check_int("--refine", refine, low=0, allowed=">= 0")
    check_number("--tol", tol, low=0, allowed=">= 0")
    for flag, value in (("--refine-vocab", refine_vocab), ("--csls-k", csls_k)):
        check_positive(flag, value)
    check_positive("--max-pairs", max_pairs, none_ok=True)
    source, target = WordVectors.load(src), WordVectors.load(tgt)
    pairs = dictionary_pairs(source, target, dictionary)
    test = None
    if heldout:
        pairs, test = _split_heldout(pairs, heldout, seed)
    mapping = fit(source, target, dictionary=pairs, center=center, normalize=normalize, refine=refine,
                  refine_vocab=refine_vocab, tol=tol, csls_k=csls_k, max_pairs=max_pairs)
    mapping.save(output)
    out = {"mapping": str(output), "source_words": len(source), "target_words": len(target),
           "dims": source.vector_size, "pairs_read": mapping.info["pairs_read"],
           "pairs_used": mapping.info["pairs_used"],
           "refinement_rounds": sum(h["kept"] for h in mapping.info["history"][1:])}
    for name, pairs_ in (("heldout", test), ("test", test_file)):
        if pairs_:
            out[name] = mapping.evaluate(pairs_)
    if as_json:
        click.echo(json.dumps(out, sort_keys=True))
        return
    click.echo(f"aligned {src} -> {tgt} ({out['dims']} dims) on {out['pairs_used']:,} of {out['pairs_read']:,} "
               f"pairs, {out['refinement_rounds']} refinement rounds kept; wrote {output}")
    for name in ("heldout", "test"):
        if name in out:
            r = out[name]
            click.echo(f"{name}: {r['queries']:,} words ({r['pairs_used']:,} of {r['pairs_read']:,} pairs usable)")
            for method in ("nn", "csls"):
                click.echo(f"  {method:<5}" + "  ".join(f"P@{k} {100 * r[method][f'p@{k}']:5.1f}%" for k in (1, 5, 10)))


@click.command()
@click.argument("mapping", type=click.Path(path_type=Path))
@click.argument("words", nargs=-1, required=True)
@click.option("-n", "--topn", type=int, default=default("translate", "--topn"), show_default=True)
@click.option("--method", type=click.Choice(["csls", "nn"]), default=default("translate", "--method"),
              show_default=True, help="CSLS (hubness-corrected) or plain nearest neighbour.")
def translate(mapping, words, topn, method):
    """Print the best target words for each source WORD through MAPPING (from 'wordvec align')."""
    from ..vectors.align import Alignment
    from .query import check_positive

    check_positive("--topn", topn)
    found = Alignment.load(mapping, mmap=True).translate(list(words), topn=topn, method=method)
    for word, pairs in found.items():
        if len(words) > 1:
            click.echo(f"{word}:")
        for w, s in pairs:
            click.echo(f"{s:.4f}  {w}")


COMMANDS = [align, translate]
