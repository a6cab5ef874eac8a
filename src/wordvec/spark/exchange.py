"""The round's weights, from the driver to the tasks, over one TCP connection per task.

Spark's broadcast of the weights cost 0.35-0.4 s a round for 2 x 12 MB on this machine
(pickled to a file, read by the JVM, fetched by each executor, written again for its
Python worker, unpickled), more than the training itself. Here the driver serves the
arrays' raw float32 bytes from a thread, and a task reads them straight into its own
array: a few tens of milliseconds. Nothing is pickled or executed: a reply is a
fixed-size header and the bytes of arrays whose shapes the task already knows.

A task asks for a round by its number; the driver publishes a round only after the
previous round's results are all in, and a retried task of round ``r`` gets the same bytes
again (the driver changes the weights only after the round's job has finished). A random
token per run keeps a stray connection from reading the weights.

With ``exchange="barrier"`` the tasks stay for the whole run (one Spark barrier job) and
also send their results here: a task asks for the first round at or after the one it
needs (blocking until the driver publishes it), trains it, and pushes its deltas, kept by
(round, partition) so that a restarted task's second copy replaces the first. The driver
combines a round when all partitions' results are in, in partition order.
"""
from __future__ import annotations

import secrets
import socket
import struct
import threading

import numpy as np

from ..kernels.deltas import momentum_step

# request: token (16 bytes), kind, round, partition (int64s).
# GET (this round) and AT_LEAST (the first published round >= this one, waiting for it;
#   the request's partition field is the round whose weights the task holds, or -1):
#   reply status (int64: OK, UNKNOWN round, FINISHED run, ABORTED run), the round served,
#   for AT_LEAST a mode (FULL, or SPARSE when the task holds the round before and the
#   driver knows which rows changed), then per array, in the order of the task's shapes:
#   FULL: byte count (int64) and bytes; SPARSE: row count, int64 rows, float32 rows.
# PUT: item count, then per delta item (array index, rows) + int64 rows + float32 deltas,
#   then the stats (loss float64, terms, effective words, words int64); reply status OK.
_REQUEST = struct.Struct("<16sqqq")
_INT = struct.Struct("<q")
_ITEM = struct.Struct("<qq")
_STATS = struct.Struct("<dqqq")
_STEP = struct.Struct("<ddq")  # block momentum: eta, L, how many weight arrays
GET, AT_LEAST, PUT = 0, 1, 2
OK, UNKNOWN, FINISHED, ABORTED = 0, 1, 2, 3
FULL, SPARSE, MOMENTUM = 0, 1, 2
CHUNK = 16 << 20  # bytes per send/recv call: a bounded view, never one huge buffer
MAX_PARTITIONS = 1 << 20  # a pushed partition id or count beyond this is garbage
TIMEOUT_S = 600.0  # a task waits this long for the driver before it fails (and is retried)


class WeightServer:
    """Serves the published round's arrays (by reference: the driver changes them only
    between rounds) until ``close``."""

    def __init__(self, host: str, port: int = 0):
        try:
            self._sock = socket.create_server((host, port), backlog=128)
        except OSError:  # the host name the executors use may not be bindable here
            self._sock = socket.create_server(("", port), backlog=128)
        self.address = (host, self._sock.getsockname()[1])
        self.token = secrets.token_bytes(16)
        self._round = -1
        self._arrays: list[np.ndarray] = []
        self._changed: list | None = None  # per array: (rows, their values) since the round before
        self._increments: tuple | None = None  # or block momentum's (eta, L, [(rows, summed deltas)])
        self._lock = threading.Condition()
        self._closed = False
        self._finished = False
        self._results: dict[int, dict[int, list]] = {}  # round -> partition -> items (barrier mode)
        threading.Thread(target=self._accept, name="wordvec-weights", daemon=True).start()

    def publish(self, round_no: int, arrays: list[np.ndarray], changed: list | None = None,
                increments: tuple | None = None) -> None:
        """Serve ``arrays`` as round ``round_no``. A task holding round ``round_no - 1`` gets
        only what changed: ``changed``, per array, the rows that differ (it gets their
        values); or ``increments``, block momentum's (eta, L, [(rows, summed deltas)]) for
        the weights, the first arrays, whose momentum arrays follow them (it applies
        ``momentum_step`` itself, as the driver did)."""
        with self._lock:
            self._round = int(round_no)
            self._arrays = [np.ascontiguousarray(a) for a in arrays]
            self._changed = None if changed is None else [(rows, a[rows]) for rows, a in zip(changed, self._arrays)]
            self._increments = increments
            self._results = {r: v for r, v in self._results.items() if r >= self._round}
            self._lock.notify_all()

    def finish(self) -> None:
        """Tell waiting tasks that the run is over (they return normally)."""
        with self._lock:
            self._finished = True
            self._lock.notify_all()

    def results(self, round_no: int, partitions: int, alive=lambda: True) -> list:
        """The pushed items of ``round_no``, in partition order, once all partitions' are in;
        ``alive()`` false while waiting (the job failed) raises RuntimeError."""
        with self._lock:
            while not all(p in self._results.get(round_no, {}) for p in range(partitions)):
                if not alive():
                    raise RuntimeError("the training job ended before the round's results were in")
                self._lock.wait(0.2)
            got = self._results.pop(round_no)
        return [item for p in range(partitions) for item in got[p]]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone does not)
        except OSError:
            pass
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(TIMEOUT_S)
                request = _recv_exact(conn, _REQUEST.size)
                token, kind, round_no, part = _REQUEST.unpack(request)
                if not secrets.compare_digest(token, self.token):
                    return  # not one of this run's tasks: say nothing
                if kind == PUT:  # ``part``: how many partitions' results follow
                    if not 0 < part <= MAX_PARTITIONS:
                        raise ValueError("bad partition count")
                    got = {}
                    for _ in range(part):
                        (p,) = _INT.unpack(_recv_exact(conn, _INT.size))
                        if not 0 <= p < MAX_PARTITIONS:
                            raise ValueError("bad partition")
                        got[p] = self._receive_items(conn)
                    with self._lock:
                        if round_no >= self._round:  # a late copy of a combined round is dropped
                            self._results.setdefault(round_no, {}).update(got)
                            self._lock.notify_all()
                    conn.sendall(_INT.pack(OK))
                    return
                with self._lock:
                    while (kind == AT_LEAST and self._round < round_no and not self._finished
                           and not self._closed):
                        self._lock.wait(1.0)
                    status = ABORTED if self._closed else FINISHED if self._finished else \
                        OK if self._round == round_no or (kind == AT_LEAST and self._round > round_no) else UNKNOWN
                    served, arrays, changed, increments = self._round, self._arrays, self._changed, self._increments
                conn.sendall(_INT.pack(status))
                if status != OK:
                    return
                conn.sendall(_INT.pack(served))
                held = kind == AT_LEAST and part == served - 1
                mode = SPARSE if held and changed is not None else \
                    MOMENTUM if held and increments is not None else FULL
                if kind == AT_LEAST:
                    conn.sendall(_INT.pack(mode))
                if mode == MOMENTUM:
                    eta, L, steps = increments
                    conn.sendall(_STEP.pack(eta, L, len(steps)))
                    for rows, g in steps:
                        _send_rows(conn, rows, g)
                    return
                if mode == SPARSE:
                    for rows, values in changed:
                        _send_rows(conn, rows, values)
                    return
                for a in arrays:
                    conn.sendall(_INT.pack(a.nbytes))
                    _send_array(conn, a)
            except (OSError, ValueError):
                return  # the task went away (killed, retried elsewhere) or sent garbage

    def _receive_items(self, conn) -> list:
        """A task's pushed results, checked against the published arrays' shapes."""
        with self._lock:
            shapes = [a.shape for a in self._arrays]
        (n_items,) = _INT.unpack(_recv_exact(conn, _INT.size))
        if not 0 <= n_items <= sum(shape[0] for shape in shapes):  # each item has a row at least
            raise ValueError("bad item count")
        items = []
        for _ in range(n_items):
            index, n_rows = _ITEM.unpack(_recv_exact(conn, _ITEM.size))
            if not (0 <= index < len(shapes) and 0 < n_rows <= shapes[index][0]):
                raise ValueError("bad item header")
            rows = _recv_array(conn, np.empty(n_rows, np.int64))
            if rows.min() < 0 or rows.max() >= shapes[index][0]:
                raise ValueError("row out of range")
            delta = _recv_array(conn, np.empty((n_rows, shapes[index][1]), np.float32))
            items.append(("delta", index, rows, delta))
        loss, terms, eff, words = _STATS.unpack(_recv_exact(conn, _STATS.size))
        items.append(("stats", None, loss, terms, eff, words))
        return items


def fetch(address: tuple[str, int], token: bytes, round_no: int, shapes: list[tuple[int, int]],
          at_least: bool = False, held: list[np.ndarray] | None = None, held_round: int = -1):
    """The arrays of round ``round_no`` as fresh float32 arrays of ``shapes``, or an OSError
    (Spark then retries the task) naming what went wrong. ``at_least``: wait for the first
    round >= ``round_no`` and return (round, arrays), or None once the run is finished;
    ``held``: the arrays of round ``held_round`` that the task holds, brought up to date in
    place (only the changed rows travel) when the round served is the next one."""
    where = f"the driver's weight server at {address[0]}:{address[1]}"
    with _connect(address, None if at_least else TIMEOUT_S) as conn:
        have = held_round if held is not None else -1
        conn.sendall(_REQUEST.pack(token, AT_LEAST if at_least else GET, int(round_no), int(have)))
        (status,) = _INT.unpack(_recv_exact(conn, _INT.size))
        if status == FINISHED and at_least:
            return None
        if status != OK:
            raise OSError(f"{where} no longer serves round {round_no}" if status == UNKNOWN else
                          f"{where} stopped the run")
        conn.settimeout(TIMEOUT_S)
        (served,) = _INT.unpack(_recv_exact(conn, _INT.size))
        mode = _INT.unpack(_recv_exact(conn, _INT.size))[0] if at_least else FULL
        if mode == SPARSE:
            if held is None or served != have + 1:
                raise OSError(f"{where} sent changed rows for weights this task does not hold")
            for a in held:
                rows, values = _recv_rows(conn, a.shape, where)
                a[rows] = values
            return served, held
        if mode == MOMENTUM:
            if held is None or served != have + 1:
                raise OSError(f"{where} sent a momentum step for weights this task does not hold")
            eta, L, n_weights = _STEP.unpack(_recv_exact(conn, _STEP.size))
            if not (0 < n_weights and 2 * n_weights == len(held) and 0 <= eta < 1 and L >= 1):
                raise OSError(f"{where} sent a momentum step for {n_weights} of {len(held)} arrays")
            for w, m in zip(held[:n_weights], held[n_weights:]):
                rows, g = _recv_rows(conn, w.shape, where)
                momentum_step(w, m, rows, g, eta, L)
            return served, held
        out = []
        for shape in shapes:
            a = np.empty(shape, np.float32)
            (nbytes,) = _INT.unpack(_recv_exact(conn, _INT.size))
            if nbytes != a.nbytes:
                raise OSError(f"the driver's weight server sent {nbytes} bytes for a {shape} array")
            out.append(_recv_array(conn, a))
        return (served, out) if at_least else out


def push(address: tuple[str, int], token: bytes, round_no: int, results: list, names: list[str]) -> None:
    """Send a task's results of a round to the driver: [(partition, ``train_slice``'s
    items)], over one connection (one per partition cost 1.7 ms each at 16 a task)."""
    with _connect(address, TIMEOUT_S) as conn:
        conn.sendall(_REQUEST.pack(token, PUT, int(round_no), len(results)))
        for partition, items in results:
            deltas = [it for it in items if it[0] == "delta"]
            stats = next(it for it in items if it[0] == "stats")
            conn.sendall(_INT.pack(int(partition)) + _INT.pack(len(deltas)))
            for _, name, rows, delta in deltas:
                conn.sendall(_ITEM.pack(names.index(name), rows.size))
                _send_array(conn, np.asarray(rows, np.int64))
                _send_array(conn, np.asarray(delta, np.float32))
            conn.sendall(_STATS.pack(float(stats[2]), int(stats[3]), int(stats[4]), int(stats[5])))
        (status,) = _INT.unpack(_recv_exact(conn, _INT.size))
        if status != OK:
            raise OSError(f"the driver's weight server at {address[0]}:{address[1]} refused round {round_no}")


def _connect(address: tuple[str, int], timeout: float | None) -> socket.socket:
    """A connection to the driver's weight server (``timeout`` None: then waiting as long as
    the other tasks take), or an OSError that says what to do."""
    try:
        conn = socket.create_connection(tuple(address), timeout=TIMEOUT_S)
    except OSError as e:
        raise OSError(f"cannot reach the driver's weight server at {address[0]}:{address[1]} ({e}); let the "
                      f"executors reach the driver's host, or train with exchange='broadcast'") from None
    conn.settimeout(timeout)
    return conn


def _send_rows(conn: socket.socket, rows: np.ndarray, values: np.ndarray) -> None:
    """Row ids (int64) and one float32 vector per row, behind their count."""
    conn.sendall(_INT.pack(rows.size))
    _send_array(conn, rows)
    _send_array(conn, values)


def _recv_rows(conn: socket.socket, shape: tuple[int, int], where: str) -> tuple[np.ndarray, np.ndarray]:
    """What ``_send_rows`` sent, for an array of ``shape``: the count and every row id
    checked against it before anything is allocated or applied (an OSError naming ``where``)."""
    (n_rows,) = _INT.unpack(_recv_exact(conn, _INT.size))
    if not 0 <= n_rows <= shape[0]:
        raise OSError(f"{where} sent {n_rows} rows for a {shape} array")
    rows = _recv_array(conn, np.empty(n_rows, np.int64))
    values = _recv_array(conn, np.empty((n_rows, shape[1]), np.float32))
    if n_rows and (rows.min() < 0 or rows.max() >= shape[0]):
        raise OSError(f"{where} sent a row outside a {shape} array")
    return rows, values


def _send_array(conn: socket.socket, a: np.ndarray) -> None:
    if a.size == 0:
        return
    view = memoryview(np.ascontiguousarray(a)).cast("B")
    for i in range(0, view.nbytes, CHUNK):
        conn.sendall(view[i:i + CHUNK])


def _recv_array(conn: socket.socket, a: np.ndarray) -> np.ndarray:
    """Fill ``a`` from the connection (in bounded chunks) and return it."""
    if a.size == 0:
        return a
    view = memoryview(a).cast("B")
    got = 0
    while got < view.nbytes:
        n = conn.recv_into(view[got:got + CHUNK])
        if n == 0:
            raise OSError("the connection closed before all the bytes came")
        got += n
    return a


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = conn.recv_into(view[got:])
        if k == 0:
            raise OSError("connection closed")
        got += k
    return bytes(buf)
