"""``automath bench ablate``: each task that uses the engine, with its learner on and off.

The same budget twice, interleaved item by item (the order of the twins alternates, so neither
always runs warm): ``run`` on a set of targets (learning off: ``lr = rule_lr = 0``, so ``p0``
and the rule weights stay where they start), ``prove`` on the two problem suites (learning
on: guided by what the other suite's proofs taught, ``guide_for``; off: ``learning=False``),
``fit`` on Nguyen problems (``SymbolicRegressor(learning=False)``), ``fit-hard`` the same on
our harder problems (``HARD``).
Each row says what was solved, the seconds and how many elements (or equations) were
generated; the summary gives the counts and the time ratio off/on. Figures, never pass/fail.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from automath.core.threads import torch_threads
from automath.sweeps.workers import limit_threads

ROOT = Path(__file__).resolve().parent.parent
SUITES = (ROOT / "automath" / "problems" / "ueq", ROOT / "benchmarks" / "problems")
"""The textbook suite and its extension (problems of the same kinds, written for benchmarks)."""
TARGETS = ("x*x*x + x", "x + x + x*(x*x)", "(x + 1)*(x + 1)", "x*x*x*x", "x*(x + 1) + 1",
           "(x + 1)*(x + 1)*(x + 1)")
"""Targets for ``run`` on ``arith`` with atoms x, 1 (the default job's target among them)."""
NGUYEN = ("Nguyen-1", "Nguyen-5", "Nguyen-7", "Nguyen-10", "Nguyen-4", "Nguyen-12")
"""Fit problems: easy ones (found by enumeration), ones found by look-ups, and the hardest two."""
HARD = tuple(f"Hard-{i}" for i in range(1, 9))
"""``fit-hard``: our own targets beyond the enumeration and look-ups of a 20 s fit
(``benchmarks.datasets.HARD``), where the weighted loop's turns have to find them."""

Row = dict[str, object]


def run_target(target: str, learning: bool, steps: int = 60) -> Row:
    """One ``automath run`` on ``arith`` (atoms x, 1): is the target the heaviest element?

    >>> row = run_target("x + 1", True, steps=10); row["solved"], row["task"]
    (True, 'run')
    """
    from automath.core.domain import Domain
    from automath.core.engine import Loop
    frozen = {} if learning else {"lr": 0.0, "rule_lr": 0.0}
    start = time.perf_counter()
    with torch_threads(1):
        res = Loop(Domain.create("arith", atoms="x,1"), target=target, steps=steps,
                   **frozen).run()
    best, reached = res.verdict()
    heavy = res.top(1)[0]
    return {"task": "run", "item": target, "solved": reached and heavy.id == best.id,
            "seconds": time.perf_counter() - start, "generated": len(res.store),
            "detail": f"heaviest {heavy.text} ({heavy.weight:.3g})"}


def prove_problem(path: Path, learning: bool, timeout: float = 10.0) -> Row:
    """One ``automath prove`` of a problem file within ``timeout`` seconds; learning on, its
    clause selection is guided by the guide fitted to the other suite's proofs (``guide_for``).

    >>> prove_problem(SUITES[0] / "monoid-identities.toml", False)["solved"]
    True
    """
    from automath.proofs.prove import prove
    guide = guide_for(path.parent, timeout) if learning else None
    start = time.perf_counter()
    res = prove(path, timeout=timeout, learning=learning, guide=guide)
    return {"task": "prove", "item": path.stem, "solved": res.proved,
            "seconds": time.perf_counter() - start, "generated": res.stats["generated"],
            "detail": f"{res.stats['given']} processed, {res.stats['proof_steps']} steps"}


@functools.cache
def guide_for(suite: Path, timeout: float) -> object:
    """The clause-selection guide fitted to the other suite's proofs (learning off,
    ``timeout`` each), once per process: learning on proves a problem with what was learned
    elsewhere, as a user's ``--guide`` file does."""
    from benchmarks.prove import trained
    return trained(next((s for s in SUITES if s != suite), None), timeout).guide


def fit_problem(name: str, learning: bool, seed: int = 0, budget: float = 20.0,
                task: str = "fit") -> Row:
    """One fit (20 points, the Nguyen grammar, one torch thread): exact recovery, the elements
    its search generated, which part found it and how many weighted-loop steps it took."""
    from automath.regression.estimator import SymbolicRegressor
    from benchmarks.datasets import PROBLEMS
    from benchmarks.sr import _recovered
    problem = PROBLEMS[name]
    x, y = problem.sample(seed)
    start = time.perf_counter()
    with torch_threads(1):
        model = SymbolicRegressor(grammar="nguyen", variable_names=tuple(problem.variables),
                                  max_time=budget, seed=seed, learning=learning).fit(x, y)
    seconds = time.perf_counter() - start
    steps = sum(e["event"] == "step" for e in model.search_log_)
    return {"task": task, "item": f"{name} seed {seed}",
            "solved": bool(_recovered(model.sympy(), problem, x, y)), "seconds": seconds,
            "generated": model.n_elements_,
            "detail": f"found by {model.found_by_ or 'nothing'}, {steps} loop steps"}


@dataclass(frozen=True)
class Settings:
    """The budget every job gets: loop steps, seconds per proof, seconds per fit, fit seeds."""

    steps: int = 60
    timeout: float = 10.0
    budget: float = 20.0
    seeds: int = 1


def jobs(tasks: Sequence[str], settings: Settings) -> list[tuple[str, object]]:
    """Every (task, item) of the chosen tasks.

    >>> [item for _, item in jobs(["run"], Settings())] == list(TARGETS)
    True
    """
    table = {
        "run": lambda: list(TARGETS),
        "prove": lambda: [p for suite in SUITES for p in sorted(suite.glob("*.toml"))],
        "fit": lambda: [(n, s) for n in NGUYEN for s in range(settings.seeds)],
        "fit-hard": lambda: [(n, s) for n in HARD for s in range(settings.seeds)],
    }
    return [(task, item) for task in tasks for item in table[task]()]


RUNNERS: dict[str, Callable[[object, bool, Settings], Row]] = {
    "run": lambda item, on, s: run_target(item, on, s.steps),
    "prove": lambda item, on, s: prove_problem(item, on, s.timeout),
    "fit": lambda item, on, s: fit_problem(item[0], on, item[1], s.budget),
    "fit-hard": lambda item, on, s: fit_problem(item[0], on, item[1], s.budget, "fit-hard"),
}
"""One twin of a job of each task: its item, learning on or off, and the settings."""


def run_pair(k: int, job: tuple[str, object], settings: Settings) -> Row:
    """Both twins of job ``k``, the first one alternating between on and off."""
    order = (True, False) if k % 2 == 0 else (False, True)
    task, item = job
    twins = {on: RUNNERS[task](item, on, settings) for on in order}
    return pair(twins[True], twins[False])


def bench_ablate(tasks: Sequence[str] = ("run", "prove", "fit"), settings: Settings = Settings(),
                 *, workers: int = 1, echo: Callable[[Row], None] | None = None) -> list[Row]:
    """Each job with learning on and off, interleaved; one row per job (both twins), in job
    order; ``workers`` processes run jobs side by side (each job's twins in one process).

    >>> rows = bench_ablate(["run"], Settings(steps=2))
    >>> sorted(rows[0]) == sorted(PAIR_COLUMNS)
    True
    """
    todo = jobs(tasks, settings)
    if workers <= 1:
        results = (run_pair(k, job, settings) for k, job in enumerate(todo))
    else:
        pool = ProcessPoolExecutor(workers, initializer=limit_threads, initargs=(workers,))
        results = pool.map(run_pair, range(len(todo)), todo, [settings] * len(todo))
    rows = []
    for row in results:
        rows.append(row)
        if echo:
            echo(row)
    return rows


PAIR_COLUMNS = ["task", "item", "solved on", "solved off", "s on", "s off", "generated on",
                "generated off", "on", "off"]


def pair(on: Row, off: Row) -> Row:
    """One row of the table from the learning-on and learning-off runs of a job."""
    return {"task": on["task"], "item": on["item"], "solved on": on["solved"],
            "solved off": off["solved"], "s on": round(on["seconds"], 3),
            "s off": round(off["seconds"], 3), "generated on": on["generated"],
            "generated off": off["generated"], "on": on["detail"], "off": off["detail"]}


def summary(rows: list[Row]) -> list[Row]:
    """Per task: solved on and off, total seconds, and the time ratio off/on.

    >>> r = {"task": "run", "solved on": True, "solved off": False, "s on": 1.0, "s off": 2.0}
    >>> summary([r])[0]["time off/on"]
    2.0
    """
    out = []
    for task in dict.fromkeys(r["task"] for r in rows):
        mine = [r for r in rows if r["task"] == task]
        on, off = (sum(r[f"s {w}"] for r in mine) for w in ("on", "off"))
        out.append({"task": task, "jobs": len(mine),
                    "solved on": sum(bool(r["solved on"]) for r in mine),
                    "solved off": sum(bool(r["solved off"]) for r in mine),
                    "s on": round(on, 2), "s off": round(off, 2),
                    "time off/on": round(off / on, 2) if on else None})
    return out
