"""Phrases: learn which word pairs are one token ("new_york", "bank_of_america") and join
them while streaming, as word2phrase and gensim's ``Phrases`` do.

Learning is one streaming pass per level over the standardised corpus: unigram counts
(``vocab.wordcount.WordCounter``, which splits the bytes itself) and phrase-candidate counts
in a second Numba hash table (``kernels/counting.py``), counted in a second thread. A candidate is a word, up to three connector
words ("of", "the" ...: inside a phrase, never at its ends), and a word, within a sentence,
exactly gensim's candidates (gensim allows any number of connectors; a run of four or more
is rare and is no candidate here). Memory is bounded: when the candidates exceed
``max_vocab_size`` the rarest are pruned (count <= 1, then 2, ..., as the C tool and gensim
do) and ``pruned_`` says how many were dropped.

Scores: ``"word2phrase"`` is the C tool's ``(count(ab) - min_count) / (count(a) count(b)) *
total_words`` (gensim's default scorer multiplies by its vocabulary size instead of the
corpus size; pass gensim a scorer with ``corpus_word_count`` to compare like with like);
``"npmi"`` is normalised pointwise mutual information in [-1, 1] (pairs seen fewer than
``min_count`` times score -inf). A candidate is a phrase when its score is > ``threshold``.
``levels=2`` learns again on the joined corpus, so phrases of phrases ("new_york_times")
come out of one call, the way word2phrase is run twice.

A fitted ``Phrases`` is a tokenizer (``text.tokenizers``): ``Corpus(path, tokenizer=phrases)``,
``Word2Vec(tokenizer="phrases:table.tsv")`` or ``wordvec train --phrases table.tsv`` join
phrases while reading. Joining goes left to right; where a phrase found overlaps the next
(its last word begins another phrase), the higher-scoring one is joined. The same sentence
always gives the same tokens. The table saves as a sorted TSV that reloads exactly.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import CorpusError, ModelFormatError, ParameterError
from ..params import check, check_choice, check_int, check_number
from .tokenizers import SENTENCE_END, Tokenizer

# gensim's ENGLISH_CONNECTOR_WORDS: articles, prepositions and conjunctions.
ENGLISH_CONNECTOR_WORDS = ("a", "an", "the", "for", "of", "with", "without", "at", "from", "to", "in", "on", "by",
                           "and", "or")
SCORINGS = ("word2phrase", "npmi")
DEFAULT_THRESHOLD = {"word2phrase": 100.0, "npmi": 0.5}
_HEADER = "# wordvec phrases"
_MAX_TABLE = 1 << 31  # slots: a bound on the hash table whatever max_vocab_size says


class Phrase(NamedTuple):
    """One learned phrase: its words (first, connectors, last), count and score."""

    level: int
    words: tuple[str, ...]
    count: int
    score: float


class Phrases(Tokenizer):
    """Learn phrases (``fit``) and join them in text (a ``Tokenizer``; see the module docstring)."""

    unit = "line"  # a phrase never spans a block cut: the tokenizer sees whole lines

    def __init__(self, min_count: int = 5, threshold: float | None = None, scoring: str = "word2phrase",
                 delimiter: str = "_", connector_words=ENGLISH_CONNECTOR_WORDS, levels: int = 1,
                 max_vocab_size: int = 40_000_000, standardize: str = "lower_strip_punctuation"):
        self.min_count = min_count
        self.threshold = threshold
        self.scoring = scoring
        self.delimiter = delimiter
        self.connector_words = connector_words
        self.levels = levels
        self.max_vocab_size = max_vocab_size
        self.standardize = standardize
        self.validate()
        self.phrases_: list[Phrase] = []
        self.pruned_ = 0
        self.total_words_ = 0
        self.path_: Path | None = None
        self._appliers = None

    # ------------------------------------------------------------------ parameters
    PARAMS = ("min_count", "threshold", "scoring", "delimiter", "connector_words", "levels", "max_vocab_size",
              "standardize")

    def get_params(self, deep: bool = True) -> dict:
        return {p: getattr(self, p) for p in self.PARAMS}

    def validate(self) -> None:
        check_int("min_count", self.min_count, 1)
        check_choice("scoring", self.scoring, SCORINGS)
        if self.scoring == "npmi":
            check_number("threshold", self.threshold, -1, 1, none_ok=True, allowed="a number in [-1, 1] for npmi")
        else:
            check_number("threshold", self.threshold, none_ok=True)
        check("delimiter", self.delimiter, isinstance(self.delimiter, str) and self.delimiter != ""
              and not any(c.isspace() for c in self.delimiter), "a non-empty string without spaces")
        words = self.connector_words
        ok = isinstance(words, (list, tuple, set, frozenset)) and all(isinstance(w, str) and w and " " not in w
                                                                       for w in words)
        check("connector_words", words, ok and len(set(words)) <= 15, "at most 15 words (str, no spaces)")
        check_int("levels", self.levels, 1, 10)
        check_int("max_vocab_size", self.max_vocab_size, 1000, (1 << 26) - 1)

    @property
    def effective_threshold(self) -> float:
        return float(self.threshold) if self.threshold is not None else DEFAULT_THRESHOLD[self.scoring]

    @property
    def spec(self) -> str:
        return f"phrases:{self.path_}" if self.path_ is not None else "phrases"

    # ------------------------------------------------------------------ learning
    def fit(self, corpus) -> "Phrases":
        """Learn ``levels`` levels of phrases from ``corpus`` (a path or sentences, as ``Corpus``)."""
        from .corpus import Corpus

        self.validate()
        self.phrases_, self.pruned_, self._appliers = [], 0, None
        for level in range(1, self.levels + 1):
            reader = Corpus(corpus, self.standardize, tokenizer=self if level > 1 else None)
            found, pruned, total = self._learn_level(reader, level)
            self.pruned_ += pruned
            self.total_words_ = total if level == 1 else self.total_words_
            self._appliers = None
            self.phrases_ += found
            if not found:
                break
        self.phrases_.sort(key=_order)
        return self

    def _learn_level(self, reader, level: int) -> tuple[list[Phrase], int, int]:
        from ..kernels import counting as k
        from ..vocab.wordcount import WordCounter

        counter = WordCounter()
        table = _GrowingTable(self.max_vocab_size)
        state = np.array([-1, 0, 0], np.int64)
        connector = np.full(1 << 16, -1, np.int64)
        # The candidates of one block are counted (Numba, no GIL) in a second thread while this
        # one reads the next block and counts its words.
        pool = ThreadPoolExecutor(1)
        pending = None

        def finish():
            nonlocal pending
            if pending is not None:
                table.used += pending.result()
                pending = None

        try:
            for text in reader.text_blocks():
                ids = counter.add(text)
                n = len(counter)
                if n > connector.size:  # a new array: the block being counted keeps the old one
                    connector = np.concatenate([connector, np.full(max(n, connector.size), -1, np.int64)])
                for c, word in enumerate(self.connector_words):
                    i = counter.id_of(word.encode())
                    if i >= 0:
                        connector[i] = c
                finish()
                table.reserve(ids.size)
                pending = pool.submit(k.count_candidates, ids, connector, state, table.keys, table.values)
                if n - 1 > self.max_vocab_size:
                    finish()
                    remap = counter.prune(self.max_vocab_size)
                    table.remap(remap)
                    connector = np.full(max(1 << 16, len(counter)), -1, np.int64)
                    if state[0] >= 0:
                        state[0] = remap[state[0]]
            finish()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        # Only pairs that can score above the threshold are scored (most are seen once).
        can_pass = self.min_count - 1 if self.scoring == "npmi" or self.effective_threshold < 0 else self.min_count
        keys, counts = k.table_items(table.keys, table.values, max(0, can_pass))
        pruned = table.pruned + counter.pruned_words
        table = None  # its memory back before scoring
        unigrams = counter.counts
        total = counter.raw_words - int(unigrams[0])
        if total == 0:
            raise CorpusError(f"{reader.name}: corpus is empty (no tokens after standardization)")
        return self._score(keys, counts, unigrams, counter.words(), total, level), pruned, total

    def _score(self, keys, counts, unigrams, words, total: int, level: int) -> list[Phrase]:
        from ..kernels.counting import ID_BITS

        if keys.size == 0:
            return []
        a = (keys >> np.uint64(64 - ID_BITS)).astype(np.int64)
        b = (keys & np.uint64((1 << ID_BITS) - 1)).astype(np.int64)
        ca = unigrams[a].astype(np.float64)
        cb = unigrams[b].astype(np.float64)
        cab = counts.astype(np.float64)
        score = phrase_scores(self.scoring, ca, cb, cab, self.min_count, total)
        chosen = np.flatnonzero(score > self.effective_threshold)
        names: dict[int, str] = {}  # each word decoded once
        runs: dict[int, tuple] = {}  # each run of connectors spelled once
        conn = list(self.connector_words)
        mids = ((keys[chosen] >> np.uint64(ID_BITS)) & np.uint64(0xFFF)).tolist()
        out = []
        for i, mid, ai, bi, c, sc in zip(chosen.tolist(), mids, a[chosen].tolist(), b[chosen].tolist(),
                                         counts[chosen].tolist(), score[chosen].tolist()):
            between = runs.get(mid)
            if between is None:
                between = runs[mid] = tuple(conn[d] for d in (mid >> 8, (mid >> 4) & 15, mid & 15) if d != 15)
            wa = names.get(ai) or names.setdefault(ai, words[ai].decode("utf-8", "replace"))
            wb = names.get(bi) or names.setdefault(bi, words[bi].decode("utf-8", "replace"))
            out.append(Phrase(level, (wa, *between, wb), c, sc))
        return out

    # ------------------------------------------------------------------ joining
    def tokenize(self, text: bytes) -> list[bytes]:
        tokens = text.replace(b"\n", b" \x00 ").split()
        for apply in self._levels():
            tokens = apply(tokens)
        return tokens

    def __getitem__(self, sentence):
        """The joined tokens of one sentence (a list of str, or a str split on whitespace),
        not standardised (gensim's ``phrases[sentence]``)."""
        words = sentence.split() if isinstance(sentence, str) else list(sentence)
        tokens = [w.encode("utf-8") for w in words]
        for apply in self._levels():
            tokens = apply(tokens)
        return [t.decode("utf-8") for t in tokens]

    def _levels(self):
        if self._appliers is None:
            by_level: dict = {}
            for p in self.phrases_:
                by_level.setdefault(p.level, []).append(p)
            self._appliers = [_LevelJoiner(by_level[lv], self.connector_words, self.delimiter)
                              for lv in sorted(by_level)]
        return self._appliers

    # ------------------------------------------------------------------ the table file
    def save(self, path) -> None:
        """Write the table as TSV (level, phrase, count, score, its words), sorted by level,
        then score (highest first), then phrase; a header line holds the parameters."""
        from ..atomic import atomic_file

        params = {"scoring": self.scoring, "min_count": self.min_count, "threshold": self.effective_threshold,
                  "delimiter": self.delimiter, "levels": self.levels, "standardize": self.standardize,
                  "total_words": self.total_words_, "pruned": self.pruned_,
                  "connector_words": " ".join(self.connector_words)}
        lines = [_HEADER + "\t" + "\t".join(f"{k}={v}" for k, v in params.items()),
                 "level\tphrase\tcount\tscore\twords"]
        for p in self.phrases_:
            lines.append(f"{p.level}\t{self.delimiter.join(p.words)}\t{p.count}\t{p.score!r}\t{' '.join(p.words)}")
        with atomic_file(Path(path), "w") as f:
            f.write("\n".join(lines) + "\n")
        self.path_ = Path(path).resolve()

    @classmethod
    def load(cls, path) -> "Phrases":
        """Read a table written by ``save`` (or by hand in the same format)."""
        path = Path(path)
        if not path.is_file():
            raise ModelFormatError(f"{path}: no such phrase table" if not path.exists() else f"{path}: not a regular file")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise ModelFormatError(f"{path}: cannot read the phrase table ({e})") from None
        if not lines or not lines[0].startswith(_HEADER + "\t"):
            raise ModelFormatError(f"{path}:1: not a wordvec phrase table (it starts with '{_HEADER}')")
        params = dict(item.partition("=")[::2] for item in lines[0].split("\t")[1:])
        try:
            obj = cls(min_count=int(params["min_count"]), threshold=float(params["threshold"]),
                      scoring=params["scoring"], delimiter=params["delimiter"], levels=int(params["levels"]),
                      connector_words=tuple(params["connector_words"].split()), standardize=params["standardize"])
            obj.total_words_, obj.pruned_ = int(params["total_words"]), int(params["pruned"])
        except (KeyError, ValueError, ParameterError) as e:
            raise ModelFormatError(f"{path}:1: bad header ({e})") from None
        for n, line in enumerate(lines[2:], start=3):
            cols = line.split("\t")
            try:
                level, _, count, score, words = int(cols[0]), cols[1], int(cols[2]), float(cols[3]), cols[4].split()
                if len(cols) != 5 or len(words) < 2 or level < 1 or count < 0 or math.isnan(score):
                    raise ValueError
            except (ValueError, IndexError):
                raise ModelFormatError(f"{path}:{n}: expected LEVEL<TAB>PHRASE<TAB>COUNT<TAB>SCORE<TAB>WORDS") from None
            obj.phrases_.append(Phrase(level, tuple(words), count, score))
        obj.phrases_.sort(key=_order)
        obj.path_ = path.resolve()
        return obj

    @classmethod
    def from_arg(cls, arg: str) -> "Phrases":
        if not arg:
            raise ParameterError("tokenizer='phrases' needs the table: 'phrases:PATH' (learn one with wordvec phrases)")
        return cls.load(arg)

    def __repr__(self) -> str:
        return f"Phrases({len(self.phrases_):,} phrases, scoring={self.scoring!r}, threshold={self.effective_threshold})"


def _order(p: Phrase):
    return (p.level, -p.score, p.words)


def phrase_scores(scoring: str, ca, cb, cab, min_count: int, total: int) -> np.ndarray:
    """Scores of candidates with counts ``cab`` of words counted ``ca`` and ``cb`` times."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if scoring == "word2phrase":
            return (cab - min_count) / (ca * cb) * total
        pa, pb, pab = ca / total, cb / total, cab / total
        npmi = np.log(pab / (pa * pb)) / -np.log(pab)
        return np.where(cab >= min_count, npmi, -np.inf)


class _GrowingTable:
    """The candidates' hash table: at most 70% full (grows), at most ``limit`` keys (prunes)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.keys, self.values = _empty(1 << 16)
        self.used = 0
        self.pruned = 0
        self.min_reduce = 1

    def reserve(self, n: int) -> None:
        """Room for ``n`` more keys: prune past the limit, grow past half full."""
        from ..kernels.counting import table_rebuild

        while self.used + n > self.limit and self.used:
            keys, values = _empty(self.keys.size)
            kept, dropped = table_rebuild(self.keys, self.values, keys, values, self.min_reduce, _NO_REMAP)
            self.keys, self.values, self.used = keys, values, kept
            self.pruned += dropped
            self.min_reduce += 1
        while 10 * (self.used + n) > 7 * self.keys.size and self.keys.size < _MAX_TABLE:
            self._rebuild(self.keys.size * 2, _NO_REMAP)

    def remap(self, remap: np.ndarray) -> None:
        self._rebuild(self.keys.size, remap)

    def _rebuild(self, size: int, remap) -> None:
        from ..kernels.counting import table_rebuild

        keys, values = _empty(size)
        kept, dropped = table_rebuild(self.keys, self.values, keys, values, 0, remap)
        self.keys, self.values, self.used = keys, values, kept
        self.pruned += dropped


_NO_REMAP = np.zeros(0, np.int64)


def _empty(size: int):
    return np.full(size, np.uint64(0xFFFFFFFFFFFFFFFF), np.uint64), np.zeros(size, np.int64)


class _LevelJoiner:
    """Joins one level's phrases in a token list (``kernels.counting.find_phrases``)."""

    def __init__(self, phrases: list[Phrase], connector_words, delimiter: str):
        from ..kernels.counting import pack, table_add

        self.connectors = list(connector_words)
        words: dict[bytes, int] = {SENTENCE_END: -2}
        for c in self.connectors:
            words.setdefault(c.encode(), len(words) - 1)
        for p in phrases:
            for w in (p.words[0], p.words[-1]):
                words.setdefault(w.encode(), len(words) - 1)
        self.ids = words
        connector = np.full(len(words), -1, np.int64)
        for n, c in enumerate(self.connectors):
            connector[words[c.encode()]] = n
        self.connector = connector
        self.keys, self.values = _empty(1 << max(4, (2 * len(phrases) + 1).bit_length()))
        self.scores = np.array([p.score for p in phrases], np.float64)
        self.joined = [delimiter.join(p.words).encode() for p in phrases]
        for n, p in enumerate(phrases):
            mid = [self.connectors.index(w) for w in p.words[1:-1]]
            if len(mid) > 3 or p.words[0] in self.connectors or p.words[-1] in self.connectors:
                raise ModelFormatError(f"phrase {' '.join(p.words)!r}: at most 3 connector words, inside only")
            run = 0
            for d in mid + [15] * (3 - len(mid)):
                run = run * 16 + d
            table_add(self.keys, self.values, pack(words[p.words[0].encode()], run, words[p.words[-1].encode()]), n)

    def __call__(self, tokens: list[bytes]) -> list[bytes]:
        from ..kernels.counting import find_phrases

        if not tokens or not self.joined:
            return tokens
        ids = np.fromiter(map(self.ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        starts, ends, which = find_phrases(ids, self.connector, self.keys, self.values, self.scores)
        if starts.size == 0:
            return tokens
        out: list[bytes] = []
        prev = 0
        joined = self.joined
        for s, e, p in zip(starts.tolist(), ends.tolist(), which.tolist()):
            out.extend(tokens[prev:s])
            out.append(joined[p])
            prev = e + 1
        out.extend(tokens[prev:])
        return out
