"""A scikit-learn transformer over Doc2Vec: texts in, document vectors out.

``Doc2VecTransformer(**doc2vec_params)`` takes exactly Doc2Vec's parameters (its signature
is Doc2Vec's, so ``get_params``, ``set_params``, ``clone`` and grid search see them all);
``fit(texts)`` trains a Doc2Vec on the documents (strings, or lists of tokens), and
``transform(texts)`` infers their vectors, deterministically, on all workers. Training
documents are inferred too, so train and test rows come from the same procedure.
Needs the ``sklearn`` extra (scikit-learn).
"""
from __future__ import annotations

import inspect

import numpy as np

from ..errors import WordvecError
from .doc2vec import Doc2Vec

try:
    from sklearn.base import BaseEstimator, TransformerMixin
except ImportError:  # pragma: no cover - depends on the environment
    raise WordvecError("Doc2VecTransformer needs scikit-learn: pip install 'wordvec[sklearn]'") from None

_SIGNATURE = inspect.signature(Doc2Vec.__init__)


class Doc2VecTransformer(TransformerMixin, BaseEstimator):
    """Documents to vectors with Doc2Vec, as a scikit-learn transformer (see the module doc)."""

    def __init__(self, **params):
        unknown = sorted(set(params) - set(_SIGNATURE.parameters))
        if unknown:
            raise TypeError(f"Doc2VecTransformer got an unexpected parameter {unknown[0]!r}")
        for name, p in _SIGNATURE.parameters.items():
            if name != "self":
                setattr(self, name, params.get(name, p.default))

    def fit(self, X, y=None):
        """Train Doc2Vec on the documents of ``X`` (tagged by position)."""
        self.model_ = Doc2Vec(**self.get_params()).fit(_documents(X))
        self.n_features_in_ = 1
        return self

    def transform(self, X) -> np.ndarray:
        """The inferred vector of each document of ``X``, one row each."""
        if not hasattr(self, "model_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("Doc2VecTransformer: call fit(texts) before transform(texts)")
        return self.model_.infer_vectors(_documents(X))


Doc2VecTransformer.__init__.__signature__ = _SIGNATURE  # scikit-learn reads the parameters from here


def _documents(X) -> list:
    """Texts as a list: one str, or one list of str tokens, per document."""
    if isinstance(X, str):
        raise WordvecError("X: pass a list of documents (each a str or a list of tokens), not one str")
    docs = list(X.tolist() if isinstance(X, np.ndarray) else X)
    return [d if isinstance(d, str) else list(d) for d in docs]
