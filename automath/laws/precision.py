"""The second, independent check of a law over the reals: mpmath at 60 digits on fresh points.

A law the float64 fingerprints and samples could not prove (``tested only``) is evaluated
again with mpmath at ``DIGITS`` significant digits, at points drawn afresh: near the
fingerprint samples, far from them (|x| up to 1000), tiny (|x| down to 1e-4), both signs.
At each point where both sides are real and finite (a complex value, a zero divisor or a
magnitude beyond 1e300 is "undefined", as NaN and inf are in the ``real`` kind) the sides
must agree to ``10**-(DIGITS - 15)`` times the largest magnitude met while evaluating them,
so a zero is a zero relative to the values' scale (``log(1) = 1e-10`` is refuted). A law
defined at fewer than ``MIN_POINTS`` of them is not confirmed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import mpmath

from automath.core.semantics import KERNELS, Semantics
from automath.core.term import Term

DIGITS = 60
MIN_POINTS = 6
LIMIT = mpmath.mpf("1e300")

MP: dict[str, Callable[..., mpmath.mpf]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "neg": lambda a: -a, "pow": mpmath.power,
    "sin": mpmath.sin, "cos": mpmath.cos, "exp": mpmath.exp, "log": mpmath.log,
    "sqrt": mpmath.sqrt, "max": max, "min": min,
}
"""Each shipped real kernel's meaning in mpmath."""


class Undefined(Exception):
    """A value that is not a finite real number (the ``real`` kind's NaN or inf)."""


class Unknown(Exception):
    """An operator with no mpmath meaning (a Python kernel): the law cannot be checked."""


def points(names: Sequence[str], seed: int = 0) -> list[dict[str, mpmath.mpf]]:
    """Fresh points: 12 in [-2, 2], 8 in [-20, 20], 4 with |x| in [100, 1000] and 4 with
    |x| in [1e-4, 1e-2] (random signs), each coordinate drawn independently.

    >>> p = points(["x"]); len(p), all(abs(q["x"]) <= 1000 for q in p)
    (28, True)
    """
    rng, out = random.Random(f"precision:{seed}"), []
    ranges = [(0.0, 2.0)] * 12 + [(0.0, 20.0)] * 8 + [(100.0, 1000.0)] * 4 + [(1e-4, 1e-2)] * 4
    with mpmath.workdps(DIGITS):
        for low, high in ranges:
            out.append({v: mpmath.mpf(rng.choice((-1, 1))) * (
                low + (high - low) * mpmath.mpf(rng.getrandbits(200)) / 2**200) for v in names})
    return out


def meaning(alias: str, sem: Semantics) -> Callable[..., mpmath.mpf]:
    """The mpmath function of an alias: a shipped kernel's, or that of the expression it
    stands for (a semantics file's ``h = "sqrt(a * a + b * b)"``); ``Unknown`` otherwise.

    >>> meaning("sin", Semantics()) is mpmath.sin
    True
    """
    op = sem.get(alias) or KERNELS.get(alias)
    for name, shipped in KERNELS.items():
        if op is shipped and name in MP:
            return MP[name]
    part = next(iter(op.kernels.values()), None) if op else None
    if getattr(part, "tree", None) is None:
        raise Unknown(alias)
    return lambda *args: _expression(part, args)


def _expression(part, args: Sequence[mpmath.mpf]) -> mpmath.mpf:
    """The value of an expression kernel (``Composite``) at mpmath arguments."""
    return value(part.tree, dict(zip(part.params, args, strict=True)), Semantics(part.ops), [0])


def value(term: Term, env: dict, sem: Semantics, scale: list) -> mpmath.mpf:
    """A term's value at a point (``env``: variable → mpf); records magnitudes in ``scale``.

    >>> from automath.core.grammar import Grammar
    >>> with mpmath.workdps(30):
    ...     str(value(Grammar.load("trig").parse("sin(x) * 2"), {"x": mpmath.pi / 6},
    ...               Semantics(), [0]))
    '1.0'
    """
    if term.op == "var":
        out = env[str(term.token)]
    elif term.op == "num":
        out = mpmath.mpf(mpmath.mpmathify(str(term.token)))
    else:
        args = [value(a, env, sem, scale) for a in term.args]
        out = _call(meaning(term.op, sem), args)
    if not isinstance(out, mpmath.mpf) or not abs(out) <= LIMIT:
        raise Undefined(term.op)
    scale[0] = max(scale[0], abs(out))
    return out


def _call(f: Callable, args: list) -> mpmath.mpf:
    try:
        return f(*args)
    except (ZeroDivisionError, ValueError) as e:
        raise Undefined(str(e)) from None


def confirm(lhs: Term, rhs: Term, sem: Semantics, seed: int = 0) -> int | None:
    """How many fresh points confirm ``lhs = rhs`` at ``DIGITS`` digits; None when a point
    refutes it or too few are defined; ``Unknown`` when an operator has no mpmath meaning.

    >>> from automath.core.grammar import Grammar
    >>> g = Grammar.load("trig")
    >>> confirm(g.parse("log(exp(x))"), g.parse("x"), Semantics()) > 0
    True
    >>> confirm(g.parse("log(1)"), g.parse("1/10000000000"), Semantics()) is None
    True
    """
    names = sorted({*lhs.variables(), *rhs.variables()})
    good = 0
    with mpmath.workdps(DIGITS):
        tol = mpmath.mpf(10) ** -(DIGITS - 15)
        for env in points(names, seed):
            scale = [mpmath.mpf(max((abs(v) for v in env.values()), default=1))]
            try:
                a, b = value(lhs, env, sem, scale), value(rhs, env, sem, scale)
            except Undefined:
                continue
            if abs(a - b) > tol * max(scale[0], 1):
                return None
            good += 1
    return good if good >= MIN_POINTS else None
