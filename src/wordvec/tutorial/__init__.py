"""The TensorFlow word2vec tutorial's path: its preprocessing utilities
(``wordvec.tutorial.preprocessing``), its model (``model``: Numba kernels in ``kernels``,
PyTorch in ``torch_module``) and its whole recipe (``recipe``: ``wordvec tutorial``)."""

_LAZY = {
    "run_tutorial": ".recipe",
    "read_lines": ".recipe",
    "load_kernels": ".recipe",
    "TutorialWord2Vec": ".model",
    "resolve_engine": ".model",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'wordvec.tutorial' has no attribute {name!r}")
