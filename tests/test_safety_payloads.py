"""Nothing a user opens runs code (issue 17.1), for the paths the other tests do not plant a
payload in: problem files (TOML and TPTP), CSV column names and cells, and law, lemma and front
texts written into a database by hand. Each payload would create a marker file if any of it
were evaluated (eval, exec, sympify, pickle): the marker must not appear, the command must end
with exit 0 or 1 (one 'error:' line), never a traceback; ``query --format latex`` of a stored
explore, prove or fit run is a LaTeX tabular."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.common import FORMATS
from automath.cli.main import main
from automath.runs.store import RunStore


def payloads(marker: Path) -> list[str]:
    """Texts that create ``marker`` if evaluated as Python (or by sympify)."""
    m = str(marker)
    return [f"__import__('os').system('touch {m}')", f"exec(\"open('{m}', 'w')\")",
            f"eval(\"open('{m}', 'w')\")", f"open('{m}', 'w').close()",
            f"().__class__.__base__.__subclasses__() or open('{m}', 'w')"]


def invoke(*args: str):
    out = CliRunner().invoke(main, [str(a) for a in args])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    assert out.exit_code in (0, 1) and "Traceback" not in out.output, out.output
    if out.exit_code == 1:
        assert out.stderr.startswith("error:"), out.output
    return out


def toml_list(texts: list[str]) -> str:
    return "[" + ", ".join(f"'''{t}'''" for t in texts) + "]"


@pytest.mark.parametrize("part", ["name", "constants", "axioms", "goal"])
def test_payloads_in_a_problem_file_do_not_run(tmp_path: Path, part: str):
    marker = tmp_path / "MARKER"
    fields = {"name": "'p'", "grammar": "'monoid'", "constants": "['l', 'r']",
              "axioms": "['l * x = x', 'x * r = x']", "goal": "'l = r'"}
    texts = payloads(marker)
    fields[part] = toml_list(texts) if part in ("constants", "axioms") else f"'''{texts[0]}'''"
    problem = tmp_path / "p.toml"
    problem.write_text("".join(f"{k} = {v}\n" for k, v in fields.items()), encoding="utf-8")
    invoke("prove", problem, "--timeout", "2", "--db", tmp_path / "r.db")
    assert not marker.exists()


def test_payloads_in_a_tptp_file_do_not_run(tmp_path: Path):
    marker = tmp_path / "MARKER"
    lines = [f"cnf(a{n}, axiom, {text} = x)." for n, text in enumerate(payloads(marker))]
    lines += [f"% {payloads(marker)[0]}", f"cnf(g, negated_conjecture, f('{marker}') != a)."]
    problem = tmp_path / "p.p"
    problem.write_text("\n".join(lines) + "\n", encoding="utf-8")
    invoke("prove", problem, "--timeout", "2", "--db", tmp_path / "r.db")
    assert not marker.exists()


def test_payloads_in_csv_names_and_cells_do_not_run(tmp_path: Path):
    marker = tmp_path / "MARKER"
    for n, text in enumerate(payloads(marker)[:2]):
        data = tmp_path / f"d{n}.csv"
        name = text.replace(",", ";")
        data.write_text(f'"{name}",y\n1,2\n2,4\n3,6\n4,8\n5,10\n', encoding="utf-8")
        invoke("fit", data, "--target", "y", "--max-time", "2", "--db", tmp_path / "r.db")
        data.write_text(f'x,y\n1,2\n"{name}",4\n', encoding="utf-8")
        invoke("fit", data, "--target", "y", "--max-time", "2", "--no-save")
    assert not marker.exists()


def stored_runs(db: Path, marker: Path) -> list[int]:
    """An explore, a prove and a fit run whose texts are payloads (through the store's own
    API for the layout, then edited by hand with sqlite3)."""
    store, texts = RunStore(str(db)), payloads(marker)
    explore = store.create({"command": "explore", "grammar": "semiring"}, {})
    store.save_laws(explore, [{"lhs": "x + 0", "rhs": "x", "size": 3, "weight": 0.5,
                               "verified": "proved: sympy"}] * len(texts))
    prove = store.save_proof_run({
        "problem": "p", "grammar": "monoid", "goal": "x = x", "config": {}, "proved": True,
        "proof": "x = x", "stats": {"steps": 1},
        "lemmas": [{"rank": n, "statement": "x = x", "score": 1.0, "p": .1, "q": .2,
                    "weight": .3, "promoted": False} for n in range(1, len(texts) + 1)]})
    fit = store.save_fit_run({"data": "d.csv", "target": "y", "grammar": "nguyen"}, {}, [
        {"expression": "x0", "size": 1, "loss": 0.0, "weight": None, "exact": True,
         "selected": True}] * len(texts))
    store.conn.close()
    with sqlite3.connect(db) as conn:
        for n, text in enumerate(texts, 1):
            conn.execute("UPDATE laws SET lhs = ?, rhs = ?, verified = ? WHERE rank = ?",
                         (text, text, text, n))
            conn.execute("UPDATE lemmas SET statement = ? WHERE rank = ?", (text, n))
            conn.execute("UPDATE fronts SET expression = ? WHERE rank = ?", (text, n))
        conn.execute("UPDATE proofs SET text = ?", (texts[0],))
    return [explore, prove, fit]


@pytest.mark.parametrize("fmt", FORMATS)
def test_stored_texts_do_not_run_on_query(tmp_path: Path, fmt: str):
    marker, db = tmp_path / "MARKER", tmp_path / "r.db"
    for run_id in stored_runs(db, marker):
        out = invoke("query", run_id, "--format", fmt, "--db", db)
        assert out.exit_code == 0 and "touch" in out.stdout
        if fmt == "latex":
            assert out.stdout.startswith("\\begin{tabular}")
            assert out.stdout.rstrip().endswith("\\end{tabular}")
    invoke("runs", "--db", db)
    assert not marker.exists()
