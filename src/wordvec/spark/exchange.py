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
"""
from __future__ import annotations

import secrets
import socket
import struct
import threading

import numpy as np

# request: token (16 bytes), round (int64); reply: status (int64: 0 ok, 1 unknown round),
# then each array's byte count (int64) and bytes, in the order of the task's shapes.
_REQUEST = struct.Struct("<16sq")
_INT = struct.Struct("<q")
CHUNK = 16 << 20  # bytes per send/recv call: a bounded view, never one huge buffer
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
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name="wordvec-weights", daemon=True).start()

    def publish(self, round_no: int, arrays: list[np.ndarray]) -> None:
        with self._lock:
            self._round = int(round_no)
            self._arrays = [np.ascontiguousarray(a) for a in arrays]

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass

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
                token, round_no = _REQUEST.unpack(request)
                if not secrets.compare_digest(token, self.token):
                    return  # not one of this run's tasks: say nothing
                with self._lock:
                    arrays = self._arrays if round_no == self._round else None
                if arrays is None:
                    conn.sendall(_INT.pack(1))
                    return
                conn.sendall(_INT.pack(0))
                for a in arrays:
                    view = memoryview(a).cast("B")
                    conn.sendall(_INT.pack(view.nbytes))
                    for i in range(0, view.nbytes, CHUNK):
                        conn.sendall(view[i:i + CHUNK])
            except OSError:
                return  # the task went away (killed, retried elsewhere): nothing to clean up


def fetch(address: tuple[str, int], token: bytes, round_no: int, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """The arrays of round ``round_no`` as fresh float32 arrays of ``shapes``, or an OSError
    (Spark then retries the task) naming what went wrong."""
    with socket.create_connection(tuple(address), timeout=TIMEOUT_S) as conn:
        conn.sendall(_REQUEST.pack(token, int(round_no)))
        (status,) = _INT.unpack(_recv_exact(conn, _INT.size))
        if status != 0:
            raise OSError(f"the driver's weight server at {address[0]}:{address[1]} no longer serves "
                          f"round {round_no}")
        out = []
        for shape in shapes:
            a = np.empty(shape, np.float32)
            view = memoryview(a).cast("B")
            (nbytes,) = _INT.unpack(_recv_exact(conn, _INT.size))
            if nbytes != view.nbytes:
                raise OSError(f"the driver's weight server sent {nbytes} bytes for a {shape} array")
            got = 0
            while got < nbytes:
                n = conn.recv_into(view[got:got + CHUNK])
                if n == 0:
                    raise OSError(f"the driver's weight server at {address[0]}:{address[1]} closed the "
                                  f"connection")
                got += n
            out.append(a)
        return out


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
