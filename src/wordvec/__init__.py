"""wordvec: fast, trustworthy word2vec and its family.

The public names are imported on first use, so ``wordvec --help`` and light commands
start without loading Numba. The packages follow the pipeline: ``text`` (reading,
standardising, tokenizers) -> ``vocab`` (counting, encoding) -> ``kernels`` (Numba) ->
``train`` (job runner, callbacks, checkpoints) -> ``models`` (one estimator per file) ->
``vectors`` (keyed vectors, queries, evaluation) -> ``formats`` / ``viz``; ``data`` holds the
demo corpus and downloads, ``tutorial`` the TensorFlow tutorial's path, ``cli`` the command.
"""
from .errors import CorpusError, ModelFormatError, ParameterError, WordvecError

__version__ = "0.1.0"

_LAZY = {
    "Word2Vec": ".models.word2vec",
    "Doc2Vec": ".models.doc2vec",
    "FastText": ".models.fasttext",
    "FastTextKeyedVectors": ".vectors.fasttext",
    "Doc2VecTransformer": ".models.transformer",
    "TaggedDocument": ".text.documents",
    "KeyedVectors": ".vectors.keyed",
    "WordVectors": ".vectors.keyed",
    "align": ".vectors.align",
    "Alignment": ".vectors.align",
    "Topics": ".vectors.topics",
    "Corpus": ".text.corpus",
    "Callback": ".train.callbacks",
    "ProgressBar": ".train.callbacks",
    "CheckpointCallback": ".train.checkpoint",
    "resume": ".train.checkpoint",
    "TensorBoardCallback": ".viz.tensorboard",
    "write_projector": ".viz.tensorboard",
}

__all__ = [*_LAZY, "WordvecError", "ParameterError", "CorpusError", "ModelFormatError", "__version__"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'wordvec' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
