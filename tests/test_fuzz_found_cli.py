"""CLI arguments the fuzz campaign (``pytest -m fuzz tests/test_safety_fuzz_inputs.py``) found
escaping as raw exceptions, each now a clear error."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from automath import Domain, Loop
from automath.cli.main import main


def test_a_run_without_atoms_is_an_error_naming_the_option(tmp_path: Path):
    db = tmp_path / "runs.db"  # found: run --atoms '' raised ZeroDivisionError (1 / 0 atoms)
    out = CliRunner().invoke(main, ["run", "--atoms", "", "--steps", "2", "--db", str(db)])
    assert out.exit_code == 1, out.output
    assert out.stderr.startswith("error: ") and "'--atoms'" in out.stderr
    assert "Traceback" not in out.output


def test_a_loop_half_built_still_has_a_repr():
    loop = Loop.__new__(Loop)  # as a traceback shows it while __init__ fails
    loop.domain = Domain.create("arith", atoms="x,1")
    assert repr(loop) == "Loop('arith', not started)"
