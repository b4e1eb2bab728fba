"""Half powers in closed-form constants (issue 16): ``p/q · π^k · √r · e^m`` with ``k`` whole
or half, so 1/√(2π) and √(2π) snap. Oracle: sympy's exact arithmetic (the form read back
from its float is the same number as the form written by hand) and 30-digit evaluation."""

from __future__ import annotations

import itertools
import math

import pytest
import sympy
import torch

from automath.core.constants import closed_forms
from automath.core.grammar import Grammar
from automath.regression.formula import Formula, fit_constants, snap_constants

PI, E, R, H = sympy.pi, sympy.E, sympy.sqrt, sympy.Rational(1, 2)
FORMS = [sympy.Rational(p, q) * PI ** k * R(r) * E ** m  # one half power at least
         for p, q, k, r, m in itertools.product((1, 3), (1, 2), (-H, H, 3 * H), (1, 2),
                                                (-1, 0, 1))
         if abs(k) + abs(m) + int(r != 1) <= 2.5]
NAMED = {"1/sqrt(2*pi)": 1 / R(2 * PI), "sqrt(2*pi)": R(2 * PI), "sqrt(pi/2)": R(PI / 2),
         "2/sqrt(pi)": 2 / R(PI), "E*sqrt(pi)": E * R(PI)}


@pytest.mark.parametrize("form", [*FORMS, *NAMED.values()], ids=str)
def test_a_half_power_form_is_read_back_from_its_float(form):
    value = float(form)
    found = closed_forms(value * (1 + 1e-13), 1e-10 * abs(value))
    assert found, value
    assert sympy.simplify(found[0] - form) == 0, (found[0], form)
    assert abs(sympy.N(found[0], 30) - sympy.N(form, 30)) < 1e-25


def gaussian(scale: float):
    x = torch.linspace(-3, 3, 40, dtype=torch.float64)[:, None]
    return x, scale * torch.exp(-x[:, 0] ** 2 / 2)


def test_the_gaussian_normalisation_snaps_after_a_fit():
    x, y = gaussian(1 / math.sqrt(2 * math.pi))
    f = Formula(Grammar.load("trig").parse("1*exp(1*x*x)"), ["x"])
    fit_constants(f, x, y)
    tokens = snap_constants(f, x, y)
    assert [sympy.simplify(sympy.sympify(t) - v) for t, v in
            zip(tokens, (1 / R(2 * PI), -H), strict=True)] == [0, 0], tokens


def test_a_constant_near_but_not_at_a_half_power_stays_a_float():
    x, y = gaussian(1 / math.sqrt(2 * math.pi) * (1 + 1e-4))  # exact data: the loss would grow
    f = Formula(Grammar.load("trig").parse("1*exp(1*x*x)"), ["x"])
    fit_constants(f, x, y)
    tokens = snap_constants(f, x, y)
    assert sympy.sympify(tokens[0]).is_Float, tokens
    assert abs(float(tokens[0]) - float(1 / R(2 * PI)) * (1 + 1e-4)) < 1e-7
