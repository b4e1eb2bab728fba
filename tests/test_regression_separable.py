"""Additively separable targets (issue 16, Nguyen-12): the surrogate's per-variable parts against
the known parts (numpy), non-separable and noisy data left alone, and Nguyen-12 recovered
exactly one variable at a time (sympy equivalence)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from automath.regression.estimator import SymbolicRegressor
from automath.regression.separable import additive_parts
from benchmarks.datasets import NGUYEN


def test_the_parts_of_a_sum_are_each_variables_own_values():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 2, (30, 3))
    g, h, k = x[:, 0] ** 3 - x[:, 0], x[:, 1] ** 2 + 2 * x[:, 1], -x[:, 2] ** 4
    parts = additive_parts(x, g + h + k + 0.25)
    np.testing.assert_allclose(parts.values, np.stack([g, h, k], 1), atol=1e-8)
    assert parts.constant == pytest.approx(0.25, abs=1e-8)


@pytest.mark.parametrize("target", [
    lambda x: x[:, 0] * x[:, 1],
    lambda x: np.exp(x[:, 0] * x[:, 1]),
    lambda x: np.sin(3 * x[:, 0]) / (1 + x[:, 1]),
])
def test_targets_with_mixed_terms_are_not_split(target):
    x = np.random.default_rng(2).uniform(0, 1, (20, 2))
    assert additive_parts(x, target(x)) is None


def test_noisy_sums_are_not_split():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (40, 2))
    y = x[:, 0] ** 2 + x[:, 1] + 1e-4 * rng.normal(size=40)
    assert additive_parts(x, y) is None


@pytest.mark.parametrize("seed", [0, 1])
def test_nguyen_12_is_recovered_one_variable_at_a_time(seed):
    problem = NGUYEN["Nguyen-12"]
    x, y = problem.sample(seed)
    model = SymbolicRegressor(grammar="nguyen", variable_names=("x", "y"), seed=seed,
                              max_time=60).fit(x, y)
    assert model.found_by_ == "separable" and model.stopped_ == "exact"
    xs, ys = sympy.symbols("x y")
    assert sympy.simplify(model.sympy() - (xs**4 - xs**3 + ys**2 / 2 - ys)) == 0
