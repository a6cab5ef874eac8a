"""How a round's tasks run and return their results (``fit(exchange=...)``).

- ``JobRounds``: one Spark job per round. The weights come from the driver's weight server
  (``"server"``) or from Spark broadcasts (``"broadcast"``); the results come back by
  ``collect``. A lost task is retried by Spark on its own. Any number of partitions.
- ``BarrierRounds`` (``"barrier"``): one Spark barrier job for the whole run, its tasks
  launched together and kept; each round they fetch the weights from the weight server
  once, train each of their partitions from them, and push each partition's results. No
  Spark job per round (about 0.17 s each on this machine). With fewer slots than
  partitions a task trains several partitions one after the other: the same results. A
  lost task restarts all of them (Spark's barrier rule), at the round the driver is at.

Both return a round's items in partition order, so the model is the same bit for bit.
"""
from __future__ import annotations

import socket
import threading
import uuid

import numpy as np

from . import tasks
from .exchange import WeightServer


def choose(exchange: str, sc, partitions: int) -> tuple[str, int]:
    """(exchange, task slots the training uses). ``"auto"`` is ``"barrier"`` unless dynamic
    allocation is on (barrier mode refuses it), else ``"server"``. A barrier job needs a slot
    for each of its tasks at once, so it runs min(partitions, Spark's default parallelism)
    tasks, each training its share of the partitions (partition ``p`` on task ``p % slots``)."""
    if exchange == "auto":
        dynamic = sc.getConf().get("spark.dynamicAllocation.enabled", "false").lower() == "true"
        exchange = "server" if dynamic else "barrier"
    slots = max(1, min(partitions, sc.defaultParallelism)) if exchange == "barrier" else partitions
    return exchange, slots


def runner(exchange: str, sc, jobs_rdd, counts_bc, cfg: dict, partitions: int):
    """(the rounds' runner, the driver's weight server or None) for a chosen ``exchange``."""
    server = None
    if exchange != "broadcast":
        server = WeightServer(sc.getConf().get("spark.driver.host", None) or socket.gethostname())
    if exchange == "barrier":
        return BarrierRounds(sc, jobs_rdd, counts_bc, cfg, server, partitions), server
    return JobRounds(sc, jobs_rdd, counts_bc, cfg, server), server


class JobRounds:
    def __init__(self, sc, jobs_rdd, counts_bc, cfg: dict, server):
        self.sc, self.jobs_rdd, self.counts_bc, self.cfg, self.server = sc, jobs_rdd, counts_bc, cfg, server

    def run(self, arrays: dict, round_no: int, epoch: int, lo: int, hi: int, changed=None, momentum=None) -> list:
        sc, counts_bc, cfg = self.sc, self.counts_bc, self.cfg
        if self.server is not None:
            self.server.publish(round_no, list(arrays.values()))
            weights = ("server", self.server.address, self.server.token, round_no,
                       {k: a.shape for k, a in arrays.items()})
            blocks_bc = []
        else:
            weights = {name: [sc.broadcast(np.ascontiguousarray(b)) for b in tasks.split_rows(a)]
                       for name, a in arrays.items()}
            blocks_bc = [bc for blocks in weights.values() for bc in blocks]
        try:
            return self.jobs_rdd.mapPartitionsWithIndex(
                lambda p, part: tasks.train_partition(p, part, weights, counts_bc, cfg, epoch, lo, hi)).collect()
        finally:
            for bc in blocks_bc:
                bc.destroy()

    def close(self, failed: bool) -> None:
        pass


class BarrierRounds:
    def __init__(self, sc, jobs_rdd, counts_bc, cfg: dict, server, partitions: int):
        self.sc, self.jobs_rdd, self.counts_bc, self.cfg, self.server = sc, jobs_rdd, counts_bc, cfg, server
        self.partitions = partitions
        self.names: list[str] = []
        self.group = f"wordvec-{uuid.uuid4().hex}"
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def run(self, arrays: dict, round_no: int, epoch: int, lo: int, hi: int, changed=None, momentum=None) -> list:
        """``changed``: what differs from the round before (``_round``'s; None: unknown), so
        a task that holds that round fetches only that. With ``momentum`` the tasks hold
        it too ({name: array}, published after the weights as "momentum-<name>")."""
        published = {**arrays, **{f"momentum-{k}": m for k, m in (momentum or {}).items()}}
        if changed is None:
            self.server.publish(round_no, list(published.values()))
        elif isinstance(changed, tuple):  # ("momentum", eta, L, steps)
            _, eta, L, steps = changed
            self.server.publish(round_no, list(published.values()),
                                increments=(eta, L, [steps[k] for k in arrays]))
        else:
            self.server.publish(round_no, list(published.values()), [changed[k] for k in arrays])
        if self.thread is None:
            self.names = list(arrays)
            self._start(round_no, {k: a.shape for k, a in published.items()})
        try:
            items = self.server.results(round_no, self.partitions, alive=self.thread.is_alive)
        except RuntimeError:
            if self.error is not None:
                raise self.error from None  # Spark's own reason
            raise
        return [("delta", self.names[it[1]], it[2], it[3]) if it[0] == "delta" else it for it in items]

    def _start(self, first_round: int, shapes: dict) -> None:
        server = ("server", self.server.address, self.server.token, shapes)
        counts_bc, cfg, sc = self.counts_bc, self.cfg, self.sc

        def job():
            try:
                sc.setJobGroup(self.group, "wordvec training rounds", interruptOnCancel=True)
                # A shuffle after the barrier stage: Spark restarts a failed barrier stage only
                # when it is a shuffle map stage ("Could not recover from a failed barrier
                # ResultStage" otherwise).
                (self.jobs_rdd.barrier().mapPartitionsWithIndex(
                    lambda p, part: tasks.train_rounds(p, part, server, counts_bc, cfg, first_round))
                 .partitionBy(1).collect())
            except BaseException as e:  # reported by close(), or by the next round's wait
                self.error = e

        self.thread = threading.Thread(target=job, name="wordvec-barrier-job", daemon=True)
        self.thread.start()

    def close(self, failed: bool) -> None:
        if self.thread is None:
            return
        if failed:
            self.sc.cancelJobGroup(self.group)
            self.server.close()  # waiting tasks are told the run stopped
        else:
            self.server.finish()  # waiting tasks return normally
        self.thread.join(None if not failed else 60)
        if self.error is not None and not failed:
            raise self.error
