"""Vocabulary x dimensions beyond 2^31 on the Spark path: no size cap below one machine's.

MLlib refuses vocabulary x vector size >= 2^31 (its flat Int-indexed arrays). Here the
matrices are (2^19 + 48) x 4096 = 2^31 + 48 x 4096 floats, 8.6 GB each, of memory that is never
written except in the rows a slice trains (zeros from calloc: untouched pages cost no RAM),
so the test runs in a few hundred MB. The generated vocabulary's only words with counts are
the last 48, whose rows all lie past element 2^31: an offset computed in 32 bits would
land in the low rows, which must stay zero. A task trains a slice and extracts its deltas,
the driver applies them, and the weight server sends the changed rows back to a task that
holds the previous round: the same path as a real run, with the rows a real run moves.
It needs neither Spark nor Java.
"""
from __future__ import annotations

import types

import numpy as np
import pytest

from wordvec.kernels.deltas import changed_rows
from wordvec.spark import exchange, tasks
from wordvec.spark import _round

V, D, K = (1 << 19) + 48, 4096, 48


@pytest.fixture(scope="module")
def slice_and_weights():
    assert V * D > 2**31 and (V - K) * D >= 2**31  # every used row starts past 2^31 elements
    used = np.arange(V - K, V)
    counts = np.zeros(V, np.int64)
    counts[used] = np.arange(1000, 1000 - K, -1)
    rng = np.random.default_rng(0)
    tokens = rng.choice(used, 4000).astype(np.int32)
    bounds = np.array([0, 1000, 2500, 4000], np.int64)
    old = {"vectors": np.zeros((V, D), np.float32), "syn1neg": np.zeros((V, D), np.float32)}
    old["vectors"][used] = (rng.random((K, D), dtype=np.float32) - 0.5) / D
    work = {name: np.zeros((V, D), np.float32) for name in old}
    work["vectors"][used] = old["vectors"][used]
    start = {name: a[used].copy() for name, a in old.items()}
    cfg = dict(vector_size=D, vocab_key="beyond-2^31", sample=0.0, negative=5, ns_exponent=0.75, hs=False,
               n_tokens=4000, epochs=1, alpha=0.025, min_alpha=0.0001, seed=1, sg=True, window=5, cbow_mean=True)
    items = list(tasks.train_slice(0, [(0, 0, 4000, tokens, bounds)], {n: [a] for n, a in old.items()},
                                   types.SimpleNamespace(value=counts), cfg, 0, work))
    return used, old, work, start, items


def test_a_task_trains_rows_past_2_31_elements_and_only_those(slice_and_weights):
    used, old, work, start, items = slice_and_weights
    deltas = [it for it in items if it[0] == "delta"]
    assert sorted(it[1] for it in deltas) == ["syn1neg", "vectors"]
    for _, name, rows, delta in deltas:
        assert rows.dtype == np.int64 and set(rows.tolist()) <= set(used.tolist())
        assert rows.size > K // 2 and np.isfinite(delta).all() and np.abs(delta).max() > 0
    stats = items[-1]
    assert stats[0] == "stats" and np.isfinite(stats[2]) and stats[5] == 4000
    # the task's working copy is put back: equal to the round's weights again
    for name in old:
        np.testing.assert_array_equal(work[name][used], start[name])
        assert changed_rows(work[name], old[name]).size == 0


def test_the_driver_applies_them_and_serves_only_the_changed_rows(slice_and_weights):
    used, old, work, start, items = slice_and_weights
    runner = types.SimpleNamespace(run=lambda *a: items)
    arrays = old  # the driver's model: round 0's weights, updated in place
    stats, changed = _round(runner, arrays, 0, 0, 0, 1, 1, "sum", {}, None)
    for _, name, rows, delta in (it for it in items if it[0] == "delta"):
        np.testing.assert_array_equal(arrays[name][rows], start[name][rows - (V - K)] + delta)
        np.testing.assert_array_equal(changed[name], rows)
    for name, a in arrays.items():  # nothing written below the used rows
        assert np.array_equal(changed_rows(a, work[name]), changed[name])
    with exchange.WeightServer("127.0.0.1") as server:
        server.publish(1, list(arrays.values()), [changed[k] for k in arrays])
        shapes = [a.shape for a in arrays.values()]
        served, held = exchange.fetch(server.address, server.token, 1, shapes, at_least=True,
                                      held=list(work.values()), held_round=0)
    assert served == 1
    for a, h in zip(arrays.values(), held):
        np.testing.assert_array_equal(h[used], a[used])
