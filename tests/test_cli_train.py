import subprocess
import sys

import pytest

from conftest import planted_sentences


def wordvec(*args, **kw):
    return subprocess.run([sys.executable, "-m", "wordvec.cli", *map(str, args)], capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    sents, _ = planted_sentences(sentences=800)
    p = tmp_path_factory.mktemp("c") / "planted.txt"
    p.write_text("\n".join(" ".join(s) for s in sents) + "\n")
    return p


def test_train_then_similar(corpus, tmp_path):
    r = wordvec("train", corpus, "-o", tmp_path / "m", "--dim", 16, "--min-count", 1, "--epochs", 3, "--workers", 1, "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and "training" not in r.stderr  # --quiet
    assert (tmp_path / "m" / "vectors.npy").exists()
    r = wordvec("similar", tmp_path / "m", "g1w1", "-n", 3)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3 and all(len(line.split()) == 2 for line in lines)


def test_train_progress_and_summary(corpus, tmp_path):
    r = wordvec("train", corpus, "-o", tmp_path / "m", "--cbow", "--hs", "--negative", 0, "--dim", 8, "--min-count", 1, "--epochs", 2)
    assert r.returncode == 0, r.stderr
    assert "saved to" in r.stdout and "final loss" in r.stdout
    assert "epoch 2: loss" in r.stderr and "words/s" in r.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dim", "0"], "--dim=0"), (["--window", "0"], "--window=0"), (["--negative", "-1"], "--negative=-1"),
        (["--negative", "0"], "nothing to train"), (["--sample", "-1"], "--sample=-1"), (["--epochs", "0"], "--epochs=0"),
        (["--workers", "0"], "--workers=0"), (["--min-count", "100000"], "min_count=100000"),
    ],
)
def test_bad_parameters_one_line_nonzero(corpus, tmp_path, args, message):
    r = wordvec("train", corpus, "-o", tmp_path / "m", *args)
    assert r.returncode != 0
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_bad_corpora(tmp_path):
    r = wordvec("train", tmp_path / "missing.txt", "-o", tmp_path / "m")
    assert r.returncode == 2 and "missing.txt: no such file" in r.stderr and "Traceback" not in r.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    r = wordvec("train", empty, "-o", tmp_path / "m")
    assert r.returncode == 2 and "empty.txt" in r.stderr and "empty" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_invalid_utf8_warns_and_trains(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"caf\xe9 one two three\n" * 20)
    r = wordvec("train", p, "-o", tmp_path / "m", "--min-count", 1, "--dim", 4, "-q")
    assert r.returncode == 0, r.stderr
    assert "warning: replaced 20 invalid UTF-8 sequence(s)" in r.stderr and "bad.txt" in r.stderr


def test_help_lists_every_training_option():
    r = wordvec("train", "--help")
    assert r.returncode == 0
    for flag in ("--sg", "--cbow", "--hs", "--negative", "--dim", "--window", "--min-count", "--sample",
                 "--epochs", "--alpha", "--workers", "--seed", "--quiet"):
        assert flag in r.stdout
