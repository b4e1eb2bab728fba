"""Goals: complete a symbolic-regression search by looking residuals up.

``Goals`` is the goal-directed half of the symbolic-regression search: the target's values at
the data points are a goal; a goal and a known element ``a`` give a new goal for each way an op
could combine them (``y = a + c`` needs ``c = y - a``; ``y = exp(c)`` needs ``c = log y``), and a
goal that equals an element of the store (looked up by value, like a fingerprint) closes an
exact formula, rebuilt by forward evaluation and inserted into the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import torch
from torch import Tensor

from automath.core.index import SortedRuns, first_occurrences
from automath.core.kinds import fingerprint_hash
from automath.core.store import NONE, Store

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
PAUSED = torch.empty(0, dtype=torch.int64)  # yielded by ``deep`` while ``stop()`` is true


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

    >>> from automath.core.kinds import RealKind
    >>> from automath.core.semantics import Semantics
    >>> from automath.core.term import Term
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
        self.evaluated = 0  # residuals computed by expansions (kept or not)

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
        self.evaluated += len(batch.values)
        ok = (torch.isfinite(batch.values).all(1) & (batch.values.abs().amax(1) > 1e-12)
              & (batch.err <= 0.01 * batch.tol).all(1))
        return Batch(*(f[ok] for f in batch))

    def _binary(self, g: Tensor, tol: Tensor, err: Tensor, parents: Tensor, siblings: Tensor,
                r: int):
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

    def _unary(self, g: Tensor, tol: Tensor, err: Tensor, parents: Tensor, r: int):
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
        of each chunk (only goals that hit are stored), and ``(PAUSED, PAUSED)`` between chunks
        while ``stop()`` is true."""
        root = torch.tensor([0])
        for part in first.split(chunk):
            while stop():
                yield PAUSED, PAUSED
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
    _, _, first = first_occurrences(keys)
    return torch.sort(first).values
