"""The command line under bad input: errors on stderr with exit 1 (usage: 2), user text printed
literally (never as rich markup or emoji), markdown tables that stay one row per line."""

import re
from pathlib import Path

from click.testing import CliRunner

from automath import RunStore
from automath.cli.main import main

MARKUP = "a[/x]b:x:"  # rich would crash on [/x] and print :x: as an emoji


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_an_automath_error_goes_to_stderr_with_exit_1(tmp_path: Path):
    out = invoke("run", "arith", "--target", "x +", "--db", str(tmp_path / "r.db"))
    assert out.exit_code == 1 and out.stdout == ""
    assert out.stderr.startswith("error:") and "x +" in out.stderr
    assert "Traceback" not in out.output


def test_a_usage_error_exits_2(tmp_path: Path):
    out = invoke("run", "arith", "--steps", "many", "--db", str(tmp_path / "r.db"))
    assert out.exit_code == 2 and "--steps" in out.stderr


def test_explore_refuses_a_size_below_one(tmp_path: Path):
    out = invoke("explore", "arith", "--size", "0", "--db", str(tmp_path / "r.db"))
    assert out.exit_code == 2 and "--size" in out.stderr  # was: 0 laws, as if none held


def test_markup_in_a_target_prints_literally(tmp_path: Path):
    out = invoke("run", "arith", "--target", f"x + {MARKUP}", "--db", str(tmp_path / "r.db"))
    assert out.exit_code == 1 and MARKUP in out.stderr.replace("\n", "")
    assert "\u274c" not in out.output  # the :x: emoji


def markup_db(tmp_path: Path) -> str:
    """A database path with rich markup in it: ``<tmp>/a[/x]b:x:.db`` (``a[`` is a folder)."""
    (tmp_path / "a[").mkdir()
    return str(tmp_path / f"{MARKUP}.db")


def test_prove_prints_a_problem_name_and_db_with_markup(tmp_path: Path):
    shipped = Path(__file__).parents[1] / "automath" / "problems" / "monoid-identities.toml"
    text = shipped.read_text().replace('"monoid-identities"', f'"{MARKUP}"')
    (tmp_path / "p.toml").write_text(text.replace('"monoid"', '"monoid"'))
    db = markup_db(tmp_path)
    out = invoke("prove", str(tmp_path / "p.toml"), "--db", db)
    assert out.exit_code == 0, out.output
    first = out.stdout.splitlines()[0]
    assert db in first and f"{MARKUP}: e_l = e_r" in first


def test_explore_prints_a_db_with_markup(tmp_path: Path):
    db = markup_db(tmp_path)
    out = invoke("explore", "semiring", "--size", "3", "--db", db)
    assert out.exit_code == 0, out.output
    assert f"in {db}:" in out.stdout


def test_fit_prints_a_db_with_markup(tmp_path: Path):
    (tmp_path / "d.csv").write_text("a,y\n" + "".join(f"{a},{2 * a}\n" for a in range(8)))
    db = markup_db(tmp_path)
    out = invoke("fit", str(tmp_path / "d.csv"), "--target", "y", "--max-time", "20",
                 "--db", db)
    assert out.exit_code == 0, out.output
    assert f"in {db}:" in out.stdout


def test_piped_runs_table_escapes_bars_and_does_not_wrap(tmp_path: Path):
    db = str(tmp_path / "r.db")
    long = " | ".join(f"set{n}" for n in range(40))  # ~300 characters, '|' in it
    RunStore(db).create({"grammar": "sets", "target": long}, {"steps": 1})
    out = invoke("runs", "--db", db)
    rows = [line for line in out.stdout.splitlines() if line.startswith("| 1 ")]
    assert out.exit_code == 0 and len(rows) == 1
    cells = re.split(r"(?<!\\)\|", rows[0])[1:-1]  # split on unescaped bars only
    assert len(cells) == 9 and cells[6].strip().replace("\\|", "|") == long
