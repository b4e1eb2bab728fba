"""Levels of an evolving network's slot table, the ``Plan`` that holds them, and their buffers.

A level is one gather of operand rows, one ``torch.addcmul`` for all its add, sub, mul and neg
ops (``u + v*w``, with the constant rows 0 and ±1 standing in for absent operands: the same
numbers, up to the sign of zero) and one or two kernels per other op kind.  The forward pass also
stores each op's local derivatives ``D`` (shape (n, m, batch), one per operand, zero where an op
has fewer than m; for the fused ops they are table rows, fetched by the same gather), so a
level's backward pass is one broadcast multiply ``grad * D`` and one ``scatter_add_``.  A
``Workspace`` holds every buffer and view of a plan for one batch size, dtype and device, made
once per topology: its passes are flat lists of calls, nothing is sliced per call.  Kernels must
be elementwise (each output entry depends on the same entry of the operands).
``automath.evonet.plan`` builds the ``Plan`` and runs it inside autograd.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby

import torch
from torch import Tensor

from automath.evonet.ops import OpSpec

# kernels computed as u + v*w: operands (u, v, w) and derivatives by each operand, as operand
# positions or the constant rows "zero", "one" and "m1" (-1)
_FUSED: tuple[tuple[Callable, tuple[int | str, ...], tuple[int | str, ...]], ...] = (
    (torch.add, (0, 1, "one"), ("one", "one")), (torch.sub, (0, 1, "m1"), ("one", "m1")),
    (torch.mul, ("zero", 0, 1), (1, 0)), (torch.neg, ("zero", 0, "m1"), ("m1",)))
Calls = list[Callable[[], object]]


def fused_pattern(spec: OpSpec) -> tuple[tuple[int | str, ...], tuple[int | str, ...]] | None:
    """Operands ``(u, v, w)`` of an op computed as ``u + v*w`` and its derivatives, else None.

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> fused_pattern(NETWORK_OPS["sub"]), fused_pattern(NETWORK_OPS["sin"])
    (((0, 1, 'm1'), ('one', 'm1')), None)
    """
    return next(((p, d) for k, p, d in _FUSED if spec.kernel is k), None)


@dataclass
class LevelPlan:
    """Index buffers of one level; outputs are table rows [start, start + n), fused ops first."""

    start: int
    n: int
    n_f: int  # fused ops (add, sub, mul, neg)
    m: int  # operand positions per op in ``D`` (the largest arity)
    gidx: Tensor  # gathered rows: fused u, v, w; each group's operands; fused derivative rows
    bidx: Tensor  # (n * m,) row receiving each entry of ``grad * D``
    groups: list[tuple[OpSpec, int, int]]  # other kinds: spec, first output (in level), count
    n_const: int  # ops up to the last that reads a constant (level 1 needs no more without x)


def make_level(start: int, ops: Sequence[tuple[OpSpec, list[int]]], special: dict[str, int],
               consts: range, dev: torch.device) -> LevelPlan:
    """Plan one level from its ops ``(spec, operand rows)``: fused kinds first, others grouped.

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> lv = make_level(2, [(NETWORK_OPS["add"], [0, 1]), (NETWORK_OPS["sin"], [0])],
    ...                 {"zero": 4, "one": 5, "m1": 6}, range(4, 4), torch.device("cpu"))
    >>> lv.gidx.tolist(), lv.bidx.tolist(), lv.m
    ([0, 1, 5, 0, 5, 5], [0, 1, 0, 5], 2)
    """
    n_f = sum(fused_pattern(s) is not None for s, _ in ops)
    m, sink = max(s.arity for s, _ in ops), special["one"]
    fused = [[[special[p] if isinstance(p, str) else rs[p] for p in pat]
              for pat in fused_pattern(s) or ()] for s, rs in ops[:n_f]]  # (u, v, w), derivs
    groups, group_rows = _groups(ops[n_f:], n_f)
    gidx = [uvw[i] for i in range(3) for uvw, _ in fused] + group_rows
    gidx += [r for _, ds in fused for r in (ds + [special["zero"]])[:m]]
    bidx = [r for _, rs in ops for r in (rs + [sink])[:m]]
    n_const = max((i + 1 for i, (_, rs) in enumerate(ops) if any(r in consts for r in rs)),
                  default=0)
    return LevelPlan(start, len(ops), n_f, m, long_tensor(gidx, dev), long_tensor(bidx, dev),
                     groups, n_const)


def _groups(ops: Sequence[tuple[OpSpec, list[int]]],
            first: int) -> tuple[list[tuple[OpSpec, int, int]], list[int]]:
    """Runs of one kind among ``ops`` (first output, count) and their operand rows, operand
    by operand."""
    groups, rows, o = [], [], first
    for _, run in groupby(ops, key=lambda op: id(op[0])):
        members = list(run)
        spec = members[0][0]
        groups.append((spec, o, len(members)))
        rows += [r[p] for p in range(spec.arity) for _, r in members]
        o += len(members)
    return groups, rows


@dataclass
class Plan:
    """Rows, constants and per-level gathers of a slot table; rebuilt when the topology changes.

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> from automath.evonet.plan import build_plan
    >>> plan = build_plan(2, torch.tensor([0, -1]), torch.tensor([[0, 1], [0, 0]]),
    ...                   torch.tensor([1, 0]), [NETWORK_OPS["mul"]])
    >>> plan.n_feat, plan.n_rows, plan.slot_order.tolist(), len(plan.levels)
    (3, 6, [0], 1)
    """

    n_in: int
    n_feat: int  # table rows [0, n_feat): inputs then alive slots; then the constants in use
    zero: int  # row of the constant 0; rows zero + 1 and zero + 2 hold 1 and -1
    const_idx: Tensor  # flat indices into ``consts`` of the constants in use
    slot_order: Tensor  # alive slots in table-row order
    read_cols: Tensor  # readout columns of the feature rows
    inv_cols: Tensor  # table row of each readout column (the zero row for dead slots)
    inv_const: Tensor  # (capacity, 2): each constant's row among [constants in use, zero row]
    levels: list[LevelPlan]
    pools: dict[tuple, list[Workspace]] = field(default_factory=dict, repr=False)

    @property
    def n_rows(self) -> int:
        """Rows of the table: features, constants in use, then 0, 1 and -1."""
        return self.zero + 3


class Workspace:
    """Table, gradient, gathered operands and local derivatives of a plan for one batch shape.

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> from automath.evonet.plan import build_plan
    >>> plan = build_plan(2, torch.tensor([0]), torch.tensor([[0, 1]]), torch.tensor([1]),
    ...                   [NETWORK_OPS["mul"]])
    >>> ws = Workspace(plan, 1, torch.float64, torch.device("cpu"))
    >>> ws.forward(torch.tensor([[2.0, 3.0]], dtype=torch.float64), torch.zeros(2), (True, True))
    >>> ws.feat.flatten().tolist()
    [2.0, 3.0, 6.0]
    """

    def __init__(self, plan: Plan, batch: int, dtype: torch.dtype, device: torch.device,
                 n_out: int = 0) -> None:
        n_in, nf, n_c, z = plan.n_in, plan.n_feat, len(plan.const_idx), plan.zero
        t = torch.zeros(plan.n_rows, batch, dtype=dtype, device=device)
        t[z + 1], t[z + 2] = 1.0, -1.0
        g = torch.zeros_like(t)
        w = t.new_zeros(plan.n_rows, n_out)  # readout weights per row: 0 past the features
        self.w_feat, self.w_t, self.g_t = w[:nf], w.T, g.T
        self.t, self.n_c, self.inv_const = t, n_c, plan.inv_const.to(device)
        self.x_t, self.feat, self.feat_t, self.t_t = t[:n_in].T, t[:nf], t[:nf].T, t.T
        self.c_rows, self.c_idx = t[nf:z], plan.const_idx.to(device).unsqueeze(1).expand(n_c, batch)
        self.g_x_t, self.g_feat = g[:n_in].T, g[:nf]
        self.g_tail, self.g_c = g[nf:], g[nf:z + 1]  # constants, then the zero row (never hit)
        self.fwd, self.bwd, self.bwd_no_x = _passes(plan.levels, t, g)

    def forward(self, x: Tensor, consts: Tensor, need: tuple[bool, bool]) -> None:
        """Fill the table from x (batch, n_in) and the constants, and ``D`` as far as needed
        for the gradients ``need`` = (of x, of the constants)."""
        self.x_t.copy_(x)
        if self.n_c:
            torch.take(consts, self.c_idx, out=self.c_rows)
        for call in self.fwd[2 if need[0] else int(need[1])]:
            call()

    def backward(self, need_x: bool, need_c: bool,
                 c_shape: torch.Size) -> tuple[Tensor | None, Tensor | None]:
        """Gradients of x and of the constants, from the table's gradient (0 past the features)."""
        if not (need_x or need_c):
            return None, None
        for call in self.bwd if need_x else self.bwd_no_x:
            call()
        gx = self.g_x_t.clone(memory_format=torch.contiguous_format) if need_x else None
        gc = torch.take(self.g_c.sum(1), self.inv_const) if need_c else None
        return gx, gc if gc is None or gc.shape == c_shape else gc.reshape(c_shape)


def _passes(levels: list[LevelPlan], t: Tensor,
            g: Tensor) -> tuple[tuple[Calls, Calls, Calls], Calls, Calls]:
    """Forward passes (values; derivatives for the constants' gradient; all derivatives) and
    backward passes (all; without the input gradient: level 1 up to its last constant reader)."""
    parts = [_level_calls(lv, t, g) for lv in levels]
    if not parts:
        return ([], [], []), [], []
    values = [c for p in parts for c in p[0]]  # each level's gather: all of its derivative rows
    plain = [c for p in parts for c in [p[4][0]] + p[0][1:]]  # none
    const = [parts[0][4][1]] + values[1:]  # level 1: up to its last constant reader
    derivs = [c for p in parts[1:] for _, cs in p[1] for c in cs]
    first = [(o < levels[0].n_const, c) for o, cs in parts[0][1] for c in cs]
    fwd = (plain, const + [c for keep, c in first if keep] + derivs,
           values + [c for _, c in first] + derivs)
    return (fwd, [c for p in reversed(parts) for c in p[2]],
            [c for p in reversed(parts[1:]) for c in p[2]] + parts[0][3])


def _level_calls(lv: LevelPlan, t: Tensor,
                 g: Tensor) -> tuple[Calls, list[tuple[int, Calls]], Calls, Calls, Calls]:
    """Calls of one level: values (gather, fused, kernels), derivatives per group (first
    output, calls), backward, backward of the ops up to the last that reads a constant, and
    the gathers without fused derivatives and with only the constant readers'."""
    n, m, n_f, batch = lv.n, lv.m, lv.n_f, t.shape[1]
    top = len(lv.gidx) - n_f * m  # operand rows; D follows them in the same buffer
    a = t.new_zeros(top + n * m, batch)
    d = a[top:].view(n, m, batch)
    # gathers with the fused derivatives of none, of the constant readers (first), of all
    gathers = [partial(torch.index_select, t, 0, lv.gidx[:k], out=a[:k])
               for k in (top, top + min(lv.n_const, n_f) * m, len(lv.gidx))]
    values: Calls = [gathers[2]]
    if n_f:
        out = t[lv.start:lv.start + n_f]
        values.append(partial(torch.addcmul, a[:n_f], a[n_f:2 * n_f], a[2 * n_f:3 * n_f], out=out))
    derivs: list[tuple[int, Calls]] = []
    off = 3 * n_f
    for spec, o, k in lv.groups:
        args = [a[off + i * k:off + (i + 1) * k] for i in range(spec.arity)]
        v, dv = _group_calls(spec, args, t[lv.start + o:lv.start + o + k],
                             [d[o:o + k, p] for p in range(spec.arity)])
        values, off = values + v, off + spec.arity * k
        derivs.append((o, dv))
    c, grad = torch.empty_like(d), g[lv.start:lv.start + n].unsqueeze(1)
    idx = lv.bidx.unsqueeze(1).expand(n * m, batch)
    return (values, derivs, _back(g, grad, d, c, idx, n), _back(g, grad, d, c, idx, lv.n_const),
            gathers[:2])


def _back(g: Tensor, grad: Tensor, d: Tensor, c: Tensor, idx: Tensor, k: int) -> Calls:
    """Backward calls of a level's first k ops: ``grad * D``, added to the operands' rows."""
    if not k:
        return []
    rows = k * d.shape[1]
    return [partial(torch.mul, grad[:k], d[:k], out=c[:k]),
            partial(g.scatter_add_, 0, idx[:rows], c.view(-1, c.shape[2])[:rows])]


def _group_calls(spec: OpSpec, args: list[Tensor], out: Tensor,
                 ds: list[Tensor]) -> tuple[Calls, Calls]:
    """Value and derivative calls of one op kind's group (sin and cos without a copy)."""
    if spec.kernel is torch.sin:
        return [partial(torch.sin, args[0], out=out)], [partial(torch.cos, args[0], out=ds[0])]
    if spec.kernel is torch.cos:
        return [partial(torch.cos, args[0], out=out)], [partial(torch.sin, args[0], out=ds[0]),
                                                        ds[0].neg_]
    return [partial(_values, spec, args, out)], [partial(_derivs, spec, args, out, ds)]


def _values(spec: OpSpec, args: list[Tensor], out: Tensor) -> None:
    out.copy_(spec.kernel(*args))


def _derivs(spec: OpSpec, args: list[Tensor], out: Tensor, ds: list[Tensor]) -> None:
    for d, v in zip(ds, local_grads(spec, out, args), strict=True):
        d.copy_(v)


def local_grads(spec: OpSpec, out: Tensor, args: Sequence[Tensor]) -> Sequence[Tensor]:
    """Derivatives of an elementwise op's output by each operand (autograd without a ``grad``).

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> a, b = torch.tensor([2.0]), torch.tensor([3.0])
    >>> [v.tolist() for v in local_grads(NETWORK_OPS["mul"], a * b, [a, b])]
    [[3.0], [2.0]]
    >>> sq = NETWORK_OPS["mul"]._replace(kernel=lambda u: u * u, grad=None, arity=1)
    >>> [v.tolist() for v in local_grads(sq, a * a, [a])]
    [[4.0]]
    """
    ones = torch.ones_like(out)
    if spec.grad is not None:
        return spec.grad(ones, out, *args)
    with torch.enable_grad():
        leaves = [t.detach().requires_grad_() for t in args]
        return torch.autograd.grad(spec.kernel(*leaves), leaves, ones, allow_unused=True,
                                   materialize_grads=True)


def long_tensor(values: list[int], dev: torch.device) -> Tensor:
    """An int64 tensor of ``values`` on ``dev``.

    >>> long_tensor([1, 2], torch.device("cpu")).dtype
    torch.int64
    """
    return torch.tensor(values, dtype=torch.long, device=dev)
