"""``automath fit`` and ``automath sweep`` take ``--format table|json|markdown|latex`` like the
other commands (issue 17.7), with ``--json`` kept as an alias of ``--format json``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy
from click.testing import CliRunner

from automath.cli.main import main

FRONT = ["expression", "size", "loss", "weight", "exact", "selected"]
SWEEP = ["job", "status", "tries", "seconds", "runs", "last line"]
PLAN = 'command = "run"\nargs = ["arith"]\n[options]\nsteps = 2\natoms = "x,1"\n' \
       '[grid]\ntarget = ["x + 1"]\n'


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """y = a² + b on 30 random rows."""
    x = np.random.default_rng(0).uniform(-1, 1, (30, 2))
    path = tmp_path_factory.mktemp("fit") / "d.csv"
    path.write_text("a,b,y\n" + "".join(f"{a},{b},{a * a + b}\n" for a, b in x))
    return path


def fit(data: Path, *fmt: str):
    out = CliRunner().invoke(main, ["fit", str(data), "--target", "y", "--no-save", *fmt])
    assert out.exit_code == 0, out.output
    return out


def body(lines: list[str], start: str, end: str | None = None) -> list[str]:
    """The lines after the first that starts with ``start`` (up to one starting ``end``)."""
    at = next(n for n, line in enumerate(lines) if line.startswith(start)) + 1
    rest = lines[at:]
    return rest[: next(n for n, line in enumerate(rest) if line.startswith(end))] if end else rest


def test_fit_prints_its_front_in_each_format(data: Path):
    doc = json.loads(fit(data, "--format", "json").stdout)
    assert sympy.simplify(sympy.sympify(doc["formula"]) - sympy.sympify("a**2 + b")) == 0
    assert doc["exact"] is True and doc["stopped"] == "exact"
    assert [list(r) for r in doc["front"]] == [FRONT] * len(doc["front"])
    assert json.loads(fit(data, "--json").stdout) == doc  # the alias, same seed: same document
    exprs = [r["expression"] for r in doc["front"]]
    md = fit(data, "--format", "markdown")
    lines = md.stdout.splitlines()
    assert "| " + " | ".join(FRONT) + " |" in lines
    assert [row.split(" | ")[0].strip("| ") for row in body(lines, "|---")] == exprs
    assert "stopped at an exact fit" in md.stderr and "stopped" not in md.stdout
    tex = fit(data, "--format", "latex").stdout.splitlines()
    cells = [row.split(" & ")[0] for row in body(tex, r"\hline", r"\end{tabular}")]
    assert cells == [f"${sympy.latex(sympy.sympify(e))}$" for e in exprs]
    assert "$a^{2} + b$" in cells  # the formula, as LaTeX written by hand


def test_sweep_prints_its_rows_in_each_format(tmp_path: Path):
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN)
    outs = {}
    for fmt in (["--format", "json"], ["--json"], ["--format", "markdown"],
                ["--format", "latex"]):
        db = tmp_path / f"{fmt[-1]}.db"
        out = CliRunner().invoke(main, ["sweep", str(plan), "--workers", "1", "--db", str(db),
                                        *fmt])
        assert out.exit_code == 0, out.output
        outs[fmt[-1]] = out
    for key in ("json", "--json"):
        (row,) = json.loads(outs[key].stdout)  # JSON: the bare list of rows
        assert set(SWEEP) <= set(row) and row["status"] == "ok" and len(row["runs"]) == 1
    lines = outs["markdown"].stdout.splitlines()
    assert "| " + " | ".join(SWEEP) + " |" in lines
    (line,) = body(lines, "|---")
    assert line.startswith("| target=x + 1 | ok | 1 |"), line
    assert "1 jobs: 1 ok" in outs["markdown"].stderr
    tex = outs["latex"].stdout.splitlines()
    assert tex[0] == r"\begin{tabular}{" + "l" * len(SWEEP) + "}"
    (row,) = body(tex, r"\hline", r"\end{tabular}")
    assert row.startswith("target=x + 1 & ok & 1 & ")
