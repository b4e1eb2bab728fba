"""Closed-form constants (issue 16): ``p/q · π^k · √r · e^m`` recognised once
(``core.constants``), snapped by the regressor only where the loss holds; physics-style formulas
with 1/(4π), √2 and e recovered exactly (sympy's simplify of the difference is the oracle)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy

from automath.core.constants import closed_forms, snap_value
from automath.regression.estimator import SymbolicRegressor

QUICK = {"grammar": "trig", "base_elements": 200_000, "max_goals": 20000, "deep": 0,
         "steps": 0, "max_time": None}
PI, E, R = sympy.pi, sympy.E, sympy.sqrt
FORMS = [sympy.Rational(p, q) * PI ** k * R(r) * E ** m  # at most 3 units of π, e and roots
         for p, q, k, r, m in itertools.product((1, 3), (1, 4), (-1, 0, 2), (1, 2), (-1, 0, 1))
         if abs(k) + abs(m) + (r != 1) <= 3]


@pytest.mark.parametrize("form", FORMS, ids=str)
def test_every_closed_form_is_read_back_from_its_float(form):
    value = float(form)
    found = closed_forms(value * (1 + 1e-13), 1e-10 * abs(value))
    assert found and sympy.simplify(found[0] - form) == 0


def test_a_float_far_from_every_closed_form_stays_a_float():
    assert snap_value(0.123456789, 1e-9) is None
    assert closed_forms(0.0796, 1e-9) == []  # near 1/(4π) = 0.0795775, but not within 1e-9


PHYSICS = [  # (truth, variable ranges)
    ("P/(4*pi*r**2)", {"P": (1.0, 5.0), "r": (0.5, 3.0)}),      # intensity of a point source
    ("sqrt(2)*V/2", {"V": (-3.0, 3.0)}),                         # RMS of a sine's peak V/√2
    ("E*m*v", {"m": (0.5, 2.0), "v": (-2.0, 2.0)}),
    ("4*pi**2*a**3", {"a": (0.5, 2.0)}),                         # Kepler: T² ∝ 4π² a³
    ("q*sin(w)/(4*pi)", {"q": (1.0, 3.0), "w": (-2.0, 2.0)}),
]


def _data(truth: str, ranges: dict, seed: int = 0, n: int = 60):
    rng = np.random.default_rng(seed)
    x = np.stack([rng.uniform(*r, n) for r in ranges.values()], 1)
    f = sympy.lambdify(sympy.symbols(list(ranges)), sympy.sympify(truth), "numpy")
    return x, np.asarray(f(*x.T), dtype=np.float64)


@pytest.mark.parametrize(("truth", "ranges"), PHYSICS)
def test_physics_constants_are_recovered_exactly(truth, ranges):
    x, y = _data(truth, ranges)
    model = SymbolicRegressor(variable_names=tuple(ranges), **QUICK).fit(x, y)
    syms = {v: sympy.Symbol(v) for v in ranges}
    found = model.sympy().subs({s: syms[s.name] for s in model.sympy().free_symbols})
    assert sympy.simplify(found - sympy.sympify(truth, locals=syms)) == 0, found


def test_a_near_miss_constant_is_not_snapped():
    """0.0796·P/r² is not 1/(4π)·P/r²: snapping would raise the loss, so it stays a float."""
    ranges = {"P": (1.0, 5.0), "r": (0.5, 3.0)}
    x, y = _data("0.0796*P/r**2", ranges)
    model = SymbolicRegressor(variable_names=tuple(ranges), **QUICK).fit(x, y)
    assert PI not in model.sympy().atoms(sympy.NumberSymbol)
    assert model.sympy().atoms(sympy.Float)
