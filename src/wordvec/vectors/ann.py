"""An approximate nearest-neighbour index for large vocabularies, behind ``most_similar``.

Exact search reads every unit vector for every query: 1M x 100 floats is 400 MB of memory
traffic, tens of milliseconds a query on this machine. The index is faiss's inverted file
(``IndexIVFFlat``, inner product on unit vectors): spherical k-means splits the rows into
``nlist`` cells, and a query scans only the ``nprobe`` cells nearest to it, with full
float32 vectors, so every similarity it returns is the exact one (8-bit codes were tried:
they were slower here, the decoding cost more than the memory traffic it saved).

``nprobe`` is not guessed: ``build`` measures recall@10 against exact search on sample
queries and keeps the smallest ``nprobe`` that reaches the target. The queries are drawn
from the ``query_rows`` most frequent words (100,000 by default): the words people look
up. The measured recall is saved with the index. Words seen once or twice barely move
from their start and crowd together, so their ten nearest are near-ties; recall on them is
lower (docs/performance.md has the figures), and ``approximate=False`` is exact for any query.

Saved as plain arrays (``.npy``) and a ``config.json``: the centroids and each row's cell;
never faiss's own serialisation, whose parser would allocate from a stranger's header.
Loading checks every shape and value, and a fingerprint of the vectors, before faiss sees
anything; the lists are refilled from the model's own vectors. faiss is the ``ann`` extra
(``pip install 'wordvec[ann]'``), imported only here.
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np

from ..errors import ModelFormatError, ParameterError, WordvecError
from ..params import check, check_int, check_number

MISSING_EXTRA = "the approximate index needs the 'ann' extra (faiss): pip install 'wordvec[ann]'"
FORMAT = "wordvec-ann"
VERSION = 1
METHOD = "ivf-flat"
QUERY_ROWS = 100_000  # calibration queries come from this many most frequent words
RECALL_AT = 10  # what ``recall`` means: recall@10 against exact search
_FINGERPRINT_ROWS = 4096  # rows hashed to tell whether the index belongs to these vectors
_TRAIN_PER_CELL = 40  # k-means training points per cell (faiss warns below 39)


def _faiss():
    try:
        import faiss
    except ImportError:
        raise WordvecError(MISSING_EXTRA) from None
    return faiss


def fingerprint(unit: np.ndarray) -> str:
    """CRC-32 of the shape and of up to 4,096 evenly spread rows: enough to notice that an
    index was built for other vectors (training changes every row), in microseconds."""
    n = unit.shape[0]
    rows = np.unique(np.linspace(0, max(n - 1, 0), min(n, _FINGERPRINT_ROWS)).astype(np.int64))
    crc = zlib.crc32(np.asarray(unit.shape, np.int64).tobytes())
    crc = zlib.crc32(np.ascontiguousarray(unit[rows], dtype=np.float32).tobytes(), crc)
    return f"{crc:08x}"


def default_nlist(n: int) -> int:
    """About 2 sqrt(n) cells (2,000 for 1M rows), with enough rows per cell to train them.
    Word vectors fill the cells unevenly (the frequent words' cells are the largest), so
    twice sqrt(n) halves what a query scans: 1M words, 1,000 cells: 1.04 ms a query,
    built in 24 s; 2,000 cells: 0.80 ms, 46 s (64 training rows a cell; 40 now)."""
    return int(max(1, min(round(2 * n ** 0.5), n // 39)))


class ApproximateIndex:
    """Inverted-file index over a model's unit vectors. Build with ``build``; query with
    ``search``. ``nprobe`` cells are scanned a query; ``recall`` is what ``build`` measured."""

    def __init__(self, centroids: np.ndarray, cells: np.ndarray, nprobe: int, recall: float | None,
                 fingerprint: str, unit: np.ndarray, recall_queries: int = 0):
        self.centroids = centroids
        self.cells = cells
        self.nprobe = int(nprobe)
        self.recall = recall
        self.recall_queries = int(recall_queries)
        self.fingerprint = fingerprint
        self.rows, self.dim = unit.shape
        self._index = _faiss_index(centroids, cells, unit, self.nprobe)

    @property
    def nlist(self) -> int:
        return int(self.centroids.shape[0])

    def __repr__(self):
        got = "" if self.recall is None else f", recall@{RECALL_AT} {self.recall:.3f}"
        return f"ApproximateIndex({self.rows} rows, {self.nlist} cells, nprobe {self.nprobe}{got})"

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, unit: np.ndarray, recall: float = 0.95, nlist: int | None = None, queries: int = 1000,
              query_rows: int = QUERY_ROWS, seed: int = 0, niter: int = 10) -> "ApproximateIndex":
        """Train the cells on a sample of ``unit`` (unit-length rows, most frequent first),
        file every row in its cell, and pick the smallest ``nprobe`` whose recall@10 on
        ``queries`` rows drawn from the first ``query_rows`` reaches ``recall``."""
        check_number("recall", recall, 0, 1, low_open=True)
        check_int("queries", queries, low=1)
        check_int("query_rows", query_rows, low=1)
        check_int("seed", seed, low=0)
        check_int("niter", niter, low=1)
        unit = np.ascontiguousarray(unit, dtype=np.float32)
        n, d = unit.shape
        if n < 2:
            raise ParameterError(f"an approximate index needs at least 2 vectors, found {n}")
        nlist = default_nlist(n) if nlist is None else int(check_int("nlist", nlist, low=1))
        check("nlist", nlist, nlist <= n, f"<= the number of vectors ({n})")
        faiss = _faiss()
        rng = np.random.default_rng(seed)
        sample = unit[np.sort(rng.choice(n, size=min(n, _TRAIN_PER_CELL * nlist), replace=False))]
        kmeans = faiss.Kmeans(d, nlist, niter=niter, spherical=True, seed=seed, verbose=False,
                              min_points_per_centroid=1, max_points_per_centroid=_TRAIN_PER_CELL)
        kmeans.train(sample)
        centroids = np.ascontiguousarray(kmeans.centroids, dtype=np.float32)
        cells = _nearest_cell(faiss, centroids, unit)
        index = cls(centroids, cells, nprobe=1, recall=None, fingerprint=fingerprint(unit), unit=unit)
        index.calibrate(unit, recall, queries, query_rows, seed)
        return index

    def calibrate(self, unit: np.ndarray, recall: float = 0.95, queries: int = 1000, query_rows: int = QUERY_ROWS,
                  seed: int = 0) -> float:
        """Set ``nprobe`` to the smallest that reaches ``recall`` (recall@10 against exact
        search, on ``queries`` rows drawn from the first ``query_rows``, each left out of its
        own answer); returns the recall measured."""
        n = unit.shape[0]
        rng = np.random.default_rng(seed + 1)  # not the k-means sample's draws
        pool = min(n, query_rows)
        q = np.sort(rng.choice(pool, size=min(pool, queries), replace=False))
        k = min(RECALL_AT, n - 1)
        truth = _exact_neighbours(unit, q, k)

        def measured(nprobe: int) -> float:
            self.set_nprobe(nprobe)
            found, _ = self.search(unit[q], k + 1)
            hits = sum(len(set(t) & set(f[f != r][:k])) for r, t, f in zip(q, truth, found))
            return hits / truth.size

        # Doubling, then bisection: recall grows with nprobe (not strictly; close enough).
        lo, hi = 0, 1
        got = measured(hi)
        while got < recall and hi < self.nlist:
            lo, hi = hi, min(2 * hi, self.nlist)
            got = measured(hi)
        best, best_recall = hi, got
        while hi - lo > 1 and best_recall >= recall:
            mid = (lo + hi) // 2
            r = measured(mid)
            if r >= recall:
                hi, best, best_recall = mid, mid, r
            else:
                lo = mid
        self.set_nprobe(best)
        self.recall, self.recall_queries = float(best_recall), int(q.size)
        return self.recall

    def set_nprobe(self, nprobe: int) -> None:
        check_int("nprobe", nprobe, low=1)
        self.nprobe = int(min(nprobe, self.nlist))
        self._index.nprobe = self.nprobe

    # ------------------------------------------------------------------ search
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of about the ``k`` nearest rows to each query (unit length), best
        first; rows are -1 (and scores -inf) where the cells scanned held fewer."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        scores, rows = self._index.search(queries, int(min(k, self.rows)))
        scores[rows < 0] = -np.inf
        return rows, scores

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write the index as a folder of ``.npy`` arrays and a ``config.json`` (atomic)."""
        from ..atomic import atomic_directory, write_npy

        path = Path(path)
        if path.is_dir() and any(path.iterdir()) and not is_index(path):
            raise WordvecError(f"{path}: is a folder that is not a wordvec approximate index; refusing to "
                                   "replace it (saving replaces the whole folder)")
        config = {"format": FORMAT, "version": VERSION, "method": METHOD, "rows": self.rows, "dim": self.dim,
                  "nlist": self.nlist, "nprobe": self.nprobe, "recall_at": RECALL_AT, "recall": self.recall,
                  "recall_queries": self.recall_queries, "fingerprint": self.fingerprint}
        with atomic_directory(path) as tmp:
            (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
            write_npy(tmp / "centroids.npy", self.centroids)
            write_npy(tmp / "cells.npy", self.cells.astype(np.int32))

    @classmethod
    def load(cls, path, unit: np.ndarray) -> "ApproximateIndex":
        """Read an index saved by ``save`` for the unit vectors ``unit``; everything is
        checked (shapes, cell numbers, the vectors' fingerprint) before faiss is called."""
        path = Path(path)
        cfg = _read_config(path)
        n, d = unit.shape
        if (cfg["rows"], cfg["dim"]) != (n, d):
            raise ModelFormatError(f"{path}: index of {cfg['rows']} x {cfg['dim']} vectors, but the model has "
                                   f"{n} x {d}; rebuild it (wordvec index)")
        if cfg["fingerprint"] != fingerprint(unit):
            raise ModelFormatError(f"{path}: built for other vectors (the model was retrained or replaced); "
                                   "rebuild it (wordvec index)")
        nlist = cfg["nlist"]
        centroids = _load(path / "centroids.npy", (nlist, d), np.float32)
        cells = _load(path / "cells.npy", (n,), np.int32)
        if not np.isfinite(centroids).all():
            raise ModelFormatError(f"{path / 'centroids.npy'}: holds NaN or infinite values")
        if cells.size and (cells.min() < 0 or cells.max() >= nlist):
            raise ModelFormatError(f"{path / 'cells.npy'}: cell numbers outside 0..{nlist - 1}")
        return cls(centroids, cells, cfg["nprobe"], cfg["recall"], cfg["fingerprint"],
                   np.ascontiguousarray(unit, dtype=np.float32), cfg["recall_queries"])


def index_path(model) -> Path:
    """Where a model's index lives: ``ann/`` inside a model folder, ``FILE.ann/`` beside a file."""
    model = Path(model)
    return model / "ann" if model.is_dir() else model.with_name(model.name + ".ann")


def has_index(model) -> bool:
    return (index_path(model) / "config.json").is_file()


# ---------------------------------------------------------------------- helpers
def _exact_neighbours(unit: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The exact top-k rows of each of ``rows``, itself left out (blocked matrix products)."""
    from .keyed import top_k
    from .retrieval import block_rows

    out = np.empty((rows.size, k), np.int64)
    step = max(1, block_rows(unit.shape[0]) // 4)  # the partial sort copies the block: keep it small
    for s in range(0, rows.size, step):
        q = rows[s : s + step]
        scores = unit[q] @ unit.T
        scores[np.arange(q.size), q] = -np.inf
        out[s : s + step] = top_k(scores, k)
    return out


def _nearest_cell(faiss, centroids: np.ndarray, unit: np.ndarray) -> np.ndarray:
    quantizer = faiss.IndexFlatIP(centroids.shape[1])
    quantizer.add(centroids)
    _, cells = quantizer.search(unit, 1)
    return cells[:, 0].astype(np.int32)


def _faiss_index(centroids, cells, unit, nprobe: int):
    """faiss's IVF-flat index with these cells, filled from ``unit`` without k-means or
    assignment (both are given)."""
    faiss = _faiss()
    from faiss.contrib.ivf_tools import add_preassigned

    nlist, d = centroids.shape
    quantizer = faiss.IndexFlatIP(d)
    quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.referenced_objects = [quantizer]  # faiss holds a raw pointer: keep the Python object alive
    index.is_trained = True
    add_preassigned(index, np.ascontiguousarray(unit, dtype=np.float32), cells.astype(np.int64))
    index.nprobe = int(min(nprobe, nlist))
    return index


def is_index(path) -> bool:
    """True when ``path`` holds a config.json of an index (any version): one may be read,
    or replaced."""
    try:
        file = Path(path) / "config.json"
        return file.stat().st_size < 1 << 16 and json.loads(file.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return False


def _read_config(path: Path) -> dict:
    file = path / "config.json"
    try:
        if file.stat().st_size > 1 << 16:
            raise ModelFormatError(f"{file}: {file.stat().st_size:,} bytes, too large for an index config")
        cfg = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: no approximate index here (no config.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFormatError(f"{file}: unreadable ({e})") from None
    if not isinstance(cfg, dict) or cfg.get("format") != FORMAT:
        raise ModelFormatError(f"{file}: not a wordvec approximate index")
    if cfg.get("version") != VERSION or cfg.get("method") != METHOD:
        raise ModelFormatError(f"{file}: index version {cfg.get('version')!r} / method {cfg.get('method')!r} "
                               f"unknown (this wordvec reads version {VERSION}, {METHOD})")
    for key in ("rows", "dim", "nlist", "nprobe", "recall_queries"):
        v = cfg.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v < (0 if key == "recall_queries" else 1):
            raise ModelFormatError(f"{file}: {key}={v!r} is not a positive integer")
    if cfg["nlist"] > cfg["rows"]:
        raise ModelFormatError(f"{file}: nlist={cfg['nlist']} exceeds rows={cfg['rows']}")
    r = cfg.get("recall")
    if r is not None and not (isinstance(r, (int, float)) and not isinstance(r, bool) and 0 <= r <= 1):
        raise ModelFormatError(f"{file}: recall={r!r} is not in [0, 1]")
    if not isinstance(cfg.get("fingerprint"), str):
        raise ModelFormatError(f"{file}: fingerprint missing")
    return cfg


def _load(file: Path, shape: tuple, dtype) -> np.ndarray:
    from ..formats.native import _check_npy_header

    found = _check_npy_header(file)  # no pickle, and the data matches the header
    if tuple(found) != tuple(shape):
        raise ModelFormatError(f"{file}: shape {tuple(found)}, expected {tuple(shape)}")
    arr = np.load(file, allow_pickle=False)
    if arr.dtype != np.dtype(dtype):
        raise ModelFormatError(f"{file}: dtype {arr.dtype}, expected {np.dtype(dtype)}")
    return arr
