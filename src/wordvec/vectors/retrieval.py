"""Exact nearest-neighbour and CSLS retrieval between two sets of unit vectors, in blocks.

Every function walks the queries in blocks so that one block's similarity matrix stays
under ``MAX_BLOCK_BYTES`` however large the vocabularies are; nothing is approximate (no
faiss, no sampling). CSLS (Conneau et al. 2018, "Word translation without parallel data")
scores a query ``x`` against a candidate ``y`` as ``2 cos(x, y) - r_T(x) - r_S(y)``, where
``r`` is the mean cosine of a vector to its ``k`` nearest neighbours in the other space: it
penalises hubs, the candidates that are near everything.
"""
from __future__ import annotations

import numpy as np

MAX_BLOCK_BYTES = 256 << 20


def block_rows(n_keys: int) -> int:
    """Queries per block: a (rows x n_keys) float32 similarity block fits MAX_BLOCK_BYTES."""
    return int(max(1, min(8192, MAX_BLOCK_BYTES // (4 * max(n_keys, 1)))))


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as a new float32 array."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, np.float32(1e-30))


def mean_top_similarity(queries: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
    """For each query row, the mean cosine to its ``k`` most similar key rows (the CSLS
    neighbourhood radius ``r``). Rows must be unit length."""
    k = max(1, min(int(k), keys.shape[0]))
    out = np.empty(queries.shape[0], np.float32)
    step = block_rows(keys.shape[0])
    for start in range(0, queries.shape[0], step):
        sims = queries[start : start + step] @ keys.T
        if k < sims.shape[1]:
            sims = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
        out[start : start + step] = sims.mean(axis=1)
    return out


def nearest(queries: np.ndarray, keys: np.ndarray, topn: int, key_penalty: np.ndarray | None = None,
            query_penalty: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(indices, scores) of each query's ``topn`` best keys, best first.

    Without penalties the score is the cosine (nearest neighbour); with them it is CSLS,
    ``2 cos - query_penalty - key_penalty``. Rows must be unit length."""
    n_q, n_k = queries.shape[0], keys.shape[0]
    topn = max(0, min(int(topn), n_k))
    idx = np.empty((n_q, topn), np.int64)
    scores = np.empty((n_q, topn), np.float32)
    csls = key_penalty is not None
    step = block_rows(n_k)
    for start in range(0, n_q, step):
        block = queries[start : start + step] @ keys.T
        if csls:
            block *= 2
            block -= key_penalty[None, :]
        if topn == 1:  # the best match alone (refinement, P@1): argmax, no partition
            part = block.argmax(axis=1)[:, None]
        elif topn < n_k:
            part = np.argpartition(block, n_k - topn, axis=1)[:, n_k - topn :] if topn else np.empty((len(block), 0), np.int64)
        else:
            part = np.broadcast_to(np.arange(n_k), block.shape).copy()
        best = np.take_along_axis(block, part, axis=1)
        order = np.argsort(-best, axis=1, kind="stable")
        idx[start : start + step] = np.take_along_axis(part, order, axis=1)
        scores[start : start + step] = np.take_along_axis(best, order, axis=1)
    if csls and query_penalty is not None:
        scores -= query_penalty[:, None]
    return idx, scores


def csls_penalties(mapped_source: np.ndarray, target: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(r_T of each mapped source row, r_S of each target row)."""
    return mean_top_similarity(mapped_source, target, k), mean_top_similarity(target, mapped_source, k)


def mutual_nearest_pairs(mapped_source: np.ndarray, target: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Pairs (i, j) that are each other's best CSLS match, and the mean cosine of every
    source row to its best match (the self-learning criterion: it rises as the spaces
    line up, with no dictionary needed to measure it)."""
    r_t, r_s = csls_penalties(mapped_source, target, k)
    forward, forward_scores = nearest(mapped_source, target, 1, key_penalty=r_s, query_penalty=r_t)
    backward, _ = nearest(target, mapped_source, 1, key_penalty=r_t)
    forward, backward = forward[:, 0], backward[:, 0]
    src = np.flatnonzero(backward[forward] == np.arange(len(forward)))
    cosines = np.einsum("ij,ij->i", mapped_source, target[forward])
    return src, forward[src], float(cosines.mean()) if len(cosines) else 0.0


def procrustes(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The orthogonal W minimising ||x W - z|| (Schönemann 1966): U V^T from the SVD of
    the cross-covariance x^T z, computed in float64 so a known rotation comes back exactly."""
    m = np.asarray(x, dtype=np.float64).T @ np.asarray(z, dtype=np.float64)
    u, _, vt = np.linalg.svd(m)
    return (u @ vt).astype(np.float32)
