"""``automath fit``: a formula for a column of a CSV file."""

from __future__ import annotations

import json
import math
import shlex

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from automath.cli.common import DB, console, emit, escape, format_option, print_table
from automath.core.errors import AutomathError
from automath.runs.store import BUDGET, RunStore

FRONT_COLUMNS = ["rank", "expression", "size", "loss", "weight", "exact", "selected"]
STOPPED = {"exact": "stopped at an exact fit",
           "time": "stopped at the time budget ({max_time} s): the best front found so far",
           "memory": "stopped at the memory budget: the best front found so far",
           "exhausted": "stopped after the whole search (no exact fit)",
           "interrupted": "stopped at Ctrl-C: the best front found so far"}


RUN_STATUS = {"exact": "finished", "exhausted": "finished", "time": BUDGET,
              "memory": BUDGET, "interrupted": "interrupted"}  # a fit's stop → its run's status


@click.command("fit")
@click.argument("data", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--target", help="The column to explain (not with --resume).")
@click.option("--grammar", default="arith+trig", show_default=True)
@click.option("--max-size", type=int, default=40, show_default=True)
@click.option("--steps", type=int, default=40, show_default=True, help="Weighted-loop steps.")
@click.option("--max-time", type=float, default=60.0, show_default=True,
              help="Seconds for the whole fit (0: no limit).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-constants", is_flag=True, help="No fitted constants (shapes only).")
@click.option("--resume", type=int, metavar="RUN",
              help="Continue fit run RUN of --db from its saved front (same data and settings; "
                   "--max-time gives it a new budget).")
@format_option
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the front as a run in --db (see `automath query RUN`).")
@DB
def fit_cmd(data: str | None, target: str | None, grammar: str, max_size: int, steps: int,
            max_time: float | None, seed: int, no_constants: bool, resume: int | None, fmt: str,
            save: bool, db: str) -> None:
    """Find a formula for TARGET from the other columns of the CSV file DATA."""
    from automath.regression.estimator import front_records
    params = {"grammar": grammar, "max_size": max_size, "steps": steps,
              "max_time": max_time or None, "seed": seed, "fit_constants": not no_constants}
    domain = {"data": data, "target": target, "grammar": grammar}
    prior = None
    if resume is not None:
        domain, params, prior = _stored_fit(db, resume, data, target, params["max_time"])
    elif data is None or target is None:
        raise click.UsageError("give DATA and --target (or --resume RUN)")
    quiet = fmt != "table"
    model = _with_progress(lambda cb: _fit(domain, params, prior, cb), quiet)
    records = front_records(model)
    rows = [{k: _plain(r[k]) for k in FRONT_COLUMNS[1:]} for r in records]
    if save:
        _save_front(db, domain, params, model, rows, resume, quiet)
    _print_front(fmt, model, rows, records, f"{domain['target']} ≈ {model.sympy()}", params)


def _stored_fit(db: str, run_id: int, data: str | None, target: str | None,
                max_time: float | None) -> tuple[dict, dict, object]:
    """The domain, settings and model of fit run ``run_id``, with a new time budget."""
    from automath.regression.estimator import SymbolicRegressor
    from automath.regression.saving import document_fit
    if data is not None or target is not None:
        raise click.UsageError("--resume takes its data and target from the run: give neither")
    row = RunStore(db, create=False).run(run_id)
    config = dict(row["config"])
    doc = config.pop("model", None)
    if doc is None:
        raise AutomathError(f"fit run {run_id} holds no model to resume (saved before "
                            "fits were resumable, or not a fit run)", file=db)
    domain = {k: row["domain"].get(k) for k in ("data", "target", "grammar")}
    return domain, {**config, "max_time": max_time}, document_fit(SymbolicRegressor, doc, db)


def _fit(domain: dict, params: dict, prior, callback):
    """A new fit of the domain's CSV, or ``prior`` warm-started on it (seeded by its front)."""
    from automath.regression.estimator import SymbolicRegressor
    from automath.regression.inputs import read_csv
    x, y, names = read_csv(domain["data"], domain["target"])
    if prior is None:
        return SymbolicRegressor(variable_names=tuple(names), callback=callback,
                                 **params).fit(x, y)
    return prior.set_params(warm_start=True, callback=callback,
                            max_time=params["max_time"]).fit(x, y)


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


def _save_front(db: str, domain: dict, params: dict, model, rows: list[dict],
                resume: int | None, quiet: bool) -> None:
    """Store the front with the model (so the run can be resumed); a resumed run is updated."""
    from automath.regression.saving import fit_document
    config, status = {**params, "model": fit_document(model)}, RUN_STATUS[model.stopped_]
    store = RunStore(db, create=resume is None)
    if resume is None:
        run_id = store.save_fit_run(domain, config, rows, status)
    else:
        store.replace_fit_run(run_id := resume, config, rows, status)
    if quiet:
        return
    console.print(f"run [bold]{run_id}[/] in {escape(db)}: a front of {len(rows)} formulas",
                  highlight=False)
    if status != "finished":
        console.print(f"continue it: automath fit --resume {run_id} --db "
                      f"{escape(shlex.quote(db))}", highlight=False)


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
