"""Verification of conjectured laws: sympy for ring and field laws, truth tables for Booleans,
every weak ordering of the variables for min/max, many random samples otherwise ("tested only").
"""

from __future__ import annotations

import contextlib
import itertools
import signal
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import sympy
import torch
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, PolyRing, ring

from automath.core.errors import AutomathError
from automath.core.interpret import evaluate, to_sympy
from automath.core.kinds import BoolKind, IntKind, Kind, make_kind
from automath.core.semantics import DEFAULT_SEMANTICS
from automath.core.term import Term

if TYPE_CHECKING:
    from automath.laws.signature import Signature

ORDER_OPS = frozenset({"max", "min"})  # values decided by the order of the variables alone
RATIONAL_OPS = frozenset({"add", "sub", "mul", "neg", "div"})


class ExploreError(AutomathError):
    """Bad input to ``explore``: an unknown operator, a size too large, an overflow."""


class OrderIntKind(IntKind):
    """Integers: every assignment of 0..n-1 to the n variables, then K random points.

    The first n**n rows cover every weak ordering of the variables, so two min/max terms with
    one fingerprint are equal everywhere.

    >>> OrderIntKind(k=2, variables=("x", "y")).variable("y")[:4].tolist()
    [0, 1, 0, 1]
    """

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = ()) -> None:
        n = len(variables)
        super().__init__(n**n + k, seed, device, variables)
        grid = list(itertools.product(range(n), repeat=n))
        self._grid = torch.tensor(grid, dtype=torch.int64).reshape(n**n, n)
        self._random = k

    def variable(self, name: str) -> torch.Tensor:
        rand = torch.randint(-1000, 1001, (self._random,), generator=self._gen(name))
        col = self._grid[:, self.variables.index(name)] if name in self.variables else \
            torch.randint(-1000, 1001, (self._grid.shape[0],), generator=self._gen(name + "'"))
        return torch.cat([col, rand]).to(self.device)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError after ``seconds`` (main thread on Unix; no limit elsewhere)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def alarm(signum, frame) -> None:
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Verifier:
    """Decides a conjectured law: "proved: sympy", "proved: exhaustive", "tested only" or None.

    >>> from automath.laws.explore import signature
    >>> v = Verifier(signature("semiring"))
    >>> g = v.sig.grammar
    >>> v(g.parse("x*(y+z)"), g.parse("x*y+x*z")), v(g.parse("x*x"), g.parse("x"))
    ('proved: sympy', None)
    """

    def __init__(self, sig: Signature, timeout: float = 5.0, samples: int = 512) -> None:
        self.sig, self.timeout = sig, timeout
        self.names = tuple(str(v.token) for v in sig.variables)
        self.random = _test_kind(sig.kind, self.names, samples)
        self._grid: Kind | None = None
        self._ring: PolyRing | None = None

    def __call__(self, lhs: Term, rhs: Term) -> str | None:
        """Decide by the operators the law itself uses (built-in semantics only)."""
        kname, ops = self.sig.kind.name, _ops_in(lhs, self.sig) | _ops_in(rhs, self.sig)
        if kname == "bool" or (kname in ("int", "real") and ops <= ORDER_OPS):
            self._grid = self._grid or _exhaustive_kind(kname, self.names)
            return "proved: exhaustive" if self._agree(lhs, rhs, self._grid) else None
        rational = kname in ("modp", "int", "real") and ops <= RATIONAL_OPS | {"num"}
        if rational or kname == "real":
            poly = "div" not in ops and {*lhs.variables(), *rhs.variables()} <= set(self.names)
            verdict = self._sympy(lhs, rhs, rational, poly)
            if verdict is not None:
                return "proved: sympy" if verdict else None
        return "tested only" if self._agree(lhs, rhs, self.random) else None

    def _agree(self, lhs: Term, rhs: Term, kind: Kind) -> bool:
        """Equal at every sample where both sides are defined (and defined somewhere)."""
        a, b = (evaluate(t, kind, self.sig.semantics).reshape(kind.k, -1) for t in (lhs, rhs))
        valid = kind.valid(a) & kind.valid(b)
        return bool(valid.any()) and bool(
            (kind.quantize(a[valid]) == kind.quantize(b[valid])).all())

    def _sympy(self, lhs: Term, rhs: Term, rational: bool, polynomial: bool = False,
               ) -> bool | None:
        """True or False when sympy decides ``lhs - rhs == 0`` in time; None otherwise.

        Polynomial laws are compared in sympy's sparse polynomial ring over QQ (canonical
        forms, so equality is exact and no expression trees are built).
        """
        try:
            with _time_limit(self.timeout):
                if rational and polynomial:
                    return self._poly(lhs) == self._poly(rhs)
                a, b = (to_sympy(t, self.sig.semantics) for t in (lhs, rhs))
                diff = sympy.cancel(sympy.together(a - b)) if rational else sympy.simplify(a - b)
                return bool(diff == 0) if rational or diff == 0 else None
        except (TimeoutError, TypeError, ValueError, ZeroDivisionError):
            return None


    def _poly(self, term: Term) -> PolyElement:
        """A term in the ring QQ[variables] (built-in add, sub, mul, neg and numerals)."""
        if self._ring is None:
            self._ring = ring(self.names or ("_",), QQ)[0]
        gens, ground = self._ring.gens, self._ring.ground_new
        return to_sympy(term, self.sig.semantics, symbol=lambda v: gens[self.names.index(v)],
                        number=lambda n: ground(QQ.from_sympy(sympy.Rational(n))))


def _ops_in(term: Term, sig: Signature) -> set[str]:
    """The operators of a term ("num" for numerals); one with user semantics counts as
    unknown ("?"), so no built-in decision procedure applies to it."""
    if term.op == "var":
        return set()
    own = {"num"} if term.op == "num" else {
        term.op if sig.semantics.get(term.op) is DEFAULT_SEMANTICS.get(term.op) else "?"}
    return own.union(*(_ops_in(a, sig) for a in term.args))


def _exhaustive_kind(kname: str, names: tuple[str, ...]) -> Kind:
    if kname == "bool":
        if len(names) > 12:
            raise ExploreError("truth tables of more than 12 variables are not exhaustive")
        return BoolKind(variables=names)
    return OrderIntKind(k=0, variables=names)


def _test_kind(kind: Kind, names: tuple[str, ...], samples: int) -> Kind:
    """A fresh kind of the same name with many more samples and another seed (reals over
    [-2, 2], so a law true only for positive values is caught)."""
    if kind.name == "int":
        return OrderIntKind(k=samples, seed=kind.seed + 1, variables=names)
    extra = {"m": kind.m + 1} if kind.name == "perm" else {}
    extra = {"low": -2.0, "high": 2.0} if kind.name == "real" else extra
    return make_kind(kind.name, k=samples, seed=kind.seed + 1, variables=names, **extra)
