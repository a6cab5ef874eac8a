"""Software prefetch: ask the CPU for the rows the next centre word will read while this
one computes, so that their cache misses overlap with arithmetic.

Most of a skip-gram step's time is spent waiting for rows of the output matrix (the
negatives are drawn at random from the whole vocabulary), not on the multiply-adds. The
next step's negatives are known in advance: they are the next draws of the job's random
stream, so ``prefetch_outputs`` draws them on a copy of the state and fetches their
rows. Nothing is written and the real state does not move, so results are bit for bit
those of the kernel without it (tests/test_engine_identity.py).

``prefetch`` is LLVM's ``llvm.prefetch`` intrinsic (read, high locality, data cache); a
prefetch of a valid address never faults and changes no value.
"""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .sampling import draw_alias, next_random

_LINE_FLOATS = 16  # float32 values per 64-byte cache line


@intrinsic
def prefetch(typingctx, arr, row, col):
    """Fetch the cache line holding ``arr[row, col]`` (a 2-D array), without waiting."""
    sig = types.void(arr, row, col)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        r = context.cast(builder, args[1], signature.args[1], types.intp)
        c = context.cast(builder, args[2], signature.args[2], types.intp)
        ptr = builder.bitcast(cgutils.get_item_pointer(context, builder, array_type, array, [r, c]),
                              ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])  # read, keep in all cache levels, data
        return context.get_dummy_value()

    return sig, codegen


@njit(nogil=True, inline="always")
def prefetch_row(weights, w):
    """Every cache line of row ``w``."""
    for d in range(0, weights.shape[1], _LINE_FLOATS):
        prefetch(weights, w, d)


@njit(nogil=True, inline="always")
def prefetch_outputs(state, skip, centre, negative, neg_thr, neg_alias, weights):
    """Prefetch the next step's output rows: the next centre word's own, and those of the
    ``negative`` noise words drawn after ``skip`` more draws of ``state`` (the next centre
    word's window draw), as ``draw_outputs`` will draw them."""
    prefetch_row(weights, centre)
    for _ in range(skip):
        state, _ = next_random(state)
    for _ in range(negative):
        state, r = next_random(state)
        prefetch_row(weights, draw_alias(r, neg_thr, neg_alias))
