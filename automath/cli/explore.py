"""``automath explore``: the equational laws of a grammar's operators."""

from __future__ import annotations

import json
import shlex
import sys

import click

from automath.cli.common import DB, console, escape, markdown, split

LAW_COLUMNS = ["rank", "law", "weight", "size", "generates", "verified"]
EXPLORE_FORMATS = ("table", "json", "markdown", "pytest")


def law_rows(records: list[dict]) -> list[dict]:
    """Law records as table rows with a rank and a printed ``lhs = rhs``.

    >>> law_rows([{"lhs": "x + 0", "rhs": "x", "size": 3}])[0]["law"]
    'x + 0 = x'
    """
    return [{"rank": n, "law": _law_text(r), **r} for n, r in enumerate(records, 1)]


def _law_text(r: dict) -> str:
    cond = f"{r['condition']} => " if r.get("condition") else ""
    return f"{cond}{r['lhs']} = {r['rhs']}"


@click.command("explore")
@click.argument("grammar")
@click.option("--vars", "variables", help="Comma-separated variable names (default: "
              "x,y,z, or every variable under a typed semantics file's [vars]).")
@click.option("--size", type=click.IntRange(min=1), default=7, show_default=True,
              help="Largest side of a law (nodes of a term).")
@click.option("--kind", "kind", help="Value kind: real, modp, int, nat, bool, perm, seq, "
              "list, or a model mod:N, perm:N, bits:N, table:N (default: the semantics "
              "file's kind, else the first of modp, int, bool, perm, real with a kernel for "
              "every operator).")
@click.option("--domain", "domain", hidden=True, help="Deprecated name of --kind.")
@click.option("--semantics", "semantics", type=click.Path(dir_okay=False),
              help="A semantics file (TOML) giving the grammar's aliases their meaning "
              "(default: <grammar>.semantics.toml beside the grammar, if any).")
@click.option("--k", "k", type=int, default=16, show_default=True,
              help="Fingerprint samples per term.")
@click.option("--constants", help="Comma-separated constants (default: nullary "
              "constructors, and 0,1 where the grammar has numerals); '' for none.")
@click.option("--ops", help="Comma-separated constructors to use (default: all).")
@click.option("--timeout", type=float, default=5.0, show_default=True,
              help="Seconds allowed for each sympy proof.")
@click.option("--max-time", type=click.FloatRange(min=0), default=120.0, show_default=True,
              help="Seconds for the whole exploration (0: no limit); past it, the laws verified "
              "so far, over the sizes fully enumerated.")
@click.option("--background", help="Comma-separated operators whose laws are known "
              "(staged exploration): laws using only them are not printed, but still prune.")
@click.option("--conditions/--no-conditions", default=True, show_default=True,
              help="Conditional laws over the semantics file's [predicates].")
@click.option("--format", "fmt", type=click.Choice(EXPLORE_FORMATS), default="table",
              show_default=True, help="table, json, markdown, or pytest (a file of property "
              "tests, one per law, for your test suite).")
@click.option("--json", "as_json", is_flag=True, hidden=True,
              help="Deprecated: same as --format json.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the output to this file (with --format pytest: paths in it are "
              "relative to it).")
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the laws as a run in --db (see `automath query RUN --laws`).")
@DB
def explore_cmd(grammar: str, variables: str | None, size: int, kind: str | None,
                domain: str | None, semantics: str | None, k: int, constants: str | None,
                ops: str | None, timeout: float, max_time: float, background: str | None,
                conditions: bool, fmt: str, as_json: bool, output: str | None, save: bool,
                db: str) -> None:
    """Find the equational laws of GRAMMAR's operators: verified, minimal, weighted."""
    from automath.laws.explore import Stats, run, signature
    if domain is not None:
        click.echo("warning: --domain is deprecated; use --kind", err=True)
        kind = kind or domain
    fmt = "json" if as_json else fmt
    sig = signature(grammar, vars=split(variables), kind=kind, k=k, semantics=semantics,
                    constants=split(constants), ops=split(ops))
    stats = Stats()
    laws = run(sig, size, timeout=timeout, weights=True, background=split(background),
               conditions=conditions, max_time=max_time or None, stats=stats)
    if stats.stopped:
        click.echo(f"stopped at budget ({max_time:g} s, {stats.stopped}): {len(laws)} laws, "
                   "each verified; some may follow from others", err=True)
    records = [law.to_dict() for law in laws]
    if save:
        _save_laws(db, records, {"grammar": grammar, "kind": sig.kind.spec,
                                 "atoms": ",".join(str(v.token) for v in sig.variables)},
                   {"size": size, "ops": ops, "constants": constants, "timeout": timeout,
                    "semantics": semantics, "k": k, "background": background,
                    "max_time": max_time, "stopped": stats.stopped},
                   quiet=fmt != "table" or output is not None)
    if fmt == "table" and output is None:
        for n, law in enumerate(laws, 1):
            console.print(f"{n:3d}. {escape(law)}  [dim]({escape(law.verified)}, "
                          f"weight {law.weight:.3f})[/]", highlight=False)
        return
    text = _render(fmt, laws, records, grammar=grammar, kind=sig.kind.spec,
                   semantics=semantics, output=output)
    if output is None:
        click.echo(text)
        return
    with open(output, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    click.echo(f"wrote {len(laws)} laws to {output}", err=True)


def _render(fmt: str, laws: list, records: list[dict], *, grammar: str, kind: str,
            semantics: str | None, output: str | None) -> str:
    """The laws as text in a ``--format`` (table: numbered lines, as printed)."""
    if fmt == "json":
        return json.dumps({"laws": records}, indent=2)
    if fmt == "markdown":
        return "\n".join(markdown(law_rows(records), LAW_COLUMNS))
    if fmt == "pytest":
        from automath.laws.testing import pytest_file
        command = "automath " + shlex.join(sys.argv[1:]) if sys.argv[1:] else ""
        return pytest_file(laws, grammar=grammar, kind=kind, semantics=semantics,
                           command=command, output=output)
    return "\n".join(f"{n:3d}. {law}  ({law.verified}, weight {law.weight:.3f})"
                     for n, law in enumerate(laws, 1))


def _stored(record: dict) -> dict:
    """A law record as the run store keeps it: the store has no condition column, so a
    conditional law keeps its condition in front of its lhs (never shown as unconditional).

    >>> _stored({"lhs": "max(x, y)", "rhs": "y", "condition": "x <= y"})["lhs"]
    'x <= y => max(x, y)'
    """
    if not record.get("condition"):
        return record
    return {**record, "lhs": f"{record['condition']} => {record['lhs']}"}


def _save_laws(db: str, records: list[dict], domain: dict, config: dict, quiet: bool) -> None:
    from automath.runs.store import RunStore
    store = RunStore(db)
    run_id = store.create({"command": "explore", **domain}, {**config, "steps": 0})
    store.save_laws(run_id, [_stored(r) for r in records])
    if not quiet:
        console.print(f"run [bold]{run_id}[/] in {escape(db)}: {len(records)} laws",
                      highlight=False)
