"""``automath bench …``: figures beside peers, measured in the same run (never pass/fail)."""

from __future__ import annotations

import click

from automath.cli.common import print_table, split
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


@bench.command("generate")
@click.option("--sizes", default="100,1000,3000,10000", show_default=True,
              help="Parent counts N.")
@click.option("--device", default="cpu", show_default=True)
@click.option("--threads", type=int, help="torch.set_num_threads before timing.")
def bench_generate_cmd(sizes: str, device: str, threads: int | None) -> None:
    """Candidates fingerprinted and deduplicated per second, beside plain torch.unique."""
    from benchmarks.engine import bench_generate
    _threads(threads)
    print_table(bench_generate(_ints(sizes), device=device),
                "generate: N² pairs of `mul` (at most 4M, sampled)")


@bench.command("evolve")
@click.option("--edges", default="100000,1000000,4000000", show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option("--threads", type=int, help="torch.set_num_threads before timing.")
def bench_evolve_cmd(edges: str, device: str, threads: int | None) -> None:
    """Forward+backward hyperedges per second of the evolution, beside a sparse-matrix form."""
    from benchmarks.engine import bench_evolve
    _threads(threads)
    print_table(bench_evolve(_ints(edges), device=device), "evolve: forward + backward, depth 2")


@bench.command("evonet")
@click.option("--quick", is_flag=True, help="Fewer sizes and seeds.")
@click.option("--seeds", type=int, default=5, show_default=True)
def bench_evonet_cmd(quick: bool, seeds: int) -> None:
    """Evolving networks: batched forward+backward vs per-op loops; seconds per recovery."""
    from benchmarks.evonet import bench_evonet
    bench_evonet(quick=quick, seeds=seeds, echo=click.echo)


@bench.command("explore")
@click.option("--repeat", type=int, default=3, show_default=True, help="Best of N runs.")
@click.option("--growth", default="5,7,9,11", show_default=True,
              help="Sizes of {0,1,+,*} for the growth table ('' to skip).")
def bench_explore_cmd(repeat: int, growth: str) -> None:
    """Law discovery per signature beside QuickSpec 2.2's published times; growth with size."""
    from benchmarks.explore import bench_explore, bench_growth
    print_table(bench_explore(repeat=repeat),
                "explore: best of runs, fresh process each (peak RSS includes torch)")
    if growth:
        print_table(bench_growth(sizes=_ints(growth)), "explore {0,1,+,*}: growth with size")


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
def bench_ablate_cmd(tasks: str, steps: int, timeout: float, budget: float, seeds: int,
                     workers: int) -> None:
    """Learning on against learning off, same budget, interleaved: solved, time, generated."""
    from benchmarks.ablate import PAIR_COLUMNS, Settings, bench_ablate, summary

    def echo(row: dict) -> None:
        click.echo(" | ".join(str(row[c]) for c in PAIR_COLUMNS), err=True)

    settings = Settings(steps, timeout, budget, seeds)
    rows = bench_ablate(split(tasks) or (), settings, workers=workers, echo=echo)
    print_table(rows, "ablate: learning on and off (same budget, interleaved)", PAIR_COLUMNS)
    print_table(summary(rows), "ablate: per task")


bench.add_command(bench_prove_cmd)
bench.add_command(bench_sr_cmd)
