"""--semantics on run and grammar check, the file beside a grammar found there too, and a
database that names Python code: read commands never import it."""

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath import RunStore
from automath.cli.main import main

GRAMMAR = """?start: union
?union: inter | union "|" inter -> union
?inter: atom | inter "&" atom -> inter
?atom: NAME -> var | "(" union ")"
NAME: /[a-z]+/
%import common.WS
%ignore WS
"""
SEMANTICS = 'kind = "bool"\n[ops]\nunion = "or"\ninter = "and"\n'


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def truth(text: str, env: dict) -> bool:
    """The oracle: a printed set expression read as Python truth values."""
    return bool(eval(text.replace("|", " or ").replace("&", " and "), {}, env))


@pytest.fixture
def sets(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "sets.lark").write_text(GRAMMAR)
    (tmp_path / "meaning.toml").write_text(SEMANTICS)
    return tmp_path / "g" / "sets.lark", tmp_path / "meaning.toml"


def test_without_semantics_a_new_alias_is_an_error(sets):
    out = invoke("grammar", "check", str(sets[0]))
    assert out.exit_code == 1 and "'union' has no semantics" in out.stderr


def test_grammar_check_takes_semantics_and_finds_the_sidecar(sets):
    grammar, meaning = sets
    out = invoke("grammar", "check", str(grammar), "--semantics", str(meaning))
    assert out.exit_code == 0 and "ok: sets with kind bool" in out.stdout
    (grammar.parent / "sets.semantics.toml").write_text(SEMANTICS)
    out = invoke("grammar", "check", str(grammar))
    assert out.exit_code == 0 and "ok: sets with kind bool" in out.stdout


def test_run_with_semantics_is_stored_and_queried(sets, tmp_path: Path):
    grammar, meaning = sets
    db = str(tmp_path / "r.db")
    out = invoke("run", str(grammar), "--semantics", str(meaning), "--atoms", "a,b",
                 "--target", "a & b", "--steps", "3", "--db", db)
    assert out.exit_code == 0, out.output
    assert RunStore(db).run(1)["domain"]["kind"] == "bool"
    rows = json.loads(invoke("query", "1", "--top", "50", "--format", "json",
                             "--db", db).stdout)
    envs = [{"a": a, "b": b} for a in (False, True) for b in (False, True)]
    exact = [r["expression"] for r in rows if r["score"] == 1.0]
    assert exact and all(truth(e, env) == truth("a & b", env) for e in exact for env in envs)


PLANT = "from pathlib import Path\nPath({marker!r}).write_text('ran')\n"


def test_query_does_not_import_a_score_module_the_database_names(tmp_path: Path, monkeypatch):
    marker = tmp_path / "MARKER"
    (tmp_path / "planted_score.py").write_text(
        PLANT.format(marker=str(marker)) + "def f(store, ids):\n    return ids.double() * 0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    db = str(tmp_path / "r.db")
    out = invoke("run", "arith", "--atoms", "x,1", "--score", "planted_score:f", "--steps", "1",
                 "--db", db)
    assert out.exit_code == 0 and marker.exists(), out.output  # the user's own run imports it
    marker.unlink()
    sys.modules.pop("planted_score")
    out = invoke("query", "1", "--format", "json", "--db", db)
    assert out.exit_code == 0, out.output
    assert not marker.exists() and "planted_score" not in sys.modules
    assert {r["score"] for r in json.loads(out.stdout)} == {None}  # not scored


def test_query_does_not_import_code_a_stored_semantics_file_names(sets, tmp_path: Path,
                                                                 monkeypatch):
    grammar, meaning = sets
    marker = tmp_path / "MARKER"
    (tmp_path / "planted_ops.py").write_text(PLANT.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(tmp_path))
    db = str(tmp_path / "r.db")
    assert invoke("run", str(grammar), "--semantics", str(meaning), "--atoms", "a,b",
                  "--target", "a & b", "--steps", "1", "--db", db).exit_code == 0
    meaning.write_text(SEMANTICS.replace('"or"', '"planted_ops:UNION"'))  # swapped later
    out = invoke("query", "1", "--db", db)
    assert out.exit_code == 1 and not marker.exists() and "planted_ops" not in sys.modules


def test_an_alias_with_another_arity_than_its_operator_is_a_grammar_error(tmp_path: Path):
    (tmp_path / "bad.lark").write_text('?start: e\n?e: NAME -> var\n  | "+" e -> add\n'
                                       "NAME: /[a-z]+/\n%import common.WS\n%ignore WS\n")
    for args in (["grammar", "check"], ["run"]):
        extra = ["--atoms", "x", "--db", str(tmp_path / "r.db")] if args == ["run"] else []
        out = invoke(*args, str(tmp_path / "bad.lark"), *extra)
        assert out.exit_code == 1, out.output
        assert f"{tmp_path / 'bad.lark'}:3: alias 'add' takes 1 argument" in out.stderr


@pytest.mark.parametrize("name", ["arith", "logic", "minmax", "monoid", "nguyen", "ring",
                                  "semiring", "sequence", "trig"])
def test_every_shipped_grammar_checks(name: str):
    assert invoke("grammar", "check", name).exit_code == 0


def test_domain_create_itself_refuses_an_alias_with_another_arity(tmp_path: Path):
    from automath.core.domain import Domain
    from automath.core.errors import GrammarError
    from automath.core.grammar import Grammar
    path = tmp_path / "bad.lark"
    path.write_text('?start: e\n?e: NAME -> var\n  | "*" e -> mul\nNAME: /[a-z]+/\n'
                    "%import common.WS\n%ignore WS\n")
    with pytest.raises(GrammarError) as e:
        Domain.create(Grammar.load(str(path)), atoms="x")
    assert (e.value.file, e.value.line, e.value.token) == (str(path), 3, "mul")
