"""Verification of conjectured laws: every assignment in a finite model (truth tables, ℤ/n,
Sₙ, bitsets, tables), every weak ordering of the variables for min/max, sympy for ring and
field laws, many random samples otherwise ("tested only (N samples)") — over the reals only
after a second check at 60 digits on fresh points (``automath.laws.precision``).
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

from automath.core.catalog import make_kind
from automath.core.errors import AutomathError
from automath.core.interpret import evaluate, to_sympy
from automath.core.kinds import IntKind, Kind
from automath.core.models import assignments
from automath.core.semantics import DEFAULT_SEMANTICS
from automath.core.term import Term
from automath.laws.precision import DIGITS, Unknown, confirm

if TYPE_CHECKING:
    from automath.laws.signature import Signature

ORDER_OPS = frozenset({"max", "min"})  # values decided by the order of the variables alone
RATIONAL_OPS = frozenset({"add", "sub", "mul", "neg", "div"})
ORDER_KINDS = frozenset({"int", "nat", "real"})  # kinds where every weak ordering decides min/max
EXHAUSTIVE_ROWS = 2**17  # a finite model is checked exhaustively up to this many assignments


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
    """Decides a conjectured law: "proved: exhaustive", "proved: sympy", "tested only (…)"
    or None (refuted).

    >>> from automath.laws.explore import signature
    >>> v = Verifier(signature("semiring"))
    >>> g = v.sig.grammar
    >>> v(g.parse("x*(y+z)"), g.parse("x*y+x*z")), v(g.parse("x*x"), g.parse("x"))
    ('proved: sympy', None)
    >>> v = Verifier(signature("ring", kind="mod:6")); g = v.sig.grammar
    >>> v(g.parse("x*x*x"), g.parse("x")), v(g.parse("x*x"), g.parse("x"))
    ('proved: exhaustive', None)
    """

    def __init__(self, sig: Signature, timeout: float = 5.0, samples: int = 512) -> None:
        self.sig, self.timeout = sig, timeout
        self.names = tuple(str(v.token) for v in sig.variables)
        self.random = _test_kind(sig.kind, self.names, samples)
        self._grid: Kind | None = None
        self._models: dict[tuple[str, ...], Kind | None] = {}
        self._ring: PolyRing | None = None

    def __call__(self, lhs: Term, rhs: Term) -> str | None:
        """Decide by the model and by the operators the law itself uses."""
        kname, ops = self.sig.kind.name, _ops_in(lhs, self.sig) | _ops_in(rhs, self.sig)
        model = None if _probed(self.sig, lhs, rhs) else self._model(
            tuple(dict.fromkeys(lhs.variables() + rhs.variables())))
        if model is not None:
            return "proved: exhaustive" if self._agree(lhs, rhs, model) else None
        if kname in ORDER_KINDS and ops <= ORDER_OPS:
            self._grid = self._grid or OrderIntKind(k=0, variables=self.names)
            return "proved: exhaustive" if self._agree(lhs, rhs, self._grid) else None
        rational = kname in ("modp", "int", "real") and ops <= RATIONAL_OPS | {"num"}
        if rational or kname == "real":
            poly = "div" not in ops and {*lhs.variables(), *rhs.variables()} <= set(self.names)
            verdict = self._sympy(lhs, rhs, rational, poly)
            if verdict is not None:
                return "proved: sympy" if verdict else None
        n = self._agree(lhs, rhs, self.random)
        if not n:
            return None
        return self._precise(lhs, rhs, n) if kname == "real" else f"tested only ({n} samples)"

    def _precise(self, lhs: Term, rhs: Term, n: int) -> str | None:
        """A real law tested in float64, checked again at 60 digits (None: refuted)."""
        try:
            points = confirm(lhs, rhs, self.sig.semantics, self.sig.kind.seed)
        except Unknown:
            return f"tested only ({n} samples, float64 only)"
        return None if points is None else (
            f"tested only ({n} samples; {points} points at {DIGITS} digits)")

    def _model(self, names: tuple[str, ...]) -> Kind | None:
        """The kind at every assignment of the model's elements to ``names``, if it has
        elements and few enough assignments; else None."""
        if names not in self._models:
            el, model = self.sig.kind.elements(), None
            if hasattr(self.sig.kind, "exhaustive"):  # a typed signature: each variable its sort's
                model = self.sig.kind.exhaustive(names, EXHAUSTIVE_ROWS)
            elif el is not None and el.shape[0] ** len(names) <= EXHAUSTIVE_ROWS:
                model = self.sig.kind.with_values(assignments(el, names))
            self._models[names] = model
        return self._models[names]

    def _agree(self, lhs: Term, rhs: Term, kind: Kind) -> int:
        """The number of samples where both sides are defined, when they are equal at each
        of them (and defined somewhere); 0 otherwise. Each sample is checked as a row of
        one sample, so a kind with vector values is checked like any other."""
        a, b = (evaluate(t, kind, self.sig.semantics).expand(kind.shape).unsqueeze(1)
                for t in (lhs, rhs))
        valid = kind.valid(a) & kind.valid(b)
        same = bool((kind.quantize(a[valid]) == kind.quantize(b[valid])).all())
        return int(valid.sum()) if same else 0

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


def _probed(sig: Signature, lhs: Term, rhs: Term) -> bool:
    """Whether a law of a typed signature has an operator at a sort of closures (functions
    over an infinite sort, compared at random probes: no finite model decides it)."""
    closures = getattr(sig.kind, "closures", None)
    if not closures:
        return False
    inst = sig.semantics.typing["instances"]
    ops = {t.op for side in (lhs, rhs) for t in _subterms(side)}
    return any(s in closures for op in ops for args, r in inst.get(op, ()) for s in (*args, r))


def _subterms(t: Term) -> list[Term]:
    return [t, *(n for a in t.args for n in _subterms(a))]


def _ops_in(term: Term, sig: Signature) -> set[str]:
    """The operators of a term ("num" for numerals); one with user semantics counts as
    unknown ("?"), so no built-in decision procedure applies to it."""
    if term.op == "var":
        return set()
    own = {"num"} if term.op == "num" else {
        term.op if sig.semantics.get(term.op) is DEFAULT_SEMANTICS.get(term.op) else "?"}
    return own.union(*(_ops_in(a, sig) for a in term.args))


def sample_kind(name: str, k: int, seed: int, names: tuple[str, ...]) -> Kind:
    """The kind named ``name`` with ``k`` samples of ``names``; the ``int`` kind also samples
    every ordering of the variables (so min/max laws are decided).

    >>> sample_kind("int", 2, 0, ("x", "y")).k, sample_kind("mod:3", 2, 0, ("x",)).k
    (6, 3)
    """
    if str(name).strip() == "int":
        if k < 0:
            raise ExploreError(f"k must be at least 0 for the int kind, got {k}")
        return OrderIntKind(k=k, seed=seed, variables=names)
    return make_kind(name, k=k, seed=seed, variables=names)


def _test_kind(kind: Kind, names: tuple[str, ...], samples: int) -> Kind:
    """A fresh kind of the same name with many more samples and another seed (reals over
    [-2, 2], so a law true only for positive values is caught)."""
    if kind.spec == "int":
        return OrderIntKind(k=samples, seed=kind.seed + 1, variables=names)
    if hasattr(kind, "resample"):  # a typed signature's kind
        return kind.resample(samples, kind.seed + 1)
    extra = {"m": kind.m + 1} if kind.spec == "perm" else {}
    extra = {"low": -2.0, "high": 2.0} if kind.name == "real" else extra
    return make_kind(kind.spec, k=samples, seed=kind.seed + 1, variables=names, **extra)
