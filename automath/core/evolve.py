"""Evolution: ``p' = a·p + Σ_r b_r · scatter_c(p_i · p_j)``, differentiable with autograd.

The identity (persistence) term ``a·p`` sends gradient to every element of the final
distribution; the big sum runs over every recorded hyperedge, including those whose parents
have weight 0 today, so their gradient can give a generated element weight.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from automath.core.generate import Hyperedges

try:  # the compiled flow (``pip install -e '.[fast]'``); without numba the torch path runs
    import numba
except ImportError:  # pragma: no cover - exercised where numba is missing
    numba = None

FUSED = numba is not None
"""Whether the compiled flow is available (numba is installed)."""

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

    From ``SORT_FROM`` edges on they are taken sorted by child (``Hyperedges.by_child``,
    sorted once per edge set): the scatter writes in order, each child summing its edges in
    their given order, so the values are those of the given order. Where numba is installed
    and ``p`` is a CPU tensor (``fused``), one compiled pass per step gathers, multiplies and
    scatters (``_FusedFlow``); otherwise the eager torch path (``_eager``) runs.
    """

    def __init__(self, edges: Hyperedges, n: int, b: torch.Tensor,
                 fused: bool | None = None) -> None:
        edges = edges.by_child if len(edges) >= SORT_FROM else edges
        self.edges, self.n, self.b = edges, n, b
        self.i, self.c = edges.i, edges.c
        self.fused = _fusable(b) if fused is None else fused and _fusable(b)

    def __call__(self, p: torch.Tensor) -> torch.Tensor:
        if self.fused and p.dtype == self.b.dtype and p.device.type == "cpu" \
                and not torch._C._are_functorch_transforms_active():
            return _FusedFlow.apply(p, self.bw, self.arrays)
        return self._eager(p)

    @functools.cached_property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The edges' i, j, c as numpy arrays for the compiled flow."""
        return tuple(_int_array(f) for f in (self.edges.i, self.edges.j, self.edges.c))

    @functools.cached_property
    def bw(self) -> torch.Tensor:
        """Each edge's rule weight (one gather per edge set, its gradient summed over steps
        before it reaches ``b``, as on both paths)."""
        return self.b.index_select(0, self.edges.rule)

    @functools.cached_property
    def _eager_j(self) -> torch.Tensor:
        """``j`` with unary edges reading entry ``n`` (the 1 appended to ``p``)."""
        return torch.where(self.edges.j >= 0, self.edges.j, self.n)

    def _eager(self, p: torch.Tensor) -> torch.Tensor:
        """The reference: gathers by ``index_select`` (their backward is an ``index_add``,
        far faster than ``p[idx]``'s); unary edges read an extra entry 1 appended to ``p``."""
        pe = torch.cat([p, p.new_ones(1)])
        flow = self.bw * pe.index_select(0, self.i) * pe.index_select(0, self._eager_j)
        return torch.zeros_like(p).index_add(0, self.c, flow)


def _fusable(b: torch.Tensor) -> bool:
    """Whether the compiled flow can serve rule weights ``b`` (numba, CPU, float32/64)."""
    return FUSED and b.device.type == "cpu" and b.dtype in (torch.float32, torch.float64)


def _int_array(t: torch.Tensor) -> np.ndarray:
    """An int64 index tensor as a contiguous numpy array (no copy where it already is)."""
    return t.contiguous().numpy()


_jit = numba.njit(cache=True, nogil=True) if FUSED else (lambda f: f)


@_jit
def _flow_forward(p, bw, i, j, c, out):  # pragma: no cover - compiled
    """``out[c] += bw·p[i]·p[j]`` edge by edge (``p[j] = 1`` where ``j < 0``), the products
    and sums in the eager path's order; False, with nothing read out of bounds, where an
    index lies outside ``p``."""
    n = p.shape[0]
    for e in range(c.shape[0]):
        ie, je, ce = i[e], j[e], c[e]
        if not (0 <= ie < n and -1 <= je < n and 0 <= ce < n):
            return False
        if je >= 0:
            out[ce] += bw[e] * p[ie] * p[je]
        else:  # no float64 literal: float32 weights stay float32, as on the eager path
            out[ce] += bw[e] * p[ie]
    return True


@_jit
def _flow_backward(g, p, bw, i, j, c, gi, gj, gbw, want_bw):  # pragma: no cover - compiled
    """The vector-Jacobian product of ``_flow_forward`` for feedback ``g``: the parts that
    reach ``p`` as first and as second parent (``gi``, ``gj``) and each edge's weight
    (``gbw``, where ``want_bw``), each product in the order eager autograd takes."""
    for e in range(c.shape[0]):
        ge, ie, je = g[c[e]], i[e], j[e]
        if je >= 0:
            gpj = ge * p[je]
            gi[ie] += gpj * bw[e]
            gj[je] += ge * (bw[e] * p[ie])
            if want_bw:
                gbw[e] = gpj * p[ie]
        else:
            gi[ie] += ge * bw[e]
            if want_bw:
                gbw[e] = ge * p[ie]


class _FusedFlow(torch.autograd.Function):
    """The flow as one compiled forward pass and one compiled backward pass over the edges;
    outputs and gradients equal the eager path's bit for bit (each sum in the same order)."""

    @staticmethod
    def forward(ctx, p: torch.Tensor, bw: torch.Tensor, arrays: tuple) -> torch.Tensor:
        p, bw = p.detach().contiguous(), bw.detach().contiguous()
        out = torch.zeros_like(p)
        if not _flow_forward(p.numpy(), bw.numpy(), *arrays, out.numpy()):
            raise IndexError(f"an edge names an element outside 0..{p.shape[0] - 1}")
        ctx.save_for_backward(p, bw)
        ctx.arrays = arrays
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g: torch.Tensor):
        p, bw = ctx.saved_tensors
        want_bw = ctx.needs_input_grad[1]
        gi, gj = torch.zeros_like(p), torch.zeros_like(p)
        gbw = torch.empty_like(bw) if want_bw else bw.new_empty(0)
        _flow_backward(g.contiguous().numpy(), p.numpy(), bw.numpy(), *ctx.arrays,
                       gi.numpy(), gj.numpy(), gbw.numpy(), want_bw)
        return gi + gj, gbw if want_bw else None, None


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
           steps: int, fused: bool | None = None) -> torch.Tensor:
    """``steps`` evolution steps from ``p0`` (``fused``: the compiled flow where it can
    serve, the default; False: the eager torch path, the reference).

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0], [0], [-1], [1])))
    >>> p = evolve(torch.tensor([1., 0.]), e, torch.tensor(.5), torch.tensor([.5]), 2)
    >>> [round(v, 4) for v in p.tolist()]
    [0.3333, 0.6667]
    """
    p, flow = p0, _Flow(edges, p0.shape[0], b, fused)
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
