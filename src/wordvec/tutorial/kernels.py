"""Numba kernels for the tutorial's model on the CPU: a whole epoch in one call.

The model is the tutorial's: logits = target_vector . context_vector for 1 + num_ns
contexts, softmax (or per-column sigmoid) cross-entropy, Adam. At 1024 examples a batch
the step is tiny, so PyTorch on a CPU spends its time in per-op overhead and in dense
Adam over both whole tables (2 x vocab x dim floats per step). Here a step touches only
the rows its batch uses, and is still dense Adam (PyTorch's form: p -= a_t m / (sqrt(v) +
eps_t), a_t = lr sqrt(1 - b2^t) / (1 - b1^t), eps_t = eps sqrt(1 - b2^t)):

A row with zero gradient for n steps only decays: m <- b1^n m, v <- b2^n v, and it moves
by sum_j a_(s+j) b1^j m / (b2^(j/2) sqrt(v) + eps_(s+j)). That sum costs two table
lookups (``AdamSchedule``) and is applied just before the row is next read, and at the
end (``finish``); only how eps enters it is approximated, to first order in
eps / sqrt(v). Tests check the parameters against dense Adam.

Two threads share a step: each gathers and back-propagates half the batch into its own
gradient buffers, and each catches up and updates the rows in its own blocks; spin
barriers (atomic loads and stores) separate the phases. One thread does both halves in
turn, with the same arithmetic, so the parameters are bit-identical for 1 or 2 threads.
"""
from __future__ import annotations

import math
import threading

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# error_model="numpy": no ZeroDivisionError check per division, so the row loops vectorise.


class AdamSchedule:
    """Per-step constants of Adam for steps 1..steps, as float64 arrays (index = step):

    ``a[t] = lr sqrt(1 - b2^t) / (1 - b1^t)`` and ``eps[t] = eps sqrt(1 - b2^t)`` (PyTorch's
    Adam written as p -= a_t m / (sqrt(v) + eps_t)); ``tail[t] = sum_(s >= t) a[s] r^(s-t)``
    with r = b1 / sqrt(b2), which makes any catch-up sum two lookups; ``d1[n] = b1^n``,
    ``d2[n] = b2^n``, ``rn[n] = r^n``."""

    def __init__(self, steps: int, lr: float, beta1: float, beta2: float, eps: float):
        t = np.arange(steps + 2, dtype=np.float64)
        t[0] = 1.0
        bc1 = 1.0 - beta1**t
        bc2 = np.sqrt(1.0 - beta2**t)
        self.a = lr * bc2 / bc1
        self.eps = eps * bc2
        self.r = beta1 / math.sqrt(beta2)
        self.tail = _discounted_tail(self.a, self.r)
        # the same weights times each step's eps / b2^(j/2): their mean eps over a gap
        self.tail_eps = _discounted_tail(self.a * self.eps, beta1 / beta2)
        n = np.arange(steps + 2, dtype=np.float64)
        self.d1, self.d2, self.rn, self.rn_eps = beta1**n, beta2**n, self.r**n, (beta1 / beta2) ** n

    def arrays(self):
        return self.a, self.eps, self.tail, self.d1, self.d2, self.rn, self.tail_eps, self.rn_eps


@njit(nogil=True, cache=True)
def _discounted_tail(a, r):
    out = np.zeros(a.shape[0] + 1)
    for t in range(a.shape[0] - 1, 0, -1):
        out[t] = a[t] + r * out[t + 1]
    return out


# Threads own alternate blocks of this many rows in the row-wise phases (catch-up, Adam).
ROW_BLOCK = 16
# A batch is split in two halves ("parts") whose gradients go to separate buffers and are
# added in a fixed order, so one thread (both parts in turn) and two threads (a part each)
# compute bit-identical parameters.
PARTS = 2
# Each thread's barrier counter sits on a 64-byte line of its own; the slot after the
# last thread's is the abort flag.
SYNC_STRIDE = 8


@intrinsic
def _load_acquire(typingctx, array, index):
    """``array[index]`` (int64) as an atomic acquire load: read afresh on each pass of a
    spin loop, and nothing after it is read before it."""
    if not (isinstance(array, types.Array) and array.dtype == types.int64 and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        arrayty, indexty = signature.args
        arr = context.make_array(arrayty)(context, builder, args[0])
        i = context.cast(builder, args[1], indexty, types.intp)
        ptr = cgutils.get_item_pointer(context, builder, arrayty, arr, [i])
        return builder.load_atomic(ptr, "acquire", 8)

    return types.int64(array, index), codegen


@intrinsic
def _store_release(typingctx, array, index, value):
    """``array[index] = value`` (int64) as an atomic release store: everything written
    before it is visible to a thread that reads it with ``_load_acquire``."""
    if not (isinstance(array, types.Array) and array.dtype == types.int64 and isinstance(index, types.Integer)
            and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        arrayty, indexty, valuety = signature.args
        arr = context.make_array(arrayty)(context, builder, args[0])
        i = context.cast(builder, args[1], indexty, types.intp)
        ptr = cgutils.get_item_pointer(context, builder, arrayty, arr, [i])
        builder.store_atomic(context.cast(builder, args[2], valuety, types.int64), ptr, "release", 8)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@njit(nogil=True, cache=True)
def _barrier(sync, tid, nthreads, count):
    """Thread ``tid`` has reached barrier number ``count``: wait (spinning - a step takes
    under a millisecond, far less than a sleep and wake-up) until every thread has.
    False if a thread aborted (the Python side sets the abort flag)."""
    if nthreads == 1:
        return True
    _store_release(sync, tid * SYNC_STRIDE, count)
    for other in range(nthreads):
        if other != tid:
            while _load_acquire(sync, other * SYNC_STRIDE) < count:
                if _load_acquire(sync, nthreads * SYNC_STRIDE) != 0:
                    return False
    return True


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _catch_up_rows(p, m, v, last, slots, decay, now, sched, all_rows, tid, nthreads):
    """Apply the zero-gradient Adam steps last+1 .. now to the parameters of the rows the
    batch uses (a slot >= 0 in either part; every row with ``all_rows``) in this thread's
    blocks. Their m, v decay over the gap goes to ``decay`` for the caller: step now+1's
    update, or ``finish``.

    Step j of a gap moves p by w_j m / (sqrt(v) + e_j), w_j = a[last+j] r^j and
    e_j = eps[last+j] / b2^(j/2); this applies sum(w_j) m / (sqrt(v) + mean e), the
    mean weighted by w_j - exact to first order in e / sqrt(v)."""
    a, eps_t, tail, d1s, d2s, rn, tail_eps, rn_eps = sched
    V = p.shape[0]
    for block in range(tid * ROW_BLOCK, V, nthreads * ROW_BLOCK):
        for row in range(block, min(block + ROW_BLOCK, V)):
            if not (all_rows or slots[0, row] >= 0 or slots[1, row] >= 0):
                continue
            before = last[row]
            n = now - before
            if n <= 0 or before < 1:  # no gap, or never updated (m = v = 0)
                decay[0, row] = 1.0
                decay[1, row] = 1.0
                continue
            # sum_(j=1..n) a[last+j] r^j = r (tail[last+1] - r^n tail[last+n+1])
            total = rn[1] * (tail[before + 1] - rn[n] * tail[now + 1])
            weighted_eps = rn_eps[1] * (tail_eps[before + 1] - rn_eps[n] * tail_eps[now + 1])
            step = np.float32(total)
            e = np.float32(weighted_eps / total)
            pr, mr, vr = p[row], m[row], v[row]
            for k in range(pr.shape[0]):
                pr[k] -= step * mr[k] / (np.sqrt(vr[k]) + e)
            decay[0, row] = d1s[n]
            decay[1, row] = d2s[n]


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _adam_rows(p, m, v, grads, slots, last, decay, t, sched, beta1, beta2, zero, tid, nthreads):
    """One Adam step at step t for the rows the batch uses in this thread's blocks: a
    row's gradient is ``grads[0, slots[0, row]] + grads[1, slots[1, row]]`` (``zero``
    for a part that does not use it). Clears the gradients and slots it read. Rows go in
    memory order (a scan of the slots is cheap) so the prefetcher helps."""
    at = np.float32(sched[0][t])
    et = np.float32(sched[1][t])
    c1 = np.float32(1.0 - beta1)
    c2 = np.float32(1.0 - beta2)
    V = p.shape[0]
    for block in range(tid * ROW_BLOCK, V, nthreads * ROW_BLOCK):
        for row in range(block, min(block + ROW_BLOCK, V)):
            s0 = slots[0, row]
            s1 = slots[1, row]
            if s0 < 0 and s1 < 0:
                continue
            g0 = grads[0, s0] if s0 >= 0 else zero
            g1 = grads[1, s1] if s1 >= 0 else zero
            pr, mr, vr = p[row], m[row], v[row]
            b1 = np.float32(beta1) * decay[0, row]
            b2 = np.float32(beta2) * decay[1, row]
            for k in range(pr.shape[0]):
                gk = g0[k] + g1[k]
                mk = b1 * mr[k] + c1 * gk
                vk = b2 * vr[k] + c2 * gk * gk
                mr[k] = mk
                vr[k] = vk
                pr[k] -= at * mk / (np.sqrt(vk) + et)
                g0[k] = 0.0
                g1[k] = 0.0
            last[row] = t
            slots[0, row] = -1
            slots[1, row] = -1


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _gather(targets, contexts, labels, order, bt, bc, bl, slot_w, slot_c):
    """Copy the examples ``order`` lists into ``bt, bc, bl`` (so later loops read them in
    sequence) and give each row they use a gradient buffer row (its slot)."""
    used_w = 0
    used_c = 0
    for j in range(order.shape[0]):
        i = order[j]
        bt[j] = targets[i]
        if slot_w[bt[j]] < 0:
            slot_w[bt[j]] = used_w
            used_w += 1
        for k in range(bc.shape[1]):
            bc[j, k] = contexts[i, k]
            bl[j, k] = labels[i, k]
            if slot_c[bc[j, k]] < 0:
                slot_c[bc[j, k]] = used_c
                used_c += 1


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _forward_backward(W, C, grads_w, grads_c, slot_w, slot_c, bt, bc, bl, mean, sigmoid, logits, dlog, grad_w):
    """Examples ``bt, bc, bl`` of a batch: logits by dot product, the loss, and its
    gradients (``mean`` = 1 / batch size: the loss is the batch mean) added to the rows'
    gradient buffers. Returns (summed loss, correct predictions). Gradients use the
    parameters from before this step's update."""
    K = bc.shape[1]
    D = W.shape[1]
    loss_sum = 0.0
    correct = 0
    for j in range(bt.shape[0]):
        tw = bt[j]
        w = W[tw]
        best = 0
        ybest = 0
        ysum = np.float32(0.0)
        for k in range(K):
            cr = C[bc[j, k]]
            s = np.float32(0.0)
            for d in range(D):
                s += w[d] * cr[d]
            logits[k] = s
            if s > logits[best]:
                best = k
            y = bl[j, k]
            ysum += y
            if y > bl[j, ybest]:
                ybest = k
        if best == ybest:
            correct += 1
        if sigmoid:  # mean over the columns too, as Keras' binary cross-entropy
            for k in range(K):
                x = logits[k]
                y = bl[j, k]
                ex = math.exp(-abs(x))
                loss_sum += (max(x, 0.0) - x * y + math.log1p(ex)) / K
                prob = 1.0 / (1.0 + ex) if x >= 0 else ex / (1.0 + ex)
                dlog[k] = (prob - y) * mean / K
        else:  # one exp per column: softmax = e_k / z, loss = sum_k y_k (max + log z - logit_k)
            mx = logits[best]
            z = np.float32(0.0)
            for k in range(K):
                e = np.float32(math.exp(logits[k] - mx))
                dlog[k] = e
                z += e
            lse = mx + math.log(z)
            scale = ysum / z
            for k in range(K):
                y = bl[j, k]
                loss_sum += y * (lse - logits[k])
                dlog[k] = (dlog[k] * scale - y) * mean
        # backward: the target's gradient summed over the columns, added once
        for d in range(D):
            grad_w[d] = 0.0
        for k in range(K):
            c = bc[j, k]
            g = dlog[k]
            cr = C[c]
            gcr = grads_c[slot_c[c]]
            for d in range(D):
                grad_w[d] += g * cr[d]
            for d in range(D):
                gcr[d] += g * w[d]
        gwr = grads_w[slot_w[tw]]
        for d in range(D):
            gwr[d] += grad_w[d]
    return loss_sum, correct


# train_epoch's last arguments, in its order
SCRATCH = ("grads_w", "grads_c", "slots_w", "slots_c", "decay_w", "decay_c", "sync", "results")


def scratch(vocab_size: int, dim: int, columns: int, batch_size: int, threads: int) -> dict:
    """The buffers ``train_epoch`` shares between its threads: gradient rows per part
    (a half batch uses at most that many distinct rows), each part's slot per table row
    (-1: unused), the decay of rows caught up this step, the barrier counters and each
    part's (loss, correct) of the epoch."""
    half = -(-batch_size // PARTS)
    return dict(
        grads_w=np.zeros((PARTS, min(half, vocab_size), dim), np.float32),
        grads_c=np.zeros((PARTS, min(half * columns, vocab_size), dim), np.float32),
        slots_w=np.full((PARTS, vocab_size), -1, np.int32),
        slots_c=np.full((PARTS, vocab_size), -1, np.int32),
        decay_w=np.ones((2, vocab_size), np.float32),
        decay_c=np.ones((2, vocab_size), np.float32),
        sync=np.zeros((threads + 1) * SYNC_STRIDE, np.int64),
        results=np.zeros((PARTS, 2), np.float64),
    )


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_epoch(tid, nthreads, W, C, state_w, state_c, last_w, last_c, targets, contexts, labels, order,
                batch_size, step0, sched, beta1, beta2, sigmoid, grads_w, grads_c, slots_w, slots_c, decay_w,
                decay_c, sync, results):
    """Thread ``tid`` of ``nthreads`` (1 or 2; every thread gets the same arguments)
    trains on the examples ``order`` lists (already shuffled) in batches of
    ``batch_size``; the caller drops a partial last batch if it wants to. Returns the
    last step; each part's summed loss and correct predictions go to ``results``.
    ``state_*`` are Adam's (m, v) stacked: (2, V, D); the rest is ``scratch``.

    Each step: each part gathers its half batch (barrier); each thread catches up the
    rows in its blocks (barrier); each part's forward and backward pass adds gradients
    to its own buffers, small enough to stay in a core's cache (barrier); each thread
    applies Adam to the rows in its blocks (barrier)."""
    K = contexts.shape[1]
    D = W.shape[1]
    mw, vw = state_w[0], state_w[1]
    mc, vc = state_c[0], state_c[1]
    half = (batch_size + 1) // 2
    bt_all = np.empty((PARTS, half), targets.dtype)
    bc_all = np.empty((PARTS, half, K), contexts.dtype)
    bl_all = np.empty((PARTS, half, K), np.float32)
    logits = np.empty(K, np.float32)
    dlog = np.empty(K, np.float32)
    grad_w = np.empty(D, np.float32)
    zero = np.zeros(D, np.float32)
    sizes = np.zeros(PARTS, np.int64)
    loss = np.zeros(PARTS)
    correct = np.zeros(PARTS, np.int64)
    n = order.shape[0]
    t = step0
    count = 0
    for start in range(0, n, batch_size):
        nb = min(start + batch_size, n) - start
        mean = np.float32(1.0 / nb)
        t += 1
        h = (nb + 1) // 2
        for part in range(tid, PARTS, nthreads):
            lo = start if part == 0 else start + h
            hi = start + h if part == 0 else start + nb
            sizes[part] = hi - lo
            _gather(targets, contexts, labels, order[lo:hi], bt_all[part], bc_all[part], bl_all[part],
                    slots_w[part], slots_c[part])
        count += 1
        if not _barrier(sync, tid, nthreads, count):
            break
        # rows read by this step must first get the steps they sat out
        _catch_up_rows(W, mw, vw, last_w, slots_w, decay_w, t - 1, sched, False, tid, nthreads)
        _catch_up_rows(C, mc, vc, last_c, slots_c, decay_c, t - 1, sched, False, tid, nthreads)
        count += 1
        if not _barrier(sync, tid, nthreads, count):
            break
        for part in range(tid, PARTS, nthreads):
            m = sizes[part]
            part_loss, right = _forward_backward(W, C, grads_w[part], grads_c[part], slots_w[part], slots_c[part],
                                                 bt_all[part, :m], bc_all[part, :m], bl_all[part, :m], mean,
                                                 sigmoid, logits, dlog, grad_w)
            loss[part] += part_loss
            correct[part] += right
        count += 1
        if not _barrier(sync, tid, nthreads, count):
            break
        _adam_rows(W, mw, vw, grads_w, slots_w, last_w, decay_w, t, sched, beta1, beta2, zero, tid, nthreads)
        _adam_rows(C, mc, vc, grads_c, slots_c, last_c, decay_c, t, sched, beta1, beta2, zero, tid, nthreads)
        count += 1
        if not _barrier(sync, tid, nthreads, count):
            break
    for part in range(tid, PARTS, nthreads):
        results[part, 0] = loss[part]
        results[part, 1] = correct[part]
    return t


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _finish_table(p, m, v, last, slots, step, sched, decay):
    _catch_up_rows(p, m, v, last, slots, decay, step, sched, True, 0, 1)
    for row in range(p.shape[0]):
        mr, vr = m[row], v[row]
        d1 = decay[0, row]
        d2 = decay[1, row]
        for k in range(mr.shape[0]):
            mr[k] *= d1
        for k in range(vr.shape[0]):
            vr[k] *= d2
        if last[row] >= 1:
            last[row] = step


def run_epoch(threads: int, buffers: dict, *args) -> int:
    """``train_epoch(tid, threads, *args, <the scratch buffers>)`` on ``threads`` threads
    (1 or 2), the calling thread being thread 0; ``buffers`` is what ``scratch`` made.
    Returns the last step. A thread that fails sets the abort flag, so the other leaves
    its barrier instead of waiting for ever."""
    sync = buffers["sync"]
    sync[:] = 0
    args = (*args, *(buffers[name] for name in SCRATCH))
    if threads == 1:
        return train_epoch(0, 1, *args)
    abort = threads * SYNC_STRIDE
    failed = []

    def helper(tid):
        try:
            train_epoch(tid, threads, *args)
        except BaseException as e:  # noqa: BLE001 - re-raised by the calling thread
            failed.append(e)
            sync[abort] = 1

    helpers = [threading.Thread(target=helper, args=(tid,), name=f"wordvec-train-{tid}", daemon=True)
               for tid in range(1, threads)]
    for thread in helpers:
        thread.start()
    try:
        step = train_epoch(0, threads, *args)
    except BaseException:
        sync[abort] = 1
        raise
    finally:
        for thread in helpers:
            thread.join()
    if failed:
        raise failed[0]
    return step


def finish(W, C, state_w, state_c, last_w, last_c, step, sched, buffers):
    """Bring every row up to ``step``: the parameters dense Adam would hold now."""
    _finish_table(W, state_w[0], state_w[1], last_w, buffers["slots_w"], step, sched, buffers["decay_w"])
    _finish_table(C, state_c[0], state_c[1], last_c, buffers["slots_c"], step, sched, buffers["decay_c"])
