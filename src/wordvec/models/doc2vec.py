"""Doc2Vec: paragraph vectors (PV-DBOW, PV-DM mean/sum, PV-DM concatenated), and inference
of vectors for documents never seen.

Built on the shared engine like ``Word2Vec``: the vocabulary, encoding, Hogwild job runner,
schedule, checkpoints, callbacks and saving are ``models.base`` and ``train.runner``; this
file adds the documents' tags and the doc2vec kernel (``kernels.doc2vec``).

A corpus is tagged documents (``wordvec.text.documents``): each line of a file is one
document (``TAGS<TAB>TEXT``, or untagged: its line number is the tag). Tags map to rows
densely, so a tag ``10**9`` costs one row. A long document is split into several encoded
sentences that all carry its tags: nothing is truncated.

Inference (``infer_vector``) trains only the new document's vector, with the words and
the output layer frozen. Its random stream comes from the seed and the document's words
alone, so the same tokens and seed give the same vector on every call and on any number
of workers.
"""
from __future__ import annotations

import zlib
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import CorpusError, ModelFormatError, ParameterError, WordvecError
from ..kernels.doc2vec import doc2vec_job, infer_documents
from ..kernels.tables import OutputTables, build_tables
from ..params import check_flag, check_int, check_number, invalid
from ..text.documents import DocumentCorpus
from ..train.runner import Job
from ..vectors.keyed import KeyedVectors, WordVectors
from ..vocab.vocabulary import Vocabulary
from .base import EmbeddingModel

PARAMS = (
    "vector_size", "dm", "dm_mean", "dm_concat", "dbow_words", "window", "min_count", "hs", "negative",
    "ns_exponent", "alpha", "min_alpha", "sample", "epochs", "workers", "seed", "max_vocab_size",
    "max_final_vocab", "standardize", "tokenizer", "max_sentence_length", "batch_words",
)
_MODE_DBOW, _MODE_DM, _MODE_CONCAT = 0, 1, 2


class Doc2Vec(EmbeddingModel):
    """Paragraph vectors (Le and Mikolov 2014) with gensim's parameter names.

    ``dm=True`` trains PV-DM (the window's words and the document's tags predict the centre
    word; averaged with ``dm_mean``, summed without, side by side with ``dm_concat``);
    ``dm=False`` trains PV-DBOW (the tags predict the document's words; ``dbow_words=True``
    trains skip-gram word vectors in the same pass). Train with ``Doc2Vec(...).fit(corpus)``;
    document vectors are then in ``model.dv`` (keyed by tag) and word vectors in ``model.wv``.
    """

    MODEL_NAME = "doc2vec"
    PARAMS = PARAMS

    def __init__(
        self,
        vector_size: int = 100,
        dm: bool = True,
        dm_mean: bool = True,
        dm_concat: bool = False,
        dbow_words: bool = False,
        window: int = 5,
        min_count: int = 5,
        hs: bool = False,
        negative: int = 5,
        ns_exponent: float = 0.75,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        sample: float = 1e-3,
        epochs: int = 10,
        workers: int | None = None,
        seed: int = 1,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        standardize: str = "lower_strip_punctuation",
        tokenizer=None,
        max_sentence_length: int = 10000,
        batch_words: int = 10000,
        report_seconds: float = 1.0,
    ):
        self._set_params(locals())
        self.wv: WordVectors | None = None
        self.dv: KeyedVectors | None = None
        self.syn1neg = self.syn1 = self.null_ = None

    # ------------------------------------------------------------------ parameters
    @property
    def effective_alpha(self) -> float:
        return float(self.alpha)

    @property
    def mode(self) -> int:
        return _MODE_DBOW if not self.dm else (_MODE_CONCAT if self.dm_concat else _MODE_DM)

    @property
    def hidden_size(self) -> int:
        """Width of the output layer: the vector size, or (1 tag + 2 * window) vectors side by
        side for PV-DM concatenated."""
        return self.vector_size * (1 + 2 * self.window) if self.mode == _MODE_CONCAT else self.vector_size

    def validate(self) -> None:
        """Raise ParameterError naming the first parameter outside its allowed range."""
        for flag in ("dm", "dm_mean", "dm_concat", "dbow_words", "hs"):
            check_flag(flag, getattr(self, flag))
        if self.dm_concat and self.vector_size * (1 + 2 * self.window) > 1_000_000:
            raise invalid("window", self.window, "small enough that (1 + 2 * window) * vector_size <= 1,000,000 with dm_concat")
        check_number("alpha", self.alpha, 0, 10, low_open=True, allowed="a number in (0, 10]")
        self.validate_shared()

    # ------------------------------------------------------------------ corpus and vocabulary
    def _make_corpus(self, corpus) -> DocumentCorpus:
        return corpus if isinstance(corpus, DocumentCorpus) else DocumentCorpus(corpus, self.standardize, self.tokenizer)

    def _corpus_encoded(self) -> None:
        """Which document each encoded sentence is, and each document's tag rows."""
        tags = self.corpus_.tags
        line_ends = self.encoded_.line_ends
        if len(line_ends) - 1 != tags.n_documents:  # pragma: no cover - the reader writes one marker per document
            raise CorpusError(f"{self.corpus_.name}: {tags.n_documents} documents but {len(line_ends) - 1} lines encoded")
        self.tag_ptr_, self.tag_rows_ = tags.arrays()
        per_doc = np.diff(self.tag_ptr_)
        if self.mode == _MODE_CONCAT and per_doc.size and (per_doc != 1).any():
            d = int(np.flatnonzero(per_doc != 1)[0])
            raise CorpusError(f"{self.corpus_.name}: document {d} has {int(per_doc[d])} tags; dm_concat=True needs "
                              "exactly one tag per document (its vector has one place in the concatenation)")
        self.max_tags_ = int(per_doc.max()) if per_doc.size else 1
        self.sent_doc_ = self.encoded_.sentence_lines()
        self.tag_keys_ = list(tags.keys)
        self.tag_doc_counts_ = np.bincount(self.tag_rows_, minlength=len(self.tag_keys_)).astype(np.int64)

    def _set_vocab(self, vocab: Vocabulary) -> None:
        self.vocab_ = vocab
        self.tables_: OutputTables = build_tables(vocab.counts, self.sample, self.negative, self.ns_exponent,
                                                  bool(self.hs))

    def _init_weights(self) -> None:
        v, d, t = len(self.vocab_), self.vector_size, len(self.tag_keys_)
        rng = np.random.default_rng(self.seed)

        def uniform(rows):  # as Word2Vec's inputs: uniform in [-1, 1) / dim
            return (rng.random((rows, d), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(d)

        syn0, dv = uniform(v), uniform(t)
        self.null_ = uniform(1) if self.mode == _MODE_CONCAT else None
        h = self.hidden_size
        self.syn1neg = np.zeros((v, h), np.float32) if self.negative > 0 else None
        self.syn1 = np.zeros((max(v - 1, 1), h), np.float32) if self.hs else None
        self.wv = WordVectors(self.vocab_.words, syn0, self.vocab_.counts)
        self.dv = KeyedVectors(self.tag_keys_, dv, self.tag_doc_counts_)

    # ------------------------------------------------------------------ training
    def _outputs(self):
        """(syn1, syn1neg, null): the arrays the kernel takes, with typed one-row stand-ins
        for those this model does not train."""
        d = getattr(self, "_dummy", None)
        if d is None or d.shape[1] != self.hidden_size:
            d = self._dummy = np.zeros((1, self.hidden_size), np.float32)
        null = self.null_ if self.null_ is not None else np.zeros((1, self.vector_size), np.float32)
        return (self.syn1 if self.syn1 is not None else d, self.syn1neg if self.syn1neg is not None else d, null)

    def run_job(self, job: Job) -> tuple[float, int, int]:
        """One job through the doc2vec kernel: (loss_sum, loss_terms, effective_words)."""
        syn1, syn1neg, null = self._outputs()
        return doc2vec_job(job.tokens, job.bounds, self.sent_doc_[job.s0 : job.s1], self.tag_ptr_, self.tag_rows_,
                           self.wv.vectors, self.dv.vectors, null, syn1, syn1neg, self.tables_, self.mode,
                           self.window, self.negative, bool(self.hs), bool(self.dm_mean), bool(self.dbow_words),
                           self.max_tags_, self.hidden_size, job.alpha0, job.alpha1, job.seed)

    # ------------------------------------------------------------------ inference
    def infer_vector(self, doc_words, epochs: int | None = None, alpha: float | None = None,
                     min_alpha: float | None = None, seed: int | None = None) -> np.ndarray:
        """A vector for a new document (a list of tokens, or one string of text), trained
        ``epochs`` passes (the model's by default) with everything else frozen. The same
        tokens and ``seed`` (the model's by default) give the same vector, always."""
        return self.infer_vectors([doc_words], epochs, alpha, min_alpha, seed, workers=1)[0]

    def infer_vectors(self, documents, epochs: int | None = None, alpha: float | None = None,
                      min_alpha: float | None = None, seed: int | None = None,
                      workers: int | None = None) -> np.ndarray:
        """``infer_vector`` for many documents at once on ``workers`` threads (the model's by
        default): one row per document, each row what ``infer_vector`` gives for it alone."""
        epochs = self.epochs if epochs is None else epochs
        alpha = self.effective_alpha if alpha is None else alpha
        min_alpha = self.min_alpha if min_alpha is None else min_alpha
        seed = self.seed if seed is None else seed
        check_int("epochs", epochs, 1, 100_000, allowed="an integer >= 1")
        check_number("alpha", alpha, 0, 10, low_open=True, allowed="a number in (0, 10]")
        check_number("min_alpha", min_alpha, 0, alpha, allowed=f"a number in [0, alpha={alpha}]")
        check_int("seed", seed, 0, 2**64 - 1, allowed="an integer in [0, 2**64)")
        workers = self.effective_workers if workers is None else workers
        check_int("workers", workers, 1, 1024, allowed="an integer in [1, 1024]")
        if self.wv is None:
            raise WordvecError("infer_vector: the model has no weights yet; train it first")
        if (self.negative > 0 and self.syn1neg is None) or (self.hs and self.syn1 is None):
            raise WordvecError("infer_vector: this model was saved without its output weights; inference needs them")
        if isinstance(documents, (str, bytes)):
            raise ParameterError("documents: pass a list of documents (each a list of tokens or a string)")
        tokens, bounds, seeds = self._encode_for_inference(documents, seed)
        n = len(seeds)
        out = np.empty((n, self.vector_size), np.float32)
        for d in range(n):  # each document starts from its own seed's draw, as it would alone
            rng = np.random.default_rng(int(seeds[d]))
            out[d] = (rng.random(self.vector_size, dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(
                self.vector_size)
        syn0, syn1, syn1neg, null = self._frozen_arrays()

        def run(first, last):
            infer_documents(tokens, bounds, first, last, out, syn0, null, syn1, syn1neg, self.tables_,
                            self.mode, self.window, self.negative, bool(self.hs), bool(self.dm_mean), 1,
                            self.hidden_size, epochs, np.float32(alpha), np.float32(min_alpha), seeds)

        cuts = np.linspace(0, n, min(workers, max(n, 1)) + 1).astype(int)
        if len(cuts) <= 2:
            run(0, n)
        else:
            with ThreadPoolExecutor(len(cuts) - 1) as pool:
                list(pool.map(run, cuts[:-1], cuts[1:]))
        return out

    def _frozen_arrays(self):
        """(syn0, syn1, syn1neg, null) for inference. The kernel never writes them, but Numba
        types only writable arrays: a model loaded with ``mmap=True`` maps them again
        copy-on-write (no copy is made, nothing reaches the files)."""
        syn1, syn1neg, null = self._outputs()
        arrays = [self.wv.vectors, syn1, syn1neg, null]
        names = ["vectors", "syn1", "syn1neg", "null"]
        for i, arr in enumerate(arrays):
            if not arr.flags.writeable:
                cached = self._cow.get(names[i]) if hasattr(self, "_cow") else None
                if cached is None:
                    cached = np.load(Path(self._source) / f"{names[i]}.npy", mmap_mode="c", allow_pickle=False)
                    if cached.shape != arr.shape or cached.dtype != arr.dtype:
                        raise WordvecError(f"{self._source}: {names[i]}.npy changed since the model was loaded")
                    self._cow = {**getattr(self, "_cow", {}), names[i]: cached}
                arrays[i] = cached
        return arrays

    def _encode_for_inference(self, documents, seed: int):
        """Vocabulary rows of each document (standardised as the training corpus was; words
        not in the vocabulary dropped), their bounds, and each document's seed."""
        reader = DocumentCorpus([], self.standardize, self.tokenizer)
        index = self.wv.key_to_index
        ids, bounds, seeds = [], [0], []
        for i, doc in enumerate(documents):
            if isinstance(doc, str):
                text = doc
            elif isinstance(doc, (list, tuple)) and all(isinstance(w, str) for w in doc):
                text = " ".join(doc)
            else:
                raise ParameterError(f"documents: document {i} must be a list of str tokens or one str, "
                                     f"found {type(doc).__name__}")
            raw = text.encode("utf-8", "replace").replace(b"\n", b" ").replace(b"\x00", b" ")
            words = reader._tokens([raw], "<inference>")[:-1]  # as the training corpus was read
            words = [w.decode("utf-8", "replace") for w in words]
            rows = np.fromiter((index[w] for w in words if w in index), np.int32)
            ids.append(rows)
            bounds.append(bounds[-1] + rows.size)
            # The stream depends on the seed and the words trained alone (crc32: stable across runs).
            seeds.append((seed * 0x9E3779B97F4A7C15 + zlib.crc32(rows.tobytes())) % 2**64)
        tokens = np.concatenate(ids) if ids else np.zeros(0, np.int32)
        return tokens.astype(np.int32), np.asarray(bounds, np.int64), np.asarray(seeds, np.uint64)

    # ------------------------------------------------------------------ persistence
    def config(self) -> dict:
        cfg = super().config()
        cfg["hidden_size"] = self.hidden_size
        return cfg

    def drop_weights(self) -> None:
        super().drop_weights()
        self.dv = self.null_ = None

    def trained_arrays(self) -> dict:
        return {"vectors": self.wv.vectors, "dv": self.dv.vectors, "null": self.null_,
                "syn1neg": self.syn1neg, "syn1": self.syn1}

    def required_arrays(self) -> tuple[str, ...]:
        return (("vectors", "dv") + (("null",) if self.mode == _MODE_CONCAT else ())
                + (("syn1neg",) if self.negative > 0 else ()) + (("syn1",) if self.hs else ()))

    def saved_tags(self):
        return self.dv.index_to_key, self.dv.counts

    def _restore_arrays(self, vocab: Vocabulary, arrays: dict, for_training: bool, source=None) -> None:
        from ..formats.native import read_tags

        if "dv" not in arrays:
            raise ModelFormatError(f"{source}: no dv.npy; not a doc2vec model")
        keys, doc_counts = read_tags(source, arrays["dv"].shape[0])
        if for_training and (keys != self.tag_keys_ or not np.array_equal(doc_counts, self.tag_doc_counts_)):
            raise CorpusError(f"{self.corpus_.name}: its documents' tags differ from those checkpointed in {source}; "
                              "cannot resume")
        self.wv = WordVectors(vocab.words, arrays["vectors"], vocab.counts)
        self.dv = KeyedVectors(keys, arrays["dv"], doc_counts)
        self._source, self._cow = source, {}  # where mmap'd arrays are re-mapped for inference
        self.null_ = arrays.get("null")
        self.syn1neg = arrays.get("syn1neg") if (self.negative > 0 or not for_training) else None
        self.syn1 = arrays.get("syn1") if (self.hs or not for_training) else None
        if self.mode == _MODE_CONCAT and self.null_ is None:
            raise ModelFormatError(f"{source}: no null.npy; a dm_concat model needs its padding vector")

