"""Evolution: ``p' = a·p + Σ_r b_r · scatter_c(p_i · p_j)``, differentiable with autograd.

The identity (persistence) term ``a·p`` sends gradient to every element of the final
distribution; the big sum runs over every recorded hyperedge, including those whose parents
have weight 0 today, so their gradient can give a generated element weight.
"""

from __future__ import annotations

import torch

from automath.core.generate import Hyperedges

# Edges sorted by child pay from here on: measured forward+backward (2026-12-03, 2 cores,
# random edges, N = edges/10) 1.4-1.8x at 4e6 edges, within noise at 1e5-1e6 (0.9-1.1x),
# where sorting once per edge set (10-50 ms at 1e6) would only add to a loop step.
SORT_FROM = 1 << 21


def apply_rules(p: torch.Tensor, edges: Hyperedges, b: torch.Tensor) -> torch.Tensor:
    """``Σ_r b_r · scatter_c(p_i · p_j)`` over the edges (``p_j = 1`` for unary edges).

    Doubling on uniform{1, 2} (ids 0, 1 hold 1, 2; ids 1, 2 hold 2, 4):

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 0], [0, 1], [-1, -1], [1, 2])))
    >>> apply_rules(torch.tensor([.5, .5, 0.]), e, torch.tensor([1.])).tolist()
    [0.0, 0.5, 0.5]
    """
    return _Flow(edges, p.shape[0], b)(p)


class _Flow:
    """The rule part of a step, with the per-edge index work done once for many steps.

    Unary edges read ``p_j`` from an extra entry 1 appended to ``p``; gathers are
    ``index_select`` (their backward is an ``index_add``, far faster than ``p[idx]``'s). From
    ``SORT_FROM`` edges on they are taken sorted by child (``Hyperedges.by_child``, sorted
    once per edge set): the scatter writes in order, each child summing its edges in their
    given order, so the values are those of the given order.
    """

    def __init__(self, edges: Hyperedges, n: int, b: torch.Tensor) -> None:
        edges = edges.by_child if len(edges) >= SORT_FROM else edges
        self.i, self.c = edges.i, edges.c
        self.j = torch.where(edges.j >= 0, edges.j, n)
        self.bw = b.index_select(0, edges.rule)

    def __call__(self, p: torch.Tensor) -> torch.Tensor:
        pe = torch.cat([p, p.new_ones(1)])
        flow = self.bw * pe.index_select(0, self.i) * pe.index_select(0, self.j)
        return torch.zeros_like(p).index_add(0, self.c, flow)


def evolve_step(p: torch.Tensor, edges: Hyperedges, a: torch.Tensor,
                b: torch.Tensor) -> torch.Tensor:
    """One step ``a·p + Σ_r b_r·rule_r(p)``, renormalized to total weight 1.

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0], [0], [0], [1])))
    >>> evolve_step(torch.tensor([1., 0.]), e, torch.tensor(.5), torch.tensor([.5])).tolist()
    [0.5, 0.5]
    """
    return _step(p, _Flow(edges, p.shape[0], b), a)


def _step(p: torch.Tensor, flow: _Flow, a: torch.Tensor) -> torch.Tensor:
    out = a * p + flow(p)
    return out / out.sum().clamp_min(torch.finfo(p.dtype).tiny)


def evolve(p0: torch.Tensor, edges: Hyperedges, a: torch.Tensor, b: torch.Tensor,
           steps: int) -> torch.Tensor:
    """``steps`` evolution steps from ``p0``.

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0], [0], [-1], [1])))
    >>> p = evolve(torch.tensor([1., 0.]), e, torch.tensor(.5), torch.tensor([.5]), 2)
    >>> [round(v, 4) for v in p.tolist()]
    [0.3333, 0.6667]
    """
    p, flow = p0, _Flow(edges, p0.shape[0], b)
    for _ in range(steps):
        p = _step(p, flow, a)
    return p


def rule_weights(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split softmax(logits) into the persistence ``a`` and the rule weights ``b``.

    >>> a, b = rule_weights(torch.zeros(3)); round(float(a), 3), b.shape
    (0.333, torch.Size([2]))
    """
    w = torch.softmax(logits, dim=0)
    return w[0], w[1:]
