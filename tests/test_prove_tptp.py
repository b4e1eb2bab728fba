"""TPTP in and out: the textbook suite's .p files against their TOML twins, includes, comments,
quoted atoms, FOF, refusals of what is outside unit equality, and the printed TPTP re-read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main
from automath.core.errors import AutomathError
from automath.core.term import Term
from automath.proofs.problem import Problem
from automath.proofs.prove import load, prove
from automath.proofs.tptp import read_tptp_text
from automath.proofs.tstp import problem_tptp

UEQ = Path(__file__).resolve().parent.parent / "automath" / "problems" / "ueq"
STEMS = sorted(p.stem for p in UEQ.glob("*.p"))


def shape(problem: Problem) -> tuple:
    """Axioms and goal as nested tuples: constants by name (a grammar's nullary constructor
    ``unit`` is TPTP's ``c_unit``, as the suite's README says), variables by first appearance."""
    consts = set(problem.constants)

    def walk(t: Term, seen: dict[str, int]) -> object:
        if t.args:
            return (t.op, *(walk(a, seen) for a in t.args))
        if t in consts:
            return t.token if t.op == "var" else f"c_{t.op}"
        return ("?", seen.setdefault(str(t.token), len(seen)))

    def eq(e: tuple[Term, Term]) -> tuple:
        seen: dict[str, int] = {}
        return walk(e[0], seen), walk(e[1], seen)

    return tuple(eq(a) for a in problem.axioms), problem.goal and eq(problem.goal)


def test_the_suite_has_seventeen_twins():
    assert len(STEMS) == 17 and all((UEQ / f"{s}.toml").is_file() for s in STEMS)


@pytest.mark.parametrize("stem", STEMS)
def test_tptp_twin_states_the_same_problem(stem: str):
    tptp, toml = load(UEQ / f"{stem}.p"), load(UEQ / f"{stem}.toml")
    assert shape(tptp) == shape(toml)
    assert tptp.name == stem


@pytest.mark.parametrize("stem", STEMS)
def test_tptp_twin_gives_the_same_proof_result(stem: str):
    # a cap on processed equations keeps the slow ones short: both twins then stop alike
    a, b = prove(UEQ / f"{stem}.p", steps=25), prove(UEQ / f"{stem}.toml", steps=25)
    assert (a.proved, a.stats["status"]) == (b.proved, b.stats["status"])
    assert (a.stats["generated"], a.stats["proof_steps"]) == \
        (b.stats["generated"], b.stats["proof_steps"])
    assert a.proved == (a.stats["status"] == "proved") and a.checked == a.proved


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


MONOID_AX = """% monoid units
fof(left, axiom, ![X]: mul(l, X) = X).
fof(right, axiom, ![X]: mul(X, r) = X).
"""


def test_include_beside_the_file_and_block_comments(tmp_path: Path):
    write(tmp_path / "Axioms" / "MON.ax", MONOID_AX)
    p = write(tmp_path / "p.p", "/* two\n lines */ include('Axioms/MON.ax').\n"
                                "cnf(g, negated_conjecture, l != r).  % the goal\n")
    res = prove(p)
    assert res.proved and res.problem.goal == (Term("var", token="l"), Term("var", token="r"))
    assert len(res.problem.axioms) == 2


def test_include_under_tptp_with_a_selection(tmp_path: Path, monkeypatch):
    write(tmp_path / "lib" / "Axioms" / "MON.ax", MONOID_AX)
    monkeypatch.setenv("TPTP", str(tmp_path / "lib"))
    p = write(tmp_path / "q" / "p.p", "include('Axioms/MON.ax', [left]).\n"
                                      "cnf(g, negated_conjecture, mul(l, r) != r).\n")
    prob = load(p)
    assert len(prob.axioms) == 1 and prove(prob).proved


def test_missing_include_names_file_line_and_token(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("TPTP", raising=False)
    p = write(tmp_path / "p.p", "cnf(a, axiom, f(X) = X).\ninclude('Axioms/NONE.ax').\n")
    with pytest.raises(AutomathError) as e:
        load(p)
    assert f"{p}:2:" in str(e.value) and "'Axioms/NONE.ax'" in str(e.value)


def test_fof_conjunction_quoted_atoms_and_universal_goal(tmp_path: Path):
    p = write(tmp_path / "c.p", "fof(a, axiom, ![X, Y]: (f(X, Y) = f(Y, X) & 'my c' = g(X))).\n"
                                "fof(g, conjecture, ![X]: f(X, 'my c') = f('my c', X)).\n")
    prob = load(p)
    names = {c.token for c in prob.constants}
    assert len(prob.axioms) == 2 and "my c" in names and len(names) == 2  # X became a constant
    res = prove(prob)
    assert res.proved


@pytest.mark.parametrize(("line2", "token"), [
    ("cnf(b, axiom, mul(X, e) = X | mul(e, X) = X).", "|"),
    ("cnf(b, axiom, p(X)).", "p"),
    ("cnf(b, axiom, mul(X, e) != X).", "!="),
    ("fof(b, axiom, ?[X]: mul(X, e) = X).", "?"),
    ("fof(b, axiom, ![X]: (mul(X, e) = X => mul(e, X) = X)).", "=>"),
    ("cnf(b, negated_conjecture, mul(X, e) != e).", "!="),
    ("cnf(b, axiom, mul(X) = X).", "mul"),
    ("cnf(b, axiom, mul(X, 3) = X).", "3"),
])
def test_outside_unit_equality_is_refused_with_file_line_and_token(tmp_path: Path, line2: str,
                                                                    token: str):
    p = write(tmp_path / "bad.p", f"cnf(a, axiom, mul(X, e) = X).\n{line2}\n")
    with pytest.raises(AutomathError) as e:
        load(p)
    assert str(e.value).startswith(f"{p}:2:") and f"(at token {token!r})" in str(e.value)


def test_a_false_goal_from_tptp_is_not_proved(tmp_path: Path):
    p = write(tmp_path / "f.p", (UEQ / "group-right-identity.p").read_text().replace(
        "mul(a,c_unit) != a", "mul(a,b) != mul(b,a)"))
    res = prove(p, steps=300)
    assert not res.proved and res.stats["status"] != "proved"


# ---- TPTP out ------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", STEMS)
def test_printed_tptp_reads_back_to_the_same_problem(stem: str):
    toml, tptp = load(UEQ / f"{stem}.toml"), load(UEQ / f"{stem}.p")
    again = read_tptp_text(problem_tptp(toml), f"{stem}.p")
    assert shape(again) == shape(toml) == shape(tptp)
    assert shape(read_tptp_text(problem_tptp(tptp))) == shape(tptp)


def test_quoted_names_survive_the_round_trip():
    text = ("cnf(a, axiom, 'f g'(X, 'It''s') = X).\n"
            "cnf(g, negated_conjecture, 'f g'(c, 'It''s') != c).")
    text = text.replace("''", "\\'")
    prob = read_tptp_text(text)
    assert {c.token for c in prob.constants} == {"It's", "c"}
    assert shape(read_tptp_text(problem_tptp(prob))) == shape(prob)


def invoke(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return out.exit_code, out.output


def test_cli_format_tptp_prints_the_problem(tmp_path: Path):
    code, text = invoke("prove", str(UEQ / "group-inverse-product.toml"), "--format", "tptp",
                        "--db", str(tmp_path / "r.db"))
    assert code == 0
    assert shape(read_tptp_text(text)) == shape(load(UEQ / "group-inverse-product.p"))
    assert not (tmp_path / "r.db").exists()  # printing a problem runs nothing


def test_cli_format_tstp_prints_the_checked_proof(tmp_path: Path):
    code, text = invoke("prove", str(UEQ / "comb-skk.p"), "--format", "tstp",
                        "--db", str(tmp_path / "r.db"))
    res = prove(UEQ / "comb-skk.p")
    steps = [ln for ln in text.splitlines() if ln.startswith("cnf(")]
    assert code == 0 and "% SZS status Theorem for comb-skk" in text
    assert len(steps) == len(res.proof)
    # the last step states the goal: read it back as a conjecture (an independent reader path)
    last = steps[-1].split(", ", 2)[2].rsplit(", inference(", 1)[0]
    goal = read_tptp_text(f"cnf(a, axiom, ap(X, Y) = ap(X, Y)).\nfof(g, conjecture, {last}).")
    assert goal.goal_text == res.problem.goal_text


def test_cli_json_and_its_deprecated_alias_agree(tmp_path: Path):
    db = str(tmp_path / "r.db")
    _, a = invoke("prove", "monoid-identities", "--format", "json", "--db", db)
    _, b = invoke("prove", "monoid-identities", "--json", "--db", db)
    a, b = json.loads(a), json.loads(b)
    assert (a["run"], b["run"]) == (1, 2) and a["proof"] == b["proof"] and a["proved"]
