"""``automath bench …``: figures beside peers, measured in the same run (never pass/fail)."""

from __future__ import annotations

import click

from automath.cli.common import print_table, split


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


@bench.command("prove")
@click.option("--problems", default="monoid-identities,czech-slovak", show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True, help="Best of N runs.")
@click.option("--budget", type=float, default=120.0, show_default=True,
              help="Seconds allowed per run.")
@click.option("--threads", type=int, default=1, show_default=True)
def bench_prove_cmd(problems: str, repeat: int, budget: float, threads: int) -> None:
    """Time to a checked proof: the learning loop beside plain weighted search."""
    from benchmarks.prove import bench_prove
    rows = bench_prove(tuple(split(problems) or ()), repeat=repeat, budget=budget,
                       threads=threads)
    print_table(rows, "prove: best of runs (vs_default > 1: slower than the default loop)",
                ["problem", "variant", "proved", "seconds", "vs_default", "steps", "proofs",
                 "proof_steps", "goal_weight"])


@bench.command("sr")
@click.option("--problems", default="nguyen", show_default=True,
              help="'nguyen' (all 12) or comma-separated names or numbers, e.g. 1,5,8.")
@click.option("--seeds", type=int, default=10, show_default=True)
@click.option("--peers", default="gplearn,pyoperon", show_default=True,
              help="Comma-separated peers ('' for none); missing ones are reported.")
@click.option("--budget", type=float, default=60.0, show_default=True,
              help="Seconds per run, for every method.")
def bench_sr_cmd(problems: str, seeds: int, peers: str, budget: float) -> None:
    """Exact recovery on Nguyen 1–12: rate and median time, ours beside gplearn and Operon."""
    from benchmarks.sr import bench_sr
    out = bench_sr(problems, seeds=seeds, peers=tuple(split(peers) or ()), budget=budget,
                   echo=click.echo)
    print_table(out["rows"], "symbolic regression: exact recovery (ratio > 1: we are faster)")
