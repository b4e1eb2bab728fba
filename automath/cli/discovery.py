"""``automath explore | prove | fit``: laws of a grammar, proofs with lemmas, formulas from data."""

from __future__ import annotations

import json
import math

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from automath.cli.common import DB, console, print_table, split

LAW_COLUMNS = ["rank", "law", "weight", "size", "generates", "verified"]
LEMMA_COLUMNS = ["rank", "statement", "score", "p", "q", "weight", "promoted"]
FRONT_COLUMNS = ["rank", "expression", "size", "loss", "weight", "exact", "selected"]


def law_rows(records: list[dict]) -> list[dict]:
    """Law records as table rows with a rank and a printed ``lhs = rhs``.

    >>> law_rows([{"lhs": "x + 0", "rhs": "x", "size": 3}])[0]["law"]
    'x + 0 = x'
    """
    return [{"rank": n, "law": f"{r['lhs']} = {r['rhs']}", **r} for n, r in enumerate(records, 1)]


@click.command("explore")
@click.argument("grammar")
@click.option("--vars", "variables", default="x,y,z", show_default=True,
              help="Comma-separated variable names.")
@click.option("--size", type=int, default=7, show_default=True,
              help="Largest side of a law (nodes of a term).")
@click.option("--domain", "kind", help="Value kind: modp, int, bool, perm, real "
              "(default: the first with a kernel for every operator).")
@click.option("--constants", help="Comma-separated constants (default: nullary "
              "constructors, and 0,1 where the grammar has numerals); '' for none.")
@click.option("--ops", help="Comma-separated constructors to use (default: all).")
@click.option("--timeout", type=float, default=5.0, show_default=True,
              help="Seconds allowed for each sympy proof.")
@click.option("--json", "as_json", is_flag=True, help='Print {"laws": [...]} as JSON.')
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the laws as a run in --db (see `automath query RUN --laws`).")
@DB
def explore_cmd(grammar: str, variables: str, size: int, kind: str | None,
                constants: str | None, ops: str | None, timeout: float, as_json: bool,
                save: bool, db: str) -> None:
    """Find the equational laws of GRAMMAR's operators: verified, minimal, weighted."""
    from automath.laws.explore import explore
    laws = explore(grammar, vars=split(variables), size=size, kind=kind,
                   constants=split(constants), ops=split(ops), weights=True, timeout=timeout)
    records = [law.to_dict() for law in laws]
    if save:
        _save_laws(db, records, {"grammar": grammar, "kind": kind, "atoms": variables},
                   {"size": size, "ops": ops, "constants": constants, "timeout": timeout},
                   quiet=as_json)
    if as_json:
        click.echo(json.dumps({"laws": records}, indent=2))
        return
    for n, law in enumerate(laws, 1):
        console.print(f"{n:3d}. {law}  [dim]({law.verified}, weight {law.weight:.3f})[/]",
                      highlight=False)


def _save_laws(db: str, records: list[dict], domain: dict, config: dict, quiet: bool) -> None:
    from automath.runs.store import RunStore
    store = RunStore(db)
    run_id = store.create({"command": "explore", **domain}, {**config, "steps": 0})
    store.save_laws(run_id, records)
    if not quiet:
        console.print(f"run [bold]{run_id}[/] in {db}: {len(records)} laws", highlight=False)


@click.command("prove")
@click.argument("problem")
@click.option("--steps", type=int, help="Most steps of the proving loop (default: the problem's).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A loop setting, e.g. --set depth=4 --set rewrite=false (repeatable).")
@click.option("--top", type=int, default=10, show_default=True, help="Lemmas to show and store.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's records as JSON.")
@DB
def prove_cmd(problem: str, steps: int | None, seed: int, settings: tuple[str, ...], top: int,
              as_json: bool, db: str) -> None:
    """Prove PROBLEM's goal (a shipped name or a .toml file) and learn which lemmas matter."""
    from automath.proofs.config import parse_settings
    from automath.proofs.prove import prove
    from automath.runs.store import RunStore
    res = prove(problem, steps=steps, seed=seed, **parse_settings(settings))
    records = res.to_records(top)
    run_id = RunStore(db).save_proof_run(records)
    if as_json:
        click.echo(json.dumps({"run": run_id, **records}, indent=2, default=str))
        return
    _print_proof(records, run_id, db)


def _print_proof(records: dict, run_id: int, db: str) -> None:
    s = records["stats"]
    verdict = "[green]proved[/]" if records["proved"] else "[yellow]not proved[/]"
    console.print(f"run [bold]{run_id}[/] in {db}: {records['problem']}: {records['goal']} "
                  f"{verdict} ({s.get('steps')} steps, {s.get('proofs')} proofs)", highlight=False)
    if records["proof"]:
        console.print(records["proof"], highlight=False)
    print_table(records["lemmas"], "lemmas (score -p/(q log q))", LEMMA_COLUMNS)


@click.command("fit")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--target", required=True, help="The column to explain.")
@click.option("--grammar", default="arith+trig", show_default=True)
@click.option("--max-size", type=int, default=40, show_default=True)
@click.option("--steps", type=int, default=40, show_default=True, help="Weighted-loop steps.")
@click.option("--max-time", type=float, help="Seconds (soft limit).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-constants", is_flag=True, help="No fitted constants (shapes only).")
@click.option("--json", "as_json", is_flag=True, help="Print the front as JSON.")
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the front as a run in --db (see `automath query RUN`).")
@DB
def fit_cmd(data: str, target: str, grammar: str, max_size: int, steps: int,
            max_time: float | None, seed: int, no_constants: bool, as_json: bool, save: bool,
            db: str) -> None:
    """Find a formula for TARGET from the other columns of the CSV file DATA."""
    from automath.regression.estimator import fit_csv, front_records
    params = {"grammar": grammar, "max_size": max_size, "steps": steps, "max_time": max_time,
              "seed": seed, "fit_constants": not no_constants}
    model = _with_progress(lambda cb: fit_csv(data, target, callback=cb, **params), as_json)
    rows = [{k: _plain(v) for k, v in r.items() if k != "sympy"} for r in front_records(model)]
    if save:
        _save_front(db, {"data": data, "target": target, "grammar": grammar}, params, rows,
                    quiet=as_json)
    if as_json:
        click.echo(json.dumps({"formula": str(model.sympy()), "exact": bool(model.exact_),
                               "front": rows}, indent=2, default=str))
        return
    print_table(rows, f"{target} ≈ {model.sympy()}  (front: accuracy against size)")


def _save_front(db: str, domain: dict, config: dict, rows: list[dict], quiet: bool) -> None:
    from automath.runs.store import RunStore
    run_id = RunStore(db).save_fit_run(domain, config, rows)
    if not quiet:
        console.print(f"run [bold]{run_id}[/] in {db}: a front of {len(rows)} formulas",
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
