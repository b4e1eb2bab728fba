"""Batched evaluation of an evolving network's slot table (helper of ``automath._evonet``).

The table has one row per input, alive slot (in level order, grouped by op kind) and constant
in use, and one column per sample.  Each level costs one gather and one kernel per op kind;
the backward pass walks the levels in reverse with the same shape and scatters operand
gradients with one ``index_add_`` per level.
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


@dataclass
class _Level:
    start: int  # table rows [start, end) receive this level's outputs
    end: int
    idx: Tensor  # rows of the first operands (all ops), then of the second (binary ops)
    specs: list[OpSpec]  # one group per op kind, binary kinds first
    sizes: list[int]  # ops per group
    bsizes: list[int]  # ops per binary group


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
        n_in, nf = plan.n_in, plan.n_feat
        table = x.new_empty((nf + len(plan.const_idx), x.shape[0]))
        table[:n_in] = x.T
        table[nf:] = consts[plan.const_idx].unsqueeze(1)
        ctx.args = [_eval_level(table, lv) for lv in plan.levels]
        ctx.plan, ctx.n_consts = plan, consts.shape[0]
        ctx.save_for_backward(table)
        return table[:nf]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        plan, (table,) = ctx.plan, ctx.saved_tensors
        grad = torch.zeros_like(table)
        grad[:plan.n_feat] = grad_out
        for lv, args in zip(reversed(plan.levels), reversed(ctx.args), strict=True):
            _grad_level(grad, table, lv, args)
        grad_x = grad[:plan.n_in].T if ctx.needs_input_grad[0] else None
        grad_c = grad.new_zeros(ctx.n_consts).index_add_(0, plan.const_idx,
                                                        grad[plan.n_feat:].sum(1))
        return grad_x, grad_c, None


def _split(t: Tensor, sizes: list[int]) -> Sequence[Tensor]:
    return (t,) if len(sizes) == 1 else torch.split_with_sizes(t, sizes)


def _eval_level(table: Tensor, lv: _Level) -> list[tuple[Tensor, ...]]:
    parts = _split(table.index_select(0, lv.idx), lv.sizes + lv.bsizes)
    seconds = iter(parts[len(lv.sizes):])
    args = [(a,) if spec.arity == 1 else (a, next(seconds))
            for spec, a in zip(lv.specs, parts, strict=False)]
    outs = [spec.kernel(*a) for spec, a in zip(lv.specs, args, strict=True)]
    if len(outs) == 1:
        table[lv.start:lv.end] = outs[0]
    else:
        torch.cat(outs, out=table[lv.start:lv.end])
    return args


def _grad_level(grad: Tensor, table: Tensor, lv: _Level, args: list[tuple[Tensor, ...]]) -> None:
    gouts = _split(grad[lv.start:lv.end], lv.sizes)
    outs = _split(table[lv.start:lv.end], lv.sizes)
    firsts, seconds = [], []
    for spec, go, o, a in zip(lv.specs, gouts, outs, args, strict=True):
        parts = _op_grad(spec, go, o, *a)
        firsts.append(parts[0])
        seconds.extend(parts[1:])
    grad.index_add_(0, lv.idx, torch.cat(firsts + seconds))


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
        levels.append(_make_level(order[j:k], n_in + j, row, src, kinds, specs, dev))
        j = k
    long = torch.long
    read = list(range(n_in)) + [n_in + s for s in order]
    return Plan(n_in, nf, torch.tensor(consts, dtype=long, device=dev),
                 torch.tensor(order, dtype=long, device=dev),
                 torch.tensor(read, dtype=long, device=dev), levels)


def _make_level(slots: list[int], start: int, row: dict[int, int], src: list[list[int]],
                kinds: list[int], specs: Sequence[OpSpec], dev: torch.device) -> _Level:
    bounds = [i for i in range(len(slots) + 1)
              if i in (0, len(slots)) or kinds[slots[i]] != kinds[slots[i - 1]]]
    kinds_here = [specs[kinds[slots[i]]] for i in bounds[:-1]]
    sizes = [e - s for s, e in zip(bounds, bounds[1:], strict=False)]
    bsizes = [n for spec, n in zip(kinds_here, sizes, strict=True) if spec.arity == 2]
    firsts = [row[src[t][0]] for t in slots]
    seconds = [row[src[t][1]] for t in slots[:sum(bsizes)]]
    idx = torch.tensor(firsts + seconds, dtype=torch.long, device=dev)
    return _Level(start, start + len(slots), idx, kinds_here, sizes, bsizes)
