"""Intrinsic evaluation: word analogies (questions-words) and word-pair similarity (WordSim-353).

Results are gensim 4's, question for question: the same vocabulary restriction, the same
upper-casing (the most frequent case variant stands for a word), the same exclusion of the
three question words and the same "first acceptable of the top five" rule. But the
questions are answered in batches: one matrix product and an argmax per batch instead of one
``most_similar`` call each. Where two candidates score within float32 rounding of each other
(or a case variant of a question word comes first) the question is re-answered one at a
time with exactly gensim's arithmetic, so near-ties resolve as gensim resolves them.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelFormatError
from ..params import check_choice, check_int

SEMANTIC_SECTIONS = 5  # questions-words.txt: the first five sections are semantic
METHODS = ("3cosadd", "3cosmul")
_BATCH = 512  # questions per matrix product
_CANDIDATES = 4096  # candidates per block: 512 x 4,096 float32 scores = 8 MB
# Score gaps below this may be float32 rounding (a dot product of d terms errs by at most
# about d * 2**-24 for unit vectors; ours and gensim's both err): re-check gensim's way.
_TIE_EPS_PER_DIM = 3e-7
_TOPN = 5  # gensim looks at the five best candidates


@dataclass
class SectionScore:
    name: str
    correct: int = 0
    total: int = 0  # questions answered (all four words known)
    skipped: int = 0  # questions with an unknown word

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {"name": self.name, "correct": self.correct, "total": self.total,
                "skipped": self.skipped, "accuracy": self.accuracy}


class AnalogyResult(tuple):
    """Accuracy overall, per section, and semantic (first five sections) vs syntactic.

    Unpacks as gensim's result: ``score, sections = wv.evaluate_word_analogies(path)``, where
    ``sections`` are dicts with 'section', 'correct' and 'incorrect' (lists of question
    words) and a last 'Total accuracy' entry."""

    def __new__(cls, path: str, method: str, restrict_vocab: int, sections: list[SectionScore],
                outcomes: list[tuple[list, list]], invalid_lines: int = 0):
        correct = sum(s.correct for s in sections)
        total = sum(s.total for s in sections)
        gensim_sections = [{"section": s.name, "correct": ok, "incorrect": bad}
                           for s, (ok, bad) in zip(sections, outcomes)]
        gensim_sections.append({
            "section": "Total accuracy",
            "correct": [q for d in gensim_sections for q in d["correct"]],
            "incorrect": [q for d in gensim_sections for q in d["incorrect"]],
        })
        self = super().__new__(cls, (correct / total if total else 0.0, gensim_sections))
        self.path, self.method, self.restrict_vocab = path, method, restrict_vocab
        self.sections, self.invalid_lines = sections, invalid_lines
        return self

    def __repr__(self):
        return (f"AnalogyResult(accuracy={self.accuracy:.4f}, correct={self.correct}, total={self.total}, "
                f"skipped={self.skipped})")

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sections)

    @property
    def accuracy(self) -> float:
        return self[0]

    def _part(self, name, sections) -> SectionScore:
        return SectionScore(name, sum(s.correct for s in sections), sum(s.total for s in sections),
                            sum(s.skipped for s in sections))

    @property
    def semantic(self) -> SectionScore:
        return self._part("semantic", self.sections[:SEMANTIC_SECTIONS])

    @property
    def syntactic(self) -> SectionScore:
        return self._part("syntactic", self.sections[SEMANTIC_SECTIONS:])

    def to_dict(self) -> dict:
        return {
            "analogy_file": self.path, "method": self.method, "restrict_vocab": self.restrict_vocab,
            "analogy_accuracy": self.accuracy, "analogy_correct": self.correct,
            "analogy_total": self.total, "analogy_skipped": self.skipped,
            "analogy_invalid_lines": self.invalid_lines,
            "semantic": self.semantic.to_dict(), "syntactic": self.syntactic.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
        }


class PairsResult(tuple):
    """Correlation of model similarities with human scores.

    Unpacks as gensim's result: ``pearson, spearman, oov_percent = wv.evaluate_word_pairs(path)``
    (``(statistic, pvalue)`` pairs, as SciPy's results, and a percentage); the attributes are plain numbers."""

    def __new__(cls, path: str, pearson, spearman, pairs: int, oov: int, invalid_lines: int = 0):
        self = super().__new__(cls, (pearson, spearman, 100.0 * oov / (pairs + oov) if pairs + oov else 0.0))
        self.path, self.pairs, self.oov, self.invalid_lines = path, pairs, oov, invalid_lines
        self.pearson, self.pearson_pvalue = float(pearson[0]), float(pearson[1])
        self.spearman, self.spearman_pvalue = float(spearman[0]), float(spearman[1])
        return self

    def __repr__(self):
        return f"PairsResult(spearman={self.spearman:.4f}, pearson={self.pearson:.4f}, pairs={self.pairs}, oov={self.oov})"

    @property
    def oov_ratio(self) -> float:
        """Share (0..1) of the pairs skipped for an unknown word (the tuple's third item is gensim's percentage)."""
        return self.oov / (self.pairs + self.oov) if self.pairs + self.oov else 0.0

    def to_dict(self) -> dict:
        return {"spearman": self.spearman, "pearson": self.pearson, "spearman_pvalue": self.spearman_pvalue,
                "pearson_pvalue": self.pearson_pvalue, "pairs": self.pairs, "oov": self.oov,
                "oov_ratio": self.oov_ratio, "invalid_lines": self.invalid_lines}


# ---------------------------------------------------------------------------- vocabulary
def _ok_vocab(wv, restrict_vocab: int, case_insensitive: bool) -> tuple[dict, np.ndarray]:
    """gensim's ``ok_vocab`` (key -> index of its most frequent variant among the first
    ``restrict_vocab`` words) and, for each of those rows, the index standing for it."""
    keys = wv.index_to_key[:restrict_vocab]
    norm = str.upper if case_insensitive else (lambda k: k)
    ok = {}
    for i in range(len(keys) - 1, -1, -1):  # the first occurrence wins, as gensim's reversed()
        ok[norm(keys[i])] = i
    canon = np.fromiter((ok[norm(k)] for k in keys), dtype=np.int64, count=len(keys))
    return ok, canon


def _check_restrict(restrict_vocab) -> int:
    return int(check_int("restrict_vocab", restrict_vocab, 1))


def _read_lines(path: Path):
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ModelFormatError(f"{path}: is a folder, not an evaluation file") from None
    for lineno, line in enumerate(raw.splitlines(), 1):
        try:
            yield lineno, line.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ModelFormatError(f"{path}:{lineno}: not valid UTF-8 ({e.reason} at column {e.start + 1})") from None


# ---------------------------------------------------------------------------- analogies
def read_analogies(path) -> tuple[list[tuple[str, list[tuple[str, str, str, str]]]], int, int | None]:
    """([(section, [(a, b, c, expected), ...]), ...], invalid lines, first invalid line)."""
    path = Path(path)
    sections, invalid, first_invalid = [], 0, None
    for lineno, line in _read_lines(path):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        words = line.split()
        if not words:
            continue
        if not sections:
            raise ModelFormatError(f"{path}:{lineno}: question before the first ': section' header")
        if len(words) != 4:
            invalid += 1
            first_invalid = first_invalid or lineno
            continue
        sections[-1][1].append(tuple(words))
    if not sections:
        raise ModelFormatError(f"{path}: no ': section' header and no questions (is this a questions-words file?)")
    return sections, invalid, first_invalid


def evaluate_word_analogies(wv, analogies, restrict_vocab: int = 30000, case_insensitive: bool = True,
                            method: str = "3cosadd") -> AnalogyResult:
    """Answer every "a is to b as c is to ?" question of a questions-words file.

    Only the first ``restrict_vocab`` words are candidates, and questions using any other
    word are skipped (and counted). With ``case_insensitive`` words are compared upper-cased.
    ``method`` is ``3cosadd`` (gensim's ``most_similar``) or ``3cosmul``."""
    restrict_vocab = _check_restrict(restrict_vocab)
    check_choice("method", method, METHODS)
    path = Path(analogies)
    sections, invalid, first_invalid = read_analogies(path)
    if invalid:
        warnings.warn(f"{path}: skipped {invalid} line(s) without exactly four words (first: line {first_invalid})",
                      stacklevel=3)
    ok, canon = _ok_vocab(wv, restrict_vocab, case_insensitive)
    norm = str.upper if case_insensitive else (lambda k: k)
    scores, questions, asked, owner = [], [], [], []
    for s, (name, quads) in enumerate(sections):
        scores.append(SectionScore(name))
        for quad in quads:
            quad = tuple(norm(w) for w in quad)
            ids = [ok.get(w, -1) for w in quad]
            if min(ids) < 0:
                scores[-1].skipped += 1
            else:
                questions.append(ids)
                asked.append(quad)
                owner.append(s)
    if not questions:  # as for word pairs: a score of 0.0% over nothing would be a lie
        n = sum(len(q) for _, q in sections)
        raise ModelFormatError(
            f"{path}: no question to ask: {n} valid question(s), every one with a word not among the first "
            f"{restrict_vocab:,} words of the vocabulary" if n else f"{path}: no 'a b c d' question lines found")
    correct = _Solver(wv, canon, method).solve(np.asarray(questions, np.int64).reshape(-1, 4))
    outcomes = [([], []) for _ in sections]
    for quad, s, right in zip(asked, owner, correct.tolist()):
        outcomes[s][0 if right else 1].append(quad)
        scores[s].total += 1
        scores[s].correct += right
    return AnalogyResult(str(path), method, restrict_vocab, scores, outcomes, invalid)


class _Solver:
    def __init__(self, wv, canon: np.ndarray, method: str):
        self.wv, self.canon, self.method = wv, canon, method
        self.limit = len(canon)
        self.unit = np.ascontiguousarray(wv.unit_rows(slice(0, self.limit)))
        self.unit_t = np.ascontiguousarray(self.unit.T)  # candidates as columns: blocks are slices
        self._gensim = None

    def solve(self, q: np.ndarray) -> np.ndarray:
        """Whether each question [a, b, c, expected] (indices into ``canon``) is answered right."""
        out = np.zeros(len(q), bool)
        for start in range(0, len(q), _BATCH):
            out[start : start + _BATCH] = self._batch(q[start : start + _BATCH])
        return out

    def _queries(self, a, b, c) -> tuple:
        """What each question compares candidates with: the normalised b + c - a (3CosAdd),
        or the three unit vectors (3CosMul)."""
        u = self.unit
        if self.method == "3cosadd":
            mean = u[b] + u[c] - u[a]
            mean /= np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), np.float32(1e-30))
            return (mean,)
        return u[a], u[b], u[c]

    def _scores(self, queries: tuple, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Scores of the questions against candidates start..stop."""
        cand = self.unit_t[:, start:stop]
        if self.method == "3cosadd":
            return queries[0] @ cand
        ua, ub, uc = queries
        sim = lambda rows: (1 + rows @ cand) / 2  # noqa: E731
        return sim(ub) * sim(uc) / (sim(ua) + np.float32(1e-6))

    def _batch(self, q: np.ndarray) -> np.ndarray:
        a, b, c, expected = q.T
        rows = np.arange(len(q))
        best = np.zeros(len(q), np.int64)
        top = np.full(len(q), -np.inf, np.float32)
        second = np.full(len(q), -np.inf, np.float32)
        queries = self._queries(a, b, c)
        # Candidates in blocks that stay in cache, keeping the best two per question, instead
        # of one (questions x vocabulary) matrix written out and read back twice.
        for start in range(0, self.limit, _CANDIDATES):
            stop = min(start + _CANDIDATES, self.limit)
            scores = self._scores(queries, start, stop)
            for col in (a, b, c):  # gensim never returns the question words themselves
                inside = (col >= start) & (col < stop)
                scores[rows[inside], col[inside] - start] = -np.inf
            block_best = np.argmax(scores, axis=1)
            block_top = scores[rows, block_best]
            scores[rows, block_best] = -np.inf
            block_second = scores.max(axis=1)
            better = block_top > top  # strict: on a tie the earlier candidate stays, as argmax
            second = np.where(better, np.maximum(top, block_second), np.maximum(second, block_top))
            best = np.where(better, block_best + start, best)
            top = np.where(better, block_top, top)
        pick = self.canon[best]
        # Ask again gensim's way when the choice could be float32 rounding (near-tie) or the
        # best is another case variant of a question word (gensim then reads further).
        eps = max(1e-5, _TIE_EPS_PER_DIM * self.unit.shape[1])
        unsure = (top - second < eps) | (pick == a) | (pick == b) | (pick == c) | ~np.isfinite(top)
        right = pick == expected
        for i in np.flatnonzero(unsure):
            right[i] = self._one(*q[i])
        return right

    def _one(self, a, b, c, expected) -> bool:
        """One question with gensim's arithmetic and its top-five walk."""
        if self.method == "3cosadd":
            dists = self._gensim_3cosadd(a, b, c)
        else:
            dists = self._scores(self._queries(np.array([a]), np.array([b]), np.array([c])))[0]
        exclude = (a, b, c)
        best = _gensim_argsort(dists, _TOPN + len(exclude))
        candidates = [int(i) for i in best if i not in exclude][:_TOPN]
        predicted = None
        for i in candidates:
            predicted = self.canon[i]
            if predicted not in exclude:
                break
        return predicted == expected

    def _gensim_3cosadd(self, a, b, c) -> np.ndarray:
        # Literally gensim's KeyedVectors.most_similar(positive=[b, c], negative=[a]) arithmetic.
        if self._gensim is None:
            from scipy.linalg import get_blas_funcs

            vectors = np.ascontiguousarray(self.wv.vectors, dtype=np.float32)
            nrm2, scal = get_blas_funcs(("nrm2", "scal"), (np.array([], dtype=float),))
            self._gensim = (vectors, np.linalg.norm(vectors, axis=1), nrm2, scal)
        vectors, norms, nrm2, scal = self._gensim
        weight = np.concatenate((np.ones(2), -1.0 * np.ones(1)))
        mean = np.zeros(vectors.shape[1], vectors.dtype)
        total = 0
        for w, k in zip(weight, (b, c, a)):
            mean += w * (vectors[k] / norms[k])
            total += abs(w)
        mean = mean / total
        length = nrm2(mean)
        if length > 0.0:
            mean = scal(1.0 / length, mean).astype(mean.dtype)
        mean = mean.astype(np.float32)
        return np.dot(vectors[: self.limit], mean) / norms[: self.limit]


def _gensim_argsort(x: np.ndarray, topn: int) -> np.ndarray:
    # gensim.matutils.argsort(x, topn, reverse=True), call for call, so ties break alike.
    x = -x
    if topn >= x.size:
        return np.argsort(x)[:topn]
    most_extreme = np.argpartition(x, topn)[:topn]
    return most_extreme.take(np.argsort(x.take(most_extreme)))


# ---------------------------------------------------------------------------- word pairs
def read_word_pairs(path) -> tuple[list[tuple[str, str, float]], int, int | None]:
    """([(w1, w2, score), ...], invalid lines, first invalid line). Tab- or space-separated,
    score in the third column, ``#`` comment lines; a header line counts as invalid."""
    path = Path(path)
    pairs, invalid, first_invalid = [], 0, None
    for lineno, line in _read_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t") if "\t" in line else line.split()
        try:
            score = float(fields[2])
            if not math.isfinite(score):
                raise ValueError
        except (ValueError, IndexError):
            invalid += 1
            first_invalid = first_invalid or lineno
            continue
        pairs.append((fields[0].strip(), fields[1].strip(), score))
    return pairs, invalid, first_invalid


def evaluate_word_pairs(wv, pairs, restrict_vocab: int = 300000, case_insensitive: bool = True) -> PairsResult:
    """Spearman and Pearson correlation between the model's cosine similarities and the
    human scores of a word-pair file; pairs with a word outside the first
    ``restrict_vocab`` words are skipped and counted."""
    from .correlation import pearson, spearman

    restrict_vocab = _check_restrict(restrict_vocab)
    path = Path(pairs)
    rows, invalid, first_invalid = read_word_pairs(path)
    if invalid:
        warnings.warn(f"{path}: skipped {invalid} line(s) without a number in the third column "
                      f"(first: line {first_invalid})", stacklevel=3)
    ok, _ = _ok_vocab(wv, restrict_vocab, case_insensitive)
    norm = str.upper if case_insensitive else (lambda k: k)
    ids = np.array([(ok.get(norm(a), -1), ok.get(norm(b), -1)) for a, b, _ in rows], np.int64).reshape(-1, 2)
    gold = np.array([s for _, _, s in rows], np.float64)
    known = (ids >= 0).all(axis=1)
    if not known.any():
        raise ModelFormatError(
            f"{path}: no pair to score: {len(rows)} valid line(s), every one with a word not in the vocabulary"
            if rows else f"{path}: no 'word<TAB>word<TAB>score' lines found"
        )
    i, j = ids[known].T
    model = np.einsum("ij,ij->i", wv.unit_rows(i), wv.unit_rows(j)).astype(np.float64)
    gold = gold[known]
    # Constant input: the correlation is NaN, reported as such.
    return PairsResult(str(path), pearson(gold, model), spearman(gold, model), int(known.sum()), int((~known).sum()), invalid)
