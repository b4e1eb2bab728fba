"""Exact recovery: checks that a formula found from data is exactly the target.

``is_exact`` never guesses: a formula counts as exact only if it agrees with the target on a
dense grid of the domain **and** either sympy reduces the difference to 0 within a time limit
(in a child process, so it never hangs), or — where sympy gives up — the difference vanishes to
40 significant digits at random points evaluated with 50-digit arithmetic. A near miss such as
``x**3 + x**2 + 1.0001*x`` fails the grid check at once.

The goals that complete a search live in ``goals``, formulas as torch modules and their
constants in ``formula``.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Mapping, Sequence

import numpy as np
import sympy

from automath.core.parsing import parse_sympy

Ranges = Mapping[str, tuple[float, float]]
_PROOFS = (sympy.simplify, lambda e: sympy.expand(sympy.expand_log(e, force=True)),
           lambda e: sympy.simplify(sympy.expand_log(sympy.logcombine(e, force=True),
                                                     force=True)),
           sympy.trigsimp, lambda e: sympy.simplify(sympy.expand_trig(e)))


def as_sympy(expr: object, variables: Sequence[str], ranges: Ranges | None = None) -> sympy.Expr:
    """Read text with the safe parser (``core.parsing``; no ``sympify``), or re-symbol an
    expression, with real variables, positive where the range is.

    >>> as_sympy("sqrt(x*x)", ["x"], {"x": (0.0, 4.0)})
    x
    """
    syms = _symbols(variables, ranges or {})
    out = expr if isinstance(expr, sympy.Basic) else parse_sympy(str(expr), names=syms)
    return out.subs({s: syms[s.name] for s in out.free_symbols if s.name in syms})


def _symbols(variables: Sequence[str], ranges: Ranges) -> dict[str, sympy.Symbol]:
    def assume(lo: float) -> dict[str, bool]:
        return {"positive": True} if lo > 0 else {"nonnegative": True} if lo >= 0 else {}
    return {v: sympy.Symbol(v, real=True, **assume(ranges.get(v, (-1, 1))[0]))
            for v in variables}


def grid(ranges: Ranges, variables: Sequence[str], n: int = 4096, seed: int = 0) -> np.ndarray:
    """Points of the domain's interior: a lattice plus uniform random points, shape (m, d).

    >>> grid({"x": (0.0, 1.0)}, ["x"], n=4).ravel().tolist()[:4]
    [0.125, 0.375, 0.625, 0.875]
    """
    d = len(variables)
    per = max(2, int(round(n ** (1 / max(d, 1)))))
    axes = [np.linspace(*ranges[v], 2 * per + 1)[1::2] for v in variables]
    lattice = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, d)
    lo, hi = (np.array([ranges[v][i] for v in variables]) for i in (0, 1))
    rand = lo + (hi - lo) * np.random.default_rng(seed).uniform(0.01, 0.99, (n, d))
    return np.concatenate([lattice, rand])


def agree_on_grid(found: sympy.Expr, target: sympy.Expr, variables: Sequence[str],
                  ranges: Ranges, rtol: float = 1e-9) -> bool:
    """Where the target is finite on the grid, the found formula is finite and equal (rtol).

    >>> x = sympy.Symbol("x")
    >>> agree_on_grid(x**3 + x**2 + 1.0001*x, x**3 + x**2 + x, ["x"], {"x": (-1, 1)})
    False
    """
    pts = grid(ranges, variables)
    syms = [sympy.Symbol(v, **_assumptions(found, target, v)) for v in variables]
    with np.errstate(all="ignore"):
        f, t = (np.broadcast_to(np.asarray(sympy.lambdify(syms, e, "numpy")(*pts.T),
                                           dtype=complex), len(pts)) for e in (found, target))
    ok = np.isfinite(t) & (np.abs(t.imag) < 1e-12)
    if not ok.any():
        return False
    f, t = f[ok], t[ok].real
    return bool(np.all(np.isfinite(f)) and np.all(np.abs(f - t) <= rtol * (1 + np.abs(t))))


def _assumptions(found: sympy.Expr, target: sympy.Expr, name: str) -> dict[str, bool]:
    for s in found.free_symbols | target.free_symbols:
        if s.name == name:
            return dict(s.assumptions0)
    return {}


def _prove_zero(diff: sympy.Expr, conn) -> None:
    """In a child: send True if one of the simplifications reduces ``diff`` to 0."""
    for proof in _PROOFS:
        try:
            if proof(diff) == 0:
                conn.send(True)
                return
        except Exception:
            continue
    conn.send(False)


def prove_zero(diff: sympy.Expr, timeout: float = 5.0) -> bool | None:
    """True if sympy reduces ``diff`` to 0 within ``timeout`` s; False if not; None on timeout.

    >>> x = sympy.Symbol("x", positive=True)
    >>> prove_zero(sympy.log(x + 1) + sympy.log(x**2 + 1) - sympy.log((x + 1)*(x**2 + 1)))
    True
    """
    if diff == 0:
        return True
    if "fork" not in multiprocessing.get_all_start_methods():
        return _prove_in_thread(diff, timeout)
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_prove_zero, args=(diff, send), daemon=True)
    proc.start()
    answer = recv.recv() if recv.poll(timeout) else None
    if proc.is_alive():
        proc.kill()
    proc.join()
    return answer


def _prove_in_thread(diff: sympy.Expr, timeout: float) -> bool | None:
    box: list[bool] = []

    class _Conn:
        def send(self, v: bool) -> None:
            box.append(v)

    t = threading.Thread(target=_prove_zero, args=(diff, _Conn()), daemon=True)
    t.start()
    t.join(timeout)
    return box[0] if box else None


def vanishes_precisely(diff: sympy.Expr, variables: Sequence[str], ranges: Ranges,
                       points: int = 8, digits: int = 50) -> bool:
    """``diff`` is 0 to ``digits - 10`` significant digits at random interior points.

    >>> x = sympy.Symbol("x")
    >>> vanishes_precisely(sympy.sin(x)**2 + sympy.cos(x)**2 - 1, ["x"], {"x": (-1, 1)})
    True
    """
    rng = np.random.default_rng(1)
    syms = {s.name: s for s in diff.free_symbols}
    for _ in range(points):
        at = {syms[v]: sympy.Rational(str(rng.uniform(*ranges[v]))) for v in variables
              if v in syms}
        val = diff.evalf(digits, subs=at)
        if not val.is_number or not abs(complex(val)) < 10.0 ** (10 - digits):
            return False
    return True


def check_exact(found: object, target: object, variables: Sequence[str],
                domain_ranges: Ranges, timeout: float = 5.0, strict: bool = False) -> str:
    """How ``found`` was shown equal to ``target``: ``"proved"`` (sympy reduced the difference
    to 0), ``"numeric"`` (sympy gave up or timed out, and the difference vanishes to 40 digits
    at random points; never with ``strict``), or ``""`` (not exact).

    >>> check_exact("exp(log(x)*(x/(x + x)))", "sqrt(x)", ["x"], {"x": (0.0, 4.0)})
    'proved'
    """
    f, t = (as_sympy(e, variables, domain_ranges) for e in (found, target))
    if not agree_on_grid(f, t, variables, domain_ranges):
        return ""
    diff = f - t
    if prove_zero(diff, timeout):
        return "proved"
    if not strict and vanishes_precisely(diff, variables, domain_ranges):
        return "numeric"
    return ""


def is_exact(found: object, target: object, variables: Sequence[str],
             domain_ranges: Ranges, timeout: float = 5.0, strict: bool = False) -> bool:
    """Whether ``found`` equals ``target`` on the domain: grid check, then a symbolic proof
    (``check_exact`` says which kind).

    >>> r = {"x": (-1.0, 1.0)}
    >>> is_exact("x*(x*x + x) + x", "x**3 + x**2 + x", ["x"], r)
    True
    >>> is_exact("x**3 + x**2 + 1.0001*x", "x**3 + x**2 + x", ["x"], r)
    False
    """
    return bool(check_exact(found, target, variables, domain_ranges, timeout, strict))

