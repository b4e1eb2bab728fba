"""Evolving networks as formulas: sympy export and ``EvonetRegressor`` (issue 7).

Export evaluates the network in float64 with its constants snapped to simple values, refits the
readout by least squares to the target (the network's own output unless data are given),
drops the terms whose removal changes that output by less than ``drop`` (relative RMS), and
snaps the remaining weights.  The result is the formula the network computes, made exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy
import torch
from sklearn.base import BaseEstimator, RegressorMixin

from automath.core.constants import RATIONAL, snap_value
from automath.core.errors import DataError
from automath.core.threads import torch_threads
from automath.evonet.network import (
    DEFAULT_OPS,
    PRUNE_RULES,
    EvolvingNetwork,
    EvonetError,
    OpsArg,
)
from automath.evonet.plan import Forward

__all__ = ["EvonetRegressor", "Export", "export_network", "snap"]


def snap(value: float, tol: float = 1e-3, max_den: int = 6) -> sympy.Expr:
    """The simplest rational within ``tol`` (relative, at least absolute) of value, else a Float.

    >>> snap(0.99997), snap(-0.5000004), snap(1e-5), snap(0.123456789)
    (1, -1/2, 0, 0.123457)
    """
    r = snap_value(value, tol, max_den=max_den, bases=RATIONAL, zero=True)
    return sympy.Float(value, 6) if r is None else r


@dataclass
class Export:
    """Snapped formulas per output and their worst relative RMS error against the target."""

    exprs: list[sympy.Expr] | None
    error: float
    complexity: int


def export_network(net: EvolvingNetwork, x: torch.Tensor, y: torch.Tensor | None = None, *,
                   drop: float = 1e-3, snap_tol: float = 1e-3,
                   names: Sequence[str] | None = None, build: bool = True) -> Export:
    """The network as sympy formulas, one per output, fitted on ``x`` (see module docstring).

    >>> net = EvolvingNetwork(3, capacity=2, ops=("mul",)); _ = net.add_op("mul", 0, 1)
    >>> with torch.no_grad(): _ = net.weight[0].copy_(torch.tensor([0.0, 0.0, 1.0, 0.99998, 0.0]))
    >>> export_network(net, torch.randn(50, 3, generator=torch.Generator().manual_seed(0))).exprs
    [x0*x1 + x2]
    """
    x64 = x.detach().to(torch.float64)
    target = (net(x) if y is None else y).detach().to(torch.float64)
    target = target.unsqueeze(1) if target.ndim == 1 else target
    consts = [float(snap(v, snap_tol)) for v in net.consts.detach().reshape(-1).tolist()]
    plan = net._get_plan()
    feats = Forward.apply(x64, torch.tensor(consts, dtype=torch.float64), plan).T
    feats = torch.cat([feats, torch.ones_like(feats[:, :1])], 1).numpy()
    fits = [_sparse_fit(feats, t, drop, snap_tol) for t in target.T.numpy()]
    error = max(err for _, _, err in fits)
    cols = plan.read_cols.tolist() + [-1]
    complexity = sum(len(support) for support, _, _ in fits)
    if not build:
        return Export(None, error, complexity)
    wanted = {cols[j] for support, _, _ in fits for j in support} - {-1}
    terms = _column_exprs(net, consts, names, snap_tol, wanted) | {-1: sympy.Integer(1)}
    exprs = [_clean(sympy.Add(*[w * terms[cols[j]] for j, w in zip(support, ws, strict=True)]),
                    snap_tol) for support, ws, _ in fits]
    return Export(exprs, error, sum(sympy.count_ops(e) + 1 for e in exprs))


def _clean(expr: sympy.Expr, snap_tol: float) -> sympy.Expr:
    """Expand, so float terms that nearly cancel merge, and snap the merged coefficients."""
    if not expr.atoms(sympy.Float):
        return expr
    flat = sympy.expand(expr)
    if sympy.count_ops(flat) > 3 * sympy.count_ops(expr) + 20:
        return expr
    return flat.xreplace({f: snap(float(f), snap_tol) for f in flat.atoms(sympy.Float)})


def _sparse_fit(f: np.ndarray, t: np.ndarray, drop: float, snap_tol: float,
                ) -> tuple[list[int], list[sympy.Expr], float]:
    """Backward elimination by least squares, then snapped weights and their relative error."""
    scale = max(float(np.sqrt(np.mean((t - t.mean()) ** 2))), 1e-12)
    support = list(range(f.shape[1]))
    while len(support) > 1:
        beta, rise = _loo(f[:, support], t)
        j = int(np.argmin(rise[:-1]))  # never drop the bias column (last) here
        rss = float(np.sum((f[:, support] @ beta - t) ** 2)) + float(rise[j])
        if np.sqrt(rss / len(t)) > drop * scale:
            break
        support.pop(j)
    beta, _ = _loo(f[:, support], t)
    weights = [snap(float(b), snap_tol) for b in beta]
    keep = [i for i, w in enumerate(weights) if w != 0]
    pred = f[:, support] @ np.array([float(w) for w in weights])
    err = float(np.sqrt(np.mean((pred - t) ** 2))) / scale
    return [support[i] for i in keep], [weights[i] for i in keep], err


def _loo(f: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares weights and, per column, the rise in squared error if it were removed."""
    gram = f.T @ f
    gram += 1e-12 * (np.trace(gram) / len(gram) + 1.0) * np.eye(len(gram))
    inv = np.linalg.inv(gram)
    beta = inv @ (f.T @ t)
    return beta, beta ** 2 / np.diag(inv)


def _column_exprs(net: EvolvingNetwork, consts: list[float], names: Sequence[str] | None,
                  snap_tol: float, wanted: set[int]) -> dict[int, sympy.Expr]:
    """Sympy expressions of the wanted readout columns (input symbols, slot formulas)."""
    n_in, cap = net.n_inputs, net.capacity
    syms = sympy.symbols(list(names) if names else [f"x{i}" for i in range(n_in)], real=True)
    exprs: dict[int, sympy.Expr] = dict(enumerate(syms))

    def build(col: int) -> sympy.Expr:
        if col >= n_in + cap:
            return snap(consts[col - n_in - cap], snap_tol)
        if col not in exprs:
            spec = net.specs[net.op_names[int(net.kind[col - n_in])]]
            exprs[col] = spec.sym(*map(build, net.src[col - n_in, :spec.arity].tolist()))
        return exprs[col]

    return {c: build(c) for c in wanted}


def _tidy(expr: sympy.Expr, max_ops: int = 40) -> sympy.Expr:
    """``sympy.simplify`` for small formulas; large ones are left as exported."""
    return sympy.simplify(expr) if sympy.count_ops(expr) <= max_ops else expr


def _as_arrays(X: object, y: object | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    xa = np.asarray(X, dtype=np.float64)
    if xa.ndim != 2 or not np.isfinite(xa).all():
        raise DataError(f"X must be a finite 2-d array, got shape {xa.shape} "
                        f"with {int(np.size(xa) - np.isfinite(xa).sum())} non-finite values")
    if y is None:
        return xa, None
    ya = np.asarray(y, dtype=np.float64)
    if ya.ndim not in (1, 2) or len(ya) != len(xa) or not np.isfinite(ya).all():
        raise DataError(f"y must be finite with {len(xa)} rows, got shape {ya.shape}")
    return xa, ya


class EvonetRegressor(RegressorMixin, BaseEstimator):
    """Symbolic regression by a network that evolves its ops while it trains (sklearn shape).

    >>> rng = np.random.default_rng(0); X = rng.uniform(-2, 2, (128, 3))
    >>> model = EvonetRegressor(generations=30, seed=0).fit(X, X[:, 0] * X[:, 1] + X[:, 2])
    >>> model.sympy()
    x0*x1 + x2
    """

    def __init__(self, ops: OpsArg = DEFAULT_OPS, *, n_ops: int = 12, capacity: int = 32,
                 generations: int = 100, steps: int = 20, lr: float = 0.05,
                 prune: str = "spread", candidates: int = 16, max_depth: int | None = 3,
                 param_prob: float = 0.1, input_prob: float = 0.7, tol: float = 1e-6,
                 drop: float = 1e-3, seed: int = 0, n_threads: int | None = 1,
                 callback: Callable[[dict], None] | None = None) -> None:
        self.ops, self.n_ops, self.capacity, self.generations = ops, n_ops, capacity, generations
        self.steps, self.lr, self.prune, self.candidates = steps, lr, prune, candidates
        self.max_depth, self.param_prob, self.input_prob = max_depth, param_prob, input_prob
        self.tol, self.drop = tol, drop
        self.seed, self.n_threads, self.callback = seed, n_threads, callback

    def fit(self, X: object, y: object, variable_names: Sequence[str] | None = None,
            ) -> EvonetRegressor:
        """Evolve and train until the snapped formula fits within ``tol`` or generations run out.

        >>> X = np.linspace(-1, 1, 20)[:, None]
        >>> EvonetRegressor(generations=3).fit(X, 3 * X[:, 0]).n_generations_
        1
        """
        if self.prune not in PRUNE_RULES:
            raise EvonetError(f"unknown prune rule {self.prune!r}; "
                              f"choose from {sorted(PRUNE_RULES)}")
        with torch_threads(self.n_threads):
            return self._fit(*_as_arrays(X, y), variable_names)

    def _fit(self, xa: np.ndarray, ya: np.ndarray, variable_names: Sequence[str] | None,
             ) -> EvonetRegressor:
        x, t = torch.tensor(xa, dtype=torch.float32), torch.tensor(ya, dtype=torch.float32)
        t2 = t.unsqueeze(1) if t.ndim == 1 else t
        self.n_outputs_, self.variable_names_ = t2.shape[1], variable_names
        net = EvolvingNetwork(xa.shape[1], t2.shape[1], capacity=self.capacity, ops=self.ops,
                              max_depth=self.max_depth, param_prob=self.param_prob,
                              input_prob=self.input_prob, seed=self.seed, dtype=torch.float32)
        for _ in range(min(self.n_ops, self.capacity)):
            net.add_random_op(x, t2)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, foreach=True)
        self.network_, self.history_, self.equations_ = net, [], []
        for gen in range(self.generations):
            record = self._generation(gen, net, opt, x, t2)
            if record["error"] > self.tol:
                self._evolve(record, net, opt, x, t2)
            if self.callback is not None:
                self.callback(record)
            if record["error"] <= self.tol:
                break
        self.n_generations_ = len(self.history_)
        best = min(self.equations_, key=lambda e: (e["error"], e["complexity"]))
        if best["error"] <= self.tol:
            best["sympy_format"] = [_tidy(e) for e in best["sympy_format"]]
        best["equation"] = "; ".join(str(e) for e in best["sympy_format"])
        self.recovered_ = self.history_[-1]["error"] <= self.tol
        return self

    def _generation(self, gen: int, net: EvolvingNetwork, opt: torch.optim.Optimizer,
                    x: torch.Tensor, t: torch.Tensor) -> dict:
        for _ in range(self.steps):
            opt.zero_grad()
            loss = torch.mean((net(x) - t) ** 2)
            if not torch.isfinite(loss):  # an op overflowed: leave it to pruning
                break
            loss.backward()
            opt.step()
        exp = export_network(net, x, t, drop=self.drop, build=False)
        record = {"generation": gen, "loss": float(loss.detach()), "n_ops": len(net.alive_slots()),
                  "ops": net.describe(), "error": exp.error, "pruned": None, "added": None}
        self.history_.append(record)
        best = min((e["error"] for e in self.equations_), default=np.inf)
        if exp.error < best or exp.error <= self.tol:
            self._record_equation(gen, net, x, t)
        return record

    def _evolve(self, record: dict, net: EvolvingNetwork, opt: torch.optim.Optimizer,
                x: torch.Tensor, t: torch.Tensor) -> None:
        before = {s: net.op_string(s) for s in net.alive_slots()}
        pruned, added = net.evolve(x, t, rule=self.prune, candidates=self.candidates,
                                   optimizer=opt)
        record["pruned"] = before.get(pruned) if pruned is not None else None
        record["added"] = net.op_string(added) if added is not None else None

    def _record_equation(self, gen: int, net: EvolvingNetwork, x: torch.Tensor,
                         t: torch.Tensor) -> None:
        exp = export_network(net, x, t, drop=self.drop, names=self.variable_names_)
        exprs = exp.exprs
        self.equations_.append({"generation": gen, "error": exp.error,
                                "complexity": exp.complexity, "sympy_format": exprs,
                                "equation": "; ".join(str(e) for e in exprs)})

    def _best(self) -> list[sympy.Expr]:
        if not getattr(self, "equations_", None):
            raise DataError("this EvonetRegressor is not fitted yet; call fit(X, y)")
        return min(self.equations_, key=lambda e: (e["error"], e["complexity"]))["sympy_format"]

    def sympy(self) -> sympy.Expr | list[sympy.Expr]:
        """The best formula (a list of formulas when fitted on several outputs).

        >>> X = np.linspace(-1, 1, 20)[:, None]
        >>> EvonetRegressor(generations=3).fit(X, 3 * X[:, 0]).sympy()
        3*x0
        """
        exprs = self._best()
        return exprs[0] if len(exprs) == 1 else exprs

    def latex(self) -> str | list[str]:
        """The best formula as LaTeX (a list when fitted on several outputs).

        >>> X = np.linspace(-1, 1, 20)[:, None]
        >>> EvonetRegressor(generations=3).fit(X, 3 * X[:, 0]).latex()
        '3 x_{0}'
        """
        out = [sympy.latex(e) for e in self._best()]
        return out[0] if len(out) == 1 else out

    def predict(self, X: object) -> np.ndarray:
        """Evaluate the best formula on rows of X: shape (n,) or (n, n_outputs).

        >>> X = np.linspace(-1, 1, 20)[:, None]
        >>> EvonetRegressor(generations=3).fit(X, 3 * X[:, 0]).predict([[4.0]])
        array([12.])
        """
        xa, _ = _as_arrays(X)
        exprs = self._best()
        syms = sorted(set().union(*(e.free_symbols for e in exprs)), key=str)
        names = self.variable_names_ or [f"x{i}" for i in range(xa.shape[1])]
        cols = {name: xa[:, i] for i, name in enumerate(names)}
        out = [np.broadcast_to(sympy.lambdify(syms, e, "numpy")(*[cols[str(s)] for s in syms]),
                               (len(xa),)).astype(np.float64) for e in exprs]
        return out[0] if len(out) == 1 else np.stack(out, 1)
