"""Shared pieces of the command line: the console, the ``--db`` option and tables."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import click
from rich.console import Console
from rich.table import Table

console = Console()
DB = click.option("--db", default="runs.db", show_default=True, help="SQLite run database.")


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


def print_table(rows: list[dict], title: str | None = None, columns: list[str] | None = None
                ) -> None:
    """Print dict rows as a rich table (columns: ``columns`` or the first row's keys)."""
    if not rows:
        console.print(f"{title + ': ' if title else ''}(nothing)")
        return
    cols = columns or list(rows[0])
    if not console.is_terminal:  # piped: a markdown table, never cut to the terminal's width
        click.echo("\n".join(markdown(rows, cols, title)))
        return
    table = Table(*cols, title=title)
    for r in rows:
        table.add_row(*(cell(r.get(c)) for c in cols))
    console.print(table)


def markdown(rows: list[dict], columns: list[str], title: str | None = None) -> list[str]:
    """Rows as the lines of a markdown table (with the title above it).

    >>> markdown([{"N": 10, "s": 0.5}], ["N", "s"])
    ['| N | s |', '|---|---|', '| 10 | 0.5 |']
    """
    head = [f"{title}", ""] if title else []
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return head + lines + ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |"
                           for r in rows]


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
