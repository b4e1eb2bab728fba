"""Formulas from data: the scikit-learn estimator ``SymbolicRegressor`` and CSV helpers.

The search itself (base enumeration, goals and the weighted loop) lives in ``search``, the
data domain and losses in ``data``, size levels and goal classes in ``enumeration``. The
estimator turns a search into an accuracy/size front of formulas, refits constants and selects one.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable

import numpy as np
import sympy
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from automath.core.constants import loss_limit
from automath.core.errors import AutomathError
from automath.core.grammar import Grammar
from automath.core.term import Term
from automath.core.threads import torch_threads
from automath.regression.budget import MB, Budget, interrupts, search_time
from automath.regression.coefficients import merged
from automath.regression.data import FitData, data_domain, split_rows
from automath.regression.defined import PER_SIZE, box_points, defined, defined_rows
from automath.regression.evonet_fit import fit_evonet
from automath.regression.formula import (
    Formula,
    fit_constants,
    snap_constants,
    sympy_term,
    term_sympy,
    tidy,
    warm_optimizer,
)
from automath.regression.front import add_scores, check_selection, pareto, records, select, table
from automath.regression.inputs import InputError, _same_length, read_csv, validate_data
from automath.regression.leaves import leaf_shape
from automath.regression.near import near_terms, scaled_terms
from automath.regression.probe import Probe
from automath.regression.saving import load_fit, save_fit
from automath.regression.search import Search, SearchConfig, SearchResult, data_digest
from automath.regression.separable import fit_parts
from automath.regression.shapes import shape_terms, wrapped
from automath.regression.units import unit_check, unit_dims

front_records = records  # the front as plain dicts (regression.front.records)
FROZEN = {"lr": 0.0, "rule_lr": 0.0}  # learning=False: the loop's p0 and rule weights stay put
GRAMMAR_ALIASES = {"arith+trig": "trig", "koza": "nguyen"}
NAN = float("nan")  # the weight of a row the weighted loop did not weigh
FINISH = 0.1  # seconds kept back from the stages after the search for selecting and the table
CHUNK = 1 << 14  # elements per block of the near look-ups: each checks the clock between blocks

class SymbolicRegressor(RegressorMixin, BaseEstimator):
    """Exact formulas from data: base enumeration and goal lookups, the weighted loop after them.

    What finds formulas: exhaustive enumeration of small expressions (deduplicated by their
    values at the data points) and lookups of the target's residuals among them; the weighted
    loop (``ExpectedScore`` on the affine-invariant NMSE) runs only when those fail within the
    budget. Under the default budget they recover Nguyen 1–11 without the loop; under a tight
    ``base_elements`` the loop's learned weights find some targets they miss (see
    ``automath.regression.search``).

    ``grammar``: a shipped name (``nguyen``: + − × ÷ sin cos exp log, no numerals; ``trig``,
    alias ``arith+trig``; ``arith``), a ``.lark`` path or a ``Grammar``. Budget: ``max_time``
    (seconds for the whole fit, default 60; ``None``: no limit) and ``max_memory`` (MB the
    process may grow by, default 2048; ``None``: no limit) end every fit with the best front
    found; ``stopped_`` says why it ended (``exact``, ``time``, ``memory``, ``exhausted``, or
    ``interrupted``: Ctrl-C, or a ``callback`` raising KeyboardInterrupt, stops a fit like a
    budget).
    ``base_elements`` (default: 60M floats' worth of fingerprints), ``max_goals``, ``deep``
    (size of the second siblings of two-step goals; 0: off), ``steps`` of the weighted loop,
    ``learning`` (False: the loop's learner is frozen, p0 and rule weights stay at their
    start), ``loop_share`` (under a time budget, the share of it the loop gets in turns with
    the enumeration once base and goals have met; 0: the loop only after the enumeration).
    ``constants``: numeral atoms (``"auto"``: ``1`` where the grammar has numerals);
    ``fit_constants`` refits ``Σ a_i·t_i (+ b)`` over the best shapes' summands with L-BFGS on
    the rows and snaps each constant to a closed form ``p/q · π^k · √r · e^m`` within two
    standard errors where the loss holds. ``max_points``: rows the search fingerprints;
    ``max_search_rows`` (default 2000; ``None``: all): rows, drawn by ``seed``, on which
    constants are fitted to every candidate shape; on more data the resulting front is refitted
    and scored on all rows, so 200,000 rows cost a few times 2,000 (``bench sr --scale``).
    ``model_selection``: ``best`` (PySR's: highest score within 1.5× the lowest loss),
    ``accuracy`` or ``score``; ``validation_fraction`` holds rows out and selects on them.
    ``warm_start``: the next fit on the same rows and settings continues this fit's search
    where it stopped (its store, goals and paused enumerations; ``n_evaluations_`` counts what
    each fit evaluated), on other data it seeds a new search with this front; a fit that
    stopped short keeps its search for that even without ``warm_start``. An additively
    separable target (``regression.separable``) is fitted
    one variable at a time first (``found_by_ == "separable"``; else the search phase of the
    exact event, or what built the selected row: ``constant fit``, ``near look-up``, ``None``
    for a store element). ``callback`` gets each
    search event (a dict); it must pickle if the model is pickled. ``device``: only ``cpu``
    is tested. A DataFrame's column names become the formula's symbols (``feature_names_in_``).
    ``X_units`` (one unit string per column, or a dict by name) and ``y_units`` (e.g.
    ``"kg*m/s^2"``; ``regression.units``): an exact fit counts only if it is dimensionally
    consistent (numerals are wildcards), and the front keeps only consistent rows where any are.

    ``equations_`` (a DataFrame when pandas is installed, else a list of dicts) columns:
    expression, size, loss (NMSE on the training rows), val_loss (NaN without a split), score
    (drop in log-loss per unit size from the row before), weight, exact, selected, sympy.
    ``weight`` is the element's learned initial weight ``p0`` in the weighted loop (0: the loop
    never weighted it), NaN where the loop took no step (the formula was found first) or the
    row is not an element of the search (refitted constants, ``method="evonet"``).

    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 20)[:, None]
    >>> model = SymbolicRegressor(grammar="nguyen").fit(x, x[:, 0]**3 + x[:, 0])
    >>> model.sympy(), model.exact_
    (x0**3 + x0, True)
    """

    def __init__(self, grammar: str = "arith+trig", *, max_size: int = 40, steps: int = 40,
                 max_time: float | None = 60.0, max_memory: float | None = 2048,
                 base_elements: int | None = None,
                 max_goals: int = 300_000, deep: int = 1, beam: int = 32,
                 size_penalty: float = 1e-3,
                 tol: float = 1e-12, constants: str | tuple[str, ...] = "auto",
                 fit_constants: bool = True, max_points: int = 64,
                 max_search_rows: int | None = 2000,
                 model_selection: str = "best", validation_fraction: float = 0.0,
                 learning: bool = True, loop_share: float = 0.25,
                 X_units: object = None, y_units: str | None = None,
                 variable_names: tuple[str, ...] | None = None, method: str = "weighted",
                 warm_start: bool = False, device: str = "cpu", n_threads: int | None = 1,
                 callback: Callable[[dict], None] | None = None, seed: int = 0) -> None:
        self.grammar, self.max_size, self.steps, self.max_time = grammar, max_size, steps, max_time
        self.max_memory = max_memory
        self.base_elements, self.max_goals, self.deep, self.beam = (base_elements, max_goals,
                                                                    deep, beam)
        self.size_penalty, self.tol, self.constants = size_penalty, tol, constants
        self.fit_constants, self.max_points = fit_constants, max_points
        self.max_search_rows = max_search_rows
        self.model_selection, self.validation_fraction = model_selection, validation_fraction
        self.learning, self.loop_share = learning, loop_share
        self.X_units, self.y_units = X_units, y_units
        self.variable_names, self.method, self.warm_start = variable_names, method, warm_start
        self.device, self.n_threads, self.callback, self.seed = device, n_threads, callback, seed

    def _more_tags(self) -> dict:  # scikit-learn < 1.6
        return {"poor_score": True, "non_deterministic": self.max_time is not None}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a formula, not a universal approximator
        tags.non_deterministic = self.max_time is not None
        return tags

    def fit(self, X: object, y: object) -> SymbolicRegressor:
        """Search for a formula ``y ≈ f(X)``; stops at an exact fit or when the budget ends."""
        x, yv = self._validate(X, y, reset=True)
        if self.method == "evonet":
            return fit_evonet(self, x, yv)
        if self.method != "weighted":
            raise AutomathError(f"unknown method {self.method!r}; choose 'weighted' or 'evonet'")
        with torch_threads(self.n_threads):
            return self._fit(x, yv)

    def _validate(self, X: object, y: object = None, reset: bool = False):
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
        check_selection(self.model_selection)
        names, numerals = self._names(x.shape[1], grammar), self._numerals(grammar)
        data = split_rows(x, y, self.validation_fraction, self.seed)
        x, y = data.x.numpy(), data.y.numpy()
        rows = np.random.default_rng(self.seed).permutation(len(x))[: self.max_points]
        rows.sort()
        domain = data_domain(grammar, {n: x[rows, i] for i, n in enumerate(names)}, numerals,
                             device=self.device)
        constants = bool(self.fit_constants and numerals)
        warm = threading.Thread(target=warm_optimizer if constants else bool, daemon=True)
        warm.start()  # beside the search: what the first constant fit would pay after it
        budget = Budget(self.max_time, None if self.max_memory is None else self.max_memory * MB)
        cfg = SearchConfig(base_elements=self.base_elements, max_goals=self.max_goals,
                           beam=self.beam, steps=self.steps, deep=self.deep,
                           max_time=search_time(self.max_time), max_memory=budget.max_memory,
                           size_penalty=self.size_penalty, tol=self.tol, seed=self.seed,
                           loop_share=self.loop_share,
                           **({} if self.learning else FROZEN))
        self.variable_names_, self.grammar_ = names, grammar.name
        self._accept = unit_check(self.X_units, self.y_units, names)
        self._points = box_points(data.x)  # a row must be finite over the data's box
        if self._separable(x[rows], y[rows], data, names, budget):
            return self
        if self.max_time is not None:  # what the parts used is not the search's
            cfg = dataclasses.replace(cfg, max_time=min(cfg.max_time, search_time(budget.left())))
        probed: list[dict] = []  # the probe's fitted rows, kept for the front
        probe = Probe(lambda r: self._met(r, data, names, budget, probed)) if constants else None
        res, before = self._search_run(domain, torch.tensor(y[rows]), cfg, budget, probe)
        front, _ = self._candidates(res, data, names), warm.join()
        if constants:  # each stage checks its share of the time left, less what finishing takes
            front += self._fitted(res, data, names, front[-3:], budget.part(0.5, FINISH))
            front += [] if any(e["exact"] and self._accepts(e["term"]) for e in front) else probed
        if not any(e["exact"] for e in front):
            front += self._near(res, domain.rules, data, names, budget.part(1, FINISH), constants)
        front = defined_rows(front, names, self._points)
        front = [e for e in front if self._accepts(e["term"])] or front  # units, where any
        self._finish(front, res.log, res.stopped,
                     next((e["event"] for e in res.log if e.get("exact")), None), len(res.store),
                     res.evaluations - before, res.seconds, data.rows)
        return self

    def _finish(self, front: list[dict], log: list[dict], stopped: str, found_by: str | None,
                elements: int, evaluations: int, seconds: float, rows: int) -> None:
        """The front scored and one row selected (losses on ``rows``); the fitted attributes set."""
        self._front = add_scores(pareto(front))
        best = select(self._front, self.model_selection, rows)
        for e in self._front:
            e["selected"] = e is best
        self.best_term_, self.exact_, self.stopped_ = best["term"], best["exact"], stopped
        self.search_log_, self.seconds_, self.n_elements_ = log, seconds, elements
        self.n_evaluations_, self.found_by_ = evaluations, found_by or best.get("source")
        self.equations_ = table(self._front, [term_sympy(e["term"]) for e in self._front])

    def _separable(self, x: np.ndarray, y: np.ndarray, data: FitData, names: list[str],
                   budget: Budget) -> bool:
        """Fit an additively separable target one variable at a time (``regression.separable``,
        the parts within half the budget); True when their sum is exact on the data.
        Not on a warm start that continues a search."""
        if self.warm_start and getattr(self, "_search", None) is not None:
            return False
        share = None if self.max_time is None else 0.5 * self.max_time / len(names)
        with interrupts(budget):
            parts = fit_parts(self, x, y, names, share)
        if parts is None:
            return False
        terms, evaluations, log = parts
        total = functools.reduce(lambda a, b: Term("add", (a, b)), terms)
        entry = self._entry(total, data, names, NAN, fitted=False)
        if not entry["exact"]:
            return False
        rows = [self._entry(t, data, names, NAN, fitted=False) for t in terms] + [entry]
        self._search = None
        self._finish(rows, log, "exact", "separable", 0, evaluations, budget.elapsed(), data.rows)
        return True

    def _met(self, res: SearchResult, data: FitData, names: list[str], budget: Budget,
             kept: list[dict]) -> bool:
        """Whether constants fitted to the search's best shapes so far give an exact row (the
        rows are added to ``kept``)."""
        rows = self._fitted(res, data, names, self._candidates(res, data, names)[-3:], budget)
        kept += rows
        return any(e["exact"] and self._accepts(e["term"]) for e in rows)

    def _accepts(self, term: Term) -> bool:
        """Whether the units (if given) accept ``term``."""
        return self._accept is None or self._accept(term)

    def _search_run(self, domain, y: torch.Tensor, cfg: SearchConfig, budget: Budget,
                    probe: Probe | None = None) -> tuple[SearchResult, int]:
        """Run the search, or with ``warm_start`` continue the last fit's on the same rows and
        settings (seeding a new one with its front otherwise); Ctrl-C stops it like a budget.
        The search is kept for a warm start when asked to or when it stopped short; returns
        the result and the evaluations done before this fit."""
        key = (data_digest(domain, y), dataclasses.replace(cfg, max_time=None, max_memory=None),
               repr((self.X_units, self.y_units)))
        last = getattr(self, "_search", None)
        search_budget = Budget(cfg.max_time, cfg.max_memory)
        before = 0
        with interrupts(budget, search_budget):
            if self.warm_start and last is not None and last[0] == key:
                search = last[1]
                search.on_step, before = self.callback, search.evaluations
                res = search.resume(search_budget)
            else:
                search = Search(domain, y, cfg, self.callback, self._accept,
                                unit_dims(self.X_units, self.variable_names_), probe)
                seeds = tuple(e["term"] for e in getattr(self, "_front", [])
                              if not e["fitted"]) if self.warm_start else ()
                res = search.run(seeds, search_budget)
        keep = self.warm_start or res.stopped in ("time", "memory", "interrupted")
        self._search = (key, search) if keep else None
        return res, before

    def __getstate__(self) -> dict:
        """The estimator without its paused search and unit check (generators and lambdas do
        not pickle; a warm start after unpickling seeds a new search with the front)."""
        state = dict(super().__getstate__())
        state.pop("_search", None)
        state.pop("_accept", None)
        return state

    def _candidates(self, res: SearchResult, data: FitData, names: list[str]) -> list:
        st, ok = res.store, res.store.size <= self.max_size
        loss = torch.where(ok, res.nmse, torch.inf)
        ids = [res.best] if res.exact else []
        order = torch.argsort(loss, stable=True)[:2000]
        by_size: dict[int, list[int]] = {}
        for i in order.tolist():
            by_size.setdefault(int(st.size[i]), []).append(i)
        ids += [next((i for i in g[:PER_SIZE] if defined(st.term(i), names, self._points)), g[0])
                for g in by_size.values()]  # per size the best defined one of the first few
        w, mean = res.weights, Term("num", (), f"{float(data.y.mean()):.12g}")  # the baseline
        return pareto([self._entry(st.term(i), data, names, NAN if w is None else
                                   float(w[i]) if i < len(w) else 0.0, fitted=False)
                       for i in dict.fromkeys(ids)] + [self._entry(mean, data, names, NAN, True)])

    def _entry(self, term: Term, data: FitData, names: list[str], weight: float,
               fitted: bool) -> dict:
        loss, val_loss = data.losses(Formula(term, names))
        return {"term": term, "size": term.size, "loss": loss, "val_loss": val_loss,
                "weight": weight, "exact": loss <= self.tol, "fitted": fitted}

    def _near(self, res: SearchResult, rules: tuple[str, ...], data: FitData,
              names: list[str], budget: Budget, constants: bool) -> list[dict]:
        """With numerals, scaled near look-ups refitted (``c·h∘e (+ b)``; "constant fit"), then
        two-part candidates from near look-ups (``regression.near``; "near look-up")."""
        stop, out = (lambda: budget.left() <= 0), []
        if constants:  # first, in half the time: a pass of two products per chunk, few refits
            few, half = data.subsample(self.max_search_rows, self.seed), budget.part(0.5)
            terms = scaled_terms(res.store, res.y, rules, self.max_size - 4, chunk=CHUNK,
                                 stop=lambda: half.left() <= 0)
            out = self._on_all_rows([r for t in terms if half.left() > 0
                                     for r in self._refits({"term": t}, few, names, stop)],
                                    few, data, names, budget)
        terms = near_terms(res.store, res.y, rules, max_size=self.max_size, chunk=CHUNK,
                           stop=stop)
        return out + [self._entry(t, data, names, NAN, fitted=False) | {"source": "near look-up"}
                      for t in terms]

    def _on_all_rows(self, fits: list[dict], few: FitData, data: FitData, names: list[str],
                     budget: Budget) -> list[dict]:
        """Entries fitted on ``few``; on more rows, those on their front polished on all."""
        if few is data:
            return fits
        return [self._polish(e["term"], data, names, budget) for e in pareto(fits)]

    def _shapes(self, res: SearchResult, data: FitData, names: list[str]) -> list[dict]:
        """Shapes worth fitting constants to (``regression.shapes.shape_terms``)."""
        terms = shape_terms(res.store, res.y, self.max_size // 2)
        return [self._entry(t, data, names, NAN, fitted=False) for t in terms]

    def _fitted(self, res: SearchResult, data: FitData, names: list[str], best: list[dict],
                budget: Budget) -> list[dict]:
        """Constants fitted to the best entries and shapes on at most ``max_search_rows`` rows;
        with more rows, the ones on that front refitted and scored on all of them."""
        few = data.subsample(self.max_search_rows, self.seed)
        shapes = self._shapes(res, few, names)
        out = [r for e in best for r in self._refits(e, few, names, late=budget.spent)]
        out += [r for e in shapes if not budget.spent() for r in self._refits(e, few, names,
                                                                              budget.spent)]
        return self._on_all_rows(out, few, data, names, budget)

    def _polish(self, term: Term, data: FitData, names: list[str], budget: Budget) -> dict:
        """A term fitted on a subsample, scored on all rows; refitted there unless its closed
        forms already hold (within the snap's own loss limit on all rows)."""
        kept = self._entry(term, data, names, NAN, fitted=True)
        if budget.left() <= 0 or kept["exact"]:
            return kept
        refit = self._refit(term, data, names, steps=20)
        limit = loss_limit(refit["loss"], 1.0, 1e-9, rows=len(data.y), z=2.0)
        return kept if kept["loss"] <= limit else refit

    def _refits(self, entry: dict, data: FitData, names: list[str],
                stop: Callable[[], bool] = bool, late: Callable[[], bool] | None = None,
                ) -> list[dict]:
        """``Σ a_i·t_i + b`` and ``Σ a_i·t_i`` over the entry's summands ``t_i``, all numerals
        fitted and snapped (the front keeps the offset only where it pays), and with a few inner
        variables, unless ``late`` (default ``stop``) holds, ``Σ a_i·t_i`` with leaf numerals
        (``regression.leaves``: rates and frequencies)."""
        leaf = None if (late or stop)() else leaf_shape(entry["term"])
        return [self._refit(t, data, names, stop=stop) for t in wrapped(entry["term"]) + [leaf]
                if t is not None]

    def _refit(self, shape: Term, data: FitData, names: list[str], steps: int = 50,
               stop: Callable[[], bool] = bool) -> dict:
        """The term with its numerals fitted to the data (until ``stop()``) and snapped; first
        one numeral per product and sum (``regression.coefficients``: no ridge of equal fits)."""
        module = Formula(merged(shape), names)
        fit_constants(module, data.x, data.y, steps=steps, stop=stop)
        term = tidy(module.term(snap_constants(module, data.x, data.y)))
        return self._entry(term, data, names, NAN, fitted=True) | {"source": "constant fit"}

    def save(self, path: str) -> None:
        """Write the fitted model to ``path`` as JSON (``regression.saving``; no pickle)."""
        check_is_fitted(self, "equations_")
        if self.best_term_ is None:
            raise AutomathError("method='evonet' fits cannot be saved yet")
        save_fit(self, path)

    @classmethod
    def load(cls, path: str) -> SymbolicRegressor:
        """A model saved by ``save``; it predicts, and a warm start seeds from its front."""
        model = load_fit(cls, path)
        best = next(e for e in model._front if e["selected"])
        model.best_term_ = best["term"]
        model.search_log_ = []
        model.equations_ = table(model._front, [term_sympy(e["term"]) for e in model._front])
        return model

    def predict(self, X: object) -> np.ndarray:
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
        entry = next(e for e in self._front if e["selected"]) if index is None else \
            self._front[index]
        return entry["expr"] if entry["term"] is None else term_sympy(entry["term"])

    def latex(self, index: int | None = None) -> str:
        """The selected formula (or row ``index``) in LaTeX."""
        return sympy.latex(self.sympy(index))

    def torch_module(self) -> Formula:
        """The selected formula as a ``torch.nn.Module`` (numerals are trainable parameters).

        For ``method="evonet"`` it is the exported formula, rebuilt from sympy.
        """
        check_is_fitted(self, "equations_")
        if self.best_term_ is None:
            return Formula(sympy_term(self.sympy()), self.variable_names_)
        return Formula(self.best_term_, self.variable_names_)


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
