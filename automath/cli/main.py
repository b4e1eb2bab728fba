"""Command-line interface: ``automath run | query | runs | grammar check | explore | prove | fit |
bench``."""

from __future__ import annotations

import re
import shlex
import signal
import sys
from contextlib import contextmanager
from dataclasses import asdict, replace

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from automath.cli.common import (
    DB,
    console,
    emit,
    err_console,
    escape,
    format_option,
    import_benchmarks,
)
from automath.cli.explore import LAW_COLUMNS, explore_cmd, law_rows
from automath.cli.fit import FRONT_COLUMNS, fit_cmd
from automath.cli.prove import LEMMA_COLUMNS, prove_cmd
from automath.cli.sweep import sweep_cmd
from automath.core.errors import AutomathError

EXIT_ERROR = 1  # an AutomathError: bad input, a damaged database, ... (click's usage errors: 2)
RUN_COLUMNS = ["rank", "expression", "weight", "size", "score", "provenance"]
TOP = click.IntRange(min=1)
SEMANTICS = click.option("--semantics", type=click.Path(exists=True, dir_okay=False),
                         help="A semantics file (TOML) giving the grammar's aliases their "
                         "meaning (default: <grammar>.semantics.toml beside the grammar).")


class _Group(click.Group):
    """Turns every AutomathError into a one-line message on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AutomathError as e:
            err_console.print(f"[bold red]error:[/] {escape(e)}", soft_wrap=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Group)
@click.version_option(package_name="automath")
def main() -> None:
    """automath: automated mathematical discovery."""


@main.command()
@click.argument("grammar", required=False, default="arith")
@click.option("--atoms", help="Comma-separated atoms, e.g. 'x,1,2'.")
@click.option("--kind", help="Value kind: real, modp, int, bool, perm, ... (default: the "
              "semantics file's kind, else the grammar's preset).")
@SEMANTICS
@click.option("--target", help="Target expression (score = closeness to it).")
@click.option("--steps", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--depth", type=click.IntRange(min=1), default=2, show_default=True,
              help="Evolution steps T.")
@click.option("--cutoff", type=click.FloatRange(0, 1), default=1e-4, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=0.1,
              show_default=True)
@click.option("--prune-every", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--k", "k", type=click.IntRange(min=2), default=16, show_default=True,
              help="Fingerprint samples (at least 2: one sample cannot tell elements apart).")
@click.option("--device", default="cpu", show_default=True)
@click.option("--resume", type=int, help="Continue run ID from its last finished step.")
@click.option("--max-time", type=click.FloatRange(min=0), default=600.0, show_default=True,
              help="Seconds for this command's steps (0: no limit): past it the run ends "
              "between steps, saved as stopped-at-budget; --resume continues it.")
@click.option("--journal", is_flag=True, help="Write journal/<date>-run<id>.md with a plot.")
@click.option("--top", type=TOP, default=10, show_default=True)
@click.option("--entropy", type=float, default=0.0, show_default=True,
              help="Add W * Entropy() to the loss (W > 0 concentrates, W < 0 spreads).")
@click.option("--score", "score", help="User score module:function, f(store, ids) -> tensor.")
@format_option
@DB
def run(grammar: str, atoms: str | None, kind: str | None, semantics: str | None,
        target: str | None, steps: int,
        seed: int, depth: int, cutoff: float, lr: float, prune_every: int, k: int, device: str,
        resume: int | None, max_time: float, journal: bool, top: int, entropy: float,
        score: str | None, fmt: str, db: str) -> None:
    """Run a generation-and-learning loop on GRAMMAR (a shipped name or a .lark file).

    Ctrl-C or SIGTERM stops it after saving every finished step, marks the run
    `interrupted` and prints the command that resumes it; so does the end of --max-time
    (status `stopped-at-budget`, exit 0). --format json prints
    {"run", "db", "step", "status", "verdict", "top"}.
    """
    from automath.runs.resume import open_run, record
    from automath.runs.store import RunStore
    store = RunStore(db, create=resume is None)
    if resume is not None:  # the user continues a run they started: its --score is imported
        loop, run_id = open_run(store, resume, allow_code=True), resume
        loop.config = replace(loop.config, max_time=max_time or None)
    else:
        spec = {"grammar": grammar, "atoms": atoms, "kind": kind, "k": k, "seed": seed,
                "device": device, **({"semantics": _absolute(semantics)} if semantics else {})}
        settings = {"steps": steps, "depth": depth, "cutoff": cutoff, "lr": lr,
                    "prune_every": prune_every, "max_time": max_time or None}
        loop, run_id = _new_run(store, spec, target, settings, entropy, score)
    with _stops_cleanly(store, run_id, db):
        result = _progress(loop, record(store, run_id, loop), run_id)
    if loop.stopped:
        _at_budget(store.run(run_id), max_time, db)
    uses_target = store.run(run_id)["config"].get("score") is None
    _report(store.run(run_id), db, result, top, uses_target, fmt)
    if journal:
        from automath.runs.journal import write_entry
        err_console.print(f"journal: {escape(write_entry(store, run_id, result))}")


def _report(row: dict, db: str, result, top: int, uses_target: bool, fmt: str) -> None:
    """A finished run's top elements and verdict, in the chosen format."""
    lines = _verdict(result, uses_target)
    records = result.to_records(top)
    if fmt == "json":
        emit([{"run": row["id"], "db": db, "step": row["step"], "status": row["status"],
               "verdict": lines, "top": records}], "json")
        return
    click.echo(f"run {row['id']} in {db}: step {row['step']}")
    _records(records, fmt, result)
    for line in lines:
        click.echo(line)


@contextmanager
def _stops_cleanly(store, run_id: int, db: str):
    """Ctrl-C or SIGTERM: the finished steps are saved (the step in flight is rolled back), the
    run is marked ``interrupted`` and the command that resumes it is printed; exit 128 + signal.
    """
    received = {"signal": signal.SIGINT}

    def on_term(signum, frame) -> None:
        received["signal"] = signum
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: leave SIGTERM alone
        previous = None
    try:
        yield
    except KeyboardInterrupt:
        store.set_status(run_id, "interrupted")
        step = store.run(run_id)["step"]
        err_console.print(f"interrupted: run {run_id} is saved at step {step}; continue it with\n"
                          f"  automath run --resume {run_id} --db {escape(shlex.quote(db))}",
                          soft_wrap=True)
        sys.exit(128 + int(received["signal"]))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _at_budget(row: dict, max_time: float, db: str) -> None:
    """Say that the time budget ended the run, where it is saved and how to continue it."""
    err_console.print(f"stopped at budget ({max_time:g} s): run {row['id']} is saved at step "
                      f"{row['step']} of {row['config']['steps']}; continue it with\n"
                      f"  automath run --resume {row['id']} --db {escape(shlex.quote(db))}",
                      soft_wrap=True)


def _absolute(path: str) -> str:
    from pathlib import Path
    return str(Path(path).resolve())


def _new_run(store, spec, target, settings: dict, entropy=0.0, score=None):
    from automath.core.engine import Loop
    from automath.runs.resume import run_objective
    from automath.runs.spec import build_domain
    domain = build_domain(spec, allow_code=True)
    objective = run_objective(domain, target, entropy, score)
    loop = Loop(domain, objective, target=target, seed=spec["seed"], **settings)
    spec.update(atoms=",".join(domain.grammar.format(a) for a in domain.atoms
                               if a.op in domain.grammar.atoms), kind=domain.kind.name)
    extra = {"entropy": entropy} if entropy else {}
    extra.update({"score": score} if score else {})
    aim = target if score else loop.target  # a score run aims at no preset target
    return loop, store.create(spec, {**asdict(loop.config), "target": aim, **extra})


def _verdict(result, uses_target: bool) -> list[str]:
    """Whether the target was reached, the best-scoring and the heaviest element."""
    best, reached = result.verdict()
    if best is None:
        return []
    heavy = result.top(1)[0]
    if uses_target and reached:
        lines = [f"target reached: {best.text} (weight {best.weight:.4g})"]
    else:
        head = "target not reached; " if uses_target else ""
        lines = [f"{head}best score {best.score:.4g}: {best.text} (weight {best.weight:.4g})"]
    if heavy.id != best.id or not reached:
        lines.append(f"highest weight {heavy.weight:.4g}: {heavy.text} "
                     f"(score {heavy.score:.4g})")
    return lines


def _progress(loop, save, run_id):
    cols = [TextColumn(f"run {run_id}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn()]
    with Progress(*cols, console=err_console, transient=False) as bar:
        task = bar.add_task("run", total=loop.config.steps, completed=loop.state.step, info="")

        def on_step(state) -> None:
            save(state)
            h = state.history[-1]
            bar.update(task, completed=state.step,
                       info=f"loss {h['loss']:.4f} H {h['entropy']:.2f} n {h['elements']}")

        return loop.run(on_step=on_step)


def _records(records: list[dict], fmt: str, result) -> None:
    """A loop's top elements; in LaTeX the expression is set as a formula."""
    latex = {e.id: e.latex() for e in result.top(len(records))} if fmt == "latex" else {}
    emit(records, fmt, RUN_COLUMNS, math=lambda r: latex[r["id"]], math_column="expression")


@main.command()
@click.argument("run_id", type=int)
@click.option("--top", type=TOP, default=20, show_default=True)
@click.option("--where", help="Filter, e.g. 'size<=7 and weight>0.001'.")
@click.option("--pattern", help="Regular expression searched in the printed expression.")
@format_option
@click.option("--laws", is_flag=True, help="The laws of an `explore` run, by weight.")
@click.option("--lemmas", is_flag=True, help="The lemmas of a `prove` run, by score.")
@DB
def query(run_id: int, top: int, where: str | None, pattern: str | None, fmt: str, laws: bool,
          lemmas: bool, db: str) -> None:
    """Show the highest-weight expressions (laws, lemmas, a fit's front) of a stored run.

    --format json prints a list of element records for a loop run, and {"laws": [...]},
    {"lemmas": [...]} or {"front": [...]} for an explore, prove or fit run.
    """
    from automath.runs.store import RunStore
    store = RunStore(db, readonly=True)
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
    emit(rows, fmt, columns, what, key=what)


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error as e:
        raise AutomathError(f"bad --pattern {pattern!r}: {e}") from None


def _query_loop(store, run_id, top, where, pattern, fmt) -> None:
    from automath.runs.resume import open_run
    result = open_run(store, run_id).result()
    if store.run(run_id)["config"].get("score"):
        result.scores = None  # query imports no --score module a database names: no scores
    entries = result.top(top, where=where, pattern=pattern)
    records = [{"rank": n, **{k: v for k, v in asdict(e).items() if k != "expr"},
                "sympy": str(e.expr), "expression": e.text} for n, e in enumerate(entries, 1)]
    latex = {e.id: e.latex() for e in entries} if fmt == "latex" else {}
    emit(records, fmt, RUN_COLUMNS, math=lambda r: latex[r["id"]], math_column="expression")


@main.command()
@format_option
@DB
def runs(fmt: str, db: str) -> None:
    """List the runs in the database with their config and status.

    --format json prints {"runs": [{"id", "created", "command", "grammar", "atoms", "kind",
    "target", "steps", "status"}, ...]}.
    """
    from automath.runs.store import RunStore
    rows = []
    for r in RunStore(db, readonly=True).runs():
        d, c = r["domain"], r["config"]
        command = d.get("command", "run")
        steps = f"{r['step']}/{c.get('steps')}" if command in ("run", "prove") else ""
        rows.append({"id": r["id"], "created": r["created"], "command": command,
                     "grammar": d.get("grammar"), "atoms": d.get("atoms"), "kind": d.get("kind"),
                     "target": d.get("problem") or d.get("target") or c.get("target"),
                     "steps": steps, "status": r["status"]})
    emit(rows, fmt, None, f"runs in {db}", key="runs")


@main.group()
def grammar() -> None:
    """Inspect grammars."""


@grammar.command("check")
@click.argument("spec")
@click.option("--kind", help="Check that every constructor has a kernel for this kind.")
@SEMANTICS
def grammar_check(spec: str, kind: str | None, semantics: str | None) -> None:
    """Load a grammar, list its constructors and atoms, and check their semantics (--semantics,
    else <grammar>.semantics.toml beside it, else the built-in table)."""
    from automath.runs.spec import build_domain
    d = build_domain({"grammar": spec, "atoms": "", "kind": kind, "semantics": semantics},
                     allow_code=True)
    table = Table("alias", "arity", "example")
    for alias, con in d.grammar.constructors.items():
        table.add_row(Text(alias), str(con.arity), Text(d.grammar.example(alias)))
    console.print(table)
    console.print(Text(f"atoms: {', '.join(f'{a} ({t})' for a, t in d.grammar.atoms.items())}"))
    console.print(f"[green]ok[/]: {escape(d.grammar.name)} with kind {escape(d.kind.name)}")


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


for _command in (explore_cmd, prove_cmd, fit_cmd, sweep_cmd, bench):
    main.add_command(_command)
