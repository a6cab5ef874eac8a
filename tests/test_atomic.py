"""Atomic saves: a save that fails or is killed at any point leaves the previous file or
model folder intact and loadable; the next save cleans up what the dead one left."""
from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from wordvec import atomic
from wordvec.atomic import atomic_directory, atomic_file
from wordvec.errors import WordvecError
from wordvec.formats import native
from wordvec.formats.native import load_model_dir, save_model_dir


def _save(path, tag: str, rows: int, value: float, dim: int = 16) -> None:
    words = [f"{tag}{i}" for i in range(rows)]
    save_model_dir(path, {"vector_size": dim, "tag": tag}, words, np.arange(rows, 0, -1),
                   {"vectors": np.full((rows, dim), value, np.float32),
                    "syn1neg": np.full((rows, dim), -value, np.float32)})


# A and B differ in every file, so a mix of the two cannot pass for either.
A = ("A", 300, 1.0)
B = ("B", 700, 2.0)


def _which(path) -> str:
    """Load the folder and say which complete save it is; fail on anything else."""
    cfg, words, counts, arrays = load_model_dir(path)
    for tag, rows, value in (A, B):
        if cfg["tag"] == tag:
            assert words == [f"{tag}{i}" for i in range(rows)]
            assert (arrays["vectors"] == value).all() and (arrays["syn1neg"] == -value).all()
            return tag
    raise AssertionError(f"unexpected model {cfg['tag']!r}")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ----------------------------------------------------------------------------- files
def test_atomic_file_replaces_whole_and_keeps_usual_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with atomic_file(target, "w") as f:
        f.write("new\n")
    assert target.read_text() == "new\n"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert _leftovers(tmp_path) == []


def test_atomic_file_failure_keeps_previous(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_file(target, "w") as f:
            f.write("half of the new")
            raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_atomic_file_disk_full_is_one_clear_error(tmp_path):
    target = tmp_path / "vectors.txt"
    target.write_text("old\n")
    with pytest.raises(WordvecError, match=r"vectors\.txt: no space left on device; the previous file is unchanged"):
        with atomic_file(target, "w") as f:
            f.write("partial")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_atomic_file_onto_a_folder_is_refused(tmp_path):
    with pytest.raises(WordvecError, match="is a folder"):
        with atomic_file(tmp_path, "w") as f:
            f.write("x")


def test_atomic_file_through_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with atomic_file(link, "w") as f:
        f.write("new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


# ----------------------------------------------------------------------------- folders
def test_model_folder_replaced_as_a_whole(tmp_path):
    path = tmp_path / "model"
    _save(path, *A)
    assert _which(path) == "A"
    _save(path, *B)
    assert _which(path) == "B"
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "syn1neg.npy", "vectors.npy", "vocab.tsv"]
    assert _leftovers(tmp_path) == []


def test_model_folder_without_atomic_exchange(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    path = tmp_path / "model"
    _save(path, *A)
    _save(path, *B)
    assert _which(path) == "B"
    assert _leftovers(tmp_path) == []


def test_fallback_rename_failure_restores_previous(tmp_path, monkeypatch):
    path = tmp_path / "model"
    _save(path, *A)
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # moving the new folder in
            raise OSError(errno.EIO, "Input/output error")
        return real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename)
    with pytest.raises(WordvecError, match="write failed"):
        _save(path, *B)
    monkeypatch.setattr(atomic.os, "rename", real_rename)
    assert _which(path) == "A"
    assert _leftovers(tmp_path) == []


def test_disk_full_during_model_save_keeps_previous(tmp_path, monkeypatch):
    path = tmp_path / "model"
    _save(path, *A)
    real_save = native.write_npy

    def full_disk(file, arr, *args, **kwargs):
        with open(file, "wb") as f:
            f.write(b"\x93NUMPY partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(native, "write_npy", full_disk)
    with pytest.raises(WordvecError) as err:
        _save(path, *B)
    monkeypatch.setattr(native, "write_npy", real_save)
    assert str(err.value) == f"{path}: no space left on device; the previous file is unchanged"
    assert _which(path) == "A"
    assert _leftovers(tmp_path) == []


def test_model_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "model").write_text("not a folder")
    with pytest.raises(WordvecError, match="exists and is not a folder"):
        _save(tmp_path / "model", *A)
    assert (tmp_path / "model").read_text() == "not a folder"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_dead_writers_are_removed_live_ones_kept(tmp_path):
    path = tmp_path / "model"
    _save(path, *A)
    dead = _dead_pid()
    (tmp_path / f".model.{dead}.abcd1234.tmp").mkdir()
    (tmp_path / f".model.{dead}.abcd1234.tmp" / "vectors.npy").write_bytes(b"half")
    (tmp_path / f".model.{os.getppid()}.abcd1234.tmp").mkdir()  # a live writer's
    (tmp_path / ".model.9.notours").mkdir()  # not our pattern
    _save(path, *B)
    assert _leftovers(tmp_path) == sorted([".model.9.notours", f".model.{os.getppid()}.abcd1234.tmp"])


def test_old_folder_of_a_dead_fallback_swap_is_recovered(tmp_path):
    path = tmp_path / "model"
    _save(path, *A)
    # Killed between the two renames of the fallback: only the moved-aside old folder remains.
    path.rename(tmp_path / f".model.{_dead_pid()}.abcd1234.old")
    atomic.remove_stale_temporaries(path)
    assert _which(path) == "A"


# ----------------------------------------------------------------------------- SIGKILL
KILL_POINTS = {
    "after the first array": ("np_save", 1),
    "after every array": ("np_save", 2),
    "before fsync": ("fsync_tree", 0),
    "before the swap": ("exchange_before", 0),
    "after the swap, before cleanup": ("exchange_after", 0),
    "fallback: between the two renames": ("rename", 1),
}


def _kill_self():
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_at_each_point_of_a_save_leaves_a_complete_model(tmp_path, point):
    path = tmp_path / "model"
    _save(path, *A)
    where, after = KILL_POINTS[point]
    pid = os.fork()
    if pid == 0:  # child: save B and die by SIGKILL at the chosen point
        try:
            counter = [0]
            if where == "np_save":
                real = native.write_npy

                def save(*a, **k):
                    real(*a, **k)
                    counter[0] += 1
                    if counter[0] == after:
                        _kill_self()

                native.write_npy = save
            elif where == "fsync_tree":
                atomic._fsync_tree = lambda root: _kill_self()
            elif where == "exchange_before":
                atomic._exchange = lambda a, b: _kill_self()
            elif where == "exchange_after":
                real_x = atomic._exchange
                atomic._exchange = lambda a, b: (real_x(a, b), _kill_self())
                atomic.shutil.rmtree = lambda *a, **k: _kill_self()
            elif where == "rename":
                atomic._exchange = lambda a, b: False
                real_r = os.rename

                def rename(src, dst):
                    real_r(src, dst)
                    if counter[0] == after - 1:
                        _kill_self()
                    counter[0] += 1

                atomic.os.rename = rename
            _save(path, *B)
        finally:
            os._exit(3)  # not reached when the kill happened
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    if where == "rename":
        # Without an atomic exchange there is a moment with no folder; the next save
        # (or remove_stale_temporaries) puts the old one back.
        atomic.remove_stale_temporaries(path)
    expected = "B" if where == "exchange_after" else "A"
    assert _which(path) == expected
    _save(path, *B)  # the next save succeeds and removes the dead one's leftovers
    assert _which(path) == "B"
    assert _leftovers(tmp_path) == []


def test_sigkill_at_random_times_while_saving_in_a_loop(tmp_path):
    path = tmp_path / "model"
    _save(path, *A)
    rng = random.Random(6)
    seen = []
    for _ in range(12):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: save A and B alternately until killed
            try:
                os.close(read)
                os.write(write, b"r")
                while True:
                    _save(path, *A)
                    _save(path, *B)
            finally:
                os._exit(3)
        os.close(write)
        assert os.read(read, 1) == b"r"
        os.close(read)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        seen.append(_which(path))  # always one complete save, never a mix
    assert set(seen) <= {"A", "B"}
    _save(path, *A)
    assert _leftovers(tmp_path) == []


def test_a_folder_that_is_not_a_model_is_never_replaced(tmp_path):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    with pytest.raises(WordvecError, match=r"Documents: is a folder that is not a wordvec model; refusing to replace it"):
        _save(folder, *A)
    assert (folder / "thesis.tex").read_text() == "years of work"
    # An empty folder, a model, or a model with extra files of its own kind are replaced.
    (tmp_path / "empty").mkdir()
    _save(tmp_path / "empty", *A)
    _save(tmp_path / "empty", *B)
    assert _which(tmp_path / "empty") == "B"
