"""No formula undefined in the data's range is selectable (issue 16): a row must be finite over
the training data's bounding box, not only at the rows. Oracles: numpy evaluation of the
sympy expression on a dense grid of the box; sympy for the structure."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import automath.regression.estimator as estimator
from automath.core.grammar import Grammar
from automath.regression.defined import box_points, defined
from automath.regression.estimator import SymbolicRegressor, front_records

X, Y = sympy.symbols("x y")
QUICK = {"base_elements": 20000, "max_goals": 20000, "deep": 0, "steps": 0, "max_time": None}


def finite_on_grid(expr: sympy.Expr, lo: float, hi: float, n: int = 2001) -> bool:
    """Whether ``expr`` (in x) is finite at ``n`` evenly spaced points of [lo, hi] (numpy)."""
    with np.errstate(all="ignore"):
        v = np.broadcast_to(sympy.lambdify(X, expr, "numpy")(np.linspace(lo, hi, n)), (n,))
    return bool(np.isfinite(v).all())


def finite_on_grid_2d(expr: sympy.Expr, box: list[tuple[float, float]], n: int = 201) -> bool:
    """Whether ``expr`` (in x, y) is finite on an ``n × n`` grid of ``box`` (numpy)."""
    gx, gy = np.meshgrid(*(np.linspace(a, b, n) for a, b in box))
    with np.errstate(all="ignore"):
        v = sympy.lambdify((X, Y), expr, "numpy")(gx, gy)
    return bool(np.isfinite(np.broadcast_to(v, gx.shape)).all())


@pytest.mark.parametrize("text,box", [
    ("log(x - 1)", [(1.2, 3.0), (0.0, 1.0)]),
    ("log(x - 2)", [(1.2, 3.0), (0.0, 1.0)]),
    ("sqrt(x)", [(0.0, 4.0), (0.0, 1.0)]),
    ("sin(x/(y - log(y)))/cos(log(cos(x*x/y)))", [(-1.0, 1.0), (0.5, 2.0)]),
    ("sin(x*y)/y", [(-1.0, 1.0), (0.5, 2.0)]),
    ("exp(exp(exp(x*y)))", [(-1.0, 1.0), (0.5, 2.0)]),
])
def test_defined_agrees_with_numpy_on_a_grid_of_the_box(text, box):
    rows = np.random.default_rng(0).uniform(*np.array(box).T, size=(20, 2))
    rows[:2] = np.array(box).T  # the rows span the box
    term = Grammar.load("trig").parse(text)
    oracle = finite_on_grid_2d(sympy.sympify(text, locals={"x": X, "y": Y}), box)
    assert defined(term, ["x", "y"], box_points(rows)) == oracle


def noisy(x: np.ndarray, f, seed: int = 0, level: float = 0.01) -> np.ndarray:
    """``f(x)`` plus Gaussian noise of ``level`` times its standard deviation."""
    y = f(x)
    return y + level * np.std(y) * np.random.default_rng(seed).normal(size=len(y))


def fit(x: np.ndarray, y: np.ndarray) -> SymbolicRegressor:
    return SymbolicRegressor(grammar="trig", variable_names=("x",), **QUICK).fit(x[:, None], y)


def test_a_formula_defined_where_the_data_lies_is_still_selected():
    x = np.random.default_rng(0).uniform(1.2, 3.0, 40)
    model = fit(x, noisy(x, lambda v: np.log(v - 1)))
    assert sympy.simplify(model.sympy() - sympy.log(X - 1)) == 0, model.sympy()
    assert finite_on_grid(model.sympy(), x.min(), x.max())


def clusters() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.concatenate([rng.uniform(-3, -1.5, 20), rng.uniform(1.5, 3, 20)])


def test_no_row_of_the_front_is_undefined_between_the_rows():
    x = clusters()
    model = fit(x, noisy(x, lambda v: np.log(v * v - 1)))
    for row in front_records(model):
        assert finite_on_grid(row["sympy"], x.min(), x.max()), row["expression"]


def test_without_the_check_an_undefined_formula_is_selected(monkeypatch):
    """The same data with the check switched off: the selected formula is not finite on the
    box (so the check above is what keeps it out)."""
    monkeypatch.setattr(estimator, "defined_rows", lambda rows, names, points: rows)
    monkeypatch.setattr(estimator, "defined", lambda term, names, points: True)
    x = clusters()
    model = fit(x, noisy(x, lambda v: np.log(v * v - 1)))
    assert not finite_on_grid(model.sympy(), x.min(), x.max()), model.sympy()
