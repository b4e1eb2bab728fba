"""Benchmark of the proving loop: time to a checked proof, beside a search that does not learn.

Each problem runs in three variants, measured in the same process: the default loop; the loop
with primitive constructors only (no ``rewrite``); and plain weighted search — the same
generation and cutoff schedule with learning and promotion off — as the peer the learned
weights are compared with. Runs are deterministic, so the best of ``repeat`` timed runs (after
one warm-up run) is reported.
"""

from __future__ import annotations

import time

import click

from automath.cli.common import print_table, split
from automath.core.threads import torch_threads
from automath.proofs.problem import Problem
from automath.proofs.prove import LemmaLoop, ProofResult

VARIANTS: dict[str, dict] = {
    "default": {},
    "primitives only": {"rewrite": False},
    "no learning (peer)": {"lr": 0.0, "rule_lr": 0.0, "promote_every": 0},
}


def timed_run(problem: Problem, budget: float, **config: object) -> dict:
    """One run stopped at the goal, the step budget or ``budget`` seconds; its figures.

    Here the time budget cannot bind (``inf``): the run is budgeted by steps alone.

    >>> row = timed_run(Problem.load("monoid-identities"), float("inf"), steps=40)
    >>> row["proved"], row["checked"], row["steps"] <= 40
    (True, True, True)
    """
    loop = LemmaLoop(problem, **config)
    start = time.perf_counter()
    while (loop.step_no < loop.config.steps and loop.goal_elem < 0
           and time.perf_counter() - start < budget):
        loop.run(steps=1)
    return _figures(loop.result(), time.perf_counter() - start)


def _figures(res: ProofResult, seconds: float) -> dict:
    s = res.stats
    return {"proved": res.proof is not None, "checked": res.checked, "seconds": seconds,
            "steps": s["steps"], "proofs": s["proofs"], "statements": s["statements"],
            "terms": s["terms"], "edges": s["edges"], "proof_steps": len(res.proof or []),
            "goal_weight": s["goal_weight"], "goal_generating_weight": s["goal_generating_weight"]}


def bench_prove(problems: tuple[str, ...] = ("monoid-identities", "czech-slovak"), *,
                repeat: int = 3, budget: float = 120.0, variants: tuple[str, ...] = tuple(VARIANTS),
                threads: int | None = 1) -> list[dict]:
    """Rows of figures per problem and variant, with each variant's time relative to the
    default loop (``vs_default`` > 1: slower than the default)."""
    with torch_threads(threads):
        return [row for name in problems for row in _problem_rows(name, repeat, budget, variants)]


def _problem_rows(name: str, repeat: int, budget: float, variants: tuple[str, ...]) -> list[dict]:
    """One problem's rows: the best of ``repeat`` runs per variant, after a warm-up run."""
    rows, problem = [], Problem.load(name)
    timed_run(problem, budget)  # warm-up: imports, first-call costs
    base = None
    for variant in variants:
        runs = [timed_run(problem, budget, **VARIANTS[variant]) for _ in range(repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        base = best["seconds"] if base is None else base
        rows.append({"problem": name, "variant": variant, **best,
                     "vs_default": best["seconds"] / base})
    return rows


@click.command("prove")
@click.option("--problems", default="monoid-identities,czech-slovak", show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True, help="Best of N runs.")
@click.option("--budget", type=float, default=120.0, show_default=True,
              help="Seconds allowed per run.")
@click.option("--threads", type=int, default=1, show_default=True)
def bench_prove_cmd(problems: str, repeat: int, budget: float, threads: int) -> None:
    """Time to a checked proof: the learning loop beside plain weighted search."""
    rows = bench_prove(tuple(split(problems) or ()), repeat=repeat, budget=budget,
                       threads=threads)
    print_table(rows, "prove: best of runs (vs_default > 1: slower than the default loop)",
                ["problem", "variant", "proved", "seconds", "vs_default", "steps", "proofs",
                 "proof_steps", "goal_weight"])
