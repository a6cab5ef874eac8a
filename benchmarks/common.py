"""Shared by the benchmarks: where the data is, the normalised Wikipedia corpus, evaluation."""
from __future__ import annotations

import gzip
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("WORDVEC_DATA", REPO.parent / "shared" / "data"))
WIKI = DATA / "enwiki-wikiextractor-AA"
QUESTIONS = DATA / "questions-words.txt"
WORDSIM = DATA / "EN-WS-353-ALL.txt"


def cache_dir() -> Path:
    try:
        from wordvec.data.cache import cache_dir as wordvec_cache
    except ImportError:  # an older wordvec as the baseline
        from wordvec.demo import cache_dir as wordvec_cache

    path = wordvec_cache() / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def require_data() -> None:
    if not WIKI.is_dir():
        sys.exit(f"benchmark: {WIKI} not found (the shared data folder must sit beside the repo)")


def text8_like(max_files: int | None = None, line_tokens: int = 1000) -> Path:
    """Normalise the Wikipedia dump once to text8-like tokens: lowercase, digits spelled
    out, only a-z, <doc> tags dropped, lines of at most ``line_tokens`` tokens. Cached."""
    try:
        from wordvec.text.corpus import Standardizer
    except ImportError:  # an older wordvec as the baseline
        from wordvec.corpus import Standardizer

    require_data()
    files = sorted(WIKI.glob("wiki_*.gz"))[:max_files]
    out = cache_dir() / f"enwiki-text8-{len(files)}files.txt"
    if out.exists():
        return out
    std = Standardizer("text8")
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="ascii") as dst:
        for f in files:
            with gzip.open(f, "rb") as src:
                for raw in src:
                    if raw.startswith(b"<doc ") or raw.startswith(b"</doc>"):
                        continue
                    tokens = std(raw).split()
                    for i in range(0, len(tokens), line_tokens):
                        dst.write(b" ".join(tokens[i : i + line_tokens]).decode("ascii") + "\n")
    os.replace(tmp, out)
    return out


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec, unlike
    ru_maxrss, which a child inherits from the parent that forked it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def count_tokens(path: Path) -> int:
    """Whitespace-separated tokens, read in 1 MiB blocks (a token cut by a block
    boundary is counted once)."""
    n = 0
    carry = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                return n + len(carry.split())
            block = carry + block
            cut = max(block.rfind(b" "), block.rfind(b"\n"))
            if cut < 0:
                carry = block
                continue
            n += len(block[:cut].split())
            carry = block[cut:]


def measured(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB (``wait4``: the child's own, in KiB on Linux) and
    stdout of one fresh process. Linux starts an exec'd child's peak at its parent's
    resident size, so the parent must stay small. stderr goes to a file (a chatty child
    cannot block on a full pipe)."""
    import tempfile

    t = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            sys.exit(f"benchmark: {' '.join(map(str, cmd[:4]))} failed:\n{err.read().decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out.decode()
