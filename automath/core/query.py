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
_CLAUSE = re.compile(rf"^\s*({'|'.join(FIELDS)})\s*(<=|>=|==|!=|<|>)\s*([-+0-9.eE]+)\s*$")
_OPS = {"<=": torch.le, ">=": torch.ge, "==": torch.eq, "!=": torch.ne, "<": torch.lt,
        ">": torch.gt}


def where_mask(where: str, columns: Mapping[str, torch.Tensor], n: int) -> torch.Tensor:
    """A mask over ``n`` ids for clauses joined by ``and`` on ``columns`` (see ``FIELDS``).

    >>> where_mask("size <= 1", {"size": torch.tensor([1., 3.])}, 2).tolist()
    [True, False]
    """
    mask = torch.ones(n, dtype=torch.bool)
    for clause in re.split(r"\band\b|,", where):
        m = _CLAUSE.match(clause)
        if m is None:
            raise ExpressionError(f"cannot read filter clause {clause.strip()!r}; use e.g. "
                                  "'size<=7 and weight>0.001'", token=clause.strip())
        field, op, value = m.groups()
        mask &= _OPS[op](columns[field].cpu(), float(value))
    return mask


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
