"""No false law on the reals (issue 17.2): every law ``explore`` reports over the real kind, for
trig and nguyen at a few seeds, holds at 50 digits at points of our own (moderate, large and
tiny, both signs; not the fingerprint samples), evaluated by an mpmath interpreter written here
(not ``automath.laws.precision``). A law defined (both sides real and finite) at too few of the
points is not trusted either. A constant within float64's old zero threshold (1e-10) is never
equated with 0."""

from __future__ import annotations

import math
import random

import mpmath
import pytest

from automath.core.term import Term
from automath.laws.explore import explore

DPS = 50
OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
       "div": lambda a, b: a / b, "neg": lambda a: -a, "sin": mpmath.sin, "cos": mpmath.cos,
       "exp": mpmath.exp, "log": mpmath.log, "sqrt": mpmath.sqrt}
BIG = mpmath.mpf(10) ** 200


class Undefined(Exception):
    """Not a finite real: outside the law's domain."""


def value(term: Term, env: dict) -> mpmath.mpf:
    """The term at ``env`` in mpmath (recursion is fine: terms of size <= 5)."""
    if term.op == "var":
        return env[term.token]
    if term.op == "num":
        return mpmath.mpf(term.token)
    args = [value(a, env) for a in term.args]
    if term.op in ("div",) and args[1] == 0 or term.op == "log" and args[0] <= 0 \
            or term.op == "sqrt" and args[0] < 0:
        raise Undefined
    out = OPS[term.op](*args)
    if not isinstance(out, mpmath.mpf) or not mpmath.isfinite(out) or abs(out) > BIG:
        raise Undefined
    return out


def our_points(names: list[str], seed: int) -> list[dict]:
    """Points of our own: 10 in +-[0.05, 3], 6 in +-[30, 300], 4 in +-[1e-6, 1e-3]."""
    rng = random.Random(f"oracle:{seed}")
    spans = [(0.05, 3)] * 10 + [(30, 300)] * 6 + [(1e-6, 1e-3)] * 4
    with mpmath.workdps(DPS):
        return [{v: mpmath.mpf(rng.choice((-1, 1))) * mpmath.mpf(rng.uniform(lo, hi))
                 for v in names} for lo, hi in spans]


def holds(lhs: Term, rhs: Term, seed: int = 0) -> tuple[int, list[str]]:
    """Points where both sides are defined, and the points where they differ."""
    names = sorted(set(lhs.variables()) | set(rhs.variables())) or ["x"]
    defined, wrong = 0, []
    with mpmath.workdps(DPS):
        for env in our_points(names, seed):
            try:
                a, b = value(lhs, env), value(rhs, env)
            except Undefined:
                continue
            defined += 1
            if abs(a - b) > mpmath.mpf(10) ** -(DPS - 15) * max(1, abs(a), abs(b)):
                wrong.append(f"{env}: {a} vs {b}")
    return defined, wrong


def test_the_oracle_refutes_laws_float64_cannot_tell_apart():
    x = Term("var", token="x")
    one, tiny = Term("num", token="1"), Term("num", token="0.0000000001")
    assert holds(Term("log", (one,)), Term("num", token="0"))[1] == []
    assert holds(Term("mul", (x, tiny)), Term("num", token="0"))[1]  # 1e-10 * x is not 0
    shifted = Term("add", (x, Term("num", token="0.000000000001")))
    assert holds(Term("sin", (shifted,)), Term("sin", (x,)))[1]
    assert holds(Term("sqrt", (Term("mul", (x, x)),)), x)[1]  # |x|, not x


CASES = [("trig", 4, 0), ("trig", 4, 1), ("trig", 4, 2), ("nguyen", 5, 0), ("nguyen", 5, 1)]


@pytest.mark.parametrize("grammar, size, seed", CASES)
def test_every_reported_real_law_holds_at_high_precision(grammar, size, seed):
    laws = explore(grammar, kind="real", size=size, seed=seed, weights=False)
    assert len(laws) >= 10
    for law in laws:
        defined, wrong = holds(law.lhs, law.rhs, seed)
        assert wrong == [], (str(law), law.verified, wrong[:2])
        assert defined >= 3, (str(law), law.verified, defined)


def test_a_constant_below_the_old_zero_threshold_is_not_zero():
    laws = explore("arith", kind="real", constants=["0", "1", "0.0000000001"], size=3,
                   weights=False)
    assert laws
    for law in laws:
        assert holds(law.lhs, law.rhs)[1] == [], str(law)


def test_stored_trig_fingerprints_are_the_exact_values_of_their_terms():
    """Each element's stored values (2,000 elements spread over a trig store of a few thousand)
    agree with the 50-digit value of the term the store rebuilds for it, to the fingerprint's
    own resolution (26 mantissa bits; values of at most 1e-9 count as 0)."""
    from automath.core.domain import Domain
    from automath.core.engine import Loop
    domain = Domain.create("trig")
    store = Loop(domain, steps=4, seed=0).run().store
    points = domain.kind.variable("x").tolist()
    checked, wrong = 0, []
    with mpmath.workdps(DPS):
        for ident in range(0, len(store), max(1, len(store) // 2000)):
            term, stored = store.term(ident), store.values[ident].tolist()
            for x, v in zip(points, stored, strict=True):
                try:
                    exact = value(term, {"x": mpmath.mpf(x)})
                except Undefined:
                    continue
                checked += 1  # a NaN or inf where the value is a finite real is wrong too
                if not math.isfinite(v) or abs(mpmath.mpf(v) - exact) > abs(exact) * 2.0**-26 \
                        + 1e-9:
                    wrong.append((str(term), x, v, float(exact)))
    assert len(store) > 2000 and checked > 10_000
    assert wrong == []
