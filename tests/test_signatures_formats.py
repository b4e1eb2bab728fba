"""Laws as tests and output formats (issue 15.6): ``explore --format pytest`` writes a module of
property tests that passes under pytest in a fresh process, and fails on a false law written in
the same format; markdown and JSON list the same laws. Oracles: Python integers and truth
values, and pytest's own exit status and counts."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main as cli

pytestmark = pytest.mark.usefixtures("one_thread")


def _pytest(path: Path) -> tuple[int, str]:
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(path)], capture_output=True, text=True, cwd=path.parent,
                         timeout=300, check=False)
    return out.returncode, out.stdout + out.stderr


def _explore(*args: str) -> str:
    out = CliRunner().invoke(cli, ["explore", *args, "--no-save"])
    assert out.exit_code == 0, out.output
    return out.output


def _laws_of(module: Path) -> list[tuple[str, str, str]]:
    space: dict = {"__file__": str(module)}
    exec(compile(module.read_text(), str(module), "exec"), space)  # the generated module
    return space["LAWS"]


def test_generated_pytest_file_passes_and_its_laws_hold_for_integers(tmp_path) -> None:
    module = tmp_path / "test_semiring_laws.py"
    _explore("semiring", "--size", "5", "--format", "pytest", "--output", str(module))
    laws = _laws_of(module)
    assert len(laws) >= 6 and all(c == "" for c, _, _ in laws)
    rng = random.Random(0)
    for _, lhs, rhs in laws:  # each law is an identity of the integers
        for _ in range(50):
            env = {v: rng.randint(-50, 50) for v in "xyz"}
            assert eval(lhs, env) == eval(rhs, env), (lhs, rhs)
    code, text = _pytest(module)
    assert code == 0, text
    assert re.search(rf"\b{len(laws)} passed", text), text


def test_a_false_law_in_the_same_format_fails(tmp_path) -> None:
    module = tmp_path / "test_semiring_laws.py"
    _explore("semiring", "--size", "3", "--format", "pytest", "--output", str(module))
    text = module.read_text()
    n = len(_laws_of(module))
    module.write_text(text.replace("LAWS = [", "LAWS = [\n    ('', 'x + x', 'x'),", 1))
    code, out = _pytest(module)
    assert code == 1, out
    assert re.search(rf"1 failed, {n} passed", out), out
    assert "x + x = x fails at x = " in out


def test_sidecar_grammar_module_moves_with_its_files(tmp_path) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples" / "signatures"
    grammar = (examples / "sets.lark").read_text(encoding="utf-8")
    semantics = (examples / "sets.semantics.toml").read_text(encoding="utf-8")
    work = tmp_path / "suite"
    (work / "grammars").mkdir(parents=True)
    (work / "grammars" / "sets.lark").write_text(grammar)
    (work / "grammars" / "sets.semantics.toml").write_text(semantics)
    module = work / "test_sets_laws.py"
    _explore(str(work / "grammars" / "sets.lark"), "--size", "5", "--format", "pytest",
             "-o", str(module))
    assert str(tmp_path) not in module.read_text()  # paths are relative to the module
    moved = tmp_path / "elsewhere"
    work.rename(moved)
    code, out = _pytest(moved / "test_sets_laws.py")
    assert code == 0 and re.search(r"\d+ passed", out), out


def test_markdown_and_json_list_the_same_laws() -> None:
    records = json.loads(_explore("semiring", "--size", "4", "--format", "json"))["laws"]
    md = _explore("semiring", "--size", "4", "--format", "markdown").strip().splitlines()
    assert md[0].startswith("| rank | law |") and len(md) == 2 + len(records)
    for line, r in zip(md[2:], records, strict=True):
        assert f"| {r['lhs']} = {r['rhs']} |" in line
    deprecated = json.loads(_explore("semiring", "--size", "4", "--json"))["laws"]
    assert [(r["lhs"], r["rhs"]) for r in deprecated] == [(r["lhs"], r["rhs"]) for r in records]


def test_user_text_in_the_generated_module_stays_data(tmp_path) -> None:
    from automath.laws.explore import explore
    from automath.laws.testing import pytest_file
    odd = tmp_path / 'a"""b\\'
    odd.mkdir()
    (odd / "semiring.lark").write_text((Path(__file__).parents[1] / "automath" / "grammars"
                                        / "semiring.lark").read_text())
    command = 'automath explore x """\nimport os; os.system("touch pwned")'
    text = pytest_file(explore("semiring", size=3, weights=False), kind='modp"""',
                       grammar=str(odd / "semiring.lark"), command=command)
    space: dict = {"__file__": str(tmp_path / "test_m.py")}
    exec(compile(text, "test_m.py", "exec"), space)  # parses: nothing escaped the literals
    assert space["COMMAND"] == command and space["KIND"] == 'modp"""'
    assert space["GRAMMAR"] == str((odd / "semiring.lark").resolve())
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
