"""wordvec: fast, trustworthy word2vec.

The public names are imported on first use, so ``wordvec --help`` and light commands
start without loading Numba.
"""
from .errors import CorpusError, ModelFormatError, ParameterError, WordvecError

__version__ = "0.1.0"

_LAZY = {
    "Word2Vec": ".training",
    "WordVectors": ".vectors",
    "Corpus": ".corpus",
    "Callback": ".callbacks",
    "ProgressBar": ".callbacks",
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
