"""A semantics file may name a plain torch function of the arguments (``lse = "m:lse"``) or a
torch builtin (``torch:logaddexp``) as an alias's kernel, with no ``Op`` to write. Oracle:
numpy's logaddexp at random points, never the kernels under test."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from automath.core.errors import SemanticsError
from automath.laws.explore import explore

pytestmark = pytest.mark.usefixtures("one_thread")

GRAMMAR = """?start: lse
?lse: sum
    | lse "&" sum   -> lse
?sum: atom
    | sum "+" atom  -> plus
?atom: NAME         -> var
     | "(" lse ")"
NAME: /[a-z]/
%import common.WS
%ignore WS
"""  # & binds looser than +, as in Python, so a law's text evaluates as printed


class _R:
    """A real number where ``a & b`` is log(e^a + e^b)."""

    def __init__(self, v: float) -> None:
        self.v = v

    def __add__(self, o: _R) -> _R:
        return _R(self.v + o.v)

    def __and__(self, o: _R) -> _R:
        return _R(float(np.logaddexp(self.v, o.v)))


def _holds(law, tries: int = 200) -> bool:
    rng = np.random.default_rng(0)
    for x, y, z in rng.normal(0, 3, (tries, 3)):
        env = {"x": _R(x), "y": _R(y), "z": _R(z)}
        if not np.isclose(eval(law.lhs_text, env).v, eval(law.rhs_text, env).v):
            return False
    return True


def _files(tmp_path, meaning: str, module: str = "") -> str:
    sys.modules.pop("userk", None)  # each test writes its own userk.py
    (tmp_path / "g.lark").write_text(GRAMMAR, encoding="utf-8")
    (tmp_path / "userk.py").write_text(module, encoding="utf-8")
    path = tmp_path / "named.toml"
    path.write_text(f'kind = "real"\n[ops]\nlse = "{meaning}"\nplus = "add"\n', "utf-8")
    return str(path)


@pytest.mark.parametrize(("meaning", "module"), [
    ("userk:lse", "import torch\ndef lse(a, b):\n    return torch.logaddexp(a, b)\n"),
    ("torch:logaddexp", ""),  # a builtin without a signature: the grammar gives the arity
])
def test_a_torch_function_is_a_kernel(tmp_path, meaning: str, module: str) -> None:
    named = _files(tmp_path, meaning, module)
    laws = explore(str(tmp_path / "g.lark"), size=7, semantics=named, weights=False)
    texts = {str(law).replace(" ", "") for law in laws}
    assert {"x&y=y&x", "x&y&z=x&(y&z)", "x+y&x+z=x+(y&z)"} <= texts  # + distributes over &
    assert all(_holds(law) for law in laws)


@pytest.mark.parametrize(("meaning", "module", "words"), [
    ("userk:bad", "def bad(a, b):\n    return a.nosuch(b)\n", "AttributeError"),
    ("userk:make", "def make():\n    raise RuntimeError('no table')\n", "no table"),
    ("userk:one", "def one(a):\n    return a\n", "takes 2 arguments in the grammar"),
])
def test_a_failing_user_kernel_names_the_file_and_line(tmp_path, meaning, module, words):
    named = _files(tmp_path, meaning, module)
    with pytest.raises(SemanticsError, match=words) as err:
        explore(str(tmp_path / "g.lark"), size=5, semantics=named, weights=False)
    assert err.value.file == named and err.value.line == 3 and err.value.token == "lse"
