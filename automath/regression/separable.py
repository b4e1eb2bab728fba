"""Additively separable targets: ``f(x, y) = g(x) + h(y)`` split into one search per variable.

A target is separable when its mixed differences ``f(x, y) - f(x, y0) - f(x0, y) + f(x0, y0)``
vanish. Data give ``f`` only at their rows, so the test runs on a surrogate: a sum of one
polynomial (Chebyshev basis, degree ``k`` = 1, 2, ... while at least 3 rows stay spare) per
variable, fitted by least squares. When one fits every row to ``rtol`` of the target's spread,
the target is separable (a sum's mixed differences are 0) and the surrogate's parts, each 0 at
its variable's anchor ``0``, are the values each variable's formula must take at its rows; the
rest is one constant. Parts that are not polynomials pass when a polynomial of that degree is
within ``rtol`` of them on the data's range (smooth functions on short ranges: ``sin(x)`` on
``[0, 1]``); noisy data never pass, and then nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from numpy.polynomial import chebyshev


class Parts(NamedTuple):
    """Per-variable targets at the rows (columns of ``values``) and the constant left over."""

    values: np.ndarray
    constant: float
    degree: int


def additive_parts(x: np.ndarray, y: np.ndarray, max_degree: int = 8, rtol: float = 1e-9,
                   spare: int = 3) -> Parts | None:
    """The target's per-variable parts when a sum of one-variable polynomials fits it to
    ``rtol`` (relative to its standard deviation), else None; each part is 0 at ``x_j = 0``.

    >>> rng = np.random.default_rng(0); x = rng.uniform(0, 1, (20, 2))
    >>> p = additive_parts(x, x[:, 0]**4 - x[:, 0]**3 + x[:, 1]**2 / 2 - x[:, 1] + 3)
    >>> p.degree, round(p.constant, 9), bool(np.allclose(p.values[:, 1], x[:, 1]**2/2 - x[:, 1]))
    (4, 3.0, True)
    >>> additive_parts(x, x[:, 0] * x[:, 1]) is None
    True
    """
    n, d = x.shape
    spread = float(np.std(y))
    if d < 2 or spread == 0:
        return None
    lo, hi = x.min(0), x.max(0)
    for k in range(1, max_degree + 1):
        if 1 + d * k + spare > n:
            return None
        basis = [_basis(x[:, j], lo[j], hi[j], k) for j in range(d)]
        design = np.concatenate([np.ones((n, 1)), *basis], axis=1)
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        if np.sqrt(np.mean((y - design @ coef) ** 2)) <= rtol * spread:
            return _split(coef, basis, lo, hi, k, rtol * spread)
    return None


def _basis(col: np.ndarray, lo: float, hi: float, k: int) -> np.ndarray:
    """Chebyshev polynomials 1..k of the column mapped to [-1, 1] (rows, k)."""
    t = (2 * col - (lo + hi)) / (hi - lo)
    return chebyshev.chebvander(t, k)[:, 1:]


def _split(coef: np.ndarray, basis: list[np.ndarray], lo: np.ndarray, hi: np.ndarray, k: int,
           floor: float) -> Parts | None:
    """Each variable's part at the rows, shifted to 0 at the anchor; None if one is flat."""
    parts, constant = [], float(coef[0])
    for j, b in enumerate(basis):
        c = coef[1 + j * k: 1 + (j + 1) * k]
        at_zero = float(_basis(np.zeros(1), lo[j], hi[j], k)[0] @ c)
        part = b @ c - at_zero
        if np.std(part) <= floor:
            return None  # the target does not depend on this variable
        parts.append(part)
        constant += at_zero
    return Parts(np.stack(parts, 1), constant, k)


def fit_parts(model: object, x: np.ndarray, y: np.ndarray, names: list[str],
              seconds: float | None) -> tuple[list, int, list[dict]] | None:
    """Each variable's formula from a fit like ``model``'s (a ``SymbolicRegressor``) on its
    column and part, within ``seconds`` each (None: no limit): (terms, evaluations, log),
    or None when the target is not separable or a part has no exact formula."""
    parts = additive_parts(x, y)
    if parts is None:
        return None
    terms, evaluations, log = [], 0, []
    for j, name in enumerate(names):
        target = parts.values[:, j] + (parts.constant if j == 0 else 0.0)
        units = model.X_units
        units = units if units is None or isinstance(units, Mapping) else (list(units)[j],)
        sub = type(model)(**{**model.get_params(), "variable_names": (name,), "max_time": seconds,
                             "warm_start": False, "validation_fraction": 0.0, "X_units": units})
        sub.fit(x[:, [j]], target)
        evaluations += sub.n_evaluations_
        log += [{**e, "event": f"separable {name}: {e['event']}"} for e in sub.search_log_]
        if not sub.exact_:
            return None
        terms.append(sub.best_term_)
    return terms, evaluations, log
