"""Queries: ``--where`` filters such as ``size<=7 and weight>0.01``, parsed safely.

The filters read plain columns and texts, so they know nothing of where those come from
(``Result.top`` supplies them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import torch

from automath.core.errors import ExpressionError

FIELDS = ("size", "weight", "score", "id")
_NUMERAL = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CLAUSE = re.compile(rf"^\s*({'|'.join(FIELDS)})\s*(<=|>=|==|!=|<|>)\s*({_NUMERAL})\s*$")
_COMPARED = re.compile(r"(<=|>=|==|!=|<|>)\s*(\S*)\s*$")
_OPS = {"<=": torch.le, ">=": torch.ge, "==": torch.eq, "!=": torch.ne, "<": torch.lt,
        ">": torch.gt}


def where_mask(where: str, columns: Mapping[str, torch.Tensor], n: int) -> torch.Tensor:
    """A mask over ``n`` ids for clauses joined by ``and`` on ``columns`` (see ``FIELDS``).

    >>> where_mask("size <= 1", {"size": torch.tensor([1., 3.])}, 2).tolist()
    [True, False]
    """
    mask = torch.ones(n, dtype=torch.bool)
    for clause in re.split(r"\band\b|,", where):
        field, op, value = read_clause(clause)
        mask &= _OPS[op](columns[field].cpu(), float(value))
    return mask


def read_clause(clause: str) -> tuple[str, str, str]:
    """A clause's field, operator and decimal numeral; else an ``ExpressionError`` naming the
    number (``1e``, ``--``, ``.`` and ``+-1`` are none) or the clause.

    >>> read_clause(" weight > 1e-3 ")
    ('weight', '>', '1e-3')
    >>> read_clause("size < 1e")
    Traceback (most recent call last):
    automath.core.errors.ExpressionError: not a number in --where: '1e' (at token '1e')
    """
    m = _CLAUSE.match(clause)
    if m is not None:
        return m.group(1), m.group(2), m.group(3)
    compared = _COMPARED.search(clause)
    if compared and not re.fullmatch(_NUMERAL, compared.group(2)):
        raise ExpressionError(f"not a number in --where: {compared.group(2)!r}",
                              token=compared.group(2))
    raise ExpressionError(f"cannot read filter clause {clause.strip()!r}; use e.g. "
                          "'size<=7 and weight>0.001'", token=clause.strip())


def pattern_mask(pattern: str, texts: Iterable[tuple[int, str]], n: int) -> torch.Tensor:
    """A mask over ``n`` ids: true where the id's text (of those given) matches a regex.

    ``texts`` is read only once the pattern compiles.

    >>> pattern_mask(r"\\*", [(0, "x"), (2, "x * x")], 3).tolist()
    [False, False, True]
    """
    try:
        rx = re.compile(pattern)
    except re.error as e:
        raise ExpressionError(f"bad pattern {pattern!r}: {e}", token=pattern) from None
    mask = torch.zeros(n, dtype=torch.bool)
    for ident, text in texts:
        mask[ident] = rx.search(text) is not None
    return mask
