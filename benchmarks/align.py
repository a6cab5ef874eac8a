"""Aligning two spaces, wordvec vs gensim's TranslationMatrix, same vectors, same pairs, same run.

    python benchmarks/align.py                          # the issue's setting: the first 6M tokens (~3 min)
    python benchmarks/align.py --files 20 --tokens 0    # quicker: 20 files (~3.5M tokens)
    python benchmarks/align.py --files 100 --tokens 0 --epochs 5   # the whole dump (~16M tokens)

Two wordvec Word2Vec models (skip-gram, 100 dims, min_count 5, seeds 1 and 2) are trained
on the two halves of the normalised Wikipedia corpus (``common.text8_like``) and cached.
The same word should land on itself: the seed dictionary is the identity on the 5,000
most frequent shared words (the ``identical`` seed), the test set the identity on the
shared words ranked 5,001-5,200. Printed: P@1 on the test words of gensim's
TranslationMatrix (least squares on the pairs, NN retrieval), of plain orthogonal
Procrustes (no centring, no refinement) with NN and CSLS, and of ``align()`` with its
defaults (centring, self-learning refinement) with NN and CSLS; the ratios to gensim; one
JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def halves(corpus: Path, tokens: int | None) -> tuple[Path, Path, int]:
    """The corpus (its first ``tokens`` tokens) cut into two files of about equal tokens."""
    lines = corpus.read_text(encoding="ascii").splitlines()
    if tokens is not None:
        kept, n = [], 0
        for line in lines:
            words = line.split()
            if n + len(words) > tokens:
                words = words[: tokens - n]
            if words:
                kept.append(" ".join(words))
            n += len(words)
            if n >= tokens:
                break
        lines = kept
    sizes = [len(line.split()) for line in lines]
    total, acc, cut = sum(sizes), 0, 0
    while acc < total / 2:
        acc += sizes[cut]
        cut += 1
    out = []
    for name, part in (("a", lines[:cut]), ("b", lines[cut:])):
        path = common.cache_dir() / f"{corpus.stem}-{tokens or total}-half-{name}.txt"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_text("\n".join(part) + "\n", encoding="ascii")
            tmp.replace(path)
        out.append(path)
    return out[0], out[1], total


def trained(corpus: Path, seed: int, args):
    """A wordvec Word2Vec model of ``corpus`` (cached as a native folder), its WordVectors."""
    from wordvec import Word2Vec, WordVectors

    folder = common.cache_dir() / f"{corpus.stem}-sg-d{args.dim}-e{args.epochs}-s{seed}"
    if not folder.exists():
        t0 = time.perf_counter()
        m = Word2Vec(vector_size=args.dim, min_count=5, epochs=args.epochs, seed=seed, workers=args.workers,
                     standardize="none")
        m.fit(str(corpus))
        m.wv.save(folder)
        print(f"trained {folder.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    return WordVectors.load(folder)


def gensim_p1(src, tgt, seed_pairs, test_words) -> float:
    from gensim.models import KeyedVectors
    from gensim.models.translation_matrix import TranslationMatrix

    def gensim_kv(wv):
        kv = KeyedVectors(wv.vector_size)
        kv.add_vectors(list(wv.index_to_key), wv.vectors)
        return kv

    s, t = gensim_kv(src), gensim_kv(tgt)
    tm = TranslationMatrix(s, t, word_pairs=seed_pairs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "source_lang_vec isn't specified"
        found = tm.translate(test_words, topn=1)
    return sum(found[w][0] == w for w in test_words) / len(test_words)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=36, help="Wikipedia files to normalise (100 in all) [36]")
    p.add_argument("--tokens", type=int, default=6_000_000, help="use only the first N tokens (0: all of --files)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed-words", type=int, default=5000, help="dictionary: the N most frequent shared words")
    p.add_argument("--test-words", type=int, default=200, help="test: the next N shared words")
    args = p.parse_args()

    from wordvec.vectors.align import align

    corpus = common.text8_like(max_files=args.files)
    half_a, half_b, total = halves(corpus, args.tokens or None)
    src, tgt = trained(half_a, 1, args), trained(half_b, 2, args)
    shared = [w for w in src.index_to_key if w in tgt.key_to_index]
    seed_words = shared[: args.seed_words]
    test_words = shared[args.seed_words : args.seed_words + args.test_words]
    if len(test_words) < args.test_words:
        sys.exit(f"benchmark: only {len(shared)} shared words; need {args.seed_words + args.test_words}")
    seed_pairs = [(w, w) for w in seed_words]
    test_pairs = [(w, w) for w in test_words]
    print(f"corpus {total:,} tokens in two halves; vocabularies {len(src):,} and {len(tgt):,}, {len(shared):,} shared; "
          f"seed {len(seed_pairs):,} pairs, test {len(test_pairs)} words (shared ranks "
          f"{args.seed_words + 1:,}-{args.seed_words + args.test_words:,})")

    results = {}
    t0 = time.perf_counter()
    results["gensim_translation_matrix_nn"] = gensim_p1(src, tgt, seed_pairs, test_words)
    times = {"gensim": time.perf_counter() - t0}
    variants = {"procrustes": dict(center=False, refine=0), "wordvec_default": {}}
    for name, params in variants.items():
        t0 = time.perf_counter()
        m = align(src, tgt, dictionary=seed_pairs, **params)
        scores = m.evaluate(test_pairs)
        times[name] = time.perf_counter() - t0
        results[f"{name}_nn"], results[f"{name}_csls"] = scores["nn"]["p@1"], scores["csls"]["p@1"]
        if name == "wordvec_default":
            history = m.info["history"]

    base = results["gensim_translation_matrix_nn"]
    print(f"{'method':<32} {'P@1':>7} {'vs gensim':>10}")
    for name, value in results.items():
        ratio = f"{value / base:.2f}x" if base else "-"
        print(f"{name:<32} {100 * value:>6.1f}% {ratio:>10}")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))
    print("refinement: " + "; ".join(f"round {h['round']}: {h['induced_pairs']} pairs, mean cos {h['mean_cosine']:.4f}"
                                     + ("" if h["kept"] else " (not kept)")
                                     for h in history))
    print(json.dumps({"benchmark": "align", "tokens": total, "epochs": args.epochs, "dim": args.dim,
                      "seed_words": args.seed_words, "test_words": args.test_words, "p_at_1": results,
                      "seconds": {k: round(v, 2) for k, v in times.items()}, "refinement": history}))


if __name__ == "__main__":
    main()
