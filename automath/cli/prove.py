"""``automath prove``: a problem's goal proved by saturation, with the lemmas that mattered."""

from __future__ import annotations

import json

import click

from automath.cli.common import DB, console, escape, print_table

LEMMA_COLUMNS = ["rank", "statement", "score", "p", "q", "weight", "promoted"]


@click.command("prove")
@click.argument("problem")
@click.option("--steps", type=int, help="Most equations to process (default: no limit).")
@click.option("--timeout", type=float, help="Seconds of search (default 10).")
@click.option("--max-memory", type=float, help="Megabytes the search may hold (default 1024).")
@click.option("--no-learning", is_flag=True,
              help="The same search with learned weights off (size and age alone).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A search setting, e.g. --set age_every=4 (repeatable).")
@click.option("--top", type=int, default=10, show_default=True, help="Lemmas to show and store.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's records as JSON.")
@DB
def prove_cmd(problem: str, steps: int | None, timeout: float | None, max_memory: float | None,
              no_learning: bool, seed: int, settings: tuple[str, ...], top: int, as_json: bool,
              db: str) -> None:
    """Prove PROBLEM's goal (a shipped name, a .toml or a TPTP .p file) by saturation."""
    from automath.proofs.config import parse_settings
    from automath.proofs.prove import prove
    from automath.runs.store import RunStore
    extra = {k: v for k, v in (("timeout", timeout), ("max_memory", max_memory)) if v is not None}
    res = prove(problem, steps=steps, seed=seed, learning=not no_learning,
                **{**extra, **parse_settings(settings)})
    records = res.to_records(top)
    run_id = RunStore(db).save_proof_run(records)
    if as_json:
        click.echo(json.dumps({"run": run_id, **records}, indent=2, default=str))
        return
    _print_proof(records, run_id, db)


def _print_proof(records: dict, run_id: int, db: str) -> None:
    s = records["stats"]
    color = "green" if records["proved"] else "yellow"
    console.print(f"run [bold]{run_id}[/] in {escape(db)}: {escape(records['problem'])}: "
                  f"{escape(records['goal'])} "
                  f"[{color}]{s.get('verdict')}[/] ({s.get('seconds', 0):.3f} s, "
                  f"{s.get('given')} processed, {s.get('generated')} generated)",
                  highlight=False)
    if records["proof"]:
        console.print(escape(records["proof"]), highlight=False)
    print_table(records["lemmas"], "lemmas (active equations, heaviest first)", LEMMA_COLUMNS)
