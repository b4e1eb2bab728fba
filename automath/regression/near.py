"""Near look-ups for noisy targets: ``head ∘ e`` closest to the target over every element ``e``.

The search's goals close a formula only when a residual of the target (``y - h``, ``y / h``)
*equals* an element's values; on noisy data nothing is equal, so a formula the goals would have
built from two parts (``sin(x²)·cos(x) - 1``) is never formed. Here a few *heads* (the small
elements the goals are built from, and per size the elements closest to the target) are
combined with every element ``e`` by each binary operator of the grammar, and the ``e`` whose
``h ∘ e`` (or ``e ∘ h``) has the lowest NMSE against the target gives one candidate.

The squared error of every combination is one matrix product: ``Σ (v·a - b)²`` over the
points is ``v² @ a² - 2 v @ (a·b) + Σ b²`` for an element's values ``v`` (or ``1/v`` for
``h / e``), so all heads and operators cost two products per chunk of elements. The few best of
each column are rescored directly (the expansion loses digits for large values). The estimator
scores the candidates on its rows, and its front and model selection decide, so a near
candidate is kept only where its loss pays for its size.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from automath.core.store import Store
from automath.core.term import Term
from automath.regression.data import nmse, scaled_nmse

# operator -> (scale a, target b) with h ∘ e ≈ y  ⇔  (v·a - b) ≈ 0 over the points; "inverse":
# v is 1/e's values; "left": the head is the left argument of the built term
FORMS: dict[str, Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]] = {
    "add": lambda h, y: (torch.ones_like(h), y - h),      # h + e = y
    "sub": lambda h, y: (torch.ones_like(h), h - y),      # h - e = y
    "sub'": lambda h, y: (torch.ones_like(h), y + h),     # e - h = y
    "mul": lambda h, y: (h, y),                           # h·e = y
    "div'": lambda h, y: (1 / h, y),                      # e / h = y
    "div": lambda h, y: (h, y),                           # h / e = y  (v = 1/e)
}
INVERSE = frozenset({"div"})
LEFT = frozenset({"add", "sub", "mul", "div"})


def heads(store: Store, y: Tensor, per_size: int, max_size: int, small: int = 3,
          max_small: int = 32) -> list[int]:
    """The elements of at most ``small`` nodes (the siblings of the search's goals, at most
    ``max_small``), then per size up to ``max_size`` the ``per_size`` elements closest to
    ``y`` after an affine map and the one of the lowest raw NMSE (sizes apart: a size penalty
    would let many small near-misses crowd out a larger close part), closest first.

    >>> from automath.regression.data import data_domain
    >>> st = data_domain("nguyen", {"x": [1.0, 2.0, 3.0]}).new_store()
    >>> [str(st.term(i)) for i in heads(st, torch.tensor([2.0, 4.0, 6.1]), 1, 5)]
    ['x']
    """
    vals = store.values.to(torch.float64)
    close = scaled_nmse(vals, y)
    raw = torch.nan_to_num(nmse(vals, y), nan=torch.inf)
    first = (store.size <= small).nonzero().squeeze(1)[:max_small].tolist()
    out: list[int] = []
    for s in torch.unique(store.size[store.size <= max_size]).tolist():
        ids = (store.size == s).nonzero().squeeze(1)
        out += ids[torch.argsort(close[ids], stable=True)[:per_size]].tolist()
        out.append(int(ids[torch.argmin(raw[ids])]))
    return list(dict.fromkeys(first + sorted(out, key=lambda i: float(close[i]))))


def near_terms(store: Store, y: Tensor, ops: tuple[str, ...], k: int = 2, max_size: int = 20,
               chunk: int = 1 << 16, stop: Callable[[], bool] = lambda: False) -> list[Term]:
    """For each head (``heads``, ``k`` per size) and operator in ``ops``, the term
    ``head ∘ e`` (or ``e ∘ head``) of the lowest NMSE against ``y`` over the store's elements
    ``e``, at most ``max_size`` nodes; ``stop`` ends the pass over the elements early.

    >>> from automath.regression.data import data_domain
    >>> st = data_domain("nguyen", {"x": [1.0, 2.0, 3.0]}).new_store()
    >>> sorted({str(t) for t in near_terms(st, torch.tensor([2.0, 4.0, 6.1]), ("add", "mul"))})
    ['add(x, x)', 'mul(x, x)']
    """
    hs = heads(store, y, k, max_size - 2)
    cols = [(h, op) for h in hs for op in FORMS if op.rstrip("'") in ops]
    if not cols:
        return []
    room = torch.tensor([max_size - 1 - int(store.size[h]) for h, _ in cols])
    best = _scan(store, y, cols, room, chunk, stop)
    out = []
    for (h, op), e in zip(cols, best, strict=True):
        if e is not None:
            pair = (store.term(h), store.term(e))
            out.append(Term(op.rstrip("'"), pair if op in LEFT else pair[::-1]))
    return out


def _scan(store: Store, y: Tensor, cols: list[tuple[int, str]], room: Tensor, chunk: int,
          stop: Callable[[], bool], keep: int = 4) -> list[int | None]:
    """Per column (head, operator), the element of at most ``room`` nodes with the lowest
    squared error: ``keep`` best per chunk by one product (``_features @ _coefficients``),
    rescored directly."""
    forms = [FORMS[op](store.values[h].to(torch.float64), y) for h, op in cols]
    a = torch.stack([f[0] for f in forms], 1)        # (K, C)
    b = torch.stack([f[1] for f in forms], 1)
    inverse = torch.tensor([op in INVERSE for _, op in cols])
    top_size = int(store.size.max())
    groups = [(inv, c, _coefficients(a[:, c], b[:, c], room[c], top_size))
              for inv in (False, True) if len(c := (inverse == inv).nonzero().squeeze(1))]
    best = torch.full((len(cols),), torch.inf, dtype=torch.float64)
    where = torch.full((len(cols),), -1, dtype=torch.int64)
    for start, v in _blocks(store, chunk, stop):
        size = store.size[start:start + chunk]
        top = torch.empty((min(keep, len(v)), len(cols)), dtype=torch.int64)
        for inv, c, m in groups:
            err = torch.nan_to_num_(m.T @ _features(v, size, inv, top_size).T, nan=torch.inf)
            top[:, c] = torch.topk(err, len(top), dim=1, largest=False).indices.T
        w = torch.where(inverse[None, :, None], 1 / v[top], v[top])    # (keep, C, K)
        exact = torch.nan_to_num(((w * a.T[None] - b.T[None]) ** 2).sum(-1), nan=torch.inf)
        exact = torch.where(size[top] <= room[None], exact, torch.inf)
        val, i = exact.min(0)
        better = val < best
        best = torch.where(better, val, best)
        where = torch.where(better, start + top.gather(0, i[None])[0], where)
    return [int(e) if e >= 0 else None for e in where.tolist()]


BIG = 1e300  # the error added to an element too large for a column or with a non-finite value


def _coefficients(a: Tensor, b: Tensor, room: Tensor, top_size: int) -> Tensor:
    """The columns ``[a²; -2ab; Σb²; size penalties; BIG]`` that ``_features`` multiplies."""
    sizes = torch.arange(top_size + 1, dtype=torch.float64)[:, None]
    penalty = (sizes > room[None].to(torch.float64)).to(torch.float64) * BIG
    return torch.cat([a * a, -2 * a * b, (b * b).sum(0, keepdim=True), penalty,
                      torch.full((1, a.shape[1]), BIG, dtype=torch.float64)])


def _features(v: Tensor, size: Tensor, inverse: bool, top_size: int) -> Tensor:
    """Rows ``[w², w, 1, one-hot size, bad]`` of the values ``w`` (``v`` or ``1/v``): their
    product with ``_coefficients`` is each squared error ``Σ (w·a - b)²``."""
    w = 1 / v if inverse else v
    bad = ~(torch.isfinite(w) & (w.abs() < 1e100)).all(1, keepdim=True)
    w = torch.where(bad, 0.0, w)
    hot = torch.nn.functional.one_hot(size.long(), top_size + 1).to(torch.float64)
    return torch.cat([w * w, w, torch.ones_like(bad, dtype=torch.float64), hot,
                      bad.to(torch.float64)], 1)


# operator -> (a, w is 1/e) with h ∘ e ∝ y  ⇔  w·a ∝ y: the forms a fitted constant completes
SCALED: dict[str, tuple[Callable[[Tensor], Tensor], bool]] = {
    "mul": (lambda h: h, False),       # h·e ∝ y
    "div": (lambda h: h, True),        # h / e ∝ y  (w = 1/e)
    "div'": (lambda h: 1 / h, False),  # e / h ∝ y
}


def scaled_terms(store: Store, y: Tensor, ops: tuple[str, ...], max_size: int = 20,
                 chunk: int = 1 << 16, stop: Callable[[], bool] = lambda: False,
                 small: int = 3, max_small: int = 32, k: int = 6) -> list[Term]:
    """For each small head ``h`` (at most ``small`` nodes) and product or quotient in ``ops``,
    the term ``h·e``, ``h/e`` or ``e/h`` closest to a *multiple* of ``y`` (the lowest
    ``1 - cos²`` between its values and ``y``) over the store's elements: the shapes a fitted
    constant completes (``c·q1·q2/r²`` from the heads ``q1·q2`` and the element ``r·r``);
    the ``k`` closest, closest first.

    >>> from automath.regression.data import data_domain
    >>> st = data_domain("nguyen", {"x": [1.0, 2.0, 3.0]}).new_store()
    >>> sorted({str(t) for t in scaled_terms(st, torch.tensor([0.3, 1.2, 2.7]), ("mul",))})
    ['mul(x, x)']
    """
    hs = (store.size <= small).nonzero().squeeze(1)[:max_small].tolist()
    cols = [(h, op) for h in hs for op in SCALED if op.rstrip("'") in ops]
    if not cols:
        return []
    a = torch.stack([SCALED[op][0](store.values[h].to(torch.float64)) for h, op in cols], 1)
    inverse = torch.tensor([SCALED[op][1] for _, op in cols])
    room = torch.tensor([max_size - 1 - int(store.size[h]) for h, _ in cols])
    best = torch.full((len(cols),), torch.inf, dtype=torch.float64)
    where = torch.full((len(cols),), -1, dtype=torch.int64)
    for start, v in _blocks(store, chunk, stop):
        err = torch.where(inverse[None], _cosine_error(1 / v, a, y), _cosine_error(v, a, y))
        err = torch.where(store.size[start:start + chunk, None] <= room[None], err, torch.inf)
        val, i = err.min(0)
        better = val < best
        best, where = torch.where(better, val, best), torch.where(better, start + i, where)
    found = list(zip(cols, where.tolist(), strict=True))
    return [Term(op.rstrip("'"), (store.term(h), store.term(e)) if op in LEFT else
                 (store.term(e), store.term(h)))
            for (h, op), e in (found[c] for c in torch.argsort(best, stable=True)[:k].tolist())
            if e >= 0]


def _cosine_error(w: Tensor, a: Tensor, y: Tensor) -> Tensor:
    """``1 - cos²`` between each row of ``w`` times each column of ``a`` and ``y``: an
    ``(elements, columns)`` matrix of two products; inf where a value is not finite.

    >>> _cosine_error(torch.tensor([[1.0, 2.0], [1.0, 0.0]]), torch.ones(2, 1),
    ...               torch.tensor([2.0, 4.0])).squeeze(1).tolist()
    [0.0, 0.8]
    """
    bad = ~torch.isfinite(w).all(1, keepdim=True)
    w = torch.where(bad, 0.0, w)
    num = (w @ (a * y[:, None])) ** 2
    den = (w * w) @ (a * a) * (y * y).sum()
    err = torch.where(den > 0, 1 - num / den.clamp_min(1e-300), torch.inf)
    return torch.nan_to_num(torch.where(bad, torch.inf, err), nan=torch.inf)


def _blocks(store: Store, chunk: int, stop: Callable[[], bool]):
    """(first id, float64 values) of the store's elements, ``chunk`` at a time; none once
    ``stop()`` holds (so a spent budget reads nothing)."""
    for start in range(0, len(store), chunk):
        if stop():
            return
        yield start, store.values[start:start + chunk].to(torch.float64)
