"""Simple constants: the values p/q, k·π and k·e near a float, and snapping fitted floats to
them one at a time wherever a loss does not grow beyond a limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import TypeVar

import sympy

SPECIAL = {"pi": sympy.pi, "E": sympy.E}
BASES = (sympy.Integer(1), *SPECIAL.values())  # simple values are rational multiples of these

S = TypeVar("S")
T = TypeVar("T")
C = TypeVar("C")


def simple_values(value: float, max_den: int = 12,
                  bases: Sequence[sympy.Expr] = BASES) -> list[sympy.Expr]:
    """Simple values near ``value``, nearest first: ``p/q · base`` (q <= ``max_den``) for each
    base, by default 1, π and e.

    >>> simple_values(0.49999999)[0], simple_values(6.2831853)[0]
    (1/2, 2*pi)
    >>> simple_values(0.3, max_den=6, bases=(sympy.Integer(1),))
    [1/3]
    """
    out = []
    for base in bases:
        frac = Fraction(value / float(base)).limit_denominator(max_den)
        out.append(sympy.Rational(frac.numerator, frac.denominator) * base)
    return sorted(set(out), key=lambda c: abs(float(c) - value))


def near(candidate: sympy.Expr, value: float, tol: float) -> bool:
    """Whether ``candidate`` lies within ``tol`` of ``value`` (relative above 1, else absolute).

    >>> near(sympy.Integer(100), 100.05, 1e-3), near(sympy.Integer(0), 0.002, 1e-3)
    (True, False)
    """
    return abs(float(candidate) - value) <= tol * max(1.0, abs(value))


def snap_value(value: float, tol: float, *, max_den: int = 12,
               bases: Sequence[sympy.Expr] = BASES, zero: bool = False) -> sympy.Expr | None:
    """The nearest simple value if it lies within ``tol`` of ``value`` (with ``zero``: 0 first,
    if near enough), else None.

    >>> snap_value(0.99997, 1e-3), snap_value(0.123456789, 1e-3), snap_value(3e-4, 1e-3, zero=True)
    (1, None, 0)
    """
    first = simple_values(value, max_den, bases)[:1]
    candidates = [sympy.Integer(0), *first] if zero else first
    return next((c for c in candidates if near(c, value, tol)), None)


def loss_limit(loss: float, variance: float, slack: float) -> float:
    """The loss a snap may reach: ``loss`` grown by ``slack`` relative, plus ``slack · variance``
    of the target (and a tiny floor, so an exact fit allows an exact snap).

    >>> loss_limit(0.0, 2.0, 1e-9)
    2e-09
    """
    return loss * (1 + slack) + slack * variance + 1e-300


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
