"""Semantics: alias → (arity, sympy builder, torch kernel per value kind), as one table."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import sympy
import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import INT_LIMIT, Kernel, Kind, P


@dataclass(frozen=True)
class Op:
    """An operator: arity, a sympy builder, and a torch kernel for each value kind.

    >>> Op(2, operator.add, {"real": torch.add}).kernels["real"](torch.tensor(1.), 2.).item()
    3.0
    """

    arity: int
    sympy: Callable[..., sympy.Basic]
    kernels: Mapping[str, Kernel] = field(default_factory=dict)


def _modp(f: Kernel) -> Kernel:
    return lambda *a: torch.remainder(f(*a), P)


def _mod_pow(b: torch.Tensor, e: int) -> torch.Tensor:
    out = torch.ones_like(b)
    for bit in bin(e)[2:]:
        out = out * out % P
        out = out * b % P if bit == "1" else out
    return out


def _mod_div(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    inv = _mod_pow(b, P - 2)
    return torch.where(b == 0, torch.full_like(a, -1), a * inv % P)


def _int_div(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Exact integer division; a remainder or a zero divisor is an overflow (invalid)."""
    if a.is_floating_point():
        return torch.where(b == 0, INT_LIMIT * 2.0, a / torch.where(b == 0, 1, b))
    safe = torch.where(b == 0, 1, b)
    ok = (b != 0) & (torch.remainder(a, safe) == 0)
    return torch.where(ok, torch.div(a, safe, rounding_mode="floor"), INT_LIMIT + 1)


def _int_pow(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Integer power for exponents 0..62; other exponents are invalid."""
    ok = (b >= 0) & (b <= 62)
    if a.is_floating_point():
        return torch.where(ok, torch.pow(a, b.clamp(0, 62)), INT_LIMIT * 2.0)
    return torch.where(ok, torch.pow(a, b.clamp(0, 62)), INT_LIMIT + 1)


def _perm_compose(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.gather(a, -1, b)


def _const(value: float | bool) -> Callable[[Kind], torch.Tensor]:
    return lambda kind: kind.constant(value)


_ARITH = {"real", "int", "modp"}


def _on(kinds: set[str], f: Kernel, modp: Kernel | None = None) -> dict[str, Kernel]:
    table = {k: f for k in kinds - {"modp"}}
    if "modp" in kinds:
        table["modp"] = modp or _modp(f)
    return table


OPS: dict[str, Op] = {
    "add": Op(2, operator.add, _on(_ARITH, torch.add)),
    "sub": Op(2, operator.sub, _on(_ARITH, torch.sub)),
    "mul": Op(2, operator.mul, {**_on(_ARITH, torch.mul), "perm": _perm_compose}),
    "div": Op(2, operator.truediv, {"real": torch.div, "modp": _mod_div, "int": _int_div}),
    "neg": Op(1, operator.neg, _on(_ARITH, torch.neg)),
    "pow": Op(2, operator.pow, {"real": torch.pow, "int": _int_pow}),
    "sin": Op(1, sympy.sin, {"real": torch.sin}),
    "cos": Op(1, sympy.cos, {"real": torch.cos}),
    "exp": Op(1, sympy.exp, {"real": torch.exp}),
    "log": Op(1, sympy.log, {"real": torch.log}),
    "sqrt": Op(1, sympy.sqrt, {"real": torch.sqrt}),
    "max": Op(2, sympy.Max, {"real": torch.maximum, "int": torch.maximum}),
    "min": Op(2, sympy.Min, {"real": torch.minimum, "int": torch.minimum}),
    "and": Op(2, sympy.And, {"bool": torch.logical_and}),
    "or": Op(2, sympy.Or, {"bool": torch.logical_or}),
    "not": Op(1, sympy.Not, {"bool": torch.logical_not}),
    "implies": Op(2, sympy.Implies, {"bool": lambda a, b: torch.logical_or(~a, b)}),
    "true": Op(0, lambda: sympy.true, {"bool": _const(True)}),
    "false": Op(0, lambda: sympy.false, {"bool": _const(False)}),
    "unit": Op(0, lambda: sympy.Symbol("e", commutative=False), {"perm": lambda k: k.identity()}),
}


class Semantics(Mapping[str, Op]):
    """An immutable table of operators; ``with_op`` returns an extended copy.

    >>> s = Semantics().with_op("max", Op(2, sympy.Max, {"real": torch.maximum}))
    >>> s["max"].arity, "max" in Semantics({})
    (2, False)
    """

    def __init__(self, ops: Mapping[str, Op] | None = None) -> None:
        self._ops = dict(OPS if ops is None else ops)

    def __getitem__(self, alias: str) -> Op:
        return self._ops[alias]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ops)

    def __len__(self) -> int:
        return len(self._ops)

    def with_op(self, alias: str, op: Op) -> Semantics:
        """A copy of this table with ``alias`` mapped to ``op``.

        >>> len(Semantics({}).with_op("neg", OPS["neg"]))
        1
        """
        return Semantics({**self._ops, alias: op})

    def kernel(self, alias: str, kind: str) -> Kernel:
        """The torch kernel of ``alias`` for a value kind, or a clear error.

        >>> Semantics().kernel("sin", "real") is torch.sin
        True
        """
        if alias not in self._ops:
            raise SemanticsError(f"operator {alias!r} has no semantics; map it with "
                                 f"Semantics().with_op({alias!r}, Op(...))", token=alias)
        kernels = self._ops[alias].kernels
        if kind not in kernels:
            have = ", ".join(sorted(kernels)) or "none"
            raise SemanticsError(f"operator {alias!r} has no kernel for value kind {kind!r} "
                                 f"(it has: {have})", token=alias)
        return kernels[kind]


DEFAULT_SEMANTICS = Semantics()
