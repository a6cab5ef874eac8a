"""``wordvec similar | analogy | odd | predict | evaluate | export`` end to end, on native model
folders and C-format files; user errors are one line and exit status 2."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from wordvec import Word2Vec, WordVectors
from wordvec.cli.main import cli

WORDS = ["man", "woman", "king", "queen", "paris", "france", "rome", "italy", "apple"]


def _vectors():
    eye = np.eye(12, dtype=np.float32)
    v = {
        "man": eye[0] + eye[8], "woman": eye[0] + eye[9], "king": eye[1] + eye[8], "queen": eye[1] + eye[9],
        "paris": eye[2] + eye[10], "france": eye[2], "rome": eye[3] + eye[10], "italy": eye[3], "apple": eye[11],
    }
    return WordVectors(WORDS, np.stack([v[w] for w in WORDS]), counts=np.arange(len(WORDS), 0, -1))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    wv = _vectors()
    wv.save(d / "native")
    wv.save_word2vec_format(d / "vectors.bin", binary=True)
    wv.save_word2vec_format(d / "vectors.txt")
    (d / "q.txt").write_text(": capital\nParis France Rome Italy\nRome Italy Paris France\nParis France Oslo Norway\n"
                             ": gender\nman woman king queen\nman king woman queen\n")
    (d / "pairs.tsv").write_text("# gold\nking\tqueen\t9\nman\twoman\t8\nking\tapple\t1\nparis\tfrance\t6\nyak\tzebra\t3\n")
    return d


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize("model", ["native", "vectors.bin", "vectors.txt"])
def test_similar_analogy_odd_on_every_model_kind(models, model):
    path = models / model
    code, out = run("similar", path, "king", "-n", "2")
    assert code == 0 and sorted(line.split() for line in out.splitlines()) == [["0.5000", "man"], ["0.5000", "queen"]]
    code, out = run("analogy", path, "man", "king", "woman", "-n", "1")
    assert code == 0 and out.split() == ["1.0000", "queen"]
    code, out = run("analogy", path, "man", "king", "woman", "--cosmul", "-n", "1")
    assert code == 0 and out.split()[1] == "queen"
    code, out = run("odd", path, "man", "woman", "king", "apple")
    assert (code, out.strip()) == (0, "apple")


def test_unknown_word_is_one_line_exit_2(models):
    code, out = run("similar", models / "native", "zebra")
    assert code == 2 and out.strip() == "wordvec: error: word 'zebra' not in vocabulary"
    code, out = run("similar", models / "nope", "king")
    assert code == 2 and "nope: no such file" in out and "Traceback" not in out
    code, out = run("similar", models / "native", "king", "-n", "0")
    assert code == 2 and "--topn=0 is invalid" in out


def test_evaluate_table_and_json(models):
    code, out = run("evaluate", models / "native", "--analogies", models / "q.txt", "--similarity", models / "pairs.tsv")
    assert code == 0, out
    assert "capital" in out and "semantic" in out and "syntactic" in out and "spearman" in out
    code, out = run("evaluate", models / "vectors.bin", "--analogies", models / "q.txt",
                    "--similarity", models / "pairs.tsv", "--json")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert len(lines) == 1
    r = json.loads(lines[0])
    assert (r["analogy_correct"], r["analogy_total"], r["analogy_skipped"]) == (4, 4, 1)
    assert r["analogy_accuracy"] == 1.0
    assert [(s["name"], s["correct"], s["total"]) for s in r["sections"]] == [("capital", 2, 2), ("gender", 2, 2)]
    sim = r["similarity"]["pairs.tsv"]
    assert sim["oov_ratio"] == pytest.approx(0.2) and sim["pairs"] == 4 and -1 <= sim["spearman"] <= 1
    assert set(sim) >= {"spearman", "pearson", "oov_ratio"}
    code, out = run("evaluate", models / "native")
    assert code == 2 and "give --analogies FILE and/or --similarity FILE" in out


@pytest.mark.parametrize("fmt, name", [("word2vec-text", "out.txt"), ("word2vec-bin", "out.bin")])
def test_export_c_formats_round_trip(models, tmp_path, fmt, name):
    code, out = run("export", models / "native", "--format", fmt, "-o", tmp_path / name)
    assert code == 0 and "wrote 9 words x 12 dims" in out
    back = WordVectors.load(tmp_path / name)
    assert back.index_to_key == WORDS
    np.testing.assert_array_equal(back.vectors, _vectors().vectors)
    code, _ = run("export", tmp_path / name, "--format", fmt, "-o", tmp_path / ("top" + name), "--top", "3")
    assert code == 0 and WordVectors.load(tmp_path / ("top" + name)).index_to_key == WORDS[:3]


def test_export_projector(models, tmp_path):
    code, _ = run("export", models / "vectors.txt", "--format", "projector", "-o", tmp_path / "proj", "--top", "4")
    assert code == 0
    meta = (tmp_path / "proj" / "metadata.tsv").read_text().splitlines()
    rows = (tmp_path / "proj" / "vectors.tsv").read_text().splitlines()
    assert meta == WORDS[:4] and len(rows) == 4 and len(rows[0].split("\t")) == 12
    back = np.array([[float(x) for x in row.split("\t")] for row in rows], np.float32)
    np.testing.assert_allclose(back, _vectors().vectors[:4], rtol=1e-6)  # within the printed precision


def test_export_errors(models, tmp_path):
    code, out = run("export", models / "native", "--format", "word2vec-bin")
    assert code == 2 and "give -o/--output PATH" in out
    code, out = run("export", models / "native", "--format", "tensorboard")
    assert code == 2 and "give --logdir DIR" in out
    code, out = run("export", models / "native", "--format", "word2vec-bin", "-o", tmp_path / "x", "--top", "0")
    assert code == 2 and "--top=0 is invalid" in out


def test_predict(tmp_path, models):
    sentences = [["a", "dog", "ran", "in", "the", "park"]] * 200 + [["the", "bird", "flew", "over", "the", "tree"]] * 200
    Word2Vec(vector_size=12, window=2, min_count=1, sg=False, epochs=3, workers=1, sample=0).fit(sentences).save(tmp_path / "m")
    code, out = run("predict", tmp_path / "m", "A dog, _ in", "-n", "2")  # standardised as the corpus was
    assert code == 0 and out.splitlines()[0].split()[1] == "ran"
    code, out = run("predict", models / "vectors.bin", "a dog _ in")
    assert code == 2 and "predict needs a wordvec model folder" in out
    code, out = run("predict", models / "native", "a dog _ in")
    assert code == 2 and "holds vectors only" in out
    code, out = run("predict", tmp_path / "m", "zebra _ yak")
    assert code == 2 and "no context word is in the vocabulary" in out
