"""``wordvec train --model doc2vec``, ``wordvec infer`` and ``wordvec similar --docs`` end to end;
word2vec-only options and bad input give one line and exit status 2."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from test_doc2vec import planted
from wordvec.cli.main import cli
from wordvec.models.doc2vec import Doc2Vec


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("d2v")
    docs = planted(160)
    corpus = d / "docs.txt"
    corpus.write_text("".join(f"{' '.join(doc.tags)}\t{' '.join(doc.words)}\n" for doc in docs), encoding="utf-8")
    code, out = run("train", corpus, "-o", d / "m", "--model", "doc2vec", "--dbow", "--dim", 16, "--min-count", 1,
                    "--epochs", 15, "--workers", 1, "--seed", 3)
    assert code == 0, out
    return d, docs


def test_train_writes_a_doc2vec_model_with_the_options_given(trained):
    d, docs = trained
    model = Doc2Vec.load(d / "m")
    assert model.dm is False and model.vector_size == 16 and model.epochs == 15
    assert len(model.dv) == 160 + 4  # every document's own tag and the four topics


def test_infer_prints_the_nearest_tags_of_a_known_document(trained):
    d, docs = trained
    code, out = run("infer", d / "m", *docs[5].words, "-n", 3)
    assert code == 0, out
    lines = [line.split() for line in out.splitlines()]
    assert len(lines) == 3 and all(float(score) <= 1.0001 for score, _ in lines)
    # doc5 is from topic 1: its neighbours are too (documents of topic 1, or the topic's own tag)
    assert all(tag == "topic1" or (tag.startswith("doc") and int(tag[3:]) % 4 == 1) for _, tag in lines), lines


def test_infer_vector_is_deterministic_and_file_mode_does_many(trained):
    d, docs = trained
    once = run("infer", d / "m", *docs[0].words, "--vector", "--seed", 7)
    again = run("infer", d / "m", *docs[0].words, "--vector", "--seed", 7)
    assert once == again and once[0] == 0 and len(json.loads(once[1])) == 16
    texts = d / "new.txt"
    texts.write_text(" ".join(docs[0].words) + "\n" + " ".join(docs[1].words) + "\n", encoding="utf-8")
    code, out = run("infer", d / "m", "--file", texts, "--vector", "--seed", 7)
    assert code == 0 and out.splitlines()[0] == once[1].strip() and len(out.splitlines()) == 2
    code, out = run("infer", d / "m", "--file", texts, "-n", 2)
    assert code == 0 and out.count("# document") == 2


def test_similar_docs_queries_tags(trained):
    d, _ = trained
    code, out = run("similar", d / "m", "topic2", "--docs", "-n", 5)
    assert code == 0, out
    tags = [line.split()[1] for line in out.splitlines()]
    assert len(tags) == 5 and sum(t.startswith("doc") and int(t[3:]) % 4 == 2 for t in tags) >= 3
    code, out = run("similar", d / "m", "nosuchtag", "--docs")
    assert code == 2 and "nosuchtag" in out and "Traceback" not in out


@pytest.mark.parametrize("args, message", [
    (["--cbow"], "word2vec option"),
    (["--dbow-words"], "--dbow-words goes with --dbow"),
    (["--dbow", "--dm-concat"], "--dm-concat without"),
])
def test_train_refuses_options_that_do_not_apply(trained, tmp_path, args, message):
    d, _ = trained
    code, out = run("train", d / "docs.txt", "-o", tmp_path / "x", "--model", "doc2vec", *args)
    assert code == 2 and message in out and "Traceback" not in out
    assert not (tmp_path / "x").exists()


def test_infer_errors_are_one_line(trained, tmp_path):
    d, _ = trained
    wv_model = tmp_path / "w2v"
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d a b c d\n" * 50)
    assert run("train", corpus, "-o", wv_model, "--dim", 8, "--min-count", 1, "--epochs", 1)[0] == 0
    for args, message in [
        ([wv_model, "a", "b"], "not a doc2vec model"),
        ([d / "m"], "TEXT or --file"),
        ([d / "m", "a", "--file", corpus], "TEXT or --file"),
        ([d / "m", "--file", tmp_path / "missing.txt"], "missing.txt"),
        ([d / "m", "a", "-n", "-1"], "--topn=-1"),
    ]:
        code, out = run("infer", *args)
        assert code == 2 and message in out and "Traceback" not in out, (args, out)
