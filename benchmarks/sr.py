"""``automath bench sr``: exact recovery on the Nguyen problems, beside gplearn and Operon.

Every method gets the same 20 uniform training points per (problem, seed) and the Nguyen
function set {+, −, ×, ÷, sin, cos, exp, log} with no constants. A run counts as a recovery
only if ``is_exact`` accepts the formula it returns (grid check plus a symbolic proof); a
peer's floating-point coefficients are first snapped to simple values where that keeps the
training loss (Operon always fits a scale and an offset). Every method stops at the budget:
ours at ``max_time``, Operon at its own ``max_time`` (whole seconds), gplearn at the end of the
first generation past it (it runs one generation at a time with ``warm_start``); each run
says why it stopped (``stopped``) and the table counts the runs cut at the budget. Time to
recovery is wall time: ours and gplearn's stop at an exact fit; Operon runs its whole budget,
so its time is read from a per-generation callback (the first generation whose best fitness
reached the final one). Operon computes in float32, so coefficients within 1e-3 of simple
values (about SRBench's rounding to 3 decimals) count as those values if snapping them does
not make the training loss grow.
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import click
import numpy as np
import sympy

from automath.cli.common import Printer, format_option, split
from automath.core.constants import closed_forms, loss_limit, snap_greedy, snap_value
from automath.core.errors import AutomathError
from automath.regression.recovery import as_sympy, check_exact
from automath.sweeps.workers import limit_threads, ordered_map
from benchmarks.datasets import PROBLEMS, Problem, select
from benchmarks.scale import SCALE_COLUMNS, SCALE_ROWS, SCALE_TARGETS, bench_scale

Echo = Callable[[dict], None] | None  # receives each run (or scale row) as it finishes


# ---- the methods: each returns (sympy formula or None, seconds to recovery or to the end) ----


def run_automath(problem: Problem, x: np.ndarray, y: np.ndarray, seed: int,
                 budget: float) -> tuple[sympy.Expr, float]:
    """Our ``SymbolicRegressor`` on the Nguyen grammar (stops at an exact fit)."""
    from automath.regression.estimator import SymbolicRegressor
    t = time.perf_counter()
    model = SymbolicRegressor(grammar=problem.grammar, variable_names=tuple(problem.variables),
                              max_time=budget, seed=seed).fit(x, y)
    seconds = time.perf_counter() - t
    FOUND_BY[(problem.formula, seed)] = model.found_by_
    PEER_STOPPED[("automath", problem.formula, seed)] = model.stopped_
    return model.sympy(), seconds


PEER_EXTRAS = {"nguyen": ((), None), "trig": (("sqrt",), (-1.0, 1.0))}  # gplearn's, by grammar
OPERON_EXTRAS = {"nguyen": "", "trig": ",sqrt,constant"}


def _protected_exp(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.where(a < 100, np.exp(np.minimum(a, 100)), 0.0)


def run_gplearn(problem: Problem, x: np.ndarray, y: np.ndarray, seed: int,
                budget: float) -> tuple[sympy.Expr, float]:
    """gplearn's defaults (population 1000, 20 generations), Nguyen set, no constants (the
    trig problems: sqrt and its default constants too), one generation at a time so that it
    stops at the first generation's end past the budget (``PEER_STOPPED``)."""
    from gplearn.functions import make_function
    from gplearn.genetic import SymbolicRegressor
    exp = make_function(function=_protected_exp, name="exp", arity=1)
    extra, consts = PEER_EXTRAS[problem.grammar]
    model = SymbolicRegressor(function_set=("add", "sub", "mul", "div", "sin", "cos", "log",
                                            exp, *extra), const_range=consts,
                              stopping_criteria=1e-10, random_state=seed, n_jobs=1)
    t = time.perf_counter()
    PEER_STOPPED[("gplearn", problem.formula, seed)] = generations(model, x, y, budget)
    seconds = time.perf_counter() - t
    env = {"add": sympy.Add, "sub": lambda a, b: a - b, "mul": sympy.Mul,
           "div": lambda a, b: a / b, "sin": sympy.sin, "cos": sympy.cos, "exp": sympy.exp,
           "log": lambda a: sympy.log(sympy.Abs(a)), "sqrt": lambda a: sympy.sqrt(sympy.Abs(a)),
           **{f"X{i}": sympy.Symbol(v) for i, v in enumerate(problem.variables)}}
    return sympy.sympify(str(model._program), locals=env), seconds


def generations(model, x: np.ndarray, y: np.ndarray, budget: float) -> str:
    """Fit a gplearn model one generation at a time (``warm_start``: the same population and
    random stream as one fit) until its own end or the ``budget`` in seconds; returns why it
    stopped: ``"fit"`` (its stopping criterion), ``"generations"`` or ``"budget"``."""
    t, last = time.perf_counter(), model.generations
    for g in range(1, last + 1):
        model.set_params(generations=g, warm_start=g > 1).fit(x, y)
        if model._program.raw_fitness_ <= model.stopping_criteria:
            return "fit"
        if time.perf_counter() - t >= budget and g < last:
            return "budget"
    return "generations"


def run_pyoperon(problem: Problem, x: np.ndarray, y: np.ndarray, seed: int,
                 budget: float) -> tuple[sympy.Expr, float]:
    """Operon's defaults (population 1000, 1000 generations), Nguyen set, one thread."""
    import pyoperon
    import pyoperon.sklearn as operon_sk
    trace: list[tuple[float, float]] = []

    class Timed(pyoperon.GeneticProgrammingAlgorithm):
        def Run(self, rng, callback=None, threads=0, warm_start=False):
            t0 = time.perf_counter()

            def record() -> None:
                trace.append((time.perf_counter() - t0, float(self.BestModel.GetFitness(0))))

            super().Run(rng, record, threads, warm_start)

    model = operon_sk.SymbolicRegressor(
        allowed_symbols="add,sub,mul,div,sin,cos,exp,log,variable" + OPERON_EXTRAS[
            problem.grammar], n_threads=1,
        random_state=seed, max_time=max(1, int(budget)))
    original, operon_sk.op.GeneticProgrammingAlgorithm = (
        operon_sk.op.GeneticProgrammingAlgorithm, Timed)
    try:
        t = time.perf_counter()
        model.fit(x, y)
        seconds = time.perf_counter() - t
    finally:
        operon_sk.op.GeneticProgrammingAlgorithm = original
    PEER_STOPPED[("pyoperon", problem.formula, seed)] = (  # its own max_time, whole seconds
        "budget" if seconds >= max(1, int(budget)) - 0.5 else "generations")
    text = model.get_model_string(model.model_, 16)
    env = {f"X{i + 1}": sympy.Symbol(v) for i, v in enumerate(problem.variables)}
    expr = sympy.sympify(text, locals=env)
    if trace:
        final = trace[-1][1]
        seconds = next(s for s, f in trace if f <= final + 1e-12 * (1 + abs(final)))
    return expr, seconds


FOUND_BY: dict[tuple[str, int], str | None] = {}  # which phase of our search closed each run
PEER_STOPPED: dict[tuple[str, str, int], str] = {}  # why each run ended ("budget", ...)
METHODS: dict[str, Callable[..., tuple[sympy.Expr, float]]] = {
    "automath": run_automath, "gplearn": run_gplearn, "pyoperon": run_pyoperon}
MODULES = {"gplearn": "gplearn", "pyoperon": "pyoperon"}


def installed(method: str) -> bool:
    """Whether a peer's package imports here.

    >>> installed("automath")
    True
    """
    if method not in MODULES:
        return method in METHODS
    try:
        __import__(MODULES[method])
    except ImportError:
        return False
    return True


def snap_floats(expr: sympy.Expr, x: np.ndarray, y: np.ndarray, variables: Sequence[str],
                slack: float = 1e-9, near: float = 1e-3) -> sympy.Expr:
    """Replace each float by a simple value within ``near`` of it (relative above 1; about
    SRBench's rounding to 3 decimals), where the training loss does not grow (beyond
    ``slack``): a peer's float32 estimate of a simple constant counts as that constant.

    >>> x = np.linspace(0, 1, 20)[:, None]; s = sympy.Symbol("x")
    >>> snap_floats(1.0000000000001*s + 1e-14, x, x[:, 0], ["x"])
    x
    >>> snap_floats(1.01*s, x, x[:, 0], ["x"])  # too far from 1
    1.01*x
    """
    syms = sympy.symbols(list(variables))

    def loss(e: sympy.Expr) -> float:
        with np.errstate(all="ignore"):
            p = np.broadcast_to(sympy.lambdify(syms, e, "numpy")(*x.T), y.shape)
        v = float(np.mean((p - y) ** 2))
        return v if v == v else np.inf

    limit = loss_limit(loss(expr), float(np.var(y)), slack)
    floats = sorted(expr.atoms(sympy.Float), key=lambda f: -abs(float(f)))
    cost = -math.log10(near)  # a closed form costs at most the digits ``near`` leaves
    joint = {f: snap_value(float(f), near, zero=True, max_cost=cost) for f in floats}
    trial = expr.xreplace({f: c for f, c in joint.items() if c is not None})
    if floats and loss(trial) <= limit:  # all at once: compensating errors cancel together
        expr = trial
    floats = sorted(expr.atoms(sympy.Float), key=lambda f: -abs(float(f)))
    return snap_greedy(expr, floats, lambda f: _candidates(float(f), near, cost),
                       lambda e, f, c: e.xreplace({f: c}), loss, limit)


def _candidates(v: float, tol: float, cost: float) -> list[sympy.Expr]:
    """0 and the closed forms within ``tol`` of ``v`` (relative above 1) of at most ``cost``,
    simplest first."""
    return closed_forms(v, tol * max(1.0, abs(v)), max_cost=cost)[:3]


def _recovered(expr: sympy.Expr | None, problem: Problem, x: np.ndarray, y: np.ndarray) -> str:
    """``check_exact``'s verdict ("proved", "numeric" or "") after snapping floats."""
    if expr is None or _undefined(expr):
        return ""
    expr = snap_floats(expr, x, y, problem.variables)
    return check_exact(as_sympy(expr, problem.variables, problem.ranges), problem.formula,
                       problem.variables, problem.ranges)


def _undefined(expr: sympy.Expr) -> bool:
    """Whether ``expr`` holds an undefined value (``zoo``, ``nan``, ``oo``), which no point
    can evaluate (lambdify has no name for ``zoo``)."""
    return expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def noisy(problem: Problem, y: np.ndarray, seed: int, level: float) -> np.ndarray:
    """``y`` plus Gaussian noise of ``level`` times its standard deviation (seeded).

    >>> y = np.linspace(0, 1, 50); z = noisy(PROBLEMS["Nguyen-1"], y, 0, 0.1)
    >>> bool(0.05 < np.std(z - y) / np.std(y) < 0.15), noisy(PROBLEMS["Nguyen-1"], y, 0, 0.0) is y
    (True, True)
    """
    if not level:
        return y
    rng = np.random.default_rng([seed, 99, int(level * 1e6)])
    return y + level * np.std(y) * rng.normal(size=y.shape)


def holdout_r2(expr: sympy.Expr | None, problem: Problem, points: int = 1000) -> float:
    """R² of ``expr`` against the noiseless target at fresh uniform points of the ranges.

    >>> holdout_r2(sympy.sympify("x**3 + x**2 + x"), PROBLEMS["Nguyen-1"])
    1.0
    >>> holdout_r2(sympy.zoo * sympy.Symbol("x"), PROBLEMS["Nguyen-1"])
    -inf
    """
    if expr is None:
        return float("nan")
    if _undefined(expr):
        return float("-inf")
    rng = np.random.default_rng(12345)
    x = np.stack([rng.uniform(*problem.ranges[v], points) for v in problem.variables], 1)
    syms = sympy.symbols(problem.variables)
    with np.errstate(all="ignore"):
        truth = np.broadcast_to(sympy.lambdify(syms, sympy.sympify(problem.formula))(*x.T),
                                (points,))
        found = np.broadcast_to(np.real(sympy.lambdify(
            syms, expr.subs({s: sympy.Symbol(s.name) for s in expr.free_symbols}))(*x.T)),
            (points,)).astype(np.float64)
    r2 = 1 - np.mean((found - truth) ** 2) / np.var(truth)
    return float(r2) if np.isfinite(r2) else float("-inf")


def run_one(method: str, name: str, seed: int, budget: float, noise: float = 0.0) -> dict:
    """One (method, problem, seed, noise level) run: found formula, exact or not, seconds,
    and test R² against the noiseless target."""
    problem = PROBLEMS[name]
    x, clean = problem.sample(seed)
    y = noisy(problem, clean, seed, noise)
    try:
        expr, seconds = METHODS[method](problem, x, y, seed, budget)
    except Exception as e:
        return {"method": method, "problem": name, "seed": seed, "noise": noise, "exact": False,
                "proof": "", "seconds": float("nan"), "r2": float("nan"),
                "found": f"error: {type(e).__name__}: {e}"}
    proof = _recovered(expr, problem, x, y)
    return {"method": method, "problem": name, "seed": seed, "noise": noise,
            "exact": bool(proof), "proof": proof, "seconds": seconds, "found": str(expr),
            "r2": holdout_r2(expr, problem),
            "phase": FOUND_BY.get((problem.formula, seed)) if method == "automath" else None,
            "stopped": PEER_STOPPED.get((method, problem.formula, seed))}


def bench_sr(problems: str | Sequence[str] = "nguyen", seeds: int = 10,
             peers: Sequence[str] = ("gplearn", "pyoperon"), budget: float = 60.0,
             echo: Echo = None, noise: Sequence[float] = (0.0,), workers: int = 1) -> dict:
    """Exact-recovery rate and median time to recovery, ours and each peer's, in one run;
    ``workers`` processes run the (problem, seed, method) jobs side by side, in job order.

    Returns ``{"rows": table rows, "runs": every run}``; a peer that is not installed gets
    "not installed" in its columns.
    """
    chosen, methods = select(problems), ["automath", *peers]
    unknown = [p for p in peers if p not in METHODS]
    if unknown:
        raise AutomathError(f"unknown peer(s) {unknown}; known: gplearn, pyoperon")
    ready = [m for m in methods if installed(m)]
    jobs = list(itertools.product(noise, chosen, range(seeds), ready))
    runs = []
    for r in _runs(jobs, budget, workers):
        runs.append(r)
        if echo is not None:
            echo(r)
    rows = [row for level in noise for row in summarize(
        [r for r in runs if r["noise"] == level], list(chosen), methods, ready, level)]
    return {"rows": rows, "runs": runs}


def _warm_up(budget: float, workers: int = 1) -> None:
    """Imports and first torch calls, outside the timed runs (once per process); with
    several workers, first each worker's share of the cores (``limit_threads``)."""
    if workers > 1:
        limit_threads(workers)
    run_one("automath", "Nguyen-1", 99, budget)


EXPECTED_COST = {"automath": 0.1, "gplearn": 1.0, "pyoperon": 1.0}
"""A run's expected time as a fraction of the budget, by method (the peers run to their
generation limit or the budget; ours mostly stops early): longer ones start first."""


def _runs(jobs: list[tuple], budget: float, workers: int) -> Iterator[dict]:
    """``run_one`` over (noise, problem, seed, method) jobs, in order, on ``workers`` processes
    (each with its share of the cores; within a window the peers' runs start first)."""
    calls = [(method, name, seed, budget, level) for level, name, seed, method in jobs]
    if workers <= 1:
        _warm_up(budget)
        yield from (run_one(*c) for c in calls)
        return
    with ProcessPoolExecutor(workers, initializer=_warm_up, initargs=(budget, workers)) as pool:
        yield from ordered_map(pool, run_one, calls, cost=lambda call: _expected(*call),
                               window=4 * workers)


def _expected(method: str, *_: object) -> float:
    """The expected cost of a ``run_one`` call (``EXPECTED_COST``; 1 for a method not in it)."""
    return EXPECTED_COST.get(method, 1.0)


def summarize(runs: list[dict], problems: list[str], methods: list[str],
              ready: list[str], noise: float = 0.0) -> list[dict]:
    """One row per problem (and "all"): rate and median seconds per method, and each peer's
    median time over ours (>1: we are faster) on the problems both solve; with noise, the
    median test R² against the noiseless target too."""
    rows = []
    for name in [*problems, "all"]:
        row: dict[str, object] = {"problem": name, "noise": noise}
        mine = [r for r in runs if r["method"] == "automath" and name in (r["problem"], "all")]
        for m in methods:
            if m not in ready:
                row[f"{m} exact"] = row[f"{m} median s"] = "not installed"
                continue
            rs = [r for r in runs if r["method"] == m and name in (r["problem"], "all")]
            row[f"{m} exact"] = f"{sum(r['exact'] for r in rs)}/{len(rs)}"
            row[f"{m} median s"] = _median([r["seconds"] for r in rs if r["exact"]])
            row[f"{m} at budget"] = sum(r.get("stopped") in ("budget", "time") for r in rs)
            if noise:
                row[f"{m} median R2"] = _median([r["r2"] for r in rs])
            if m == "automath":
                row["found by"] = found_by(rs)
            if m != "automath":
                row[f"{m}/ours"] = _ratio(rs, mine)
        rows.append(row)
    return rows


PARTS = (("separable", "separable"), ("base", "enumeration"), ("atoms", "enumeration"),
         ("goals", "look-up"), ("deep", "look-up"), ("step", "loop"), ("near", "near look-up"),
         ("constant", "constant fit"))
"""Phase prefixes of ``found_by_`` and the part of the search each names; on noisy data a
selected row with no phase is an element of the search's store (enumeration or loop)."""


def found_by(runs: list[dict]) -> str:
    """How many exact runs each part of our search closed (the phase of its exact event).

    >>> found_by([{"exact": True, "phase": "base size 5"}, {"exact": True, "phase": "deep goals"},
    ...           {"exact": False, "phase": None}])
    'enumeration 1, look-up 1'
    """
    names = [next((name for prefix, name in PARTS if (r.get("phase") or "").startswith(prefix)),
                  "store element" if r.get("phase") is None else "other")
             for r in runs if r["exact"]]
    return ", ".join(f"{n} {names.count(n)}" for n in dict.fromkeys(sorted(names))) or "-"


def _median(values: list[float]) -> float | str:
    return round(statistics.median(values), 3) if values else "-"


def _ratio(peer: list[dict], mine: list[dict]) -> float | str:
    a = [r["seconds"] for r in peer if r["exact"]]
    b = [r["seconds"] for r in mine if r["exact"]]
    if not a or not b:
        return "-"
    return round(statistics.median(a) / statistics.median(b), 1)


RUN_COLUMNS = ["method", "problem", "noise", "seed", "exact", "r2", "seconds", "phase", "stopped",
               "found"]


@click.command("sr")
@click.option("--problems", default="nguyen", show_default=True,
              help="'nguyen' (all 12) or comma-separated names or numbers, e.g. 1,5,8.")
@click.option("--seeds", type=int, default=10, show_default=True)
@click.option("--peers", default="gplearn,pyoperon", show_default=True,
              help="Comma-separated peers ('' for none); missing ones are reported.")
@click.option("--budget", type=float, default=60.0, show_default=True,
              help="Seconds per run, for every method.")
@click.option("--noise", default="0", show_default=True,
              help="Comma-separated noise levels (fractions of the target's std), e.g. 0.01,0.1.")
@click.option("--scale", is_flag=True,
              help="Instead: seconds and memory of one fit on 2,000, 20,000 and 200,000 rows, "
              "on 2.5*b*sin(a) and on j0(2*a)*b (no exact formula in the grammar).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes running runs side by side (times then share the cores).")
@format_option
def bench_sr_cmd(problems: str, seeds: int, peers: str, budget: float, noise: str,
                 scale: bool, workers: int, fmt: str) -> None:
    """Exact recovery on Nguyen 1–12: rate and median time, ours beside gplearn and Operon;
    with --noise, also the test R² against the noiseless target; with --scale, the time of
    one fit against the number of rows. Each run's row prints as it finishes."""
    with Printer(fmt) as out:
        if scale:
            with out.stream("scale", "fit time and memory against rows (one run each, noisy)",
                            SCALE_COLUMNS, total=len(SCALE_ROWS) * len(SCALE_TARGETS)) as add:
                bench_scale(budget=budget, echo=add)
            return
        levels = tuple(float(v) for v in split(noise) or ("0",))
        with out.stream("runs", "symbolic regression: runs as they finish", RUN_COLUMNS) as add:
            res = bench_sr(problems, seeds=seeds, peers=tuple(split(peers) or ()),
                           budget=budget, echo=add, noise=levels, workers=workers)
        out.table("rows", res["rows"], "symbolic regression: exact recovery (ratio > 1: we "
                  "are faster)")
