"""The rest of issue 17's acceptance: what a step stores (17.5), the prover's budget at the
command line (17.4), a grammar without a variable atom (17.3), LICENSE and CHANGELOG (17.10)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main
from automath.runs.resume import open_run
from automath.runs.store import RunStore

ROOT = Path(__file__).resolve().parent.parent


def test_a_step_stores_each_fingerprint_once_and_only_the_latest_state(tmp_path: Path):
    db = tmp_path / "r.db"
    out = CliRunner().invoke(main, ["run", "arith", "--steps", "4", "--db", str(db)])
    assert out.exit_code == 0, out.output
    with sqlite3.connect(db) as conn:
        states = conn.execute("SELECT COUNT(*) FROM state").fetchone()[0]
        chunks = conn.execute("SELECT start, count FROM rows ORDER BY start").fetchall()
        steps = conn.execute("SELECT COUNT(*) FROM steps").fetchone()[0]
    assert states == 1 and steps == 4  # one state, replaced each step; metrics per step
    assert [s for s, _ in chunks] == [sum(c for _, c in chunks[:n]) for n in range(len(chunks))]
    store = RunStore(str(db), readonly=True)
    elements = len(open_run(store, 1).result().store)
    assert sum(c for _, c in chunks) == elements  # every element's row stored once, no more


def test_prove_at_the_command_line_ends_at_its_budget_and_says_so(tmp_path: Path):
    problem = tmp_path / "false.toml"  # not a theorem of rings: no proof, no saturation soon
    problem.write_text('name = "false-comm"\ngrammar = "ring"\nconstants = ["a", "b"]\n'
                       'axioms = ["x + (y + z) = (x + y) + z", "x + y = y + x", "0 + x = x",\n'
                       '  "-x + x = 0", "x * (y * z) = (x * y) * z", '
                       '"x * (y + z) = x * y + x * z",\n  "(x + y) * z = x * z + y * z"]\n'
                       'goal = "a * b = b * a"\n', encoding="utf-8")
    db = tmp_path / "r.db"
    out = CliRunner().invoke(main, ["prove", str(problem), "--timeout", "1", "--db", str(db)])
    assert out.exit_code == 0 and "not proved within budget (time:" in out.output, out.output
    record = json.loads(CliRunner().invoke(main, ["query", "1", "--format", "json", "--db",
                                                  str(db)]).output)
    assert record["lemmas"]  # what it found is stored
    with sqlite3.connect(db) as conn:
        proved, stats = conn.execute("SELECT proved, stats FROM proofs").fetchone()
    assert proved == 0 and json.loads(stats)["status"] == "budget"


NO_VARIABLE = """?start: expr
?expr: expr "+" atom -> add
     | atom
?atom: NUMBER -> num
%import common.NUMBER
%import common.WS
%ignore WS
"""


NULLARY = """?start: start "&" atom -> and
     | atom
?atom: "~" atom -> not
     | "True" -> true
%import common.WS
%ignore WS
"""


@pytest.mark.parametrize("text, kind", [(NO_VARIABLE, "real"), (NULLARY, "bool")])
def test_grammar_check_accepts_a_grammar_without_a_variable_atom(tmp_path: Path, text, kind):
    from automath.core.grammar import Grammar
    path = tmp_path / "novar.lark"
    path.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(main, ["grammar", "check", str(path), "--kind", kind])
    assert out.exit_code == 0 and "ok" in out.output, out.output
    g = Grammar.load(path)
    for alias, con in g.constructors.items():
        example = g.example(alias)
        assert example in out.output
        term = g.parse(example)  # the example is an expression of the grammar, built by alias
        assert term.op == alias and len(term.args) == con.arity


def test_the_license_is_mit_and_the_changelog_keeps_an_unreleased_section():
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in license_text
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog") and "## [Unreleased]" in changelog
    assert "## [0.1.0]" in changelog


BAD_REGEX = ("start: expr\nexpr: NAME\nterm: expr | atom/(/\natom: term\nNAME: /[a-z]+/\n"
             "%import common.WS\n%ignore WS\n")


@pytest.mark.parametrize("text, line", [(BAD_REGEX, 3),  # found by pytest -m fuzz: ValueError
                                        ('start: "a"\n  | "b" /[/i\n', 2)])  # was line 0
def test_a_grammar_with_a_bad_terminal_regex_is_a_grammar_error(tmp_path: Path, text, line):
    from automath.core.errors import GrammarError
    from automath.core.grammar import Grammar
    path = tmp_path / "bad.lark"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GrammarError) as e:
        Grammar.load(path)
    assert (e.value.file, e.value.line) == (str(path), line)
    assert e.value.token in text.splitlines()[line - 1]
