"""``automath sweep``: a grid of runs from a TOML plan, on local processes or Ray, one database."""

from __future__ import annotations

import click

from automath.cli.common import DB, emit, format_option

COLUMNS = ["job", "status", "tries", "seconds", "runs", "last line"]


@click.command("sweep")
@click.argument("plan", type=click.Path(exists=True, dir_okay=False))
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Local worker processes (ignored with --ray).")
@click.option("--ray", "ray_address", metavar="ADDRESS",
              help="Run the jobs as Ray tasks: 'local' for a Ray on this machine, or a cluster "
              "address (needs automath[ray]).")
@click.option("--timeout", type=float, help="Seconds a job may run before it is killed.")
@click.option("--dry-run", is_flag=True, help="Print the command lines, run nothing.")
@format_option
@DB
def sweep_cmd(plan: str, workers: int, ray_address: str | None, timeout: float | None,
              dry_run: bool, fmt: str, db: str) -> None:
    """Run every job of PLAN (a TOML sweep file); each job's runs are merged into --db."""
    from automath.sweeps import ProcessPool, RayPool, load_plan, run_sweep, summary
    jobs = load_plan(plan)
    if dry_run:
        click.echo("\n".join("automath " + " ".join(j.argv) for j in jobs))
        return
    pool = RayPool(None if ray_address == "local" else ray_address) if ray_address \
        else ProcessPool(workers)
    rows = []
    for row in run_sweep(jobs, db, pool=pool, timeout=timeout):
        rows.append(row)
        click.echo(f"[{len(rows)}/{len(jobs)}] {row['job']}: {row['status']} "
                   f"({row['seconds']} s, runs {row['runs']})", err=True)
    emit(rows, fmt, COLUMNS, f"sweep {plan} into {db}")  # JSON: the bare list of rows
    if fmt != "json":
        click.echo(summary(rows), err=fmt != "table")
