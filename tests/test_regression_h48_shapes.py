"""Shapes beyond the best single elements, end to end (issue 16): a decay rate and a frequency
reached through leaf numerals (``regression.leaves``). Oracle: sympy."""

from __future__ import annotations

import numpy as np
import sympy

from automath.regression import SymbolicRegressor


def test_a_damped_oscillation_is_recovered_with_its_rate_and_scale():
    x = np.linspace(0, 5, 80)[:, None]
    y = 3.2 * np.exp(-0.7 * x[:, 0]) * np.cos(2 * x[:, 0])
    model = SymbolicRegressor(max_time=30, seed=0).fit(x, y)
    s = sympy.Symbol("x0")
    truth = sympy.Rational(16, 5) * sympy.exp(-sympy.Rational(7, 10) * s) * sympy.cos(2 * s)
    assert sympy.simplify(model.sympy() - truth) == 0
