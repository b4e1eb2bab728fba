"""Semantics: alias → (arity, sympy builder, torch kernel per value kind), as one table."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import sympy
import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import UNDEFINED, Kernel, Kind, P
from automath.core.lists import append, reverse
from automath.core.term import Term


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
    "identity": Op(0, lambda: sympy.Symbol("identity", commutative=False),
                   {"perm": lambda k: k.identity()}),  # and, on function sorts, id (sidecar)
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

    def __repr__(self) -> str:
        """One line: how many operators, the first names in order, the file it came from.

        >>> Semantics()
        Semantics(20 ops: add, and, cos, div, exp, false, implies, log, ... 12 more)
        """
        names = sorted(self._ops)
        more = f", ... {len(names) - 8} more" if len(names) > 8 else ""
        source = f"; from {self.source}" if self.source else ""
        return f"Semantics({len(names)} ops: {', '.join(names[:8])}{more}{source})"

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


class Composite:
    """A kernel built from other kernels by an expression tree (a ``Term`` over kernel and
    alias names; ``var`` leaves name the arguments). Kinds run it part by part
    (``Kind.apply`` calls ``run``), so their checks hold inside it.

    >>> from automath.core.catalog import make_kind
    >>> tree = Term("mul", (Term("var", token="a"), Term("num", token="2")))
    >>> c = Composite(tree, "int", KERNELS, ("a",))
    >>> make_kind("int", k=2).apply(c, [torch.tensor([[3, 4]])]).tolist()
    [[6, 8]]
    """

    def __init__(self, tree: Term, family: str, ops: Mapping[str, Op],
                 params: Sequence[str]) -> None:
        self.tree, self.family, self.ops, self.params = tree, family, ops, tuple(params)

    def run(self, kind, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """The tree's value on a batch of arguments, each part applied through ``kind``."""
        out = self._value(self.tree, kind, args)
        return out.expand(torch.broadcast_shapes(*(a.shape for a in args))) if args else out

    def __call__(self, kind) -> torch.Tensor:
        """A nullary expression's value (how nullary kernels are called)."""
        return self.run(kind, [])

    def _value(self, t: Term, kind, args: Sequence[torch.Tensor]) -> torch.Tensor:
        if t.op == "var":
            return args[self.params.index(str(t.token))]
        if t.op == "num":
            return kind.constant(str(t.token))
        kernel = self.ops[t.op].kernels[self.family]
        if not t.args:
            return kernel(kind)
        return kind.apply(kernel, [self._value(a, kind, args) for a in t.args])


class TableKernel:
    """An operator given by its table on elements 0..n-1 (any arity; nullary: an element).

    >>> TableKernel(torch.tensor([[0, 1], [1, 0]]))(torch.tensor([0, 1]),
    ...                                             torch.tensor([1, 1])).tolist()
    [1, 0]
    """

    def __init__(self, table: torch.Tensor) -> None:
        self.table = table

    def __call__(self, *args):
        if not args or not isinstance(args[0], torch.Tensor):  # nullary: called with the kind
            return torch.full(args[0].shape, int(self.table), dtype=torch.int64)
        return self.table.to(args[0].device)[tuple(args)]


PREDICATES = {"le": "a <= b", "lt": "a < b", "ge": "a >= b", "gt": "a > b", "eq": "a == b",
              "ne": "a != b"}
"""Shipped predicates, by the name a ``[predicates]`` entry may give instead of a condition."""
_COMPARE = {ast.LtE: torch.le, ast.Lt: torch.lt, ast.GtE: torch.ge, ast.Gt: torch.gt,
            ast.Eq: "eq", ast.NotEq: "ne"}
_ORDERED = frozenset({ast.LtE, ast.Lt, ast.GtE, ast.Gt})


class Predicate:
    """A condition over one or two variables (``le = "a <= b"``), evaluated at a kind's
    samples; ``render`` prints it over the law's variable names.

    >>> p = Predicate("le", ("a", "b"), "a <= b", ("cmp", ast.LtE, Term("var", token="a"),
    ...               Term("var", token="b")), {})
    >>> from automath.core.catalog import make_kind
    >>> k = make_kind("int", k=3, variables=("x", "y"))
    >>> x, y = torch.tensor([1, 2, 3]), torch.tensor([2, 2, 2])
    >>> p.render(["x", "y"]), p.holds(k, [x, y]).tolist()
    ('x <= y', [True, True, False])
    """

    def __init__(self, name: str, params: tuple[str, ...], text: str, tree: tuple,
                 table: Mapping[str, Op]) -> None:
        self.name, self.params, self.text, self.tree, self.table = name, params, text, tree, table

    @property
    def arity(self) -> int:
        """How many variables the predicate takes (1 or 2)."""
        return len(self.params)

    def holds(self, kind, columns: Sequence[torch.Tensor]) -> torch.Tensor:
        """Per sample: whether the predicate holds for the variables' values ``columns``."""
        return self._truth(self.tree, kind, [c[None] for c in columns])

    def _truth(self, node: tuple, kind, args: list[torch.Tensor]) -> torch.Tensor:
        if node[0] == "not":
            return ~self._truth(node[1], kind, args)
        if node[0] in ("and", "or"):
            a, b = (self._truth(n, kind, args) for n in node[1:])
            return a & b if node[0] == "and" else a | b
        a, b = (self._side(t, kind, args) for t in node[2:])
        ok = kind.valid(a.unsqueeze(1)) & kind.valid(b.unsqueeze(1))
        if node[1] in _ORDERED:
            if a.dim() > 1:
                raise SemanticsError(f"predicate {self.name!r} orders values of kind "
                                     f"{kind.spec!r}, which have no order", token=self.name)
            return ok & _COMPARE[node[1]](a, b)
        same = (kind.quantize(a.unsqueeze(1)) == kind.quantize(b.unsqueeze(1))).all(dim=1)
        return ok & (same if _COMPARE[node[1]] == "eq" else ~same)

    def _side(self, term: Term, kind, args: list[torch.Tensor]) -> torch.Tensor:
        """A comparison side's values, shape ``kind.shape``."""
        try:
            return Composite(term, kind.family, self.table, self.params).run(kind, args)[0]
        except KeyError as e:
            raise SemanticsError(f"predicate {self.name!r} uses {e.args[0]!r}, which has no "
                                 f"kernel for value kind {kind.family!r}",
                                 token=self.name) from None

    def render(self, names: Sequence[str]) -> str:
        """The condition's text over ``names`` (``a <= b`` as ``x <= y``)."""
        env = dict(zip(self.params, names, strict=True))

        class _Rename(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.Name:
                return ast.Name(env.get(node.id, node.id), node.ctx)
        return ast.unparse(_Rename().visit(ast.parse(self.text, mode="eval")))
