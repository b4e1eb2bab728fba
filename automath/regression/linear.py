"""Two-term linear shapes: the pairs of stored elements whose least-squares combination
``a·u + b·v + c`` explains the target best.

A formula such as ``v0*t - 4.9*t**2`` is a sum of two small elements with free coefficients.
No single element is close to it after an affine map, so the constant fits that start from
the best single elements never see the pair; but among the M smallest elements every pair
can be scored at once from their Gram matrix: with centred rows ``G = V Vᵀ`` and ``c = V y``,
the pair ``(i, j)`` explains ``[cᵢ cⱼ] G[ij]⁻¹ [cᵢ cⱼ]ᵀ`` of the target's sum of squares
(M = 2,000 elements: 4·10⁶ pairs in one pass of elementwise tensor work).
"""

from __future__ import annotations

import torch
from torch import Tensor

from automath.core.store import Store
from automath.core.term import Term
from automath.regression.pairs import small_ids

ELEMENTS, SIZE, PENALTY, COLLINEAR = 2000, 7, 1e-3, 1e-9
"""The most elements paired, and their most nodes; the loss added per node of the pair (ties
go to the smaller pair); the relative determinant below which two elements count as
collinear."""


def pair_losses(values: Tensor, y: Tensor) -> Tensor:
    """Normalized loss (``1 - R²``) of the best ``a·vᵢ + b·vⱼ + c`` for every pair of rows
    of ``values`` (M × n): an M × M matrix, ``inf`` on the diagonal, on collinear pairs and on
    rows that are not finite.

    >>> v = torch.tensor([[1., 2., 3., 4.], [1., 4., 9., 16.], [2., 4., 6., 8.]])
    >>> m = pair_losses(v, 3 * v[0] - 0.5 * v[1] + 1)
    >>> m[0, 1].item() < 1e-12, m[1, 2].item() < 1e-12, torch.isinf(m[0, 2]).item()
    (True, True, True)
    """
    v = values.to(torch.float64)
    ok = torch.isfinite(v).all(1)
    v = torch.where(ok[:, None], v, 0.0)
    vc, yc = v - v.mean(1, keepdim=True), (y - y.mean()).to(torch.float64)
    g, c, yy = vc @ vc.T, vc @ yc, (yc @ yc).clamp_min(1e-300)
    d = g.diagonal()
    det = d[:, None] * d[None, :] - g * g
    explained = (d[None, :] * c[:, None] ** 2 - 2 * g * c[:, None] * c[None, :]
                 + d[:, None] * c[None, :] ** 2) / det.clamp_min(1e-300)
    loss = (1 - explained / yy).clamp(0, 1)
    bad = (det <= COLLINEAR * d[:, None] * d[None, :]) | ~(ok[:, None] & ok[None, :])
    return torch.where(bad, torch.inf, loss)


def best_pairs(values: Tensor, y: Tensor, sizes: Tensor, k: int = 4,
               penalty: float = PENALTY) -> list[tuple[int, int]]:
    """The ``k`` pairs ``(i, j)``, ``i < j``, of least pair loss plus ``penalty`` per node.

    >>> v = torch.tensor([[1., 2., 3., 4.], [1., 4., 9., 16.], [0., 1., 0., 1.]])
    >>> best_pairs(v, 2 * v[0] + v[1], torch.tensor([1, 3, 5]), k=1)
    [(0, 1)]
    """
    score = pair_losses(values, y) + penalty * (sizes[:, None] + sizes[None, :]).double()
    upper = torch.ones_like(score, dtype=torch.bool).triu(diagonal=1)
    score = torch.where(upper & ~score.isnan(), score, torch.inf)
    flat = torch.topk(-score.flatten(), min(k, score.numel())).indices
    m = len(values)
    pairs = [(int(f) // m, int(f) % m) for f in flat]
    return [(i, j) for i, j in pairs if torch.isfinite(score[i, j])]


def pair_terms(store: Store, y: Tensor, k: int = 2, max_size: int = SIZE,
               limit: int = ELEMENTS) -> list[Term]:
    """``u + v`` for the ``k`` best pairs among the ``limit`` smallest elements of at most
    ``max_size`` nodes (a constant fit then puts the coefficients on).

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5 * i for i in range(1, 9)]}); st = d.new_store()
    >>> sq, _, _, x = [st.add_term(d.parse(t)) for t in ("x*x", "sin(x)", "exp(x)", "x")]
    >>> y = 2 * st.values[x] - 3 * st.values[sq]
    >>> str(pair_terms(st, y, k=1)[0])
    'add(x, mul(x, x))'
    """
    ids = small_ids(store, max_size, limit)
    pairs = best_pairs(store.values[ids], y, store.size[ids], k)
    return [Term("add", (store.term(int(ids[i])), store.term(int(ids[j])))) for i, j in pairs]
