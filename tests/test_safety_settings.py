"""Settings that make no sense are refused with a clear error, never a crash or silent
nonsense."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("settings") / "r.db")
    out = invoke("run", "arith", "--atoms", "x,1", "--steps", "2", "--db", path)
    assert out.exit_code == 0, out.output
    return path


@pytest.mark.parametrize("k", ["0", "1", "-3"])
def test_run_refuses_k_below_2(tmp_path: Path, k: str):
    out = invoke("run", "arith", "--k", k, "--db", str(tmp_path / "r.db"))
    assert out.exit_code == 2 and "--k" in out.stderr and not (tmp_path / "r.db").exists()


@pytest.mark.parametrize("top", ["-1", "0"])
def test_query_refuses_top_below_1(db: str, top: str):
    out = invoke("query", "1", "--top", top, "--db", db)
    assert out.exit_code == 2 and "--top" in out.stderr


@pytest.mark.parametrize("number", ["1e", "--", ".", "+-1", "1..2", "e5", ""])
def test_where_refuses_a_bad_numeral_naming_it(db: str, number: str):
    out = invoke("query", "1", "--where", f"size<{number}", "--db", db)
    assert out.exit_code == 1 and out.stderr.startswith("error:"), out.output
    assert "Traceback" not in out.output and repr(number) in out.stderr


@pytest.mark.parametrize("number", ["3", "3.", "3.0e0", "+3", ".3e1", "30E-1"])
def test_where_reads_every_decimal_numeral(db: str, number: str):
    every = json.loads(invoke("query", "1", "--top", "10000", "--format", "json",
                              "--db", db).stdout)
    out = invoke("query", "1", "--top", "10000", "--where", f"size<={number}", "--format",
                 "json", "--db", db)
    assert out.exit_code == 0, out.output
    ids = [r["id"] for r in json.loads(out.stdout)]
    assert ids and ids == [r["id"] for r in every if r["size"] <= 3]


@pytest.mark.parametrize("number", ["1e", "--", ".", "+-1", "1..2", "e5", ""])
def test_where_mask_itself_refuses_a_bad_numeral(number: str):
    import torch

    from automath.core.errors import ExpressionError
    from automath.core.query import where_mask
    with pytest.raises(ExpressionError) as e:
        where_mask(f"size<{number}", {"size": torch.tensor([1.0, 5.0])}, 2)
    assert e.value.token == number


@pytest.mark.parametrize("number", ["3", "3.", "3.0e0", "+3", ".3e1", "30E-1", "-2"])
def test_where_mask_reads_every_decimal_numeral(number: str):
    import torch

    from automath.core.query import where_mask
    sizes = [1.0, 3.0, 5.0]
    mask = where_mask(f"size <= {number}", {"size": torch.tensor(sizes)}, 3)
    assert mask.tolist() == [s <= float(number) for s in sizes]
