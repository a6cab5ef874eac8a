"""Text standardisation: one vocabulary of modes and one punctuation table, shared by the
corpus reader (``Corpus``, ``DocumentCorpus``, ``Word2Vec(standardize=...)``) and the
TensorFlow tutorial's ``Vectorizer``.

Modes (``MODES``):

- ``lower_strip_punctuation``: lowercase and delete ASCII punctuation (``string.punctuation``),
  the TensorFlow tutorial's default; ``lower_and_strip_punctuation`` (TensorFlow's
  ``TextVectorization`` name) is the same mode;
- ``lower``: lowercase only;
- ``strip_punctuation``: delete ASCII punctuation only;
- ``text8``: as the text8 corpus was made: lowercase, digits spelled out, every other
  character that is not a-z a space (the corpus reader only);
- ``none``: tokens as they are (``None`` is the same mode).

Lowercasing differs on purpose between the two users: the corpus reader lowercases all of
Unicode (``str.lower``), the tutorial ASCII letters only, as ``tf.strings.lower`` does
(``standardize_ascii``), so the tutorial's ids match TensorFlow's.
"""
from __future__ import annotations

import string

from ..errors import CorpusError

PUNCTUATION = string.punctuation.encode()  # the one punctuation table: ASCII, as TensorFlow's

LOWER_STRIP_PUNCTUATION = "lower_strip_punctuation"
MODES = (LOWER_STRIP_PUNCTUATION, "lower", "strip_punctuation", "text8", "none")
# Other names users may have: TensorFlow's TextVectorization name, and None for "none".
ALIASES = {"lower_and_strip_punctuation": LOWER_STRIP_PUNCTUATION, None: "none"}

_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def canonical_mode(mode) -> str | None:
    """The canonical name of a standardisation mode (aliases resolved), or None when
    ``mode`` is no mode at all (any value: unhashable ones too)."""
    try:
        mode = ALIASES.get(mode, mode)
    except TypeError:  # an unhashable value is no mode
        return None
    return mode if isinstance(mode, str) and mode in MODES else None


def lowers(mode: str) -> bool:
    return mode in (LOWER_STRIP_PUNCTUATION, "lower", "text8")


def strips_punctuation(mode: str) -> bool:
    return mode == LOWER_STRIP_PUNCTUATION or mode == "strip_punctuation"


def standardize_ascii(text: str, mode: str = LOWER_STRIP_PUNCTUATION) -> str:
    """``text`` standardised as TensorFlow does: ASCII letters lowercased (``tf.strings.lower``),
    ASCII punctuation deleted. ``mode``: a canonical mode other than ``text8``.

    UTF-8 never uses ASCII bytes inside a multi-byte character, so deleting ASCII
    punctuation bytes and lowering A-Z bytes is safe and matches TensorFlow exactly."""
    if mode == "none":
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if lowers(mode):
        raw = raw.lower()
    if strips_punctuation(mode):
        raw = raw.translate(None, PUNCTUATION)
    return raw.decode("utf-8", "surrogatepass")


def _byte_table(mode: str) -> tuple[bytes, bytes]:
    """(translate table, bytes to delete) applied to a UTF-8 block after lowercasing."""
    table = bytearray(range(256))
    # Line breaks of any convention end a sentence; NUL and other controls are spaces.
    for b in range(32):
        table[b] = ord(" ")
    table[ord("\n")] = ord("\n")
    table[ord("\r")] = ord("\n")
    table[127] = ord(" ")
    if mode == "text8":
        table = bytearray(b" " * 256)
        for b in list(range(ord("a"), ord("z") + 1)) + [ord("\n")]:
            table[b] = b
        table[ord("\r")] = ord("\n")
    return bytes(table), PUNCTUATION if strips_punctuation(mode) else b""


class Standardizer:
    """The corpus reader's standardisation: a block of raw bytes to standardized UTF-8
    bytes, newlines kept (``\\r`` becomes ``\\n``, other control bytes spaces), invalid
    UTF-8 replaced and counted. Modes: see the module docstring (aliases accepted)."""

    def __init__(self, mode: str = LOWER_STRIP_PUNCTUATION):
        canonical = canonical_mode(mode)
        if canonical is None:
            raise CorpusError(f"standardize: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        self.mode = canonical
        self._lower = lowers(canonical)
        self._table, self._delete = _byte_table(canonical)

    def __call__(self, raw: bytes, stats=None, name: str = "") -> bytes:
        if not raw.isascii():
            text = raw.decode("utf-8", "replace")
            bad = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
            if bad and stats is not None:
                stats.invalid_utf8 += bad
                if name and name not in stats.invalid_files:
                    stats.invalid_files.append(name)
            if self._lower:
                text = text.lower()
            if self.mode == "text8":
                # Non-ASCII letters are dropped (as in text8); digits handled below.
                text = text.encode("ascii", "replace").decode("ascii")
            raw = text.encode("utf-8")
        elif self._lower:
            raw = raw.lower()
        if self.mode == "text8":
            for d, w in enumerate(_DIGIT_WORDS):
                if str(d).encode() in raw:
                    raw = raw.replace(str(d).encode(), b" " + w.encode() + b" ")
        return raw.translate(self._table, self._delete)
