"""Scaled near look-ups (issue 16, constants): ``regression.near.scaled_terms`` pairs each small
head with the element whose product or quotient is closest to a *multiple* of the target, so
a fitted constant completes ``q1·q2/(4π·r²)`` without the weighted loop. Oracles: numpy brute
force over every element (each element's values by sympy, not by the store), and sympy's
simplify for the recovered formula."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch

from automath.core.grammar import Grammar
from automath.regression.data import data_domain
from automath.regression.estimator import SymbolicRegressor
from automath.regression.formula import term_sympy
from automath.regression.near import scaled_terms

Q1, Q2, R = sympy.symbols("q1 q2 r")
PARTS = ["q1*q2", "r*r", "q1*r", "q2/r", "exp(r)", "sin(q1)", "q1*q1", "r*q2*r", "log(q2)"]


def data(n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    cols = {"q1": rng.uniform(1, 5, n), "q2": rng.uniform(1, 5, n), "r": rng.uniform(0.5, 3, n)}
    return cols, cols["q1"] * cols["q2"] / (4 * np.pi * cols["r"] ** 2)


def values(term, cols) -> np.ndarray:
    e = term_sympy(term)
    f = sympy.lambdify([Q1, Q2, R], e.subs({s: sympy.Symbol(s.name) for s in e.free_symbols}))
    return np.broadcast_to(f(cols["q1"], cols["q2"], cols["r"]), cols["r"].shape).astype(float)


def cosine_error(v: np.ndarray, y: np.ndarray) -> float:
    e = 1 - (v @ y) ** 2 / ((v @ v) * (y @ y))
    return float(e) if np.isfinite(e) else np.inf


@pytest.mark.parametrize("op", ["mul", "div"])
def test_each_scaled_term_has_the_partner_closest_to_a_multiple(op):
    cols, y = data()
    st = data_domain("trig", cols).new_store()
    grammar = Grammar.load("trig")
    for p in PARTS:
        st.add_term(grammar.parse(p))
    combine = {"mul": np.multiply, "div": np.divide}[op]
    vals = [values(st.term(i), cols) for i in range(len(st))]
    with np.errstate(all="ignore"):
        for t in scaled_terms(st, torch.tensor(y), (op,), max_size=40):
            left, right = values(t.args[0], cols), values(t.args[1], cols)
            best_right = min(cosine_error(combine(left, v), y) for v in vals)
            best_left = min(cosine_error(combine(v, right), y) for v in vals)
            got = cosine_error(combine(left, right), y)
            assert any(got == pytest.approx(b, rel=1e-6, abs=1e-12)  # the head's best partner
                       for b in (best_left, best_right)), str(t)
    found = [term_sympy(t) for t in scaled_terms(st, torch.tensor(y), ("div",), max_size=40)]
    assert any(sympy.simplify(f / (Q1 * Q2 / R**2)).is_number for f in found), found


def test_a_fit_completes_the_scaled_product_with_its_closed_form():
    cols, y = data(seed=1)
    x = np.stack(list(cols.values()), 1)
    model = SymbolicRegressor(grammar="trig", variable_names=tuple(cols), base_elements=200_000,
                              max_goals=20000, deep=0, steps=0, max_time=None).fit(x, y)
    found = model.sympy().subs({s: sympy.Symbol(s.name) for s in model.sympy().free_symbols})
    assert sympy.simplify(found - Q1 * Q2 / (4 * sympy.pi * R**2)) == 0, found
