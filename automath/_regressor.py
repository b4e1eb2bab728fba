"""Formulas from data: symbolic regression on the weighted-distribution engine (issue 5).

The search runs on a store whose fingerprints *are* predictions: ``DataKind`` evaluates every
element at the training points, so dedup merges expressions that agree on the data and an
element's score is its normalized MSE. Three parts work together:

1. **Base**: every expression up to a size cap, enumerated by size with dedup (fast, exhaustive).
2. **Guided growth**: the engine's ``Loop`` with an ``ExpectedScore`` objective (score
   ``1/(1+nmse)`` minus a size penalty): weight flows to good elements and to their parents,
   and the loop generates children of heavy pairs, beyond the base.
3. **Goals** (``automath._recovery.Goals``): residuals of the target against small and heavy
   elements, looked up by value in the store; a hit closes an exact formula.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import _num_samples, check_is_fitted
from torch import Tensor

from automath._domain import Domain
from automath._errors import AutomathError, DataError
from automath._evolve import evolve, rule_weights
from automath._evonet import torch_threads
from automath._generate import Hyperedges, expand
from automath._grammar import Grammar
from automath._kinds import RealKind
from automath._loop import Loop, LoopState
from automath._objective import ExpectedScore
from automath._recovery import (
    Formula,
    Goals,
    ProjIndex,
    fit_constants,
    snap_constants,
    term_sympy,
)
from automath._store import Store
from automath._term import Term


class DataKind(RealKind):
    """Real values at the data points: a variable's fingerprint is its column of the data.

    >>> k = DataKind({"x": [1.0, 2.0, 3.0]}); k.variable("x").tolist(), k.k
    ([1.0, 2.0, 3.0], 3)
    """

    def __init__(self, columns: Mapping[str, object], device: str | torch.device = "cpu") -> None:
        cols = {n: torch.as_tensor(v, dtype=torch.float64).reshape(-1).to(device)
                for n, v in columns.items()}
        n = len(next(iter(cols.values()))) if cols else 0
        super().__init__(k=n, seed=0, device=device, variables=tuple(cols))
        self.columns = cols

    def variable(self, name: str) -> Tensor:
        if name not in self.columns:
            raise DataError(f"variable {name!r} has no data column (columns: "
                            f"{sorted(self.columns)})", token=name)
        return self.columns[name]


def commutes(kernel: Callable[..., Tensor]) -> bool:
    """Whether a binary kernel gives the same values with its arguments swapped.

    >>> commutes(torch.add), commutes(torch.sub)
    (True, False)
    """
    a, b = torch.rand(2, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    return bool(torch.equal(kernel(a, b), kernel(b, a)))


def size_levels(store: Store, cap: int | Callable[[], int], max_size: int = 64,
                stop: Callable[[], bool] = lambda: False,
                ) -> Iterator[tuple[int, Tensor | None]]:
    """Every expression by size, deduplicated: yields (size, new ids) while under ``cap``.

    A size level is built only if its estimated count (growth of the last level) fits under
    ``cap`` (a number, or a callable read each time): until it does, the generator yields
    ``(size, None)``; ``stop()`` true ends the enumeration after the rule in progress.

    >>> from automath._semantics import Semantics
    >>> from automath._term import Term
    >>> st = Store(DataKind({"x": [0.5, 2.0]}), Semantics(), ["add", "mul"])
    >>> _ = st.add_atoms([Term("var", token="x")])
    >>> [(s, len(ids)) for s, ids in size_levels(st, 100, max_size=5)]
    [(3, 2), (5, 4)]
    """
    limit = cap if callable(cap) else (lambda: cap)
    levels = {1: (store.size == 1).nonzero().squeeze(1)}
    comm = [int(a) == 2 and commutes(store.kernel(r)) for r, a in enumerate(store.arity)]
    counts = [len(levels[1])]
    for s in range(2, max_size + 1):
        grow = counts[-1] / max(counts[-2], 1) if len(counts) > 1 else 8.0
        if not callable(cap) and len(store) + counts[-1] * grow > cap:
            return
        while len(store) + counts[-1] * grow > limit():
            yield s, None
        before = len(store)
        for r, arity in enumerate(store.arity.tolist()):
            if stop():
                break
            _level(store, levels, s, r, arity, comm[r])
        new = torch.arange(before, len(store))
        levels[s] = new[store.size[new] == s]
        counts.append(max(len(levels[s]), 1))
        if len(levels[s]):
            yield s, levels[s]
        if stop():
            return


def _level(store: Store, levels: dict[int, Tensor], s: int, r: int, arity: int,
           comm: bool) -> None:
    if arity == 1 and s - 1 in levels:
        expand(store, r, levels[s - 1])
    for s1 in range(1, s - 1) if arity == 2 else ():
        a, b = levels.get(s1), levels.get(s - 1 - s1)
        if a is None or b is None or (comm and s1 > s - 1 - s1):
            continue
        expand(store, r, a.repeat_interleave(len(b)), b.repeat(len(a)))


def goal_classes(goals: Goals, siblings: Callable[[int], Tensor | None], cap: int,
                 chunk: int = 1 << 22, stop: Callable[[], bool] = lambda: False,
                 ) -> Iterator[tuple[int, Tensor]]:
    """Goals by cost (nodes outside the hole), cheapest first: yields (cost, new goal ids).

    ``siblings(s)`` gives the store's elements of size ``s`` (None: not enumerated yet).

    >>> st = data_domain("nguyen", {"x": [0.5, 1.5, 2.5]}).new_store()
    >>> goals = Goals(st.values[0] * 2, st)                       # the target x + x
    >>> [(c, len(ids)) for c, ids in goal_classes(goals, {1: torch.tensor([0])}.get, 20)][:2]
    [(1, 2), (2, 7)]
    """
    by_cost, none = {0: torch.tensor([0])}, torch.tensor([], dtype=torch.int64)
    for cost in range(1, 64):
        jobs = [(by_cost.get(cost - 1, none), None)]
        jobs += [(by_cost.get(c, none), siblings(cost - 1 - c)) for c in range(cost - 1)]
        parts = [none]
        for frontier, sib in jobs:
            if sib is not None and len(sib) == 0:
                continue
            width = 8 if sib is None else 6 * len(sib)
            step = max(1, chunk // (width * goals.values.shape[1]))
            for i in range(0, len(frontier), step):
                if len(goals) >= cap or stop():
                    break
                part = frontier[i:i + step]
                parts.append(goals.expand(part, none, limit=cap - len(goals)) if sib is None
                             else goals.expand(part, sib, unary=False, limit=cap - len(goals)))
        by_cost[cost] = torch.cat(parts)
        yield cost, by_cost[cost]
        if len(goals) >= cap or stop():
            return


@dataclass(frozen=True)
class SearchConfig:
    """Budget and knobs of one search (plain values).

    >>> SearchConfig(steps=0).max_goals
    300000
    """

    base_elements: int | None = None
    base_floats: int = 60_000_000
    max_goals: int = 300_000
    max_elements: int = 2_000_000
    deep: int = 1
    sibling_size: int = 3
    beam: int = 32
    steps: int = 40
    max_time: float | None = None
    cutoff: float = 1e-4
    lr: float = 0.1
    depth: int = 2
    size_penalty: float = 1e-3
    tol: float = 1e-12
    score: str = "nmse"
    seed: int = 0


@dataclass
class SearchResult:
    """What a search leaves: the store, weights, losses, the best id and a log.

    >>> d = data_domain("nguyen", {"x": [0.5, 1.5, 2.5]})
    >>> res = Search(d, torch.tensor([1.0, 9.0, 25.0]), SearchConfig(steps=0)).run()
    >>> res.store.sympy(res.best), res.exact
    (4*x**2, True)
    """

    store: Store
    y: Tensor
    weights: Tensor
    nmse: Tensor
    best: int
    exact: bool
    seconds: float
    log: list[dict] = field(default_factory=list)


class GuidedLoop(Loop):
    """The engine's loop started on a given store and initial weights (no atoms-only start).

    >>> from automath._objective import ExpectedScore
    >>> d = data_domain("nguyen", {"x": [0.5, 1.5]}); st = d.new_store()
    >>> loop = GuidedLoop(d, ExpectedScore(lambda s, i: i.double()), st, torch.ones(1))
    >>> loop.run(steps=2).store is st
    True
    """

    def __init__(self, domain: Domain, objective: ExpectedScore, store: Store, p0: Tensor,
                 **config: object) -> None:
        self._start = (store, p0)
        super().__init__(domain, objective, **config)

    def _initial_state(self) -> LoopState:
        torch.manual_seed(self.config.seed)
        store, p0 = self._start
        dev, n_rules = store.keys.device, len(store.rules)
        logits = torch.zeros(1 + n_rules, dtype=torch.float64, device=dev)
        c = self.config.persistence
        logits[0] = torch.log(torch.tensor(c * n_rules / max(1e-9, 1 - c)))
        empty = torch.empty(0, dtype=torch.int64, device=dev)
        return LoopState(store, p0, torch.ones(len(store), dtype=torch.bool, device=dev),
                         Hyperedges.empty(dev), empty, logits)

    def grow(self) -> None:
        """Give elements added outside ``step`` (goal hits) a zero weight slot."""
        st = self.state
        extra = len(st.store) - st.p0.shape[0]
        if extra > 0:
            st.p0 = torch.cat([st.p0, st.p0.new_zeros(extra)])
            st.alive = torch.cat([st.alive, st.alive.new_ones(extra)])

    def evolved(self) -> Tensor:
        """The evolved weights ``p_T`` of the current state."""
        a, b = rule_weights(self.state.logits.detach())
        return evolve(self.state.p0, self._live_edges(), a, b, self.config.depth)


def nmse(values: Tensor, y: Tensor) -> Tensor:
    """Normalized mean squared error of each row of ``values`` against ``y``.

    >>> nmse(torch.tensor([[1., 2.], [1., 1.]]), torch.tensor([1., 2.])).tolist()
    [0.0, 2.0]
    """
    var = y.var(unbiased=False).clamp_min(1e-300)
    return ((values - y) ** 2).mean(dim=1) / var


def scaled_nmse(values: Tensor, y: Tensor) -> Tensor:
    """NMSE after the best affine map ``a·v + b`` of each row (``1 - r²``; 1 for constants).

    >>> scaled_nmse(torch.tensor([[1., 2., 3.], [1., 1., 1.]]), torch.tensor([5., 7., 9.]))
    tensor([0., 1.])
    """
    vc, yc = values - values.mean(1, keepdim=True), y - y.mean()
    den = (vc * vc).sum(1) * (yc * yc).sum()
    r2 = torch.where(den > 0, (vc @ yc) ** 2 / den.clamp_min(1e-300), 0.0)
    return torch.nan_to_num(1 - r2, nan=1.0).clamp(0, 1)


SCORES = {"nmse": nmse, "scaled": scaled_nmse}


class Search:
    """One symbolic-regression search on a data domain (see the module docstring).

    >>> d = data_domain("nguyen", {"x": [0.5, 1.5, 2.5], "y": [1.0, 2.0, 0.5]})
    >>> res = Search(d, torch.tensor([1.5, 3.5, 3.0]), SearchConfig(steps=0)).run()
    >>> res.store.sympy(res.best)
    x + y
    """

    def __init__(self, domain: Domain, y: Tensor, config: SearchConfig,
                 on_step: Callable[[dict], None] | None = None) -> None:
        self.domain, self.config, self.on_step = domain, config, on_step
        self.y = torch.as_tensor(y, dtype=torch.float64).to(domain.kind.device)
        self.log: list[dict] = []

    def score(self, store: Store, ids: Tensor) -> Tensor:
        """``1 / (1 + nmse)`` at the data points (``scaled``: after the best ``a·f + b``)."""
        if self.config.score == "goals":
            return self._goal_score(store.values[ids].to(torch.float64))
        loss = SCORES[self.config.score](store.values[ids].to(torch.float64), self.y)
        return 1.0 / (1.0 + loss)

    def _goal_score(self, vals: Tensor, k: int = 128, decay: float = 0.9) -> Tensor:
        g = self.goals
        order = torch.argsort(g.cost, stable=True)[:k]
        disc = decay ** g.cost[order].to(torch.float64)
        out = []
        for v in vals.split(8192):
            loss = torch.stack([nmse(v, g.values[j]) for j in order.tolist()], 1)
            out.append((disc / (1.0 + torch.nan_to_num(loss, nan=torch.inf))).amax(1))
        return torch.cat(out) if out else vals.new_zeros(0)

    def run(self, seeds: tuple[Term, ...] = ()) -> SearchResult:
        """Base and goals in step, then guided loop steps, until an exact fit or the budget.

        ``seeds`` (e.g. a previous fit's front) join the atoms as starting elements.
        """
        cfg, t0 = self.config, time.perf_counter()
        self._deadline = None if cfg.max_time is None else t0 + cfg.max_time
        store = self.domain.new_store()
        for term in seeds:
            store.add_term(term)
        objective = ExpectedScore(self.score, cfg.size_penalty)
        self.index = ProjIndex(store.values.shape[1], device=store.keys.device)
        self.goals, self.used, self.seen = Goals(self.y, store), set(), 0
        self.loop = GuidedLoop(self.domain, objective, store, self._uniform(store),
                               cutoff=cfg.cutoff, lr=cfg.lr, depth=cfg.depth, seed=cfg.seed,
                               steps=cfg.steps, max_elements=cfg.max_elements)
        full = cfg.base_elements or cfg.base_floats // max(1, self.y.numel())
        self._cap = full // 5
        best = self._check(self._new_elements(), torch.tensor([0]), t0, "atoms")
        best = best if best is not None else self._meet(t0)
        best = best if best is not None or not cfg.deep else self._deep(t0)
        if best is None and cfg.deep:
            self._cap = full
            best = self._grow(t0)
            best = best if best is not None else self._deep(t0)
        self.loop.state.p0 = self._start_weights(store, objective)
        for _ in range(cfg.steps if best is None else 0):
            if self._out_of_time():
                break
            opt = self._optimizer()
            self.loop.step(opt)
            heavy = self._heavy()
            level1 = self.goals.expand(torch.tensor([0]), heavy, unary=False)
            best = self._check(self._new_elements(), level1, t0, "step")
            best = best if best is not None else self._through(heavy, t0)
            if best is not None:
                break
        return self._result(best, t0)

    def _optimizer(self) -> torch.optim.Optimizer:
        if not hasattr(self, "_opt"):
            logits = self.loop.state.logits.requires_grad_(True)
            self._opt = torch.optim.Adam([logits], lr=self.loop.config.rule_lr)
        return self._opt

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.perf_counter() > self._deadline

    def _meet(self, t0: float) -> int | None:
        """Grow the base (by size) and the goals (by cost) in step; check each new part."""
        st, cfg = self.loop.state.store, self.config
        sizes = self._sizes = {1: (st.size == 1).nonzero().squeeze(1)}
        base = self._base = size_levels(st, lambda: self._cap, stop=self._out_of_time)
        goals = goal_classes(self.goals, sizes.get, cfg.max_goals, stop=self._out_of_time)
        base_done = goals_done = False
        cost = 0
        while not (base_done and goals_done) and not self._out_of_time():
            grow_base = not base_done and (goals_done or cost + 1 > max(sizes)
                                           or len(st) <= len(self.goals))
            try:
                if grow_base:
                    s, ids = next(base)
                    if ids is None:
                        raise StopIteration
                    sizes[s] = ids
                    best = self._check(self._new_elements(), None, t0, f"base size {s}")
                else:
                    cost, ids = next(goals)
                    best = self._check(None, ids, t0, f"goals cost {cost}")
            except StopIteration:
                base_done, goals_done = base_done or grow_base, goals_done or not grow_base
                continue
            if best is not None:
                return best
        return None

    def _grow(self, t0: float) -> int | None:
        """Build the base's size levels that fit under the raised cap; check them."""
        for s, ids in self._base:
            if ids is None or self._out_of_time():
                return None
            self._sizes[s] = ids
            best = self._check(self._new_elements(), None, t0, f"base size {s}")
            if best is not None:
                return best
        return None

    def _deep(self, t0: float) -> int | None:
        """Two-step goals through every element, then through the smallest ones."""
        st = self.loop.state.store
        second = (st.size <= self.config.deep).nonzero().squeeze(1)
        close = scaled_nmse(st.values.to(torch.float64), self.y)
        first, best = torch.argsort(close + 1e-3 * st.size, stable=True), None
        hits = 0
        for g, e in self.goals.deep(self.index, first, second, stop=self._out_of_time):
            best, hits = self._build(g, e), hits + len(g)
            if best is not None:
                break
        self._event("deep goals", t0, elements=len(st), goals=len(self.goals), hits=hits,
                    exact=best is not None)
        return best

    def _through(self, heavy: Tensor, t0: float) -> int | None:
        """Two-step goals through the heavy elements, then the small ones (not kept)."""
        st = self.loop.state.store
        small = (st.size <= self.config.sibling_size).nonzero().squeeze(1)[:64]
        for g, e in self.goals.deep(self.index, heavy, small, chunk=8):
            best = self._build(g, e)
            if best is not None:
                self._event("step: heavy goals", t0, elements=len(st), hits=len(g), exact=True)
                return best
        return None

    def _uniform(self, store: Store) -> Tensor:
        return torch.full((len(store),), 1.0 / len(store), dtype=torch.float64,
                          device=store.keys.device)

    def _start_weights(self, store: Store, objective: ExpectedScore) -> Tensor:
        scores = objective.scores(store)
        top = torch.topk(scores, min(self.config.beam, len(store))).indices
        p0 = torch.zeros(len(store), dtype=torch.float64, device=scores.device)
        p0[top] = 1.0 / len(top)
        self.loop.grow()
        return p0

    def _new_elements(self) -> Tensor:
        st = self.loop.state.store
        new = torch.arange(self.seen, len(st), device=st.keys.device)
        self.seen = len(st)
        self.index.add(st.values[new].to(torch.float64), new)
        return new

    def _check(self, elements: Tensor | None, goal_ids: Tensor | None, t0: float,
               what: str) -> int | None:
        """New elements against all goals, new goals against all elements; build the hits."""
        st, goals = self.loop.state.store, self.goals
        hits = [goals.match(st, elements)] if elements is not None else []
        if goal_ids is not None and len(goal_ids):
            hits.append(goals.lookup(self.index, goal_ids))
        g = torch.cat([h[0] for h in hits]) if hits else torch.empty(0, dtype=torch.int64)
        e = torch.cat([h[1] for h in hits]) if hits else torch.empty(0, dtype=torch.int64)
        best = self._build(g, e)
        self._event(what, t0, elements=len(st), goals=len(goals), hits=len(g),
                    exact=best is not None)
        return best

    def _heavy(self) -> Tensor:
        p = self.loop.state.p0
        top = torch.topk(p, min(self.config.beam, int((p > 0).sum()))).indices.tolist()
        fresh = [i for i in top if i not in self.used]
        self.used.update(fresh)
        return torch.tensor(fresh, dtype=torch.int64)

    def _build(self, goal_ids: Tensor, element_ids: Tensor, limit: int = 256) -> int | None:
        st = self.loop.state.store
        cost = self.goals.cost[goal_ids] + st.size[element_ids]
        order = torch.argsort(cost, stable=True)[:limit]
        found = []
        for g, e in zip(goal_ids[order].tolist(), element_ids[order].tolist(), strict=True):
            ident = self.goals.build(st, g, e)
            if ident >= 0 and float(nmse(st.values[ident][None], self.y)) <= self.config.tol:
                found.append(ident)
        self.loop.grow()
        return min(found, key=lambda i: int(st.size[i])) if found else None

    def _event(self, what: str, t0: float, **info: object) -> None:
        rec = {"event": what, "seconds": round(time.perf_counter() - t0, 4), **info}
        self.log.append(rec)
        if self.on_step is not None:
            self.on_step(rec)

    def _result(self, best: int | None, t0: float) -> SearchResult:
        st = self.loop.state.store
        losses = nmse(st.values.to(torch.float64), self.y)
        exact = best is not None
        if best is None:
            best = int(torch.argmin(losses + self.config.size_penalty * st.size))
        return SearchResult(st, self.y, self.loop.state.p0.detach().clone(), losses, best, exact,
                            time.perf_counter() - t0, list(self.log))


def data_domain(grammar: object, columns: Mapping[str, object], numerals: tuple[str, ...] = (),
                semantics: object = None, device: str = "cpu") -> Domain:
    """A domain whose value kind is the data: atoms are the variables (and numerals).

    >>> d = data_domain("nguyen", {"x": [1.0, 2.0]}); d.kind.k, d.rules[:2]
    (2, ('add', 'sub'))
    """
    import dataclasses
    d = Domain.create(grammar, atoms=[*columns, *numerals], kind="real", semantics=semantics)
    return dataclasses.replace(d, kind=DataKind(columns, device))


# ---- the scikit-learn estimator --------------------------------------------------------------

GRAMMAR_ALIASES = {"arith+trig": "trig", "koza": "nguyen"}

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6
    def validate_data(estimator, *args, **kwargs):  # noqa: ANN001, ANN201
        """scikit-learn < 1.6: the estimator's own ``_validate_data``."""
        return estimator._validate_data(*args, **kwargs)


class InputError(DataError, ValueError):
    """Bad training or prediction data (also a ``ValueError``, as scikit-learn expects).

    >>> issubclass(InputError, ValueError) and issubclass(InputError, DataError)
    True
    """


class SymbolicRegressor(RegressorMixin, BaseEstimator):
    """Exact formulas from data: base enumeration, goal lookups and the weighted loop.

    ``grammar``: a shipped name (``nguyen``: + − × ÷ sin cos exp log, no numerals; ``trig``,
    alias ``arith+trig``; ``arith``), a ``.lark`` path or a ``Grammar``. Budget:
    ``base_elements`` (default: 60M floats' worth of fingerprints), ``max_goals``, ``deep``
    (size of the second siblings of two-step goals; 0: off), ``steps`` of the weighted loop,
    ``max_time`` (seconds, soft). ``constants``: numeral atoms (``"auto"``: ``1`` where the
    grammar has numerals); ``fit_constants`` refits ``Σ a_i·t_i + b`` over the best shapes'
    summands with L-BFGS and snaps to p/q, k·π, k·e where the loss holds. ``max_points``:
    rows the search fingerprints (all rows score the front). ``warm_start`` seeds the next
    fit with this fit's front. ``callback`` gets each search event (a dict); it must pickle
    if the model is pickled. ``device``: only ``cpu`` is tested.

    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 20)[:, None]
    >>> model = SymbolicRegressor(grammar="nguyen").fit(x, x[:, 0]**3 + x[:, 0])
    >>> model.sympy(), model.exact_
    (x0**3 + x0, True)
    """

    def __init__(self, grammar: str = "arith+trig", *, max_size: int = 40, steps: int = 40,
                 max_time: float | None = None, base_elements: int | None = None,
                 max_goals: int = 300_000, deep: int = 1, beam: int = 32,
                 size_penalty: float = 1e-3,
                 tol: float = 1e-12, constants: str | tuple[str, ...] = "auto",
                 fit_constants: bool = True, max_points: int = 64,
                 variable_names: tuple[str, ...] | None = None, method: str = "weighted",
                 warm_start: bool = False, device: str = "cpu", n_threads: int | None = 1,
                 callback: Callable[[dict], None] | None = None, seed: int = 0) -> None:
        self.grammar, self.max_size, self.steps, self.max_time = grammar, max_size, steps, max_time
        self.base_elements, self.max_goals, self.deep, self.beam = (base_elements, max_goals,
                                                                    deep, beam)
        self.size_penalty, self.tol, self.constants = size_penalty, tol, constants
        self.fit_constants, self.max_points = fit_constants, max_points
        self.variable_names, self.method, self.warm_start = variable_names, method, warm_start
        self.device, self.n_threads, self.callback, self.seed = device, n_threads, callback, seed

    def _more_tags(self) -> dict:  # scikit-learn < 1.6
        return {"poor_score": True, "non_deterministic": self.max_time is not None}

    def __sklearn_tags__(self):  # noqa: ANN204
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a formula, not a universal approximator
        tags.non_deterministic = self.max_time is not None
        return tags

    def fit(self, X: object, y: object) -> SymbolicRegressor:  # noqa: N803
        """Search for a formula ``y ≈ f(X)``; stops at an exact fit or when the budget ends."""
        x, yv = self._validate(X, y, reset=True)
        if self.method == "evonet":
            return self._fit_evonet(x, yv)
        if self.method != "weighted":
            raise AutomathError(f"unknown method {self.method!r}; choose 'weighted' or 'evonet'")
        with torch_threads(self.n_threads):
            return self._fit(x, yv)

    def _validate(self, X: object, y: object = None, reset: bool = False):  # noqa: ANN202, N803
        if reset and y is None:
            raise InputError("SymbolicRegressor requires y to be passed, but the target y is None")
        _same_length(X, y)
        try:
            if y is None:
                x, yv = validate_data(self, X, reset=reset, dtype=np.float64,
                                      ensure_all_finite=False), None
            else:
                x, yv = validate_data(self, X, y, reset=reset, dtype=np.float64, y_numeric=True,
                                      ensure_all_finite=False)
                yv = np.asarray(yv, dtype=np.float64)
        except ValueError as e:
            raise InputError(str(e)) from None
        for what, arr in (("X", x), ("y", yv)):
            if arr is not None and not np.isfinite(arr).all():
                bad = np.argwhere(~np.isfinite(arr))[0]
                raise InputError(f"{what} has a NaN or infinite value at index {tuple(bad)}")
        if reset and len(x) < 2:
            raise InputError("need at least 2 samples to fit a formula (got 1 sample)")
        if reset:
            const = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) == 0]
            if const:
                raise InputError(f"column {const[0]} of X is constant ({x[0, const[0]]}); drop it "
                                 "or add it as a numeral")
        return x, yv

    def _grammar(self) -> Grammar:
        spec = self.grammar
        g = spec if isinstance(spec, Grammar) else Grammar.load(GRAMMAR_ALIASES.get(spec, spec))
        if not any(c.arity > 0 for c in g.constructors.values()):
            raise AutomathError(f"grammar {g.name!r} has no operators: nothing to build formulas "
                                "from", file=g.path or g.name)
        return g

    def _names(self, d: int, grammar: Grammar) -> list[str]:
        names = self.variable_names
        if names is None and hasattr(self, "feature_names_in_"):
            names = [str(c) for c in self.feature_names_in_]
        names = list(names) if names is not None else [f"x{i}" for i in range(d)]
        if len(names) != d:
            raise InputError(f"{len(names)} variable names for {d} columns of X")
        for n in names:
            try:
                ok = grammar.parse(n) == Term("var", token=n)
            except AutomathError:
                ok = False
            if not ok:
                raise InputError(f"variable name {n!r} is not a name in grammar {grammar.name!r}")
        return names

    def _numerals(self, grammar: Grammar) -> tuple[str, ...]:
        if self.constants != "auto":
            return tuple(self.constants)
        return ("1",) if "num" in grammar.atoms else ()

    def _fit(self, x: np.ndarray, y: np.ndarray) -> SymbolicRegressor:
        grammar = self._grammar()
        names, numerals = self._names(x.shape[1], grammar), self._numerals(grammar)
        rows = np.random.default_rng(self.seed).permutation(len(x))[: self.max_points]
        rows.sort()
        domain = data_domain(grammar, {n: x[rows, i] for i, n in enumerate(names)}, numerals,
                             device=self.device)
        constants = bool(self.fit_constants and numerals)
        cfg = SearchConfig(base_elements=self.base_elements, max_goals=self.max_goals,
                           beam=self.beam, steps=self.steps, deep=self.deep,
                           max_time=self.max_time, size_penalty=self.size_penalty,
                           tol=self.tol, score="scaled" if constants else "nmse", seed=self.seed)
        seeds = tuple(e["term"] for e in getattr(self, "_front", []) if not e["fitted"]) \
            if self.warm_start else ()
        res = Search(domain, torch.tensor(y[rows]), cfg, self.callback).run(seeds)
        self.variable_names_, self.grammar_ = names, grammar.name
        xt, yt = torch.tensor(x), torch.tensor(y)
        front = self._candidates(res, xt, yt, names)
        if constants:
            shapes = self._shapes(res, xt, yt, names)
            front += [self._refit(e, xt, yt, names) for e in front[-3:] + shapes]
        self._front = _pareto(front)
        best = _select(self._front)
        for e in self._front:
            e["selected"] = e is best
        self.best_term_, self.exact_ = best["term"], best["exact"]
        self.search_log_, self.seconds_, self.n_elements_ = res.log, res.seconds, len(res.store)
        self.found_by_ = next((e["event"] for e in res.log if e.get("exact")), None)
        self.equations_ = _table(self._front, grammar)
        return self

    def _candidates(self, res: SearchResult, x: Tensor, y: Tensor, names: list[str]) -> list:
        st, ok = res.store, res.store.size <= self.max_size
        loss = torch.where(ok, res.nmse, torch.inf)
        ids = [res.best] if res.exact else []
        order = torch.argsort(loss, stable=True)[:2000]
        best_by_size: dict[int, int] = {}
        for i in order.tolist():
            best_by_size.setdefault(int(st.size[i]), i)
        ids += list(best_by_size.values())
        out = []
        for i in dict.fromkeys(ids):
            term = st.term(i)
            out.append(self._entry(term, x, y, names, float(res.weights[i])
                                   if i < len(res.weights) else 0.0, fitted=False))
        return _pareto(out)

    def _entry(self, term: Term, x: Tensor, y: Tensor, names: list[str], weight: float,
               fitted: bool) -> dict:
        with torch.no_grad():
            pred = Formula(term, names)(x)
        loss = float(nmse(pred[None], y)[0])
        loss = loss if loss == loss else float("inf")
        return {"term": term, "size": term.size, "loss": loss, "weight": weight,
                "exact": loss <= self.tol, "fitted": fitted}

    def _shapes(self, res: SearchResult, x: Tensor, y: Tensor, names: list[str],
                k: int = 6) -> list[dict]:
        """Shapes worth fitting constants to: the ``k`` best elements after an affine map, and
        each one plus the element that best explains what it leaves (two summands)."""
        st, yv = res.store, res.y
        vals = st.values.to(torch.float64)
        small = st.size <= self.max_size // 2
        loss = torch.where(small, scaled_nmse(vals, yv), torch.inf) + 1e-3 * st.size
        top = torch.topk(-loss, min(k, len(st))).indices.tolist()
        terms = [st.term(i) for i in top]
        for i in top:
            v = torch.stack([vals[i], torch.ones_like(yv)], 1)
            rest = yv - v @ torch.linalg.lstsq(v, yv[:, None]).solution[:, 0]
            j = int(torch.argmin(torch.where(small, scaled_nmse(vals, rest), torch.inf)
                                 + 1e-3 * st.size))
            terms.append(Term("add", (st.term(i), st.term(j))))
        return [self._entry(t, x, y, names, 0.0, fitted=False) for t in terms]

    def _refit(self, entry: dict, x: Tensor, y: Tensor, names: list[str]) -> dict:
        """``Σ a_i·t_i + b`` over the entry's summands ``t_i``, all numerals fitted and snapped."""
        one, zero = Term("num", (), "1"), Term("num", (), "0")
        parts = [Term("mul", (one, t)) for t in _summands(entry["term"])]
        wrapped = Term("add", (functools.reduce(lambda a, b: Term("add", (a, b)), parts), zero))
        module = Formula(wrapped, names)
        fit_constants(module, x, y)
        term = module.term(snap_constants(module, x, y))
        return self._entry(term, x, y, names, 0.0, fitted=True)

    def _fit_evonet(self, x: np.ndarray, y: np.ndarray) -> SymbolicRegressor:
        from automath._evonet_export import EvonetRegressor
        names = self._names(x.shape[1], self._grammar())
        net = EvonetRegressor(seed=self.seed, n_threads=self.n_threads).fit(x, y, names)
        expr = net.sympy()
        loss = float(np.mean((net.predict(x) - y) ** 2) / max(np.var(y), 1e-300))
        self.evonet_, self.variable_names_, self.grammar_ = net, names, "evonet"
        self._front = [{"term": None, "expr": expr, "size": sympy.count_ops(expr) + 1,
                        "loss": loss, "weight": 0.0, "exact": loss <= self.tol, "fitted": True,
                        "selected": True}]
        self.best_term_, self.exact_ = None, loss <= self.tol
        self.search_log_, self.seconds_, self.n_elements_ = net.history_, 0.0, 0
        self.found_by_ = "evonet" if self.exact_ else None
        self.equations_ = _table(self._front, None)
        return self

    def predict(self, X: object) -> np.ndarray:  # noqa: N803
        """The selected formula's values at the rows of X."""
        check_is_fitted(self, "equations_")
        x, _ = self._validate(X)
        if self.best_term_ is None:
            return self.evonet_.predict(x)
        with torch.no_grad():
            return Formula(self.best_term_, self.variable_names_)(torch.tensor(x)).numpy()

    def sympy(self, index: int | None = None) -> sympy.Expr:
        """The selected formula (or row ``index`` of ``equations_``) as a sympy expression."""
        check_is_fitted(self, "equations_")
        entry = _select(self._front) if index is None else self._front[index]
        return entry["expr"] if entry["term"] is None else term_sympy(entry["term"])

    def latex(self, index: int | None = None) -> str:
        """The selected formula (or row ``index``) in LaTeX."""
        return sympy.latex(self.sympy(index))

    def torch_module(self) -> Formula:
        """The selected formula as a ``torch.nn.Module`` (numerals are trainable parameters)."""
        check_is_fitted(self, "equations_")
        if self.best_term_ is None:
            raise AutomathError("method='evonet' has no torch module here; use .evonet_")
        return Formula(self.best_term_, self.variable_names_)


def _summands(term: Term, limit: int = 6) -> list[Term]:
    """The terms of a top-level sum or difference (signs dropped), at most ``limit``.

    >>> [str(t) for t in _summands(Term("sub", (Term("var", token="x"), Term("var", token="y"))))]
    ['x', 'y']
    """
    if term.op not in ("add", "sub"):
        return [term]
    out = _summands(term.args[0], limit) + _summands(term.args[1], limit)
    return out if len(out) <= limit else [term]


def _same_length(X: object, y: object) -> None:  # noqa: N803
    """A clear error when X and y disagree on the number of samples."""
    try:
        nx, ny = _num_samples(X), None if y is None else _num_samples(y)
    except TypeError:
        return
    if ny is not None and nx != ny:
        raise InputError(f"X has {nx} rows but y has {ny} values: they must match")


def _pareto(entries: list[dict]) -> list[dict]:
    """Entries that no smaller-or-equal entry beats in loss, by size."""
    out: list[dict] = []
    for e in sorted(entries, key=lambda e: (e["size"], e["loss"])):
        if not out or e["loss"] < out[-1]["loss"]:
            out.append(e)
    return out


def _select(front: list[dict]) -> dict:
    """The smallest exact entry; else the smallest within 10% of the lowest loss."""
    exact = [e for e in front if e["exact"]]
    if exact:
        return exact[0]
    low = min(e["loss"] for e in front)
    return next(e for e in front if e["loss"] <= 1.1 * low + 1e-300)


def _table(front: list[dict], grammar: Grammar | None):  # noqa: ANN202
    rows = []
    for e in front:
        expr = e.get("expr") if e["term"] is None else term_sympy(e["term"])
        rows.append({"expression": str(expr), "size": e["size"], "loss": e["loss"],
                     "weight": e["weight"], "exact": e["exact"], "selected": e["selected"],
                     "sympy": expr})
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)


def read_csv(path: str, target: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Columns of a CSV file with a header: X (the other columns), y (``target``), names.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv"); _ = open(p, "w").write("a,y\\n1,2\\n3,4\\n")
    >>> x, y, names = read_csv(p, "y"); x.ravel().tolist(), y.tolist(), names
    ([1.0, 3.0], [2.0, 4.0], ['a'])
    """
    import csv
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError(f"{path}: empty file", file=path)
    header = [h.strip() for h in rows[0]]
    if target not in header:
        raise InputError(f"no column {target!r} (columns: {', '.join(header)})", file=path,
                         line=1)
    try:
        data = np.array([[float(v) for v in r] for r in rows[1:] if r], dtype=np.float64)
    except ValueError as e:
        raise InputError(f"{path}: a value is not a number ({e})", file=path) from None
    if data.ndim != 2 or data.shape[1] != len(header):
        raise InputError(f"{path}: every row needs {len(header)} values", file=path)
    k = header.index(target)
    return np.delete(data, k, axis=1), data[:, k], [h for h in header if h != target]


def fit_csv(path: str, target: str, **params: object) -> SymbolicRegressor:
    """Fit ``target`` from the other columns of a CSV file (column names become variables).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(p, "w").write("a,b,y\\n1,2,3\\n2,5,7\\n4,1,5\\n")
    >>> fit_csv(p, "y", grammar="nguyen").sympy()
    a + b
    """
    x, y, names = read_csv(path, target)
    return SymbolicRegressor(variable_names=tuple(names), **params).fit(x, y)


def front_records(model: SymbolicRegressor) -> list[dict]:
    """The accuracy/size front as plain dicts (whether or not pandas is installed).

    >>> x = np.linspace(1, 2, 10)[:, None]
    >>> [r["expression"] for r in front_records(SymbolicRegressor(grammar="nguyen").fit(x,
    ...     x[:, 0] * x[:, 0]))]
    ['x0', 'x0**2']
    """
    rows = model.equations_
    return rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
