"""Terms interpreted with a semantics table: as sympy expressions, or as values at a kind's
samples (computed afresh, without a store).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy
import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import Kind
from automath.core.semantics import Semantics
from automath.core.term import Term


def to_sympy(term: Term, semantics: Semantics, *,
             number: Callable[[str], Any] = sympy.Rational,
             symbol: Callable[[str], Any] = sympy.Symbol) -> sympy.Basic:
    """Build the sympy expression of a term with the semantics' builders; ``number`` reads a
    numeral's token (default: exact rationals) and ``symbol`` a variable's name.

    >>> to_sympy(Term("add", (Term("var", token="x"), Term("num", token="2"))), Semantics())
    x + 2
    >>> to_sympy(Term("num", token="0.5"), Semantics(), number=sympy.Float)
    0.500000000000000
    """
    if term.op == "var":
        return symbol(str(term.token))
    if term.op == "num":
        return number(str(term.token))
    if term.op not in semantics:
        raise SemanticsError(f"operator {term.op!r} has no semantics", token=term.op)
    return semantics[term.op].sympy(*(to_sympy(a, semantics, number=number, symbol=symbol)
                                      for a in term.args))


def evaluate(term: Term, kind: Kind, semantics: Semantics) -> torch.Tensor:
    """A term's values at a kind's samples, with the kernels of the kind's family.

    >>> from automath.core.kinds import BoolKind, ModpKind
    >>> p, q = Term("var", token="p"), Term("var", token="q")
    >>> evaluate(Term("and", (p, q)), BoolKind(variables=("p", "q")), Semantics()).tolist()
    [False, False, False, True]
    >>> evaluate(Term("add", (Term("num", token="2"), Term("num", token="3"))), ModpKind(k=2),
    ...          Semantics()).tolist()
    [5, 5]
    """
    if term.op == "var":
        return kind.variable(str(term.token))
    if term.op == "num":
        return kind.constant(str(term.token))
    kernel = semantics.kernel(term.op, kind.family)
    if not term.args:
        return kernel(kind)
    args = [evaluate(a, kind, semantics)[None] for a in term.args]
    return kind.apply(kernel, args)[0]
