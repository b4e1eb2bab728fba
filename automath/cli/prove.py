"""``automath prove``: a problem's goal proved, with the lemmas that mattered."""

from __future__ import annotations

import json

import click

from automath.cli.common import DB, console, print_table

LEMMA_COLUMNS = ["rank", "statement", "score", "p", "q", "weight", "promoted"]


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
