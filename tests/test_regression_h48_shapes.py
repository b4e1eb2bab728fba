"""Shapes beyond the best single elements, end to end (issue 16): a decay rate and a frequency
reached through leaf numerals (``regression.leaves``), and a two-term law with a coefficient
no closed form gives (``regression.linear``). Oracles: sympy, numpy's least squares."""

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


def test_a_noisy_two_term_law_keeps_its_shape_and_a_least_squares_coefficient():
    rng = np.random.default_rng(3)
    v0, t = rng.uniform(0, 10, 100), rng.uniform(0, 3, 100)
    clean = v0 * t - 4.9 * t * t
    y = clean + 0.02 * np.std(clean) * rng.standard_normal(100)
    model = SymbolicRegressor(max_time=20, seed=0).fit(np.stack([v0, t], 1), y)
    a, b = sympy.symbols("x0 x1")
    poly = sympy.Poly(sympy.expand(model.sympy()), a, b)
    assert set(poly.monoms()) <= {(1, 1), (0, 2), (0, 0)}
    coef, *_ = np.linalg.lstsq(np.stack([v0 * t, t * t], 1), y, rcond=None)
    assert abs(float(poly.coeff_monomial(b**2)) - coef[1]) < 0.05
