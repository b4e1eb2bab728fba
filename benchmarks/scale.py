"""``automath bench sr --scale``: time and memory of one default fit against the number of rows.

Two targets: ``2.5*b*sin(a)`` (in the grammar: the fit stops when it is exact) and
``j0(2*a)*b`` (a Bessel function: no exact formula in the grammar, so the fit runs its whole
budget, and what it returns is judged by its R² against the target at fresh points). Each fit
runs in a fresh process (``spawn``) after a warm-up fit on 500 rows there, so that its peak
resident memory is its own: the search fingerprints ``max_points`` rows and fits constants
on ``max_search_rows``; only the final front is scored (and refitted) on every row.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import sympy
from scipy.special import j0

SCALE_ROWS = (2_000, 20_000, 200_000)
SCALE_TARGETS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "2.5*b*sin(a)": lambda a, b: 2.5 * b * np.sin(a),
    "j0(2*a)*b": lambda a, b: j0(2 * a) * b,  # no exact formula in the grammar
}
SCALE_COLUMNS = ["target", "rows", "seconds", "memory MB", "peak MB", "R2", "exact", "stopped",
                 "formula"]


def _data(target: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of a, b uniform in [-2, 2] and the target there.

    >>> x, y = _data("j0(2*a)*b", 3, 0); x.shape, bool(np.allclose(y, j0(2 * x[:, 0]) * x[:, 1]))
    ((3, 2), True)
    """
    x = np.random.default_rng([seed, n]).uniform(-2, 2, (n, 2))
    return x, SCALE_TARGETS[target](x[:, 0], x[:, 1])


def r2(model, target: str, seed: int, points: int = 10_000) -> float:
    """R² of a fitted model against the target at ``points`` fresh rows."""
    x, y = _data(target, points, seed + 1)
    with np.errstate(all="ignore"):
        err = np.mean((model.predict(x) - y) ** 2) / np.var(y)
    return round(float(1 - err), 6) if np.isfinite(err) else float("-inf")


def scale_fit(target: str, n: int, seed: int, budget: float) -> dict:
    """One timed default fit (after a warm-up) and its memory: resident growth and the
    process's peak over its size before the fit, in MB."""
    import resource

    from automath.regression.budget import MB, resident_bytes
    from automath.regression.estimator import SymbolicRegressor

    def fit(rows: int, seconds: float) -> SymbolicRegressor:
        x, y = _data(target, rows, seed)
        return SymbolicRegressor(grammar="trig", variable_names=("a", "b"), max_time=seconds,
                                 seed=seed).fit(x, y)

    fit(500, min(budget, 5.0))
    before, t = resident_bytes(), time.perf_counter()
    model = fit(n, budget)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    found = model.sympy()
    exact = target in ("2.5*b*sin(a)",) and sympy.simplify(found - sympy.sympify(target)) == 0
    return {"target": target, "rows": n, "seconds": round(seconds, 2),
            "memory MB": round((resident_bytes() - before) / MB, 1),
            "peak MB": round(max(peak - before, 0) / MB, 1), "R2": r2(model, target, seed),
            "exact": bool(exact), "stopped": model.stopped_, "formula": str(found)}


def bench_scale(rows: Sequence[int] = SCALE_ROWS, seed: int = 0, budget: float = 60.0,
                echo: Callable[[dict], None] | None = None,
                targets: Sequence[str] = tuple(SCALE_TARGETS)) -> list[dict]:
    """``scale_fit`` for each target and row count, each in a fresh process; one run each on
    a shared machine, so the seconds are noisy."""
    out = []
    for target in targets:
        for n in rows:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                out.append(pool.submit(scale_fit, target, n, seed, budget).result())
            if echo is not None:
                echo(out[-1])
    return out
