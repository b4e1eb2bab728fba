"""Typed signatures: sorts, each alias typed, variables with sorts (issue 15.3).

A semantics file declares them (``automath.core.sidecar``)::

    [sorts]               # each sort's value kind
    list = "list"
    int = "nat"
    [types]               # each alias: argument sorts -> result sort (a constant: its sort)
    append = "list, list -> list"
    length = "list -> int"
    add = "int, int -> int"
    nil = "list"
    [vars]                # variables and their sorts, named as the laws print them
    xs = "list"
    ys = "list"
    n = "int"

Values of every sort share one fingerprint layout, ``[sort tag, payload…]`` per sample, so
one store holds them and terms of different sorts never merge; each kernel decodes its
arguments into their sorts' own kinds, runs there (with that kind's checks) and encodes the
result. Only well-typed terms are enumerated: an operator's argument classes are taken from
the classes of the sorts it expects. Laws are tested at many samples ("tested only").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from automath.core.catalog import make_kind
from automath.core.errors import SemanticsError
from automath.core.kinds import Kind
from automath.core.lists import ListKind
from automath.core.semantics import Op, Semantics


class TypedKind(Kind):
    """Several sorts, each with its own kind, in one tagged layout ``(k, 1 + width)``.

    >>> t = TypedKind({"list": "list:4", "int": "nat"}, {"xs": "list", "n": "int"}, k=2)
    >>> t.shape, t.variable("n")[:, 0].tolist(), t.variable("xs")[:, 0].tolist()
    ((2, 6), [1, 1], [0, 0])
    """

    name = "typed"
    dtype = torch.int64

    def __init__(self, sorts: Mapping[str, str], var_sorts: Mapping[str, str], k: int = 16,
                 seed: int = 0, device: str | torch.device = "cpu",
                 num_sort: str | None = None) -> None:
        super().__init__(k, seed, device, tuple(var_sorts))
        self.sorts, self.var_sorts = dict(sorts), dict(var_sorts)
        self.tags = {s: n for n, s in enumerate(self.sorts)}
        self.natives = {s: make_kind(spec, k=k, seed=seed, device=device,
                                     variables=[v for v, vs in var_sorts.items() if vs == s])
                        for s, spec in self.sorts.items()}
        for s, kind in self.natives.items():
            if kind.dtype != torch.int64:
                raise SemanticsError(f"sort {s!r}: kind {kind.spec!r} does not hold integers; "
                                     "typed signatures take integer-valued kinds (int, nat, "
                                     "mod:n, bits:n, list)", token=s)
        self.widths = {s: _width(kind) for s, kind in self.natives.items()}
        self.num_sort = num_sort

    @property
    def spec(self) -> str:
        """``typed``."""
        return "typed"

    @property
    def shape(self) -> tuple[int, ...]:
        """``(k, 1 + the widest sort's payload)``."""
        return (self.k, 1 + max(self.widths.values()))

    def resample(self, k: int, seed: int) -> TypedKind:
        """The same sorts and variables at ``k`` samples of another seed."""
        return TypedKind(self.sorts, self.var_sorts, k, seed, self.device, self.num_sort)

    def encode(self, values: torch.Tensor, sort: str) -> torch.Tensor:
        """Values of a sort's own kind (``(..., k)`` or ``(..., k, w)``) in the tagged layout."""
        scalar = self.widths[sort] == 1 and self.natives[sort].shape == (self.k,)
        payload = values.unsqueeze(-1) if scalar else values
        out = torch.zeros((*payload.shape[:-1], self.shape[1]), dtype=torch.int64,
                          device=payload.device)
        out[..., 0] = self.tags[sort]
        out[..., 1:1 + payload.shape[-1]] = payload
        return out

    def decode(self, values: torch.Tensor, sort: str) -> torch.Tensor:
        """The payload of tagged values as the sort's own kind holds them."""
        w = self.widths[sort]
        payload = values[..., 1:1 + w]
        return payload[..., 0] if self.natives[sort].shape == (self.k,) else payload

    def variable(self, name: str) -> torch.Tensor:
        """A declared variable's samples in its sort's kind, tagged."""
        if name not in self.var_sorts:
            raise SemanticsError(f"variable {name!r} has no sort; declare it under [vars]",
                                 token=name)
        sort = self.var_sorts[name]
        return self.encode(self.natives[sort].variable(name), sort)

    def show(self, name: str, sample: int) -> object:
        """A variable's value at one sample as plain Python (a list's items, an integer).

        >>> t = TypedKind({"list": "list:4"}, {"xs": "list"}, k=3)
        >>> xs = t.show("xs", 0); isinstance(xs, list) and len(xs) <= 3
        True
        """
        sort = self.var_sorts[name]
        value = self.decode(self.variable(name), sort)[sample]
        if isinstance(self.natives[sort], ListKind):
            return value[1:1 + int(value[0])].tolist()
        return value.tolist()

    def constant(self, value: str) -> torch.Tensor:
        """A numeral of the sort ``[types] num = ...`` names."""
        if self.num_sort is None:
            raise SemanticsError("numerals need a sort: write num = \"SORT\" under [types]",
                                 token=str(value))
        return self.encode(self.natives[self.num_sort].constant(value), self.num_sort)

    def _per_sample(self, values: torch.Tensor, check: str) -> torch.Tensor:
        """Per row and sample: the sort's kind's ``valid`` or ``overflow`` of that sample."""
        flat = values.reshape(-1, values.shape[-1])
        out = torch.zeros(flat.shape[0], dtype=torch.bool, device=values.device)
        for sort, tag in self.tags.items():
            rows = flat[:, 0] == tag
            payload = flat[rows][:, 1:1 + self.widths[sort]]
            if self.natives[sort].shape != (self.k,):
                payload = payload[:, None, :]
            out[rows] = getattr(self.natives[sort], check)(payload)
        return out.reshape(values.shape[0], -1)

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows whose every sample is valid in its sort's kind (a bad tag is invalid)."""
        return self._per_sample(values, "valid").all(dim=1)

    def overflow(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with a sample that overflows its sort's kind."""
        return self._per_sample(values, "overflow").any(dim=1)


def _width(kind: Kind) -> int:
    """Payload entries of one value of a kind: 1 for scalars, else the value's size."""
    return int(torch.Size(kind.shape[1:]).numel()) if len(kind.shape) > 1 else 1


class TypedKernel:
    """An alias's kernel on tagged values: decode the arguments into their sorts' kinds,
    run there, encode the result in its sort.

    >>> from automath.core.semantics import KERNELS
    >>> t = TypedKind({"list": "list:4", "int": "nat"}, {"xs": "list"}, k=2)
    >>> f = TypedKernel(KERNELS["length"].kernels["list"], ("list",), "int")
    >>> xs = t.variable("xs")
    >>> t.apply(f, [xs[None]])[0, :, 1].tolist() == xs[:, 1].tolist()
    True
    """

    def __init__(self, kernel, args: Sequence[str], result: str) -> None:
        self.kernel, self.args, self.result = kernel, tuple(args), result

    def run(self, kind: TypedKind, args: Sequence[torch.Tensor]) -> torch.Tensor:
        natives = [kind.decode(a, s) for a, s in zip(args, self.args, strict=True)]
        owner = kind.natives[self.args[0]]
        return kind.encode(owner.apply(self.kernel, natives), self.result)

    def __call__(self, kind: TypedKind) -> torch.Tensor:
        """A constant's value (nullary kernels are called with the kind)."""
        return kind.encode(self.kernel(kind.natives[self.result]), self.result)


def typed_semantics(sem: Semantics, kind: TypedKind, aliases: Sequence[str]) -> Semantics:
    """``sem`` with a ``typed`` kernel for each alias (from its owning sort's kind family).

    The owning sort is the first argument's (a constant's: its own).
    """
    types = sem.typing["types"]
    ops = dict(sem)
    for alias in aliases:
        if alias not in types:
            raise SemanticsError(f"alias {alias!r} has no type; give it one under [types] "
                                 f"(e.g. {alias} = \"list, list -> list\")", file=sem.source,
                                 token=alias)
        args, result = types[alias]
        owner = kind.natives[args[0] if args else result]
        kernel = sem.kernel(alias, owner.family)
        op = sem[alias]
        ops[alias] = Op(op.arity, op.sympy, {**op.kernels,
                                             "typed": TypedKernel(kernel, args, result)})
    return Semantics(ops, kind="typed", source=sem.source, predicates=sem.predicates,
                     typing=sem.typing)


def arg_tags(kind: TypedKind, sem: Semantics, alias: str) -> tuple[int, ...]:
    """The sort tags an alias's arguments must have.

    >>> t = TypedKind({"list": "list:4", "int": "nat"}, {"xs": "list"}, k=2)
    >>> arg_tags(t, Semantics(typing={"types": {"length": (("list",), "int")}}), "length")
    (0,)
    """
    return tuple(kind.tags[s] for s in sem.typing["types"][alias][0])


def sort_names(kind: TypedKind, names: Sequence[str]) -> dict[str, list[str]]:
    """Variable names by sort, in declared order.

    >>> t = TypedKind({"list": "list:4", "int": "nat"}, {"xs": "list", "n": "int", "ys": "list"})
    >>> sort_names(t, ["xs", "n", "ys"])
    {'list': ['xs', 'ys'], 'int': ['n']}
    """
    out: dict[str, list[str]] = {}
    for v in names:
        out.setdefault(kind.var_sorts[v], []).append(v)
    return out


def typed_parts(sem: Semantics, aliases: Sequence[str], vars: Sequence[str] | str | None,
                kind: str | None, k: int, seed: int) -> tuple[TypedKind, Semantics, tuple]:
    """A typed signature's kind, semantics and variables (all of ``[vars]`` unless ``vars``
    picks some of them)."""
    if kind is not None:
        raise SemanticsError(f"a typed signature takes its kinds from [sorts]; drop kind "
                             f"{kind!r}", file=sem.source, token=str(kind))
    declared = sem.typing["vars"]
    names = tuple(declared) if vars is None else tuple(
        v.strip() for v in (vars.split(",") if isinstance(vars, str) else vars) if v.strip())
    for v in names:
        if v not in declared:
            raise SemanticsError(f"variable {v!r} has no sort; declare it under [vars] "
                                 f"(declared: {', '.join(declared)})", file=sem.source, token=v)
    num = sem.typing["types"].get("num", ((), None))[1]
    typed = TypedKind(sem.typing["sorts"], {v: declared[v] for v in names}, k, seed,
                      num_sort=num)
    return typed, typed_semantics(sem, typed, aliases), names
