"""Scale (issue 16): a fit on 200,000 rows searches a subsample and still recovers the formula
and its constants, checked against sympy and numpy (no timing asserts: the curve is
``automath bench sr --scale``)."""

from __future__ import annotations

import numpy as np
import sympy
import torch

from automath.regression.data import split_rows
from automath.regression.estimator import SymbolicRegressor


def test_two_hundred_thousand_rows_recover_a_formula_with_constants():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, (200_000, 2))
    y = 2.5 * x[:, 1] * np.sin(x[:, 0]) + 0.5
    model = SymbolicRegressor(grammar="trig", variable_names=("a", "b"), max_time=10).fit(x, y)
    a, b = sympy.symbols("a b")
    assert sympy.simplify(model.sympy() - (sympy.Rational(5, 2) * b * sympy.sin(a)
                                           + sympy.Rational(1, 2))) == 0
    assert np.allclose(model.predict(x[-50:]), y[-50:])


def test_a_subsample_is_drawn_by_the_seed_from_the_training_rows():
    x = np.arange(100.0)[:, None]
    data = split_rows(x, 2 * x[:, 0], 0.1, seed=0)
    one, again, other = (data.subsample(20, s) for s in (1, 1, 2))
    assert torch.equal(one.x, again.x) and not torch.equal(one.x, other.x)
    assert len(one.y) == 20 and torch.equal(one.y, 2 * one.x[:, 0])
    assert set(one.x[:, 0].tolist()) <= set(data.x[:, 0].tolist())
    assert torch.equal(one.xv, data.xv)
