"""The native model folder: fast (memory-mapped .npy) and safe to load (no pickle).

MODEL/
  config.json    format name and version, wordvec version, every parameter, history
  vocab.tsv      key<TAB>count, one line per row of the vectors, most frequent first
                 (words; or int tags as digits, where config.json says "key_type": "int")
  vectors.npy    input vectors (float32, vocab x dim)
  syn1neg.npy    output weights for negative sampling (when trained with it)
  syn1.npy       output weights for hierarchical softmax (when trained with it)
  dv.npy         document vectors, one row per tag (doc2vec)
  null.npy       the padding vector of PV-DM's concatenated window (doc2vec, dm_concat)
  vectors_vocab.npy   fastText: the words' own input rows (``vectors`` is each word's mean of
                      its own and its n-gram rows)
  vectors_ngrams.npy  fastText: the n-gram buckets (config.json ``n_buckets`` rows)
  tags.tsv       KIND<TAB>tag<TAB>documents, one line per row of dv.npy (KIND: s str, i int)

Output layers are ``hidden_size`` wide (config; the vector size unless PV-DM concatenates).

Arrays are read with ``allow_pickle=False`` and checked for dtype, shape and finiteness.
"""
from __future__ import annotations

import json
import os
import re
import stat
import warnings
from pathlib import Path

import numpy as np

from ..atomic import atomic_directory, check_writable, write_npy
from ..errors import ModelFormatError, WordvecError

FORMAT_NAME = "wordvec-model"
FORMAT_VERSION = 1
ARRAYS = ("vectors", "syn1neg", "syn1", "dv", "null", "vectors_vocab", "vectors_ngrams")


def escape_word(word: str) -> str:
    return word.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def unescape_word(text: str) -> str:
    if "\\" not in text:
        return text
    out = []
    it = iter(text)
    for ch in it:
        if ch == "\\":
            nxt = next(it, "")
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
        else:
            out.append(ch)
    return "".join(out)


def is_native_model(path) -> bool:
    # lexists: a config.json that is not a regular file (a FIFO) is a broken model, said so by read_config
    return Path(path).is_dir() and os.path.lexists(Path(path) / "config.json")


def save_model_dir(path, config: dict, words, counts, arrays: dict, tags=None, extra: dict | None = None) -> None:
    """Write a model folder atomically (all files or none). ``tags``: (keys, document
    counts) of a model with document vectors. ``extra``: more float32 arrays a trainer
    needs to resume (a Spark run's momentum), saved as ``extra-NAME.npy`` in the same swap,
    so they never disagree with the weights; ``load_model_dir`` ignores them."""
    check_replaceable(Path(path))
    with atomic_directory(path) as tmp:
        _write_model_files(tmp, config, words, counts, arrays, tags)
        for name, arr in (extra or {}).items():
            write_npy(tmp / f"extra-{name}.npy", np.ascontiguousarray(arr, dtype=np.float32))


def check_replaceable(path: Path) -> None:
    """A save replaces the whole folder: refuse to do that to a folder that is not a model
    (``-o ~/Documents`` must not delete anything). File names prove nothing (a user's own
    ``vectors.npy``, another tool's ``config.json``): the folder must be empty or hold a
    ``config.json`` that wordvec wrote. Also refuses, before any work, a path that is a file
    or lies where nothing can be written."""
    check_writable(path, folder=True)
    if not path.is_dir():
        return
    if not any(path.iterdir()):
        return  # an empty folder holds nothing to lose
    why = _not_ours(path / "config.json")
    if why:
        raise WordvecError(
            f"{path}: is a folder that is not a wordvec model; refusing to replace it "
            f"({why}; saving replaces the whole folder: choose a new or model folder)")


def _not_ours(cfg_path: Path) -> str:
    """Why ``cfg_path`` is not a config.json that wordvec wrote ("" when it is one). Only
    its identity is checked: a model of ours with a broken field may still be replaced."""
    if not cfg_path.is_file():
        return "no config.json"
    try:
        if cfg_path.stat().st_size > 1 << 30:
            return "config.json too large"
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError, OSError):
        return "its config.json is not valid JSON"
    if not (isinstance(cfg, dict) and cfg.get("format") == FORMAT_NAME and isinstance(cfg.get("wordvec_version"), str)):
        return "its config.json is not a wordvec model's"
    return ""


def _write_model_files(tmp: Path, config: dict, words, counts, arrays: dict, tags=None) -> None:
    cfg = dict(config)
    if tags is not None:
        keys, doc_counts = tags
        cfg["n_tags"] = len(keys)
        with open(tmp / "tags.tsv", "w", encoding="utf-8", newline="\n") as f:
            f.writelines(f"{'s' if isinstance(k, str) else 'i'}\t{escape_word(str(k))}\t{int(c)}\n"
                         for k, c in zip(keys, doc_counts))
    cfg["format"] = FORMAT_NAME
    cfg["format_version"] = FORMAT_VERSION
    from .. import __version__

    cfg.setdefault("wordvec_version", __version__)  # what check_replaceable knows our folders by
    cfg["vocab_size"] = len(words)
    cfg["arrays"] = sorted(k for k, v in arrays.items() if v is not None)
    with open(tmp / "vocab.tsv", "w", encoding="utf-8", newline="\n") as f:
        if counts is None:
            counts = np.zeros(len(words), np.int64)
        f.writelines(f"{escape_word(w)}\t{int(c)}\n" for w, c in zip(words, counts))
    for name, arr in arrays.items():
        if arr is not None:
            write_npy(tmp / f"{name}.npy", np.ascontiguousarray(arr, dtype=np.float32))
    with open(tmp / "config.json", "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, sort_keys=True, default=_json_default)
        f.write("\n")


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


MAX_VECTOR_SIZE = 100_000  # as training allows (models.base): a larger header is refused before allocating


def require_regular(file: Path, missing: str) -> None:
    """``file`` must be a regular file: opening a FIFO (or a device) in its place would
    block forever or read without end. ``missing``: the message when it does not exist."""
    try:
        st = os.stat(file)
    except FileNotFoundError:
        raise ModelFormatError(missing) from None
    except OSError as e:
        raise ModelFormatError(f"{file}: unreadable ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ModelFormatError(f"{file}: not a regular file")


def read_config(path) -> dict:
    path = Path(path)
    cfg_path = path / "config.json"
    if not path.exists():
        raise ModelFormatError(f"{path}: no such model")
    if not os.path.lexists(cfg_path):
        raise ModelFormatError(f"{path}: not a wordvec model folder (no config.json)")
    require_regular(cfg_path, f"{path}: not a wordvec model folder (no config.json)")
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as e:  # ValueError: also an integer of over 4,300 digits
        raise ModelFormatError(f"{cfg_path}: not valid JSON ({e})") from None
    except RecursionError:
        raise ModelFormatError(f"{cfg_path}: not valid JSON (nested too deeply)") from None
    except OSError as e:
        raise ModelFormatError(f"{cfg_path}: unreadable ({e.strerror or e})") from None
    if not isinstance(cfg, dict) or cfg.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{cfg_path}: not a wordvec model config (format is not {FORMAT_NAME!r})")
    if cfg.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{cfg_path}: format_version {cfg.get('format_version')!r} is not supported (expected {FORMAT_VERSION})"
        )
    _check_config(cfg, cfg_path)
    return cfg


def _is_count(v) -> bool:
    return type(v) is int and v >= 0


# key -> (check, what it must be); keys that are absent are not checked.
_CONFIG_RULES = {
    "vocab_size": (_is_count, "an integer >= 0"),
    "vector_size": (lambda v: type(v) is int and v >= 1, "an integer >= 1"),
    "arrays": (lambda v: isinstance(v, list) and all(isinstance(a, str) for a in v) and len(set(v)) == len(v),
               "a list of distinct array names"),
    "params": (lambda v: isinstance(v, dict), "an object"),
    "history": (lambda v: isinstance(v, list) and all(isinstance(h, dict) for h in v), "a list of objects"),
    "epochs_done": (_is_count, "an integer >= 0"),
    "raw_words": (lambda v: v is None or _is_count(v), "an integer >= 0 or null"),
    "n_tags": (_is_count, "an integer >= 0"),
    "n_buckets": (_is_count, "an integer >= 0"),
    "hidden_size": (lambda v: type(v) is int and v >= 1, "an integer >= 1"),
    "key_type": (lambda v: isinstance(v, str) and v in KEY_TYPES, "'str' or 'int'"),
}


def _check_config(cfg: dict, cfg_path: Path) -> None:
    """Every field the loaders use has the type they expect, or the file is rejected."""
    for key, (ok, what) in _CONFIG_RULES.items():
        if key in cfg and not ok(cfg[key]):
            raise ModelFormatError(f"{cfg_path}: {key} must be {what}, found {cfg[key]!r:.60}")


def read_vocab(path) -> tuple[list[str], np.ndarray]:
    vocab_path = Path(path) / "vocab.tsv"
    require_regular(vocab_path, f"{path}: model folder has no vocab.tsv")
    try:
        with open(vocab_path, encoding="utf-8", newline="\n") as f:
            text = f.read()
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: model folder has no vocab.tsv") from None
    except UnicodeDecodeError as e:
        raise ModelFormatError(f"{vocab_path}: not valid UTF-8 ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ModelFormatError(f"{vocab_path}: unreadable ({e.strerror or e})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # Checked in bulk (a query loads a 69k-word model in a few ms); on any doubt the lines are
    # read one by one, which finds the first bad one and names it.
    parts = [line.rpartition("\t") for line in lines]
    counts = [c for _, _, c in parts]
    if all(sep for _, sep, _ in parts) and "".join(counts).isascii() and all(c.isdigit() and len(c) <= 18 for c in counts):
        words = [unescape_word(w) for w, _, _ in parts] if "\\" in text else [w for w, _, _ in parts]
        if len(set(words)) == len(words):
            return words, np.array(counts, dtype=np.int64) if counts else np.zeros(0, np.int64)
    return _read_vocab_lines(vocab_path, lines)


def _read_vocab_lines(vocab_path: Path, lines: list[str]) -> tuple[list[str], np.ndarray]:
    """The line-by-line reader: the first line that is not 'word<TAB>count', or repeats a word, is named."""
    words, counts = [], []
    seen = set()
    for lineno, line in enumerate(lines, 1):
        word, sep, count = line.rpartition("\t")
        if not sep or not _COUNT.fullmatch(count):
            raise ModelFormatError(f"{vocab_path}:{lineno}: expected 'word<TAB>count' (count: 0 to 10**18)")
        word = unescape_word(word)
        if word in seen:
            raise ModelFormatError(f"{vocab_path}:{lineno}: duplicate word {word!r}")
        seen.add(word)
        words.append(word)
        counts.append(int(count))
    return words, np.asarray(counts, dtype=np.int64)


_COUNT = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit an int64
_INT_TAG = re.compile(r"-?[0-9]{1,19}")


def _check_npy_header(file: Path) -> tuple:
    """Read the .npy header without loading anything and reject what np.load must not
    see: pickles, object arrays, and headers that promise more (or less) data than the
    file holds. Returns the shape."""
    require_regular(file, f"{file}: missing")
    try:
        with open(file, "rb") as f:
            head = f.read(8)
            f.seek(0)
            if head[:1] == b"\x80":  # the pickle protocol 2+ opcode
                raise ModelFormatError(f"{file}: holds a Python pickle, not a .npy array; refused (pickles are never loaded)")
            if head[:4] == b"PK\x03\x04":
                raise ModelFormatError(f"{file}: is a zip (.npz) archive, not a .npy array")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # numpy's notes on odd (fuzzed) headers
                    version = np.lib.format.read_magic(f)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                    elif version in ((2, 0), (3, 0)):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                    else:
                        raise ValueError(f"unsupported .npy version {version}")
            except Exception as e:  # numpy's header parser raises many kinds (ValueError, TokenError...)
                raise ModelFormatError(f"{file}: not a .npy array or truncated header ({e})") from None
            data_bytes = os.fstat(f.fileno()).st_size - f.tell()
    except FileNotFoundError:
        raise ModelFormatError(f"{file}: missing") from None
    except OSError as e:
        raise ModelFormatError(f"{file}: unreadable ({e.strerror or e})") from None
    if dtype.hasobject:
        raise ModelFormatError(f"{file}: holds Python objects, not numbers; refused (pickles are never loaded)")
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if data_bytes != expected:
        raise ModelFormatError(
            f"{file}: header says {' x '.join(map(str, shape)) or 'a scalar'} {dtype} ({expected:,} bytes) but the file "
            f"holds {data_bytes:,} bytes of data ({'truncated' if data_bytes < expected else 'wrong header'}?)")
    return shape


def load_array(file: Path, rows: int | None, cols: int | None, mmap: bool) -> np.ndarray:
    """Load one float32 matrix with no pickle, checking it is what the config says."""
    shape = _check_npy_header(file)
    if len(shape) == 2 and ((rows is not None and shape[0] != rows) or (cols is not None and shape[1] != cols)):
        raise ModelFormatError(f"{file}: shape {shape} does not match the model ({rows} x {cols})")  # before np.load
    try:
        arr = np.load(file, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise ModelFormatError(f"{file}: missing") from None
    except ValueError as e:
        raise ModelFormatError(f"{file}: not a plain .npy array ({e})") from None
    except (OSError, EOFError) as e:
        raise ModelFormatError(f"{file}: unreadable or truncated ({e})") from None
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float32 or arr.ndim != 2:
        raise ModelFormatError(f"{file}: expected a 2-D float32 array, found {getattr(arr, 'dtype', '?')} with shape {getattr(arr, 'shape', '?')}")
    if (rows is not None and arr.shape[0] != rows) or (cols is not None and arr.shape[1] != cols):
        raise ModelFormatError(f"{file}: shape {arr.shape} does not match the model ({rows} x {cols})")
    if not np.isfinite(arr).all():
        raise ModelFormatError(f"{file}: contains NaN or infinite values")
    return arr


def load_model_dir(path, mmap: bool = False) -> tuple[dict, list, np.ndarray, dict]:
    """(config, keys, counts, arrays) of a model folder, every part validated. Keys are the
    words (str), or int where config.json says ``"key_type": "int"``."""
    path = Path(path)
    if not path.exists():
        raise ModelFormatError(f"{path}: no such model")
    cfg = read_config(path)
    words, counts = read_vocab(path)
    if cfg.get("key_type", "str") == "int":
        words = _int_keys(path, words)
    if cfg.get("vocab_size") != len(words):
        raise ModelFormatError(
            f"{path / 'vocab.tsv'}: {len(words)} words but config.json says vocab_size={cfg.get('vocab_size')}"
        )
    dim = cfg.get("vector_size")
    if not isinstance(dim, int) or dim < 1:
        raise ModelFormatError(f"{path / 'config.json'}: vector_size must be a positive integer")
    if dim > MAX_VECTOR_SIZE:
        raise ModelFormatError(f"{path / 'config.json'}: vector_size={dim} is more than {MAX_VECTOR_SIZE:,} dimensions "
                               "(the most wordvec trains)")
    arrays = {}
    names = cfg.get("arrays", ["vectors"])
    if "vectors" not in names:
        raise ModelFormatError(f"{path / 'config.json'}: lists no 'vectors' array")
    hidden = cfg.get("hidden_size", dim)
    shapes = {"vectors": (len(words), dim), "syn1neg": (len(words), hidden), "syn1": (max(len(words) - 1, 1), hidden),
              "dv": (cfg.get("n_tags"), dim), "null": (1, dim), "vectors_vocab": (len(words), dim),
              "vectors_ngrams": (cfg.get("n_buckets"), dim)}
    for name in names:
        if name not in ARRAYS:
            raise ModelFormatError(f"{path / 'config.json'}: unknown array {name!r}")
        if name == "vectors_ngrams" and "n_buckets" not in cfg:
            raise ModelFormatError(f"{path / 'config.json'}: lists a 'vectors_ngrams' array but no n_buckets")
        if name == "dv" and "n_tags" not in cfg:
            raise ModelFormatError(f"{path / 'config.json'}: lists a 'dv' array but no n_tags")
        arrays[name] = load_array(path / f"{name}.npy", *shapes[name], mmap)
    return cfg, words, counts, arrays


def read_tags(path, n_tags: int) -> tuple[list, np.ndarray]:
    """(tags, document counts) from a model folder's tags.tsv, which must hold ``n_tags``
    distinct tags."""
    tags_path = Path(path) / "tags.tsv"
    require_regular(tags_path, f"{path}: model folder has no tags.tsv")
    keys, counts, seen = [], [], set()
    try:
        with open(tags_path, encoding="utf-8", newline="\n") as f:
            for lineno, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or parts[0] not in ("s", "i") or not _COUNT.fullmatch(parts[2]) or (
                        parts[0] == "i" and not _INT_TAG.fullmatch(parts[1])):
                    raise ModelFormatError(f"{tags_path}:{lineno}: expected 'KIND<TAB>tag<TAB>count' (KIND s or i)")
                key = unescape_word(parts[1]) if parts[0] == "s" else int(parts[1])
                if key in seen:
                    raise ModelFormatError(f"{tags_path}:{lineno}: duplicate tag {key!r}")
                seen.add(key)
                keys.append(key)
                counts.append(int(parts[2]))
                if len(keys) > n_tags:
                    break
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: model folder has no tags.tsv") from None
    except UnicodeDecodeError as e:
        raise ModelFormatError(f"{tags_path}: not valid UTF-8 ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ModelFormatError(f"{tags_path}: unreadable ({e.strerror or e})") from None
    if len(keys) != n_tags:
        found = f"more than {n_tags}" if len(keys) > n_tags else str(len(keys))
        raise ModelFormatError(f"{tags_path}: {found} tags but config.json says n_tags={n_tags}")
    return keys, np.asarray(counts, dtype=np.int64)


KEY_TYPES = ("str", "int")


def key_type_of(keys) -> str:
    """"str" or "int": the one type of all ``keys`` (bools are not ints), else WordvecError."""
    if all(type(k) is str for k in keys):
        return "str"
    for i, k in enumerate(keys):
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
            raise WordvecError(
                f"key #{i + 1} {k!r:.60} is a {type(k).__name__}: the native format holds str or int keys")
    if all(isinstance(k, (int, np.integer)) for k in keys):
        return "int"
    raise WordvecError("keys mix str and int: the native format holds keys of one type (all str or all int)")


def save_vectors(path, keys, vectors, counts=None) -> None:
    """Write a vectors-only model folder (no output weights: enough for queries and export).
    ``keys`` are all str or all int; config.json records which as ``key_type``."""
    from .. import __version__

    keys = list(keys)
    key_type = key_type_of(keys)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(keys):
        raise WordvecError(f"{path}: expected one vector per key ({len(keys)}), found shape {vectors.shape}")
    config = {"wordvec_version": __version__, "model": "vectors", "vector_size": int(vectors.shape[1]),
              "key_type": key_type}
    names = keys if key_type == "str" else [str(int(k)) for k in keys]
    save_model_dir(path, config, names, counts, {"vectors": vectors})


def load_vectors(path, mmap: bool = False) -> tuple[list, np.ndarray, np.ndarray]:
    """(keys, vectors, counts) of any model folder (a trained model or vectors only); the
    keys are str, or int where config.json says ``"key_type": "int"`` (no key_type: str)."""
    _, keys, counts, arrays = load_model_dir(path, mmap=mmap)
    return keys, arrays["vectors"], counts


_INT_KEY = re.compile(r"-?[0-9]{1,18}")


def _int_keys(path: Path, words: list[str]) -> list[int]:
    keys, seen = [], set()
    for lineno, w in enumerate(words, 1):
        if not _INT_KEY.fullmatch(w):
            raise ModelFormatError(f"{path / 'vocab.tsv'}:{lineno}: key {w!r:.60} is not an integer (key_type is 'int')")
        k = int(w)
        if k in seen:
            raise ModelFormatError(f"{path / 'vocab.tsv'}:{lineno}: duplicate key {k}")
        seen.add(k)
        keys.append(k)
    return keys
