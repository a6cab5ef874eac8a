"""Aligning two vector spaces: an orthogonal map learned from word pairs (Procrustes),
refined by self-learning, queried by nearest neighbour or CSLS.

    m = align(english, italian, dictionary="seed.txt")      # or [("one", "uno"), ...] or "identical"
    m.translate("dog")                                       # [("cane", 0.61), ...]
    m.evaluate("test.txt")                                   # P@1/5/10, NN and CSLS
    m.save("en-it"); Alignment.load("en-it")

As vecmap does, both spaces are first made unit length, centred and made unit length
again (``normalize``, ``center``): Procrustes then compares directions, not frequencies.
Refinement (``refine`` rounds) re-induces the dictionary from the mutual CSLS nearest
neighbours among the ``refine_vocab`` most frequent words, adds the seed pairs and
re-fits; it keeps the round whose mean CSLS-match cosine is highest and stops when a
round raises it by less than ``tol``. The mapping folder holds W, the centring means and both spaces,
so ``translate`` works from it alone.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import ModelFormatError, ParameterError, WordvecError
from ..params import check, check_flag, check_int, check_number
from .keyed import KeyedVectors, WordVectors, top_k
from .retrieval import mean_top_similarity, mutual_nearest_pairs, nearest, procrustes, unit_rows

FORMAT_NAME = "wordvec-alignment"
FORMAT_VERSION = 1
METHODS = ("csls", "nn")
PRECISION_AT = (1, 5, 10)


# ---------------------------------------------------------------------- dictionaries
def read_dictionary(path) -> list[tuple[str, str]]:
    """Word pairs from a file: ``source target`` a line, separated by spaces or a tab
    (gensim's and MUSE's format); blank lines are skipped."""
    pairs = []
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != 2:
                    raise ModelFormatError(f"{path}:{lineno}: expected 'source_word target_word', found {len(fields)} fields")
                pairs.append((fields[0], fields[1]))
    except FileNotFoundError:
        raise ParameterError(f"{path}: no such dictionary file") from None
    except UnicodeDecodeError as e:
        raise ModelFormatError(f"{path}: not valid UTF-8 ({e.reason} at byte {e.start})") from None
    except IsADirectoryError:
        raise ParameterError(f"{path}: is a folder, expected a dictionary file") from None
    return pairs


def identical_pairs(source: KeyedVectors, target: KeyedVectors) -> list[tuple[str, str]]:
    """(w, w) for every word spelled the same in both spaces, in the source's order
    (most frequent first)."""
    return [(w, w) for w in source.index_to_key if w in target.key_to_index]


def dictionary_pairs(source, target, dictionary) -> list:
    """The pairs ``dictionary`` names: a file, a list of (source, target) pairs, or "identical"."""
    if isinstance(dictionary, str) and dictionary == "identical":
        pairs = identical_pairs(source, target)
        if not pairs:
            raise ParameterError("dictionary='identical': no word is spelled the same in both spaces")
        return pairs
    if isinstance(dictionary, (str, Path)):
        pairs = read_dictionary(dictionary)
        if not pairs:
            raise ParameterError(f"{dictionary}: the dictionary is empty (no 'source target' lines)")
        return pairs
    try:
        pairs = [tuple(p) for p in dictionary]
    except TypeError:
        raise ParameterError(f"dictionary={dictionary!r:.60} is invalid: must be a file, a list of "
                             "(source, target) pairs or 'identical'") from None
    if not pairs:
        raise ParameterError("dictionary: the list of pairs is empty")
    bad = next((p for p in pairs if len(p) != 2), None)
    if bad is not None:
        raise ParameterError(f"dictionary: every entry must be a (source, target) pair, found {bad!r:.60}")
    return pairs


def usable_pairs(source, target, pairs, what: str = "dictionary") -> tuple[np.ndarray, np.ndarray]:
    """Row indices (source, target) of the distinct pairs whose words are in both spaces;
    an error saying how many were read and why none could be used."""
    s_index, t_index = source.key_to_index, target.key_to_index
    seen, rows = set(), []
    for s, t in pairs:
        i, j = s_index.get(s), t_index.get(t)
        if i is not None and j is not None and (i, j) not in seen:
            seen.add((i, j))
            rows.append((i, j))
    if not rows:
        missing_s = sum(s not in s_index for s, _ in pairs)
        missing_t = sum(t not in t_index for _, t in pairs)
        raise ParameterError(
            f"{what}: none of the {len(pairs)} pairs read is usable ({missing_s} have their source word "
            f"missing from the source space, {missing_t} their target word missing from the target space)")
    rows = np.asarray(rows, dtype=np.int64)
    return rows[:, 0], rows[:, 1]


# ---------------------------------------------------------------------- preprocessing
def _prepare(vectors, mean, normalize: bool, center: bool) -> np.ndarray:
    """vecmap's 'unit, center, unit' (each step optional): a new float32 array."""
    x = unit_rows(vectors) if normalize else np.array(vectors, dtype=np.float32)
    if center:
        x -= mean
        if normalize:
            x = unit_rows(x)
    return x


def _mean_after_unit(vectors, normalize: bool) -> np.ndarray:
    x = unit_rows(vectors) if normalize else np.asarray(vectors, dtype=np.float32)
    return x.mean(axis=0, dtype=np.float64).astype(np.float32)[None, :]


class ChangedWord(NamedTuple):
    word: str
    similarity: float  # cosine of the word's aligned source vector and its target vector
    source_neighbours: list
    target_neighbours: list


# ---------------------------------------------------------------------- the mapping
class Alignment:
    """An orthogonal map ``W`` from the source space onto the target space, with the
    preprocessing that goes before it. Build one with ``align()`` or ``Alignment.load()``."""

    def __init__(self, source, target, W, source_mean, target_mean, center=True, normalize=True, csls_k=10,
                 retrieval_vocab=None, info=None):
        self.source, self.target = source, target
        self.W = np.asarray(W, dtype=np.float32)
        self.source_mean = np.asarray(source_mean, dtype=np.float32).reshape(1, -1)
        self.target_mean = np.asarray(target_mean, dtype=np.float32).reshape(1, -1)
        self.center, self.normalize = bool(center), bool(normalize)
        self.csls_k = csls_k
        self.retrieval_vocab = retrieval_vocab
        self.info = dict(info or {})  # pairs, refinement history: recorded in config.json
        self._cache = {}

    def __repr__(self):
        return (f"Alignment({len(self.source)} source words -> {len(self.target)} target words, "
                f"{self.W.shape[0]} dims)")

    # -------------------------------------------------------------- mapped spaces
    def apply(self, vectors):
        """Map vectors of the source space (an array, one row each, or KeyedVectors) into the
        target space, after the same preprocessing as at fitting time."""
        if isinstance(vectors, KeyedVectors):
            return type(vectors)(vectors.index_to_key, self.apply(vectors.vectors))
        x = np.asarray(vectors, dtype=np.float32)
        single = x.ndim == 1
        x = x[None, :] if single else x
        if x.ndim != 2 or x.shape[1] != self.W.shape[0]:
            raise ParameterError(f"apply: expected vectors of {self.W.shape[0]} dims (the source space's), "
                                 f"found shape {np.shape(vectors)}")
        out = _prepare(x, self.source_mean, self.normalize, self.center) @ self.W
        return out[0] if single else out

    def _n(self, space) -> int:
        return len(space) if self.retrieval_vocab is None else min(self.retrieval_vocab, len(space))

    def _mapped_source(self) -> np.ndarray:
        """Unit rows of the mapped source space (the retrieval vocabulary's)."""
        if "source" not in self._cache:
            self._cache["source"] = unit_rows(self.apply(self.source.vectors[: self._n(self.source)]))
        return self._cache["source"]

    def _target_unit(self) -> np.ndarray:
        if "target" not in self._cache:
            t = self.target.vectors[: self._n(self.target)]
            self._cache["target"] = unit_rows(_prepare(t, self.target_mean, self.normalize, self.center))
        return self._cache["target"]

    def _target_penalty(self) -> np.ndarray:
        """r_S of every candidate target word, computed once per mapping."""
        if "r_s" not in self._cache:
            self._cache["r_s"] = mean_top_similarity(self._target_unit(), self._mapped_source(), self.csls_k)
        return self._cache["r_s"]

    def _queries(self, words) -> np.ndarray:
        rows = [self.source.get_index(w) for w in words]
        return unit_rows(self.apply(self.source.vectors[rows]))

    def _retrieve(self, queries: np.ndarray, topn: int, method: str):
        check_int("topn", topn, low=1)
        check("method", method, method in METHODS, "one of " + ", ".join(METHODS))
        target = self._target_unit()
        if method == "nn":
            return nearest(queries, target, topn)
        r_t = mean_top_similarity(queries, target, self.csls_k)
        return nearest(queries, target, topn, key_penalty=self._target_penalty(), query_penalty=r_t)

    # -------------------------------------------------------------- queries
    def translate(self, words, topn: int = 5, method: str = "csls"):
        """The ``topn`` best target words for a source word, as (word, score) pairs; for a
        list of words, a dict word -> pairs. ``method``: "csls" (default) or "nn" (cosine)."""
        single = isinstance(words, str)
        words = [words] if single else list(words)
        idx, scores = self._retrieve(self._queries(words), topn, method)
        keys = self.target.index_to_key
        out = {w: [(keys[j], float(s)) for j, s in zip(row, srow)] for w, row, srow in zip(words, idx, scores)}
        return out[words[0]] if single else out

    def evaluate(self, test_pairs) -> dict:
        """Precision at 1, 5 and 10 of NN and CSLS retrieval on ``test_pairs`` (a file, a list of
        pairs): a source word counts as found when any of its listed translations is among the
        first k. Pairs with a word outside either space are skipped and counted."""
        pairs = dictionary_pairs(self.source, self.target, test_pairs)
        src, tgt = usable_pairs(self.source, self.target, pairs, "test pairs")
        n_cand = self._n(self.target)
        gold: dict[int, set] = {}
        for i, j in zip(src.tolist(), tgt.tolist()):
            gold.setdefault(i, set()).add(j)
        rows = list(gold)
        queries = unit_rows(self.apply(self.source.vectors[rows]))
        result = {"pairs_read": len(pairs), "pairs_used": int(len(src)), "queries": len(rows),
                  "unreachable": sum(all(j >= n_cand for j in gold[i]) for i in rows)}
        for method in METHODS:
            idx, _ = self._retrieve(queries, max(PRECISION_AT), method)
            hit_rank = [next((r for r, j in enumerate(found) if j in gold[i]), None) for i, found in zip(rows, idx)]
            result[method] = {f"p@{k}": sum(r is not None and r < k for r in hit_rank) / len(rows) for k in PRECISION_AT}
        return result

    def changed_words(self, topn: int = 20, restrict_vocab: int = 10000, neighbours: int = 10) -> list[ChangedWord]:
        """For two spaces of one language (two decades, two corpora): the ``topn`` words of the
        ``restrict_vocab`` most frequent source words, present in both spaces, whose aligned
        vectors are least similar, with their ``neighbours`` nearest words in each space."""
        check_int("topn", topn, low=1)
        check_int("restrict_vocab", restrict_vocab, low=1)
        check_int("neighbours", neighbours, low=0)
        words = [w for w in self.source.index_to_key[:restrict_vocab] if w in self.target.key_to_index]
        if not words:
            raise ParameterError("changed_words: no word is in both spaces (they are not of one language?)")
        mapped = self._queries(words)
        t = self.target.vectors[[self.target.key_to_index[w] for w in words]]
        t = unit_rows(_prepare(t, self.target_mean, self.normalize, self.center))
        sims = np.einsum("ij,ij->i", mapped, t)
        order = top_k(-sims, topn)
        out = []
        for i in order:
            w = words[i]
            near_s = [k for k, _ in self.source.most_similar(w, topn=neighbours)] if neighbours else []
            near_t = [k for k, _ in self.target.most_similar(w, topn=neighbours)] if neighbours else []
            out.append(ChangedWord(w, float(sims[i]), near_s, near_t))
        return out

    # -------------------------------------------------------------- files
    def config(self) -> dict:
        from .. import __version__

        return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "wordvec_version": __version__,
                "vector_size": int(self.W.shape[0]), "center": self.center, "normalize": self.normalize,
                "csls_k": self.csls_k, "retrieval_vocab": self.retrieval_vocab,
                "source_size": len(self.source), "target_size": len(self.target), **self.info}

    def save(self, path) -> None:
        """Write the mapping folder atomically: config.json, W.npy, the two centring means and
        both spaces as native vectors folders (source/, target/). No pickle."""
        from ..atomic import atomic_directory, write_npy
        from ..formats.native import save_vectors

        path = Path(path)
        _check_replaceable(path)
        with atomic_directory(path) as tmp:
            for name, arr in (("W", self.W), ("source_mean", self.source_mean), ("target_mean", self.target_mean)):
                write_npy(tmp / f"{name}.npy", np.ascontiguousarray(arr, dtype=np.float32))
            save_vectors(tmp / "source", self.source.index_to_key, self.source.vectors, self.source.counts)
            save_vectors(tmp / "target", self.target.index_to_key, self.target.vectors, self.target.counts)
            with open(tmp / "config.json", "w", encoding="utf-8") as f:
                json.dump(self.config(), f, indent=2, sort_keys=True)
                f.write("\n")

    @classmethod
    def load(cls, path, mmap: bool = False) -> "Alignment":
        """Read a folder written by ``save``; every array is checked before use."""
        from ..formats.native import load_array

        path = Path(path)
        cfg = read_alignment_config(path)
        dim = cfg["vector_size"]
        source = WordVectors.load(path / "source", mmap=mmap)
        target = WordVectors.load(path / "target", mmap=mmap)
        if source.vector_size != dim or target.vector_size != dim:
            raise ModelFormatError(f"{path}: the spaces' dimensions do not match vector_size={dim}")
        W = load_array(path / "W.npy", dim, dim, mmap=False)
        means = [load_array(path / f"{n}_mean.npy", 1, dim, mmap=False) for n in ("source", "target")]
        info = {k: cfg[k] for k in ("pairs_read", "pairs_used", "history") if k in cfg}
        return cls(source, target, W, *means, center=cfg["center"], normalize=cfg["normalize"], csls_k=cfg["csls_k"],
                   retrieval_vocab=cfg["retrieval_vocab"], info=info)


def is_alignment(path) -> bool:
    try:
        read_alignment_config(path)
    except WordvecError:
        return False
    return True


def read_alignment_config(path) -> dict:
    path = Path(path)
    cfg_path = path / "config.json"
    if not path.exists():
        raise ModelFormatError(f"{path}: no such mapping")
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: not a wordvec mapping folder (no config.json)") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ModelFormatError(f"{cfg_path}: not valid JSON ({e})") from None
    except OSError as e:
        raise ModelFormatError(f"{cfg_path}: unreadable ({e.strerror or e})") from None
    if not isinstance(cfg, dict) or cfg.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path}: not a wordvec mapping (made by 'wordvec align'); config format is not {FORMAT_NAME!r}")
    if cfg.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(f"{cfg_path}: format_version {cfg.get('format_version')!r} is not supported")
    rules = {"vector_size": lambda v: type(v) is int and v >= 1, "center": lambda v: type(v) is bool,
             "normalize": lambda v: type(v) is bool, "csls_k": lambda v: type(v) is int and v >= 1,
             "retrieval_vocab": lambda v: v is None or (type(v) is int and v >= 1)}
    for key, ok in rules.items():
        if key not in cfg or not ok(cfg[key]):
            raise ModelFormatError(f"{cfg_path}: {key} is missing or invalid ({cfg.get(key)!r:.40})")
    return cfg


_MAPPING_FILES = {"config.json", "W.npy", "source_mean.npy", "target_mean.npy", "source", "target"}


def _check_replaceable(path: Path) -> None:
    """Saving replaces the whole folder: refuse a folder that is not a mapping."""
    if path.is_dir() and not {p.name for p in path.iterdir()} <= _MAPPING_FILES and not is_alignment(path):
        raise WordvecError(f"{path}: is a folder that is not a wordvec mapping; refusing to replace it "
                           "(saving replaces the whole folder: choose a new or mapping folder)")


# ---------------------------------------------------------------------- fitting
def align(source, target, dictionary="identical", center: bool = True, normalize: bool = True, refine: int = 5,
          refine_vocab: int = 20000, tol: float = 1e-4, csls_k: int = 10, max_pairs=None,
          retrieval_vocab=None) -> Alignment:
    """Learn the orthogonal map from ``source`` onto ``target`` (two ``WordVectors`` of one
    dimension).

    ``dictionary``: a file of ``source target`` lines, a list of (source, target) pairs, or
    "identical" (words spelled the same in both spaces); only its first ``max_pairs`` usable
    pairs if given. ``center``/``normalize``: vecmap's preprocessing. ``refine``: at most
    this many self-learning rounds over the ``refine_vocab`` most frequent words of each
    space (0: Procrustes on the dictionary alone), stopping once a round raises the mean
    CSLS-match cosine by less than ``tol``. ``csls_k``: CSLS's neighbourhood size.
    ``retrieval_vocab``: queries rank only the most frequent target words (None: all)."""
    for name, space in (("source", source), ("target", target)):
        if not isinstance(space, KeyedVectors):
            raise ParameterError(f"{name}: expected WordVectors, found {type(space).__name__}")
        if len(space) == 0:
            raise ParameterError(f"{name}: the space has no words")
    if source.vector_size != target.vector_size:
        raise ParameterError(f"source has {source.vector_size} dims and target {target.vector_size}: "
                             "an orthogonal map needs spaces of the same dimension")
    check_flag("center", center)
    check_flag("normalize", normalize)
    check_int("refine", refine, low=0)
    check_int("refine_vocab", refine_vocab, low=1)
    check_number("tol", tol, low=0)
    check_int("csls_k", csls_k, low=1)
    check_int("max_pairs", max_pairs, low=1, none_ok=True)
    check_int("retrieval_vocab", retrieval_vocab, low=1, none_ok=True)

    pairs = dictionary_pairs(source, target, dictionary)
    seed_s, seed_t = usable_pairs(source, target, pairs)
    if max_pairs is not None:
        seed_s, seed_t = seed_s[:max_pairs], seed_t[:max_pairs]
    s_mean = _mean_after_unit(source.vectors, normalize)
    t_mean = _mean_after_unit(target.vectors, normalize)
    xs = _prepare(source.vectors, s_mean, normalize, center)
    zt = _prepare(target.vectors, t_mean, normalize, center)

    W = procrustes(xs[seed_s], zt[seed_t])
    history = []
    if refine:
        W, history = _refine(xs, zt, W, seed_s, seed_t, refine, refine_vocab, tol, csls_k)
    info = {"pairs_read": len(pairs), "pairs_used": int(len(seed_s)), "history": history}
    return Alignment(source, target, W, s_mean, t_mean, center=bool(center), normalize=bool(normalize),
                     csls_k=csls_k, retrieval_vocab=retrieval_vocab, info=info)


def _refine(xs, zt, W, seed_s, seed_t, rounds, vocab, tol, k):
    """Self-learning: induce pairs from mutual CSLS nearest neighbours among the most frequent
    words, re-fit on them plus the seed (which keeps the map anchored to what the user
    gave), and keep the W whose mean CSLS-match cosine is highest. Round 0 scores the
    seed-only W; the loop ends after ``rounds`` re-fits or a gain under ``tol``."""
    xs_top, zt_top = unit_rows(xs[:vocab]), unit_rows(zt[:vocab])
    seed = set(zip(seed_s.tolist(), seed_t.tolist()))
    best_W, best_score, history = W, -np.inf, []
    for round_ in range(rounds + 1):
        src, tgt, score = mutual_nearest_pairs(unit_rows(xs_top @ W), zt_top, k)
        gain = score - best_score
        history.append({"round": round_, "induced_pairs": int(len(src)), "mean_cosine": round(score, 6),
                        "kept": bool(gain > 0)})
        if gain > 0:
            best_W, best_score = W, score
        if gain < tol or round_ == rounds:
            break
        pairs = np.asarray(sorted(seed | set(zip(src.tolist(), tgt.tolist()))), dtype=np.int64)
        W = procrustes(xs[pairs[:, 0]], zt[pairs[:, 1]])
    return best_W, history
