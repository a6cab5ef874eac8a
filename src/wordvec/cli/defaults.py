"""The commands' defaults come from the API's signatures, so ``wordvec train`` and
``Word2Vec()`` cannot drift apart.

``OPTIONS`` maps each command's options to the parameter of the function the command calls
(``Word2Vec.__init__`` for ``train``, ``run_tutorial`` for ``tutorial`` ...); a parameter
written ``"not NAME"`` is an inverted flag (``--keep-remainder`` is ``drop_remainder=False``).
``DIFFERENCES`` is the one list of defaults the CLI chooses differently, each with why.
``tests/test_cli_defaults.py`` checks every entry against ``inspect.signature``.

The defaults are read from the source (the ``def`` alone, with ``ast``), not by importing
it: the commands are built when the CLI starts, and importing ``Word2Vec`` loads Numba
(0.2 s, some 400 modules) that ``wordvec similar`` never needs. Where the source cannot be read (or a
default is not a literal), the function is imported and ``inspect.signature`` asked.
"""
from __future__ import annotations

import ast
import functools
import importlib
import re
import textwrap
from pathlib import Path
from typing import NamedTuple

_PACKAGE = Path(__file__).resolve().parents[1]


class Target(NamedTuple):
    """A function of the API: ``module`` (under ``wordvec``) and ``qualname``."""

    module: str
    qualname: str

    def resolve(self):
        obj = importlib.import_module(f"wordvec.{self.module}")
        for part in self.qualname.split("."):
            obj = getattr(obj, part)
        return obj


WORD2VEC = Target("models.word2vec", "Word2Vec.__init__")
RUN_TUTORIAL = Target("tutorial.recipe", "run_tutorial")
MOST_SIMILAR = Target("vectors.keyed", "WordVectors.most_similar")
PREDICT = Target("vectors.prediction", "predict_output_word")
ANALOGIES = Target("vectors.keyed", "WordVectors.evaluate_word_analogies")
PLOT_WORDS = Target("viz.plot", "plot_words")
PHRASES = Target("text.phrases", "Phrases.__init__")
ALIGN = Target("vectors.align", "align")
TRANSLATE = Target("vectors.align", "Alignment.translate")
BUILD_INDEX = Target("vectors.keyed", "KeyedVectors.build_index")

# command -> (the function it calls, {option: parameter}).
OPTIONS: dict[str, tuple[Target, dict[str, str]]] = {
    "train": (WORD2VEC, {
        "--sg": "sg", "--hs": "hs", "--negative": "negative", "--dim": "vector_size", "--window": "window",
        "--min-count": "min_count", "--max-vocab-size": "max_vocab_size", "--max-final-vocab": "max_final_vocab",
        "--sample": "sample", "--epochs": "epochs", "--alpha": "alpha", "--min-alpha": "min_alpha",
        "--cbow-mean": "cbow_mean", "--ns-exponent": "ns_exponent", "--workers": "workers", "--seed": "seed",
        "--standardize": "standardize", "--tokenizer": "tokenizer", "--max-sentence-length": "max_sentence_length",
    }),
    "demo": (WORD2VEC, {"--epochs": "epochs"}),
    "tutorial": (RUN_TUTORIAL, {
        "--vocab-size": "vocab_size", "--sequence-length": "sequence_length", "--window": "window_size",
        "--num-ns": "num_ns", "--dim": "embedding_dim", "--epochs": "epochs", "--batch-size": "batch_size",
        "--loss": "loss", "--sampling-factor": "sampling_factor", "--learning-rate": "learning_rate",
        "--seed": "seed", "--engine": "engine", "--threads": "threads", "--keep-remainder": "not drop_remainder",
    }),
    "phrases": (PHRASES, {
        "--scoring": "scoring", "--min-count": "min_count", "--threshold": "threshold", "--levels": "levels",
        "--delimiter": "delimiter", "--max-vocab-size": "max_vocab_size", "--standardize": "standardize",
    }),
    "similar": (MOST_SIMILAR, {"--topn": "topn"}),
    "index": (BUILD_INDEX, {"--recall": "recall", "--nlist": "nlist", "--seed": "seed"}),
    "predict": (PREDICT, {"--topn": "topn", "--method": "method"}),
    "evaluate": (ANALOGIES, {"--restrict-vocab": "restrict_vocab", "--method": "method",
                             "--case-sensitive": "not case_insensitive"}),
    "plot": (PLOT_WORDS, {"--top": "top", "-n": "n_neighbors", "--method": "method", "--seed": "seed",
                          "--title": "title"}),
    "align": (ALIGN, {"--center": "center", "--normalize": "normalize", "--refine": "refine",
                      "--refine-vocab": "refine_vocab", "--tol": "tol", "--csls-k": "csls_k", "--max-pairs": "max_pairs",
                      "--dictionary": "dictionary"}),
    "translate": (TRANSLATE, {"--topn": "topn", "--method": "method"}),
}


class Difference(NamedTuple):
    """A default the CLI chooses on purpose: ``cli`` where the API has ``target``'s ``parameter``."""

    cli: object
    target: Target
    parameter: str
    why: str


# (command, option) -> the CLI's own default and the reason.
DIFFERENCES: dict[tuple[str, str], Difference] = {
    ("tutorial", "--device"): Difference(
        "auto", RUN_TUTORIAL, "device",
        "the API's None means 'auto' (a CUDA GPU when PyTorch sees one, else the CPU); a command line spells it"),
    ("analogy", "--topn"): Difference(
        5, MOST_SIMILAR, "topn", "an analogy has one answer: five candidates are enough to read, ten are a list"),
}


@functools.lru_cache(maxsize=None)
def signature_defaults(target: Target) -> dict:
    """{parameter: default} of ``target``'s signature (parameters without one are left out)."""
    try:
        return _source_defaults(target)
    except (OSError, SyntaxError, ValueError, LookupError):
        pass
    import inspect  # 7 ms, so only here

    return {name: p.default for name, p in inspect.signature(target.resolve()).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _source_defaults(target: Target) -> dict:
    # Only the ``def`` is parsed (parsing whole modules would cost the CLI's start some 20 ms):
    # find ``class ...`` then ``def ...(`` by name, and take lines until they parse as a def.
    path = _PACKAGE.joinpath(*target.module.split(".")).with_suffix(".py")
    text = path.read_text(encoding="utf-8")
    *classes, function = target.qualname.split(".")
    pos = 0
    for cls in classes:
        pos = _find(rf"^[ \t]*class {re.escape(cls)}\b", text, pos)
    lines = text[_find(rf"^[ \t]*(async[ \t]+)?def {re.escape(function)}\(", text, pos):].splitlines()
    for end in range(1, min(len(lines), 40) + 1):
        try:
            tree = ast.parse(textwrap.dedent("\n".join(lines[:end])) + "\n    pass")
        except SyntaxError:
            continue
        args = tree.body[0].args
        positional = args.posonlyargs + args.args
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        return {a.arg: ast.literal_eval(d) for a, d in pairs}  # ValueError where one is not a literal
    raise LookupError(target.qualname)


def _find(pattern: str, text: str, pos: int) -> int:
    match = re.compile(pattern, re.MULTILINE).search(text, pos)
    if match is None:
        raise LookupError(pattern)
    return match.start()


def api_default(target: Target, parameter: str):
    """The default of ``parameter`` in ``target``'s signature; ``"not NAME"``: its negation."""
    inverted = parameter.startswith("not ")
    value = signature_defaults(target)[parameter[4:] if inverted else parameter]
    return (not value) if inverted else value


def default(command: str, option: str):
    """The default for ``command``'s ``option``: the API's, or the CLI's own from ``DIFFERENCES``."""
    if (command, option) in DIFFERENCES:
        return DIFFERENCES[command, option].cli
    target, table = OPTIONS[command]
    return api_default(target, table[option])
