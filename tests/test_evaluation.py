"""Analogy and word-pair evaluation: exact counts on constructed vectors, gensim's results
question for question (including ties and case variants), clear errors on bad files."""

import numpy as np
import pytest

from wordvec import ModelFormatError, ParameterError, WordVectors

from conftest import SHARED_DATA as DATA  # noqa: E402


def _gensim(wv):
    KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors
    kv = KeyedVectors(wv.vector_size)
    kv.add_vectors(wv.index_to_key, np.asarray(wv.vectors))
    return kv


def _relational_vectors(lines, dim, seed, noise=0.05):
    """Vectors in which many of the analogies hold: within a section, b = a + relation."""
    rng = np.random.default_rng(seed)
    vecs, rel, section = {}, {}, None
    for line in lines:
        if line.startswith(":"):
            section = line
            rel[section] = rng.standard_normal(dim)
            continue
        words = line.lower().split()
        for a, b in (words[:2], words[2:]):
            vecs.setdefault(a, rng.standard_normal(dim))
            if b not in vecs:
                vecs[b] = vecs[a] + rel[section] + noise * rng.standard_normal(dim)
    return vecs


# ---------------------------------------------------------------------------- constructed
SECTIONS = ["capital", "gender", "unknown", "wrong", "fifth", "plural"]


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """Orthogonal concepts: the answer to every question is certain."""
    dim = 40
    eye = np.eye(dim, dtype=np.float32)
    words, vecs = [], []

    def add(word, v):
        words.append(word)
        vecs.append(v)

    for i, (x, y) in enumerate([("athens", "greece"), ("paris", "france"), ("rome", "italy"), ("oslo", "norway")]):
        add(x, eye[i] + eye[30])  # capital = country + capital-ness
        add(y, eye[i])
    for i, (x, y) in enumerate([("man", "woman"), ("king", "queen"), ("boy", "girl")]):
        add(x, eye[10 + i] + eye[31])
        add(y, eye[10 + i] + eye[32])
    for i, (x, y) in enumerate([("cat", "cats"), ("dog", "dogs")]):
        add(x, eye[20 + i])
        add(y, eye[20 + i] + eye[33])
    add("rare", eye[39])  # beyond restrict_vocab in one test
    text = "\n".join([
        ": capital",
        "Athens Greece Paris France", "Paris France Rome Italy", "Rome Italy Oslo Norway", "Oslo Norway Athens Greece",
        ": gender",
        "man woman king queen", "king queen boy girl",
        ": unknown",
        "man woman zebra zebras", "man woman king queen",
        ": wrong",
        "man woman king girl",
        "this line has five words",
        ": fifth",
        ": plural",
        "cat cats dog dogs", "dog dogs cat cats", "cat cats rare rares",
        "",
    ])
    path = tmp_path_factory.mktemp("eval") / "questions.txt"
    path.write_text(text)
    return WordVectors(words, np.stack(vecs)), path


def test_counts_per_section_semantic_syntactic(toy):
    wv, path = toy
    with pytest.warns(UserWarning, match=r"skipped 1 line\(s\) without exactly four words \(first: line 14\)"):
        r = wv.evaluate_word_analogies(path)
    got = {s.name: (s.correct, s.total, s.skipped) for s in r.sections}
    assert got == {"capital": (4, 4, 0), "gender": (2, 2, 0), "unknown": (1, 1, 1), "wrong": (0, 1, 0),
                   "fifth": (0, 0, 0), "plural": (2, 2, 1)}
    assert (r.correct, r.total, r.skipped, r.invalid_lines) == (9, 10, 2, 1)
    assert r.accuracy == pytest.approx(0.9)
    assert (r.semantic.correct, r.semantic.total) == (7, 8)
    assert (r.syntactic.correct, r.syntactic.total, r.syntactic.skipped) == (2, 2, 1)
    d = r.to_dict()
    assert d["analogy_correct"] == 9 and d["analogy_total"] == 10 and d["analogy_skipped"] == 2
    assert d["sections"][3] == {"name": "wrong", "correct": 0, "total": 1, "skipped": 0, "accuracy": 0.0}
    # Unpacks as gensim's (score, sections) with the question words upper-cased.
    score, sections = r
    assert score == pytest.approx(0.9) and sections[-1]["section"] == "Total accuracy"
    assert sections[3]["incorrect"] == [("MAN", "WOMAN", "KING", "GIRL")]
    assert len(sections[-1]["correct"]) == 9


@pytest.mark.filterwarnings("ignore:.*four words")
def test_cosmul_restrict_and_case(toy):
    wv, path = toy
    assert wv.evaluate_word_analogies(path, method="3cosmul").correct == 9
    # 'rare' is the last word: outside the first len-1 words the question is skipped.
    r = wv.evaluate_word_analogies(path, restrict_vocab=len(wv) - 1)
    assert r.skipped == 2 and r.total == 10
    # Case-sensitive: 'Athens' is not 'athens', so the capital questions are skipped.
    r = wv.evaluate_word_analogies(path, case_insensitive=False)
    assert r.sections[0].skipped == 4 and r.sections[0].total == 0 and r.correct == 5


def test_bad_analogy_files(tmp_path, toy):
    wv, _ = toy
    p = tmp_path / "q.txt"
    p.write_text("man woman king queen\n: s\n")
    with pytest.raises(ModelFormatError, match=r"q.txt:1: question before the first ': section' header"):
        wv.evaluate_word_analogies(p)
    p.write_bytes(b": s\nman woman king qu\xffeen\n")
    with pytest.raises(ModelFormatError, match=r"q.txt:2: not valid UTF-8"):
        wv.evaluate_word_analogies(p)
    p.write_text("")
    with pytest.raises(ModelFormatError, match="no ': section' header"):
        wv.evaluate_word_analogies(p)
    with pytest.raises(ModelFormatError, match="no such file"):
        wv.evaluate_word_analogies(tmp_path / "missing.txt")
    with pytest.raises(ParameterError, match="method="):
        wv.evaluate_word_analogies(p, method="3cosbad")
    with pytest.raises(ParameterError, match="restrict_vocab=0"):
        wv.evaluate_word_analogies(p, restrict_vocab=0)


def test_word_pairs_parsing_and_oov(tmp_path, toy):
    wv, _ = toy
    p = tmp_path / "pairs.txt"
    p.write_text("# comment\nWord 1\tWord 2\tHuman (mean)\nking\tqueen\t9\nman woman 8.5\ncat  dog 3 extra\n"
                 "cat\tzebra\t1\nparis\tfrance\t7\n\n")
    with pytest.warns(UserWarning, match=r"skipped 1 line.*first: line 2"):
        r = wv.evaluate_word_pairs(p)
    assert (r.pairs, r.oov, r.invalid_lines) == (4, 1, 1)
    assert r.oov_ratio == pytest.approx(0.2)
    pearson, spearman, oov_percent = r  # gensim's shape
    assert oov_percent == pytest.approx(20.0) and spearman[0] == pytest.approx(r.spearman)
    model = [wv.similarity(*ab) for ab in [("king", "queen"), ("man", "woman"), ("cat", "dog"), ("paris", "france")]]
    from scipy import stats
    assert r.spearman == pytest.approx(stats.spearmanr([9, 8.5, 3, 7], model)[0])
    assert r.pearson == pytest.approx(stats.pearsonr([9, 8.5, 3, 7], model)[0])
    p.write_text("zebra\tyak\t3\n")
    with pytest.raises(ModelFormatError, match="every one with a word not in the vocabulary"):
        wv.evaluate_word_pairs(p)


# ---------------------------------------------------------------------------- against gensim
def _hard_vectors(seed=3):
    """Vectors on eight directions only (many exact ties, broken as gensim breaks them),
    duplicates, and case variants that share the upper-cased key with a more frequent word."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)] + ["W1", "w2x", "W5", "W7"]
    angle = 2 * np.pi * rng.integers(0, 8, len(words)) / 8
    vecs = (np.stack([np.cos(angle), np.sin(angle), rng.integers(0, 2, len(words))], axis=1)
            * rng.uniform(0.5, 2, (len(words), 1))).astype(np.float32)
    vecs[61] = vecs[2]  # exact duplicate of w2 under another key
    return WordVectors(words, vecs)


def _hard_questions(path, seed=4):
    rng = np.random.default_rng(seed)
    lines = []
    for s in range(7):
        lines.append(f": section{s}")
        for _ in range(60):
            q = [f"w{i}" for i in rng.integers(0, 60, 4)]
            if rng.random() < 0.2:
                q[3] = q[rng.integers(0, 3)]  # expected answer is a question word
            lines.append(" ".join(w.upper() if w in ("w1", "w5", "w7") and rng.random() < 0.5 else w for w in q))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("restrict", [64, 40])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogies_equal_gensim_on_ties_and_case_variants(tmp_path, restrict, case_insensitive):
    wv = _hard_vectors()
    kv = _gensim(wv)
    path = tmp_path / "hard.txt"
    _hard_questions(path)
    ours = wv.evaluate_word_analogies(path, restrict_vocab=restrict, case_insensitive=case_insensitive)
    score, theirs = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict, case_insensitive=case_insensitive)
    assert ours[1] == theirs  # every question lands on the same side
    assert ours.accuracy == score and ours.correct == len(theirs[-1]["correct"])


def _real_vectors():
    if not (DATA / "questions-words.txt").is_file() or not (DATA / "EN-WS-353-ALL.txt").is_file():
        pytest.skip(f"real evaluation data not found in {DATA}")
    lines = (DATA / "questions-words.txt").read_text().splitlines()
    vecs = _relational_vectors(lines, dim=50, seed=11)
    rng = np.random.default_rng(12)
    for line in (DATA / "EN-WS-353-ALL.txt").read_text().splitlines():
        for w in line.split("\t")[:2]:
            vecs.setdefault(w.lower(), rng.standard_normal(50))
    words = list(vecs)
    rng.shuffle(words)
    words += [w.capitalize() for w in words[:300:3]]  # less frequent case variants
    m = np.stack([vecs[w.lower()] + (0.3 * rng.standard_normal(50) if w[0].isupper() else 0) for w in words])
    return WordVectors(words, m.astype(np.float32))


def test_real_questions_words_and_wordsim_equal_gensim():
    wv = _real_vectors()
    kv = _gensim(wv)
    path = DATA / "questions-words.txt"
    restrict = 1000  # a part of the vocabulary, so some questions are skipped
    ours = wv.evaluate_word_analogies(path, restrict_vocab=restrict)
    score, theirs = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict)
    assert ours.correct == len(theirs[-1]["correct"]) > 1000
    assert ours[1] == theirs
    assert ours.skipped > 0 and ours.total + ours.skipped == 19544
    pairs = DATA / "EN-WS-353-ALL.txt"
    r = wv.evaluate_word_pairs(pairs)
    pearson, spearman, oov = kv.evaluate_word_pairs(str(pairs))
    assert abs(r.spearman - spearman[0]) < 1e-6 and abs(r.pearson - pearson[0]) < 1e-6
    assert r.oov_ratio * 100 == pytest.approx(oov)


def test_3cosmul_batches_equal_one_query_at_a_time(tmp_path):
    rng = np.random.default_rng(8)
    words = [f"w{i}" for i in range(200)]
    wv = WordVectors(words, rng.standard_normal((200, 20)).astype(np.float32))
    lines = [": only"] + [" ".join(words[i] for i in rng.integers(0, 200, 4)) for _ in range(300)]
    # Plant answers so that some are right: d = the best 3CosMul candidate for half the questions.
    for k in range(1, len(lines), 2):
        a, b, c, _ = lines[k].split()
        if len({a, b, c}) == 3:
            lines[k] = f"{a} {b} {c} {wv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0]}"
    path = tmp_path / "q.txt"
    path.write_text("\n".join(lines) + "\n")
    r = wv.evaluate_word_analogies(path, method="3cosmul", case_insensitive=False)
    expected = 0
    for line in lines[1:]:
        a, b, c, d = line.split()
        expected += wv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0] == d
    assert r.total == 300 and r.correct == expected > 100
