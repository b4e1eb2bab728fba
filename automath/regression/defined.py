"""Formulas defined over the data's range: a row whose values are not finite somewhere in the
training data's bounding box is not selectable.

Finite losses on the training rows do not make a formula usable: ``log(cos(x**2/y))`` is finite
at 20 rows and undefined where ``x**2/y`` passes π/2 between them, so its R² on fresh points of
the same range is −∞. ``box_points`` spreads a fixed scrambled Sobol set (256 points, seeded)
over the bounding box of the training rows and adds the rows themselves; ``defined`` evaluates
a term there (one vectorized pass). The box, not the convex hull: on data whose columns are
tied (``x > y`` on every row) a formula undefined off that region (``sqrt(x - y)``) is dropped
too, unless it is exact (an exact row is always kept).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import qmc
from torch import Tensor

from automath.core.term import Term
from automath.regression.formula import Formula

POINTS = 256
"""Quasi-random points in the box (a power of two, as Sobol sets are balanced)."""
PER_SIZE = 3
"""Candidates per size (by loss) looked at for the best defined one."""


def box_points(x: np.ndarray | Tensor, n: int = POINTS, seed: int = 0) -> Tensor:
    """``n`` scrambled Sobol points in the bounding box of the rows of ``x``, then the rows.

    >>> p = box_points(np.array([[0.0, 1.0], [2.0, 3.0]]), n=8)
    >>> tuple(p.shape), bool((p[:, 0] >= 0).all() and (p[:, 0] <= 2).all())
    ((10, 2), True)
    """
    x = torch.as_tensor(x, dtype=torch.float64)
    lo, hi = x.min(0).values, x.max(0).values
    u = qmc.Sobol(d=x.shape[1], scramble=True, seed=seed).random(n)
    return torch.cat([lo + (hi - lo) * torch.from_numpy(u), x])


def defined(term: Term, names: list[str], points: Tensor) -> bool:
    """Whether ``term`` is finite at every one of ``points`` (a formula that fails to evaluate
    is not).

    >>> from automath.core.grammar import Grammar
    >>> pts = box_points(np.array([[1.5], [3.0]]), n=16)
    >>> [defined(Grammar.load("trig").parse(s), ["x"], pts) for s in ("log(x - 1)",
    ...                                                                  "log(x - 2)")]
    [True, False]
    """
    with torch.no_grad():
        try:
            return bool(torch.isfinite(Formula(term, names)(points)).all())
        except (ValueError, RuntimeError, ArithmeticError):
            return False


def defined_rows(rows: list[dict], names: list[str], points: Tensor) -> list[dict]:
    """The rows that are exact or defined at ``points`` (all of them where none is).

    >>> from automath.core.grammar import Grammar
    >>> g, pts = Grammar.load("trig"), box_points(np.array([[1.5], [3.0]]), n=16)
    >>> rows = [{"term": g.parse(s), "exact": False} for s in ("log(x - 2)", "log(x)")]
    >>> [str(r["term"]) for r in defined_rows(rows, ["x"], pts)]
    ['log(x)']
    """
    return [e for e in rows if e["exact"] or defined(e["term"], names, points)] or rows
