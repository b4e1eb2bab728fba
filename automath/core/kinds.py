"""Value kinds: what an element's fingerprint is made of, and how it is hashed.

Each kind evaluates terms at K fixed random samples: reals at K points (float64), residues
modulo the prime 2**31 - 1, bounded integers, truth tables, or permutations of ``m`` points in
K random models (so an uninterpreted ``mul`` stays non-commutative). A fingerprint with NaN,
inf or overflow anywhere is *invalid*: such an element is dropped, never merged with another.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable, Mapping, Sequence

import sympy
import torch

from automath.core.errors import SemanticsError

P = 2_147_483_647  # the Mersenne prime 2**31 - 1: products of residues fit in int64
INT_LIMIT = 2**50  # |value| above this counts as overflow in the `int` kind
OVERFLOW = INT_LIMIT + 1  # an integer result beyond the bound
UNDEFINED = -(2**62)  # an integer result that has no value (x / 0, an inexact quotient)
FLOAT_LIMIT = 1e300  # a real numeral beyond this is refused (float64 ends near 1.8e308)

Kernel = Callable[..., torch.Tensor]
EXACT_KERNELS: set[Kernel] = {torch.gcd, torch.lcm, torch.bitwise_or, torch.bitwise_and,
                              torch.bitwise_xor, torch.bitwise_not, torch.maximum, torch.minimum,
                              torch.remainder}
"""Integer kernels whose results cannot leave the int64 range for arguments within ±2**50
(the ``int`` kind runs them once, exactly, with no float64 rerun to detect overflow)."""

_MULTIPLIERS: dict[tuple[int, str], torch.Tensor] = {}


def _multipliers(d: int, device: torch.device) -> torch.Tensor:
    key = (d, str(device))
    if key not in _MULTIPLIERS:
        g = torch.Generator().manual_seed(0x5EED + d)
        odd = torch.randint(-(2**62), 2**62, (d,), generator=g, dtype=torch.int64) * 2 + 1
        _MULTIPLIERS[key] = odd.to(device)
    return _MULTIPLIERS[key]


def fingerprint_hash(q: torch.Tensor) -> torch.Tensor:
    """Hash rows of an int64 matrix to int64: ``Σ_d q_d · m_d`` with random odd ``m_d``.

    Multiplication wraps modulo 2**64, so two distinct rows collide with probability about
    2**-63; every hash match is confirmed by comparing rows exactly, so a collision costs
    time, never a false merge.

    >>> q = torch.tensor([[1, 2], [1, 2], [2, 1]])
    >>> h = fingerprint_hash(q); bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    return (q * _multipliers(q.shape[1], q.device)).sum(dim=1)


class Kind:
    """Base of value kinds: samples, variables, constants, validity, quantization."""

    name = "kind"
    dtype = torch.float64

    @property
    def family(self) -> str:
        """The name under which the semantics table holds this kind's kernels.

        >>> RealKind().family, IntKind().family
        ('real', 'int')
        """
        return self.name

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = ()) -> None:
        self.k, self.seed, self.device = k, seed, torch.device(device)
        self.variables = tuple(variables)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one element's fingerprint: ``(k,)``.

        >>> RealKind(k=5).shape
        (5,)
        """
        return (self.k,)

    def _gen(self, name: str) -> torch.Generator:
        return torch.Generator().manual_seed(zlib.crc32(f"{self.seed}:{name}".encode()))

    def apply(self, kernel: Kernel, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """Run a kernel on a batch of argument values, each of shape ``(n, *shape)``.

        A kernel built from other kernels (``run(kind, args)``, e.g. a semantics file's
        expression) applies each of its parts through this method, so a kind's checks
        (overflow, reduction modulo n) hold inside it too.

        >>> Kind().apply(torch.add, [torch.tensor([[1, 2]]), torch.tensor([[3, 4]])]).tolist()
        [[4, 6]]
        """
        run = getattr(kernel, "run", None)
        return run(self, args) if run is not None else self.run_kernel(kernel, args)

    def run_kernel(self, kernel: Kernel, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """Run one plain kernel (the hook a kind overrides to check or reduce results).

        >>> Kind().run_kernel(torch.neg, [torch.tensor([[1, 2]])]).tolist()
        [[-1, -2]]
        """
        return kernel(*args)

    def elements(self) -> torch.Tensor | None:
        """Every value of a finite model (one row each), or None where the kind is not one.

        A kind with elements is checked exhaustively: a law holds in the model when it
        holds at every assignment of elements to its variables.

        >>> Kind().elements() is None, BoolKind().elements().tolist()
        (True, [False, True])
        """
        return None

    def with_values(self, values: Mapping[str, torch.Tensor]) -> Kind:
        """A copy of this kind whose variables take the given columns of values as samples.

        >>> b = BoolKind(variables=("p",)).with_values({"p": torch.tensor([True, True, False])})
        >>> b.k, b.variable("p").tolist(), b.constant("true").tolist()
        (3, [True, True, False], [True, True, True])
        """
        clone = copy.copy(self)
        clone.k = int(next(iter(values.values())).shape[0]) if values else 1
        clone.variable = lambda name: _fixed(values, name)
        return clone

    def overflow(self, values: torch.Tensor) -> torch.Tensor:
        """Rows that are invalid because a value left the kind's bounds (not undefined).

        >>> Kind().overflow(torch.zeros(2, 3)).tolist()
        [False, False]
        """
        return torch.zeros(values.shape[0], dtype=torch.bool, device=values.device)

    @property
    def spec(self) -> str:
        """The name ``make_kind`` builds this kind from (``mod:6``, ``perm:3``, ``real``).

        >>> RealKind().spec
        'real'
        """
        return self.name

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows whose fingerprint is usable (no NaN, inf or overflow).

        The base kind accepts every row; each kind below narrows this.

        >>> Kind().valid(torch.zeros(2, 3)).tolist()
        [True, True]
        """
        return torch.ones(values.shape[0], dtype=torch.bool, device=values.device)

    def quantize(self, values: torch.Tensor) -> torch.Tensor:
        """Rows of int64 such that equal rows mean the same element.

        >>> Kind().quantize(torch.tensor([[[1, 2], [3, 4]]])).tolist()  # one row per element
        [[1, 2, 3, 4]]
        """
        return values.flatten(1).to(torch.int64)

    def key(self, values: torch.Tensor) -> torch.Tensor:
        """One int64 hash per row.

        >>> h = Kind().key(torch.tensor([[1, 2], [1, 2], [2, 1]]))
        >>> h.shape, bool(h[0] == h[1]), bool(h[1] == h[2])
        (torch.Size([3]), True, False)
        """
        return fingerprint_hash(self.quantize(values))

    def __repr__(self) -> str:
        """A one-line description: class, spec, samples, seed, variables (and a device).

        >>> RealKind(k=8, variables=("x", "y"))
        RealKind('real', k=8, seed=0, variables=('x', 'y'))
        """
        extra = f", variables={self.variables!r}" if self.variables else ""
        extra += f", device='{self.device}'" if self.device.type != "cpu" else ""
        return f"{type(self).__name__}({self.spec!r}, k={self.k}, seed={self.seed}{extra})"

    def describe(self) -> str:
        """The kind's name with its sample count and seed.

        >>> RealKind(k=8, seed=3).describe(), BoolKind(variables=("p",)).describe()
        ('real(k=8, seed=3)', 'bool(k=2, seed=0)')
        """
        return f"{self.spec}(k={self.k}, seed={self.seed})"


def _fixed(values: Mapping[str, torch.Tensor], name: str) -> torch.Tensor:
    if name not in values:
        raise SemanticsError(f"variable {name!r} has no values here (have: {sorted(values)})",
                             token=name)
    return values[name]


def integer(value: str | int, kind: str, limit: int | None = INT_LIMIT) -> int:
    """A numeral as an integer, or a clear error (a fraction; beyond ``limit`` in size).

    >>> integer("-7", "int"), integer(2**60, "modp", None) == 2**60
    (-7, True)
    >>> integer("1" + "0" * 30, "int")
    Traceback (most recent call last):
    ...
    automath.core.errors.SemanticsError: numeral '1000000000000000000000000000000' is beyond \
the 'int' kind's bound 2**50 (at token '1000000000000000000000000000000')
    """
    r = sympy.Rational(str(value))
    if r.q != 1:
        raise SemanticsError(f"numeral {value!r} is not an integer; kind {kind!r} needs one",
                             token=str(value))
    if limit is not None and abs(int(r)) > limit:
        raise SemanticsError(f"numeral {value!r} is beyond the {kind!r} kind's bound "
                             f"2**{limit.bit_length() - 1}", token=str(value))
    return int(r)


class RealKind(Kind):
    """Real values at K random points in [low, high] (float64).

    Two values count as equal when they round to the same 26-bit mantissa (about 8
    significant digits; values of size at most 1e-9 count as 0), which absorbs floating-point
    reassociation error. Rounding works on the float64 bit pattern: add half of the dropped
    bits, shift them out.

    >>> r = RealKind(k=4)
    >>> x = r.variable("x"); bool((r.key(torch.stack([x * (x + 1)])) ==
    ...                            r.key(torch.stack([x * x + x]))).all())
    True
    """

    name = "real"

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = (), low: float = 0.5, high: float = 2.0) -> None:
        super().__init__(k, seed, device, variables)
        self.low, self.high = low, high

    def variable(self, name: str) -> torch.Tensor:
        """The values of variable ``name``: k points in [low, high], fixed by seed and name.

        >>> r = RealKind(k=6); x = r.variable("x")
        >>> bool(((x >= .5) & (x <= 2)).all()), bool((x == r.variable("x")).all())
        (True, True)
        >>> bool((x == RealKind(k=6, seed=1).variable("x")).any())
        False
        """
        u = torch.rand(self.k, generator=self._gen(name), dtype=torch.float64)
        return (self.low + (self.high - self.low) * u).to(self.device)

    def constant(self, value: str | float) -> torch.Tensor:
        """A numeral (integer, decimal or fraction) at every sample.

        >>> RealKind(k=3).constant("1/4").tolist()
        [0.25, 0.25, 0.25]
        >>> RealKind(k=3).constant("1e400")
        Traceback (most recent call last):
        ...
        automath.core.errors.SemanticsError: numeral '1e400' is beyond the float64 range of \
kind 'real' (|v| <= 1e300) (at token '1e400')
        """
        v = float(sympy.Rational(str(value)))
        if not abs(v) <= FLOAT_LIMIT:
            raise SemanticsError(f"numeral {value!r} is beyond the float64 range of kind "
                                 f"'real' (|v| <= 1e300)", token=str(value))
        return torch.full(self.shape, v, dtype=self.dtype, device=self.device)

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with every value finite: their sum is finite (a sum beyond the float64 range,
        which needs values above about 1e307, counts as overflow too).

        >>> RealKind(k=3).valid(torch.tensor([[1., float("nan"), 0.], [1., 2., 3.],
        ...                                   [float("inf"), -float("inf"), 1.]])).tolist()
        [False, True, False]
        """
        return torch.isfinite(values.flatten(1).sum(dim=1))

    def quantize(self, values: torch.Tensor) -> torch.Tensor:
        """Float64 bit patterns rounded to 26 mantissa bits (tiny values become 0).

        >>> q = RealKind(k=3).quantize(torch.tensor([[1., 1e-12, 3.], [1. + 1e-12, 0., 3.001]],
        ...                                         dtype=torch.float64))
        >>> (q[0] == q[1]).tolist()  # rounding error and tiny values agree; 0.001 does not
        [True, True, False]
        """
        v = torch.nn.functional.hardshrink(values, 1e-9)  # |v| <= 1e-9 becomes 0
        return v.view(torch.int64).add_(1 << 25).bitwise_right_shift_(26).flatten(1)


class ModpKind(Kind):
    """Residues modulo the prime 2**31 - 1: exact ring arithmetic, no overflow.

    >>> m = ModpKind(k=3); x = m.variable("x")
    >>> bool(((x * x) % 2147483647 == m.apply(lambda a, b: a * b % 2147483647, [x, x])).all())
    True
    """

    name = "modp"
    dtype = torch.int64

    def variable(self, name: str) -> torch.Tensor:
        """The values of variable ``name``: k random residues, fixed by seed and name.

        >>> x = ModpKind(k=5).variable("x"); bool(((x >= 0) & (x < 2**31 - 1)).all())
        True
        """
        return torch.randint(0, P, self.shape, generator=self._gen(name)).to(self.device)

    def constant(self, value: str | int) -> torch.Tensor:
        """An integer numeral reduced modulo p; a fraction is an error.

        >>> ModpKind(k=2).constant("-1").tolist()
        [2147483646, 2147483646]
        >>> ModpKind(k=2).constant("1/2")
        Traceback (most recent call last):
        ...
        automath.core.errors.SemanticsError: numeral '1/2' is not an integer; kind 'modp' needs \
one (at token '1/2')
        """
        return torch.full(self.shape, integer(value, "modp", None) % P, dtype=torch.int64,
                          device=self.device)

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with no negative entry (kernels mark an undefined value, like ``x / 0``, -1).

        >>> ModpKind(k=3).valid(torch.tensor([[1, 2, 3], [-1, 2, 3]])).tolist()
        [True, False]
        """
        return (values >= 0).flatten(1).all(dim=1)


class IntKind(Kind):
    """Integers at K random points in [-1000, 1000]; |value| > 2**50 is an overflow.

    >>> i = IntKind(k=2); big = torch.full((1, 2), 2**40)
    >>> bool(i.valid(i.apply(torch.mul, [big, big]))[0])
    False
    """

    name = "int"
    dtype = torch.int64

    def variable(self, name: str) -> torch.Tensor:
        """The values of variable ``name``: k random integers in [-1000, 1000].

        >>> x = IntKind(k=5).variable("x"); x.dtype, bool((x.abs() <= 1000).all())
        (torch.int64, True)
        """
        return torch.randint(-1000, 1001, self.shape, generator=self._gen(name)).to(self.device)

    def constant(self, value: str | int) -> torch.Tensor:
        """An integer numeral at every sample; a fraction is an error.

        >>> IntKind(k=2).constant("-7").tolist()
        [-7, -7]
        """
        return torch.full(self.shape, integer(value, self.name), dtype=torch.int64,
                          device=self.device)

    def run_kernel(self, kernel: Kernel, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """Run a kernel exactly, marking results beyond ±2**50 (checked in float64) as
        overflow, and results of invalid arguments as undefined. Integer-only kernels
        (``EXACT_KERNELS``, or any that float64 refuses) run once, exactly.

        >>> i = IntKind(k=2)
        >>> out = i.apply(torch.mul, [torch.tensor([[3, 2**30]]), torch.tensor([[4, 2**30]])])
        >>> out[0, 0].item(), out[0, 1].item() == OVERFLOW
        (12, True)
        >>> i.apply(torch.gcd, [torch.tensor([[12, 7]]), torch.tensor([[18, 0]])]).tolist()
        [[6, 7]]
        """
        exact = kernel(*args)
        if kernel not in EXACT_KERNELS:
            try:
                approx = kernel(*(a.to(torch.float64) for a in args))
                exact = torch.where(approx.abs() > INT_LIMIT, OVERFLOW, exact)
            except (NotImplementedError, RuntimeError, TypeError):
                pass  # an integer-only user kernel: its exact result stands
        bad = torch.zeros_like(exact, dtype=torch.bool)
        for a in args:
            bad = bad | (a.abs() > INT_LIMIT)
        return torch.where(bad, UNDEFINED, exact)

    def overflow(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with a value beyond ±2**50 that is not an undefined one (like ``x / 0``).

        >>> IntKind(k=2).overflow(torch.tensor([[OVERFLOW, 0], [UNDEFINED, 1], [3, 4]])).tolist()
        [True, False, False]
        """
        v = values.flatten(1)
        return ((v.abs() > INT_LIMIT) & (v != UNDEFINED)).any(dim=1)

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with every |value| at most 2**50.

        >>> IntKind(k=2).valid(torch.tensor([[2**50, -2**50], [2**50 + 1, 0]])).tolist()
        [True, False]
        """
        return values.flatten(1).abs().amax(dim=1) <= INT_LIMIT


class BoolKind(Kind):
    """Truth tables: all 2**n assignments of the n variables (random rows if n > 12).

    >>> b = BoolKind(variables=("p", "q")); b.variable("q").tolist()
    [False, True, False, True]
    """

    name = "bool"
    dtype = torch.bool

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = ()) -> None:
        n = len(variables)
        super().__init__(2**n if n <= 12 else k, seed, device, variables)
        rows = torch.arange(self.k) if n <= 12 else torch.randint(
            0, 2**n, (k,), generator=self._gen("rows"))
        bits = torch.arange(n - 1, -1, -1)
        self._table = ((rows[:, None] >> bits) & 1).bool().to(self.device)

    def variable(self, name: str) -> torch.Tensor:
        """The column of variable ``name`` in the truth table; undeclared names are an error.

        >>> BoolKind(variables=("p", "q")).variable("p").tolist()
        [False, False, True, True]
        """
        if name not in self.variables:
            raise SemanticsError(f"variable {name!r} is not among the declared ones "
                                 f"{list(self.variables)}", token=name)
        return self._table[:, self.variables.index(name)]

    def constant(self, value: bool | str) -> torch.Tensor:
        """True (``True``, ``true`` or ``1``) or False at every row.

        >>> b = BoolKind(variables=("p",)); b.constant("true").tolist(), b.constant(0).tolist()
        ([True, True], [False, False])
        """
        return torch.full(self.shape, str(value) in ("True", "1", "true"), device=self.device)

    def elements(self) -> torch.Tensor:
        """The two truth values: a finite model.

        >>> BoolKind().elements().tolist()
        [False, True]
        """
        return torch.tensor([False, True], device=self.device)


KINDS: dict[str, type[Kind]] = {c.name: c for c in (RealKind, ModpKind, IntKind, BoolKind)}
"""The core kinds; ``automath.core.catalog`` names every kind, models included."""


def check_samples(k: object) -> None:
    """Refuse a sample count that cannot tell values apart.

    >>> check_samples(0)
    Traceback (most recent call last):
    ...
    automath.core.errors.SemanticsError: k = 0 samples cannot tell values apart; use k >= 1 \
(16 is the default) (at token 'k=0')
    """
    if isinstance(k, int) and k < 1:
        raise SemanticsError(f"k = {k} samples cannot tell values apart; use k >= 1 (16 is "
                             "the default)", token=f"k={k}")
