"""Leaf coefficients: a numeral on every variable inside a nonlinear function, so that a
constant fit can tune rates and frequencies (``exp(-x)*cos(2*x)`` → ``exp(-0.7*x)*cos(2*x)``)
as well as the outer scale; Operon puts such a weight on every leaf."""

from __future__ import annotations

import functools

from automath.core.term import Term
from automath.regression.formula import summands

LINEAR = frozenset({"add", "sub", "neg", "mul"})
"""Aliases through which an outer coefficient already reaches a variable (no leaf numeral)."""
MOST = 3
"""The most leaf numerals a shape gets (more make the fit slow and the formula loose)."""


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


def leaf_shape(term: Term, most: int = MOST) -> Term | None:
    """``Σ 1·leaf_weighted(tᵢ)`` over the summands of ``term``, for a constant fit of scales
    and rates; None when it has no inner leaf or more than ``most``.

    >>> x = Term("var", token="x")
    >>> str(leaf_shape(Term("add", (Term("sin", (x,)), x))))
    'add(mul(1, sin(mul(1, x))), mul(1, x))'
    >>> leaf_shape(Term("mul", (x, x))) is None
    True
    """
    if not 0 < leaf_count(term) <= most:
        return None
    one = Term("num", (), "1")
    parts = [Term("mul", (one, leaf_weighted(t))) for t in summands(term)]
    return functools.reduce(lambda a, b: Term("add", (a, b)), parts)
