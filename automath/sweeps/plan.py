"""Sweep plans: a TOML file naming a command, a grid (or a list) of settings, and fixed options.

A plan is data, never code: each job is an ``automath`` command line, built from the file.

.. code-block:: toml

    command = "prove"                 # run | prove | fit | explore
    args = ["{problem}"]              # positional arguments; {key} takes a grid value
    [options]                         # fixed options: --timeout 5
    timeout = 5
    [grid]                            # every combination; a key not used in args is an option
    problem = ["a.toml", "b.toml"]
    seed = [0, 1]

``[[runs]]`` tables may replace (or add to) the grid: each is one job's settings.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from automath.core.errors import AutomathError

COMMANDS = ("run", "prove", "fit", "explore")
"""The commands a sweep may run (each saves its runs to the ``--db`` it is given)."""
KEYS = ("command", "args", "options", "grid", "runs")
"""The top-level keys of a sweep file."""


@dataclass(frozen=True)
class Job:
    """One command line of a sweep: its name (the settings that vary) and its arguments."""

    name: str
    argv: tuple[str, ...]


def load_plan(path: str | Path) -> list[Job]:
    """The jobs of a sweep file, in grid order.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "s.toml")
    >>> _ = open(f, "w").write('command = "run"\\nargs = ["arith"]\\n[options]\\nsteps = 2\\n'
    ...                        '[grid]\\nseed = [0, 1]\\n')
    >>> [" ".join(j.argv) for j in load_plan(f)]
    ['run arith --steps 2 --seed 0', 'run arith --steps 2 --seed 1']
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise AutomathError(f"cannot read the sweep file: {e}", file=str(path)) from None
    return jobs_of(data, str(path))


def jobs_of(data: dict, where: str = "<sweep>") -> list[Job]:
    """The jobs of a parsed sweep plan (see the module's docstring)."""
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise AutomathError(f"unknown key {unknown[0]!r} (a sweep file has: {', '.join(KEYS)})",
                            file=where, token=unknown[0])
    command = data.get("command")
    if command not in COMMANDS:
        raise AutomathError(f"'command' must be one of {', '.join(COMMANDS)} "
                            f"(got {command!r})", file=where)
    args, options = data.get("args", []), data.get("options", {})
    _check_table(where, "options", options)
    settings = _grid(where, data.get("grid", {})) + [_checked(where, r) for r in
                                                     data.get("runs", [])]
    return [_job(where, command, args, options, s) for s in settings or [{}]]


def _grid(where: str, grid: dict) -> list[dict]:
    _check_table(where, "grid", grid)
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise AutomathError(f"grid key {key!r} needs a non-empty list", file=where)
    return [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())
            ] if grid else []


def _checked(where: str, run: object) -> dict:
    _check_table(where, "runs", run)
    return run


def _check_table(where: str, name: str, value: object) -> None:
    if not isinstance(value, dict):
        raise AutomathError(f"[{name}] must be a table of settings", file=where)


def _job(where: str, command: str, args: list, options: dict, setting: dict) -> Job:
    try:
        positional = [str(a).format(**setting) for a in args]
    except (KeyError, IndexError, ValueError) as e:
        raise AutomathError(f"args {args!r} name a setting the grid lacks: {e}",
                            file=where) from None
    used = {k for k in setting if any("{" + k + "}" in str(a) for a in args)}
    flags = [f for k, v in {**options, **setting}.items() if k not in used
             for f in _flag(k, v)]
    name = " ".join(f"{k}={v}" for k, v in setting.items()) or command
    return Job(name, (command, *positional, *flags))


def _flag(key: str, value: object) -> list[str]:
    """``--key value``; ``true`` is a bare flag and ``false`` leaves it out.

    >>> _flag("max_time", 5), _flag("no_learning", True), _flag("quick", False)
    (['--max-time', '5'], ['--no-learning'], [])
    """
    flag = "--" + key.replace("_", "-")
    if isinstance(value, bool):
        return [flag] if value else []
    return [flag, str(value)]
