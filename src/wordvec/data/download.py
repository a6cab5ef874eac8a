"""``wordvec download NAME``: standard corpora from their official addresses.

Each file is streamed to a temporary name with a progress bar, its size and SHA-256 are
checked, and only then is it renamed into the cache; a failed or offline download leaves
nothing behind and says why in one line.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_dir
from ..errors import WordvecError


@dataclass(frozen=True)
class Dataset:
    name: str
    url: str
    filename: str  # what the cache holds once ready
    sha256: str  # of ``filename`` (for zips: of the extracted member)
    size: int  # bytes of ``filename``
    description: str
    zip_member: str | None = None


DATASETS = {
    d.name: d
    for d in (
        Dataset(
            "text8",
            "http://mattmahoney.net/dc/text8.zip",
            "text8",
            "6e890197040d37d85beb962ae1f041ff1d9a9ca8d20c7d99c85027eebf51dca7",
            100_000_000,
            "first 10^8 bytes of English Wikipedia, cleaned to a-z and spaces (Mahoney), 17M words",
            zip_member="text8",
        ),
        Dataset(
            "shakespeare",
            "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt",
            "shakespeare.txt",
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            1_115_394,
            "tiny Shakespeare, the TensorFlow word2vec tutorial's corpus, 200k words",
        ),
    )
}


def corpora_dir() -> Path:
    return cache_dir() / "corpora"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fetch(url: str, dest: Path, progress: bool, timeout: float) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            bar = None
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=total, unit="B", unit_scale=True, desc=dest.name.split(".part")[0])
            try:
                for block in iter(lambda: resp.read(1 << 16), b""):
                    out.write(block)
                    if bar is not None:
                        bar.update(len(block))
            finally:
                if bar is not None:
                    bar.close()
    except urllib.error.HTTPError as e:
        raise WordvecError(f"download {url}: server answered {e.code} {e.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        reason = getattr(e, "reason", e)
        raise WordvecError(f"download {url}: cannot reach the server ({reason}); are you offline?") from None


def download(name: str, directory: Path | None = None, progress: bool = True, timeout: float = 30.0) -> Path:
    """Return the path of dataset ``name``, downloading and verifying it if needed."""
    if name not in DATASETS:
        raise WordvecError(f"download: unknown dataset {name!r}; available: {', '.join(sorted(DATASETS))}")
    ds = DATASETS[name]
    directory = Path(directory) if directory else corpora_dir()
    target = directory / ds.filename
    if target.exists() and target.stat().st_size == ds.size and sha256_of(target) == ds.sha256:
        return target
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WordvecError(f"{directory}: cannot create the cache folder ({e.strerror})") from None
    part = directory / (Path(ds.url).name + f".part{os.getpid()}")
    extracted = directory / (ds.filename + f".part{os.getpid()}x")
    try:
        _fetch(ds.url, part, progress, timeout)
        source = part
        if ds.zip_member:
            try:
                with zipfile.ZipFile(part) as z, z.open(ds.zip_member) as src, open(extracted, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (zipfile.BadZipFile, KeyError) as e:
                raise WordvecError(f"download {ds.url}: not the expected zip archive ({e})") from None
            source = extracted
        size, digest = source.stat().st_size, sha256_of(source)
        if size != ds.size or digest != ds.sha256:
            raise WordvecError(
                f"download {ds.url}: checksum mismatch (got {size} bytes, sha256 {digest[:12]}..., "
                f"expected {ds.size} bytes, {ds.sha256[:12]}...); nothing was kept"
            )
        os.replace(source, target)
    finally:
        for p in (part, extracted):
            if p.exists():
                p.unlink()
    return target
