"""What Spark's Python workers run: pure functions of their arguments (no pyspark import).

Every task here is a pure function of (its partition's cached data, the broadcast values,
the round): a retried or speculative task gives the same result, and the driver adds the
results in partition order, so a seed gives the same model on the same layout.
"""
from __future__ import annotations

import os
from itertools import repeat

import numpy as np

from ..errors import CorpusError
from ..kernels.deltas import ALL_ROWS, changed_rows, mark_rows, row_deltas
from ..kernels.tables import build_tables
from ..kernels.word2vec import cbow_job, skipgram_job
from ..text.corpus import _sentence_bytes
from ..text.standardize import Standardizer
from ..train.schedule import Schedule
from ..vocab.encoding import _split_long
from ..vocab.wordcount import WordCounter
from . import exchange

TEXT_CHUNK = 1 << 22  # bytes of standardised text the counter takes at once
BLOCK_BYTES = 64 << 20  # weights travel in row blocks of at most 64 MiB (never one 2 GB byte array)


# ---------------------------------------------------------------------- lines to tokens
def number_lines(p: int, lines):
    """(line, (partition, line in partition)): positions in corpus order, known without
    counting the lines of earlier partitions."""
    for i, line in enumerate(lines):
        yield line, (p, i)


def line_bytes(line, where: tuple[int, int], std: Standardizer) -> bytes:
    """One line (a str, bytes, or list of str tokens; None is an empty line) at ``where``
    (partition, line) as standardised bytes on one line: what one machine's reader counts."""
    if line is None:
        return b""
    if not isinstance(line, (str, bytes, list, tuple)) and hasattr(line, "__iter__"):
        line = list(line)  # a Spark array column arrives as a list; other sequences too
    try:
        return std(_sentence_bytes(line, where[1]))
    except CorpusError as e:  # name the partition too: the line number is the partition's
        p, i = where
        raise CorpusError(str(e).replace(f"sentence {i}", f"partition {p}, sentence {i}", 1)) from None


def count_partition(p: int, rows, mode: str):
    """One pass over partition ``p``'s lines (``number_lines``'s rows) with one machine's
    counter (``WordCounter``, in Numba): one record (p, local ids with 0 at each line's end,
    the local words by id, their counts). A local id is the word's rank of first appearance
    in the partition, so (p, id) orders words by first appearance in the corpus."""
    std = Standardizer(mode)
    counter = WordCounter()
    ids, chunk, size = [], [], 0
    for line, where in rows:
        b = line_bytes(line, where, std)
        chunk.append(b)
        size += len(b) + 1
        if size >= TEXT_CHUNK:
            ids.append(counter.add(b"\n".join(chunk) + b"\n"))
            chunk, size = [], 0
    if chunk:
        ids.append(counter.add(b"\n".join(chunk) + b"\n"))
    local = np.concatenate(ids) if ids else np.zeros(0, np.int32)
    yield p, local, counter.words(), counter.counts


def local_counts(record):
    """(word, (count, (partition, local id))) for every word of a ``count_partition`` record."""
    p, _, words, counts = record
    for k in range(1, len(words)):
        yield words[k], (int(counts[k]), (p, k))


def merge_counts(a, b):
    return a[0] + b[0], min(a[1], b[1])


def keep_counted(items, floor: int):
    """The words counted at least ``floor`` times, then (None, (distinct words, tokens))."""
    distinct = tokens = 0
    for word, (count, first) in items:
        distinct += 1
        tokens += count
        if count >= floor:
            yield word, (count, first)
    yield None, (distinct, tokens)


def encode_partition(record, index_bc, max_len: int):
    """One record for the partition: (tokens int32, sentence lengths int64), from its local
    ids and the broadcast vocabulary (one lookup per distinct word, not per token):
    out-of-vocabulary tokens removed, empty lines dropped and long lines split, as
    ``encode_id_stream`` does."""
    _, local, words, _ = record
    index = index_bc.value
    remap = np.fromiter(map(index.get, words, repeat(-1)), dtype=np.int32, count=len(words))
    remap[0] = -2  # a line's end
    mapped = remap[local]
    mapped = mapped[mapped != -1]
    ends = np.flatnonzero(mapped == -2)
    lengths = np.diff(np.concatenate([[-1], ends])) - 1
    lengths = lengths[lengths > 0]
    bounds = _split_long(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), max_len)  # long lines cut
    yield mapped[mapped >= 0], np.diff(bounds).astype(np.int64)


def job_pieces(p: int, records, bases, batch_words: int):
    """Cut partition ``p``'s encoded shard into pieces of jobs. A sentence belongs to job
    ``(global end - 1) // batch_words`` (the last job mark it reaches, as one machine's
    ``EncodedCorpus.jobs`` cuts): yields (job label, (global start, tokens, lengths))."""
    base = int(bases[p])
    for tokens, lengths in records:
        if lengths.size == 0:
            continue
        ends = base + np.cumsum(lengths)
        starts = ends - lengths
        labels = (ends - 1) // batch_words
        cuts = np.flatnonzero(np.diff(labels)) + 1
        sent_lo = np.concatenate([[0], cuts])
        sent_hi = np.concatenate([cuts, [labels.size]])
        for a, b in zip(sent_lo, sent_hi):
            t0 = int(starts[a]) - base
            t1 = int(ends[b - 1]) - base
            yield int(labels[a]), (int(starts[a]), tokens[t0:t1], lengths[a:b])
        base = int(ends[-1])


def assemble_jobs(pieces):
    """A partition's jobs, sorted by label: (label, t0, t1, tokens, bounds). A job cut by an
    input partition boundary arrives in two pieces; they are joined in corpus order."""
    by_label: dict = {}
    for label, piece in pieces:
        by_label.setdefault(label, []).append(piece)
    jobs = []
    for label in sorted(by_label):
        ps = sorted(by_label[label], key=lambda x: x[0])
        tokens = np.concatenate([x[1] for x in ps]).astype(np.int32, copy=False)
        lengths = np.concatenate([x[2] for x in ps])
        bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        jobs.append((label, ps[0][0], ps[0][0] + int(tokens.size), tokens, bounds))
    yield jobs


# ---------------------------------------------------------------------- weights
def split_rows(a: np.ndarray, block_bytes: int = BLOCK_BYTES) -> list[np.ndarray]:
    """``a`` as row blocks of at most ``block_bytes`` (one row at least)."""
    rows = max(1, block_bytes // max(1, a.shape[1] * a.itemsize))
    return [a[i:i + rows] for i in range(0, a.shape[0], rows)] or [a]


def _die_once(folder: str) -> None:
    """Fault injection for tests (``WORDVEC_SPARK_FAULT=<folder>`` on the driver): the first
    task to get here, across the whole run, kills its Python worker mid-task, as a lost
    executor would; Spark retries the task, which must return what an unbroken one does."""
    try:
        fd = os.open(os.path.join(folder, "wordvec-spark-fault"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os._exit(3)


_TABLES: dict = {}  # per Python worker: the tables of one vocabulary, built once


def _tables(key, counts_bc, sample, negative, ns_exponent, hs):
    if key not in _TABLES:
        _TABLES.clear()
        _TABLES[key] = build_tables(counts_bc.value, sample, negative, ns_exponent, hs)
    return _TABLES[key]


_FETCHED: dict = {}  # per Python worker: the last round's weights, for its other tasks of that round


def round_weights(weights) -> dict:
    """The round's weights as {name: row blocks}, read-only: from Spark broadcasts
    ({name: [Broadcast]}), or fetched from the driver's weight server
    (("server", address, token, round, {name: shape})) once per Python worker and round."""
    if isinstance(weights, dict):
        return {name: [bc.value for bc in blocks] for name, blocks in weights.items()}
    _, address, token, round_no, shapes = weights
    key = (token, round_no)
    if key not in _FETCHED:
        _FETCHED.clear()  # the previous round's copy goes before this one arrives
        arrays = exchange.fetch(address, token, round_no, list(shapes.values()))
        _FETCHED[key] = {name: [a] for name, a in zip(shapes, arrays)}
    return _FETCHED[key]


def train_partition(p: int, partition, weights, counts_bc, cfg: dict, epoch: int, lo: int, hi: int):
    """Train partition ``p``'s jobs with labels in [lo, hi) on a private copy of the round's
    weights (``round_weights``); yield the delta of the rows that changed, in row blocks,
    then the loss sums."""
    jobs = [j for part in partition for j in part if lo <= j[0] < hi]
    yield from train_slice(p, jobs, round_weights(weights), counts_bc, cfg, epoch)


def train_rounds(slot: int, partition, server: tuple, counts_bc, cfg: dict, first_round: int):
    """A barrier task (``exchange="barrier"``): for every round from ``first_round`` (or the
    one the driver is at, after a restart) until the driver says the run is over, fetch the
    round's weights, train each of this slot's partitions (``p % slots == slot``) on its
    jobs of the round from those weights, and push each partition's results to the driver.
    Each result is a pure function of (round, partition, weights): a restarted task pushes
    the same bytes again, and the model does not depend on the number of slots."""
    _, address, token, shapes = server
    names = list(shapes)
    P, S = cfg["partitions"], cfg["slots"]
    mine = {p: [] for p in range(slot, P, S)}
    for part in partition:
        for job in part:  # in label order (assemble_jobs sorts them)
            mine[job[0] % P].append(job)
    labels = {p: np.array([j[0] for j in jobs], np.int64) for p, jobs in mine.items()}
    rounds, n_jobs = cfg["rounds"], cfg["n_jobs"]
    round_no, held = first_round, None  # held: the weights of round_no - 1, kept between rounds
    while True:
        got = exchange.fetch(address, token, round_no, list(shapes.values()), at_least=True, held=held,
                             held_round=round_no - 1)
        if got is None:
            break
        round_no, arrays = got
        held = arrays
        epoch, r = divmod(round_no, rounds)
        lo, hi = n_jobs * r // rounds, n_jobs * (r + 1) // rounds
        # the weights; with block momentum its arrays follow them ("momentum-<name>"), kept
        # so that the next round's step can be applied here
        trained = [(k, a) for k, a in zip(names, arrays) if not k.startswith("momentum-")]
        weights = {k: [a] for k, a in trained}
        work = {k: a.copy() for k, a in trained}  # one copy a round, put back after each partition
        results = []
        for p, jobs in mine.items():
            a, b = np.searchsorted(labels[p], [lo, hi])  # the round's jobs: a slice, not a scan
            results.append((p, list(train_slice(p, jobs[a:b], weights, counts_bc, cfg, epoch, work))))
        exchange.push(address, token, round_no, results, names)
        round_no += 1
    yield ("done", slot)


def train_slice(p: int, jobs: list, old: dict, counts_bc, cfg: dict, epoch: int, work: dict | None = None):
    """Train ``jobs`` on a private copy of ``old`` ({name: row blocks}, left unchanged); yield
    ("delta", name, rows, delta) for the rows that changed, then ("stats", p, loss, ...).
    ``work``: {name: array} equal to ``old``, trained on instead of a new copy and left
    equal to ``old`` again (the changed rows put back), for the task's next partition: a
    copy of the model per partition cost as much as training a small slice.

    Each job's learning-rate span and seed follow from its position in the corpus
    (``Schedule``), as on one machine."""
    new = work if work is not None else \
        {name: np.concatenate(blocks) if len(blocks) > 1 else np.array(blocks[0]) for name, blocks in old.items()}
    d = cfg["vector_size"]
    dummy = np.zeros((1, d), np.float32)
    syn0 = new["vectors"]
    syn1 = new.get("syn1", dummy)
    syn1neg = new.get("syn1neg", dummy)
    tables = _tables(cfg["vocab_key"], counts_bc, cfg["sample"], cfg["negative"],
                     cfg["ns_exponent"], cfg["hs"])
    sched = Schedule(cfg["n_tokens"], cfg["epochs"], cfg["alpha"], cfg["min_alpha"], cfg["seed"])
    loss = 0.0
    terms = eff = words = 0
    # Only the slice's own words' input rows, and the output rows the kernels record, can
    # change: the delta scan compares those alone (a scan of the whole model per partition
    # cost more than training a small slice).
    inputs = np.zeros(syn0.shape[0], np.bool_)
    touched = np.zeros((2, syn0.shape[0]), np.bool_)  # output rows written: syn1neg, syn1
    for n_done, (label, t0, t1, tokens, bounds) in enumerate(jobs):
        mark_rows(inputs, tokens)
        if n_done == 1 and cfg.get("fault"):
            _die_once(cfg["fault"])
        a0, a1 = sched.job_alphas(epoch, t0, t1)
        seed = sched.job_seed(epoch, label)
        if cfg["sg"]:
            r = skipgram_job(tokens, bounds, syn0, syn1, syn1neg, tables, cfg["window"], cfg["negative"],
                             cfg["hs"], a0, a1, seed, touched)
        else:
            r = cbow_job(tokens, bounds, syn0, syn1, syn1neg, tables, cfg["window"], cfg["negative"], cfg["hs"],
                         cfg["cbow_mean"], a0, a1, seed, touched)
        loss += r[0]
        terms += r[1]
        eff += r[2]
        words += int(tokens.size)
    for name, blocks in old.items():
        start = 0
        for block in blocks:
            marks = {"vectors": inputs, "syn1neg": touched[0], "syn1": touched[1]}[name]
            mask = marks[start:start + block.shape[0]]
            yield from delta_items(name, new[name][start:start + block.shape[0]], block, start,
                                   restore=work is not None, mask=mask)
            start += block.shape[0]
    yield ("stats", p, loss, terms, eff, words)


def delta_items(name: str, new: np.ndarray, old: np.ndarray, start: int, block_bytes: int = BLOCK_BYTES,
                restore: bool = False, mask: np.ndarray = ALL_ROWS):
    """("delta", name, rows + start, new[rows] - old[rows]) for the rows that changed, at most
    ``block_bytes`` of deltas an item (``collect`` sends each through a Java byte array);
    ``restore``: then put ``old``'s values back into those rows of ``new``; ``mask``: the
    rows that may have changed (``changed_rows``)."""
    rows = changed_rows(new, old, mask)
    step = max(1, block_bytes // (4 * max(1, old.shape[1])))
    for i in range(0, rows.size, step):
        piece = rows[i:i + step]
        delta = row_deltas(new, old, piece)
        if restore:
            new[piece] = old[piece]
        yield ("delta", name, piece + start, delta)
