"""Where wordvec keeps what it makes or fetches once: the demo corpus, downloads, benchmark data."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("WORDVEC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "wordvec"
    )
    return Path(base)
