"""One estimator per file; every one is trained by the shared engine (``models.base``).

``model_class(name)`` maps the ``"model"`` recorded in a config.json to its class, so
loading and resuming work for every model without a list of them elsewhere.
"""
from __future__ import annotations

import importlib

# config.json "model" -> (module, class); modules are imported only when used.
REGISTRY = {
    "word2vec": (".word2vec", "Word2Vec"),
    "doc2vec": (".doc2vec", "Doc2Vec"),
    "fasttext": (".fasttext", "FastText"),
}


def model_class(name: str):
    """The estimator class for a saved model's ``"model"`` name (``None``: word2vec, as in
    folders written before the name was recorded)."""
    from ..errors import ModelFormatError

    if name is None:
        name = "word2vec"
    if not isinstance(name, str) or name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ModelFormatError(f"model {name!r} is not one wordvec can train (known: {known})")
    module, cls = REGISTRY[name]
    return getattr(importlib.import_module(module, __name__), cls)
