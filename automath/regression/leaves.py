"""Leaf coefficients: a numeral on every variable inside a nonlinear function, so that a
constant fit can tune rates and frequencies (``exp(-x)*cos(2*x)`` → ``exp(-0.7*x)*cos(2*x)``)
as well as the outer scale; Operon puts such a weight on every leaf."""

from __future__ import annotations

from automath.core.term import Term

LINEAR = frozenset({"add", "sub", "neg", "mul"})
"""Aliases through which an outer coefficient already reaches a variable (no leaf numeral)."""


def leaf_weighted(term: Term, inside: bool = False) -> Term:
    """``term`` with each variable below a nonlinear alias multiplied by the numeral 1.

    >>> x = Term("var", token="x")
    >>> str(leaf_weighted(Term("mul", (Term("exp", (Term("neg", (x,)),)), x))))
    'mul(exp(neg(mul(1, x))), x)'
    """
    if term.op == "var":
        return Term("mul", (Term("num", (), "1"), term)) if inside else term
    deeper = inside or term.op not in LINEAR
    return Term(term.op, tuple(leaf_weighted(a, deeper) for a in term.args), term.token)


def leaf_count(term: Term) -> int:
    """How many leaf numerals :func:`leaf_weighted` adds.

    >>> leaf_count(Term("sin", (Term("var", token="x"),)))
    1
    """
    if term.op == "var":
        return 0
    return sum(_leaves_below(a) if term.op not in LINEAR else leaf_count(a) for a in term.args)


def _leaves_below(term: Term) -> int:
    return 1 if term.op == "var" else sum(_leaves_below(a) for a in term.args)
