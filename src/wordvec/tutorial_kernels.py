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
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

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


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _catch_up_rows(p, m, v, last, slot, decay, now, sched, all_rows):
    """Apply the zero-gradient Adam steps last+1 .. now to the parameters of the rows the
    batch uses (``slot[row] >= 0``; every row with ``all_rows``). Their m, v decay over
    the gap goes to ``decay`` for the caller: step now+1's update, or ``finish``.

    Step j of a gap moves p by w_j m / (sqrt(v) + e_j), w_j = a[last+j] r^j and
    e_j = eps[last+j] / b2^(j/2); this applies sum(w_j) m / (sqrt(v) + mean e), the
    mean weighted by w_j - exact to first order in e / sqrt(v)."""
    a, eps_t, tail, d1s, d2s, rn, tail_eps, rn_eps = sched
    for row in range(p.shape[0]):
        if not (all_rows or slot[row] >= 0):
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
def _adam_rows(p, m, v, grads, slot, last, decay, t, sched, beta1, beta2):
    """One Adam step at step t for the rows the batch uses (``grads[slot[row]]`` holds a
    row's gradient); clears their gradient and slot. Rows go in memory order (a scan of
    the slots is cheap) so the prefetcher helps."""
    at = np.float32(sched[0][t])
    et = np.float32(sched[1][t])
    c1 = np.float32(1.0 - beta1)
    c2 = np.float32(1.0 - beta2)
    for row in range(p.shape[0]):
        if slot[row] < 0:
            continue
        pr, mr, vr, gr = p[row], m[row], v[row], grads[slot[row]]
        b1 = np.float32(beta1) * decay[0, row]
        b2 = np.float32(beta2) * decay[1, row]
        for k in range(pr.shape[0]):
            gk = gr[k]
            mk = b1 * mr[k] + c1 * gk
            vk = b2 * vr[k] + c2 * gk * gk
            mr[k] = mk
            vr[k] = vk
            pr[k] -= at * mk / (np.sqrt(vk) + et)
            gr[k] = 0.0
        last[row] = t
        slot[row] = -1


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _forward_backward(W, C, grads_w, grads_c, slot_w, slot_c, bt, bc, bl, sigmoid, logits, dlog, grad_w):
    """One batch (targets ``bt``, contexts ``bc``, labels ``bl``): logits by dot product,
    the loss, and its gradients added to the rows' gradient buffers. Returns (summed loss,
    correct predictions). Gradients use the parameters from before this step's update."""
    K = bc.shape[1]
    D = W.shape[1]
    mean = np.float32(1.0 / bt.shape[0])  # the loss is the batch mean
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


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_epoch(W, C, state_w, state_c, last_w, last_c, targets, contexts, labels, order, batch_size,
                step0, sched, beta1, beta2, sigmoid, slot_w, slot_c, decay_w, decay_c):
    """Train on the examples ``order`` lists (already shuffled) in batches of
    ``batch_size``; the caller drops a partial last batch if it wants to. Returns (summed
    loss, correct predictions, examples, last step). ``state_*`` are Adam's (m, v)
    stacked: (2, V, D); ``slot_*`` (V ints, all -1) and ``decay_*`` (2 x V floats) are
    scratch space.

    A step's gradients go to small buffers, one row per table row the batch uses (the
    slots say which): they stay in the core's cache, where a V x D gradient would not."""
    K = contexts.shape[1]
    D = W.shape[1]
    mw, vw = state_w[0], state_w[1]
    mc, vc = state_c[0], state_c[1]
    grads_w = np.zeros((min(batch_size, W.shape[0]), D), np.float32)
    grads_c = np.zeros((min(batch_size * K, C.shape[0]), D), np.float32)
    logits = np.empty(K, np.float32)
    dlog = np.empty(K, np.float32)
    grad_w = np.empty(D, np.float32)
    # each batch is first copied out in order: the loops below then read it sequentially
    bt_all = np.empty(batch_size, targets.dtype)
    bc_all = np.empty((batch_size, K), contexts.dtype)
    bl_all = np.empty((batch_size, K), np.float32)
    loss_sum = 0.0
    correct = 0
    n = order.shape[0]
    t = step0
    for start in range(0, n, batch_size):
        nb = min(start + batch_size, n) - start
        bt, bc, bl = bt_all[:nb], bc_all[:nb], bl_all[:nb]
        t += 1
        used_w = 0
        used_c = 0
        for j in range(nb):
            i = order[start + j]
            bt[j] = targets[i]
            if slot_w[bt[j]] < 0:
                slot_w[bt[j]] = used_w
                used_w += 1
            for k in range(K):
                bc[j, k] = contexts[i, k]
                bl[j, k] = labels[i, k]
                if slot_c[bc[j, k]] < 0:
                    slot_c[bc[j, k]] = used_c
                    used_c += 1
        # rows read by this step must first get the steps they sat out
        _catch_up_rows(W, mw, vw, last_w, slot_w, decay_w, t - 1, sched, False)
        _catch_up_rows(C, mc, vc, last_c, slot_c, decay_c, t - 1, sched, False)
        loss, right = _forward_backward(W, C, grads_w, grads_c, slot_w, slot_c, bt, bc, bl, sigmoid, logits, dlog,
                                        grad_w)
        loss_sum += loss
        correct += right
        _adam_rows(W, mw, vw, grads_w, slot_w, last_w, decay_w, t, sched, beta1, beta2)
        _adam_rows(C, mc, vc, grads_c, slot_c, last_c, decay_c, t, sched, beta1, beta2)
    return loss_sum, correct, n, t


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _finish_table(p, m, v, last, slot, step, sched, decay):
    _catch_up_rows(p, m, v, last, slot, decay, step, sched, True)
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


def finish(W, C, state_w, state_c, last_w, last_c, step, sched, slot_w, slot_c, decay_w, decay_c):
    """Bring every row up to ``step``: the parameters dense Adam would hold now."""
    _finish_table(W, state_w[0], state_w[1], last_w, slot_w, step, sched, decay_w)
    _finish_table(C, state_c[0], state_c[1], last_c, slot_c, step, sched, decay_c)
