"""Concrete model kinds (issue 15.2): ℤ/n, Sₙ, naturals with gcd, bounded lists, bitsets.
Oracles are brute force in plain Python (tuples, ints, lists), never the kinds under test."""

from __future__ import annotations

import itertools
import math
import random
import re
from pathlib import Path

import pytest

from automath.core.catalog import make_kind
from automath.core.errors import AutomathError
from automath.laws.explore import explore

pytestmark = pytest.mark.usefixtures("one_thread")


class _Zn:
    """A residue modulo n with + - * (the ring grammar's printed syntax)."""

    def __init__(self, v: int, n: int) -> None:
        self.v, self.n = v % n, n

    def _lift(self, o):
        return o if isinstance(o, _Zn) else _Zn(int(o), self.n)

    def __add__(self, o):
        return _Zn(self.v + self._lift(o).v, self.n)

    __radd__ = __add__

    def __mul__(self, o):
        return _Zn(self.v * self._lift(o).v, self.n)

    __rmul__ = __mul__

    def __sub__(self, o):
        return _Zn(self.v - self._lift(o).v, self.n)

    def __rsub__(self, o):
        return self._lift(o) - self

    def __neg__(self):
        return _Zn(-self.v, self.n)

    def __eq__(self, o):
        return self.v == self._lift(o).v


SETS_GRAMMAR = (Path(__file__).resolve().parent.parent / "examples" / "signatures"
                / "sets.lark").read_text(encoding="utf-8")


def _holds(law, values, env_extra=None, names="xyz") -> bool:
    for combo in itertools.product(values, repeat=len(names)):
        env = {**(env_extra or {}), **dict(zip(names, combo, strict=True))}
        if not eval(law.lhs_text, env) == eval(law.rhs_text, env):
            return False
    return True


@pytest.mark.parametrize("n", [5, 6])
def test_zn_laws_hold_in_zn_by_brute_force(n: int) -> None:
    laws = explore("ring", kind=f"mod:{n}", size=5, weights=False)
    assert laws and all(law.verified == "proved: exhaustive" for law in laws)
    assert all(_holds(law, [_Zn(v, n) for v in range(n)]) for law in laws)
    cube = any(re.sub(r"[() ]", "", str(law)) in ("x*x*x=x", "x*(x*x)=x") for law in laws)
    assert cube == (n == 6)  # x³ = x holds in ℤ/6, not in ℤ/5 (2³ = 3)


class _Perm:
    """A permutation as a tuple; p * q is i -> p[q[i]] (e is the identity)."""

    def __init__(self, p: tuple) -> None:
        self.p = p

    def __mul__(self, o):
        return _Perm(tuple(self.p[i] for i in o.p))

    def __eq__(self, o):
        return self.p == o.p


def _sn(n: int) -> list[_Perm]:
    return [_Perm(p) for p in itertools.permutations(range(n))]


def _false_in(law, n: int, tries: int = 4000) -> bool:
    rng, elems = random.Random(0), _sn(n)
    e = _Perm(tuple(range(n)))
    for _ in range(tries):
        env = {"e": e, "x": rng.choice(elems), "y": rng.choice(elems)}
        if not eval(law.lhs_text, env) == eval(law.rhs_text, env):
            return True
    return False


def test_sn_laws_hold_exhaustively_and_s3_laws_false_in_s6_are_s3_only() -> None:
    found = {}
    for n in (3, 4):
        laws = explore("monoid", kind=f"perm:{n}", vars="xy", size=7, weights=False)
        e = _Perm(tuple(range(n)))
        assert laws and all(law.verified == "proved: exhaustive" for law in laws)
        assert all(_holds(law, _sn(n), {"e": e}, "xy") for law in laws)
        found[n] = laws
    only_s3 = [law for law in found[3] if _false_in(law, 6)]
    assert only_s3  # e.g. x * (x * (y * y)) = y * (y * (x * x)): squares of S₃ commute
    s6 = explore("monoid", kind="perm:6", vars="xy", size=7, weights=False)
    assert not {str(law) for law in only_s3} & {str(law) for law in s6}
    assert not any(_false_in(law, 6, 500) for law in s6)


GCD_GRAMMAR = """?start: e
?e: a
  | e "*" a -> mul
?a: NAME -> var
  | "gcd" "(" e "," e ")" -> gcd
  | "(" e ")"
NAME: /(?!gcd\\b)[a-z]+/
%import common.WS
%ignore WS
"""


def test_naturals_with_gcd_find_commutativity_and_absorption(tmp_path) -> None:
    (tmp_path / "gcd.lark").write_text(GCD_GRAMMAR)
    (tmp_path / "gcd.semantics.toml").write_text('kind = "nat"\n[ops]\ngcd = "gcd"\n')
    laws = explore(str(tmp_path / "gcd.lark"), size=5, weights=False)
    texts = {str(law) for law in laws}
    assert {"gcd(x, y) = gcd(y, x)", "gcd(x, x * y) = x"} <= texts
    rng = random.Random(2)
    for law in laws:
        assert law.verified.startswith("tested only (")
        for _ in range(300):
            env = {"gcd": math.gcd, **{v: rng.randint(0, 60) for v in "xyz"}}
            assert eval(law.lhs_text, env) == eval(law.rhs_text, env), str(law)
    ints = explore(str(tmp_path / "gcd.lark"), kind="int", size=4, weights=False)
    assert "gcd(x, y) = gcd(y, x)" in {str(law) for law in ints}  # integer-only kernel runs


LIST_GRAMMAR = """?start: e
?e: a
  | e "++" a -> append
?a: NAME -> var
  | "nil" -> nil
  | "reverse" "(" e ")" -> reverse
  | "(" e ")"
NAME: /(?!nil\\b|reverse\\b)[a-z]+/
%import common.WS
%ignore WS
"""


def test_bounded_lists_a_vector_valued_kind(tmp_path) -> None:
    (tmp_path / "lists.lark").write_text(LIST_GRAMMAR)
    (tmp_path / "lists.semantics.toml").write_text(
        'kind = "list"\n[ops]\nappend = "append"\nreverse = "reverse"\nnil = "nil"\n')
    laws = explore(str(tmp_path / "lists.lark"), vars="xs,ys,zs", size=6, weights=False)
    texts = {str(law) for law in laws}
    assert {"reverse(reverse(xs)) = xs", "reverse(xs) ++ reverse(ys) = reverse(ys ++ xs)"} <= texts
    rng = random.Random(3)
    for law in laws:
        for _ in range(200):
            env = {"nil": [], "reverse": lambda a: a[::-1],
                   **{v: [rng.randint(0, 3) for _ in range(rng.randint(0, 3))]
                      for v in ("xs", "ys", "zs")}}
            lhs, rhs = (eval(t.replace("++", "+"), env) for t in (law.lhs_text, law.rhs_text))
            assert lhs == rhs, str(law)


def test_set_algebra_on_bitsets_holds_for_python_sets(tmp_path) -> None:
    (tmp_path / "sets.lark").write_text(SETS_GRAMMAR)
    (tmp_path / "sets.semantics.toml").write_text(
        '[ops]\nunion = "or"\ninter = "and"\ncompl = "not"\nempty = "false"\nfull = "true"\n')
    laws = explore(str(tmp_path / "sets.lark"), kind="bits:3", vars="xy", size=5,
                   weights=False)
    universe = frozenset(range(3))
    subsets = [frozenset(c) for r in range(4) for c in itertools.combinations(range(3), r)]
    for law in laws:
        assert law.verified == "proved: exhaustive"
        for a, b in itertools.product(subsets, repeat=2):
            env = {"x": a, "y": b}
            assert _set_value(law.lhs_text, env, universe) == _set_value(law.rhs_text, env,
                                                                         universe), str(law)


class _Set:
    """A subset of {0, 1, 2} with | (union), & (intersection) and ~ (complement)."""

    def __init__(self, s: frozenset) -> None:
        self.s = frozenset(s)

    def __or__(self, o):
        return _Set(self.s | o.s)

    def __and__(self, o):
        return _Set(self.s & o.s)

    def __invert__(self):
        return _Set(frozenset(range(3)) - self.s)


def _set_value(text: str, env: dict, universe: frozenset) -> frozenset:
    """Evaluate set syntax with Python sets (∪ as |, ∩ as &: the same precedence)."""
    py = text.replace("∪", "|").replace("∩", "&").replace("∅", "E").replace("U", "F")
    return eval(py, {"E": _Set(frozenset()), "F": _Set(universe),
                     **{k: _Set(v) for k, v in env.items()}}).s


@pytest.mark.parametrize("spec,match", [
    ("foo", "no kind 'foo'; kinds: "), ("mod", r"mod takes n"), ("mod:0", "positive"),
])
def test_unknown_or_malformed_kind_is_a_clear_error(spec: str, match: str) -> None:
    with pytest.raises(AutomathError, match=match):
        make_kind(spec)


def test_robustness_huge_numerals_integer_division_and_k() -> None:
    with pytest.raises(AutomathError, match="beyond"):
        explore("arith", kind="int", constants="1" + "0" * 40, size=3)
    laws = explore("arith", kind="int", size=5, weights=False)  # x / y undefined: no overflow
    assert laws
    with pytest.raises(AutomathError, match="k = 0"):
        explore("semiring", kind="modp", k=0, size=3)
