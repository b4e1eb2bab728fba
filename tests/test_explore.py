"""Law discovery: acceptance by derivability against QuickSpec 2.2's published outputs, with
independent truth oracles (sympy on the printed text, brute force, complete truth tables)."""

from __future__ import annotations

import itertools
import math
import operator
import random
import re

import pytest
import sympy
import torch

from automath.core.errors import AutomathError, SemanticsError
from automath.core.semantics import DEFAULT_SEMANTICS, Op
from automath.laws.explore import ExploreError, Stats, enumerate_terms, explore, signature
from automath.laws.prover import Prover, derives, law_coverage
from automath.laws.universe import Universe
from automath.laws.weights import learn_weights

SEMIRING = ["x*y = y*x", "x+y = y+x", "x*0 = 0", "x*1 = x", "x+0 = x", "(x*y)*z = x*(y*z)",
            "(x+y)+z = x+(y+z)", "x*(y+y) = y*(x+x)", "x*(y+1) = x+x*y", "x*y+x*z = x*(y+z)"]
NEGATE = ["-0 = 0", "--x = x", "x*-y = -(x*y)", "x+-x = 0", "-x+-y = -(x+y)"]
MINMAX = ["max(x,y) = max(y,x)", "min(x,y) = min(y,x)", "max(x,x) = x", "min(x,x) = x",
          "max(max(x,y),z) = max(x,max(y,z))", "min(min(x,y),z) = min(x,min(y,z))",
          "max(x,min(x,y)) = x", "min(x,max(x,y)) = x",
          "max(min(x,y),min(x,z)) = min(x,max(y,z))"]
BOOLEAN = ["x&y = y&x", "x|y = y|x", "(x&y)&z = x&(y&z)", "(x|y)|z = x|(y|z)", "x&(x|y) = x",
           "x|(x&y) = x", "x&(y|z) = (x&y)|(x&z)", "x|(y&z) = (x|y)&(x|z)", "x&~x = False",
           "x|~x = True", "x&True = x", "x|False = x", "~(x&y) = ~x|~y", "~(x|y) = ~x&~y",
           "~~x = x", "~True = False", "~False = True", "x&False = False", "x|True = True",
           "x&x = x", "x|x = x"]
BOOL_OPS = ("and", "or", "not")


pytestmark = pytest.mark.usefixtures("one_thread")


def _pairs(grammar, texts):
    return [tuple(grammar.parse(side) for side in t.split("=")) for t in texts]


def _equivalent(name: str, laws, expected: list[str], size: int, **options) -> None:
    """Each set derives every law of the other, in a prover universe built independently of
    the exploration's (a larger size bound)."""
    sig = signature(name, **options)
    store, atoms, edges = enumerate_terms(sig, size + 2)
    u = Universe(store, atoms, edges, size + 2)
    ours = [(law.lhs, law.rhs) for law in laws]
    want = _pairs(sig.grammar, expected)
    missing = [e for e, ok in zip(expected, derives(u, ours, want), strict=True) if not ok]
    assert not missing, f"our laws do not derive {missing}"
    extra = [str(law) for law, ok in zip(laws, derives(u, want, ours), strict=True) if not ok]
    assert not extra, f"the expected laws do not derive {extra}"


def _ring_true(law) -> bool:
    """Sympy on the printed text (independent of our term -> sympy conversion)."""
    return sympy.expand(sympy.sympify(law.lhs_text) - sympy.sympify(law.rhs_text)) == 0


@pytest.mark.parametrize("size,expected", [(5, SEMIRING[:9]), (7, SEMIRING)])
def test_semiring_laws_are_equivalent_to_quickspec(size: int, expected: list[str]) -> None:
    laws = explore("semiring", size=size)
    assert all(_ring_true(law) and law.verified == "proved: sympy" for law in laws)
    assert all(law.size <= size for law in laws)
    _equivalent("semiring", laws, expected, size)


def test_ring_with_negate_is_equivalent_to_the_fifteen_laws() -> None:
    laws = explore("ring", size=7)
    assert all(_ring_true(law) for law in laws)
    _equivalent("ring", laws, SEMIRING + NEGATE, 7)


def test_minmax_laws_are_the_nine_lattice_laws_and_true_by_brute_force() -> None:
    laws = explore("minmax", size=7)
    rng = random.Random(0)
    for law in laws:
        assert law.verified == "proved: exhaustive"
        for _ in range(300):
            env = {"max": max, "min": min, **{v: rng.randint(-5, 5) for v in "xyz"}}
            assert eval(law.lhs_text, env) == eval(law.rhs_text, env), str(law)
    _equivalent("minmax", laws, MINMAX, 7)


class _B:
    """A Boolean with the grammar's operators (``~`` as not) for truth-table evaluation."""

    def __init__(self, v: bool) -> None:
        self.v = bool(v)

    def __and__(self, o: _B) -> _B:
        return _B(self.v and o.v)

    def __or__(self, o: _B) -> _B:
        return _B(self.v or o.v)

    def __xor__(self, o: _B) -> _B:
        return _B(self.v != o.v)

    def __invert__(self) -> _B:
        return _B(not self.v)


def _truth_table_equal(lhs: str, rhs: str) -> bool:
    lhs, rhs = (re.sub(r"\bTrue\b", "T", re.sub(r"\bFalse\b", "F", s)) for s in (lhs, rhs))
    for bits in itertools.product([False, True], repeat=3):
        env = {"T": _B(True), "F": _B(False), **dict(zip("xyz", map(_B, bits), strict=True))}
        if eval(lhs, env).v != eval(rhs, env).v:
            return False
    return True


def test_boolean_laws_are_boolean_algebra_with_de_morgan_and_no_false_law() -> None:
    laws = explore("logic", ops=BOOL_OPS, size=7)
    assert all(_truth_table_equal(law.lhs_text, law.rhs_text) for law in laws)
    assert all(law.verified == "proved: exhaustive" for law in laws)
    _equivalent("logic", laws, BOOLEAN, 7, ops=BOOL_OPS)
    sig = signature("logic", ops=BOOL_OPS)
    store, atoms, edges = enumerate_terms(sig, 9)
    u = Universe(store, atoms, edges, 9)
    de_morgan = _pairs(sig.grammar, ["~(x&y) = ~x|~y", "~(x|y) = ~x&~y"])
    assert all(derives(u, [(law.lhs, law.rhs) for law in laws], de_morgan))


USER_GRAMMAR = """
// Boolean ring: xor (^) and and (&) with constants T and F.
?start: sum
?sum: prod | sum "^" prod -> xor
?prod: atom | prod "&" atom -> and
?atom: "T" -> true | "F" -> false | NAME -> var | "(" sum ")"
NAME: /[a-z]+/
%import common.WS
%ignore WS
"""


def test_a_user_written_grammar_with_user_semantics(tmp_path) -> None:
    path = tmp_path / "boolring.lark"
    path.write_text(USER_GRAMMAR)
    xor = Op(2, sympy.Xor, {"bool": torch.logical_xor})
    with pytest.raises(SemanticsError, match="xor"):
        explore(str(path), size=3)
    sem = DEFAULT_SEMANTICS.with_op("xor", xor)
    laws = explore(str(path), size=7, semantics=sem)
    for law in laws:
        lhs, rhs = (re.sub(r"\bT\b", "True", re.sub(r"\bF\b", "False", s))
                    for s in (law.lhs_text, law.rhs_text))
        assert _truth_table_equal(lhs, rhs), str(law)
    sig = signature(str(path), semantics=sem)
    store, atoms, edges = enumerate_terms(sig, 9)
    u = Universe(store, atoms, edges, 9)
    facts = _pairs(sig.grammar, ["x ^ x = F", "x & (y ^ z) = x & y ^ x & z", "x & x = x",
                                 "x ^ y = y ^ x", "x ^ F = x"])
    assert all(derives(u, [(law.lhs, law.rhs) for law in laws], facts))


NON_LAWS = ["x + x = x", "x * y = x", "x + 1 = x", "x * x = x", "x + y = x",
            "x * (y + z) = x * y + z", "(x + 1) * (x + 1) = x * x + 1",
            "x * y + 1 = (x + 1) * (y + 1)"]
CONSEQUENCES = ["0 * x = 0", "(x + 0) * 1 = x", "x * (y + z) = z * x + y * x",
                "(x + y) + z = z + (y + x)", "x * (1 + y) = x * y + x",
                "(x + 1) * (y + 1) = x * y + (x + y) + 1"]


def test_the_prover_derives_consequences_of_the_semiring_laws_and_no_non_law() -> None:
    sig = signature("semiring")
    store, atoms, edges = enumerate_terms(sig, 9)
    u = Universe(store, atoms, edges, 9)
    axioms = _pairs(sig.grammar, SEMIRING)
    assert all(derives(u, axioms, _pairs(sig.grammar, CONSEQUENCES)))
    wrong = _pairs(sig.grammar, NON_LAWS)
    assert not any(_ring_true(_Text(t)) for t in NON_LAWS)  # sympy: really not laws
    assert all(derives(u, axioms, [(side, side) for law in wrong for side in law]))  # located
    assert not any(derives(u, axioms, wrong))
    assert all(derives(u, [law], [law])[0] for law in wrong)  # each one is expressible
    parent = Prover(u, axioms).saturate().parent  # nothing merges two fingerprint classes
    assert torch.equal(u.cls[parent], u.cls)


def test_a_saved_closure_is_the_one_a_fresh_universe_reaches_in_any_order() -> None:
    sig = signature("semiring")
    parts = enumerate_terms(sig, 7)
    laws = _pairs(sig.grammar, SEMIRING[:7])
    u = Universe(*parts, 7)
    partial = Prover(u, laws).saturate(until=(u.size <= 5, 1))  # stopped early: not saved
    assert not u.closures and int(partial.proved().sum()) < len(u)
    step = Prover(u)
    for law in reversed(laws):  # saves the closures of laws[6:], laws[5:], ..., laws[0:]
        step.add(*law).saturate()
    for n in (3, 5, 7):  # laws[:3] and laws[:5] are new sets, laws[:7] a saved one
        fresh = Prover(Universe(*parts, 7), laws[:n]).saturate()
        here = Prover(u, laws[:n]).saturate()
        assert torch.equal(fresh.parent, here.parent)
        assert (here.parent is step.parent) == (n == 7)
    assert len(u.closures) == len(laws) + 2


class _Text:
    """A law as printed text (for ``_ring_true``)."""

    def __init__(self, text: str) -> None:
        self.lhs_text, self.rhs_text = text.split("=")


def test_fingerprint_collisions_are_refuted_never_reported() -> None:
    stats = Stats()  # integers at the 4 points of {0,1}^2 only: x*x and x collide
    laws = explore("semiring", kind="int", k=0, vars="xy", size=5, stats=stats)
    assert stats.refuted > 0
    assert all(_ring_true(law) for law in laws)


def test_tested_only_when_no_decision_procedure() -> None:
    laws = explore("monoid", vars="xy", size=5)
    assert laws and all(law.verified == "tested only (512 samples)" for law in laws)
    assert {str(law) for law in laws} >= {"x * e = x", "e * x = x"}


@pytest.mark.parametrize("call,match", [
    (dict(grammar="minmax", kind="modp"), "no kernel for value kind 'modp'"),
    (dict(grammar="trig", kind="modp"), "'sin' has no kernel"),
    (dict(grammar="semiring", ops=("pow",)), "no constructor 'pow'"),
    (dict(grammar="semiring", vars=("x", "x")), "repeat"),
    (dict(grammar="semiring", size=0), "at least 1"),
    (dict(grammar="semiring", size=9, max_memory=2**20), "GiB"),
    (dict(grammar="semiring", kind="int", size=11), "overflow"),
])
def test_bad_input_is_a_clear_error(call: dict, match: str) -> None:
    with pytest.raises(AutomathError, match=match):
        explore(**{"size": 5, **call})


def test_size_too_large_is_refused_before_building() -> None:
    with pytest.raises(ExploreError, match="size 1[0-9] needs about"):
        explore("semiring", size=40)


def _em_optimum(needs: list[list[int]], m: int, rounds: int = 3000) -> list[float]:
    """Oracle for the weights' objective, independent of torch: the mixture weights maximizing
    the likelihood of the uniform distribution on the equations, where law ``k`` spreads its
    weight evenly over its ``n_k`` equations (expectation-maximization, from uniform)."""
    n = [sum(k in ls for ls in needs) for k in range(m)]
    p = [1 / m] * m
    for _ in range(rounds):
        resp = [0.0] * m
        for ls in needs:
            q = sum(p[k] / n[k] for k in ls)
            for k in ls:
                resp[k] += p[k] / n[k] / q / len(needs)
        p = resp
    return p


def _kl_to_uniform(needs: list[list[int]], p: list[float]) -> float:
    """KL(uniform on the equations || q), q_e = sum of p_k / n_k over the laws e needs."""
    n = [sum(k in ls for ls in needs) for k in range(len(p))]
    q = [sum(p[k] / n[k] for k in ls) for ls in needs]
    return -sum(math.log(len(q) * v / sum(q)) for v in q) / len(q)


def _shares(needs: list[list[int]], m: int) -> list[float]:
    """The one-step shares: each equation's unit split evenly among the laws it needs."""
    credit = [0.0] * m
    for ls in needs:
        for k in ls:
            credit[k] += 1 / len(ls) / len(needs)
    return credit


@pytest.mark.parametrize("cover,order", [
    ([range(0, 6), range(5, 8), range(7, 9)], [0, 1, 2]),  # 6 > 3 > 2 equations
    ([range(0, 1), range(1, 4), range(4, 9)], [2, 1, 0]),  # disjoint: 1 < 3 < 5
])
def test_a_law_more_of_the_theory_depends_on_weighs_more(cover, order) -> None:
    w = learn_weights([torch.tensor(list(c)) for c in cover]).tolist()
    assert abs(sum(w) - 1) < 1e-12 and min(w) >= 0
    assert [w[i] > w[j] for i, j in itertools.pairwise(order)] == [True] * (len(order) - 1)
    needs = [[n for n, c in enumerate(cover) if e in c] for e in range(9)]
    assert all(abs(a - b) < 0.01 for a, b in zip(w, _em_optimum(needs, 3), strict=True))


def test_a_law_whose_equations_others_cover_gives_way() -> None:
    cover = [range(0, 4), range(4, 8), [0, 4]]  # law 2's equations are laws 0 and 1's too
    needs = [[n for n, c in enumerate(cover) if e in c] for e in range(8)]
    shares = _shares(needs, 3)  # law 2: 1/16 from each shared equation
    w = learn_weights([torch.tensor(list(c)) for c in cover]).tolist()
    assert abs(shares[2] - 0.125) < 1e-12 and w[2] < shares[2] / 2
    assert abs(w[0] - w[1]) < 1e-9 and _kl_to_uniform(needs, w) < _kl_to_uniform(needs, shares)


def test_weights_are_learned_to_cover_the_dependent_theory() -> None:
    laws = explore("semiring", size=5)
    w = [law.weight for law in laws]
    assert abs(sum(w) - 1) < 1e-9 and min(w) >= 0
    assert all(law.generates >= 1 for law in laws)  # a law of a minimal set is needed
    sig = signature("semiring")
    store, atoms, edges = enumerate_terms(sig, 7)
    u = Universe(store, atoms, edges, 7)
    pairs = [(law.lhs, law.rhs) for law in laws]
    cover = law_coverage(u, pairs, u.size <= 5)
    assert [c.numel() for c in cover] == [law.generates for law in laws]
    eqs = u.candidates()
    eqs = eqs[u.size[eqs] <= 5]
    u = Universe(store, atoms, edges, 7)  # fresh: none of law_coverage's saved closures
    everything = Prover(u, pairs).saturate().proved()[eqs].tolist()
    without = [Prover(u, pairs[:i] + pairs[i + 1:]).saturate().proved()[eqs].tolist()
               for i in range(len(laws))]
    needs = []  # independent: per equation, the laws it depends on
    for e in range(eqs.shape[0]):
        ls = [i for i in range(len(laws)) if everything[e] and not without[i][e]]
        assert ls == [i for i in range(len(laws)) if e in set(cover[i].tolist())]
        needs += [ls] if ls else []
    shares, best = _shares(needs, len(laws)), _em_optimum(needs, len(laws))
    assert _kl_to_uniform(needs, w) < _kl_to_uniform(needs, shares) - 1e-3
    assert sum(map(abs, map(operator.sub, w, best))) < sum(
        map(abs, map(operator.sub, shares, best))) / 4
    for wi, si, bi in zip(w, shares, best, strict=True):  # moved the way the optimum lies
        assert abs(bi - si) < 0.01 or (wi - si) * (bi - si) > 0


def test_laws_print_in_grammar_syntax_and_as_json_records() -> None:
    law = explore("ring", size=3)[0]
    rec = law.to_dict()
    assert set(rec) >= {"lhs", "rhs", "size", "weight", "verified"}
    assert str(law) == f"{rec['lhs']} = {rec['rhs']}"
    assert isinstance(law.eq, sympy.Eq)
    assert sympy.expand(law.eq.lhs - law.eq.rhs) == 0
    assert law.eq.lhs == sympy.sympify(rec["lhs"]) and law.eq.rhs == sympy.sympify(rec["rhs"])


def test_the_example_runs(capsys) -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "explore_laws.py"
    spec = importlib.util.spec_from_file_location("explore_laws", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = module.main(size=5, weights=False)
    assert set(found) == {"semiring", "ring", "minmax", "logic"}
    assert "x + y = y + x" in capsys.readouterr().out


@pytest.mark.slow
def test_bench_rows_carry_times_memory_and_the_quickspec_ratio() -> None:
    from benchmarks.explore import bench_explore

    (row,) = bench_explore(["{min,max} size 7"], repeat=1)
    assert row["laws"] >= 7 and row["peak_MB"] > 0 and row["ours_cpu_s"] > 0
    assert abs(row["speedup"] - row["quickspec_s"] / row["ours_s"]) < 1e-9


def test_each_law_is_verified_by_the_operators_it_uses(tmp_path) -> None:
    path = tmp_path / "negmax.lark"
    path.write_text('?start: e\n?e: NAME -> var | "-" e -> neg | "max" "(" e "," e ")" -> max\n'
                    "NAME: /[a-z]+/\n%import common.WS\n%ignore WS\n")
    verdicts = {str(law): law.verified for law in explore(str(path), kind="int", size=5)}
    assert verdicts["--x = x"] == "proved: sympy"
    assert verdicts["max(x, y) = max(y, x)"] == "proved: exhaustive"
    rng = random.Random(1)
    for law in explore(str(path), kind="int", size=5):
        for _ in range(200):
            env = {"max": max, **{v: rng.randint(-9, 9) for v in "xyz"}}
            assert eval(law.lhs_text, env) == eval(law.rhs_text, env)


@pytest.mark.slow
def test_bench_signature_rows_run_from_files_with_no_published_quickspec_time() -> None:
    from benchmarks.explore import bench_explore

    (row,) = bench_explore(["{min,max} with x <= y (conditional) size 7"], repeat=1)
    assert row["laws"] >= 8 and row["quickspec_s"] == "" and row["speedup"] == ""
