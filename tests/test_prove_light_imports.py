"""`automath prove` by saturation loads neither torch, sympy nor numba (each costs seconds of
start-up on every command); the lemma loop, which needs torch, still loads on first use.
Checked in a fresh interpreter, so the test session's own imports do not count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent / "automath" / "problems" / "ueq"

SCRIPT = """
import json, sys
from click.testing import CliRunner
from automath.cli.main import main
out = CliRunner().invoke(main, ["prove", sys.argv[1], "--db", sys.argv[2]])
heavy = [m for m in ("torch", "sympy", "numba") if m in sys.modules]
from automath.proofs import LemmaLoop
print(json.dumps({"code": out.exit_code, "output": out.output, "heavy": heavy,
                  "lemma_loop": LemmaLoop.__module__, "torch_after": "torch" in sys.modules}))
"""


def test_saturation_proving_needs_no_torch(tmp_path: Path) -> None:
    problem = sorted(SHARED.glob("*.p"))[0]
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(problem), str(tmp_path / "r.db")],
                         capture_output=True, text=True, timeout=300, check=True)
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["code"] == 0 and " proved " in out["output"], out["output"]
    assert out["heavy"] == []
    assert out["lemma_loop"] == "automath.proofs.lemmas" and out["torch_after"]
