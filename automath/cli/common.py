"""Shared pieces of the command line: the consoles, the ``--db`` and ``--format`` options, and
the printers of result rows (table, JSON, markdown, LaTeX).

User text (expressions, names, targets) is never read as rich markup nor as emoji codes: the
tables below print it as plain ``Text``, and ``escape`` marks it up safely for ``console.print``.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import click
from rich.console import Console
from rich.markup import escape as _rich_escape
from rich.table import Column, Table
from rich.text import Text

console = Console(emoji=False, highlight=False, soft_wrap=True)
err_console = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)
READ_COMMANDS = ("runs", "query")  # the commands that only read the run database


def _writable(ctx: click.Context, param: click.Parameter, db: str) -> str:
    """The ``--db`` of a command that writes: an existing file SQLite may not write is an error
    before the command works, not after (a read-only file, a read-only mount)."""
    if ctx.info_name not in READ_COMMANDS and Path(db).is_file():
        from automath.runs.failures import check_writable
        check_writable(db)
    return db


DB = click.option("--db", default="runs.db", show_default=True, callback=_writable,
                  help="SQLite run database.")
FORMATS = ("table", "json", "markdown", "latex")


def escape(text: object) -> str:
    """User text made safe inside rich markup: ``[`` starts no tag (emoji codes stay off on
    these consoles).

    >>> escape("[/x] a:x:b")
    '\\\\[/x] a:x:b'
    """
    return _rich_escape(str(text))


def format_option(func: Callable) -> Callable:
    """``--format table|json|markdown|latex`` (passed as ``fmt``) and ``--json``, its alias.

    >>> @click.command()
    ... @format_option
    ... def show(fmt):
    ...     click.echo(fmt)
    >>> from click.testing import CliRunner
    >>> args = ([], ["--json"], ["--format", "latex"])
    >>> [CliRunner().invoke(show, a).output.strip() for a in args]
    ['table', 'json', 'latex']
    """
    @functools.wraps(func)
    def with_format(*args, fmt: str, as_json: bool, **kwargs):
        return func(*args, fmt="json" if as_json else fmt, **kwargs)

    with_format = click.option("--json", "as_json", is_flag=True,
                               help="Same as --format json (deprecated).")(with_format)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                        show_default=True, help="table (markdown when piped), json, markdown "
                        "or latex.")(with_format)


def split(text: str | None) -> list[str] | None:
    """Comma-separated text as a list (``None`` stays ``None``).

    >>> split("x, y,,z"), split(None)
    (['x', 'y', 'z'], None)
    """
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def cell(value: object) -> str:
    """A table cell: floats to 4 significant digits, ``None`` empty.

    >>> cell(0.123456), cell(None), cell(3)
    ('0.1235', '', '3')
    """
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def emit(rows: list[dict], fmt: str, columns: list[str] | None = None, title: str | None = None,
         *, key: str | None = None, math: Callable[[dict], str] | None = None,
         math_column: str | None = None) -> None:
    """Print rows in a ``--format``: JSON (``{key: rows}``, or the bare list without a key),
    markdown, LaTeX (``math`` gives the LaTeX of ``math_column`` per row) or a table.

    >>> emit([{"a": "x | y", "b": 0.5}], "markdown")
    | a | b |
    |---|---|
    | x \\| y | 0.5 |
    """
    if fmt == "json":
        click.echo(json.dumps({key: rows} if key else rows, indent=2, default=str))
    elif fmt == "markdown":
        click.echo("\n".join(markdown(rows, columns or _columns(rows), title)))
    elif fmt == "latex":
        click.echo("\n".join(latex(rows, columns or _columns(rows), math, math_column)))
    else:
        print_table(rows, title, columns)


def _columns(rows: list[dict]) -> list[str]:
    return list(rows[0]) if rows else []


def print_table(rows: list[dict], title: str | None = None, columns: list[str] | None = None
                ) -> None:
    """Print dict rows as a rich table (columns: ``columns`` or the first row's keys); piped,
    as a markdown table, never cut to a terminal's width. Cells are plain text, not markup.
    """
    if not rows:
        click.echo(f"{title + ': ' if title else ''}(nothing)")
        return
    cols = columns or list(rows[0])
    if not console.is_terminal:
        click.echo("\n".join(markdown(rows, cols, title)))
        return
    table = Table(*(Column(Text(c)) for c in cols), title=Text(title) if title else None)
    for r in rows:
        table.add_row(*(Text(cell(r.get(c))) for c in cols))
    console.print(table)


class Printer:
    """The tables of one command in a ``--format``, each printed as its rows arrive: markdown
    (``--format markdown``, or a table piped) one line per row as it comes; on a terminal a
    progress bar on stderr (rows above it) and the rich table at the end; JSON once, at the
    end, as ``{key: rows}`` over every table; LaTeX per table at its end.

    >>> with Printer("markdown") as out, out.stream("rows", "t", ["a"]) as add:
    ...     add({"a": 1}); add({"a": "x | y"})
    t
    <BLANKLINE>
    | a |
    |---|
    | 1 |
    | x \\| y |
    """

    def __init__(self, fmt: str = "table") -> None:
        self.fmt, self.tables = fmt, {}
        self.printed = 0  # the tables printed so far (a blank line between two)
        self.piped = fmt == "markdown" or (fmt == "table" and not console.is_terminal)

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fmt == "json" and exc[0] is None:
            click.echo(json.dumps(self.tables, indent=2, default=str))

    @contextmanager
    def stream(self, key: str, title: str | None = None, columns: list[str] | None = None,
               total: int | None = None) -> Iterator[Callable[[dict], None]]:
        """An ``add(row)`` callback for one table, printed as described above."""
        rows: list[dict] = self.tables.setdefault(key, [])
        with _progress(title, total) as bar:
            def add(row: dict) -> None:
                rows.append(row)
                cols = columns or list(rows[0])
                if self.piped:  # the title and head with the first row, then one line a row
                    lines = markdown([row], cols, title)
                    first = [""] * min(self.printed, 1) + lines
                    click.echo("\n".join(first if len(rows) == 1 else lines[-1:]))
                bar(None if self.piped else " | ".join(cell(row.get(c)) for c in cols))
            yield add
        self._close(rows, title, columns)
        self.printed += 1

    def table(self, key: str, rows: list[dict], title: str | None = None,
              columns: list[str] | None = None) -> None:
        """A whole table at once (as ``stream`` given every row)."""
        with self.stream(key, title, columns, total=len(rows)) as add:
            for row in rows:
                add(row)

    def _close(self, rows: list[dict], title: str | None, columns: list[str] | None) -> None:
        if not rows and self.fmt != "json":
            click.echo(f"{title + ': ' if title else ''}(nothing)")
        elif self.fmt == "latex":
            click.echo("\n".join(latex(rows, columns or _columns(rows))))
        elif self.fmt == "table" and not self.piped:
            print_table(rows, title, columns)


@contextmanager
def _progress(title: str | None, total: int | None) -> Iterator[Callable[[str | None], None]]:
    """A ``step(line)`` callback: on a terminal's stderr a progress bar, with each ``line``
    printed above it; elsewhere nothing."""
    if not err_console.is_terminal:
        yield lambda line: None
        return
    from rich import progress as rp
    with rp.Progress(rp.TextColumn("{task.description}"), rp.BarColumn(),
                     rp.MofNCompleteColumn(), rp.TimeElapsedColumn(), console=err_console,
                     transient=True) as progress:
        task = progress.add_task(escape(title or "rows"), total=total)

        def step(line: str | None) -> None:
            if line is not None:
                progress.console.print(Text(line))
            progress.advance(task)
        yield step


def markdown(rows: list[dict], columns: list[str], title: str | None = None) -> list[str]:
    """Rows as the lines of a markdown table (with the title above it); ``|`` in a cell is
    escaped and a line break becomes a space, so each row stays one row.

    >>> markdown([{"N": 10, "s": "A | B"}], ["N", "s"])
    ['| N | s |', '|---|---|', '| 10 | A \\\\| B |']
    """
    head = [f"{title}", ""] if title else []
    lines = ["| " + " | ".join(map(_md, columns)) + " |", "|" + "---|" * len(columns)]
    return head + lines + ["| " + " | ".join(_md(cell(r.get(c))) for c in columns) + " |"
                           for r in rows]


def _md(text: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", str(text)).replace("|", "\\|")


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex(text: object) -> str:
    """Text escaped for LaTeX.

    >>> tex("a_1 & 50% {x}")
    'a\\\\_1 \\\\& 50\\\\% \\\\{x\\\\}'
    """
    return "".join(_TEX.get(ch, ch) for ch in str(text))


def latex(rows: list[dict], columns: list[str], math: Callable[[dict], str] | None = None,
          math_column: str | None = None) -> list[str]:
    """Rows as a LaTeX ``tabular``; ``math(row)`` is set as ``$...$`` in ``math_column``.

    >>> print("\\n".join(latex([{"rank": 1, "law": "x * 1 = x"}], ["rank", "law"])))
    \\begin{tabular}{ll}
    rank & law \\\\
    \\hline
    1 & x * 1 = x \\\\
    \\end{tabular}
    """
    def value(r: dict, c: str) -> str:
        return f"${math(r)}$" if math and c == math_column else tex(cell(r.get(c)))
    return [f"\\begin{{tabular}}{{{'l' * len(columns)}}}",
            " & ".join(map(tex, columns)) + r" \\", r"\hline",
            *(" & ".join(value(r, c) for c in columns) + r" \\" for r in rows),
            r"\end{tabular}"]


def import_benchmarks(root: Path | None = None) -> ModuleType:
    """The ``benchmarks.cli`` module: importable as it is, or from the checkout beside the package.

    >>> import_benchmarks().bench.name
    'bench'
    """
    try:
        return importlib.import_module("benchmarks.cli")
    except ImportError:
        checkout = root or Path(__file__).resolve().parents[2]
        if not (checkout / "benchmarks" / "cli.py").is_file():
            raise
        sys.path.append(str(checkout))
        return importlib.import_module("benchmarks.cli")
