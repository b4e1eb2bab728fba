"""Batched evaluation of an evolving network's slot table (helper of ``automath._evonet``).

The table has one row per input, alive slot (in level order, grouped by op kind) and constant
in use, and one column per sample.  Each level costs one gather and one kernel per op kind;
the backward pass walks the levels in reverse with the same shape and scatters operand
gradients with one ``index_add_`` per level.  ``Network`` adds the readout to the same autograd
node (one node per forward instead of a chain of gathers, transposes and a matmul), keeps the
kernels' outputs for the backward pass instead of re-slicing the table, and skips level 1's
backward pass, whose operands are all inputs and constants, except for the groups that read a
constant when the inputs need no gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

if TYPE_CHECKING:
    from automath._evonet import OpSpec


def _op_grad(spec: OpSpec, g: Tensor, out: Tensor, *args: Tensor) -> tuple[Tensor, ...]:
    if spec.grad is not None:
        return spec.grad(g, out, *args)
    with torch.enable_grad():  # ops without a hand-written gradient: ask autograd
        leaves = [t.detach().requires_grad_() for t in args]
        return torch.autograd.grad(spec.kernel(*leaves), leaves, g)


# per group of one op kind: spec, parts of its operands (-1: none), its table rows [r0, r1)
# and its position among the level's outputs
_Call = tuple["OpSpec", int, int, int, int, int]


@dataclass
class _Level:
    start: int  # table rows [start, end) receive this level's outputs
    end: int
    idx: Tensor  # operand rows, group by group: a group's first operands, then its seconds
    split: list[int]  # sizes of the operand parts in ``idx`` (one part per operand per group)
    calls: list[_Call]
    const_calls: list[_Call]  # the groups with a constant operand, and their operand rows:
    const_idx: Tensor  # all of level 1 that needs a backward pass when x needs no gradient


@dataclass
class Plan:
    """Rows, constants and per-level gathers of a slot table; rebuilt when the topology changes.

    >>> from automath._evonet import OPS
    >>> plan = build_plan(2, torch.tensor([0, -1]), torch.tensor([[0, 1], [0, 0]]),
    ...                   torch.tensor([1, 0]), [OPS["mul"]])
    >>> plan.n_feat, plan.slot_order.tolist(), len(plan.levels)
    (3, [0], 1)
    """

    n_in: int
    n_feat: int  # table rows [0, n_feat): inputs then alive slots; then the constants in use
    const_idx: Tensor  # flat indices into ``consts`` of the constants in use
    slot_order: Tensor  # alive slots in table-row order
    read_cols: Tensor  # readout columns of the feature rows
    levels: list[_Level]


class Forward(torch.autograd.Function):
    """Features ``[inputs, alive slot outputs]`` as (n_feat, batch), backward level by level.

    >>> from automath._evonet import OPS
    >>> plan = build_plan(2, torch.tensor([0]), torch.tensor([[0, 1]]), torch.tensor([1]),
    ...                   [OPS["mul"]])
    >>> Forward.apply(torch.tensor([[2.0, 3.0]]), torch.zeros(2), plan).tolist()
    [[2.0], [3.0], [6.0]]
    """

    @staticmethod
    def forward(ctx, x: Tensor, consts: Tensor, plan: Plan) -> Tensor:  # type: ignore[override]
        table, ctx.args = _eval_table(x, consts, plan)
        ctx.plan, ctx.c_shape = plan, consts.shape
        ctx.save_for_backward(table)
        return table[:plan.n_feat]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        plan, (table,) = ctx.plan, ctx.saved_tensors
        grad = torch.zeros_like(table)
        grad[:plan.n_feat] = grad_out
        return *_backprop(ctx, grad, table), None


class Network(torch.autograd.Function):
    """Readout ``bias + weight @ [inputs, slot outputs]`` as (batch, n_outputs), in one node.

    >>> from automath._evonet import OPS
    >>> plan = build_plan(2, torch.tensor([0]), torch.tensor([[0, 1]]), torch.tensor([1]),
    ...                   [OPS["mul"]])
    >>> Network.apply(torch.tensor([[2.0, 3.0]]), torch.zeros(2), torch.tensor([[0.0, 1, 2]]),
    ...               torch.ones(1), plan).tolist()
    [[16.0]]
    """

    @staticmethod
    def forward(ctx, x: Tensor, consts: Tensor, weight: Tensor,  # type: ignore[override]
                bias: Tensor, plan: Plan) -> Tensor:
        table, ctx.args = _eval_table(x, consts, plan)
        w = weight.index_select(1, plan.read_cols)
        ctx.plan, ctx.c_shape, ctx.w_shape = plan, consts.shape, weight.shape
        ctx.save_for_backward(table, w)
        return torch.addmm(bias, table[:plan.n_feat].T, w.T)

    @staticmethod
    @once_differentiable
    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        plan, (table, w) = ctx.plan, ctx.saved_tensors
        nf, needs = plan.n_feat, ctx.needs_input_grad
        grad = torch.empty_like(table)
        torch.mm(w.T, g.T, out=grad[:nf])
        grad[nf:].zero_()
        gw = gb = None
        if needs[2]:
            gw = w.new_zeros(ctx.w_shape).index_copy_(1, plan.read_cols, g.T @ table[:nf].T)
        if needs[3]:
            gb = g.sum(0)
        return *_backprop(ctx, grad, table), gw, gb, None


def _eval_table(x: Tensor, consts: Tensor, plan: Plan) -> tuple[Tensor, list]:
    """The table: inputs, slot outputs level by level, constants; and each level's operands."""
    n_in, nf = plan.n_in, plan.n_feat
    table = x.new_empty((nf + len(plan.const_idx), x.shape[0]))
    table[:n_in] = x.T
    if len(plan.const_idx):
        table[nf:] = consts.reshape(-1).index_select(0, plan.const_idx).unsqueeze(1)
    return table, [_eval_level(table, lv) for lv in plan.levels]


def _backprop(ctx, grad: Tensor, table: Tensor) -> tuple[Tensor | None, Tensor | None]:
    """Walk the levels back from ``grad`` (table rows); gradients of x and of the constants."""
    plan, (need_x, need_c) = ctx.plan, ctx.needs_input_grad[:2]
    for k in range(len(plan.levels) - 1, -1, -1):
        lv = plan.levels[k]
        if k or need_x:
            _grad_level(grad, lv.calls, lv.idx, *ctx.args[k])
        elif lv.const_calls:  # level 1 reads only inputs and constants
            _grad_level(grad, lv.const_calls, lv.const_idx, *ctx.args[k])
    grad_x = grad[:plan.n_in].T if need_x else None
    grad_c = grad.new_zeros(ctx.c_shape.numel()).index_add_(
        0, plan.const_idx, grad[plan.n_feat:].sum(1)).view(ctx.c_shape) if need_c else None
    return grad_x, grad_c


def _eval_level(table: Tensor, lv: _Level) -> tuple[Sequence[Tensor], list[Tensor]]:
    ops = table.index_select(0, lv.idx)
    parts = (ops,) if len(lv.split) == 1 else ops.split_with_sizes(lv.split)
    outs = [spec.kernel(parts[i]) if j < 0 else spec.kernel(parts[i], parts[j])
            for spec, i, j, _, _, _ in lv.calls]
    if len(outs) == 1:
        table[lv.start:lv.end] = outs[0]
    else:
        torch.cat(outs, out=table[lv.start:lv.end])
    return parts, outs


def _grad_level(grad: Tensor, calls: list[_Call], idx: Tensor, parts: Sequence[Tensor],
                outs: list[Tensor]) -> None:
    pieces: list[Tensor] = []
    for spec, i, j, r0, r1, o in calls:
        g = grad[r0:r1]
        pieces += _op_grad(spec, g, outs[o], parts[i]) if j < 0 else \
            _op_grad(spec, g, outs[o], parts[i], parts[j])
    grad.index_add_(0, idx, pieces[0] if len(pieces) == 1 else torch.cat(pieces))


def build_plan(n_in: int, kind: Tensor, src: Tensor, level: Tensor,
               specs: Sequence[OpSpec]) -> Plan:
    """Evaluation plan of a slot table (kinds -1 = dead) for ``Forward``.

    >>> from automath._evonet import OPS
    >>> build_plan(1, torch.tensor([0]), torch.tensor([[0, 0]]), torch.tensor([1]),
    ...            [OPS["sin"]]).read_cols.tolist()
    [0, 1]
    """
    cap, kinds, dev = len(kind), kind.tolist(), kind.device
    src, level = src.tolist(), level.tolist()
    arity = [specs[k].arity if k >= 0 else 0 for k in kinds]
    order = sorted((s for s in range(cap) if kinds[s] >= 0),
                   key=lambda s: (level[s], arity[s] == 1, kinds[s], s))
    consts = sorted({c - n_in - cap for s in order for c in src[s][:arity[s]] if c >= n_in + cap})
    nf = n_in + len(order)
    row = {c: c for c in range(n_in)} | {n_in + s: n_in + j for j, s in enumerate(order)}
    row |= {n_in + cap + c: nf + j for j, c in enumerate(consts)}
    levels, j = [], 0
    while j < len(order):
        k = j
        while k < len(order) and level[order[k]] == level[order[j]]:
            k += 1
        levels.append(_make_level(order[j:k], n_in + j, nf, row, src, kinds, specs, dev))
        j = k
    read = list(range(n_in)) + [n_in + s for s in order]
    return Plan(n_in, nf, _long(consts, dev), _long(order, dev), _long(read, dev), levels)


def _make_level(slots: list[int], start: int, nf: int, row: dict[int, int],
                src: list[list[int]], kinds: list[int], specs: Sequence[OpSpec],
                dev: torch.device) -> _Level:
    bounds = [i for i in range(len(slots) + 1)
              if i in (0, len(slots)) or kinds[slots[i]] != kinds[slots[i - 1]]]
    rows, split, calls, const_rows, const_calls = [], [], [], [], []
    for o, (s, e) in enumerate(zip(bounds, bounds[1:], strict=False)):
        spec = specs[kinds[slots[s]]]
        calls.append((spec, len(split), len(split) + 1 if spec.arity == 2 else -1,
                      start + s, start + e, o))
        here = [row[src[t][k]] for k in range(spec.arity) for t in slots[s:e]]
        split += [e - s] * spec.arity
        rows += here
        if max(here) >= nf:
            const_rows, const_calls = const_rows + here, const_calls + calls[-1:]
    return _Level(start, start + len(slots), _long(rows, dev), split, calls, const_calls,
                  _long(const_rows, dev))


def _long(values: list[int], dev: torch.device) -> Tensor:
    return torch.tensor(values, dtype=torch.long, device=dev)
