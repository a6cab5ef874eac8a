"""Topics over a doc2vec model, as top2vec finds them (Angelov 2020).

Documents and words share one space when the model trains word vectors with its document
vectors (PV-DBOW with ``dbow_words=True``, as top2vec trains; PV-DM too). Dense regions of
documents are topics:

1. the documents' unit vectors are reduced by UMAP (cosine metric, 5 components);
2. HDBSCAN clusters the reduced points (points in no dense region are noise);
3. each cluster's centroid in the ORIGINAL space (the mean of its documents' unit
   vectors, made unit) is its topic vector: by default the centroid of its core
   documents (HDBSCAN's membership strength 1, the densest part of the cluster), which
   names topics by more coherent words than top2vec's centroid of every member
   (``centroid="members"``; see benchmarks/topics.py);
4. every document, noise included, belongs to its nearest topic (cosine), which gives the
   topics' sizes; topics are numbered largest first;
5. a topic is named by the words whose vectors are nearest its topic vector.

``Topics(model, ...)`` takes scikit-learn's conventions: the parameters are stored as given
in ``__init__`` (``get_params``), ``fit()`` learns the state (trailing underscores) and
returns the object, so ``Topics(model).fit()`` is the usual call. The same model, parameters
and ``seed`` give the same topics (UMAP runs single-threaded with a ``random_state``;
``seed=None`` lets it run on every core, differently each time).

umap-learn and hdbscan are the ``topics`` extra (``pip install 'wordvec[topics]'``) and are
imported only when a fit needs them. A fitted ``Topics`` saves as its own folder (``.npy``
arrays and ``config.json``, no pickle) and loads beside the model it was fitted on.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelFormatError, WordvecError
from ..params import check_choice, check_int, check_number
from .keyed import top_k

MISSING_EXTRA = "topics need the 'topics' extra: pip install 'wordvec[topics]'"
FORMAT = "wordvec-topics"
PARAMS = ("umap_components", "umap_neighbors", "min_cluster_size", "min_samples", "cluster_selection",
          "centroid", "restrict_vocab", "seed")
_SAVED_WORDS = 50  # top words per topic written to config.json, for reading without the model


class TopicsError(WordvecError):
    """Topics cannot be found or used: missing extra, unsuitable model, no clusters."""


@dataclass(frozen=True)
class Topic:
    """One topic: its number (0 is the largest), how many documents are nearest it, and
    the words nearest its vector with their cosine similarities."""

    topic: int
    size: int
    words: list
    scores: list


def _import_extra():
    """(umap, hdbscan), or one clear line saying how to install them."""
    try:
        import hdbscan
        import umap
    except ImportError:
        raise TopicsError(MISSING_EXTRA) from None
    return umap, hdbscan


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1).astype(np.float32)


def _check_model(model) -> None:
    """A doc2vec model whose word vectors share the documents' space."""
    if not (hasattr(model, "dv") and hasattr(model, "wv") and hasattr(model, "infer_vector")):
        raise TopicsError(f"topics need a doc2vec model (document and word vectors), not {type(model).__name__}")
    if model.dv is None or model.wv is None:
        raise TopicsError("topics: the model has no vectors yet; train it first")
    if not getattr(model, "dm", True) and not getattr(model, "dbow_words", False):
        raise TopicsError("topics need word vectors trained with the documents': this PV-DBOW model has none "
                          "(dbow_words=False); train it with dbow_words=True (or dm=True)")
    if getattr(model, "dm", False) and getattr(model, "dm_concat", False):
        raise TopicsError("topics need words and documents in one space: a dm_concat model puts them in different "
                          "places of its input; train with dm=False, dbow_words=True (or dm_concat=False)")


class Topics:
    """Topics of a doc2vec model's documents (top2vec's method); see the module docstring.

    ``umap_components`` and ``umap_neighbors`` shape UMAP's reduction, ``min_cluster_size``
    and ``min_samples`` (None: ``min_cluster_size``) and ``cluster_selection`` (``"eom"``
    or ``"leaf"``) HDBSCAN's clusters; ``centroid`` is ``"core"`` (the mean of a cluster's
    core documents: membership strength 1) or ``"members"`` (of all its documents, as
    top2vec); ``restrict_vocab`` names topics from the most
    frequent words only (None: every word); ``seed`` makes the fit repeatable.

    After ``fit()``: ``topic_vectors_`` (topics x dimensions, unit), ``topic_sizes_``,
    ``document_topics_`` and ``document_scores_`` (each document's nearest topic and its
    cosine, in ``model.dv``'s row order), ``labels_`` (HDBSCAN's cluster of each document,
    numbered as the topics, -1 for noise), ``probabilities_`` (HDBSCAN's membership
    strengths), ``embedding_`` (the UMAP points) and
    ``hierarchy_`` (which fitted topics each topic holds: ``[[0], [1], ...]`` after
    ``fit``, merged lists after ``reduce_topics``).
    """

    PARAMS = PARAMS

    def __init__(self, model, umap_components: int = 5, umap_neighbors: int = 15, min_cluster_size: int = 15,
                 min_samples: int | None = None, cluster_selection: str = "eom", centroid: str = "core",
                 restrict_vocab: int | None = None, seed: int | None = 1):
        self.model = model
        self.umap_components = umap_components
        self.umap_neighbors = umap_neighbors
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection = cluster_selection
        self.centroid = centroid
        self.restrict_vocab = restrict_vocab
        self.seed = seed
        self.validate()

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep: bool = True) -> dict:
        return {"model": self.model, **{k: getattr(self, k) for k in PARAMS}}

    def set_params(self, **params):
        for k, v in params.items():
            if k != "model" and k not in PARAMS:
                raise TopicsError(f"Topics has no parameter {k!r}; its parameters: model, {', '.join(PARAMS)}")
            setattr(self, k, v)
        self.validate()
        return self

    def validate(self) -> None:
        check_int("umap_components", self.umap_components, 1, 1000)
        check_int("umap_neighbors", self.umap_neighbors, 2, 10_000)
        check_int("min_cluster_size", self.min_cluster_size, 2, 10**9)
        check_int("min_samples", self.min_samples, 1, 10**9, none_ok=True)
        check_choice("cluster_selection", self.cluster_selection, ("eom", "leaf"))
        check_choice("centroid", self.centroid, ("core", "members"))
        check_int("restrict_vocab", self.restrict_vocab, 1, None, none_ok=True)
        check_int("seed", self.seed, 0, 2**32 - 1, none_ok=True)

    def __repr__(self) -> str:
        state = f"{len(self.topic_sizes_)} topics" if self.fitted else "not fitted"
        return f"Topics({state}, min_cluster_size={self.min_cluster_size}, seed={self.seed})"

    # ------------------------------------------------------------------ fitting
    @property
    def fitted(self) -> bool:
        return getattr(self, "topic_vectors_", None) is not None

    def _need_fit(self, what: str) -> None:
        if not self.fitted:
            raise TopicsError(f"{what}: the topics are not fitted yet; call fit() first")

    def min_documents(self) -> int:
        """The fewest documents a fit accepts: UMAP needs more than ``umap_neighbors`` and
        ``umap_components + 1``; HDBSCAN two clusters of ``min_cluster_size``."""
        return max(self.umap_neighbors + 1, self.umap_components + 2, 2 * self.min_cluster_size)

    def fit(self):
        """Reduce, cluster and name the model's documents; returns ``self``."""
        self.validate()
        _check_model(self.model)
        docs = _unit(self.model.dv.vectors)
        need = self.min_documents()
        if len(docs) < need:
            raise TopicsError(f"topics: the model has {len(docs)} documents; at least {need} are needed "
                              f"(more than umap_neighbors={self.umap_neighbors}, two clusters of "
                              f"min_cluster_size={self.min_cluster_size})")
        umap, hdbscan = _import_extra()
        with warnings.catch_warnings():  # UMAP's notes on random_state and n_jobs, numba's on threads
            warnings.simplefilter("ignore")
            reducer = umap.UMAP(n_neighbors=self.umap_neighbors, n_components=self.umap_components, metric="cosine",
                                random_state=self.seed, n_jobs=1 if self.seed is not None else -1)
            embedding = np.asarray(reducer.fit_transform(docs), np.float32)
            clusterer = hdbscan.HDBSCAN(min_cluster_size=self.min_cluster_size, min_samples=self.min_samples,
                                        metric="euclidean", cluster_selection_method=self.cluster_selection)
            labels = np.asarray(clusterer.fit_predict(embedding), np.int64)
            strength = np.asarray(clusterer.probabilities_, np.float32)
        clusters = np.unique(labels[labels >= 0])
        if clusters.size == 0:
            raise TopicsError(f"topics: HDBSCAN found no dense cluster among {len(docs)} documents; "
                              f"try a smaller min_cluster_size (now {self.min_cluster_size})")
        vectors = _unit(np.stack([self._centroid(docs, labels == c, strength) for c in clusters]))
        order = self._set_topics(docs, vectors, [[int(c)] for c in range(len(clusters))])
        # Number HDBSCAN's labels as the topics they became.
        renumber = np.full(len(clusters), -1, np.int64)
        renumber[order] = np.arange(len(order))
        self.labels_ = np.where(labels >= 0, renumber[np.searchsorted(clusters, np.maximum(labels, 0))], -1)
        self.hierarchy_ = [[t] for t in range(len(order))]
        self.probabilities_ = strength
        self.embedding_ = embedding
        return self

    def _centroid(self, docs: np.ndarray, members: np.ndarray, strength: np.ndarray) -> np.ndarray:
        if self.centroid == "core":
            core = members & (strength >= np.float32(0.999) * strength[members].max())
            members = core if core.any() else members
        return docs[members].mean(axis=0)

    def _set_topics(self, docs: np.ndarray, vectors: np.ndarray, hierarchy: list) -> np.ndarray:
        """Assign every document to its nearest topic, number the topics largest first
        (ties: the earlier topic) and store the state; returns the order taken."""
        nearest, scores = self._nearest(docs, vectors)
        sizes = np.bincount(nearest, minlength=len(vectors))
        order = np.argsort(-sizes, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.topic_vectors_ = vectors[order]
        self.topic_sizes_ = sizes[order].astype(np.int64)
        self.document_topics_ = rank[nearest].astype(np.int64)
        self.document_scores_ = scores.astype(np.float32)
        self.hierarchy_ = [hierarchy[i] for i in order]
        return order

    @staticmethod
    def _nearest(docs: np.ndarray, vectors: np.ndarray, block: int = 65536):
        nearest = np.empty(len(docs), np.int64)
        scores = np.empty(len(docs), np.float32)
        for s in range(0, len(docs), block):
            sims = docs[s : s + block] @ vectors.T
            nearest[s : s + block] = sims.argmax(axis=1)
            scores[s : s + block] = sims[np.arange(sims.shape[0]), nearest[s : s + block]]
        return nearest, scores

    # ------------------------------------------------------------------ topics and their words
    def __len__(self) -> int:
        self._need_fit("len")
        return len(self.topic_sizes_)

    def _check_topic(self, topic) -> int:
        return check_int("topic", topic, 0, len(self.topic_sizes_) - 1)

    def topic_sizes(self) -> np.ndarray:
        """How many documents are nearest each topic, largest (topic 0) first."""
        self._need_fit("topic_sizes")
        return self.topic_sizes_.copy()

    def topic_words(self, topic: int, topn: int = 10) -> tuple[list, np.ndarray]:
        """(words, cosine similarities) of the ``topn`` words nearest ``topic``'s vector."""
        self._need_fit("topic_words")
        self._check_topic(topic)
        return self._words_for(self.topic_vectors_[topic : topic + 1], topn)[0]

    def _words_for(self, vectors: np.ndarray, topn: int) -> list:
        check_int("topn", topn, 1, None)
        _check_model(self.model)
        wv = self.model.wv
        if wv.vector_size != vectors.shape[1]:
            raise TopicsError(f"topics: the model's word vectors have {wv.vector_size} dimensions, "
                              f"the topics {vectors.shape[1]}; not the model they were fitted on")
        words = wv.get_normed_vectors()[: self.restrict_vocab]
        sims = vectors @ words.T
        best = top_k(sims, topn)
        return [([wv.index_to_key[i] for i in row], sims[t, row]) for t, row in enumerate(best)]

    def get_topics(self, n: int | None = None, topn: int = 10) -> list[Topic]:
        """The ``n`` largest topics (all by default), each with its ``topn`` nearest words."""
        self._need_fit("get_topics")
        check_int("n", n, 1, None, none_ok=True)
        k = len(self.topic_sizes_) if n is None else min(n, len(self.topic_sizes_))
        named = self._words_for(self.topic_vectors_[:k], topn)
        return [Topic(t, int(self.topic_sizes_[t]), words, [float(s) for s in scores])
                for t, (words, scores) in enumerate(named)]

    # ------------------------------------------------------------------ search
    def search_documents_by_topic(self, topic: int, n: int = 10) -> list[tuple]:
        """The ``n`` documents of ``topic`` nearest its vector: (tag, cosine) pairs, best first."""
        self._need_fit("search_documents_by_topic")
        self._check_topic(topic)
        check_int("n", n, 1, None)
        rows = np.flatnonzero(self.document_topics_ == topic)
        best = rows[top_k(self.document_scores_[rows], n)]
        keys = self.model.dv.index_to_key
        return [(keys[i], float(self.document_scores_[i])) for i in best]

    def search_topics(self, keywords, n: int = 5, negative=()) -> list[tuple[int, float]]:
        """Topics nearest the keywords (the mean of their unit vectors, minus those of
        ``negative``): (topic, cosine) pairs, best first. Keywords are a list of words or
        one string of them; an unknown word is a KeyError naming it."""
        self._need_fit("search_topics")
        check_int("n", n, 1, None)
        _check_model(self.model)
        positive = keywords.split() if isinstance(keywords, str) else list(keywords)
        negative = negative.split() if isinstance(negative, str) else list(negative)
        if not positive:
            raise TopicsError("search_topics: give at least one keyword")
        wv = self.model.wv
        query = sum(wv.get_vector(w, norm=True) for w in positive) - sum(
            (wv.get_vector(w, norm=True) for w in negative), np.zeros(wv.vector_size, np.float32))
        return self._rank_topics(_unit(query), n)

    def _rank_topics(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        sims = self.topic_vectors_ @ query
        return [(int(t), float(sims[t])) for t in top_k(sims, n)]

    def topic_of(self, document, n: int = 1, **infer):
        """The topic of a new document (a list of tokens or a string), its vector inferred
        with the model (``infer`` passes on: epochs, seed): ``(topic, cosine)``, or with
        ``n > 1`` the ``n`` nearest topics as a list of such pairs."""
        self._need_fit("topic_of")
        check_int("n", n, 1, None)
        _check_model(self.model)
        ranked = self._rank_topics(_unit(self.model.infer_vector(document, **infer)), n)
        return ranked[0] if n == 1 else ranked

    def topics_of(self, documents, **infer) -> tuple[np.ndarray, np.ndarray]:
        """``topic_of`` for many documents at once (inferred on the model's workers):
        (topics, cosines), one each per document."""
        self._need_fit("topics_of")
        _check_model(self.model)
        vectors = _unit(self.model.infer_vectors(documents, **infer))
        return self._nearest(vectors, self.topic_vectors_)

    # ------------------------------------------------------------------ reduction
    def reduce_topics(self, n: int) -> "Topics":
        """A new ``Topics`` with ``n`` topics, merged hierarchically as top2vec does: the
        smallest topic joins its most similar one (their vectors averaged, weighted by
        size) until ``n`` are left. Merging works on the clusters: a topic's vector here is
        the mean of its cluster's members (HDBSCAN's, noise apart), as top2vec's are, and a
        merged topic's final vector the mean of all its clusters' members; then every
        document goes to its nearest merged topic. ``hierarchy_`` says which fitted topics
        each new one holds. This object is unchanged."""
        self._need_fit("reduce_topics")
        k = len(self.topic_sizes_)
        check_int("n", n, 1, k, allowed=f"an integer in [1, {k}] (the number of topics now)")
        docs = _unit(self.model.dv.vectors)

        def members_mean(topics):
            members = np.isin(self.labels_, topics)
            if not members.any():  # pragma: no cover - every topic comes from a cluster
                return self.topic_vectors_[topics].astype(np.float64).sum(axis=0)
            return docs[members].astype(np.float64).mean(axis=0)

        vectors = list(_unit(np.stack([members_mean([t]) for t in range(k)])).astype(np.float64))
        sizes = [max(int(s), 1) for s in self.topic_sizes_]  # an empty topic still weighs something
        current = [[t] for t in range(k)]  # this object's topics each merged topic holds
        while len(vectors) > n:
            small = int(np.argmin(sizes))  # the first of the smallest: deterministic
            sims = np.array([v @ vectors[small] for v in vectors])
            sims[small] = -np.inf
            into = int(np.argmax(sims))
            merged = vectors[small] * sizes[small] + vectors[into] * sizes[into]
            vectors[into] = merged / max(np.linalg.norm(merged), 1e-30)
            sizes[into] += sizes[small]
            current[into] = sorted(current[into] + current[small])
            del vectors[small], sizes[small], current[small]
        final = _unit(np.stack([members_mean(c) for c in current]))
        groups = [sorted(f for t in c for f in self.hierarchy_[t]) for c in current]
        out = Topics(**self.get_params())
        order = out._set_topics(docs, final, groups)
        renumber = np.empty(len(order), np.int64)
        renumber[order] = np.arange(len(order))
        old_to_new = np.empty(k, np.int64)
        for g, c in enumerate(current):
            old_to_new[c] = renumber[g]
        out.labels_ = np.where(self.labels_ >= 0, old_to_new[np.maximum(self.labels_, 0)], -1)
        out.probabilities_ = self.probabilities_
        out.embedding_ = self.embedding_
        return out

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write the fitted topics as a folder (atomic): ``config.json`` (parameters, sizes,
        hierarchy, each topic's top words) and ``.npy`` arrays; no pickle. The model is not
        copied: load the topics beside it."""
        from ..atomic import atomic_directory

        self._need_fit("save")
        dv = self.model.dv
        named = self._words_for(self.topic_vectors_, _SAVED_WORDS)
        config = {
            "format": FORMAT, "version": 1,
            "params": {k: getattr(self, k) for k in PARAMS},
            "documents": len(dv), "vector_size": int(dv.vector_size),
            "first_tag": dv.index_to_key[0], "last_tag": dv.index_to_key[-1],
            "topics": len(self.topic_sizes_), "sizes": self.topic_sizes_.tolist(), "hierarchy": self.hierarchy_,
            "words": [{"words": w, "scores": [round(float(s), 6) for s in sc]} for w, sc in named],
        }
        arrays = {"topic_vectors": self.topic_vectors_, "document_topics": self.document_topics_,
                  "document_scores": self.document_scores_, "labels": self.labels_,
                  "probabilities": self.probabilities_, "embedding": self.embedding_}
        with atomic_directory(path) as tmp:
            for name, a in arrays.items():
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(a), allow_pickle=False)
            (tmp / "config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path, model) -> "Topics":
        """Topics saved by ``save``, beside the model they were fitted on (checked: its
        number of documents, dimensions and first and last tags)."""
        path = Path(path)
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelFormatError(f"{path}: no config.json; not a topics folder") from None
        except (OSError, ValueError, UnicodeDecodeError) as e:
            raise ModelFormatError(f"{path}/config.json: unreadable ({e})") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ModelFormatError(f"{path}: not a topics folder (format is not {FORMAT!r})")
        _check_model(model)
        dv = model.dv
        if (config.get("documents"), config.get("vector_size")) != (len(dv), dv.vector_size) or (
                [config.get("first_tag"), config.get("last_tag")] != [dv.index_to_key[0], dv.index_to_key[-1]]):
            raise TopicsError(f"{path}: these topics were fitted on another model ({config.get('documents')} "
                              f"documents of {config.get('vector_size')} dimensions; this one has {len(dv)} "
                              f"of {dv.vector_size})")
        out = cls(model, **{k: v for k, v in config.get("params", {}).items() if k in PARAMS})
        k, n, d = int(config["topics"]), len(dv), dv.vector_size
        shapes = {"topic_vectors": (k, d), "document_topics": (n,), "document_scores": (n,), "labels": (n,),
                  "probabilities": (n,), "embedding": (n, out.umap_components)}
        arrays = {}
        for name, shape in shapes.items():
            try:
                a = np.load(path / f"{name}.npy", allow_pickle=False)
            except (OSError, ValueError) as e:
                raise ModelFormatError(f"{path}/{name}.npy: unreadable ({e})") from None
            if a.shape != shape:
                raise ModelFormatError(f"{path}/{name}.npy: shape {a.shape}, expected {shape}")
            arrays[name] = a
        if ((arrays["document_topics"] < 0) | (arrays["document_topics"] >= k)).any() or \
                ((arrays["labels"] < -1) | (arrays["labels"] >= k)).any():
            raise ModelFormatError(f"{path}: topic numbers outside [0, {k})")
        out.topic_vectors_ = arrays["topic_vectors"].astype(np.float32)
        out.document_topics_ = arrays["document_topics"].astype(np.int64)
        out.document_scores_ = arrays["document_scores"].astype(np.float32)
        out.labels_ = arrays["labels"].astype(np.int64)
        out.probabilities_ = arrays["probabilities"].astype(np.float32)
        out.embedding_ = arrays["embedding"].astype(np.float32)
        out.topic_sizes_ = np.bincount(out.document_topics_, minlength=k).astype(np.int64)
        out.hierarchy_ = [list(map(int, h)) for h in config.get("hierarchy", [[t] for t in range(k)])]
        return out


def is_topics_folder(path) -> bool:
    try:
        return json.loads((Path(path) / "config.json").read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False
