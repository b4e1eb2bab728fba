"""One numeral per product and per sum before a constant fit (``regression.coefficients``):
a shape whose numerals lie on a ridge (``c₁·b·sin(a)·e^{c₂}``) is fitted and snapped to the
closed form, not left at ``2.50000000284``. Oracles: sympy (same function, closed form) and
numpy (the values)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch

from automath.core.grammar import Grammar
from automath.regression.coefficients import merged
from automath.regression.data import split_rows
from automath.regression.estimator import SymbolicRegressor
from automath.regression.formula import Formula, term_sympy

TRIG = Grammar.load("trig")
SHAPES = ["1*(b*(sin(a)*exp(1))) + 0", "-(2*a)/4 + 1 - 3 + b", "2*(3*(a*4)) - (1 + 2)",
          "exp(1 + 1)*sin(2*3*a) + b/2", "1*(a - 2) + 3*(b*2)", "-(-(a*2))", "a*b + 1"]


GROUP = {"mul": "product", "div": "product", "neg": "product", "add": "sum", "sub": "sum"}


def _numerals(term, group) -> int:
    """The numerals directly in the chain of ``group`` that starts at ``term``."""
    if GROUP.get(term.op) != group:
        return int(term.op == "num")
    return sum(_numerals(a, group) for a in term.args)


def _most(term, parent=None) -> int:
    """The most numerals in one maximal product or sum chain of ``term``."""
    group = GROUP.get(term.op)
    own = _numerals(term, group) if group and group != parent else 0
    return max([own] + [_most(a, group) for a in term.args])


@pytest.mark.parametrize("text", SHAPES)
def test_merged_is_the_same_function_with_one_numeral_per_chain(text):
    term = TRIG.parse(text)
    out = merged(term)
    a, b = sympy.symbols("a b")
    pts = np.random.default_rng(0).uniform(-2, 2, (30, 2))
    before, after = (sympy.lambdify((a, b), term_sympy(t) + 0 * a, "numpy")(*pts.T)
                     for t in (term, out))  # sympy's values, not the torch module's
    assert np.allclose(after, before, rtol=1e-12)
    assert _most(out) <= 1 <= _most(term)
    with torch.no_grad():
        assert np.allclose(Formula(out, ["a", "b"])(torch.tensor(pts)).numpy(), before)


def test_a_ridge_shape_is_fitted_and_snapped_to_its_closed_form():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, (2000, 2))
    y = 2.5 * x[:, 1] * np.sin(x[:, 0]) + 0.5
    model = SymbolicRegressor(grammar="trig")
    model._accept = None
    data = split_rows(x, y, 0.0, 0)
    row = model._refit(TRIG.parse("1*(b*(sin(a)*exp(1))) + 0"), data, ["a", "b"])
    a, b = sympy.symbols("a b")
    expr = term_sympy(row["term"])
    assert not expr.atoms(sympy.Float)  # every numeral snapped
    assert sympy.simplify(expr - (sympy.Rational(5, 2) * b * sympy.sin(a) + sympy.Rational(1, 2))
                          ) == 0
