"""Finite models: ℤ/n (``mod:n``), Sₙ (``perm:n``), bitsets (``bits:n``) and a structure
given by its tables (``table:n``). Each lists its ``elements()``, so a law is checked at every
assignment of elements to its variables where there are few enough; the fingerprint samples
are every assignment too when those fit in ``GRID_CELLS`` values, else K random ones.

Writing a kind of your own: subclass ``Kind`` (``automath.core.kinds``) and give it

- ``name`` (the semantics family of its kernels, unless ``family`` says otherwise), ``dtype``
  and ``shape`` (``(k,)``, or ``(k, *one value's shape)`` for vector values);
- ``variable(name)`` → the values of a variable at the k samples, shape ``shape``;
- ``constant(text)`` → a numeral at every sample (raise ``SemanticsError`` if it has none);
- ``valid(values)`` → for values of shape ``(n, *shape)``, which of the n rows are usable
  (the verifier calls it with one row per sample, shape ``(k, 1, *value shape)``);
- optionally ``run_kernel`` (check or reduce each kernel's result), ``elements()`` (a finite
  model), ``quantize`` (rows equal exactly when the values are the same).

Register it in ``automath.core.catalog`` (``KINDS[name] = cls``, or ``SPECS[name] = factory``
for ``name:n``) and
give its family kernels with ``Op(..., {family: kernel})``. Example: ℤ/n is ``ModKind`` below,
reducing every kernel's result modulo n in ``run_kernel``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import Kind, integer

_SORT = re.compile(r"->|[(),]|'?[A-Za-z_]\w*|\S")  # tokens of a sort's text
GRID_CELLS = 1024  # a model's fingerprint is every assignment when that is at most 1024 values


def assignments(elements: torch.Tensor, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """Every assignment of the elements to the names: ``e ** len(names)`` rows per column.

    >>> {v: c.tolist() for v, c in assignments(torch.tensor([0, 1]), ["x", "y"]).items()}
    {'x': [0, 0, 1, 1], 'y': [0, 1, 0, 1]}
    """
    e, n = elements.shape[0], len(names)
    rows = torch.arange(e ** n, device=elements.device)
    return {v: elements[(rows // e ** (n - 1 - pos)) % e] for pos, v in enumerate(names)}


class FiniteModel(Kind):
    """A kind with finitely many elements: samples are every assignment when small enough.

    >>> m = ModKind(n=2, variables=("x", "y")); m.k, m.variable("y").tolist()
    (4, [0, 1, 0, 1])
    """

    _columns: Mapping[str, torch.Tensor] = {}

    def _sample_all(self) -> None:
        """Use every assignment as the samples when it fits in ``GRID_CELLS`` values."""
        el, n = self.elements(), len(self.variables)
        if el is not None and n and el.shape[0] ** n * el[0].numel() <= GRID_CELLS:
            self._columns = assignments(el, self.variables)
            self.k = el.shape[0] ** n

    def variable(self, name: str) -> torch.Tensor:
        """The column of every assignment, or k random elements (fixed by seed and name).

        >>> ModKind(n=5, k=3).variable("x").shape
        torch.Size([3])
        """
        return self._columns[name] if name in self._columns else self.random(name)

    def random(self, name: str) -> torch.Tensor:
        """K random elements, fixed by seed and name.

        >>> bool((BitsKind(n=4, k=8).random("x") < 16).all())
        True
        """
        el = self.elements()
        pick = torch.randint(0, el.shape[0], (self.k,), generator=self._gen(name))
        return el[pick.to(el.device)]


class Residues(FiniteModel):
    """A finite model on the elements 0..n-1, named ``name:n`` (ℤ/n, a table's structure).

    >>> TableKind(n=4).spec, ModKind(n=3).elements().tolist()
    ('table:4', [0, 1, 2])
    """

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = (), n: int = 2) -> None:
        super().__init__(k, seed, device, variables)
        self.n = n
        self._sample_all()

    @property
    def spec(self) -> str:
        """``name:n``."""
        return f"{self.name}:{self.n}"

    def elements(self) -> torch.Tensor:
        """0, 1, …, n-1."""
        return torch.arange(self.n, device=self.device)


class ModKind(Residues):
    """ℤ/n (``mod:n``): residues 0..n-1; every kernel's result is reduced modulo n.

    >>> z6 = ModKind(n=6, k=2); z6.apply(torch.mul, [torch.tensor([[4, 5]]),
    ...                                              torch.tensor([[3, 5]])]).tolist()
    [[0, 1]]
    """

    name = "mod"
    dtype = torch.int64

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = (), n: int = 6) -> None:
        if not 1 <= n <= 2**31:
            raise SemanticsError(f"mod:{n}: n must be in 1..2**31", token=f"mod:{n}")
        super().__init__(k, seed, device, variables, n)

    def constant(self, value: str | int) -> torch.Tensor:
        """An integer numeral modulo n.

        >>> ModKind(n=6, k=2).constant("-1").tolist()
        [5, 5]
        """
        v = integer(value, self.spec, None) % self.n
        return torch.full(self.shape, v, dtype=torch.int64, device=self.device)

    def run_kernel(self, kernel, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """The kernel's result modulo n (arguments below 2**31, so products fit in int64).

        >>> ModKind(n=5, k=1).run_kernel(torch.sub, [torch.tensor([[1]]), torch.tensor([[3]])])
        tensor([[3]])
        """
        return torch.remainder(kernel(*args), self.n)


class BitsKind(FiniteModel):
    """Bitsets of n bits (``bits:n``): subsets of {0, …, n-1} as integers; every kernel's
    result is masked to n bits, so ``not`` is the complement within the n bits.

    >>> b = BitsKind(n=4, k=1); b.apply(torch.bitwise_not, [torch.tensor([[0b0101]])]).tolist()
    [[10]]
    """

    name = "bits"
    dtype = torch.int64

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = (), n: int = 8) -> None:
        super().__init__(k, seed, device, variables)
        if not 1 <= n <= 62:
            raise SemanticsError(f"bits:{n}: n must be in 1..62", token=f"bits:{n}")
        self.n, self.mask = n, (1 << n) - 1
        self._sample_all()

    @property
    def spec(self) -> str:
        """``bits:n``.

        >>> BitsKind(n=8).spec
        'bits:8'
        """
        return f"bits:{self.n}"

    def elements(self) -> torch.Tensor | None:
        """Every subset as an integer 0 … 2**n - 1 (for n <= 16; None above).

        >>> BitsKind(n=2).elements().tolist()
        [0, 1, 2, 3]
        """
        return torch.arange(1 << self.n, device=self.device) if self.n <= 16 else None

    def random(self, name: str) -> torch.Tensor:
        """K random n-bit sets, fixed by seed and name.

        >>> bool((BitsKind(n=40, k=4).random("x") < 2**40).all())
        True
        """
        return torch.randint(0, self.mask + 1, (self.k,), generator=self._gen(name)).to(
            self.device)

    def constant(self, value: str | int | bool) -> torch.Tensor:
        """A set as an integer numeral (its bits), or True (every bit) and False (none).

        >>> b = BitsKind(n=4, k=1); b.constant(True).tolist(), b.constant("5").tolist()
        ([15], [5])
        """
        v = (self.mask if value else 0) if isinstance(value, bool) else integer(
            value, self.spec, None) & self.mask
        return torch.full(self.shape, v, dtype=torch.int64, device=self.device)

    def run_kernel(self, kernel, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """The kernel's result masked to n bits.

        >>> BitsKind(n=3, k=1).run_kernel(torch.add, [torch.tensor([[7]]), torch.tensor([[1]])])
        tensor([[0]])
        """
        return kernel(*args) & self.mask


class TableKind(Residues):
    """A finite structure on elements 0..n-1 (``table:n``) whose operators are tables
    (a semantics file's ``{ table = [...] }``, e.g. a Cayley table).

    >>> t = TableKind(n=3, variables=("x",)); t.k, t.variable("x").tolist()
    (3, [0, 1, 2])
    """

    name = "table"
    dtype = torch.int64

    def constant(self, value: str | int) -> torch.Tensor:
        """Element number ``value`` (0..n-1) at every sample.

        >>> TableKind(n=3, k=2).constant("2").tolist()
        [2, 2]
        """
        v = integer(value, self.spec, None)
        if not 0 <= v < self.n:
            raise SemanticsError(f"element {value!r} is not in 0..{self.n - 1}", token=str(value))
        return torch.full(self.shape, v, dtype=torch.int64, device=self.device)


class PermKind(FiniteModel):
    """Permutations of ``m`` points in K random models: a free-ish, non-commutative monoid.

    ``perm`` (S₆ at random points) stands for an uninterpreted operation, so its laws are
    tested only; ``perm:n`` (``model=True``) is the group Sₙ itself, a finite model whose
    laws are checked at every assignment where that is small enough.

    >>> pk = PermKind(k=2, m=5); x, y = pk.variable("x"), pk.variable("y")
    >>> bool((torch.gather(x, -1, y) == torch.gather(y, -1, x)).all())
    False
    """

    name = "perm"
    dtype = torch.int64

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = (), m: int = 6, model: bool = False) -> None:
        super().__init__(k, seed, device, variables)
        self.m, self.model = m, model
        self._sample_all()

    @property
    def spec(self) -> str:
        """``perm`` for random models, ``perm:n`` for the model Sₙ.

        >>> PermKind().spec, PermKind(m=4, model=True).spec
        ('perm', 'perm:4')
        """
        return f"perm:{self.m}" if self.model else "perm"

    def elements(self) -> torch.Tensor | None:
        """All n! permutations of Sₙ (``perm:n``, n <= 8); None for random models.

        >>> PermKind(m=3, model=True).elements().shape, PermKind().elements() is None
        (torch.Size([6, 3]), True)
        """
        if not self.model or self.m > 8:
            return None
        return torch.tensor(list(itertools.permutations(range(self.m))),
                            dtype=torch.int64, device=self.device)

    @property
    def shape(self) -> tuple[int, ...]:
        """One permutation of ``m`` points per model: ``(k, m)``.

        >>> PermKind(k=2, m=3).shape
        (2, 3)
        """
        return (self.k, self.m)

    def random(self, name: str) -> torch.Tensor:
        """A random permutation per model, fixed by seed and name.

        >>> x = PermKind(k=3, m=5).random("x"); x.shape
        torch.Size([3, 5])
        >>> (x.sort(dim=1).values == torch.arange(5)).all().item()  # each row is a permutation
        True
        """
        g = self._gen(name)
        return torch.stack([torch.randperm(self.m, generator=g) for _ in range(self.k)]).to(
            self.device)

    def identity(self) -> torch.Tensor:
        """The identity permutation in every model.

        >>> pk = PermKind(k=2, m=4); x = pk.variable("x")
        >>> pk.identity()[0].tolist(), bool((torch.gather(x, -1, pk.identity()) == x).all())
        ([0, 1, 2, 3], True)
        """
        return torch.arange(self.m, device=self.device).expand(self.k, self.m).clone()

    def constant(self, value: str) -> torch.Tensor:
        """Always an error: permutation models have no numerals.

        >>> PermKind().constant("1")
        Traceback (most recent call last):
        ...
        automath.core.errors.SemanticsError: permutation models have no numerals (at token '1')
        """
        raise SemanticsError("permutation models have no numerals", token=str(value))

def parse_sort(text: str) -> str | tuple:
    """A sort as a tree: a name, or ``(domain, codomain)`` for ``a -> b`` (``->`` groups to
    the right); a type variable keeps its quote (``'a``). ValueError on bad text.

    >>> parse_sort("(elem -> elem) -> list -> list")
    (('elem', 'elem'), ('list', 'list'))
    """
    tokens = _SORT.findall(text)
    tree, end = _sort_at(tokens, 0)
    if end != len(tokens):
        raise ValueError(f"unexpected {tokens[end]!r}")
    return tree


def _sort_at(tokens: Sequence[str], pos: int) -> tuple:
    if pos < len(tokens) and tokens[pos] == "(":
        left, pos = _sort_at(tokens, pos + 1)
        if pos >= len(tokens) or tokens[pos] != ")":
            raise ValueError("a '(' is not closed")
        pos += 1
    elif pos < len(tokens) and re.fullmatch(r"'?[A-Za-z_]\w*", tokens[pos]):
        left, pos = tokens[pos], pos + 1
    else:
        raise ValueError("a sort is missing" if pos >= len(tokens) else
                         f"unexpected {tokens[pos]!r}")
    if pos < len(tokens) and tokens[pos] == "->":
        right, pos = _sort_at(tokens, pos + 1)
        return (left, right), pos
    return left, pos


def sort_text(tree: str | tuple) -> str:
    """A sort tree as canonical text.

    >>> sort_text(parse_sort("((a -> b)) -> (c -> d)"))
    '(a -> b) -> c -> d'
    """
    if isinstance(tree, str):
        return tree
    dom = sort_text(tree[0])
    return f"({dom}) -> {sort_text(tree[1])}" if isinstance(tree[0], tuple) else \
        f"{dom} -> {sort_text(tree[1])}"


def split_type(text: str, arity: int | None) -> tuple[list[str], str]:
    """An alias type's argument sorts and result sort: ``arity`` arguments split off at
    top-level commas and the first top-level ``->`` (``None``: as many as it has).

    >>> split_type("(a -> b), list -> list", 2), split_type("a -> b", 0)
    ((['(a -> b)', 'list'], 'list'), ([], 'a -> b'))
    """
    if arity == 0:
        return [], text
    depth, cuts, arrow = 0, [], None
    for m in _SORT.finditer(text):
        depth += {"(": 1, ")": -1}.get(m.group(), 0)
        if depth == 0 and m.group() == "," and arrow is None:
            cuts.append(m.start())
        elif depth == 0 and m.group() == "->" and arrow is None:
            arrow = m.start()
    if arrow is None:
        return [], text
    bounds = [-1, *cuts, arrow]
    args = [text[a + 1:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    return [a.strip() for a in args if a.strip()], text[arrow + 2:].strip()
