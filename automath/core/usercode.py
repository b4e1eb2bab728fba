"""Python a semantics file names (``twice = "mymodule:twice"``): an ``Op``, a function of no
arguments returning one, or a plain torch function of the arguments, which becomes a kernel
for the file's kinds. Only a file the user names with ``--semantics`` may do this.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy
import torch

from automath.core.catalog import make_kind
from automath.core.errors import SemanticsError
from automath.core.semantics import Op


def code_op(spec: str, alias: str, folder: Path, arity: int | None, kinds: Sequence[str],
            fail: Callable[[str], SemanticsError]) -> Op:
    """The ``Op`` that ``module:name`` (looked up beside the file first) gives ``alias``.

    >>> op = code_op("torch:logaddexp", "lse", Path("."), 2, ["real"], SemanticsError)
    >>> op.arity, op.kernels["real"](torch.tensor(0.0), torch.tensor(0.0)).item() > 0.69
    (2, True)
    """
    module, _, name = spec.partition(":")
    sys.path.insert(0, str(folder.resolve()))
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise fail(f"cannot load {spec!r} for {alias!r}: {e}") from None
    finally:
        sys.path.pop(0)
    return _as_op(spec, alias, obj, arity, kinds, fail)


def _as_op(spec: str, alias: str, obj: object, arity: int | None, kinds: Sequence[str],
           fail: Callable[[str], SemanticsError]) -> Op:
    if callable(obj) and not isinstance(obj, Op):
        if (n := _required(obj, arity)) != 0:
            where = fail(f"the kernel {spec!r} of {alias!r} failed")
            kernel = UserKernel(obj, where.message, where.file, where.line, alias)
            return Op(n, sympy.Function(alias), dict.fromkeys(_families(kinds), kernel))
        try:
            obj = obj()
        except Exception as e:  # the user's code: any failure is their file's error
            raise fail(f"calling {spec!r} for {alias!r} failed: {e}") from None
    if not isinstance(obj, Op):
        raise fail(f"{spec!r} must be an Op, a function returning one, or a torch function "
                   f"of the arguments; got {type(obj).__name__}")
    return obj


def _families(kinds: Sequence[str]) -> set[str]:
    """The kernel families of value kinds (function sorts left out); real when none."""
    return {make_kind(k, k=2).family for k in kinds if "->" not in k} or {"real"}


@dataclass(frozen=True)
class UserKernel:
    """A torch function from the user's module; what it raises becomes a ``SemanticsError``
    naming the semantics file's line, not a traceback from inside a search.

    >>> UserKernel(lambda a: a.nosuch, "the kernel 'm:f' failed", "s.toml", 3, "f")(1)
    Traceback (most recent call last):
    ...
    automath.core.errors.SemanticsError: s.toml:3: the kernel 'm:f' failed: AttributeError: \
'int' object has no attribute 'nosuch' (at token 'f')
    """

    function: Callable
    message: str
    file: str | None
    line: int | None
    alias: str

    def __call__(self, *args: torch.Tensor) -> torch.Tensor:
        try:
            return self.function(*args)
        except Exception as e:  # the user's code: any failure is their file's error
            raise SemanticsError(f"{self.message}: {type(e).__name__}: {e}", file=self.file,
                                 line=self.line, token=self.alias) from None


def _required(f: Callable, default: int | None) -> int:
    """How many arguments ``f`` needs: its positional parameters without defaults, else
    ``default`` (a builtin without a signature, or ``*args``)."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return default or 0
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return default or 0
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in params)
