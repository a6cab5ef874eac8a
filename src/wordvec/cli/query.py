"""``wordvec similar | analogy | odd | predict | evaluate | export``: query, evaluate and
exchange trained vectors. MODEL is a wordvec model folder, a word2vec C-format file or a
fastText .bin (fastText models: unseen words get vectors from their n-grams)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import click

from ..errors import ParameterError, WordvecError
from .defaults import default

EXPORT_FORMATS = ("word2vec-text", "word2vec-bin", "projector", "tensorboard", "fasttext-bin", "fasttext-vec")


def load_vectors(path):
    """The vectors of MODEL: a fastText folder or .bin gives vectors for any word."""
    from ..vectors.fasttext import load_word_vectors

    return load_word_vectors(path, mmap=True)


def check_positive(flag: str, value, none_ok: bool = False) -> None:
    """``FLAG=VALUE is invalid: must be >= 1`` unless ``value`` is (params.py: NumPy, so imported late)."""
    from ..params import check_int

    check_int(flag, value, low=1, none_ok=none_ok, allowed=">= 1")


def _check_topn(topn: int) -> None:
    check_positive("--topn", topn)


def _print_pairs(pairs) -> None:
    for w, s in pairs:
        click.echo(f"{s:.4f}  {w}")


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("word")
@click.option("-n", "--topn", type=int, default=default("similar", "--topn"), show_default=True)
@click.option("--docs", is_flag=True, help="A doc2vec model: WORD is a document tag; print the nearest tags.")
@click.option("--exact", is_flag=True,
              help="Search every vector even where `wordvec index` saved an approximate index.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
              help="An index saved with `wordvec index -o` [the one beside MODEL, if any].")
def similar(model, word, topn, docs, exact, index_dir):
    """Print the words nearest to WORD (cosine similarity); with --docs, the document tags
    nearest to the tag WORD. Uses the approximate index that `wordvec index` saved beside
    MODEL, if any (the similarities printed are exact; a neighbour may be missed)."""
    _check_topn(topn)
    if docs:
        from .doc2vec import load_doc2vec, tag_of

        dv = load_doc2vec(model).dv
        _print_pairs(dv.most_similar(tag_of(dv, word), topn=topn))
        return
    if exact and index_dir is not None:
        raise ParameterError("--exact and --index: choose one")
    wv = load_vectors(model)
    if not exact:
        from ..vectors.ann import has_index, index_path

        folder = index_dir if index_dir is not None else index_path(model)
        if index_dir is not None or has_index(model):
            wv.get_index(word)  # an unknown word is said so before the index is loaded
            wv.load_index(folder)
    _print_pairs(wv.most_similar(word, topn=topn))


@click.command("index")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--recall", type=float, default=default("index", "--recall"), show_default=True,
              help="Recall@10 against exact search that the index must reach (it picks nprobe to).")
@click.option("--nlist", type=int, default=None, help="Cells of the inverted file [about sqrt(vocabulary)].")
@click.option("--seed", type=int, default=default("index", "--seed"), show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to save the index [MODEL/ann/, or FILE.ann/ beside a vectors file]; "
                   "`wordvec similar --index` reads it from there.")
def index_command(model, recall, nlist, seed, output):
    """Build an approximate nearest-neighbour index for MODEL (faiss: the 'ann' extra) and
    save it beside it (MODEL/ann/, or FILE.ann/ beside a vectors file); `wordvec similar`
    then uses it. Worth it from a few hundred thousand words; rebuild after retraining."""
    import time

    from ..atomic import check_writable
    from ..vectors.ann import index_path

    wv = load_vectors(model)
    where = output if output is not None else index_path(model)
    check_writable(where, folder=True)  # before the build, not after it
    t0 = time.perf_counter()
    ann = wv.build_index(recall=recall, nlist=nlist, seed=seed)
    built = time.perf_counter() - t0
    ann.save(where)
    click.echo(f"{where}: {ann.rows:,} vectors in {ann.nlist:,} cells, nprobe {ann.nprobe}, "
               f"recall@10 {ann.recall:.3f} on {ann.recall_queries:,} sample words; built in {built:.1f} s")


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("a")
@click.argument("b")
@click.argument("c")
@click.option("-n", "--topn", type=int, default=default("analogy", "--topn"), show_default=True)
@click.option("--cosmul", is_flag=True, help="Use 3CosMul (Levy & Goldberg) instead of 3CosAdd.")
def analogy(model, a, b, c, topn, cosmul):
    """A is to B as C is to ?  (e.g. man king woman -> queen)."""
    _check_topn(topn)
    wv = load_vectors(model)
    query = wv.most_similar_cosmul if cosmul else wv.most_similar
    _print_pairs(query(positive=[b, c], negative=[a], topn=topn))


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("words", nargs=-1, required=True)
def odd(model, words):
    """Print the word that fits least with the others."""
    if len(words) < 2:
        raise ParameterError("odd: give at least two words")
    click.echo(load_vectors(model).doesnt_match(words))


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("context")
@click.option("-n", "--topn", type=int, default=default("predict", "--topn"), show_default=True)
@click.option("--method", type=click.Choice(["ns", "hs"]), default=default("predict", "--method"),
              help="Output layer to use [negative sampling when trained with it].")
def predict(model, context, topn, method):
    """Predict the missing word of CONTEXT, e.g. "the wide _ shimmered" ('_' marks the gap;
    needs a model folder saved by training, which holds the output weights)."""
    from ..formats.native import is_native_model, read_config
    from ..models.word2vec import Word2Vec

    _check_topn(topn)
    if not is_native_model(model):
        raise WordvecError(f"{model}: predict needs a wordvec model folder (the output weights); "
                           "word2vec C-format files hold only the input vectors")
    config = read_config(model)
    if config.get("model") == "vectors":
        raise WordvecError(f"{model}: holds vectors only; predict needs a model saved by training (the output weights)")
    from ..vectors.prediction import model_standardize, predict_output_word, standardize_context

    w2v = Word2Vec.load(model, mmap=True)
    words = standardize_context(context, model_standardize(w2v))  # as the training corpus was
    if not words:
        raise ParameterError("predict: the context has no words besides '_'")
    _print_pairs(predict_output_word(w2v, words, topn=topn, method=method))


def _json_safe(value):
    """``value`` with every non-finite float (a correlation of no pairs: NaN) as None."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--analogies", type=click.Path(path_type=Path), help="questions-words file (': section' headers).")
@click.option("--similarity", type=click.Path(path_type=Path), multiple=True,
              help="Word-pair similarity file (word word score); repeatable.")
@click.option("--restrict-vocab", type=int, default=default("evaluate", "--restrict-vocab"), show_default=True,
              help="Analogies: only the most frequent words are candidates.")
@click.option("--method", type=click.Choice(["3cosadd", "3cosmul"]), default=default("evaluate", "--method"),
              show_default=True)
@click.option("--case-sensitive", is_flag=True, default=default("evaluate", "--case-sensitive"), help="Compare words as they are (default: upper-cased, as gensim).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line instead of tables.")
def evaluate(model, analogies, similarity, restrict_vocab, method, case_sensitive, as_json):
    """Analogy accuracy (per section) and word-similarity correlations."""
    if analogies is None and not similarity:
        raise ParameterError("evaluate: give --analogies FILE and/or --similarity FILE")
    check_positive("--restrict-vocab", restrict_vocab)
    wv = load_vectors(model)
    out: dict = {"model": str(model), "vocab_size": len(wv), "vector_size": wv.vector_size}
    result = None
    if analogies is not None:
        result = wv.evaluate_word_analogies(analogies, restrict_vocab=restrict_vocab,
                                            case_insensitive=not case_sensitive, method=method)
        out.update(result.to_dict())
    sims = {}
    for path in similarity:
        r = wv.evaluate_word_pairs(path, case_insensitive=not case_sensitive)
        sims[Path(path).name if Path(path).name not in sims else str(path)] = r.to_dict()
    if similarity:
        out["similarity"] = sims
    if as_json:
        click.echo(json.dumps(_json_safe(out), sort_keys=True, allow_nan=False))  # NaN is not JSON: null
        return
    if result is not None:
        click.echo(f"analogies: {analogies} ({method}, top {restrict_vocab:,} words)")
        click.echo(f"{'section':<28} {'correct':>8} {'total':>8} {'skipped':>8} {'accuracy':>9}")
        rows = result.sections + [result.semantic, result.syntactic]
        for s in rows:
            click.echo(f"{s.name:<28} {s.correct:>8} {s.total:>8} {s.skipped:>8} {100 * s.accuracy:>8.1f}%")
        click.echo(f"{'total':<28} {result.correct:>8} {result.total:>8} {result.skipped:>8} {100 * result.accuracy:>8.1f}%")
    for name, r in sims.items():
        click.echo(f"similarity {name}: spearman {r['spearman']:.4f}  pearson {r['pearson']:.4f}  "
                   f"pairs {r['pairs']}  skipped {100 * r['oov_ratio']:.1f}%")


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File (word2vec-*) or folder (projector) to write.")
@click.option("--top", type=int, default=None, help="Only the N most frequent words.")
@click.option("--logdir", type=click.Path(path_type=Path), default=None, help="TensorBoard log folder (tensorboard).")
def export(model, fmt, output, top, logdir):
    """Write the vectors in an exchange format."""
    from ..atomic import check_writable

    check_positive("--top", top, none_ok=True)
    if fmt == "tensorboard" and (logdir or output) is not None:
        check_writable(logdir or output, folder=True)
    elif fmt == "projector" and output is not None:
        check_writable(output, folder=True)
    elif output is not None:
        check_writable(output, folder=False)
    wv = load_vectors(model)
    if fmt == "tensorboard":
        logdir = logdir or output
        if logdir is None:
            raise ParameterError("export --format tensorboard: give --logdir DIR")
        from ..viz.tensorboard import write_projector

        write_projector(wv, logdir, top=top)
        written = logdir
    else:
        if output is None:
            raise ParameterError(f"export --format {fmt}: give -o/--output PATH")
        if fmt == "projector":
            from ..formats.projector import write_projector_tsv

            write_projector_tsv(wv, output, top=top)
        elif fmt == "fasttext-bin":
            _export_fasttext_bin(model, wv, output, top)
        else:
            wv.save_word2vec_format(output, binary=fmt == "word2vec-bin", top=top)  # fasttext-vec: the text format
        written = output
    n = len(wv) if top is None else min(top, len(wv))
    click.echo(f"wrote {n:,} words x {wv.vector_size} dims ({fmt}) to {written}")


def _export_fasttext_bin(model, wv, output, top) -> None:
    """Facebook's .bin from a fastText model folder (with its output layer) or .bin."""
    from ..formats.fasttext import is_fasttext_bin, read_fasttext_bin, write_fasttext_bin
    from ..vectors.fasttext import FastTextKeyedVectors, is_fasttext_folder

    if top is not None:
        raise ParameterError("export --format fasttext-bin: --top does not apply (the .bin holds the whole model)")
    if not isinstance(wv, FastTextKeyedVectors):
        raise WordvecError(f"{model}: not a fastText model; fasttext-bin needs its n-gram vectors "
                           "(fasttext-vec writes any vectors)")
    if is_fasttext_folder(model):
        from ..models.fasttext import FastText

        FastText.load(model, mmap=True).save_facebook_model(output)
        return
    m = read_fasttext_bin(model) if is_fasttext_bin(model) else None
    write_fasttext_bin(output, m["words"], m["counts"], m["vectors_vocab"], m["vectors_ngrams"], m["output"],
                       min_n=m["min_n"], max_n=m["max_n"], window=m["ws"], epochs=m["epoch"],
                       min_count=m["min_count"], negative=m["neg"], hs=m["loss"] == 1, sg=m["model"] == 2,
                       sample=m["t"], ntokens=m["ntokens"])


COMMANDS = [similar, index_command, analogy, odd, predict, evaluate, export]
