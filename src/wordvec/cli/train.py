"""``wordvec train`` (``demo`` is in ``data.py``, ``similar`` in ``query.py``)."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from ..errors import ParameterError
from ..text.corpus import STANDARDIZE_MODES
from .defaults import default
from .watch import echo_tensorboard_hint, tensorboard_callbacks, tensorboard_options


# Python parameter name -> CLI flag, so errors name what the user typed.
FLAG_NAMES = {"vector_size": "--dim", "sg": "--sg/--cbow", "cbow_mean": "--cbow-mean/--cbow-sum"}


def D(option: str):
    """``train``'s default for ``option``: Word2Vec's (see ``defaults.py``)."""
    return default("train", option)


def cli_names(message: str) -> str:
    name, sep, rest = message.partition("=")
    if sep and name.isidentifier():
        return FLAG_NAMES.get(name, "--" + name.replace("_", "-")) + "=" + rest
    return message


def word2vec_options(exclude: tuple[str, ...] = ()):
    """The word2vec training options ``train`` and ``spark-train`` share, in this order
    (``exclude``: those a command does not take)."""
    options = [
        ("--sg", click.option("--sg/--cbow", default=D("--sg"), show_default=True, help="Skip-gram or CBOW.")),
        ("--hs", click.option("--hs", is_flag=True, default=D("--hs"), help="Use hierarchical softmax (with --negative 0 alone, else both).")),
        ("--negative", click.option("--negative", type=int, default=D("--negative"), show_default=True, help="Negative samples per positive (0: none).")),
        ("--dim", click.option("--dim", "vector_size", type=int, default=D("--dim"), show_default=True, help="Vector dimensions.")),
        ("--window", click.option("--window", type=int, default=D("--window"), show_default=True, help="Maximum context window.")),
        ("--min-count", click.option("--min-count", type=int, default=D("--min-count"), show_default=True, help="Drop words rarer than this.")),
        ("--max-vocab-size", click.option("--max-vocab-size", type=int, default=D("--max-vocab-size"), help="Prune while counting to bound memory.")),
        ("--max-final-vocab", click.option("--max-final-vocab", type=int, default=D("--max-final-vocab"), help="Keep at most this many words.")),
        ("--sample", click.option("--sample", type=float, default=D("--sample"), show_default=True, help="Subsampling threshold (0: off).")),
        ("--epochs", click.option("--epochs", type=int, default=D("--epochs"), show_default=True)),
        ("--alpha", click.option("--alpha", type=float, default=D("--alpha"), help="Initial learning rate [0.025 skip-gram, 0.05 CBOW].")),
        ("--min-alpha", click.option("--min-alpha", type=float, default=D("--min-alpha"), show_default=True)),
        ("--cbow-mean", click.option("--cbow-mean/--cbow-sum", default=D("--cbow-mean"), show_default=True, help="CBOW: average or sum the context.")),
        ("--ns-exponent", click.option("--ns-exponent", type=float, default=D("--ns-exponent"), show_default=True)),
        ("--workers", click.option("--workers", type=int, default=D("--workers"), help="Threads [all cores].")),
        ("--seed", click.option("--seed", type=int, default=D("--seed"), show_default=True)),
        ("--standardize", click.option("--standardize", type=click.Choice(STANDARDIZE_MODES), default=D("--standardize"),
                                       show_default=True)),
    ]

    def decorate(f):
        for name, option in reversed(options):
            if name not in exclude:
                f = option(f)
        return f

    return decorate


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Model folder to write (and checkpoint into).")
@click.option("--model", "model_name", type=click.Choice(["word2vec", "doc2vec", "fasttext"]), default="word2vec",
              show_default=True, help="word2vec, doc2vec (one document a line: TAGS<TAB>TEXT; no tab: the line number "
              "is the tag), or fasttext (subword vectors: any word gets one).")
@click.option("--min-n", type=int, default=None, help="fasttext: shortest character n-gram [3].")
@click.option("--max-n", type=int, default=None, help="fasttext: longest character n-gram (0: none) [6].")
@click.option("--bucket", type=int, default=None, help="fasttext: rows the n-grams are hashed into [2,000,000].")
@click.option("--dbow", is_flag=True, help="doc2vec: PV-DBOW instead of PV-DM.")
@click.option("--dbow-words", is_flag=True, help="doc2vec PV-DBOW: train skip-gram word vectors too.")
@click.option("--dm-concat", is_flag=True, help="doc2vec PV-DM: concatenate the window instead of averaging.")
@word2vec_options()
@click.option("--tokenizer", default=D("--tokenizer"), metavar="SPEC",
              help="How text becomes tokens: whitespace [default], or kmer:K (overlapping k-mers of each sequence).")
@click.option("--phrases", "phrase_table", type=click.Path(path_type=Path), default=None, metavar="TABLE",
              help="Join the phrases of TABLE (from wordvec phrases) while reading: --tokenizer phrases:TABLE.")
@click.option("--max-sentence-length", type=int, default=D("--max-sentence-length"), show_default=True,
              help="Longer lines are split into chunks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
@click.option("--checkpoint-every", default=None, metavar="N|DURATION",
              help="Checkpoint into the model folder every N words or DURATION (30s, 10m, 2h).")
@click.option("--resume", "resume_dir", type=click.Path(path_type=Path), default=None, metavar="MODEL_DIR",
              help="Continue the training checkpointed in MODEL_DIR (corpus and parameters are remembered).")
@click.option("--force", is_flag=True,
              help="With --resume: continue although the corpus's lines changed order (the resume is then not exact).")
@tensorboard_options
def train(corpus, output, quiet, logdir, eval_analogies, eval_similarity, checkpoint_every, resume_dir, model_name,
          dbow, dbow_words, dm_concat, phrase_table, min_n, max_n, bucket, force, **params):
    """Train word vectors on CORPUS (a text file, a folder, .gz/.bz2; one sentence per line).

    Ctrl-C writes a checkpoint into the model folder; continue with --resume MODEL_DIR."""
    with contextlib.ExitStack() as held:  # the output folder's lock, until the final save is done
        _train(held, corpus, output, quiet, logdir, eval_analogies, eval_similarity, checkpoint_every, resume_dir,
               model_name, dbow, dbow_words, dm_concat, phrase_table, min_n, max_n, bucket, force, params)


def _train(held, corpus, output, quiet, logdir, eval_analogies, eval_similarity, checkpoint_every, resume_dir,
           model_name, dbow, dbow_words, dm_concat, phrase_table, min_n, max_n, bucket, force, params):
    from ..atomic import output_lock
    from ..train.checkpoint import Interrupted, parse_every, stop_signals, train_with_checkpoints
    from ..formats.native import check_replaceable
    from ..models.word2vec import Word2Vec

    subword = {k: v for k, v in (("min_n", min_n), ("max_n", max_n), ("bucket", bucket)) if v is not None}
    if subword and model_name != "fasttext":
        raise ParameterError(f"--{next(iter(subword)).replace('_', '-')} is a fasttext option: add --model fasttext")
    if checkpoint_every is not None:
        parse_every(checkpoint_every, "--checkpoint-every")
    callbacks = tensorboard_callbacks(logdir, eval_analogies, eval_similarity)  # checks the files before counting
    if force and resume_dir is None:
        raise ParameterError("--force goes with --resume MODEL_DIR")
    if resume_dir is not None:
        model, output, checkpoint_every = _resume(resume_dir, corpus, output, checkpoint_every, params, force, held)
        if model is None:
            return
    else:
        if corpus is None:
            raise ParameterError("CORPUS is missing: give a corpus to train on, or --resume MODEL_DIR")
        if output is None:
            raise ParameterError("-o/--output is missing: give the model folder to write")
        try:
            if model_name == "word2vec":
                model = Word2Vec(**params)
            elif model_name == "fasttext":
                model = _fasttext(params, subword)
            else:
                model = _doc2vec(params, dbow, dbow_words, dm_concat)
            if phrase_table is not None:
                model.set_params(tokenizer=_phrase_spec(phrase_table, params.get("tokenizer")))
        except ParameterError as e:
            raise ParameterError(cli_names(str(e))) from None
        check_replaceable(output)  # before hours of training, not after
        held.enter_context(output_lock(output))  # no second wordvec trains into it meanwhile
        model.build_vocab(corpus)
    try:
        with stop_signals():
            train_with_checkpoints(model, output, callbacks, progress=not quiet, every=checkpoint_every)
    except Interrupted as e:
        click.echo(f"wordvec: {e}", err=True)
        sys.exit(130)
    model.save(output)
    if not quiet:
        last = model.history_[-1]
        docs = f"{len(model.dv):,} document tags and " if getattr(model, "dv", None) is not None else ""
        click.echo(
            f"trained {docs}{len(model.wv):,} words x {model.vector_size} dims on {model.encoded_.n_tokens:,} tokens "
            f"x {model.epochs} epochs; final loss {last['loss']:.4f}; saved to {output}"
        )
        echo_tensorboard_hint(callbacks)


def _phrase_spec(table: Path, tokenizer) -> str:
    """``--phrases TABLE`` as a tokenizer spec, the table read now (not after counting)."""
    from ..text.phrases import Phrases

    if tokenizer is not None:
        raise ParameterError("give --phrases TABLE or --tokenizer, not both")
    Phrases.load(table)
    return f"phrases:{table.resolve()}"


def _doc2vec(params: dict, dbow: bool, dbow_words: bool, dm_concat: bool):
    """A Doc2Vec from the options given on the command line (the others keep Doc2Vec's own
    defaults: 10 epochs, alpha 0.025); word2vec-only options are refused."""
    from click.core import ParameterSource

    from ..models.doc2vec import Doc2Vec

    ctx = click.get_current_context()
    given = {k: v for k, v in params.items() if ctx.get_parameter_source(k) == ParameterSource.COMMANDLINE}
    for name in given:
        if name not in Doc2Vec.PARAMS:
            flag = cli_names(name + "=").rstrip("=")
            raise ParameterError(f"{flag} is a word2vec option; doc2vec takes --dbow, --dbow-words, --dm-concat")
    if (dbow_words and not dbow) or (dm_concat and dbow):
        raise ParameterError("--dbow-words goes with --dbow, --dm-concat without it")
    return Doc2Vec(**given, dm=not dbow, dbow_words=dbow_words, dm_concat=dm_concat)


def _fasttext(params: dict, subword: dict):
    """A FastText from the options given on the command line; the others keep FastText's own
    defaults (gensim's: CBOW, alpha 0.025, n-grams 3..6 in 2,000,000 buckets)."""
    from click.core import ParameterSource

    from ..models.fasttext import FastText

    ctx = click.get_current_context()
    given = {k: v for k, v in params.items() if ctx.get_parameter_source(k) == ParameterSource.COMMANDLINE}
    return FastText(**given, **subword)


def _resume(resume_dir, corpus, output, checkpoint_every, params, force=False, held=None):
    """(model, output, checkpoint_every) for ``--resume``; model is None when the training
    there is already complete. Only --workers may change: the rest is remembered."""
    from click.core import ParameterSource

    from ..formats.native import check_replaceable
    from ..train.checkpoint import is_complete, resume

    ctx = click.get_current_context()
    for name in params:
        if name != "workers" and ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            flag = cli_names(name + "=").rstrip("=")
            raise ParameterError(f"{flag} cannot be given with --resume: the checkpoint remembers every training parameter (only --workers may change)")
    if is_complete(resume_dir):
        click.echo(f"{resume_dir}: training already complete; nothing to resume")
        return None, output, checkpoint_every
    check_replaceable(output or resume_dir)  # before the corpus is counted and trained again
    if held is not None:
        from ..atomic import output_lock

        held.enter_context(output_lock(output or resume_dir))
    try:
        model = resume(resume_dir, corpus=corpus, workers=params.get("workers"), force=force)
    except ParameterError as e:
        raise ParameterError(cli_names(str(e))) from None
    return model, output or resume_dir, checkpoint_every or model.checkpoint_every_


COMMANDS = [train]
