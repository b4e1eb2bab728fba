"""Units (issue 16.3): unit strings against hand-written exponent vectors, dimensions of terms,
and a physics fit where units turn a dimensionally absurd exact formula into the physical one
(sympy equivalence)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from automath.core.grammar import Grammar
from automath.regression.estimator import SymbolicRegressor, front_records
from automath.regression.units import UnitError, consistent, parse_units

#               m   s  kg  A  K mol cd
NEWTON = (1, -2, 1, 0, 0, 0, 0)


@pytest.mark.parametrize("text, vector", [
    ("kg*m/s^2", NEWTON), ("N", NEWTON), ("m * kg * s**-2", NEWTON),
    ("m^(1/2)", (Fraction(1, 2), 0, 0, 0, 0, 0, 0)), ("1/s", (0, -1, 0, 0, 0, 0, 0)),
    ("", (0,) * 7), ("J/N", (1, 0, 0, 0, 0, 0, 0)),
])
def test_unit_strings_give_their_exponents(text, vector):
    assert parse_units(text) == tuple(Fraction(v) for v in vector)


@pytest.mark.parametrize("bad", ["furlong", "m+s", "m^x"])
def test_bad_unit_strings_are_clear_errors(bad):
    with pytest.raises(UnitError):
        parse_units(bad)


@pytest.mark.parametrize("formula, ok", [
    ("d/t", True), ("d + t", False), ("d/t + d/t", True), ("sin(d)/t", False),
    ("2.5*d", True), ("d*d/(t*t*d)", False), ("d/t + 1", True), ("exp(t/t)*d/t", True),
])
def test_consistency_of_terms(formula, ok):
    units = {"d": parse_units("m"), "t": parse_units("s")}
    term = Grammar.load("trig").parse(formula)
    assert consistent(term, units, parse_units("m/s")) is ok


def test_units_pick_the_physical_formula_for_kinetic_energy():
    """Without units this data's exact fit was m*log(sqrt(exp(v**2))) (exp of a speed)."""
    rng = np.random.default_rng(0)
    m, v, t = rng.uniform(1, 3, 30), rng.uniform(0.5, 2, 30), rng.uniform(1, 2, 30)
    model = SymbolicRegressor(grammar="trig", variable_names=("m", "v", "t"), max_time=20,
                              X_units=["kg", "m/s", "s"], y_units="J")
    model.fit(np.stack([m, v, t], 1), 0.5 * m * v * v)
    ms, vs = sympy.symbols("m v")
    assert sympy.simplify(model.sympy() - ms * vs**2 / 2) == 0
    units = {"m": parse_units("kg"), "v": parse_units("m/s"), "t": parse_units("s")}
    assert all(consistent(e["term"], units, parse_units("J")) for e in model._front)
    assert len(front_records(model)) == len(model._front)
