"""The fused derivation (issue 18): for a rule whose kernel has a compiled twin here, one numba
call per insert gathers the parents' values, runs the kernel, checks validity, hashes, probes
the store's hash table and inserts, a cache-sized block at a time (``hashtable``'s compiled
insert does the last three). No torch call runs per block.

The compiled kernels give the torch kernels' values bit for bit (IEEE float64 arithmetic; exact
int64 residues; the ``int`` kind's overflow rules) and the kinds' validity: a real row is valid
when its values are finite and their sum is, which the compiled pass decides alone unless a
value exceeds 1e300 (then a sum of finite values may overflow, depending on the order torch
sums in): such an insert steps back, and the eager path serves it. Kinds other than the four
core ones (exact types), kernels without a twin (``sin``, a user's kernel, a composite) and a
store without numba take the per-block path, whose values torch computes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from automath.core import hashtable as ht
from automath.core.kinds import INT_LIMIT, BoolKind, IntKind, Kind, ModpKind, P, RealKind
from automath.core.semantics import KERNELS

_jit = ht.numba.njit(cache=True, nogil=True, error_model="numpy") if ht.FUSED \
    else (lambda f: f)
OK, UNSURE, BAD = 0, 1, 2  # a value's status, the worst of a row's deciding it
ADD, SUB, MUL, DIV, NEG, MAX, MIN, AND, OR, XOR, NOT, IMPLIES = range(12)
OPS = {"add": ADD, "sub": SUB, "mul": MUL, "div": DIV, "neg": NEG, "max": MAX, "min": MIN,
       "and": AND, "or": OR, "xor": XOR, "not": NOT, "implies": IMPLIES}
"""The kernels with a compiled twin, by their shipped name."""
COVERED = {RealKind: ("add", "sub", "mul", "div", "neg"),
           ModpKind: ("add", "sub", "mul", "div", "neg"),
           IntKind: ("add", "sub", "mul", "neg", "max", "min"),
           BoolKind: ("and", "or", "xor", "not", "implies")}
"""The kernels each kind (its exact type) runs compiled."""
_LARGE = 1e300  # a real value above this leaves the validity of its row to torch
_BLOCK = 1 << 13  # candidates per block, as the store's per-block path
_EXP, _EXP_BITS = P - 2, (P - 2).bit_length()  # b**(P-2) is b's inverse modulo P


@_jit
def _real(op, x, y):
    """``op`` on two float64 values and its status (invalid where not finite)."""
    if op == ADD:
        v = x + y
    elif op == SUB:
        v = x - y
    elif op == MUL:
        v = x * y
    elif op == DIV:
        v = x / y
    else:
        v = -x
    return v, BAD if not np.isfinite(v) else (UNSURE if abs(v) > _LARGE else OK)


@_jit
def _mod_div(a, b):
    """``semantics._mod_div``: ``a * b**(P-2) % P`` by the same square-and-multiply steps,
    -1 (undefined) where ``b`` is 0."""
    out = np.int64(1)
    for k in range(_EXP_BITS - 1, -1, -1):
        out = out * out % P
        if (_EXP >> k) & 1:
            out = out * b % P
    return np.int64(-1) if b == 0 else a * out % P


@_jit
def _modp(op, x, y):
    """``op`` on two residues as ``semantics`` reduces it (``remainder`` by P)."""
    if op == ADD:
        v = (x + y) % P
    elif op == SUB:
        v = (x - y) % P
    elif op == MUL:
        v = (x * y) % P
    elif op == DIV:
        v = _mod_div(x, y)
    else:
        v = (-x) % P
    return v, BAD if v < 0 else OK


@_jit
def _int(op, x, y):
    """``op`` on two integers as ``IntKind.run_kernel`` runs it: invalid where an argument or
    the float64 rerun (not for max, min) exceeds 2**50."""
    fx, fy = np.float64(x), np.float64(y)
    if op == ADD:
        v, f = x + y, fx + fy
    elif op == SUB:
        v, f = x - y, fx - fy
    elif op == MUL:
        v, f = x * y, fx * fy
    elif op == NEG:
        v, f = -x, -fx
    else:
        v, f = (max(x, y) if op == MAX else min(x, y)), 0.0
    bad = abs(f) > INT_LIMIT or abs(x) > INT_LIMIT or abs(y) > INT_LIMIT or abs(v) > INT_LIMIT
    return v, BAD if bad else OK


@_jit
def _bool(op, x, y):
    """``op`` on two truth values (always valid)."""
    if op == AND:
        v = x & y
    elif op == OR:
        v = x | y
    elif op == XOR:
        v = x ^ y
    elif op == NOT:
        v = not x
    else:
        v = (not x) | y
    return v, OK


FAMILIES = {RealKind: _real, ModpKind: _modp, IntKind: _int, BoolKind: _bool}
"""Each core kind's compiled kernels (``op``, x, y -> value, status)."""


@_jit
def _derive(elem, op, parents, left, right, lo, hi, out, valid):
    """Candidates ``lo:hi``'s values into ``out`` and validity into ``valid``; returns whether
    a row's validity is left to torch."""
    unsure = False
    for r in range(hi - lo):
        a, b, worst = left[lo + r], right[lo + r], OK
        for d in range(parents.shape[1]):
            v, s = elem(op, parents[a, d], parents[b, d])
            out[r, d] = v
            worst = max(worst, s)
        valid[r] = worst == OK
        unsure |= worst == UNSURE
    return unsure


@_jit
def _derive_insert(elem, op, parents, left, right, size, real, mult, tkeys, tvals, bits,
                   values, sizes, base, cand, groups, state, out, out_bits, valid):
    """Every block: derive (``_derive``), then ``hashtable._insert_block``. False where an
    insert steps back (a clash, or a row's validity left to torch)."""
    m, block = left.shape[0], out.shape[0]
    for t0 in range(0, m, block):
        t1 = min(t0 + block, m)
        if _derive(elem, op, parents, left, right, t0, t1, out, valid):
            return False
        if not ht._insert_block(out_bits[:t1 - t0], valid[:t1 - t0], size[t0:], t0, real,
                                mult, tkeys, tvals, bits, values, sizes, base, cand, groups,
                                state):
            return False
    return True


class Derivation(NamedTuple):
    """A rule's candidates as the compiled pass derives them: its compiled kernel (``elem``,
    ``op``), the parents' values (one row each) and each candidate's parents."""

    elem: object
    op: int
    parents: np.ndarray
    left: np.ndarray
    right: np.ndarray  # ``left`` again for a unary rule

    def __call__(self, table: ht.HashTable, buffers: ht.Buffers, prov, real: bool, mult,
                 cand, groups, state) -> bool:
        """Insert every candidate (``hashtable.fused_insert`` calls this for its blocks)."""
        out = np.empty((_BLOCK, self.parents.shape[1]), self.parents.dtype)
        return _derive_insert(self.elem, self.op, self.parents, self.left, self.right,
                              prov[3], real, mult, table.keys.numpy(), table.values.numpy(),
                              table.bits, buffers.values, buffers.columns[4], buffers.base,
                              cand, groups, state, out, out.view(np.int64) if real else out,
                              np.empty(_BLOCK, np.bool_))


OPCODES = {(kind, KERNELS[name].kernels[kind.name]): OPS[name]
           for kind, names in COVERED.items() for name in names}
"""(kind type, torch kernel) -> the compiled twin's op code."""


def compiled_op(kind: Kind, kernel) -> int | None:
    """The op code of ``kernel``'s compiled twin for ``kind``, or None (no twin, or no numba).

    >>> import torch
    >>> compiled_op(RealKind(), torch.mul) == (MUL if ht.FUSED else None)
    True
    >>> compiled_op(RealKind(), torch.sin) is None
    True
    """
    return OPCODES.get((type(kind), kernel)) if ht.FUSED else None


def derivation(rows) -> Derivation | None:
    """The compiled form of a store's derived candidates (``store._DerivedRows``: ``kind``,
    ``kernel``, ``values``, ``left``, ``right``), or None where it has none.

    >>> derivation(lambda idx: None) is None  # given values, not derived ones
    True
    """
    kind, kernel = getattr(rows, "kind", None), getattr(rows, "kernel", None)
    op = compiled_op(kind, kernel)
    if op is None or kind.device.type != "cpu":
        return None
    left = rows.left.contiguous().numpy()
    right = left if rows.right is None else rows.right.contiguous().numpy()
    parents = rows.values.reshape(rows.values.shape[0], -1).contiguous().numpy()
    return Derivation(FAMILIES[type(kind)], op, parents, left, right)
