"""Leaf coefficients (``regression.leaves``): the weighted term keeps its value, adds one
numeral per leaf under a nonlinear alias, and lets a constant fit reach inner rates."""

from __future__ import annotations

import numpy as np
import sympy
import torch

from automath.core.grammar import Grammar
from automath.regression.formula import Formula, fit_constants, term_sympy
from automath.regression.leaves import leaf_count, leaf_weighted

TERMS = ("exp(-x)*cos(x + x)", "sin(x*y) + y", "x*y - y*y", "log(x + 1)/sqrt(y)")


def test_leaf_weighting_keeps_the_value_and_adds_one_numeral_per_inner_leaf():
    g = Grammar.load("trig")
    for text in TERMS:
        t = g.parse(text)
        w = leaf_weighted(t)
        assert sympy.simplify(term_sympy(w) - term_sympy(t)) == 0
        added = len(Formula(w, ["x", "y"]).constants) - len(Formula(t, ["x", "y"]).constants)
        assert added == leaf_count(t)
    assert [leaf_count(g.parse(s)) for s in TERMS] == [3, 2, 0, 2]


def test_a_fit_through_leaf_numerals_reaches_a_decay_rate():
    g = Grammar.load("trig")
    x = torch.linspace(0, 5, 60, dtype=torch.float64)[:, None]
    y = 3.2 * torch.exp(-0.7 * x[:, 0]) * torch.cos(2 * x[:, 0])
    shape = g.parse("1*(exp(-x)*cos(x + x))")
    plain, weighted = Formula(shape, ["x"]), Formula(leaf_weighted(shape), ["x"])
    assert fit_constants(plain, x, y) > 1e-3  # a scale alone cannot
    assert fit_constants(weighted, x, y, steps=200) < 1e-12
    model = np.asarray(weighted(x).detach())
    assert np.allclose(model, 3.2 * np.exp(-0.7 * x[:, 0].numpy()) * np.cos(2 * x[:, 0].numpy()))
