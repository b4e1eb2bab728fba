"""Fuzzing the other inputs of issue 17.9: problem files (TOML and TPTP), CSV files and CLI
arguments either load / run or fail with an AutomathError (the CLI: exit 1 with one 'error:'
line, or click's usage error, exit 2); nothing else escapes. 40 fixed cases each here;
``pytest -m fuzz -s`` runs the longer campaign and prints its counts."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import strategies as st

from automath.cli.main import main
from automath.proofs.problem import Problem
from automath.proofs.tptp import read_tptp_text
from automath.regression.inputs import read_csv
from tests.test_safety_fuzz import EXPR_TOKENS, campaign, joined

TMP = Path(tempfile.mkdtemp(prefix="automath-fuzz-"))
GRAMMARS = st.sampled_from(["monoid", "monoid", "ring", "arith", "nosuch", "", "../x",
                           "ring.lark"])
EXPRS = st.one_of(st.sampled_from(["l * x = x", "x * r = x", "l = r", "x * (y * z) = x * y * z",
                                   "x = x", "x * y = y * x"]),
                  joined(EXPR_TOKENS + ["=", "l", "r", "*", "e"], 12))


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@st.composite
def problem_toml(draw) -> str:
    """A problem file: the usual keys with fuzzed values (or raw fuzzed TOML)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(joined(['name = "p"', "axioms = [", "]", '"x = x"', ",", "goal", "=", "\n",
                            "[search]", "timeout = 1", "grammar = ", '"group.lark"'], 20))
    keys = {"name": toml_string(draw(st.text(max_size=8))), "grammar": toml_string(draw(GRAMMARS)),
            "constants": "[" + ", ".join(map(toml_string, draw(st.lists(
                st.sampled_from(["l", "r", "e", "1", "x", "", "*"]), max_size=3)))) + "]",
            "axioms": "[" + ", ".join(map(toml_string, draw(st.lists(EXPRS, max_size=3)))) + "]",
            "goal": toml_string(draw(EXPRS))}
    chosen = draw(st.lists(st.sampled_from(list(keys)), unique=True, min_size=1))
    return "\n".join(f"{k} = {keys[k]}" for k in chosen) + "\n"


def load_problem(text: str) -> None:
    path = TMP / "p.toml"
    path.write_text(text, encoding="utf-8")
    Problem.load(path)


TPTP_TOKENS = ["cnf(", "fof(", "a", ",", "axiom", "negated_conjecture", "hypothesis", "(", ")",
               "=", "!=", "X", "Y", "f(", "g(", ").", "include('x').", "%", "\n", "~", "|",
               "![X]:", "&", "'q'", "$true"]


def load_tptp(text: str) -> None:
    read_tptp_text(text, file="fuzz.p")


CSV_TOKENS = ["x", "y", "a", ",", "\n", "1", "2.5", "-3", "nan", "inf", "1e400", "", " ", '"',
              "abc", "\r\n", ";", "0x10", "1_0"]


def load_csv(data: bytes) -> None:
    path = TMP / "d.csv"
    path.write_bytes(data)
    read_csv(str(path), "y")


CSVS = st.tuples(st.sampled_from(["", "x,y\n", "y\n", "a,b,y\n"]), joined(CSV_TOKENS, 30)).map(
    lambda parts: "".join(parts).encode("utf-8"))
BINARY_CSVS = st.binary(max_size=40).map(lambda b: b"x,y\n" + b)

DB, TEMPLATE = TMP / "runs.db", TMP / "template.db"


def _template() -> None:
    """A database holding an explore run (1), a prove run (2) and a fit run (3)."""
    from automath.runs.store import RunStore
    store = RunStore(str(TEMPLATE))
    rid = store.create({"command": "explore", "grammar": "semiring"}, {})
    store.save_laws(rid, [{"lhs": "x + 0", "rhs": "x", "size": 3, "weight": 0.5}])
    store.save_proof_run({"problem": "p", "grammar": "monoid", "goal": "x = x", "config": {},
                          "proved": True, "proof": "x = x", "stats": {"steps": 1},
                          "lemmas": [{"rank": 1, "statement": "x = x", "score": 1.0, "p": .1,
                                      "q": .2, "weight": .3, "promoted": False}]})
    store.save_fit_run({"target": "y"}, {}, [{"expression": "x0", "size": 1, "loss": 0.0,
                                              "weight": None, "exact": True, "selected": True}])
    store.conn.close()


_template()
EXITS: Counter = Counter()
"""The CLI cases' exit codes (0 ran, 1 clear error, 2 usage error)."""
WORDS = st.one_of(st.text(max_size=4), st.sampled_from(["-1", "0", "nan", "1e", "[/x]", ""]))
ARGS = {  # command: (positional arguments, options and their values, options always given)
    "run": (["arith", "logic", "nosuch", "x.lark"],
            {"--steps": ["0", "1", "2", "-1", "x"], "--k": ["0", "1", "2", "4"],
             "--atoms": ["x,1", "", "x,,", "1" + "0" * 40, "[/x]"],
             "--target": ["x +", "x*x", "[/x]", "x + 1", "__import__('os')"],
             "--kind": ["bool", "mod:0", "real", "int", "perm:3"], "--entropy": ["nan", "0.1"],
             "--format": ["latex", "json", "markdown"], "--resume": ["1", "0", "x"]},
            ["--steps", "2", "--max-time", "2"]),
    "query": (["1", "0", "-1", "x", "2"],
              {"--top": ["0", "1", "3", "-1"], "--where": ["size<=2", "1e", "weight>", "x == 1"],
               "--pattern": ["(", "x", "["], "--format": ["json", "latex", "markdown", "x"],
               "--laws": [], "--lemmas": []}, []),
    "runs": ([], {"--format": ["json", "latex", "x"]}, []),
    "explore": (["semiring", "logic", "nosuch", "minmax", "trig"],
                {"--size": ["0", "1", "3", "999", "-2"], "--kind": ["real", "mod:1", "perm:0",
                                                                    "bool", "int"],
                 "--vars": ["", "xy", "[/x]"], "--constants": ["1" + "0" * 40, "0,1", ","],
                 "--format": ["pytest", "json", "markdown"], "--k": ["0", "2"]},
                ["--max-time", "2"]),
    "prove": (["monoid-identities", "nosuch", "comb-skk"],
              {"--top": ["0", "2"], "--format": ["tptp", "json", "tstp"],
               "--set": ["max_given=1", "x=y", "timeout=-1"], "--suite": ["nosuch"]},
              ["--timeout", "2"]),
    "grammar": (["check"], {"--kind": ["bool", "real", "x", "mod:2"]}, []),
}


@st.composite
def cli_args(draw) -> list[str]:
    """A command, maybe a positional argument, up to three options with values from their
    lists or anything, the bounding options (steps, time), and a --db in the fuzz folder."""
    command = draw(st.sampled_from(sorted(ARGS)))
    positional, options, fixed = ARGS[command]
    words = [draw(st.sampled_from(positional))] if positional and draw(st.booleans()) else []
    if command == "grammar":
        words.append(draw(st.sampled_from(["arith", "nosuch", "logic", "trig"])))
    for option in draw(st.lists(st.sampled_from(sorted(options)), max_size=3, unique=True)):
        values = options[option]
        words += [option] + ([draw(st.one_of(st.sampled_from(values), WORDS))] if values else [])
    return [command, *words, *fixed] + (["--db", str(DB)] if command != "grammar" else [])


def invoke(argv: list[str]) -> None:
    """The CLI on ``argv``: exit 0, 1 (one 'error:' line) or 2 (usage); raises what escaped."""
    shutil.copyfile(TEMPLATE, DB)  # each case starts from the same three runs
    out = CliRunner().invoke(main, argv)
    EXITS[out.exit_code] += 1
    if out.exception is not None and not isinstance(out.exception, SystemExit):
        raise out.exception
    assert out.exit_code in (0, 1, 2), (argv, out.output)
    assert "Traceback" not in out.output, (argv, out.output)
    if out.exit_code == 1:
        assert out.stderr.startswith("error:"), (argv, out.output)
        raise ClearError


class ClearError(Exception):
    """The CLI's exit 1 with an error line (counted as a clear error)."""


def counted(attempt):
    """``attempt``, with the CLI's clear error counted as an AutomathError."""
    from automath import AutomathError

    class CliError(AutomathError):
        pass

    def run(value):
        try:
            attempt(value)
        except ClearError:
            raise CliError("cli") from None
    return run


CASES = {"problem files": (problem_toml(), load_problem),
         "TPTP problems": (joined(TPTP_TOKENS, 20), load_tptp),
         "CSV files": (CSVS, load_csv),
         "CSV bytes": (BINARY_CSVS, load_csv),
         "CLI arguments": (cli_args(), counted(invoke))}


@pytest.mark.parametrize("what", list(CASES))
def test_only_automath_errors_escape(what: str):
    strategy, attempt = CASES[what]
    counts = campaign(strategy, attempt, 40, fixed=True)  # CI: the same 40 cases each run
    assert sum(counts.values()) >= 40


@pytest.mark.fuzz
@pytest.mark.parametrize("what", list(CASES))
def test_fuzz_campaign(what: str):
    strategy, attempt = CASES[what]
    EXITS.clear()
    counts: Counter = campaign(strategy, attempt, 400 if what == "CLI arguments" else 2000)
    exits = f" (exit codes {dict(sorted(EXITS.items()))})" if EXITS else ""
    print(f"\nfuzz {what}: {sum(counts.values())} cases, {counts['ok']} ok, "
          f"{counts['clear error']} clear errors, 0 uncaught{exits}")


def test_a_csv_that_is_not_utf8_is_an_input_error(tmp_path: Path):
    data = tmp_path / "latin1.csv"
    head = b"x,y\n1,2\n3,4\n5,6\ncaf"
    data.write_bytes(head + "\xe9,1\n".encode("latin-1"))
    out = CliRunner().invoke(main, ["fit", str(data), "--target", "y", "--no-save"])
    assert out.exit_code == 1 and out.stderr.startswith("error:"), out.output
    line = head.count(b"\n") + 1  # the line and byte offset of the first byte that is not UTF-8
    assert f"{data}:{line}:" in out.stderr and f"byte {len(head)} " in out.stderr, out.stderr


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("x,y\n1,2\n\n2,abc\n", 4, "(at token 'abc')"),  # the blank line 3 still counts
    ("x,y\n1,2\n2\n", 3, "has 1 value;"),
    ("x,y\n", 1, "no data rows"),
    ("x,y\n1,2\n2,nan\n", 3, "column 'y' is nan"),
    ("x,y\n1,2\n2,3\n-inf,1\n", 4, "column 'x' is -inf"),
])
def test_a_bad_csv_row_is_named_by_line_and_value(tmp_path: Path, text: str, line: int,
                                                  needle: str):
    data = tmp_path / "d.csv"
    data.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(main, ["fit", str(data), "--target", "y", "--no-save"])
    assert out.exit_code == 1 and out.stderr.startswith("error:"), out.output
    assert f"{data}:{line}: " in out.stderr and needle in out.stderr, out.stderr
    assert out.stderr.count(str(data)) == 1 and "Traceback" not in out.stderr
