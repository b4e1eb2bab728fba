"""Evolution: ``p' = a·p + Σ_r b_r · scatter_c(p_i · p_j)``, differentiable with autograd.

The identity (persistence) term ``a·p`` sends gradient to every element of the final
distribution; the big sum runs over every recorded hyperedge, including those whose parents
have weight 0 today, so their gradient can give a generated element weight.
"""

from __future__ import annotations

import torch

from automath._generate import Hyperedges


def apply_rules(p: torch.Tensor, edges: Hyperedges, b: torch.Tensor) -> torch.Tensor:
    """``Σ_r b_r · scatter_c(p_i · p_j)`` over the edges (``p_j = 1`` for unary edges).

    Doubling on uniform{1, 2} (ids 0, 1 hold 1, 2; ids 1, 2 hold 2, 4):

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 0], [0, 1], [-1, -1], [1, 2])))
    >>> apply_rules(torch.tensor([.5, .5, 0.]), e, torch.tensor([1.])).tolist()
    [0.0, 0.5, 0.5]
    """
    pj = torch.where(edges.j >= 0, p[edges.j.clamp(min=0)], torch.ones((), dtype=p.dtype,
                                                                         device=p.device))
    flow = b[edges.rule] * p[edges.i] * pj
    return torch.zeros_like(p).index_add(0, edges.c, flow)


def evolve_step(p: torch.Tensor, edges: Hyperedges, a: torch.Tensor,
                b: torch.Tensor) -> torch.Tensor:
    """One step ``a·p + Σ_r b_r·rule_r(p)``, renormalized to total weight 1.

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0], [0], [0], [1])))
    >>> evolve_step(torch.tensor([1., 0.]), e, torch.tensor(.5), torch.tensor([.5])).tolist()
    [0.5, 0.5]
    """
    out = a * p + apply_rules(p, edges, b)
    return out / out.sum().clamp_min(torch.finfo(p.dtype).tiny)


def evolve(p0: torch.Tensor, edges: Hyperedges, a: torch.Tensor, b: torch.Tensor,
           steps: int) -> torch.Tensor:
    """``steps`` evolution steps from ``p0``.

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0], [0], [-1], [1])))
    >>> p = evolve(torch.tensor([1., 0.]), e, torch.tensor(.5), torch.tensor([.5]), 2)
    >>> [round(v, 4) for v in p.tolist()]
    [0.3333, 0.6667]
    """
    p = p0
    for _ in range(steps):
        p = evolve_step(p, edges, a, b)
    return p


def rule_weights(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split softmax(logits) into the persistence ``a`` and the rule weights ``b``.

    >>> a, b = rule_weights(torch.zeros(3)); round(float(a), 3), b.shape
    (0.333, torch.Size([2]))
    """
    w = torch.softmax(logits, dim=0)
    return w[0], w[1:]
