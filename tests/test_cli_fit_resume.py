"""``automath fit --resume RUN``: a fit stopped short (Ctrl-C, a budget) is saved with its model
and continues from its saved front to the same run (issue 16.6); the oracle is sympy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy
from click.testing import CliRunner

import automath.cli.fit as fit_module
from automath.cli.main import main
from automath.runs.store import RunStore

TRUTH = sympy.sympify("sin(x**2)*cos(x) - 1")  # Nguyen-5: not found at the first events


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    x = np.random.default_rng(1).uniform(-1, 1, 20)
    path = tmp_path / "d.csv"
    path.write_text("x,y\n" + "".join(f"{a},{np.sin(a * a) * np.cos(a) - 1}\n" for a in x))
    return path


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def interrupted_first(monkeypatch) -> None:
    """Ctrl-C at the fit's third progress event (the estimator stops as at a budget)."""
    real = fit_module._with_progress

    def with_progress(work, quiet):
        seen = []

        def wrapped(callback):
            def event(rec):
                seen.append(rec)
                if len(seen) == 3:
                    raise KeyboardInterrupt
                callback(rec)
            return work(event)
        return real(wrapped, quiet)
    monkeypatch.setattr(fit_module, "_with_progress", with_progress)


def test_an_interrupted_fit_resumes_to_the_formula_in_the_same_run(data, tmp_path, monkeypatch):
    db = str(tmp_path / "r.db")
    with monkeypatch.context() as m:
        interrupted_first(m)
        first = cli("fit", str(data), "--target", "y", "--db", db)
    assert first.exit_code == 0, first.output
    assert f"automath fit --resume 1 --db {db}" in first.output
    store = RunStore(db, create=False)
    assert store.run(1)["status"] == "interrupted"
    assert not any(r["exact"] for r in store.front(1))
    out = cli("fit", "--resume", "1", "--max-time", "120", "--db", db, "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["exact"] and sympy.simplify(sympy.sympify(doc["formula"]) - TRUTH) == 0
    assert [r["id"] for r in RunStore(db, create=False).runs()] == [1]
    assert RunStore(db, create=False).run(1)["status"] == "finished"
    assert sum(r["selected"] for r in RunStore(db, create=False).front(1)) == 1


@pytest.mark.parametrize("args, code, message", [
    (["--resume", "1", "DATA"], 2, "give neither"),
    (["--resume", "7"], 1, "no run 7"),
    ([], 2, "give DATA and --target"),
])
def test_bad_resumes_are_clear_errors(data, tmp_path, args, code, message):
    db = str(tmp_path / "r.db")
    assert cli("fit", str(data), "--target", "y", "--max-time", "0.01", "--db", db).exit_code == 0
    out = cli("fit", *[str(data) if a == "DATA" else a for a in args], "--db", db)
    assert out.exit_code == code and message in out.output, out.output


def test_a_run_without_a_model_is_not_resumed(tmp_path):
    db = str(tmp_path / "r.db")
    RunStore(db).save_fit_run({"data": "d.csv", "target": "y"}, {"seed": 0},
                              [{"expression": "x"}])
    out = cli("fit", "--resume", "1", "--db", db)
    assert out.exit_code == 1 and "holds no model to resume" in out.output, out.output
