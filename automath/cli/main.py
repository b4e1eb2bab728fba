"""Command-line interface: ``automath run | query | runs | grammar check | explore | prove | fit |
bench``."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from automath.cli.common import DB, console, import_benchmarks, print_table
from automath.cli.explore import LAW_COLUMNS, explore_cmd, law_rows
from automath.cli.fit import FRONT_COLUMNS, fit_cmd
from automath.cli.prove import LEMMA_COLUMNS, prove_cmd
from automath.core.errors import AutomathError


class _Group(click.Group):
    """Turns every AutomathError into a one-line message and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AutomathError as e:
            console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(package_name="automath")
def main() -> None:
    """automath: automated mathematical discovery."""


@main.command()
@click.argument("grammar", required=False, default="arith")
@click.option("--atoms", help="Comma-separated atoms, e.g. 'x,1,2'.")
@click.option("--kind", help="Value kind: real, modp, int, bool, perm.")
@click.option("--target", help="Target expression (score = closeness to it).")
@click.option("--steps", type=int, default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--depth", type=int, default=2, show_default=True, help="Evolution steps T.")
@click.option("--cutoff", type=float, default=1e-4, show_default=True)
@click.option("--lr", type=float, default=0.1, show_default=True)
@click.option("--prune-every", type=int, default=10, show_default=True)
@click.option("--k", "k", type=int, default=16, show_default=True, help="Fingerprint samples.")
@click.option("--device", default="cpu", show_default=True)
@click.option("--resume", type=int, help="Continue run ID from its last finished step.")
@click.option("--journal", is_flag=True, help="Write journal/<date>-run<id>.md with a plot.")
@click.option("--top", type=int, default=10, show_default=True)
@click.option("--entropy", type=float, default=0.0, show_default=True,
              help="Add W * Entropy() to the loss (W > 0 concentrates, W < 0 spreads).")
@click.option("--score", "score", help="User score module:function, f(store, ids) -> tensor.")
@DB
def run(grammar: str, atoms: str | None, kind: str | None, target: str | None, steps: int,
        seed: int, depth: int, cutoff: float, lr: float, prune_every: int, k: int, device: str,
        resume: int | None, journal: bool, top: int, entropy: float, score: str | None,
        db: str) -> None:
    """Run a generation-and-learning loop on GRAMMAR (a shipped name or a .lark file)."""
    from automath.runs.store import RunStore, open_run, record
    store = RunStore(db)
    if resume is not None:
        loop, run_id = open_run(store, resume), resume
    else:
        loop, run_id = _new_run(store, grammar, atoms, kind, target, steps, seed, depth,
                                cutoff, lr, prune_every, k, device, entropy, score)
    save = record(store, run_id, loop)
    result = _progress(loop, save, run_id)
    console.print(f"run [bold]{run_id}[/] in {db}: step {loop.state.step}")
    _table(result.to_records(top))
    _verdict(result, uses_target=store.run(run_id)["config"].get("score") is None)
    if journal:
        from automath.runs.journal import write_entry
        console.print(f"journal: {write_entry(store, run_id, result)}")


def _new_run(store, grammar, atoms, kind, target, steps, seed, depth, cutoff, lr,
             prune_every, k, device, entropy=0.0, score=None):
    from automath.core.domain import Domain
    from automath.core.engine import Loop
    from automath.runs.store import run_objective
    spec = {"grammar": grammar, "atoms": atoms, "kind": kind, "k": k, "seed": seed,
            "device": device}
    domain = Domain.create(**spec)
    objective = run_objective(domain, target, entropy, score)
    loop = Loop(domain, objective, target=target, steps=steps, seed=seed, depth=depth,
                cutoff=cutoff, lr=lr, prune_every=prune_every)
    spec.update(atoms=",".join(domain.grammar.format(a) for a in domain.atoms
                               if a.op in domain.grammar.atoms), kind=domain.kind.name)
    extra = {"entropy": entropy} if entropy else {}
    extra.update({"score": score} if score else {})
    aim = target if score else loop.target  # a score run aims at no preset target
    return loop, store.create(spec, {**asdict(loop.config), "target": aim, **extra})


def _verdict(result, uses_target: bool) -> None:
    """Print whether the target was reached, the best-scoring and the heaviest element."""
    best, reached = result.verdict()
    if best is None:
        return
    heavy = result.top(1)[0]
    if uses_target and reached:
        click.echo(f"target reached: {best.text} (weight {best.weight:.4g})")
    else:
        head = "target not reached; " if uses_target else ""
        click.echo(f"{head}best score {best.score:.4g}: {best.text} (weight {best.weight:.4g})")
    if heavy.id != best.id or not reached:
        click.echo(f"highest weight {heavy.weight:.4g}: {heavy.text} (score {heavy.score:.4g})")


def _progress(loop, save, run_id):
    cols = [TextColumn(f"run {run_id}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn()]
    with Progress(*cols, console=console, transient=False) as bar:
        task = bar.add_task("run", total=loop.config.steps, completed=loop.state.step, info="")

        def on_step(state) -> None:
            save(state)
            h = state.history[-1]
            bar.update(task, completed=state.step,
                       info=f"loss {h['loss']:.4f} H {h['entropy']:.2f} n {h['elements']}")

        return loop.run(on_step=on_step)


def _table(records: list[dict]) -> None:
    print_table(records, None, ["rank", "expression", "weight", "size", "score", "provenance"])


@main.command()
@click.argument("run_id", type=int)
@click.option("--top", type=int, default=20, show_default=True)
@click.option("--where", help="Filter, e.g. 'size<=7 and weight>0.001'.")
@click.option("--pattern", help="Regular expression searched in the printed expression.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "latex"]), default="table")
@click.option("--laws", is_flag=True, help="The laws of an `explore` run, by weight.")
@click.option("--lemmas", is_flag=True, help="The lemmas of a `prove` run, by score.")
@DB
def query(run_id: int, top: int, where: str | None, pattern: str | None, fmt: str, laws: bool,
          lemmas: bool, db: str) -> None:
    """Show the highest-weight expressions (laws, lemmas, a fit's front) of a stored run."""
    from automath.runs.store import RunStore
    store = RunStore(db)
    command = "explore" if laws else "prove" if lemmas else store.command(run_id)
    if command == "run":
        _query_loop(store, run_id, top, where, pattern, fmt)
        return
    if where is not None:
        raise AutomathError(f"--where filters the expressions of a loop run; run {run_id} is "
                            f"an {command} run (use --pattern)")
    if command == "explore":
        _show(law_rows(store.laws(run_id)), fmt, "laws", LAW_COLUMNS, pattern, top)
    elif command == "fit":
        _show(store.front(run_id), fmt, "front", FRONT_COLUMNS, pattern, top)
    else:
        _show(store.lemmas(run_id), fmt, "lemmas", LEMMA_COLUMNS, pattern, top)


_TEXT = {"laws": "law", "lemmas": "statement", "front": "expression"}


def _show(rows: list[dict], fmt: str, what: str, columns: list[str], pattern: str | None,
          top: int) -> None:
    rows = [r for r in rows if pattern is None or _search(pattern, r[_TEXT[what]])][:top]
    if fmt == "json":
        click.echo(json.dumps({what: rows}, indent=2))
    else:
        print_table(rows, what, columns)


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error as e:
        raise AutomathError(f"bad --pattern {pattern!r}: {e}") from None


def _query_loop(store, run_id, top, where, pattern, fmt) -> None:
    from automath.runs.store import open_run
    entries = open_run(store, run_id).result().top(top, where=where, pattern=pattern)
    records = [{"rank": n, **{k: v for k, v in asdict(e).items() if k != "expr"},
                "sympy": str(e.expr), "expression": e.text} for n, e in enumerate(entries, 1)]
    if fmt == "json":
        click.echo(json.dumps(records, indent=2))
    elif fmt == "latex":
        for e in entries:
            click.echo(f"{e.weight:.4f} & ${e.latex()}$ \\\\")
    else:
        _table(records)


@main.command()
@DB
def runs(db: str) -> None:
    """List the runs in the database with their config and status."""
    from automath.runs.store import RunStore
    rows = []
    for r in RunStore(db).runs():
        d, c = r["domain"], r["config"]
        command = d.get("command", "run")
        steps = f"{r['step']}/{c.get('steps')}" if command in ("run", "prove") else ""
        rows.append({"id": r["id"], "created": r["created"], "command": command,
                     "grammar": d.get("grammar"), "atoms": d.get("atoms"), "kind": d.get("kind"),
                     "target": d.get("problem") or d.get("target") or c.get("target"),
                     "steps": steps, "status": r["status"]})
    print_table(rows, f"runs in {db}")


@main.group()
def grammar() -> None:
    """Inspect grammars."""


@grammar.command("check")
@click.argument("spec")
@click.option("--kind", help="Check that every constructor has a kernel for this kind.")
def grammar_check(spec: str, kind: str | None) -> None:
    """Load a grammar, list its constructors and atoms, and check their semantics."""
    from automath.core.domain import Domain
    d = Domain.create(spec, atoms="", kind=kind)
    table = Table("alias", "arity", "example")
    for alias, con in d.grammar.constructors.items():
        table.add_row(alias, str(con.arity), _example(d, alias, con.arity))
    console.print(table)
    console.print(f"atoms: {', '.join(f'{a} ({t})' for a, t in d.grammar.atoms.items())}")
    console.print(f"[green]ok[/]: {d.grammar.name} with kind {d.kind.name}")


def _example(d, alias: str, arity: int) -> str:
    from automath.core.term import Term
    leaf = Term("var", (), "x") if "var" in d.grammar.atoms else Term(alias)
    return d.grammar.format(Term(alias, (leaf,) * arity))


class _Bench(click.Group):
    """``automath bench``: the repository's benchmarks, loaded when the group is used."""

    def _group(self) -> click.Group:
        try:
            return import_benchmarks().bench
        except ImportError:
            raise AutomathError("the benchmarks live in the repository, not in the installed "
                                "package: run `python -m benchmarks …` from a checkout") from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._group().get_command(ctx, name)


bench = _Bench("bench", help="Benchmarks (figures beside peers, never pass/fail; repository "
               "checkout only).")


for _command in (explore_cmd, prove_cmd, fit_cmd, bench):
    main.add_command(_command)
