"""``automath prove``: a problem's goal proved by saturation, with the lemmas that mattered; a
folder of problems with ``--suite`` (lemmas carried between them with ``--carry``)."""

from __future__ import annotations

import json

import click

from automath.cli.common import DB, console, escape, print_table

LEMMA_COLUMNS = ["rank", "statement", "score", "p", "q", "weight", "promoted"]
SUITE_COLUMNS = ["problem", "proved", "seconds", "proof_steps", "generated", "carried", "guided",
                 "run", "top_lemmas"]
FORMATS = ("table", "json", "tptp", "tstp")


@click.command("prove")
@click.argument("problem", required=False)
@click.option("--suite", type=click.Path(exists=True, file_okay=False),
              help="Prove every problem of this folder (.toml, and .p/.tptp without a .toml "
                   "twin) and print a table.")
@click.option("--carry", is_flag=True,
              help="With --suite: offer lemmas proved on earlier problems of the same "
                   "signature (and axioms) to the next ones.")
@click.option("--steps", type=int, help="Most equations to process (default: no limit).")
@click.option("--timeout", type=float, help="Seconds of search (default 10).")
@click.option("--max-memory", type=float, help="Megabytes the search may hold (default 1024).")
@click.option("--no-learning", is_flag=True,
              help="The plain goal-weighted search: no learned clause-selection guide.")
@click.option("--guide", "guide_file", type=click.Path(dir_okay=False),
              help="A clause-selection guide (JSON) learned on earlier proofs (--save-guide).")
@click.option("--save-guide", type=click.Path(dir_okay=False),
              help="With --suite: write the guide learned from the suite's proofs (JSON).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A search setting, e.g. --set age_every=4 (repeatable).")
@click.option("--top", type=int, default=10, show_default=True, help="Lemmas to show and store.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table; json (the run's records); tptp (the problem as TPTP CNF, no proof "
                   "run); tstp (the proof as TSTP steps).")
@click.option("--json", "as_json", is_flag=True, help="Deprecated: same as --format json.")
@DB
def prove_cmd(problem: str | None, suite: str | None, carry: bool, steps: int | None,
              timeout: float | None, max_memory: float | None, no_learning: bool,
              guide_file: str | None, save_guide: str | None, seed: int,
              settings: tuple[str, ...], top: int, fmt: str, as_json: bool, db: str) -> None:
    """Prove PROBLEM's goal (a shipped name, a .toml or a TPTP .p file) by saturation."""
    from automath.proofs.config import parse_settings
    from automath.proofs.guide import Guide
    fmt = "json" if as_json else fmt
    guide = Guide.load(guide_file) if guide_file else None
    extra = {k: v for k, v in (("timeout", timeout), ("max_memory", max_memory), ("steps", steps))
             if v is not None}
    config = {"seed": seed, "learning": not no_learning, **extra, **parse_settings(settings)}
    if (problem is None) == (suite is None):
        raise click.UsageError("give a PROBLEM or --suite DIR (not both)")
    if save_guide and suite is None:
        raise click.UsageError("--save-guide needs --suite DIR")
    if suite is not None:
        _suite(suite, carry, config, fmt, db, guide, save_guide)
    elif fmt == "tptp":
        from automath.proofs.prove import load
        from automath.proofs.tstp import problem_tptp
        click.echo(problem_tptp(load(problem)))
    else:
        _one(problem, {**config, "guide": guide}, top, fmt, db)


def _one(problem: str, config: dict, top: int, fmt: str, db: str) -> None:
    from automath.proofs.prove import prove
    from automath.runs.store import RunStore
    res = prove(problem, **config)
    records = res.to_records(top)
    run_id = RunStore(db).save_proof_run(records)
    if fmt == "json":
        click.echo(json.dumps({"run": run_id, **records}, indent=2, default=str))
    elif fmt == "tstp":
        from automath.proofs.tstp import proof_tstp
        click.echo(proof_tstp(res.problem, res.proof if res.proved else None,
                              res.stats["status"], problem))
    else:
        _print_proof(records, run_id, db)


def _suite(folder: str, carry: bool, config: dict, fmt: str, db: str, guide: object,
           save_guide: str | None) -> None:
    from automath.proofs.suite import Learning, prove_suite, summary
    from automath.runs.store import RunStore
    learner = Learning(guide)
    rows = prove_suite(folder, carry=carry, store=RunStore(db), learner=learner, **config)
    if save_guide:
        learner.guide.save(save_guide)
    if fmt == "json":
        click.echo(json.dumps({"rows": rows, "summary": summary(rows)}, indent=2, default=str))
        return
    print_table(rows, f"suite {folder}" + (" (lemmas carried)" if carry else ""), SUITE_COLUMNS)
    s = summary(rows)
    console.print(f"{s['proved']}/{s['problems']} proved in {s['seconds']:.2f} s, "
                  f"{s['generated']} equations generated; runs stored in {escape(db)}")


def _print_proof(records: dict, run_id: int, db: str) -> None:
    s = records["stats"]
    color = "green" if records["proved"] else "yellow"
    console.print(f"run [bold]{run_id}[/] in {escape(db)}: {escape(records['problem'])}: "
                  f"{escape(records['goal'])} [{color}]{escape(s.get('verdict'))}[/] "
                  f"({s.get('seconds', 0):.3f} s, {s.get('given')} processed, "
                  f"{s.get('generated')} generated)", highlight=False)
    if records["proof"]:
        console.print(escape(records["proof"]), highlight=False)
    print_table(records["lemmas"], "lemmas (active equations, heaviest first)", LEMMA_COLUMNS)
