"""A group written with the shipped kernel ``identity`` for its unit (``one = "identity"``)
runs on Sₙ: ``identity`` means the identity permutation on a perm kind and the identity
function on a function sort. Oracle: permutations as Python tuples, checked at every
assignment."""

from __future__ import annotations

import itertools

import pytest

from automath.laws.explore import explore

pytestmark = pytest.mark.usefixtures("one_thread")

GRAMMAR = """?start: sum
?sum: prod
    | prod "*" sum  -> mul
?prod: atom
     | atom "'"     -> inv
?atom: NAME         -> var
     | "e"          -> one
     | "(" sum ")"
NAME: /(?!e\\b)[a-z]+/
%import common.WS
%ignore WS
"""
SEMANTICS = '[ops]\nmul = "compose"\ninv = "inverse"\none = "identity"\n'


class _Perm:
    """p * q is i -> p[q[i]]; p' is the inverse."""

    def __init__(self, p: tuple) -> None:
        self.p = p

    def __mul__(self, o: _Perm) -> _Perm:
        return _Perm(tuple(self.p[i] for i in o.p))

    def inverse(self) -> _Perm:
        return _Perm(tuple(sorted(range(len(self.p)), key=self.p.__getitem__)))

    def __eq__(self, o: object) -> bool:
        return isinstance(o, _Perm) and self.p == o.p


def _value(text: str, env: dict) -> _Perm:
    return eval(text.replace("'", ".inverse()"), env)  # x' is postfix: (x)' -> (x).inverse()


def _holds(law, n: int) -> bool:
    elems = [_Perm(p) for p in itertools.permutations(range(n))]
    e = _Perm(tuple(range(n)))
    for x, y, z in itertools.product(elems, repeat=3):
        env = {"e": e, "x": x, "y": y, "z": z}
        if _value(law.lhs_text, env) != _value(law.rhs_text, env):
            return False
    return True


@pytest.mark.parametrize("n", [3, 4])
def test_identity_kernel_is_the_identity_permutation(tmp_path, n: int) -> None:
    (tmp_path / "g.lark").write_text(GRAMMAR, encoding="utf-8")
    (tmp_path / "g.semantics.toml").write_text(f'kind = "perm:{n}"\n{SEMANTICS}', "utf-8")
    laws = explore(tmp_path / "g.lark", size=5, weights=False)
    texts = {str(law).replace(" ", "") for law in laws}
    assert "e*x=x" in texts or "x*e=x" in texts  # the unit law needs e to be the identity
    assert all(law.verified == "proved: exhaustive" for law in laws)
    assert all(_holds(law, n) for law in laws)
