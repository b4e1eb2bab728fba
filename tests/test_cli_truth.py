"""`automath run` tells whether the target was reached, and reaches --entropy and --score."""

import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner

from automath import RunStore
from automath.cli.main import main
from automath.runs.resume import open_run

X = sympy.Symbol("x")


def invoke(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.output


def best_line(text: str) -> tuple[str, float, str]:
    """The verdict's (word before 'best score', score, expression)."""
    m = re.search(r"^(.*)best score ([-\d.e]+): (.*?) \(weight", text, re.M)
    assert m, text
    return m.group(1), float(m.group(2)), m.group(3)


def test_not_reached_says_so_with_the_best_scoring_element(tmp_path: Path):
    target = "x*x*x*x*x*x*x + 3"
    code, text = invoke("run", "arith", "--target", target, "--atoms", "x,1", "--steps", "2",
                        "--db", str(tmp_path / "t.db"))
    head, score, expr = best_line(text)
    assert code == 0 and "target not reached" in head
    assert sympy.simplify(sympy.sympify(expr) - sympy.sympify(target)) != 0  # sympy: not it
    assert score < 1 and "highest weight" in text


def test_reached_names_the_target_and_its_weight(tmp_path: Path):
    code, text = invoke("run", "arith", "--target", "x + 1", "--atoms", "x,1", "--steps", "3",
                        "--db", str(tmp_path / "t.db"))
    m = re.search(r"target reached: (.*?) \(weight ([\d.e-]+)\)", text)
    assert code == 0 and m, text
    assert sympy.simplify(sympy.sympify(m.group(1)) - (X + 1)) == 0
    assert 0 < float(m.group(2)) <= 1


def final_entropy(db: str, *extra: str) -> float:
    code, text = invoke("run", "arith", "--target", "x*x + 1", "--atoms", "x,1", "--steps", "8",
                        "--db", db, *extra)
    assert code == 0, text
    return open_run(RunStore(db), 1).state.history[-1]["entropy"]


def test_entropy_term_moves_the_stored_entropy(tmp_path: Path):
    # the objective is a loss: + W * H(p) penalizes entropy, - W * H(p) rewards it
    plain = final_entropy(str(tmp_path / "a.db"))
    lower = final_entropy(str(tmp_path / "b.db"), "--entropy", "0.1")
    higher = final_entropy(str(tmp_path / "c.db"), "--entropy=-0.1")
    assert lower < plain < higher
    cfg = RunStore(str(tmp_path / "b.db")).run(1)["config"]
    assert cfg["entropy"] == 0.1


SCORE = "def size3(store, ids):\n    return (store.size[ids] == 3).double()\n"


def test_user_score_is_used_and_rebuilt_on_reopen(tmp_path: Path, monkeypatch):
    (tmp_path / "truth_user_score.py").write_text(SCORE)
    monkeypatch.syspath_prepend(str(tmp_path))
    db = str(tmp_path / "t.db")
    code, text = invoke("run", "arith", "--score", "truth_user_score:size3", "--atoms", "x,1",
                        "--steps", "3", "--db", db)
    head, score, expr = best_line(text)
    assert code == 0 and score == 1.0 and "target" not in head
    assert re.fullmatch(r"\w+ [-+*/] \w+", expr)  # a size-3 term: one operator, two atoms
    assert RunStore(db).run(1)["config"]["target"] is None  # not the grammar's preset
    res = open_run(RunStore(db), 1, allow_code=True).result()
    assert res.scores.tolist() == (res.store.size == 3).double().tolist()
    sys.modules.pop("truth_user_score", None)


def test_bad_score_spec_is_a_one_line_error(tmp_path: Path):
    for spec in ("no_such_module_xyz:f", "automath:no_such_fn", "nocolon"):
        code, text = invoke("run", "arith", "--score", spec, "--steps", "1",
                            "--db", str(tmp_path / "t.db"))
        assert code == 1, text
        assert "Traceback" not in text and len(text.strip().splitlines()) == 1
        assert spec in " ".join(text.split())


def test_resume_rebuilds_the_entropy_objective(tmp_path: Path):
    whole, half = str(tmp_path / "whole.db"), str(tmp_path / "half.db")
    args = ("run", "arith", "--target", "x*x + 1", "--atoms", "x,1", "--entropy=-0.2")
    assert invoke(*args, "--steps", "6", "--db", whole)[0] == 0
    assert invoke(*args, "--steps", "3", "--db", half)[0] == 0
    cfg = {**RunStore(half).run(1)["config"], "steps": 6}  # as if killed after step 3
    with sqlite3.connect(half) as conn:
        conn.execute("UPDATE runs SET config = ?, status = 'running'", (json.dumps(cfg),))
    code, text = invoke("run", "--resume", "1", "--db", half)
    assert code == 0, text
    resumed, straight = (open_run(RunStore(db), 1).state.history for db in (half, whole))
    assert [h["entropy"] for h in resumed] == pytest.approx([h["entropy"] for h in straight])
