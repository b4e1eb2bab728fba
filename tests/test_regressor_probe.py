"""A fit whose numerals only the constant fit can find ends when it is found (the search's
probe, ``regression.probe``), not when its time budget runs out; the oracle is sympy."""

from __future__ import annotations

import numpy as np
import sympy

from automath.regression.estimator import SymbolicRegressor


def test_a_formula_with_fitted_constants_ends_the_fit_as_exact():
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 3, (200, 2))
    y = 1.5 * x[:, 0] ** 2 / x[:, 1] + 0.3
    model = SymbolicRegressor(variable_names=("a", "b"), max_time=120).fit(x, y)
    a, b = sympy.symbols("a b")
    assert sympy.simplify(model.sympy() - (sympy.Rational(3, 2) * a**2 / b
                                           + sympy.Rational(3, 10))) == 0
    assert model.exact_ and model.stopped_ == "exact" and model.found_by_ == "constant fit"
    assert any(e["event"] == "probe met" for e in model.search_log_)


def test_without_numerals_to_fit_no_probe_runs():
    x = np.linspace(1, 2, 20)[:, None]
    model = SymbolicRegressor(grammar="nguyen", fit_constants=False, max_time=30).fit(
        x, x[:, 0] ** 2 + x[:, 0])
    assert model.exact_ and not any(e["event"] == "probe met" for e in model.search_log_)
