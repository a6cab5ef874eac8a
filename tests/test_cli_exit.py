"""The console script (``wordvec.cli.run``) exits without tearing the interpreter down:
the exit status, the output, the files and the exit handlers must be as after a normal
exit; a command that leaves a thread working exits the usual way."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np


def run_script(code: str, *args, **kw):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)], capture_output=True,
                          text=True, timeout=300, **kw)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "wordvec.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_exit_status_and_output_are_those_of_the_command(tmp_path):
    done = cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("wordvec, version")
    done = cli("tutorial", tmp_path / "missing.txt", "-o", tmp_path / "out")
    assert done.returncode == 2 and done.stderr.strip() == f"wordvec: error: {tmp_path / 'missing.txt'}: no such file"
    done = cli("no-such-command")
    assert done.returncode == 2 and "No such command" in done.stderr


def test_files_written_by_a_command_are_complete(tmp_path):
    rng = np.random.default_rng(0)
    words = ["king", "queen", "crown", "ship", "sea", "sail"]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(rng.choice(words, 8)) for _ in range(400)) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = cli("tutorial", corpus, "-o", out, "--vocab-size", 10, "--epochs", 3, "--batch-size", 128, "--dim", 8,
               "--sampling-factor", 0, "--no-logs")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) >= 4  # one line per epoch, then the summary
    vectors = np.loadtxt(out / "vectors.tsv", delimiter="\t", ndmin=2)
    assert vectors.shape == (7, 8)  # 6 words + '[UNK]'
    assert len((out / "metadata.tsv").read_text(encoding="utf-8").splitlines()) == 7


def test_exit_handlers_run_and_buffered_output_is_flushed():
    done = run_script("""
        import atexit, sys
        atexit.register(lambda: print("handler ran"))
        sys.stdout.write("buffered, no newline")
        sys.argv = ["wordvec", "--version"]
        from wordvec.cli import run
        run()
    """)
    assert done.returncode == 0
    assert done.stdout.startswith("buffered, no newline") and done.stdout.rstrip().endswith("handler ran")


def test_a_thread_still_working_is_waited_for(tmp_path):
    marker = tmp_path / "written"
    done = run_script("""
        import sys, threading, time
        from pathlib import Path
        marker = Path(sys.argv[1])
        def late():
            time.sleep(0.3)
            marker.write_text("done")
        threading.Thread(target=late).start()
        sys.argv = ["wordvec", "--version"]
        from wordvec.cli import run
        run()
    """, marker)
    assert done.returncode == 0 and marker.read_text() == "done"
