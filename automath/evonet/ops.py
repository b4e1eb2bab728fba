"""The op kinds an evolving network's slots apply: arity, torch kernel, sympy builder, gradient.

``NETWORK_OPS`` is this package's table (``automath.evonet.OPS`` names it too); it is unrelated
to the grammar semantics of ``automath.core.semantics``. Kernels are elementwise and guarded
(``div`` and ``log`` near 0, ``exp`` above 30) so a network's values stay finite.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

import sympy
import torch
from torch import Tensor

from automath.core.errors import GrammarError

_EPS = 1e-6
_EXP_MAX = 30.0


class OpSpec(NamedTuple):
    """An op kind: arity, torch kernel, sympy builder and an optional hand-written gradient.

    >>> NETWORK_OPS["mul"].arity, NETWORK_OPS["mul"].sym(2, 3)
    (2, 6)
    """

    arity: int
    kernel: Callable[..., Tensor]
    sym: Callable[..., sympy.Expr]
    grad: Callable[..., tuple[Tensor, ...]] | None = None


def _safe_den(b: Tensor) -> Tensor:
    return torch.where(b.abs() < _EPS, torch.full_like(b, _EPS), b)


def _div_grad(g: Tensor, out: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    d = _safe_den(b)
    return g / d, torch.where(b.abs() < _EPS, torch.zeros_like(g), -g * out / d)


def _log_grad(g: Tensor, out: Tensor, a: Tensor) -> tuple[Tensor]:
    return (torch.where(a.abs() < _EPS, torch.zeros_like(g), g / a),)


NETWORK_OPS: dict[str, OpSpec] = {
    "add": OpSpec(2, torch.add, operator.add, lambda g, o, a, b: (g, g)),
    "sub": OpSpec(2, torch.sub, operator.sub, lambda g, o, a, b: (g, -g)),
    "mul": OpSpec(2, torch.mul, operator.mul, lambda g, o, a, b: (g * b, g * a)),
    "div": OpSpec(2, lambda a, b: a / _safe_den(b), operator.truediv, _div_grad),
    "neg": OpSpec(1, torch.neg, operator.neg, lambda g, o, a: (-g,)),
    "sin": OpSpec(1, torch.sin, sympy.sin, lambda g, o, a: (g * torch.cos(a),)),
    "cos": OpSpec(1, torch.cos, sympy.cos, lambda g, o, a: (-g * torch.sin(a),)),
    "exp": OpSpec(1, lambda a: torch.exp(a.clamp(max=_EXP_MAX)), sympy.exp,
                  lambda g, o, a: (torch.where(a > _EXP_MAX, torch.zeros_like(g), g * o),)),
    "log": OpSpec(1, lambda a: torch.log(a.abs().clamp(min=_EPS)),
                  lambda a: sympy.log(sympy.Abs(a)), _log_grad),
}
DEFAULT_OPS = ("add", "sub", "mul", "sin", "cos")
OpsArg = Iterable[str] | Mapping[str, OpSpec | tuple]


def resolve_ops(ops: OpsArg) -> dict[str, OpSpec]:
    """Look aliases up in ``NETWORK_OPS``, or check alias -> (arity, kernel, sympy[, grad]).

    >>> list(resolve_ops(("add", "mul")))
    ['add', 'mul']
    """
    if isinstance(ops, Mapping):
        table = {str(k): OpSpec(*v) for k, v in ops.items()}
    else:
        names = [ops] if isinstance(ops, str) else list(ops)
        unknown = [a for a in names if a not in NETWORK_OPS]
        if unknown:
            raise GrammarError(f"unknown op alias(es) {unknown}; known: {sorted(NETWORK_OPS)}")
        table = {a: NETWORK_OPS[a] for a in names}
    bad = [k for k, s in table.items() if s.arity not in (1, 2)]
    if not table or bad:
        raise GrammarError(f"op table must be non-empty with arities 1 or 2 (bad: {bad})")
    return table
