"""One free numeral per product and per sum, before a constant fit.

A shape such as ``1·(b·sin(a)·exp(1))`` holds two numerals whose effects on the formula are the
same (only ``c₁·e^{c₂}`` matters): a fit stops anywhere on that ridge (``0.9611·e^{0.9560}``),
no numeral on its own is near a closed form, and the product ``2.50000000284`` that sympy shows
is never snapped, though the formula is ``5/2·b·sin(a)``. ``merged`` evaluates every
subterm made of numerals only and multiplies (adds) the numerals of each product (sum) into
one, so the fit has one parameter per direction and the snap sees the value itself.
"""

from __future__ import annotations

import math

import torch

from automath.core.term import Term
from automath.regression.formula import Formula

PRODUCT, SUM = frozenset({"mul", "div", "neg"}), frozenset({"add", "sub"})
"""The aliases whose chains hold numeral factors, and numeral summands."""


def _num(value: float) -> Term:
    return Term("num", (), repr(float(value)))


def _value(term: Term) -> float:
    with torch.no_grad():
        return float(Formula(term, [])(torch.zeros((1, 0), dtype=torch.float64))[0])


def _factors(term: Term) -> list[Term]:
    """The factors of a product chain: ``neg`` gives ``-1``, ``/ c`` gives ``1/c``."""
    if term.op == "mul":
        return _factors(term.args[0]) + _factors(term.args[1])
    if term.op == "neg":
        return [_num(-1.0)] + _factors(term.args[0])
    if term.op == "div" and term.args[1].op == "num" and _value(term.args[1]) != 0:
        return _factors(term.args[0]) + [_num(1 / _value(term.args[1]))]
    return [term]


def _summands(term: Term, sign: float = 1.0) -> list[tuple[float, Term]]:
    """The signed summands of a sum chain."""
    if term.op in SUM:
        minus = -1.0 if term.op == "sub" else 1.0
        return _summands(term.args[0], sign) + _summands(term.args[1], sign * minus)
    return [(sign, term)]


def _product(term: Term) -> Term:
    factors = _factors(term)
    nums = [f for f in factors if f.op == "num"]
    if len(nums) < 2:
        return term
    rest = [f for f in factors if f.op != "num"]
    scale = _num(math.prod(_value(f) for f in nums))
    return Term("mul", (scale, _chain("mul", rest))) if rest else scale


def _sum(term: Term) -> Term:
    parts = _summands(term)
    nums = [(s, t) for s, t in parts if t.op == "num"]
    if len(nums) < 2:
        return term
    rest = [(s, t) for s, t in parts if t.op != "num"]
    offset = _num(sum(s * _value(t) for s, t in nums))
    if not rest:
        return offset
    head = rest[0][1] if rest[0][0] > 0 else Term("neg", (rest[0][1],))
    for s, t in rest[1:]:
        head = Term("add" if s > 0 else "sub", (head, t))
    return Term("add", (head, offset))


def _chain(op: str, terms: list[Term]) -> Term:
    out = terms[0]
    for t in terms[1:]:
        out = Term(op, (out, t))
    return out


def merged(term: Term) -> Term:
    """``term`` with each subterm of numerals only evaluated to one numeral, and the numerals of
    each product (and of each sum) merged into one; the same function of the variables.

    >>> from automath.core.grammar import Grammar
    >>> str(merged(Grammar.load("trig").parse("1*(b*(sin(a)*exp(1))) + 0")))
    'add(mul(2.718281828459045, mul(b, sin(a))), 0)'
    >>> str(merged(Grammar.load("trig").parse("-(2*x)/4 + 1 - 3")))
    'add(mul(-0.5, x), -2.0)'
    """
    if not term.args:
        return term
    args = tuple(merged(a) for a in term.args)
    out = Term(term.op, args, term.token)
    if all(a.op == "num" for a in args) and math.isfinite(value := _value(out)):
        return _num(value)
    return _product(out) if term.op in PRODUCT else _sum(out) if term.op in SUM else out
