"""Fast start: help, runs and query of a stored explore run import neither torch nor sympy."""

import json
import subprocess
import sys

import pytest

from automath import RunStore

HEAVY = ("torch", "sympy", "numpy", "lark")
PROBE = """
import json, sys
sys.argv = ["automath", *json.loads(sys.argv[1])]
from automath.cli.main import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


def heavy_imports(*args: str) -> list[str]:
    """The heavy modules loaded by ``automath ARGS`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), json.dumps(args)],
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("start") / "r.db")
    store = RunStore(path)
    run = store.create({"command": "explore", "grammar": "semiring"}, {"steps": 0})
    store.save_laws(run, [{"lhs": "x + 0", "rhs": "x", "size": 3, "weight": 0.5,
                           "verified": "proved: sympy", "generates": 1}])
    return path


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["runs"], ["query", "1"],
                                  ["query", "1", "--laws", "--format", "json"],
                                  ["query", "2"]])
def test_read_commands_import_no_torch_nor_sympy(db: str, args: list[str]):
    assert heavy_imports(*args, *(["--db", db] if args[-1] != "--help" else [])) == []


def test_import_automath_is_light():
    done = subprocess.run([sys.executable, "-c", "import sys, automath; "
                           f"print([m for m in {HEAVY} if m in sys.modules])"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr
