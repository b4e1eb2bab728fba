"""The discovery commands end to end: explore, prove and fit, stored runs and their queries."""

import json
from pathlib import Path

import numpy as np
import pytest
import sympy
from click.testing import CliRunner

from automath import RunStore, RunStoreError
from automath.cli.main import main
from automath.runs.resume import open_run


def invoke(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return out.exit_code, out.output


def message(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines


def test_explore_json_laws_are_stored_and_queried_by_weight(tmp_path: Path):
    db = str(tmp_path / "runs.db")
    code, text = invoke("explore", "semiring", "--size", "5", "--json", "--db", db)
    laws = json.loads(text)["laws"]
    assert code == 0
    assert {(law["lhs"], law["rhs"]) for law in laws} >= {("x + y", "y + x"), ("x * 0", "0")}
    assert all(law["verified"].startswith("proved") for law in laws)
    assert [law["size"] for law in laws] == sorted(law["size"] for law in laws)
    code, text = invoke("query", "1", "--laws", "--top", "3", "--format", "json", "--db", db)
    top = json.loads(text)["laws"]
    assert code == 0 and len(top) == 3
    assert [t["weight"] for t in top] == sorted((law["weight"] for law in laws), reverse=True)[:3]


def test_query_filters_laws_by_pattern(tmp_path: Path):
    db = str(tmp_path / "runs.db")
    invoke("explore", "semiring", "--size", "5", "--db", db)
    code, text = invoke("query", "1", "--pattern", r"\*", "--format", "json", "--db", db)
    laws = json.loads(text)["laws"]
    assert code == 0 and laws and all("*" in law["law"] for law in laws)
    assert len(laws) < len(RunStore(db).laws(1))
    code, text = invoke("query", "1", "--where", "size<3", "--db", db)
    assert code == 1 and "--pattern" in text


def test_prove_stores_proof_and_lemmas(tmp_path: Path):
    db = str(tmp_path / "runs.db")
    code, text = invoke("prove", "monoid-identities", "--top", "4", "--db", db)
    assert code == 0 and "proved" in text and "trans" in text
    store = RunStore(db)
    assert store.proof(1)["proved"] and store.proof(1)["proof"].count("\n") >= 2
    lemmas = store.lemmas(1)
    assert [m["statement"] for m in lemmas][0] == "e_l = e_r" and 1 <= len(lemmas) <= 4
    code, text = invoke("query", "1", "--format", "json", "--db", db)
    assert json.loads(text)["lemmas"] == lemmas


def test_prove_settings_are_checked(tmp_path: Path):
    code, text = invoke("prove", "monoid-identities", "--set", "depht=3", "--db",
                        str(tmp_path / "r.db"))
    assert code == 1 and "unknown prove setting 'depht'" in message(text)


def test_query_names_the_kind_of_run(tmp_path: Path):
    db = str(tmp_path / "runs.db")
    invoke("prove", "monoid-identities", "--db", db)
    code, text = invoke("query", "1", "--laws", "--db", db)
    assert code == 1 and "'prove' run" in message(text)
    with pytest.raises(RunStoreError, match="'prove' run"):
        open_run(RunStore(db), 1)


def fit_csv_run(tmp_path: Path) -> tuple[int, str, dict]:
    """``automath fit --json`` on y = a² + b: exit code, database, parsed output."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (30, 2))
    rows = "".join(f"{a},{b},{a * a + b}\n" for a, b in x)
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows)
    db = str(tmp_path / "runs.db")
    code, text = invoke("fit", str(tmp_path / "d.csv"), "--target", "y", "--json", "--db", db)
    return code, db, json.loads(text)


def test_fit_recovers_a_formula_from_csv(tmp_path: Path):
    code, db, out = fit_csv_run(tmp_path)
    assert code == 0 and out["exact"]
    a, b = sympy.symbols("a b")
    assert sympy.simplify(sympy.sympify(out["formula"]) - (a**2 + b)) == 0
    code, text = invoke("fit", str(tmp_path / "d.csv"), "--target", "z", "--db", db)
    assert code == 1 and "no column 'z'" in message(text)


def test_a_fit_is_stored_and_its_front_queried(tmp_path: Path):
    _, db, out = fit_csv_run(tmp_path)
    code, text = invoke("query", "1", "--format", "json", "--db", db)
    front = json.loads(text)["front"]
    assert code == 0 and front == [{"rank": n, **r} for n, r in enumerate(out["front"], 1)]
    assert [r["exact"] for r in front if r["selected"]] == [True]
    code, text = invoke("query", "1", "--pattern", "^a", "--db", db)
    assert code == 0 and "front" in text
    code, text = invoke("runs", "--db", db)
    assert "fit" in text and "finished" in text
    code, text = invoke("query", "1", "--lemmas", "--db", db)
    assert code == 1 and "'fit' run" in message(text)
