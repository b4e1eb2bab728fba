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
the classes of the sorts it expects. Laws are tested at many samples ("tested only"), or
checked at every assignment where each variable's sort is a finite model.

Function sorts ``a -> b`` (``automath.laws.functions``) are tables over a finite ``a``, and
closures compared at probes over an infinite one (``automath.laws.closures``); an alias
may be polymorphic in type variables (``apply = "('a -> 'b), 'a -> 'b"``): it has one
instance per way of filling them with the signature's sorts, and only well-typed instances
are built.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import torch

from automath.core.catalog import make_kind
from automath.core.errors import SemanticsError
from automath.core.kinds import Kind
from automath.core.lists import ListKind
from automath.core.models import parse_sort, sort_text
from automath.core.semantics import Op, Semantics
from automath.core.sidecar import PARTIAL, Partial
from automath.laws.closures import POOL, PROBES, ClosureKind, ClosureMaker, Stage, run_closure
from automath.laws.functions import FUNCTION_KERNELS, FunKind, HigherOrder
from automath.laws.poly import VARIANT, constant_sorts, instances


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
                 num_sort: str | None = None, more: Iterable[str] = ()) -> None:
        super().__init__(k, seed, device, tuple(var_sorts))
        self.sorts, self.var_sorts = dict(sorts), dict(var_sorts)
        self.natives: dict[str, Kind] = {}
        self.slot = 0  # a closure stage's stored argument: as wide as the widest plain sort
        for s in [*self.sorts, *self.var_sorts.values(), *more]:
            self._native(s)
        self.closures = {s for s, kind in self.natives.items() if isinstance(kind, ClosureKind)}
        self.slot = max(_width(kind) for s, kind in self.natives.items()
                        if s not in self.closures)
        self.tags = {s: n for n, s in enumerate(self.natives)}
        self.widths = {s: _width(kind) for s, kind in self.natives.items()}
        self.num_sort, self.more = num_sort, tuple(more)
        self.fixed: dict[str, torch.Tensor] = {}  # variables' values in an exhaustive model
        self.stages: list[Stage] = []  # the kernels closures run (automath.laws.closures)
        self.random_codes: dict[str, int] = {}  # closure variables' stages, by name
        self._probes: dict[str, torch.Tensor] = {}
        self._pools: dict[str, torch.Tensor] = {}
        keep = [2 if s in self.closures else self.shape[1] for s in self.natives]
        self._keep = torch.tensor(keep, dtype=torch.int64, device=self.device)

    def _native(self, sort: str) -> Kind:
        """The kind of a sort (a function sort's from its parts'), made once."""
        if sort not in self.natives:
            tree = parse_sort(sort)
            if isinstance(tree, tuple):
                kind = self._function(*(sort_text(t) for t in tree))
            else:
                kind = make_kind(self.sorts[sort], k=self.k, seed=self.seed, device=self.device)
            if kind.dtype != torch.int64:
                raise SemanticsError(f"sort {sort!r}: kind {kind.spec!r} does not hold integers;"
                                     " typed signatures take integer-valued kinds (int, nat, "
                                     "mod:n, bits:n, list)", token=sort)
            self.natives[sort] = kind
        return self.natives[sort]

    def _function(self, dom: str, cod: str) -> Kind:
        """A function sort's kind: tables over a finite domain, else closures."""
        dk, ck = self._native(dom), self._native(cod)
        if dk.elements() is None:
            return ClosureKind(self, dom, cod)
        if isinstance(ck, ClosureKind):
            raise SemanticsError(f"sort {dom} -> {cod}: a table of functions over an infinite "
                                 "sort is not supported", token=dom)
        return FunKind(dk, ck, self.k, self.seed, self.device)

    def register(self, stage: Stage) -> int:
        """A kernel closures may run; its code (from 1)."""
        self.stages.append(stage)
        return len(self.stages)

    def rest(self, stage: Stage, given: int) -> str:
        """The sort of a stage's closure with ``given`` arguments stored.

        >>> t = TypedKind({"l": "list:2"}, {"xs": "l"}, k=1)
        >>> t.rest(Stage(None, ("l", "l"), "l"), 1)
        'l -> l'
        """
        tree = parse_sort(stage.result)
        for a in reversed(stage.args[given:]):
            tree = (parse_sort(a), tree)
        return sort_text(tree)

    def probes(self, sort: str) -> torch.Tensor:
        """``PROBES`` tagged values of a sort per sample, ``(PROBES, k, width)``, fixed by
        seed: where closures over that sort are compared."""
        if sort not in self._probes:
            kind = self.natives[sort]
            self._probes[sort] = torch.stack([self.encode(kind.variable(f"probe {i}"), sort)
                                              for i in range(PROBES)])
        return self._probes[sort]

    def pool(self, sort: str) -> torch.Tensor:
        """``POOL`` tagged values of a sort per sample ``(k, POOL, width)``: a random
        function's outputs."""
        if sort not in self._pools:
            kind = self.natives[sort]
            self._pools[sort] = torch.stack([self.encode(kind.variable(f"pool {i}"), sort)
                                             for i in range(POOL)], dim=1)
        return self._pools[sort]

    def masked(self, values: torch.Tensor) -> torch.Tensor:
        """Tagged values with closures' programs zeroed (their probe hash kept)."""
        if not self.closures:
            return values
        keep = self._keep[values[..., 0].clamp(0, len(self.natives) - 1)]
        cols = torch.arange(values.shape[-1], device=values.device)
        return torch.where(cols < keep[..., None], values, 0)

    def quantize(self, values: torch.Tensor) -> torch.Tensor:
        """Rows equal when the values are: closures by their probe hash only."""
        return self.masked(values).flatten(1)

    def sample_valid(self, values: torch.Tensor) -> torch.Tensor:
        """Per row and sample: whether the value is valid in its sort ``(n, k)``."""
        return self._per_sample(values, "valid")

    def closed_over(self, inst: tuple) -> bool:
        """Whether an instance (argument sorts, result sort) has a closure sort."""
        return any(s in self.closures for s in (*inst[0], inst[1]))

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
        clone = TypedKind(self.sorts, self.var_sorts, k, seed, self.device, self.num_sort,
                          self.natives)
        clone.stages, clone.random_codes = self.stages, self.random_codes
        return clone

    def exhaustive(self, names: Sequence[str], limit: int) -> TypedKind | None:
        """The kind at every assignment of their sorts' elements to ``names``, when each sort
        is a finite model and there are at most ``limit`` assignments; else None.

        >>> t = TypedKind({"b": "mod:2", "n": "nat"}, {"x": "b", "f": "b -> b", "m": "n"})
        >>> t.exhaustive(["x", "f"], 100).k, t.exhaustive(["m"], 100)
        (8, None)
        """
        sets = {v: self.natives[self.var_sorts[v]].elements() for v in names}
        if any(e is None for e in sets.values()) or math.prod(
                e.shape[0] for e in sets.values()) > limit:
            return None
        columns = product(sets)
        clone = self.resample(int(next(iter(columns.values())).shape[0]) if columns else 1,
                              self.seed)
        clone.fixed = {v: clone.encode(c, self.var_sorts[v]) for v, c in columns.items()}
        return clone

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
        if name in self.fixed:
            return self.fixed[name]
        sort = self.var_sorts[name]
        if sort in self.closures:  # a random function, tagged already
            return self.natives[sort].variable(name)
        return self.encode(self.natives[sort].variable(name), sort)

    def show(self, name: str, sample: int) -> object:
        """A variable's value at one sample as plain Python (a list's items, an integer).

        >>> t = TypedKind({"list": "list:4"}, {"xs": "list"}, k=3)
        >>> xs = t.show("xs", 0); isinstance(xs, list) and len(xs) <= 3
        True
        """
        sort = self.var_sorts[name]
        value = self.decode(self.variable(name), sort)[sample]
        return _plain(self.natives[sort], value)

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
        present = [t for t in torch.unique(flat[:, 0]).tolist() if 0 <= t < len(self.tags)]
        for tag in present:  # one sort present (and rows without value): no gathering
            sort = list(self.tags)[tag]
            rows = flat[:, 0] == tag
            payload = (flat if len(present) == 1 else flat[rows])[:, 1:1 + self.widths[sort]]
            if self.natives[sort].shape != (self.k,):
                payload = payload[:, None, :]
            got = getattr(self.natives[sort], check)(payload)
            out = got & rows if len(present) == 1 else out.index_put_((rows,), got)
        return out.reshape(values.shape[0], -1)

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows whose every sample is valid in its sort's kind (a bad tag is invalid)."""
        return self._per_sample(values, "valid").all(dim=1)

    def overflow(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with a sample that overflows its sort's kind."""
        return self._per_sample(values, "overflow").any(dim=1)


def _plain(kind: Kind, value: torch.Tensor) -> object:
    """One value of a kind as plain Python: a list's items, a function's table, a number."""
    if isinstance(kind, ListKind):
        return value[1:1 + int(value[0])].tolist()
    if isinstance(kind, FunKind):
        return [_plain(kind.cod, e) for e in kind.entries(value, kind.size)]
    if isinstance(kind, ClosureKind):
        return f"a random function {kind.spec}"
    return value.tolist()


def product(sets: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Every assignment of each name's own elements to it (the first name varies slowest).

    >>> {v: c.tolist() for v, c in product({"x": torch.tensor([0, 1]),
    ...                                    "y": torch.tensor([5, 6, 7])}).items()}
    {'x': [0, 0, 0, 1, 1, 1], 'y': [5, 6, 7, 5, 6, 7]}
    """
    total = math.prod(e.shape[0] for e in sets.values())
    rows, stride, out = torch.arange(total), total, {}
    for v, e in sets.items():
        stride //= e.shape[0]
        out[v] = e[(rows // stride) % e.shape[0]]
    return out


def _width(kind: Kind) -> int:
    """Payload entries of one value of a kind: 1 for scalars, else the value's size."""
    return int(torch.Size(kind.shape[1:]).numel()) if len(kind.shape) > 1 else 1


class TypedKernel:
    """An alias's kernel on tagged values: decode the arguments into their sorts' kinds,
    run there, encode the result in its sort. A polymorphic alias has several instances
    (argument sorts, result sort); each row runs in the instance its arguments' tags pick.

    >>> from automath.core.semantics import KERNELS
    >>> t = TypedKind({"list": "list:4", "int": "nat"}, {"xs": "list"}, k=2)
    >>> f = TypedKernel(KERNELS["length"].kernels["list"], [(("list",), "int")])
    >>> xs = t.variable("xs")
    >>> t.apply(f, [xs[None]])[0, :, 1].tolist() == xs[:, 1].tolist()
    True
    """

    def __init__(self, kernel, instances: Sequence[tuple[tuple[str, ...], str]]) -> None:
        self.kernel, self.instances = kernel, list(instances)

    def run(self, kind: TypedKind, args: Sequence[torch.Tensor]) -> torch.Tensor:
        args = torch.broadcast_tensors(*args)
        if len(self.instances) == 1:
            return self._one(kind, self.instances[0], args)
        out = torch.full((*args[0].shape[:-1], kind.shape[1]), -1, dtype=torch.int64,
                         device=args[0].device)  # tag -1: no instance fits (invalid)
        for inst in self.instances:
            rows = torch.ones(args[0].shape[0], dtype=torch.bool, device=out.device)
            for a, sort in zip(args, inst[0], strict=True):
                rows &= a[:, 0, 0] == kind.tags[sort]
            if bool(rows.any()):
                out[rows] = self._one(kind, inst, [a[rows] for a in args])
        return out

    def raw(self, kind: TypedKind, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """One instance on tagged arguments, without marking the samples where an argument
        has no value (a closure's stage, whose arguments are checked already)."""
        if isinstance(self.kernel, ClosureMaker) or (kind.closures and kind.closed_over(inst)):
            return run_closure(self.kernel, kind, inst, args)
        return self._plain(kind, inst, args)

    def _one(self, kind: TypedKind, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
        out = self.raw(kind, inst, args)
        if kind.closures and args:  # a sample where an argument has no value has none
            ok = torch.stack([kind.sample_valid(a) for a in args]).all(dim=0)
            out[..., 0] = torch.where(ok, out[..., 0], -1)
        return out

    def _plain(self, kind: TypedKind, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
        sorts, result = inst
        natives = [kind.decode(a, s) for a, s in zip(args, sorts, strict=True)]
        if isinstance(self.kernel, HigherOrder):
            out = self.kernel.typed([kind.natives[s] for s in sorts], kind.natives[result],
                                    natives)
        else:
            out = kind.natives[sorts[0]].apply(self.kernel, natives)
        return kind.encode(out, result)

    def __call__(self, kind: TypedKind) -> torch.Tensor:
        """A constant's value (nullary kernels are called with the kind)."""
        result = self.instances[0][1]
        if isinstance(self.kernel, ClosureMaker) or kind.closed_over(self.instances[0]):
            return run_closure(self.kernel, kind, self.instances[0], [])[0]
        if isinstance(self.kernel, HigherOrder):
            return kind.encode(self.kernel.typed([], kind.natives[result], []), result)
        return kind.encode(self.kernel(kind.natives[result]), result)


def typed_semantics(sem: Semantics, kind: TypedKind, aliases: Sequence[str]) -> Semantics:
    """``sem`` with a ``typed`` kernel for each alias (from its owning sort's kind family,
    or a function kernel), and each alias's instances under ``typing["instances"]``.

    The owning sort is the first argument's (a constant's: its own). A constant with several
    instances (polymorphic) becomes one constant per instance, ``alias``, ``alias@1``, …,
    listed under ``typing["variants"]``.
    """
    types = sem.typing["types"]
    ops, found, variants = dict(sem), {}, {}
    for alias in aliases:
        if alias not in types:
            raise SemanticsError(f"alias {alias!r} has no type; give it one under [types] "
                                 f"(e.g. {alias} = \"list, list -> list\")", file=sem.source,
                                 token=alias)
        found[alias] = insts = instances(alias, types[alias], kind.natives)
        op = sem[alias]
        args, result = insts[0]
        if PARTIAL in op.kernels:
            kernel = _partial(kind, alias, op.kernels[PARTIAL], insts)
        elif isinstance(op.kernels.get("fun"), str) and any(  # a function kernel, by name
                isinstance(kind.natives[s], FunKind | ClosureKind) for s in (*args, result)):
            kernel = FUNCTION_KERNELS[op.kernels["fun"]].kernels["fun"]
        else:
            kernel = sem.kernel(alias, kind.natives[args[0] if args else result].family)
        parts = [insts] if op.arity or len(insts) == 1 else [[i] for i in insts]
        names = [alias] + [f"{alias}{VARIANT}{n}" for n in range(1, len(parts))]
        for name, part in zip(names, parts, strict=True):  # a constant: one per instance
            ops[name] = Op(op.arity, op.sympy, {**op.kernels, "typed": TypedKernel(kernel, part)})
            found[name] = part
        variants |= {alias: names} if len(names) > 1 else {}
    return Semantics(ops, kind="typed", source=sem.source, predicates=sem.predicates,
                     typing={**sem.typing, "instances": found, "variants": variants})


def _partial(kind: TypedKind, alias: str, p: Partial, insts: list) -> ClosureMaker:
    """The kernel of ``alias = { partial = ... }``: a closure of the registered kernel, whose
    other arguments are the alias's result sort's (``list -> list -> list`` for append)."""
    (given, result), missing = insts[0], p.op.arity - p.given
    tree, full = parse_sort(result), list(given)
    for _ in range(missing):
        if len(insts) > 1 or not isinstance(tree, tuple):
            raise SemanticsError(f"alias {alias!r} = partial {p.name!r} needs a type without "
                                 f"'a whose result takes {missing} more arguments (e.g. "
                                 "cat = \"list -> list -> list\")", token=alias)
        full.append(sort_text(tree[0]))
        tree = tree[1]
    table = isinstance(kind.natives[result], FunKind) and missing == 1
    if not table and (result not in kind.closures or any(
            kind.widths[s] > kind.slot or s in kind.closures for s in full[:-1])):
        raise SemanticsError(f"alias {alias!r} = partial {p.name!r}: its result {result} must "
                             "be a function over an infinite sort (its given arguments plain "
                             "sorts), or a table of the last argument", token=alias)
    stage = Stage(TypedKernel(_kernel_of(p, kind, full), [(tuple(full), sort_text(tree))]),
                  tuple(full), sort_text(tree))
    return ClosureMaker(alias, kind.register(stage))


def _kernel_of(p: Partial, kind: TypedKind, sorts: Sequence[str]):
    """A partially applied kernel: a function kernel by name, else the first sort's kind's."""
    if isinstance(p.op.kernels.get("fun"), str):
        return FUNCTION_KERNELS[p.op.kernels["fun"]].kernels["fun"]
    family = kind.natives[sorts[0]].family
    if family not in p.op.kernels:
        raise SemanticsError(f"kernel {p.name!r} has no kernel for the sort {sorts[0]!r} "
                             f"(kind {family!r})", token=p.name)
    return p.op.kernels[family]


def arg_tags(kind: TypedKind, sem: Semantics, alias: str) -> list[tuple[int, ...]]:
    """The sort tags an alias's arguments must have, one tuple per instance.

    >>> t = TypedKind({"list": "list:4", "int": "nat"}, {"xs": "list"}, k=2)
    >>> arg_tags(t, Semantics(typing={"instances": {"length": [(("list",), "int")]}}),
    ...          "length")
    [(0,)]
    """
    return [tuple(kind.tags[s] for s in args) for args, _ in sem.typing["instances"][alias]]


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
    mono = [s for args, r in sem.typing["types"].values() for s in (*args, r) if "'" not in s]
    typed = TypedKind(sem.typing["sorts"], {v: declared[v] for v in names}, k, seed,
                      num_sort=num, more=mono)
    extra = constant_sorts(sem.typing["types"], list(typed.natives), lambda s: _table(typed, s))
    if extra:  # polymorphic constants: their instances' sorts join the signature's
        typed = TypedKind(sem.typing["sorts"], {v: declared[v] for v in names}, k, seed,
                          num_sort=num, more=mono + extra)
    return typed, typed_semantics(sem, typed, aliases), names


def _table(kind: TypedKind, sort: str) -> int | None:
    """The entries of one value of a sort (None: its kind cannot be made, e.g. a function
    sort whose table does not fit, or is not a table: polymorphic constants have tables)."""
    try:
        native = kind._native(sort)
    except SemanticsError:
        return None
    return None if isinstance(native, ClosureKind) else _width(native)
