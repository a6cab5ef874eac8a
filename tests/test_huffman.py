import heapq

import numpy as np
import pytest

from wordvec.kernels.huffman import build_huffman


def reference_lengths(counts):
    """Optimal code lengths from a textbook heap-based Huffman construction."""
    heap = [(c, i, [i]) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    depth = [0] * len(counts)
    tie = len(counts)
    while len(heap) > 1:
        c1, _, a = heapq.heappop(heap)
        c2, _, b = heapq.heappop(heap)
        for leaf in a + b:
            depth[leaf] += 1
        heapq.heappush(heap, (c1 + c2, tie, a + b))
        tie += 1
    return depth


def test_known_distribution():
    counts = np.array([45, 13, 12, 16, 9, 5])
    order = np.argsort(-counts, kind="stable")
    counts = counts[order]  # 45 16 13 12 9 5
    codes, points, lengths = build_huffman(counts)
    # The classic CLRS example: a=45 gets 1 bit, the others 3 or 4 bits.
    assert list(lengths) == [1, 3, 3, 3, 4, 4]
    assert np.dot(lengths, counts) == np.dot(reference_lengths(list(counts)), counts)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_codes_are_optimal_prefix_free_and_paths_consistent(seed):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.zipf(1.5, size=300).clip(max=10**6))[::-1].astype(np.int64)
    codes, points, lengths = build_huffman(counts)
    v = len(counts)
    # Optimal: same weighted path length as a reference Huffman code.
    assert np.dot(lengths, counts) == np.dot(reference_lengths(list(counts)), counts)
    # Prefix-free: no code is a prefix of another.
    strings = sorted("".join(map(str, codes[w, : lengths[w]])) for w in range(v))
    for a, b in zip(strings, strings[1:]):
        assert not b.startswith(a)
    # Every path starts at the root (inner node v-2), and inner nodes are in range.
    assert np.all(points[:, 0] == v - 2)
    for w in range(v):
        assert np.all((points[w, : lengths[w]] >= 0) & (points[w, : lengths[w]] <= v - 2))
    # The same (node, branch) sequence identifies one word: paths are a tree.
    seen = {}
    for w in range(v):
        key = tuple(zip(points[w, : lengths[w]], codes[w, : lengths[w]]))
        assert key not in seen
        seen[key] = w
    # More frequent words never get longer codes.
    assert np.all(np.diff(lengths) >= 0)


def test_two_and_one_word():
    codes, points, lengths = build_huffman(np.array([3, 1]))
    assert list(lengths) == [1, 1] and sorted(codes[:, 0]) == [0, 1] and np.all(points[:, 0] == 0)
    codes, points, lengths = build_huffman(np.array([3]))
    assert list(lengths) == [1]


def test_unsorted_counts_rejected():
    with pytest.raises(ValueError):
        build_huffman(np.array([1, 5, 3]))
