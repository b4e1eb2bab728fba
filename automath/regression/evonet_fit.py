"""``SymbolicRegressor(method="evonet")``: the evolving-architecture network's exported formula
as a one-row front (``automath.evonet.export``)."""

from __future__ import annotations

import numpy as np
import sympy

from automath.regression.front import add_scores, table

NAN = float("nan")


def fit_evonet(model, x: np.ndarray, y: np.ndarray):
    """Fit ``model`` (a ``SymbolicRegressor``) with an evonet; its fitted attributes set.

    >>> from automath.regression.estimator import SymbolicRegressor
    >>> x = np.linspace(-1, 1, 20)[:, None]
    >>> m = fit_evonet(SymbolicRegressor(grammar="nguyen", method="evonet"), x, 2 * x[:, 0])
    >>> m.grammar_, len(m._front)
    ('evonet', 1)
    """
    from automath.evonet.export import EvonetRegressor
    names = model._names(x.shape[1], model._grammar())
    net = EvonetRegressor(seed=model.seed, n_threads=model.n_threads).fit(x, y, names)
    expr = net.sympy()
    loss = float(np.mean((net.predict(x) - y) ** 2) / max(np.var(y), 1e-300))
    model.evonet_, model.variable_names_, model.grammar_ = net, names, "evonet"
    model._front = add_scores([{"term": None, "expr": expr, "size": sympy.count_ops(expr) + 1,
                                "loss": loss, "weight": NAN, "exact": loss <= model.tol,
                                "fitted": True, "selected": True}])
    model.best_term_, model.exact_ = None, loss <= model.tol
    model.search_log_, model.seconds_, model.n_elements_ = net.history_, 0.0, 0
    model.found_by_ = "evonet" if model.exact_ else None
    model.stopped_ = "exact" if model.exact_ else "exhausted"
    model.equations_ = table(model._front, [expr])
    return model
