"""Closed-form constants: the values ``p/q · π^k · √r · e^m`` near a float, simplest first, and
snapping fitted floats to them one at a time wherever a loss does not grow beyond a limit.

This is the one implementation of constant recognition: the regressor (with a tolerance from
each constant's standard error), the evolving network's export and the benchmarks' peer snapping
all call ``closed_forms`` / ``snap_value``. A candidate is ``p/q`` (``q <= max_den``) times one
*base* of a table (``CLOSED_FORM``: ``π^k`` for ``k`` in -2..2 by halves, ``√r`` for
square-free ``r`` up to 7, ``e^m`` for ``m`` in -1..1, and their products, so that
``1/√(2π) = √2·π^(-1/2)/2`` and ``√(2π)`` are there); reciprocals such as ``1/(4π)`` come from
the negative powers. Among the candidates within ``tol`` the one with the smallest *cost* wins
(digits of ``p`` and ``q``, plus one per unit of ``|k|`` and ``|m|``, a half more for a half
power, and one for a root).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

import sympy

SPECIAL = {"pi": sympy.pi, "E": sympy.E}

S = TypeVar("S")
T = TypeVar("T")
C = TypeVar("C")


@dataclass(frozen=True)
class Base:
    """One base of closed forms, ``π^k · √r · e^m`` (``k`` whole or half), with its float
    value and its cost.

    >>> b = Base(pi=Fraction(-1, 2), root=2); b.expr, round(b.value / 2, 6), b.cost
    (sqrt(2)/sqrt(pi), 0.398942, 2.0)
    """

    pi: Fraction | int = 0
    root: int = 1
    e: Fraction | int = 0

    @property
    def expr(self) -> sympy.Expr:
        return (sympy.pi ** sympy.Rational(self.pi) * sympy.sqrt(self.root)
                * sympy.E ** sympy.Rational(self.e))

    @property
    def value(self) -> float:
        return math.pi ** float(self.pi) * math.sqrt(self.root) * math.e ** float(self.e)

    @property
    def cost(self) -> float:
        return _power_cost(self.pi) + _power_cost(self.e) + (self.root != 1)


def _power_cost(k: Fraction | int) -> float:
    """One per unit of ``|k|``, and a half more for a half power (``π^½`` costs as ``π``)."""
    return float(abs(k)) + (0.5 if Fraction(k).denominator > 1 else 0.0)


HALVES = tuple(Fraction(n, 2) for n in range(-4, 5))  # -2, -3/2, ..., 2


RATIONAL = (Base(),)
PI_E = (Base(), Base(pi=1), Base(e=1))  # p/q, p/q·π, p/q·e
CLOSED_FORM = tuple(b for b in (Base(k, r, m) for k, r, m in itertools.product(
    HALVES, (1, 2, 3, 5, 6, 7), range(-1, 2))) if b.cost <= 3)


def _rational_cost(frac: Fraction) -> float:
    return math.log10(abs(frac.numerator) + 1) + math.log10(frac.denominator)


def closed_forms(value: float, tol: float, max_den: int = 12,
                 bases: Sequence[Base] = CLOSED_FORM, zero: bool = True,
                 max_cost: float = math.inf) -> list[sympy.Expr]:
    """Closed forms within ``tol`` (absolute) of ``value``, simplest first (0 when ``zero``);
    none that costs more than ``max_cost`` (say the digits the estimate supports).

    >>> closed_forms(0.0795774715459, 1e-9)[0], closed_forms(1.41421356, 1e-7)[0]
    (1/(4*pi), sqrt(2))
    >>> closed_forms(0.36787944, 1e-7)[0], closed_forms(0.123456789, 1e-9)
    (exp(-1), [])
    >>> closed_forms(0.3989422804, 1e-9)[0], closed_forms(2.5066282746, 1e-9)[0]  # 1/√(2π), √(2π)
    (sqrt(2)/(2*sqrt(pi)), sqrt(2)*sqrt(pi))
    >>> len(closed_forms(-0.0265, 0.03)) > 10, closed_forms(-0.0265, 0.03, max_cost=1)
    (True, [0])
    """
    found: list[tuple[float, float, sympy.Expr]] = []
    if zero and abs(value) <= tol:
        found.append((-1.0, abs(value), sympy.Integer(0)))
    for base in bases:
        frac = Fraction(value / base.value).limit_denominator(max_den)
        err = abs(float(frac) * base.value - value)
        if frac and err <= tol and _rational_cost(frac) + base.cost <= max_cost:
            cand = sympy.Rational(frac.numerator, frac.denominator) * base.expr
            found.append((_rational_cost(frac) + base.cost, err, cand))
    found.sort(key=lambda c: (c[0], c[1]))
    return list(dict.fromkeys(c for _, _, c in found))


def near(candidate: sympy.Expr, value: float, tol: float) -> bool:
    """Whether ``candidate`` lies within ``tol`` of ``value`` (relative above 1, else absolute).

    >>> near(sympy.Integer(100), 100.05, 1e-3), near(sympy.Integer(0), 0.002, 1e-3)
    (True, False)
    """
    return abs(float(candidate) - value) <= tol * max(1.0, abs(value))


def snap_value(value: float, tol: float, *, max_den: int = 12,
               bases: Sequence[Base] = CLOSED_FORM, zero: bool = False,
               max_cost: float = math.inf) -> sympy.Expr | None:
    """The simplest closed form within ``tol`` of ``value`` (relative above 1, else absolute;
    with ``zero``, 0 counts) that costs at most ``max_cost``, else None.

    >>> snap_value(0.99997, 1e-3), snap_value(0.123456789, 1e-6), snap_value(3e-4, 1e-3, zero=True)
    (1, None, 0)
    >>> snap_value(2.2214415, 1e-6)   # π/√2
    sqrt(2)*pi/2
    >>> snap_value(0.3989423, 1e-6), snap_value(0.3989423, 1e-6, max_cost=2)  # 1/√(2π): 2.6
    (sqrt(2)/(2*sqrt(pi)), None)
    """
    found = closed_forms(value, tol * max(1.0, abs(value)), max_den, bases, zero, max_cost)
    return found[0] if found else None


def loss_limit(loss: float, variance: float, slack: float, rows: int | None = None,
               z: float = 3.0) -> float:
    """The loss a snap may reach: ``loss`` grown by ``slack`` relative (and, given the number
    of ``rows``, by ``z²/rows``: a shift of ``z`` standard errors in one constant), plus
    ``slack · variance`` of the target (and a tiny floor, so an exact fit allows an exact snap).

    >>> loss_limit(0.0, 2.0, 1e-9), loss_limit(1.0, 0.0, 0.0, rows=900)
    (2e-09, 1.01)
    """
    grow = slack + (0.0 if rows is None else z * z / max(rows, 1))
    return loss * (1 + grow) + slack * variance + 1e-300


def snap_greedy(state: S, slots: Iterable[T], candidates: Callable[[T], Iterable[C]],
                put: Callable[[S, T, C], S], loss: Callable[[S], float], limit: float) -> S:
    """For each slot in turn, put its first candidate whose result keeps ``loss`` within
    ``limit`` (later slots see the earlier snaps); returns the final state.

    >>> put = lambda xs, k, c: xs[:k] + [c] + xs[k + 1:]
    >>> loss = lambda xs: abs(sum(xs) - 1.5)
    >>> snap_greedy([1.01, 0.49], range(2), lambda k: [1, 0.5], put, loss, 0.011)
    [1, 0.5]
    """
    for slot in slots:
        for cand in candidates(slot):
            trial = put(state, slot, cand)
            if loss(trial) <= limit:
                state = trial
                break
    return state
