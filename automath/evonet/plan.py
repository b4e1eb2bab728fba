"""Batched evaluation of an evolving network's slot table (helper of ``automath.evonet.network``).

The table has one row per input, alive slot (in level order; per level the fused add, sub, mul
and neg ops first, then the other kinds grouped), constant in use and constant 0, 1 and -1, and
one column per sample.  ``automath.evonet.level`` evaluates it level by level and keeps each
op's local derivatives, so the backward pass costs one multiply and one ``scatter_add_`` per level.
``Network`` adds the readout to the same autograd node.  Buffers live in a ``Workspace`` per
(batch, dtype, device), leased to one autograd node at a time: a node keeps it until the node is
freed, then it serves the next forward pass, so a forward+backward allocates almost nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from automath.evonet.level import Plan, Workspace, fused_pattern, long_tensor, make_level
from automath.evonet.ops import OpSpec

_MAX_POOLS = 8  # batch shapes with spare workspaces kept per plan


def _first_order(fn: Callable) -> Callable:
    """``once_differentiable`` only when a graph of the backward pass is asked for
    (``create_graph``); a plain backward pass runs without grad mode already, and skips its
    wrapper's cost.

    >>> _first_order(lambda ctx, g: g)(None, 1)
    1
    """
    slow = once_differentiable(fn)

    def backward(ctx, *grads: Tensor) -> object:
        return slow(ctx, *grads) if torch.is_grad_enabled() else fn(ctx, *grads)
    return backward


class _Lease:
    """A workspace held by one autograd node; freed with the node, back to its pool."""

    __slots__ = ("pool", "ws")

    def __init__(self, pool: list[Workspace], ws: Workspace) -> None:
        self.pool, self.ws = pool, ws

    def __del__(self) -> None:
        self.pool.append(self.ws)


def _lease(ctx, plan: Plan, x: Tensor, n_out: int = 0) -> Workspace:
    key = (x.shape[0], x.dtype, x.device, n_out)
    pool = plan.pools.get(key)
    if pool is None:
        if len(plan.pools) >= _MAX_POOLS:
            plan.pools.clear()
        pool = plan.pools[key] = []
    ctx.lease = _Lease(pool, pool.pop() if pool else Workspace(plan, *key))
    return ctx.lease.ws


class Forward(torch.autograd.Function):
    """Features ``[inputs, alive slot outputs]`` as (n_feat, batch), backward level by level.

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> plan = build_plan(2, torch.tensor([0]), torch.tensor([[0, 1]]), torch.tensor([1]),
    ...                   [NETWORK_OPS["mul"]])
    >>> Forward.apply(torch.tensor([[2.0, 3.0]]), torch.zeros(2), plan).tolist()
    [[2.0], [3.0], [6.0]]
    """

    @staticmethod
    def forward(ctx, x: Tensor, consts: Tensor, plan: Plan) -> Tensor:  # type: ignore[override]
        ws = _lease(ctx, plan, x)
        ws.forward(x, consts, ctx.needs_input_grad[:2])
        ctx.c_shape = consts.shape
        return ws.feat.clone()

    @staticmethod
    @_first_order
    def backward(ctx, grad_out: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        ws = ctx.lease.ws
        ws.g_feat.copy_(grad_out)
        ws.g_tail.zero_()
        return *ws.backward(*ctx.needs_input_grad[:2], ctx.c_shape), None


class Network(torch.autograd.Function):
    """Readout ``bias + weight @ [inputs, slot outputs]`` as (batch, n_outputs), in one node.

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> plan = build_plan(2, torch.tensor([0]), torch.tensor([[0, 1]]), torch.tensor([1]),
    ...                   [NETWORK_OPS["mul"]])
    >>> Network.apply(torch.tensor([[2.0, 3.0]]), torch.zeros(2), torch.tensor([[0.0, 1, 2]]),
    ...               torch.ones(1), plan).tolist()
    [[16.0]]
    """

    @staticmethod
    def forward(ctx, x: Tensor, consts: Tensor, weight: Tensor,  # type: ignore[override]
                bias: Tensor, plan: Plan) -> Tensor:
        ws = _lease(ctx, plan, x, weight.shape[0])
        ws.forward(x, consts, ctx.needs_input_grad[:2])
        ctx.plan, ctx.c_shape = plan, consts.shape
        torch.index_select(weight.T, 0, plan.read_cols, out=ws.w_feat)
        return torch.addmm(bias, ws.feat_t, ws.w_feat)

    @staticmethod
    @_first_order
    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        ws, (need_x, need_c, need_w, need_b) = ctx.lease.ws, ctx.needs_input_grad[:4]
        torch.mm(g, ws.w_t, out=ws.g_t)  # every row: the weights are 0 past the features
        m = torch.mm(g.T, ws.t_t) if need_w or need_b else None  # the row of ones: bias
        gw = m.index_select(1, ctx.plan.inv_cols) if m is not None and need_w else None
        gb = torch.select(m, 1, ctx.plan.zero + 1) if m is not None and need_b else None
        return *ws.backward(need_x, need_c, ctx.c_shape), gw, gb, None


_RAW_APPLY = getattr(torch._C, "_FunctionBase", None)
_RAW_APPLY = _RAW_APPLY.__dict__.get("apply") if _RAW_APPLY is not None else None


def apply(fn: type[torch.autograd.Function], *args: object) -> Tensor:
    """``fn.apply(*args)``, skipping its Python-side functorch checks when no functorch
    transform is active (the same autograd node; a few microseconds less per call).

    >>> plan = build_plan(1, torch.tensor([-1]), torch.zeros(1, 2, dtype=torch.long),
    ...                   torch.tensor([0]), [])
    >>> apply(Forward, torch.tensor([[2.0]]), torch.zeros(2), plan).tolist()
    [[2.0]]
    """
    if _RAW_APPLY is None or torch._C._are_functorch_transforms_active():
        return fn.apply(*args)
    return _RAW_APPLY.__get__(None, fn)(*args)


def build_plan(n_in: int, kind: Tensor, src: Tensor, level: Tensor,
               specs: Sequence[OpSpec]) -> Plan:
    """Evaluation plan of a slot table (kinds -1 = dead) for ``Forward`` and ``Network``.

    >>> from automath.evonet.ops import NETWORK_OPS
    >>> build_plan(1, torch.tensor([0]), torch.tensor([[0, 0]]), torch.tensor([1]),
    ...            [NETWORK_OPS["sin"]]).read_cols.tolist()
    [0, 1]
    """
    cap, kinds, dev = len(kind), kind.tolist(), kind.device
    src, level = src.tolist(), level.tolist()
    arity = [specs[k].arity if k >= 0 else 0 for k in kinds]
    order = sorted((s for s in range(cap) if kinds[s] >= 0), key=lambda s: (level[s], *(
        (1, 0, kinds[s]) if fused_pattern(specs[kinds[s]]) is None else  # constant readers first
        (0, max(src[s][:arity[s]]) < n_in + cap, 0)), s))
    consts = sorted({c - n_in - cap for s in order for c in src[s][:arity[s]] if c >= n_in + cap})
    nf = n_in + len(order)
    zero = nf + len(consts)
    row = {c: c for c in range(n_in)} | {n_in + s: n_in + j for j, s in enumerate(order)}
    row |= {n_in + cap + c: nf + j for j, c in enumerate(consts)}
    special = {"zero": zero, "one": zero + 1, "m1": zero + 2}
    levels, j = [], 0
    while j < len(order):
        k = j
        while k < len(order) and level[order[k]] == level[order[j]]:
            k += 1
        ops = [(specs[kinds[s]], [row[c] for c in src[s][:arity[s]]]) for s in order[j:k]]
        levels.append(make_level(n_in + j, ops, special, range(nf, zero), dev))
        j = k
    read = list(range(n_in)) + [n_in + s for s in order]
    inv_cols = [row.get(c, zero) for c in range(n_in + cap)]
    where = {c: i for i, c in enumerate(consts)}
    inv_const = long_tensor([where.get(c, len(consts)) for c in range(2 * cap)], dev).view(cap, 2)
    as_long = [long_tensor(v, dev) for v in (consts, order, read, inv_cols)]
    return Plan(n_in, nf, zero, *as_long, inv_const, levels)
