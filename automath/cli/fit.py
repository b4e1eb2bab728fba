"""``automath fit``: a formula for a column of a CSV file."""

from __future__ import annotations

import json
import math

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from automath.cli.common import DB, console, emit, escape, format_option, print_table

FRONT_COLUMNS = ["rank", "expression", "size", "loss", "weight", "exact", "selected"]
STOPPED = {"exact": "stopped at an exact fit",
           "time": "stopped at the time budget ({max_time} s): the best front found so far",
           "memory": "stopped at the memory budget: the best front found so far",
           "exhausted": "stopped after the whole search (no exact fit)",
           "interrupted": "stopped at Ctrl-C: the best front found so far"}


@click.command("fit")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--target", required=True, help="The column to explain.")
@click.option("--grammar", default="arith+trig", show_default=True)
@click.option("--max-size", type=int, default=40, show_default=True)
@click.option("--steps", type=int, default=40, show_default=True, help="Weighted-loop steps.")
@click.option("--max-time", type=float, default=60.0, show_default=True,
              help="Seconds for the whole fit (0: no limit).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-constants", is_flag=True, help="No fitted constants (shapes only).")
@format_option
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the front as a run in --db (see `automath query RUN`).")
@DB
def fit_cmd(data: str, target: str, grammar: str, max_size: int, steps: int,
            max_time: float | None, seed: int, no_constants: bool, fmt: str, save: bool,
            db: str) -> None:
    """Find a formula for TARGET from the other columns of the CSV file DATA."""
    from automath.regression.estimator import fit_csv, front_records
    params = {"grammar": grammar, "max_size": max_size, "steps": steps,
              "max_time": max_time or None, "seed": seed, "fit_constants": not no_constants}
    quiet = fmt != "table"
    model = _with_progress(lambda cb: fit_csv(data, target, callback=cb, **params), quiet)
    records = front_records(model)
    rows = [{k: _plain(r[k]) for k in FRONT_COLUMNS[1:]} for r in records]
    if save:
        _save_front(db, {"data": data, "target": target, "grammar": grammar}, params, rows,
                    quiet=quiet)
    _print_front(fmt, model, rows, records, f"{target} ≈ {model.sympy()}", params)


def _print_front(fmt: str, model, rows: list[dict], records: list[dict], formula: str,
                 params: dict) -> None:
    """The front in ``fmt``: JSON {formula, exact, stopped, front}; a table, markdown or LaTeX
    (each expression as math) with the stop reason after it (on stderr but for the table)."""
    if fmt == "json":
        click.echo(json.dumps({"formula": str(model.sympy()), "exact": bool(model.exact_),
                               "stopped": model.stopped_, "front": rows}, indent=2,
                              default=str))
        return
    stopped = STOPPED[model.stopped_].format(**params)
    if fmt == "table":
        print_table(rows, f"{formula}  (front: accuracy against size)")
        console.print(stopped, highlight=False)
        return
    import sympy
    tex = {r["expression"]: sympy.latex(r["sympy"]) for r in records}
    emit(rows, fmt, title=f"{formula} (front: accuracy against size)",
         math=lambda row: tex[row["expression"]], math_column="expression")
    click.echo(stopped, err=True)


def _save_front(db: str, domain: dict, config: dict, rows: list[dict], quiet: bool) -> None:
    from automath.runs.store import RunStore
    run_id = RunStore(db).save_fit_run(domain, config, rows)
    if not quiet:
        console.print(f"run [bold]{run_id}[/] in {escape(db)}: a front of {len(rows)} formulas",
                      highlight=False)


def _plain(value: object) -> object:
    """NaN (a weight the loop never set) as None, so the JSON output is strict JSON.

    >>> _plain(float("nan")), _plain(0.5)
    (None, 0.5)
    """
    return None if isinstance(value, float) and math.isnan(value) else value


def _with_progress(work, quiet: bool):
    cols = [SpinnerColumn(), TextColumn("fit {task.fields[info]}"), TimeElapsedColumn()]
    with Progress(*cols, console=console, transient=True, disable=quiet) as bar:
        task = bar.add_task("fit", total=None, info="")

        def event(rec: dict) -> None:
            info = f"{rec.get('event')}: {rec.get('elements', '')} elements"
            bar.update(task, info=info + (" — exact" if rec.get("exact") else ""))

        return work(event)
