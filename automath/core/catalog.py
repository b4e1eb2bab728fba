"""Every value kind by name: the core kinds, numbers, lists and finite models (``name:n``).

``make_kind("mod:6")`` is ℤ/6, ``perm:3`` is S₃, ``bits:8`` bitsets of 8 bits, ``table:n`` a
structure given by tables, ``list:n`` lists of length at most n; an unknown name is a clear
error listing the kinds.
"""

from __future__ import annotations

from collections.abc import Callable

from automath.core.errors import SemanticsError
from automath.core.kinds import KINDS as CORE
from automath.core.kinds import Kind, check_samples
from automath.core.lists import ListKind
from automath.core.models import BitsKind, ModKind, PermKind, TableKind
from automath.core.numbers import NatKind, SeqKind

KINDS: dict[str, type[Kind]] = {**CORE, **{c.name: c for c in (NatKind, SeqKind, PermKind,
                                                               ListKind)}}
"""Kinds without a parameter."""

SPECS: dict[str, Callable[..., Kind]] = {
    "mod": lambda n, **o: ModKind(n=n, **o),
    "perm": lambda n, **o: PermKind(m=n, model=True, **o),
    "bits": lambda n, **o: BitsKind(n=n, **o),
    "table": lambda n, **o: TableKind(n=n, **o),
    "list": lambda n, **o: ListKind(length=n, **o),
}
"""Kinds written ``name:n``, built from n and the options."""


def kind_names() -> list[str]:
    """Every kind ``make_kind`` knows, parameterized ones as ``name:n``.

    >>> {"real", "nat", "mod:n", "perm:n", "bits:n"} <= set(kind_names())
    True
    """
    return sorted(KINDS) + sorted(f"{s}:n" for s in SPECS)


def make_kind(name: str, **options: object) -> Kind:
    """Build a value kind by name: ``real``, ``modp``, ``int``, ``nat``, ``seq``, ``bool``,
    ``perm``, ``list``, or a model ``name:n`` (``mod:6``, ``perm:3``, ``bits:8``, ``table:3``,
    ``list:8``; see ``automath.core.models``).

    >>> make_kind("mod:6", k=4).spec, make_kind("perm:3", k=2).shape
    ('mod:6', (2, 3))
    >>> make_kind("foo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    automath.core.errors.SemanticsError: no kind 'foo'; kinds: bool, int, list, ...
    """
    base, _, arg = str(name).strip().partition(":")
    check_samples(options.get("k", 16))
    if arg and base in SPECS:
        return SPECS[base](_positive(arg, name), **options)
    if not arg and base in KINDS:
        return KINDS[base](**options)
    hint = f" ({base} takes n: {base}:n)" if base in SPECS else ""
    raise SemanticsError(f"no kind {name!r}{hint}; kinds: {', '.join(kind_names())}",
                         token=str(name))


def _positive(arg: str, name: str) -> int:
    if not arg.isdigit() or int(arg) < 1:
        raise SemanticsError(f"kind {name!r} needs a positive integer after ':'", token=name)
    return int(arg)
