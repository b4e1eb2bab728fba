"""Exact recovery: goals that complete a search by lookup, and checks that a formula is exact.

``Goals`` is the goal-directed half of the symbolic-regression search: the target's values at
the data points are a goal; a goal and a known element ``a`` give a new goal for each way an op
could combine them (``y = a + c`` needs ``c = y - a``; ``y = exp(c)`` needs ``c = log y``), and a
goal that equals an element of the store (looked up by value, like a fingerprint) closes an
exact formula, rebuilt by forward evaluation and inserted into the store.

``is_exact`` never guesses: a formula counts as exact only if it agrees with the target on a
dense grid of the domain **and** either sympy reduces the difference to 0 within a time limit
(in a child process, so it never hangs), or — where sympy gives up — the difference vanishes to
40 significant digits at random points evaluated with 50-digit arithmetic. A near miss such as
``x**3 + x**2 + 1.0001*x`` fails the grid check at once.
"""

from __future__ import annotations

import multiprocessing
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import sympy
import torch
from torch import Tensor

from automath._errors import ExpressionError
from automath._kinds import fingerprint_hash
from automath._semantics import DEFAULT_SEMANTICS, Semantics
from automath._store import NONE, Store
from automath._term import Term

Ranges = Mapping[str, tuple[float, float]]
_PROOFS = (sympy.simplify, lambda e: sympy.expand(sympy.expand_log(e, force=True)),
           lambda e: sympy.simplify(sympy.expand_log(sympy.logcombine(e, force=True),
                                                     force=True)),
           sympy.trigsimp, lambda e: sympy.simplify(sympy.expand_trig(e)))


def as_sympy(expr: object, variables: Sequence[str], ranges: Ranges | None = None) -> sympy.Expr:
    """Parse text (or re-symbol an expression) with real variables, positive where the range is.

    >>> as_sympy("sqrt(x*x)", ["x"], {"x": (0.0, 4.0)})
    x
    """
    syms = _symbols(variables, ranges or {})
    try:
        out = sympy.sympify(expr, locals=syms) if isinstance(expr, str) else sympy.sympify(expr)
    except (sympy.SympifyError, SyntaxError, TypeError) as e:
        raise ExpressionError(f"cannot read {expr!r} as a formula: {e}") from None
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


def _prove_zero(diff: sympy.Expr, conn) -> None:  # noqa: ANN001
    """In a child: send True if one of the simplifications reduces ``diff`` to 0."""
    for proof in _PROOFS:
        try:
            if proof(diff) == 0:
                conn.send(True)
                return
        except Exception:  # noqa: BLE001, S112 - a failing rewrite is no proof
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


# ---- constants: snap a fitted value to a simple one ------------------------------------------

SPECIAL = {"pi": sympy.pi, "E": sympy.E}


def snap_candidates(value: float, max_den: int = 12) -> list[sympy.Expr]:
    """Simple values near ``value``, nearest first: rationals p/q (q <= max_den), k·π, k·e.

    >>> snap_candidates(0.49999999)[0], snap_candidates(6.2831853)[0]
    (1/2, 2*pi)
    """
    out = []
    for base in (sympy.Integer(1), *SPECIAL.values()):
        frac = Fraction(value / float(base)).limit_denominator(max_den)
        out.append(sympy.Rational(frac.numerator, frac.denominator) * base)
    return sorted(set(out), key=lambda c: abs(float(c) - value))


# ---- goals: complete a search by looking residuals up ----------------------------------------

Inverse = Callable[[Tensor, Tensor], Tensor]
RIGHT, LEFT, UNARY = 0, 1, 2  # goal = op(sibling, c) | op(c, sibling) | op(c)
# For each binary alias: (side, c = f(goal, sibling)); add and mul commute, so one side will do.
# The slope |dc/dg| (of c, g) carries tolerance and error to first order: 1 for sums, |c/g|
# for products and quotients.
LINEAR, RATIO = (lambda c, g: 1.0), (lambda c, g: (c / g).abs())
BINARY_INVERSES: dict[str, tuple[tuple[int, Inverse, Callable], ...]] = {
    "add": ((RIGHT, lambda g, a: g - a, LINEAR),),
    "sub": ((RIGHT, lambda g, a: a - g, LINEAR), (LEFT, lambda g, a: g + a, LINEAR)),
    "mul": ((RIGHT, lambda g, a: g / a, RATIO),),
    "div": ((RIGHT, lambda g, a: a / g, RATIO), (LEFT, lambda g, a: g * a, RATIO)),
}
UNARY_INVERSES: dict[str, tuple[Callable[[Tensor], Tensor], ...]] = {
    "neg": (torch.neg,), "sin": (torch.asin,), "cos": (torch.acos, lambda g: -torch.acos(g)),
    "exp": (torch.log,), "log": (torch.exp,),
    "sqrt": (lambda g: torch.where(g >= 0, g * g, torch.nan),),
}


EPS = float(torch.finfo(torch.float64).eps)
ROOT_RTOL, MATCH_RTOL = 1e-9, 1e-6


def close(a: Tensor, b: Tensor, rtol: float = MATCH_RTOL) -> Tensor:
    """Rows equal within ``rtol·(|a| + mean|a|)`` at every point (the loosest match allowed).

    >>> close(torch.tensor([[1., 1e-20]]), torch.tensor([[1. + 1e-12, 0.]])).tolist()
    [True]
    """
    return ((a - b).abs() <= rtol * (a.abs() + a.abs().mean(-1, keepdim=True))).all(-1)


def window(rows: Tensor, w: Tensor, rtol: float = MATCH_RTOL) -> Tensor:
    """Half-width of the projection window that holds every row ``close`` to each row.

    >>> window(torch.tensor([[1.0, -1.0]]), torch.tensor([1.0, 1.0])).tolist()
    [4.4e-06]
    """
    wa = w.abs()
    return 1.1 * rtol * (rows.abs() @ wa + rows.abs().mean(1) * wa.sum())


class ProjIndex:
    """Rows found again by approximate value: sorted random projections, then a check.

    >>> v = torch.tensor([[1., 2.], [3., 4.], [1., 2.5]])
    >>> ix = ProjIndex(2); ix.add(v, torch.arange(3))
    >>> ix.find(torch.tensor([[3., 4. + 1e-12], [0., 0.]]), lambda i: v[i])
    (tensor([0]), tensor([1]))
    """

    def __init__(self, width: int, seed: int = 0, device: str | torch.device = "cpu") -> None:
        gen = torch.Generator().manual_seed(seed)
        self.w = torch.randn(width, generator=gen, dtype=torch.float64).to(device)
        self.runs: list[tuple[Tensor, Tensor]] = []

    def add(self, values: Tensor, ids: Tensor) -> None:
        """Index rows ``values`` under ids ``ids`` (geometric merging keeps O(log N) runs)."""
        proj = values @ self.w
        while self.runs and self.runs[-1][0].shape[0] <= 2 * proj.shape[0]:
            p, i = self.runs.pop()
            proj, ids = torch.cat([p, proj]), torch.cat([i, ids])
        order = torch.argsort(proj)
        self.runs.append((proj[order], ids[order]))

    def find(self, queries: Tensor, rows_of: Callable[[Tensor], Tensor],
             half: Tensor | None = None, limit: int = 8) -> tuple[Tensor, Tensor]:
        """Pairs (query row, indexed id) within the window ``half`` (default: ``close``)."""
        s = queries @ self.w
        half = window(queries, self.w) if half is None else half
        out_q, out_i = [torch.empty(0, dtype=torch.int64)], [torch.empty(0, dtype=torch.int64)]
        for proj, ids in self.runs:
            lo = torch.searchsorted(proj, s - half)
            cnt = (torch.searchsorted(proj, s + half, right=True) - lo).clamp(0, limit)
            q = torch.repeat_interleave(torch.arange(len(s), device=s.device), cnt)
            pos = lo[q] + torch.arange(len(q), device=s.device) - (torch.cumsum(cnt, 0) - cnt)[q]
            ok = close(queries[q], rows_of(ids[pos]))
            out_q.append(q[ok])
            out_i.append(ids[pos][ok])
        return torch.cat(out_q), torch.cat(out_i)


_EMPTY = torch.empty(0, dtype=torch.int64)


class Batch(NamedTuple):
    """Candidate goals: values, tolerance, error and provenance (parent goal, sibling, ...).

    >>> Batch._fields[:3]
    ('values', 'tol', 'err')
    """

    values: Tensor
    tol: Tensor
    err: Tensor
    parent: Tensor
    sibling: Tensor
    side: Tensor
    rule: Tensor


class Goals:
    """Values that subterms of the formula must take, as a tree rooted at the target (goal 0).

    Each goal carries, per data point, a *tolerance* (how far the subterm may stray while the
    formula stays within ``1e-9`` relative of the target, to first order) and a bound on its
    own rounding *error*; a goal whose error is not far below its tolerance (cancellation,
    overflow) is dropped, so matches stay meaningful.

    >>> from automath._kinds import RealKind
    >>> from automath._semantics import Semantics
    >>> from automath._term import Term
    >>> st = Store(RealKind(k=6), Semantics(), ["add", "mul"])
    >>> x = st.add_term(Term("var", token="x")); xx = st.add_term(Term("mul", (Term("var",
    ...     token="x"),) * 2))
    >>> goals = Goals(st.values[xx] * st.values[x] + st.values[x], st)  # x*x*x + x
    >>> _ = goals.expand(torch.tensor([0]), torch.tensor([x]))           # x*x*x + x - x, ...
    >>> _ = goals.expand(torch.arange(1, len(goals)), torch.tensor([x]))
    >>> g, e = goals.match(st, torch.arange(len(st))); st.sympy(goals.build(st, g[0], e[0]))
    x**3 + x
    """

    def __init__(self, target: Tensor, store: Store) -> None:
        self.store, dev = store, target.device
        self.values = target.reshape(1, -1).to(torch.float64)
        top = self.values.abs().amax(1, keepdim=True)
        self.tol = ROOT_RTOL * self.values.abs() + 1e-3 * ROOT_RTOL * top
        self.err = 4 * EPS * self.values.abs()
        z = torch.zeros(1, dtype=torch.int64, device=dev)
        self.parent, self.rule, self.sibling, self.side, self.cost = z - 1, z - 1, z - 1, z, z
        self.keys = fingerprint_hash(store.kind.quantize(self.values))
        self._known = SortedRuns()
        self._known.add(self.keys)
        self.index = ProjIndex(self.values.shape[1], device=dev)
        self.index.add(self.values, z)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def expand(self, goal_ids: Tensor, siblings: Tensor, unary: bool = True,
               limit: int | None = None) -> Tensor:
        """New goals: each goal combined with each sibling by each invertible rule."""
        rows = (self.values[goal_ids], self.tol[goal_ids], self.err[goal_ids])
        batch = self._expansions(*rows, goal_ids, siblings, unary)
        return self._append(batch, self.cost[batch.parent], limit) if batch else _EMPTY

    def _expansions(self, g: Tensor, tol: Tensor, err: Tensor, parents: Tensor,
                    siblings: Tensor, unary: bool) -> Batch | None:
        """Every (goal row, sibling, invertible rule) residual with its tolerance and error."""
        parts = [self._binary(g, tol, err, parents, siblings, r)
                 for r in range(len(self.store.rules))]
        if unary:
            parts += [self._unary(g, tol, err, parents, r) for r in range(len(self.store.rules))]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        batch = Batch(*(torch.cat(c) for c in zip(*parts, strict=True)))
        ok = (torch.isfinite(batch.values).all(1) & (batch.values.abs().amax(1) > 1e-12)
              & (batch.err <= 0.01 * batch.tol).all(1))
        return Batch(*(f[ok] for f in batch))

    def _binary(self, g: Tensor, tol: Tensor, err: Tensor, parents: Tensor, siblings: Tensor,
                r: int):  # noqa: ANN202
        inv = BINARY_INVERSES.get(self.store.rules[r])
        if inv is None or int(self.store.arity[r]) != 2 or len(siblings) == 0:
            return None
        g, tol, err = g[:, None, :], tol[:, None, :], err[:, None, :]
        a = self.store.values[siblings].to(torch.float64)[None, :, :]
        out, n = [], g.shape[-1]
        for side, f, slope in inv:
            with torch.no_grad():
                c = f(g, a)
                k = slope(c, g)
                t = (tol * k).expand(c.shape)
                e = err * k + 4 * EPS * (c.abs() + g.abs() + a.abs())
            gi = parents.repeat_interleave(len(siblings))
            si = siblings.repeat(len(parents))
            out.append((c.reshape(-1, n), t.reshape(-1, n), e.reshape(-1, n), gi, si,
                        torch.full_like(gi, side), torch.full_like(gi, r)))
        return tuple(torch.cat(c) for c in zip(*out, strict=True))

    def _unary(self, g: Tensor, tol: Tensor, err: Tensor, parents: Tensor, r: int):  # noqa: ANN202
        inv = UNARY_INVERSES.get(self.store.rules[r])
        if inv is None or int(self.store.arity[r]) != 1:
            return None
        c, t, e = zip(*(_propagate(f, g, tol, err, 0.0) for f in inv), strict=True)
        gi = parents.repeat(len(inv))
        none = torch.full_like(gi, NONE)
        return torch.cat(c), torch.cat(t), torch.cat(e), gi, none, torch.full_like(gi, UNARY), \
            torch.full_like(gi, r)

    def _append(self, batch: Batch, parent_cost: Tensor, limit: int | None = None,
                dedup: bool = True) -> Tensor:
        sib = batch.sibling
        cost = parent_cost + 1 + torch.where(sib >= 0, self.store.size[sib.clamp(min=0)], 0)
        idx = torch.argsort(cost, stable=True)
        keys = fingerprint_hash(self.store.kind.quantize(batch.values[idx]))
        if dedup:
            first = _first_unique(keys)
            fresh = first[~self._known.contains(keys[first])][:limit]
            idx, keys = idx[fresh], keys[fresh]
        n = len(self)
        for name, col in zip(Batch._fields, batch, strict=True):
            setattr(self, name, torch.cat([getattr(self, name), col[idx]]))
        self.cost, self.keys = torch.cat([self.cost, cost[idx]]), torch.cat([self.keys, keys])
        self._known.add(keys)
        ids = torch.arange(n, n + len(idx))
        self.index.add(batch.values[idx], ids)
        return ids

    def deep(self, index: ProjIndex, first: Tensor, second: Tensor, chunk: int = 2048,
             stop: Callable[[], bool] = lambda: False, unary: bool = False,
             ) -> Iterator[tuple[Tensor, Tensor]]:
        """Goals two steps from the target — through each element of ``first`` (say the whole
        store), then each of ``second`` (say the variables; unary rules too if ``unary``) —
        looked up in ``index`` in chunks without being kept; yields the (goal, element) hits
        of each chunk (only goals that hit are stored)."""
        root = torch.tensor([0])
        for part in first.split(chunk):
            if stop():
                break
            b1 = self._expansions(self.values[root], self.tol[root], self.err[root], root, part,
                                  unary=False)
            local = torch.arange(len(b1.values)) if b1 else _EMPTY
            b2 = self._expansions(b1.values, b1.tol, b1.err, local, second, unary) if b1 else None
            if b2 is None:
                continue
            q, e = self._find(index, b2.values, b2.tol)
            if len(q):
                used = torch.unique(b2.parent[q])
                ids1 = self._append(Batch(*(f[used] for f in b1)), self.cost[root].expand(
                    len(used)), dedup=False)
                remap = torch.full((len(local),), NONE)
                remap[used] = ids1
                sub = Batch(*(f[q] for f in b2))
                sub = sub._replace(parent=remap[sub.parent])
                yield self._append(sub, self.cost[sub.parent], dedup=False), e

    def _slack(self, values: Tensor, tol: Tensor) -> Tensor:
        return torch.minimum(tol, MATCH_RTOL * (values.abs() + values.abs().mean(1, keepdim=True)))

    def _find(self, index: ProjIndex, values: Tensor, tol: Tensor) -> tuple[Tensor, Tensor]:
        """(row, element) pairs for goal rows within their tolerance of indexed elements."""
        slack = self._slack(values, tol)
        q, e = index.find(values, lambda i: self.store.values[i], slack @ index.w.abs())
        ok = ((values[q] - self.store.values[e].to(torch.float64)).abs() <= slack[q]).all(1)
        return q[ok], e[ok]

    def match(self, store: Store, element_ids: Tensor) -> tuple[Tensor, Tensor]:
        """Pairs (goal, element) where an element of ``element_ids`` has a goal's values."""
        q, g = self.index.find(store.values[element_ids].to(torch.float64),
                               lambda i: self.values[i])
        e = element_ids[q]
        slack = self._slack(self.values[g], self.tol[g])
        ok = ((self.values[g] - store.values[e].to(torch.float64)).abs() <= slack).all(1)
        return g[ok], e[ok]

    def lookup(self, index: ProjIndex, goal_ids: Tensor) -> tuple[Tensor, Tensor]:
        """Pairs (goal, element) for goals ``goal_ids`` found in an index of store elements."""
        q, e = self._find(index, self.values[goal_ids], self.tol[goal_ids])
        return goal_ids[q], e

    def build(self, store: Store, goal: int, element: int) -> int:
        """Insert the formula that goal ``goal`` met at ``element``; returns its id (or -1)."""
        cur, goal = int(element), int(goal)
        while cur != NONE and int(self.parent[goal]) >= 0:
            r, sib, side = int(self.rule[goal]), int(self.sibling[goal]), int(self.side[goal])
            args = [cur] if side == UNARY else [sib, cur] if side == RIGHT else [cur, sib]
            vals = store.kind.apply(store.kernel(r), [store.values[a][None] for a in args])
            size = 1 + int(store.size[args].sum())
            t = [torch.tensor([v]) for v in (r, args[0], args[1] if len(args) > 1 else NONE, size)]
            cur, goal = int(store.insert(vals, *t)[0]), int(self.parent[goal])
        return cur


def _propagate(f: Callable[[Tensor], Tensor], g: Tensor, tol: Tensor, err: Tensor,
               a: Tensor | float) -> tuple[Tensor, Tensor, Tensor]:
    """``c = f(g)``, its tolerance (the smaller one-sided spread over ``g ± tol``) and its
    error bound (the larger spread over ``g ± err`` plus rounding)."""
    with torch.no_grad():
        c = f(g)
        tol_c = torch.minimum((f(g + tol) - c).abs(), (f(g - tol) - c).abs())
        spread = torch.maximum((f(g + err) - c).abs(), (f(g - err) - c).abs())
        a_abs = a.abs() if isinstance(a, Tensor) else 0.0
        return c, tol_c, spread + 4 * EPS * (c.abs() + g.abs() + a_abs)


def _first_unique(keys: Tensor) -> Tensor:
    """The first position of each distinct key, ascending."""
    uniq, inv = torch.unique(keys, return_inverse=True)
    first = torch.full_like(uniq, len(keys)).scatter_reduce(
        0, inv, torch.arange(len(keys), device=keys.device), "amin")
    return torch.sort(first).values


class SortedRuns:
    """A set of int64 keys as sorted runs of geometric sizes (amortized O(log N) inserts).

    >>> s = SortedRuns(); s.add(torch.tensor([5, 1])); s.add(torch.tensor([3]))
    >>> s.contains(torch.tensor([1, 2, 3])).tolist()
    [True, False, True]
    """

    def __init__(self) -> None:
        self.runs: list[Tensor] = []

    def add(self, keys: Tensor) -> None:
        """Insert keys."""
        while self.runs and self.runs[-1].shape[0] <= 2 * keys.shape[0]:
            keys = torch.cat([self.runs.pop(), keys])
        self.runs.append(torch.sort(keys).values)

    def contains(self, keys: Tensor) -> Tensor:
        """Which keys are in the set."""
        out = torch.zeros_like(keys, dtype=torch.bool)
        for run in self.runs:
            if run.numel():
                pos = torch.searchsorted(run, keys).clamp(max=run.shape[0] - 1)
                out |= run[pos] == keys
        return out


# ---- formulas as torch modules, and their constants ------------------------------------------


def _postorder(term: Term) -> list[Term]:
    out: list[Term] = []
    stack = [(term, False)]
    while stack:
        t, done = stack.pop()
        if done or not t.args:
            out.append(t)
        else:
            stack.append((t, True))
            stack.extend((a, False) for a in reversed(t.args))
    return out


class Formula(torch.nn.Module):
    """A term as a torch module: variables are input columns, numerals are parameters.

    >>> from automath._grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("2.5*sin(x1) + x0"), ["x0", "x1"])
    >>> f(torch.tensor([[1.0, 0.0]])).tolist(), [round(c, 2) for c in f.constants.tolist()]
    ([1.0], [2.5])
    """

    def __init__(self, term: Term, variables: Sequence[str], semantics: Semantics | None = None,
                 ) -> None:
        super().__init__()
        self.nodes, self.variables = _postorder(term), list(variables)
        self.semantics = semantics or DEFAULT_SEMANTICS
        nums = [float(numeral(n.token)) for n in self.nodes if n.op == "num"]
        self.constants = torch.nn.Parameter(torch.tensor(nums, dtype=torch.float64))
        missing = sorted({n.token for n in self.nodes if n.op == "var"} - set(self.variables))
        if missing:
            raise ExpressionError(f"formula uses variables {missing} that are not among the "
                                  f"inputs {self.variables}")

    def forward(self, x: Tensor) -> Tensor:
        """Values at the rows of ``x`` (shape (n, d)); shape (n,)."""
        x = torch.as_tensor(x, dtype=torch.float64)
        stack: list[Tensor] = []
        k = 0
        for node in self.nodes:
            if node.op == "var":
                stack.append(x[:, self.variables.index(node.token)])
            elif node.op == "num":
                stack.append(self.constants[k].expand(x.shape[0]))
                k += 1
            else:
                n = len(node.args)
                args, stack = stack[len(stack) - n:], stack[:len(stack) - n]
                stack.append(self._kernel(node.op)(*args) if n else
                             torch.full((x.shape[0],), torch.nan, dtype=torch.float64))
        return stack[0]

    def _kernel(self, op: str) -> Callable[..., Tensor]:
        return self.semantics.kernel(op, "real")

    def extra_repr(self) -> str:
        return str(term_sympy(self.term(), self.semantics))

    def term(self, tokens: Sequence[str] | None = None, digits: int = 12) -> Term:
        """The term with ``tokens`` (default: the current constant values) as numerals."""
        values = iter(tokens if tokens is not None else
                      [_token(v, digits) for v in self.constants.detach().tolist()])
        return _rebuild(self.nodes, lambda: next(values))


def _token(v: float, digits: int) -> str:
    return f"{v:.{digits}g}"


def _rebuild(nodes: list[Term], num: Callable[[], str]) -> Term:
    stack: list[Term] = []
    for node in nodes:
        if node.op == "num":
            stack.append(Term("num", (), num()))
        elif not node.args:
            stack.append(node)
        else:
            n = len(node.args)
            args, stack = tuple(stack[len(stack) - n:]), stack[:len(stack) - n]
            stack.append(Term(node.op, args))
    return stack[0]


def numeral(token: str) -> sympy.Expr:
    """A numeral token as sympy: exact for ``p/q``, ``pi`` and ``E`` forms, else a float.

    >>> numeral("3/4"), numeral("2*pi"), numeral("0.1")
    (3/4, 2*pi, 0.100000000000000)
    """
    if re.fullmatch(r"-?\d+(/\d+)?", token) or "pi" in token or "E" in token:
        return sympy.sympify(token)
    return sympy.Float(token)


def term_sympy(term: Term, semantics: Semantics | None = None) -> sympy.Expr:
    """Sympy expression of a term; numerals with a decimal point stay floats.

    >>> from automath._grammar import Grammar
    >>> term_sympy(Grammar.load("trig").parse("0.5*x + 1/2"))
    0.5*x + 1/2
    """
    sem = semantics or DEFAULT_SEMANTICS
    if term.op == "num":
        return numeral(str(term.token))
    if term.op == "var":
        return sympy.Symbol(str(term.token))
    return sem[term.op].sympy(*(term_sympy(a, sem) for a in term.args))


def fit_constants(module: Formula, x: Tensor, y: Tensor, steps: int = 50) -> float:
    """Fit the module's constants to ``y`` by L-BFGS on the MSE; returns the final MSE.

    >>> from automath._grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("1*x + 1"), ["x"])
    >>> x = torch.linspace(0, 1, 20)[:, None]
    >>> round(fit_constants(f, x, 3 * x[:, 0] - 2), 9), [round(c, 6) for c in f.constants.tolist()]
    (0.0, [3.0, -2.0])
    """
    if module.constants.numel() == 0:
        return _mse(module, x, y)
    opt = torch.optim.LBFGS([module.constants], lr=1.0, max_iter=steps, tolerance_grad=1e-14,
                            tolerance_change=1e-16, line_search_fn="strong_wolfe")
    best = (_mse(module, x, y), module.constants.detach().clone())

    def closure() -> Tensor:
        opt.zero_grad()
        loss = torch.mean((module(x) - y) ** 2)
        if torch.isfinite(loss):
            loss.backward()
        return loss

    try:
        opt.step(closure)
    except (RuntimeError, IndexError, ValueError):  # a line search that met NaN: keep the best
        pass
    loss = _mse(module, x, y)
    if not loss <= best[0]:
        with torch.no_grad():
            module.constants.copy_(best[1])
        loss = best[0]
    return loss


def _mse(module: Formula, x: Tensor, y: Tensor) -> float:
    with torch.no_grad():
        v = float(torch.mean((module(x) - y) ** 2))
    return v if v == v else float("inf")


def snap_constants(module: Formula, x: Tensor, y: Tensor, slack: float = 1e-9) -> list[str]:
    """Replace each constant by the simplest nearby value (p/q, k·π, k·e) that keeps the MSE
    within ``slack`` (relative, plus ``slack·var(y)``); returns the numeral tokens.

    >>> from automath._grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("1.0000000001*x + 0.49999999999"), ["x"])
    >>> x = torch.linspace(0, 1, 20)[:, None]
    >>> snap_constants(f, x, x[:, 0] + 0.5)
    ['1', '1/2']
    """
    base = _mse(module, x, y)
    limit = base * (1 + slack) + slack * float(y.var()) + 1e-300
    tokens = [_token(v, 12) for v in module.constants.detach().tolist()]
    for k, value in enumerate(module.constants.detach().tolist()):
        for cand in snap_candidates(value)[:2]:
            with torch.no_grad():
                module.constants[k] = float(cand)
            if _mse(module, x, y) <= limit:
                tokens[k] = str(cand)
                break
            with torch.no_grad():
                module.constants[k] = value
    return tokens
