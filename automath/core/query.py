"""Queries: ``--where`` filters such as ``size<=7 and weight>0.01``, parsed safely."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import torch

from automath.core.errors import ExpressionError

if TYPE_CHECKING:
    from automath.core.result import Result

_CLAUSE = re.compile(r"^\s*(size|weight|score|id)\s*(<=|>=|==|!=|<|>)\s*([-+0-9.eE]+)\s*$")
_OPS = {"<=": torch.le, ">=": torch.ge, "==": torch.eq, "!=": torch.ne, "<": torch.lt,
        ">": torch.gt}


def where_mask(where: str, result: Result) -> torch.Tensor:
    """A mask over element ids for clauses joined by ``and`` (fields: size, weight, score, id).

    >>> where_mask("size <= 1", _Fake()).tolist()
    [True, False]
    """
    mask = torch.ones(len(result.distribution), dtype=torch.bool)
    for clause in re.split(r"\band\b|,", where):
        m = _CLAUSE.match(clause)
        if m is None:
            raise ExpressionError(f"cannot read filter clause {clause.strip()!r}; use e.g. "
                                  "'size<=7 and weight>0.001'", token=clause.strip())
        field, op, value = m.groups()
        mask &= _OPS[op](_column(result, field).cpu(), float(value))
    return mask


def pattern_mask(pattern: str, result: Result) -> torch.Tensor:
    """A mask over element ids whose printed text (in the grammar's syntax) matches a regex.

    Only elements with positive weight are printed and tested.
    """
    try:
        rx = re.compile(pattern)
    except re.error as e:
        raise ExpressionError(f"bad pattern {pattern!r}: {e}", token=pattern) from None
    mask = torch.zeros(len(result.distribution), dtype=torch.bool)
    for i in result.distribution.support().tolist():
        mask[i] = rx.search(result.text(i)) is not None
    return mask


def _column(result: Result, field: str) -> torch.Tensor:
    n = len(result.distribution)
    if field == "size":
        return result.store.size[:n].double()
    if field == "weight":
        return result.distribution.weights
    if field == "score":
        return result.scores if result.scores is not None else torch.zeros(n)
    return torch.arange(n).double()


class _Fake:
    """A stand-in result for the doctest."""

    class distribution:  # noqa: N801
        weights = torch.tensor([.5, .5])

        def __len__(self) -> int:
            return 2

    distribution = distribution()

    class store:  # noqa: N801
        size = torch.tensor([1, 3])
