"""bench sr --scale's second curve (issue 16): a target with no exact formula in the grammar
(j0(2a)·b) fitted within its budget; the reported R² is what the returned formula's text,
read by sympy and evaluated by numpy, scores at fresh points (scikit-learn's r2_score)."""

from __future__ import annotations

import numpy as np
import sympy
from scipy.special import j0
from sklearn.metrics import r2_score

from benchmarks.scale import SCALE_TARGETS, _data, scale_fit


def test_a_target_without_a_formula_reports_the_r2_of_its_formula():
    row = scale_fit("j0(2*a)*b", 2500, seed=0, budget=3.0)
    assert row["stopped"] in ("time", "exhausted") and not row["exact"]
    a, b = sympy.symbols("a b")
    f = sympy.lambdify((a, b), sympy.sympify(row["formula"], locals={"a": a, "b": b}), "numpy")
    x = np.random.default_rng([1, 10_000]).uniform(-2, 2, (10_000, 2))
    truth = j0(2 * x[:, 0]) * x[:, 1]
    assert abs(r2_score(truth, np.broadcast_to(f(x[:, 0], x[:, 1]), truth.shape))
               - row["R2"]) < 1e-5
    assert row["memory MB"] == row["memory MB"] and row["peak MB"] >= 0


def test_the_targets_are_what_they_name():
    x, y = _data("2.5*b*sin(a)", 50, 3)
    assert np.allclose(y, 2.5 * x[:, 1] * np.sin(x[:, 0]))
    assert set(SCALE_TARGETS) == {"2.5*b*sin(a)", "j0(2*a)*b"}
