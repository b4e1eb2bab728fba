"""``automath bench …``: figures beside peers, measured in the same run (never pass/fail)."""

from __future__ import annotations

import click

from automath.cli.common import Printer, format_option, split
from benchmarks.prove import bench_prove_cmd
from benchmarks.sr import bench_sr_cmd


@click.group()
def bench() -> None:
    """Benchmarks (figures, not pass/fail)."""


def _threads(threads: int | None) -> None:
    """The thread count for this benchmark process (it runs one benchmark, then exits)."""
    if threads:
        import torch
        torch.set_num_threads(threads)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in split(text) or ())


def _max_time_option(f):
    return click.option("--max-time", type=click.FloatRange(min=0), default=None,
                        help="Seconds: past them no further row starts (the rows so far "
                             "are printed; default: no limit).")(f)


def _stopped(rows: list[dict], total: int, max_time: float | None) -> None:
    """Say on stderr when the budget cut the table short."""
    if len(rows) < total:
        click.echo(f"stopped at budget ({max_time:g} s): {len(rows)} of {total} rows", err=True)


@bench.command("generate")
@click.option("--sizes", default="100,1000,3000,10000", show_default=True,
              help="Parent counts N.")
@click.option("--device", default="cpu", show_default=True)
@click.option("--threads", type=int, help="torch.set_num_threads before timing.")
@_max_time_option
@format_option
def bench_generate_cmd(sizes: str, device: str, threads: int | None, max_time: float | None,
                       fmt: str) -> None:
    """Candidates fingerprinted and deduplicated per second, beside plain torch.unique
    (rows as they are measured; JSON: {"generate": [...]})."""
    from benchmarks.engine import bench_generate, generate_jobs
    _threads(threads)
    total = generate_jobs(_ints(sizes))
    with Printer(fmt) as out:
        with out.stream("generate", "generate: N² pairs of `mul` (at most 4M, sampled)",
                        total=total) as add:
            rows = bench_generate(_ints(sizes), device=device, echo=add, max_time=max_time)
    _stopped(rows, total, max_time)


@bench.command("evolve")
@click.option("--edges", default="100000,1000000,4000000", show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option("--threads", type=int, help="torch.set_num_threads before timing.")
@_max_time_option
@format_option
def bench_evolve_cmd(edges: str, device: str, threads: int | None, max_time: float | None,
                     fmt: str) -> None:
    """Forward+backward hyperedges per second of the evolution, beside the edges in their
    given order and a sparse-matrix form (rows as they are measured; JSON: {"evolve": [...]})."""
    from benchmarks.engine import bench_evolve
    _threads(threads)
    total = len(_ints(edges))
    with Printer(fmt) as out:
        with out.stream("evolve", "evolve: forward + backward, depth 2", total=total) as add:
            rows = bench_evolve(_ints(edges), device=device, echo=add, max_time=max_time)
    _stopped(rows, total, max_time)


@bench.command("evonet")
@click.option("--quick", is_flag=True, help="Fewer sizes and seeds.")
@click.option("--seeds", type=int, default=5, show_default=True)
@format_option
def bench_evonet_cmd(quick: bool, seeds: int, fmt: str) -> None:
    """Evolving networks: batched forward+backward vs per-op loops; seconds per recovery
    (rows as they finish; JSON: {"speed": [...], "recovery": [...]})."""
    from benchmarks.evonet import RECOVERY_TITLE, SPEED_TITLE, plan, run_plan
    titles = {"speed": SPEED_TITLE, "recovery": RECOVERY_TITLE}
    with Printer(fmt) as out:
        for what, calls in plan(quick, seeds, (64, 128, 256), (1, 2)).items():
            with out.stream(what, titles[what]) as add:
                run_plan(calls, what, echo=add)


@bench.command("explore")
@click.option("--repeat", type=int, default=3, show_default=True, help="Best of N runs.")
@click.option("--growth", default="5,7,9,11", show_default=True,
              help="Sizes of {0,1,+,*} for the growth table ('' to skip).")
@click.option("--case", "cases", multiple=True,
              help="Only this signature (a name of the table; repeat for more).")
@_max_time_option
@format_option
def bench_explore_cmd(repeat: int, growth: str, cases: tuple[str, ...], max_time: float | None,
                      fmt: str) -> None:
    """Law discovery per signature beside QuickSpec 2.2's published times; growth with size
    (rows as they finish; JSON: {"explore": [...], "growth": [...]}). --max-time covers both
    tables: past it the run in progress is killed and no further row starts."""
    import time

    from benchmarks.explore import CASES, bench_explore, bench_growth
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        raise click.BadParameter(f"unknown {unknown}; known: {', '.join(CASES)}",
                                 param_hint="--case")
    chosen, sizes = list(cases or CASES), _ints(growth)
    deadline = None if max_time is None else time.perf_counter() + max_time
    with Printer(fmt) as out:
        with out.stream("explore", "explore: best of runs, fresh process each (peak RSS "
                        "includes torch)", total=len(chosen)) as add:
            rows = bench_explore(chosen, repeat=repeat, echo=add, deadline=deadline)
        if sizes:
            with out.stream("growth", "explore {0,1,+,*}: growth with size",
                            total=len(sizes)) as add:
                rows += bench_growth(sizes=sizes, echo=add, deadline=deadline)
    _stopped(rows, len(chosen) + len(sizes), max_time)


@bench.command("ablate")
@click.option("--tasks", default="run,prove,fit", show_default=True,
              help="Which tasks: run (targets on arith), prove (the problem suites), fit (Nguyen).")
@click.option("--steps", type=int, default=60, show_default=True, help="Loop steps per run.")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Seconds per proof.")
@click.option("--budget", type=float, default=20.0, show_default=True, help="Seconds per fit.")
@click.option("--seeds", type=int, default=1, show_default=True, help="Seeds per fit problem.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes running jobs side by side (times then share the cores).")
@format_option
def bench_ablate_cmd(tasks: str, steps: int, timeout: float, budget: float, seeds: int,
                     workers: int, fmt: str) -> None:
    """Learning on against learning off, same budget, interleaved: solved, time, generated
    (rows as they finish; JSON: {"rows": [...], "summary": [...]})."""
    from benchmarks.ablate import PAIR_COLUMNS, Settings, bench_ablate, jobs, summary
    settings, chosen = Settings(steps, timeout, budget, seeds), split(tasks) or ()
    with Printer(fmt) as out:
        with out.stream("rows", "ablate: learning on and off (same budget, interleaved)",
                        PAIR_COLUMNS, total=len(jobs(chosen, settings))) as add:
            rows = bench_ablate(chosen, settings, workers=workers, echo=add)
        out.table("summary", summary(rows), "ablate: per task")


bench.add_command(bench_prove_cmd)
bench.add_command(bench_sr_cmd)
