"""Function sorts of typed signatures (issue 15.3): functions from a finite domain as
tables (``FunKind``), and the kernels over them — application, composition, identity,
constant functions and ``map`` over lists.

A sort ``a -> b`` (in ``[types]`` and ``[vars]`` of a semantics file, or named under
``[sorts]``: ``fun = "elem -> elem"``) holds at each sample a table of b-values, one per
element of a (so a must be finite: ``mod:n``, ``bits:n``, ``perm:n``, ``table:n``, or a
function sort over those). Curried functions ``a -> b -> c`` are tables of tables, so a
partial application ``g x`` is a value like any other. Variables of a function sort are
random functions at each sample. The kernels are ``HigherOrder``: a typed signature calls
them with the kinds of their arguments' sorts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy
import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import Kind
from automath.core.models import assignments
from automath.core.semantics import Op

MAX_TABLE = 1024  # entries of one function table (domain size times codomain width)
MAX_ELEMENTS = 4096  # a function sort lists its elements (a finite model) up to this many


class FunKind(Kind):
    """Functions from a finite domain to a codomain, as tables (``a -> b`` in a typed
    signature): one row per sample of the codomain's value at each domain element, in the
    order of ``dom.elements()``. A variable is a random function at each sample.

    >>> from automath.core.models import ModKind
    >>> f = FunKind(ModKind(n=3), ModKind(n=2), k=4); f.shape, f.variable("f").max() <= 1
    ((4, 3), tensor(True))
    >>> FunKind(ModKind(n=2), ModKind(n=2)).elements().tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """

    name = "fun"
    dtype = torch.int64

    def __init__(self, dom: Kind, cod: Kind, k: int = 16, seed: int = 0,
                 device: str | torch.device = "cpu", variables: Sequence[str] = ()) -> None:
        super().__init__(k, seed, device, variables)
        el = dom.elements()
        if el is None:
            raise SemanticsError(f"a function sort needs a finite domain (mod:n, bits:n, "
                                 f"perm:n, table:n or a function sort over them); "
                                 f"{dom.spec!r} is not", token=dom.spec)
        self.dom, self.cod, self.size = dom, cod, int(el.shape[0])
        self.width = int(torch.Size(cod.shape[1:]).numel())
        if self.size * self.width > MAX_TABLE:
            raise SemanticsError(f"functions {self.spec} need tables of {self.size} x "
                                 f"{self.width} entries; at most {MAX_TABLE}", token=self.spec)

    @property
    def spec(self) -> str:
        """``(dom -> cod)`` in the component kinds' names.

        >>> from automath.core.models import ModKind
        >>> FunKind(ModKind(n=3), ModKind(n=2)).spec
        '(mod:3 -> mod:2)'
        """
        return f"({self.dom.spec} -> {self.cod.spec})"

    @property
    def shape(self) -> tuple[int, ...]:
        """One table per sample: ``(k, domain size x codomain width)``."""
        return (self.k, self.size * self.width)

    def entries(self, values: torch.Tensor, count: int) -> torch.Tensor:
        """Tables ``(..., size*width)`` as codomain values ``(..., count, [width])``."""
        lead = values.shape[:-1]
        return values.reshape(*lead, count, *self.cod.shape[1:])

    def variable(self, name: str) -> torch.Tensor:
        """A random table per sample (random codomain elements, or the codomain kind's own
        samples where it is not finite), fixed by seed and name."""
        count, el = self.k * self.size, self.cod.elements()
        if el is not None:
            pick = torch.randint(0, el.shape[0], (count,), generator=self._gen(name))
            drawn = el[pick.to(el.device)]
        else:
            drawn = _resized(self.cod, count, self.seed).variable(name)
        return drawn.reshape(self.shape).to(self.device)

    def elements(self) -> torch.Tensor | None:
        """Every table, when the codomain is finite and there are at most ``MAX_ELEMENTS``."""
        el = self.cod.elements()
        if el is None or el.shape[0] ** self.size > MAX_ELEMENTS:
            return None
        cols = assignments(el, [str(i) for i in range(self.size)])
        return torch.stack(list(cols.values()), dim=1).reshape(-1, self.size * self.width)

    def _entry_rows(self, values: torch.Tensor) -> torch.Tensor:
        rows, n = values.shape[0], values[0].numel() if values.shape[0] else 0
        return values.reshape(rows, n // self.width, *self.cod.shape[1:])

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows whose every entry is valid in the codomain."""
        return self.cod.valid(self._entry_rows(values))

    def overflow(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with an entry that overflows the codomain."""
        return self.cod.overflow(self._entry_rows(values))

    def constant(self, value: str) -> torch.Tensor:
        """Always an error: functions have no numerals."""
        raise SemanticsError("functions have no numerals", token=str(value))

    def resample(self, k: int, seed: int) -> FunKind:
        """The same sort at ``k`` samples of another seed."""
        return FunKind(self.dom, self.cod, k, seed, self.device)


def _resized(kind: Kind, k: int, seed: int) -> Kind:
    """A kind of the same spec at ``k`` samples (for drawing many values at once)."""
    if isinstance(kind, FunKind):
        return kind.resample(k, seed)
    from automath.core.catalog import make_kind
    return make_kind(kind.spec, k=k, seed=seed)


def rank(kind: Kind, values: torch.Tensor) -> torch.Tensor:
    """The index of each value among ``kind.elements()`` (a function by mixed radix).

    >>> from automath.core.models import ModKind
    >>> rank(ModKind(n=5), torch.tensor([[3, 0]])).tolist()
    [[3, 0]]
    >>> f = FunKind(ModKind(n=2), ModKind(n=3)); rank(f, torch.tensor([[2, 1]])).tolist()
    [7]
    """
    if isinstance(kind, FunKind):
        digits = rank(kind.cod, kind.entries(values, kind.size))
        base = int(kind.cod.elements().shape[0])
        powers = base ** torch.arange(kind.size - 1, -1, -1, device=values.device)
        return (digits * powers).sum(dim=-1)
    el = kind.elements().to(values.device)
    if el.dim() == 1:
        if bool((el == torch.arange(el.shape[0], device=el.device)).all()):
            return values
        return (values[..., None] == el).int().argmax(dim=-1)
    return (values[..., None, :] == el).all(dim=-1).int().argmax(dim=-1)


class HigherOrder:
    """A kernel over function tables, for typed signatures: ``typed(arg_kinds, result_kind,
    args)`` gets each argument's sort's kind (``FunKind`` for a function sort) and the
    arguments in those kinds' layouts, and returns the result in the result kind's layout."""

    def __init__(self, name: str, body) -> None:
        self.name, self.typed = name, body

    def __call__(self, *args):
        raise SemanticsError(f"{self.name!r} works on function sorts; declare the signature's "
                             "sorts under [sorts] and [types]", token=self.name)



def _wide(kind: Kind, values: torch.Tensor) -> torch.Tensor:
    """Values of a kind with a trailing payload axis (width 1 for scalar kinds)."""
    return values.unsqueeze(-1) if len(kind.shape) == 1 else values


def _narrow(kind: Kind, values: torch.Tensor) -> torch.Tensor:
    """``_wide`` undone."""
    return values.squeeze(-1) if len(kind.shape) == 1 else values


def _lookup(fk: FunKind, f: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """Entries of tables ``f`` (..., k, size*w) at indices ``idx`` (..., k, m): (..., k, m, w)."""
    table = f.reshape(*f.shape[:-1], fk.size, fk.width)
    idx = idx.expand(*table.shape[:-2], idx.shape[-1])
    return torch.gather(table, -2, idx[..., None].expand(*idx.shape, fk.width))


def _apply(kinds: Sequence[Kind], out: Kind, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """``f x``: the entry of f's table at x's index in f's domain."""
    fk, (f, x) = kinds[0], args
    return _narrow(fk.cod, _lookup(fk, f, rank(fk.dom, x)[..., None])[..., 0, :])


def _compose(kinds: Sequence[Kind], out: Kind, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """``f . g``: the table of x ↦ f (g x) (g's entries looked up in f)."""
    (fk, gk), (f, g) = kinds, args
    inner = _narrow(gk.cod, g.reshape(*g.shape[:-1], gk.size, gk.width))
    return _lookup(fk, f, rank(fk.dom, inner)).flatten(-2)


def _identity(kinds: Sequence[Kind], out: FunKind, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """The table of x ↦ x (domain and codomain must be one kind)."""
    if out.dom.spec != out.cod.spec:
        raise SemanticsError(f"the identity needs a sort a -> a, got {out.spec}", token="id")
    table = out.dom.elements().reshape(1, -1).to(out.device)
    return table.expand(out.k, table.shape[1]).clone()


def _constant(kinds: Sequence[Kind], out: FunKind, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """``const v``: the table with v at every domain element."""
    v = _wide(kinds[0], args[0])
    return v.unsqueeze(-2).expand(*v.shape[:-1], out.size, v.shape[-1]).flatten(-2)


def _map(kinds: Sequence[Kind], out: Kind, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """``map f xs``: f at each item of a list (items must be elements of f's domain)."""
    fk, (f, xs) = kinds[0], args
    n, items = xs[..., :1], xs[..., 1:]
    inside = torch.arange(items.shape[-1], device=xs.device) < n
    if bool((inside & (items >= fk.size)).any()) or fk.width != 1:
        raise SemanticsError(f"map needs a function from list items 0..9 to them; "
                             f"{fk.spec} is not (use mod:10 for the items' sort)", token="map")
    mapped = _lookup(fk, f, rank(fk.dom, items.clamp(max=fk.size - 1)))[..., 0]
    return torch.cat([n, torch.where(inside, mapped, 0)], dim=-1)


def _k(kinds: Sequence[Kind], out: FunKind, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """The combinator K : a -> b -> a as a table (K x y = x)."""
    inner = out.cod
    if not isinstance(inner, FunKind) or inner.cod.spec != out.dom.spec:
        raise SemanticsError(f"K needs a sort a -> b -> a, got {out.spec}", token="K")
    xs = _wide(out.dom, out.dom.elements().to(out.device))  # (na, w)
    table = xs[:, None, :].expand(xs.shape[0], inner.size, xs.shape[1]).reshape(1, -1)
    return table.expand(out.k, table.shape[1]).clone()


def _s(kinds: Sequence[Kind], out: FunKind, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """The combinator S : (a -> b -> c) -> (a -> b) -> a -> c as a table
    (S f g x = f x (g x)), over every f and g of its finite argument sorts."""
    f_kind, rest = out.dom, out.cod
    ok = isinstance(f_kind, FunKind) and isinstance(f_kind.cod, FunKind) and isinstance(
        rest, FunKind) and isinstance(rest.dom, FunKind) and isinstance(rest.cod, FunKind)
    if not ok or rest.dom.dom.spec != f_kind.dom.spec or rest.dom.cod.spec != \
            f_kind.cod.dom.spec or rest.cod.cod.spec != f_kind.cod.cod.spec:
        raise SemanticsError(f"S needs a sort (a -> b -> c) -> (a -> b) -> a -> c, got "
                             f"{out.spec}", token="S")
    bc, g_kind = f_kind.cod, rest.dom
    fx = f_kind.elements().reshape(-1, f_kind.size, bc.size, bc.width)  # (nf, na, nb, wc)
    gx = _narrow(g_kind.cod, g_kind.elements().reshape(-1, g_kind.size, g_kind.width))
    rb = rank(g_kind.cod, gx)  # (ng, na): the index of g x
    at_x = torch.arange(fx.shape[1]).expand_as(rb)
    table = fx[:, at_x, rb].reshape(1, -1).to(out.device)  # (nf, ng, na, wc) flattened
    return table.expand(out.k, table.shape[1]).clone()


def _op(name: str, arity: int, body) -> Op:
    return Op(arity, sympy.Function(name) if arity else (lambda: sympy.Symbol(name)),
              {"fun": HigherOrder(name, body)})


FUNCTION_KERNELS: dict[str, Op] = {
    "apply": _op("apply", 2, _apply),
    "compose": _op("compose", 2, _compose),
    "identity": _op("identity", 0, _identity),
    "constant": _op("constant", 1, _constant),
    "map": _op("map", 2, _map),
    "K": _op("K", 0, _k),
    "S": _op("S", 0, _s),
}
"""The kernels over function sorts, by the name an ``[ops]`` entry gives."""
