"""Semantics: alias → (arity, sympy builder, torch kernel per value kind), as one table."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import sympy
import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import UNDEFINED, Kernel, Kind, P
from automath.core.lists import append, reverse


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
    """Exact integer division; a remainder or a zero divisor has no value (undefined).

    >>> _int_div(torch.tensor([6, 7, 1]), torch.tensor([3, 2, 0])).tolist() == [2, UNDEFINED,
    ...                                                                         UNDEFINED]
    True
    """
    if a.is_floating_point():  # the overflow check's rerun: undefined is not an overflow
        return torch.where(b == 0, 0.0, a / torch.where(b == 0, 1, b))
    safe = torch.where(b == 0, 1, b)
    ok = (b != 0) & (torch.remainder(a, safe) == 0)
    return torch.where(ok, torch.div(a, safe, rounding_mode="floor"), UNDEFINED)


def _int_pow(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Integer power for exponents 0..62; other exponents have no value (undefined)."""
    ok = (b >= 0) & (b <= 62)
    if a.is_floating_point():
        return torch.where(ok, torch.pow(a, b.clamp(0, 62)), 0.0)
    return torch.where(ok, torch.pow(a, b.clamp(0, 62)), UNDEFINED)


def _perm_inverse(a: torch.Tensor) -> torch.Tensor:
    return torch.argsort(a, dim=-1)


def _perm_compose(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.gather(a, -1, b)


def _const(value: float | bool) -> Callable[[Kind], torch.Tensor]:
    return lambda kind: kind.constant(value)


_ARITH = {"real", "int", "modp", "mod", "bits"}  # mod and bits kinds reduce each result
_BITS = {"int", "bits"}


def _on(kinds: set[str], f: Kernel, modp: Kernel | None = None) -> dict[str, Kernel]:
    table = {k: f for k in kinds - {"modp"}}
    if "modp" in kinds:
        table["modp"] = modp or _modp(f)
    return table


def _logic(logical: Kernel, bitwise: Kernel) -> dict[str, Kernel]:
    """A connective on truth values and, bit by bit, on bitsets."""
    return {"bool": logical, "bits": bitwise}


def _fn(name: str) -> Callable[..., sympy.Basic]:
    """An uninterpreted sympy function (sympy's own gcd or lcm would evaluate on symbols)."""
    return sympy.Function(name)


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
    "and": Op(2, sympy.And, _logic(torch.logical_and, torch.bitwise_and)),
    "or": Op(2, sympy.Or, _logic(torch.logical_or, torch.bitwise_or)),
    "not": Op(1, sympy.Not, _logic(torch.logical_not, torch.bitwise_not)),
    "implies": Op(2, sympy.Implies, _logic(lambda a, b: torch.logical_or(~a, b),
                                           lambda a, b: torch.bitwise_or(~a, b))),
    "true": Op(0, lambda: sympy.true, _logic(_const(True), _const(True))),
    "false": Op(0, lambda: sympy.false, _logic(_const(False), _const(False))),
    "unit": Op(0, lambda: sympy.Symbol("e", commutative=False), {"perm": lambda k: k.identity()}),
}
"""The built-in meaning of each alias a shipped grammar uses."""

KERNELS: dict[str, Op] = {
    **OPS,
    "xor": Op(2, sympy.Xor, _logic(torch.logical_xor, torch.bitwise_xor)),
    "gcd": Op(2, _fn("gcd"), {"int": torch.gcd}),
    "lcm": Op(2, _fn("lcm"), {"int": torch.lcm}),
    "bitwise_or": Op(2, _fn("bitwise_or"), dict.fromkeys(_BITS, torch.bitwise_or)),
    "bitwise_and": Op(2, _fn("bitwise_and"), dict.fromkeys(_BITS, torch.bitwise_and)),
    "bitwise_xor": Op(2, _fn("bitwise_xor"), dict.fromkeys(_BITS, torch.bitwise_xor)),
    "bitwise_not": Op(1, _fn("bitwise_not"), dict.fromkeys(_BITS, torch.bitwise_not)),
    "compose": Op(2, operator.mul, {"perm": _perm_compose}),
    "inverse": Op(1, _fn("inverse"), {"perm": _perm_inverse}),
    "append": Op(2, _fn("append"), {"list": append}),
    "reverse": Op(1, _fn("reverse"), {"list": reverse}),
    "nil": Op(0, lambda: sympy.Symbol("nil"), {"list": lambda k: k.empty()}),
    "length": Op(1, _fn("length"), {"list": lambda a: a[..., 0]}),  # list -> int (typed)
}
"""Every shipped kernel, by the name a semantics file maps an alias to (``union = "or"``)."""


class Semantics(Mapping[str, Op]):
    """An immutable table of operators; ``with_op`` returns an extended copy.

    >>> s = Semantics().with_op("max", Op(2, sympy.Max, {"real": torch.maximum}))
    >>> s["max"].arity, "max" in Semantics({})
    (2, False)
    """

    def __init__(self, ops: Mapping[str, Op] | None = None, *, kind: str | None = None,
                 source: str | None = None, predicates: Mapping | None = None,
                 typing: Mapping | None = None) -> None:
        self._ops = dict(OPS if ops is None else ops)
        self.kind, self.source = kind, source  # a semantics file's default kind, and its path
        self.predicates = dict(predicates or {})  # name -> sidecar.Predicate (conditions)
        self.typing = typing  # a typed signature: {"sorts", "types", "vars"} (None: untyped)

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
        return Semantics({**self._ops, alias: op}, kind=self.kind, source=self.source,
                         predicates=self.predicates, typing=self.typing)

    def predicate(self, name: str):
        """The predicate ``name`` of a semantics file's ``[predicates]``, or a clear error.

        >>> Semantics().predicate("le")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        automath.core.errors.SemanticsError: no predicate 'le'; declare it in the ...
        """
        if name not in self.predicates:
            raise SemanticsError(f"no predicate {name!r}; declare it in the semantics file "
                                 f"under [predicates] (e.g. le = \"a <= b\")", token=name)
        return self.predicates[name]

    def kernel(self, alias: str, kind: str) -> Kernel:
        """The torch kernel of ``alias`` for a value kind, or a clear error.

        >>> Semantics().kernel("sin", "real") is torch.sin
        True
        """
        if alias not in self._ops:
            hint = (f"; it is the shipped kernel {alias!r}: write {alias} = \"{alias}\""
                    if alias in KERNELS else "")
            raise SemanticsError(f"operator {alias!r} has no semantics; map it in a semantics "
                                 f"file (<grammar>.semantics.toml beside the grammar, or "
                                 f"--semantics FILE) under [ops]{hint}, or in Python with "
                                 f"Semantics().with_op({alias!r}, Op(...))", token=alias)
        kernels = self._ops[alias].kernels
        if kind not in kernels:
            have = ", ".join(sorted(kernels)) or "none"
            raise SemanticsError(f"operator {alias!r} has no kernel for value kind {kind!r} "
                                 f"(it has: {have})", token=alias)
        return kernels[kind]


DEFAULT_SEMANTICS = Semantics()
