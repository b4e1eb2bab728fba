"""``automath explore``: the equational laws of a grammar's operators."""

from __future__ import annotations

import json

import click

from automath.cli.common import DB, console, escape, split

LAW_COLUMNS = ["rank", "law", "weight", "size", "generates", "verified"]


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
@click.option("--json", "as_json", is_flag=True, help='Print {"laws": [...]} as JSON.')
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the laws as a run in --db (see `automath query RUN --laws`).")
@DB
def explore_cmd(grammar: str, variables: str, size: int, kind: str | None, domain: str | None,
                semantics: str | None, k: int, constants: str | None, ops: str | None,
                timeout: float, as_json: bool, save: bool, db: str) -> None:
    """Find the equational laws of GRAMMAR's operators: verified, minimal, weighted."""
    from automath.laws.explore import explore
    if domain is not None:
        click.echo("warning: --domain is deprecated; use --kind", err=True)
        kind = kind or domain
    laws = explore(grammar, vars=split(variables), size=size, kind=kind, k=k,
                   semantics=semantics, constants=split(constants), ops=split(ops),
                   weights=True, timeout=timeout)
    records = [law.to_dict() for law in laws]
    if save:
        _save_laws(db, records, {"grammar": grammar, "kind": kind, "atoms": variables},
                   {"size": size, "ops": ops, "constants": constants, "timeout": timeout,
                    "semantics": semantics, "k": k},
                   quiet=as_json)
    if as_json:
        click.echo(json.dumps({"laws": records}, indent=2))
        return
    for n, law in enumerate(laws, 1):
        console.print(f"{n:3d}. {escape(law)}  [dim]({escape(law.verified)}, "
                      f"weight {law.weight:.3f})[/]", highlight=False)


def _save_laws(db: str, records: list[dict], domain: dict, config: dict, quiet: bool) -> None:
    from automath.runs.store import RunStore
    store = RunStore(db)
    run_id = store.create({"command": "explore", **domain}, {**config, "steps": 0})
    store.save_laws(run_id, records)
    if not quiet:
        console.print(f"run [bold]{run_id}[/] in {escape(db)}: {len(records)} laws",
                      highlight=False)
