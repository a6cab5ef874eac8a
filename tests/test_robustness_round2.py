"""Trust, round two (issue 18): each fault is fixed as a class, and each case here failed
before the fix. Errors a user causes are one line naming the file/line/parameter and exit 2
from the CLI, never a traceback."""
from __future__ import annotations

import fcntl
import gc
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli
from wordvec import Word2Vec
from wordvec.errors import CorpusError, ParameterError, TrainingDiverged, WordvecError


def _corpus(path: Path, sentences: int = 400, vocab: int = 60, seed: int = 0) -> Path:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    with open(path, "w") as f:
        for _ in range(sentences):
            f.write(" ".join(rng.choice(words) for _ in range(rng.randint(5, 20))) + "\n")
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("round2") / "corpus.txt")


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- 1. divergence
DIVERGING = {
    "skip-gram alpha 10": ["--alpha", "10"],
    "hs alpha 10": ["--alpha", "10", "--hs", "--negative", "0"],
    "cbow-sum alpha 10": ["--alpha", "10", "--cbow", "--cbow-sum"],
    "doc2vec alpha 10": ["--model", "doc2vec", "--alpha", "10"],
}


@pytest.mark.parametrize("flags", DIVERGING.values(), ids=DIVERGING.keys())
def test_divergence_is_one_line_and_writes_nothing(small, tmp_path, capsys, flags):
    out = tmp_path / "m"
    dim = [] if "doc2vec" in flags else ["--dim", "10"]
    code = run_cli(["train", str(small), "-o", str(out), *dim, "--epochs", "3", "--min-count", "1", "-q",
                    "--workers", "1", *flags])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("wordvec: error: training diverged in epoch ") and err.count("\n") == 1, err
    assert "smaller alpha (--alpha)" in err
    assert not out.exists()


def test_divergence_keeps_the_last_good_checkpoint(small, tmp_path, capsys):
    out = tmp_path / "m"
    assert run_cli(["train", str(small), "-o", str(out), "--dim", "10", "--epochs", "1", "--min-count", "1",
                    "-q", "--workers", "1"]) == 0
    before = _tree(out)
    code = run_cli(["train", str(small), "-o", str(out), "--dim", "10", "--epochs", "3", "--min-count", "1", "-q",
                    "--workers", "2", "--alpha", "10", "--checkpoint-every", "200"])
    assert code == 2 and "training diverged" in capsys.readouterr().err
    assert _tree(out) == before


def test_divergence_in_the_api(small):
    with pytest.raises(TrainingDiverged, match=r"alpha=10 is too large"):
        Word2Vec(vector_size=10, min_count=1, epochs=2, workers=1, alpha=10).fit(str(small))


def test_nan_weights_never_raise_zero_division_in_a_kernel():
    # Weights already NaN: under fastmath a NaN divisor passed Numba's "== 0" check and
    # raised ZeroDivisionError; now the kernel returns a NaN loss.
    from wordvec.kernels.word2vec import cbow_job, skipgram_job

    model = Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1, hs=True, sample=0)
    model.build_vocab([["a", "b", "c", "d"]] * 20)
    model.wv.vectors[:] = np.nan
    tokens = np.arange(4, dtype=np.int32)
    bounds = np.array([0, 4], dtype=np.int64)
    for job in (lambda: skipgram_job(tokens, bounds, model.wv.vectors, model.syn1, model.syn1neg, model.tables_, 2,
                                     5, True, np.float32(0.1), np.float32(0.1), np.uint64(1)),
                lambda: cbow_job(tokens, bounds, model.wv.vectors, model.syn1, model.syn1neg, model.tables_, 2, 5,
                                 True, False, np.float32(0.1), np.float32(0.1), np.uint64(1))):
        loss, _, _ = job()
        assert not np.isfinite(loss)


# ---------------------------------------------------------------- 2. someone else's folder
def _foreign(tmp_path, kind):
    folder = tmp_path / "theirs"
    folder.mkdir()
    if kind == "own vectors.npy":
        np.save(folder / "vectors.npy", np.ones((3, 2), np.float32))
    elif kind == "foreign config.json and vocab.tsv":
        (folder / "config.json").write_text('{"model_type": "bert", "hidden_size": 768}')
        (folder / "vocab.tsv").write_text("[PAD]\t0\n")
    elif kind == "config.json not JSON":
        (folder / "config.json").write_text("hidden_size = 768\n")
    elif kind == "wordvec format but no wordvec keys":
        (folder / "config.json").write_text('{"format": "wordvec-model", "format_version": 1}')
    return folder


FOREIGN = ["own vectors.npy", "foreign config.json and vocab.tsv", "config.json not JSON",
           "wordvec format but no wordvec keys"]


@pytest.mark.parametrize("kind", FOREIGN)
def test_a_foreign_folder_is_never_replaced(small, tmp_path, capsys, monkeypatch, kind):
    folder = _foreign(tmp_path, kind)
    before = _tree(folder)

    def no_counting(*args, **kwargs):
        raise AssertionError("counted the corpus before checking the output folder")

    monkeypatch.setattr(Word2Vec, "build_vocab", no_counting)
    assert run_cli(["train", str(small), "-o", str(folder), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"wordvec: error: {folder}: is a folder that is not a wordvec model") and err.count("\n") == 1
    monkeypatch.undo()
    model = Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1).fit([["a", "b"]] * 5)
    with pytest.raises(WordvecError, match="is a folder that is not a wordvec model"):
        model.save(folder)
    with pytest.raises(WordvecError, match="is a folder that is not a wordvec model"):
        model.wv.save(folder)
    assert _tree(folder) == before


def test_a_wordvec_model_and_an_empty_folder_are_replaced(tmp_path):
    model = Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1).fit([["a", "b"]] * 5)
    empty = tmp_path / "empty"
    empty.mkdir()
    model.save(empty)
    model.save(empty)  # a model of ours
    assert Word2Vec.load(empty).vector_size == 4


# ---------------------------------------------------------------- 3. bad output paths found late
@pytest.fixture
def readonly(tmp_path):
    """A folder nothing can be created in (as root, chmod is no bar: /sys is one)."""
    import os
    import tempfile

    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        yield ro
        ro.chmod(0o755)
        return
    for candidate in (Path("/sys/kernel"), Path("/proc")):
        try:
            os.rmdir(tempfile.mkdtemp(dir=candidate))
        except OSError:
            yield candidate
            return
    pytest.skip("no read-only place to write to")


@pytest.fixture
def no_work(monkeypatch):
    def counted(*args, **kwargs):
        raise AssertionError("did the work before checking the output")

    monkeypatch.setattr(Word2Vec, "build_vocab", counted)
    import wordvec.cli.query as query
    import wordvec.vectors.keyed as keyed

    monkeypatch.setattr(query, "load_vectors", counted)
    monkeypatch.setattr(keyed.WordVectors, "load", classmethod(counted))
    import wordvec.tutorial.recipe as recipe

    monkeypatch.setattr(recipe, "read_lines", counted)
    return monkeypatch


def _one_line_error(capsys, start):
    err = capsys.readouterr().err
    assert err.startswith(f"wordvec: error: {start}") and err.count("\n") == 1, err


def test_train_output_that_is_a_file_is_refused_before_counting(small, tmp_path, capsys, no_work):
    out = tmp_path / "model"
    out.write_text("not a folder")
    assert run_cli(["train", str(small), "-o", str(out), "-q"]) == 2
    _one_line_error(capsys, f"{out}: exists and is not a folder")
    assert out.read_text() == "not a folder"


def test_train_output_in_a_read_only_place_is_refused_before_counting(small, readonly, capsys, no_work):
    out = readonly / "wordvec-model"
    assert run_cli(["train", str(small), "-o", str(out), "-q"]) == 2
    _one_line_error(capsys, f"{out}: cannot be written ({readonly}: ")


def test_resume_into_a_foreign_folder_is_refused_before_counting(small, tmp_path, capsys, monkeypatch):
    from wordvec.train.checkpoint import save_checkpoint

    ckpt = tmp_path / "ckpt"
    model = Word2Vec(vector_size=8, min_count=1, epochs=2, workers=1)
    model.build_vocab(str(small))
    save_checkpoint(model, ckpt)
    folder = _foreign(tmp_path, "foreign config.json and vocab.tsv")
    before = _tree(folder)

    def counted(*args, **kwargs):
        raise AssertionError("counted the corpus before checking the output")

    monkeypatch.setattr(Word2Vec, "build_vocab", counted)
    assert run_cli(["train", "--resume", str(ckpt), "-o", str(folder), "-q"]) == 2
    _one_line_error(capsys, f"{folder}: is a folder that is not a wordvec model")
    assert _tree(folder) == before


def test_api_checkpoint_folder_is_checked_when_given(tmp_path):
    from wordvec.train.checkpoint import CheckpointCallback

    (tmp_path / "file").write_text("x")
    with pytest.raises(WordvecError, match="exists and is not a folder"):
        CheckpointCallback(tmp_path / "file", every_words=100)
    with pytest.raises(WordvecError, match="is a folder that is not a wordvec model"):
        CheckpointCallback(_foreign(tmp_path, "own vectors.npy"), every_words=100)


OTHER_WRITERS = {
    "export word2vec to a folder": (lambda t, ro: ["export", "M", "--format", "word2vec-text", "-o", str(t)],
                                    "{t}: is a folder, expected a file name"),
    "export word2vec read-only": (lambda t, ro: ["export", "M", "--format", "word2vec-bin", "-o", str(ro / "v.bin")],
                                  "{ro}/v.bin: cannot be written"),
    "export projector read-only": (lambda t, ro: ["export", "M", "--format", "projector", "-o", str(ro / "p")],
                                   "{ro}/p: cannot be written"),
    "plot to a folder": (lambda t, ro: ["plot", "M", "-o", str(t)], "{t}: is a folder, expected a file name"),
    "plot html read-only": (lambda t, ro: ["plot", "M", "--html", str(ro / "p.html")], "{ro}/p.html: cannot be written"),
    "tutorial to a file": (lambda t, ro: ["tutorial", "C", "-o", str(t / "f")], "{t}/f: exists and is not a folder"),
    "tutorial read-only": (lambda t, ro: ["tutorial", "C", "-o", str(ro / "tut")], "{ro}/tut: cannot be written"),
    "tutorial into a foreign model/": (lambda t, ro: ["tutorial", "C", "-o", str(t / "tut")],
                                       "{t}/tut/model: is a folder that is not a wordvec model"),
    "demo to a file": (lambda t, ro: ["demo", "-o", str(t / "f")], "{t}/f: exists and is not a folder"),
}


@pytest.mark.parametrize("case", OTHER_WRITERS.values(), ids=OTHER_WRITERS.keys())
def test_other_writing_commands_check_outputs_before_work(small, tmp_path, readonly, capsys, no_work, case):
    import wordvec.data.demo as demo

    no_work.setattr(demo, "demo_corpus", lambda *a, **k: (_ for _ in ()).throw(AssertionError("built the corpus")))
    (tmp_path / "f").write_text("keep")
    (tmp_path / "tut" / "model").mkdir(parents=True)
    (tmp_path / "tut" / "model" / "vectors.npy").write_bytes(b"mine")
    args, start = case
    args = [a.replace("M", str(tmp_path / "no-model")) if a == "M" else a for a in args(tmp_path, readonly)]
    args = [str(small) if a == "C" else a for a in args]
    assert run_cli(args) == 2
    _one_line_error(capsys, start.format(t=tmp_path, ro=readonly))
    assert (tmp_path / "f").read_text() == "keep"
    assert (tmp_path / "tut" / "model" / "vectors.npy").read_bytes() == b"mine"


# ---------------------------------------------------------------- 4. corrupt compressed input
def _bz2_streams(texts):
    import bz2

    return [bz2.compress(t.encode()) for t in texts]


def _text(i):
    return "\n".join(" ".join(f"p{i}w{j % 40}" for j in range(k, k + 12)) for k in range(300)) + "\n"


def _archive(tmp_path, kind) -> Path:
    import gzip

    if kind == "bz2 second stream header flipped":
        parts = _bz2_streams([_text(i) for i in range(3)])
        second = bytearray(parts[1])
        second[1] ^= 0x01  # "BZh" -> "B[h"
        data, name = parts[0] + bytes(second) + parts[2], "c.txt.bz2"
    elif kind == "bz2 trailing garbage":
        data, name = b"".join(_bz2_streams([_text(0), _text(1)])) + b"not bzip2 at all", "c.txt.bz2"
    elif kind == "bz2 truncated second stream":
        parts = _bz2_streams([_text(0), _text(1)])
        data, name = parts[0] + parts[1][: len(parts[1]) // 2], "c.txt.bz2"
    elif kind == "gz trailing garbage":
        data, name = gzip.compress(_text(0).encode()) + b"not gzip at all", "c.txt.gz"
    elif kind == "gz corrupt data in the second member":
        second = bytearray(gzip.compress(_text(1).encode()))
        for k in range(20, len(second) - 8, 7):
            second[k] ^= 0xFF
        data, name = gzip.compress(_text(0).encode()) + bytes(second), "c.txt.gz"
    path = tmp_path / name
    path.write_bytes(data)
    return path


ARCHIVES = ["bz2 second stream header flipped", "bz2 trailing garbage", "bz2 truncated second stream",
            "gz trailing garbage", "gz corrupt data in the second member"]


@pytest.mark.parametrize("kind", ARCHIVES)
def test_corrupt_archives_are_errors_naming_the_file_in_every_reader(tmp_path, capsys, kind):
    from wordvec.errors import CorpusError
    from wordvec.text.documents import DocumentCorpus
    from wordvec.tutorial.recipe import read_lines

    path = _archive(tmp_path, kind)
    assert run_cli(["train", str(path), "-o", str(tmp_path / "m"), "--min-count", "1", "-q"]) == 2
    _one_line_error(capsys, f"{path}: read failed (")
    assert not (tmp_path / "m").exists()
    with pytest.raises(CorpusError, match=f"^{path}: read failed"):
        list(DocumentCorpus(str(path)).token_blocks())
    with pytest.raises(CorpusError, match=f"^{path}: read failed"):
        read_lines(path)


def test_every_bz2_stream_and_gz_member_is_read(tmp_path):
    import gzip

    from wordvec.text.corpus import open_binary

    texts = [_text(i) for i in range(3)]
    (tmp_path / "a.bz2").write_bytes(b"".join(_bz2_streams(texts)))
    (tmp_path / "a.gz").write_bytes(b"".join(gzip.compress(t.encode()) for t in texts))
    for name in ("a.bz2", "a.gz"):
        with open_binary(tmp_path / name) as f:
            assert f.read() == "".join(texts).encode()


def test_corrupt_gz_c_format_model_is_a_model_format_error(tmp_path):
    import gzip

    from wordvec import WordVectors
    from wordvec.errors import ModelFormatError

    body = ("3000 2\n" + "".join(f"w{i} 0.{i} 0.5\n" for i in range(3000))).encode()
    corrupt = bytearray(gzip.compress(body))
    for k in range(30, len(corrupt) - 8, 5):
        corrupt[k] ^= 0xFF  # zlib.error, which is no OSError
    for name, data in {"garbage.txt.gz": gzip.compress(body) + b"junk", "corrupt.txt.gz": bytes(corrupt)}.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ModelFormatError, match=f"^{tmp_path / name}: unreadable"):
            WordVectors.load_word2vec_format(tmp_path / name)


# ---------------------------------------------------------------- 5. model readers block or blow up
@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "good"
    model = Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1, hs=True)
    model.fit([["alpha", "beta", "gamma", "delta"], ["alpha", "beta", "gamma"], ["alpha", "beta"], ["alpha"]])
    model.save(path)
    return path


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def _load_all(path):
    """Every loader of a model folder, and each must finish (a FIFO would hang forever)."""
    from wordvec import WordVectors
    from wordvec.errors import ModelFormatError

    for load in (lambda: Word2Vec.load(path), lambda: Word2Vec.load(path, mmap=True), lambda: WordVectors.load(path)):
        with pytest.raises(ModelFormatError) as e:
            load()
        yield str(e.value)


@pytest.mark.parametrize("name", ["vocab.tsv", "vectors.npy", "syn1.npy", "config.json"])
def test_a_fifo_in_a_model_folder_is_refused_not_waited_on(model_dir, tmp_path, capsys, name):
    import os

    path = _copy(model_dir, tmp_path / "m")
    (path / name).unlink()
    os.mkfifo(path / name)
    for message in _load_all(path):
        assert message == f"{path / name}: not a regular file"
    assert run_cli(["similar", str(path), "alpha"]) == 2
    _one_line_error(capsys, f"{path / name}: not a regular file")


def test_a_fifo_given_as_a_c_format_model_is_refused(tmp_path, capsys):
    import os

    from wordvec import WordVectors
    from wordvec.errors import ModelFormatError

    fifo = tmp_path / "vectors.bin"
    os.mkfifo(fifo)
    for binary in (None, True, False):
        with pytest.raises(ModelFormatError, match=f"^{fifo}: not a regular file$"):
            WordVectors.load_word2vec_format(fifo, binary=binary)
    assert run_cli(["similar", str(fifo), "alpha"]) == 2
    _one_line_error(capsys, f"{fifo}: not a regular file")


def test_a_5000_digit_integer_in_config_json(model_dir, tmp_path, capsys):
    path = _copy(model_dir, tmp_path / "m")
    text = (path / "config.json").read_text()
    (path / "config.json").write_text(text.replace('"vocab_size": 4', '"vocab_size": ' + "9" * 5000))
    for message in _load_all(path):
        assert message.startswith(f"{path / 'config.json'}: not valid JSON (")
    assert run_cli(["similar", str(path), "alpha"]) == 2
    _one_line_error(capsys, f"{path / 'config.json'}: not valid JSON (")


def test_vectors_wider_than_training_allows_are_refused_before_allocating(model_dir, tmp_path, monkeypatch):
    import json

    path = _copy(model_dir, tmp_path / "m")
    cfg = json.loads((path / "config.json").read_text())
    cfg.update(vector_size=120_000, arrays=["vectors"])
    (path / "config.json").write_text(json.dumps(cfg))
    np.save(path / "vectors.npy", np.zeros((4, 120_000), np.float32))

    real_load = np.load

    def no_load(file, *args, **kwargs):
        if Path(file).name == "vectors.npy":
            raise AssertionError("allocated before checking the dimensions")
        return real_load(file, *args, **kwargs)

    monkeypatch.setattr(np, "load", no_load)
    for message in _load_all(path):
        assert message == f"{path / 'config.json'}: vector_size=120000 is more than 100,000 dimensions (the most wordvec trains)"


def test_a_header_not_matching_the_config_is_refused_before_np_load(model_dir, tmp_path, monkeypatch):
    path = _copy(model_dir, tmp_path / "m")
    np.save(path / "vectors.npy", np.zeros((1, 16), np.float32))

    real_load = np.load

    def no_load(file, *args, **kwargs):
        if Path(file).name == "vectors.npy":
            raise AssertionError("allocated before checking the shape")
        return real_load(file, *args, **kwargs)

    monkeypatch.setattr(np, "load", no_load)
    for message in _load_all(path):
        assert message == f"{path / 'vectors.npy'}: shape (1, 16) does not match the model (4 x 4)"


@pytest.mark.parametrize("command, advice", [
    (["similar", "{m}", "alpha"], "the model does not fit in this machine's memory"),
    (["export", "{m}", "--format", "word2vec-text", "-o", "{t}/v.txt"], "the model does not fit in this machine's memory"),
    (["train", "{c}", "-o", "{t}/out", "-q"], "--max-vocab-size"),
], ids=["similar", "export", "train"])
def test_out_of_memory_advice_fits_the_command(model_dir, small, tmp_path, capsys, monkeypatch, command, advice):
    import wordvec.formats.native as native

    def oom(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(native, "load_model_dir", oom)
    monkeypatch.setattr(Word2Vec, "build_vocab", oom)
    args = [a.format(m=model_dir, t=tmp_path, c=small) for a in command]
    assert run_cli(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("wordvec: error: out of memory (") and advice in err and err.count("\n") == 1, err
    if command[0] != "train":
        assert "--max-vocab-size" not in err


# ---------------------------------------------------------------- 6. issue item 7
def test_a_utf8_bom_is_not_part_of_the_first_word(tmp_path):
    import gzip

    from wordvec.text.documents import DocumentCorpus

    text = "alpha beta gamma\n" * 20
    for name, data in {"bom.txt": b"\xef\xbb\xbf" + text.encode(),
                       "bom.txt.gz": gzip.compress(b"\xef\xbb\xbf" + text.encode())}.items():
        (tmp_path / name).write_bytes(data)
        model = Word2Vec(vector_size=4, min_count=1, epochs=1, workers=1).fit(str(tmp_path / name))
        assert sorted(model.wv.index_to_key) == ["alpha", "beta", "gamma"]
        tokens = {t for block in DocumentCorpus(str(tmp_path / name)).token_blocks() for t in block}
        assert b"\xef\xbb\xbfalpha" not in tokens and b"alpha" in tokens


def test_evaluate_json_prints_null_not_nan(model_dir, tmp_path, capsys):
    import json

    pairs = tmp_path / "pairs.txt"
    pairs.write_text("alpha\tbeta\t5.0\nnone\there\t3.0\n")  # one pair: no correlation (NaN)
    code = run_cli(["evaluate", str(model_dir), "--similarity", str(pairs), "--json"])
    out = capsys.readouterr().out
    assert code == 0 and "NaN" not in out
    result = json.loads(out)["similarity"]["pairs.txt"]
    assert result["spearman"] is None and result["pearson"] is None


# ---------------------------------------------------------------- 8. signals and leftovers
# The child counts the corpus, then, with the scratch folder made and the ids written,
# reports "encoding" (a file) and waits there: the test signals it at that event.
WAIT_IN_ENCODING = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import wordvec.models.base as base
    def waiting(*args, **kwargs):
        Path(sys.argv[1]).touch()
        while True:
            time.sleep(0.05)
    base.encode_id_stream = waiting
    from wordvec.cli import main
    main(sys.argv[2:])
    """
)


def _scratch_folders(tmpdir: Path) -> list:
    return sorted(p.name for p in tmpdir.iterdir() if p.name.startswith("wordvec-"))


def _start_waiting_in_encoding(small, tmp_path):
    tmpdir, ready = tmp_path / "tmp", tmp_path / "encoding"
    tmpdir.mkdir()
    env = dict(os.environ, TMPDIR=str(tmpdir))
    proc = subprocess.Popen([sys.executable, "-c", WAIT_IN_ENCODING, str(ready), "train", str(small), "-o",
                             str(tmp_path / "m"), "--min-count", "1", "-q"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the child never reached encoding"
        time.sleep(0.02)
    assert len(_scratch_folders(tmpdir)) == 1
    return proc, tmpdir


def test_sigterm_before_training_is_ctrl_c_and_removes_the_scratch_folder(small, tmp_path):
    proc, tmpdir = _start_waiting_in_encoding(small, tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.decode() == "wordvec: interrupted\n"
    assert _scratch_folders(tmpdir) == []
    assert not (tmp_path / "m").exists()


def test_scratch_folders_of_killed_processes_are_removed(small, tmp_path, monkeypatch):
    proc, tmpdir = _start_waiting_in_encoding(small, tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    (dead,) = _scratch_folders(tmpdir)
    assert dead.startswith(f"wordvec-{proc.pid}-")
    # A live process's scratch folder (its lock held) and unrelated folders are kept.
    live = tmpdir / f"wordvec-{proc.pid}-keepmeok"
    live.mkdir()
    fd = os.open(live / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    (tmpdir / "wordvec-notours").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    try:
        model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1).build_vocab(str(small))
        mine = [n for n in _scratch_folders(tmpdir) if n.startswith(f"wordvec-{os.getpid()}-")]
        assert sorted([mine[0], live.name, "wordvec-notours"]) == _scratch_folders(tmpdir)
        del model
        gc.collect()
        assert sorted([live.name, "wordvec-notours"]) == _scratch_folders(tmpdir)
    finally:
        os.close(fd)


def test_a_failed_build_vocab_leaves_no_scratch_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    model = Word2Vec(vector_size=8, min_count=5, epochs=1, workers=1)
    with pytest.raises(WordvecError, match="min_count"):
        model.build_vocab([["a", "b"]])
    assert _scratch_folders(tmp_path) == []


@pytest.mark.parametrize("existing", [True, False], ids=["over a model", "new folder"])
def test_ctrl_c_during_the_final_save_says_the_save_was_abandoned(small, tmp_path, capsys, monkeypatch, existing):
    out = tmp_path / "m"
    args = ["train", str(small), "-o", str(out), "--dim", "8", "--epochs", "1", "--min-count", "1", "-q",
            "--workers", "1"]
    if existing:
        assert run_cli(args) == 0
    before = _tree(out) if existing else None
    import wordvec.formats.native as native

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(native, "write_npy", interrupted)
    assert run_cli(args) == 130
    err = capsys.readouterr().err
    if existing:
        assert err == (f"wordvec: interrupted while saving {out}: the save was abandoned; {out} still holds "
                       f"the previous model, unchanged\n")
        assert _tree(out) == before
    else:
        assert err == f"wordvec: interrupted while saving {out}: the save was abandoned; nothing was written there\n"
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_ctrl_c_while_saving_a_file_says_it_is_unchanged(tmp_path):
    from wordvec.atomic import atomic_file
    from wordvec.errors import SaveInterrupted

    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(SaveInterrupted, match=rf"{path} still holds the previous file, unchanged"):
        with atomic_file(path, "w") as f:
            f.write("new")
            raise KeyboardInterrupt
    assert path.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["f.txt"]


# ---------------------------------------------------------------- 9. honest messages and results
FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from wordvec import Word2Vec
    from wordvec.errors import WordvecError
    corpus, out = sys.argv[1], sys.argv[2]
    Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1).fit(corpus).save(out)
    big = Word2Vec(vector_size=400, min_count=1, epochs=1, workers=1).fit(corpus)
    # Files may grow to 50 kB: a real short write (EFBIG), as on a disk that fills up.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    try:
        big.save(out)
    except WordvecError as e:
        print(e)
    """
)


def test_a_full_disk_during_a_save_says_so(small, tmp_path):
    out = tmp_path / "m"
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(small), str(out)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}: no space left on device; the previous file is unchanged\n"
    assert Word2Vec.load(out).vector_size == 8
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_numpys_short_write_is_a_full_disk():
    from wordvec.atomic import describe_os_error

    assert describe_os_error("F", OSError("8192 requested and 4096 written")) == (
        "F: no space left on device; the previous file is unchanged")


def test_resume_after_lines_were_swapped_is_refused_unless_forced(tmp_path, capsys):
    from wordvec.train.checkpoint import resume, save_checkpoint

    corpus = _corpus(tmp_path / "c.txt")
    model = Word2Vec(vector_size=8, min_count=1, epochs=2, workers=1).build_vocab(str(corpus))
    save_checkpoint(model, tmp_path / "m")
    lines = corpus.read_text().splitlines()
    lines[-1], lines[-3] = lines[-3], lines[-1]  # two late lines swapped: same words, counts and tokens
    corpus.write_text("\n".join(lines) + "\n")
    with pytest.raises(CorpusError, match=r"c.txt: not the corpus checkpointed in .*m: the same words and counts, "
                                          r"but not in the same order \(lines changed or moved\)"):
        resume(tmp_path / "m")
    assert run_cli(["train", "--resume", str(tmp_path / "m"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wordvec: error: ") and err.count("\n") == 1 and "--force" in err
    assert resume(tmp_path / "m", force=True).encoded_.n_tokens == model.encoded_.n_tokens
    assert run_cli(["train", "--resume", str(tmp_path / "m"), "-q", "--force"]) == 0


def test_force_goes_with_resume(small, tmp_path, capsys):
    assert run_cli(["train", str(small), "-o", str(tmp_path / "m"), "--force"]) == 2
    assert capsys.readouterr().err == "wordvec: error: --force goes with --resume MODEL_DIR\n"


@pytest.mark.parametrize("kind", ["plain", "gz", "documents"])
def test_a_corpus_truncated_while_read_is_an_error(tmp_path, kind):
    import gzip

    from wordvec.text.corpus import ReadStats, iter_blocks, open_binary

    text = _corpus(tmp_path / "c.txt", sentences=4000).read_bytes()
    path = tmp_path / ("c.txt.gz" if kind == "gz" else "c.txt")
    if kind == "gz":
        path.write_bytes(gzip.compress(text))
    size = path.stat().st_size
    with pytest.raises(CorpusError, match=rf"{path}: changed while it was read \(its size went from {size:,} to "
                                          rf"{int(size * 0.6):,} bytes\)"):
        if kind == "documents":
            with open_binary(path) as f:
                f.read(1024)
                os.truncate(path, int(size * 0.6))
                while f.read(1 << 16):
                    pass
        else:
            for i, _ in enumerate(iter_blocks(path, ReadStats(), block_bytes=1024)):
                if i == 0:  # a real truncation, after the first block was read
                    os.truncate(path, int(size * 0.6))


def test_a_corpus_file_that_changes_after_reading_trains(small):
    assert Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1).fit(str(small)).wv is not None


@pytest.mark.parametrize("codec, name", [("utf-32", "UTF-32"), ("utf-32-be", "UTF-32"), ("utf-16", "UTF-16"),
                                          ("utf-16-be", "UTF-16")], ids=["UTF-32LE", "UTF-32BE", "UTF-16LE", "UTF-16BE"])
def test_wide_encodings_are_named_right(tmp_path, codec, name):
    path = tmp_path / "c.txt"
    text = "the quick brown fox jumps\n" * 50
    path.write_bytes(("\ufeff" + text if codec.endswith("-be") else text).encode(codec))
    with pytest.raises(CorpusError, match=rf"^{path}: is {name} text; convert it to UTF-8 \(iconv -f {name} -t UTF-8\)$"):
        Word2Vec(min_count=1).build_vocab(str(path))


def test_an_analogy_file_with_no_usable_question_is_an_error(model_dir, tmp_path, capsys):
    path = tmp_path / "q.txt"
    path.write_text(": capitals\nzzz yyy xxx www\nqqq rrr sss ttt\n")
    assert run_cli(["evaluate", str(model_dir), "--analogies", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"wordvec: error: {path}: no question to ask: 2 valid question(s), every one with a word not "
                   f"among the first 30,000 words of the vocabulary\n"), err
    path.write_text(": capitals\n")
    assert run_cli(["evaluate", str(model_dir), "--analogies", str(path)]) == 2
    assert capsys.readouterr().err == f"wordvec: error: {path}: no 'a b c d' question lines found\n"


def test_resume_with_workers_0_blames_the_flag(tmp_path, capsys):
    from wordvec.train.checkpoint import resume, save_checkpoint

    corpus = _corpus(tmp_path / "c.txt")
    save_checkpoint(Word2Vec(vector_size=8, min_count=1, epochs=2).build_vocab(str(corpus)), tmp_path / "m")
    assert run_cli(["train", "--resume", str(tmp_path / "m"), "--workers", "0"]) == 2
    assert capsys.readouterr().err == "wordvec: error: --workers=0 is invalid: must be an integer in [1, 1024]\n"
    with pytest.raises(ParameterError, match=r"^workers=0 is invalid"):
        resume(tmp_path / "m", workers=0)


@pytest.mark.parametrize("corpus, message", [
    ([["a", "b"], ["c", 3]], "corpus: sentence 1: token 1 is int 3, not str"),
    ([["a", ["b", "c"]]], "corpus: sentence 0: token 1 is list ['b', 'c'], not str"),
    ([["a"], 7], "corpus: sentence 1 is int 7; sentences must be lists of str or str"),
], ids=["integers", "nested lists", "a number for a sentence"])
@pytest.mark.parametrize("model", ["word2vec", "word2vec kmer", "doc2vec"])
def test_a_corpus_of_non_strings_is_a_corpus_error(corpus, message, model):
    from wordvec import Doc2Vec

    if model == "doc2vec":
        message = message.replace("sentence", "document")
        if "is int 7" in message:
            message = "corpus: document 1: words must be a list of str (or one str), found int"
        m = Doc2Vec(vector_size=8, min_count=1)
    else:
        m = Word2Vec(vector_size=8, min_count=1, tokenizer="kmer:2" if "kmer" in model else None)
    with pytest.raises(CorpusError) as e:
        m.build_vocab(corpus)
    assert str(e.value).startswith(message), str(e.value)


def test_symlinked_sub_folders_are_read_and_loops_warned(tmp_path):
    from wordvec.text.corpus import find_files

    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "b.txt").write_text("beta gamma\n")
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("alpha beta\n")
    (corpus / "sub" / "c.txt").write_text("delta\n")
    (corpus / "linked").symlink_to(real)
    (corpus / "sub" / "loop").symlink_to(corpus)  # back to the top: must not be read again
    with pytest.warns(UserWarning, match=r"corpus/sub/loop: links to a folder already read; skipped"):
        files = find_files(corpus)
    assert [f.relative_to(corpus).as_posix() for f in files] == ["a.txt", "linked/b.txt", "sub/c.txt"]
    with pytest.warns(UserWarning):
        model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1).fit(str(corpus))
    assert "gamma" in model.wv.key_to_index


def test_two_trainings_into_one_folder_the_second_is_refused(small, tmp_path, capsys):
    proc, _ = _start_waiting_in_encoding(small, tmp_path)  # trains into tmp_path / "m", holding its lock
    out = tmp_path / "m"
    args = ["train", str(small), "-o", str(out), "--dim", "8", "--epochs", "1", "--min-count", "1", "-q"]
    try:
        assert run_cli(args) == 2
        assert capsys.readouterr().err == (
            f"wordvec: error: {out}: another wordvec process (pid {proc.pid}) is writing this model; wait for it "
            f"to finish or choose another output folder\n")
        assert not out.exists()
    finally:
        proc.kill()  # SIGKILL: the kernel drops its lock; the file left behind blocks nobody
        proc.communicate(timeout=60)
    assert run_cli(args) == 0 and Word2Vec.load(out).vector_size == 8
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ---------------------------------------------------------------- 10. optional extras never break a default command
# Every command's default path, in one fresh interpreter where the optional packages are
# missing: the finders on sys.meta_path find none of them (as on an install without the
# extras, find_spec says None and import raises ModuleNotFoundError).
WITHOUT_EXTRAS = textwrap.dedent(
    """
    import contextlib, io, json, os, sys
    BLOCKED = {"tensorboard", "matplotlib", "sklearn", "torch", "umap", "hdbscan", "gensim", "plotly"}

    class Missing:
        def __init__(self, inner):
            self.inner = inner
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                return None
            find = getattr(self.inner, "find_spec", None)
            return find(name, path, target) if find else None
        def __getattr__(self, attr):
            return getattr(self.inner, attr)

    sys.meta_path[:] = [Missing(f) for f in sys.meta_path]
    from wordvec.cli.main import cli
    results = []
    for args in json.loads(sys.argv[1]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                cli.main(args=args, prog_name="wordvec", standalone_mode=False)
                code = 0
            except SystemExit as e:
                code = e.code
            except BaseException as e:
                code = f"{type(e).__name__}: {e}"
        results.append([args[0], code, err.getvalue()])
    imported = sorted({m.partition(".")[0] for m in sys.modules} & BLOCKED)
    print(json.dumps({"results": results, "imported": imported}))
    """
)
NO_LOGS = ("wordvec: warning: no TensorBoard logs: the tensorboard package is not installed "
           "(pip install 'wordvec[viz]'); {} goes on without them\n")


def test_every_default_command_works_without_the_optional_packages(tmp_path):
    import json

    corpus = _corpus(tmp_path / "c.txt", sentences=600, vocab=40)
    docs = tmp_path / "d.txt"
    docs.write_text("".join(f"doc{i}\t{line}\n" for i, line in enumerate(corpus.read_text().splitlines())))
    (tmp_path / "q.txt").write_text(": s\nw1 w2 w3 w4\n")
    (tmp_path / "p.txt").write_text("w1\tw2\t3\nw3\tw4\t1\nw5\tw6\t2\n")
    t = str(tmp_path)
    small = ["--min-count", "1", "--dim", "8", "--epochs", "1", "-q"]
    commands = [
        ["train", f"{t}/c.txt", "-o", f"{t}/m", *small],
        ["train", f"{t}/d.txt", "-o", f"{t}/d", "--model", "doc2vec", *small],
        ["similar", f"{t}/m", "w1"], ["analogy", f"{t}/m", "w1", "w2", "w3"], ["odd", f"{t}/m", "w1", "w2", "w3"],
        ["predict", f"{t}/m", "w1 w2"], ["evaluate", f"{t}/m", "--analogies", f"{t}/q.txt"],
        ["evaluate", f"{t}/m", "--similarity", f"{t}/p.txt"], ["export", f"{t}/m", "-o", f"{t}/m.txt", "--format", "word2vec-bin"],
        ["infer", f"{t}/d", "w1 w2 w3"], ["phrases", f"{t}/c.txt", "-o", f"{t}/ph.tsv"],
        ["align", f"{t}/m", f"{t}/m", "-o", f"{t}/al"], ["translate", f"{t}/al", "w1"],
        ["tutorial", f"{t}/c.txt", "-o", f"{t}/tut", "--epochs", "1", "--vocab-size", "50", "--batch-size", "16"],
        ["demo", "-o", f"{t}/demo-model", "--epochs", "1", "-q"],
        ["download"],
        ["plot", f"{t}/m", "-o", f"{t}/m.png"],
    ]
    done = subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS, json.dumps(commands)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["imported"] == []
    expected_err = {"tutorial": NO_LOGS.format("the tutorial"), "demo": NO_LOGS.format("training"),
                    "plot": f"wordvec: error: {t}/m.png: a picture needs matplotlib: pip install 'wordvec[viz]' "
                            f"(or draw --html only)\n"}
    for name, code, err in report["results"]:
        assert (name, code) == (name, 2 if name == "plot" else 0), (name, code, err)
        assert err == expected_err.get(name, ""), (name, err)
    assert (tmp_path / "tut" / "model" / "config.json").exists() and not (tmp_path / "tut" / "logs").exists()
    assert (tmp_path / "demo-model" / "config.json").exists()
