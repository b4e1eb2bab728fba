"""Partial application over infinite sorts (issue 15.3): (++), map and reverse as function
values over lists (examples/signatures/lists-partial.lark), compared at probes.

Oracle, written here and sharing no code with automath: Python lists, tuples as tables of
functions on the items 0..9, and Python closures (functools.partial over operator.add) for
the partial applications; two functions are equal when they agree at many random lists."""

from __future__ import annotations

import functools
import operator
import random
import re
from pathlib import Path

import pytest
import torch

from automath.core.errors import SemanticsError
from automath.core.sidecar import load_semantics
from automath.core.term import Term
from automath.laws.closures import MAX_STAGES
from automath.laws.explore import explore, signature
from automath.laws.testing import LawFailure, check_law
from automath.laws.verify import Verifier

pytestmark = pytest.mark.usefixtures("one_thread")

GRAMMAR = str(Path(__file__).resolve().parent.parent / "examples" / "signatures"
              / "lists-partial.lark")


def _compose(f, g):
    if isinstance(f, tuple) and isinstance(g, tuple):
        return tuple(f[g[i]] for i in range(10))
    return lambda x: f(g(x))


def _apply(f, x):
    return f[x] if isinstance(f, tuple) else f(x)


ORACLE = {
    "nil": lambda: [], "identity": lambda: (lambda x: x),
    "cat": lambda: (lambda xs: functools.partial(operator.add, xs)),
    "rev": lambda: (lambda xs: xs[::-1]),
    "map": lambda: (lambda f: functools.partial(lambda f, xs: [f[i] for i in xs], f)),
    "append": operator.add, "apply": _apply, "compose": _compose,
}


def _run(t: Term, env: dict):
    if t.op == "var":
        return env[str(t.token)]
    return ORACLE[t.op](*(_run(a, env) for a in t.args))


def _list(rng: random.Random) -> list[int]:
    return [rng.randrange(10) for _ in range(rng.randrange(6))]


def _random_function(rng: random.Random):
    """A random function on lists: its output at xs drawn by a generator seeded by xs."""
    seed = rng.randrange(2**30)
    return lambda xs: _list(random.Random(f"{seed}:{xs}"))


def _env(rng: random.Random) -> dict:
    return ({v: _list(rng) for v in ("xs", "ys", "zs")}
            | {v: tuple(rng.randrange(10) for _ in range(10)) for v in "fgh"}
            | {v: _random_function(rng) for v in "uvw"})


def _same(a, b, rng: random.Random) -> bool:
    """Equal values; functions equal at 30 random lists (their results compared alike)."""
    if callable(a) != callable(b):
        return False
    if callable(a):
        return all(_same(a(x), b(x), rng) for x in (_list(rng) for _ in range(30)))
    return a == b


@pytest.fixture(scope="module")
def laws():
    with torch.inference_mode():
        return explore(GRAMMAR, size=7, weights=False, vars="xs,ys,f,g,u")


def test_every_law_holds_for_python_closures(laws) -> None:
    rng = random.Random(3)
    assert len(laws) >= 15
    for law in laws:
        n = re.fullmatch(r"tested only \((\d+) samples\)", law.verified)
        assert n and int(n[1]) >= 100, (str(law), law.verified)
        for _ in range(40):
            env = _env(rng)
            assert _same(_run(law.lhs, env), _run(law.rhs, env), rng), str(law)


def _has(laws, lhs: str, rhs: str) -> bool:
    g = signature(GRAMMAR).grammar
    want = {(g.parse(lhs), g.parse(rhs)), (g.parse(rhs), g.parse(lhs))}
    return any((law.lhs, law.rhs) in want for law in laws)


@pytest.mark.parametrize("lhs, rhs", [
    ("(++) xs . (++) ys", "(++) (xs ++ ys)"), ("map f . map g", "map (f . g)"),
    ("(++) nil", "id"), ("reverse . reverse", "id"), ("((++) xs . u) ys", "xs ++ u ys"),
    ("(u . u) xs", "u (u xs)"), ("id . u", "u")])
def test_the_partial_application_laws_are_found(laws, lhs: str, rhs: str) -> None:
    assert _has(laws, lhs, rhs)


@pytest.mark.parametrize("lhs, rhs", [
    ("reverse . (++) xs", "(++) xs . reverse"), ("map f . reverse", "map f"),
    ("(++) xs . (++) ys", "(++) (ys ++ xs)"), ("map f . map g", "map (g . f)"),
    ("reverse", "id"), ("u . reverse", "reverse . u"), ("u (xs ++ ys)", "u xs ++ u ys")])
def test_false_laws_over_closures_are_refuted(lhs: str, rhs: str) -> None:
    sig = signature(GRAMMAR)
    g, rng = sig.grammar, random.Random(5)
    env = _env(rng)
    assert not all(_same(_run(g.parse(lhs), e), _run(g.parse(rhs), e), rng)
                   for e in [env] + [_env(rng) for _ in range(20)])  # the oracle agrees
    assert Verifier(sig)(g.parse(lhs), g.parse(rhs)) is None


def test_closures_merge_by_their_values_at_the_probes() -> None:
    sig = signature(GRAMMAR)
    g, kind = sig.grammar, sig.kind
    from automath.core.interpret import evaluate
    q = {t: kind.quantize(evaluate(g.parse(t), kind, sig.semantics)[None])[0]
         for t in ("(++) nil", "id", "reverse", "reverse . reverse", "(++) xs")}
    assert torch.equal(q["(++) nil"], q["id"]) and torch.equal(q["id"], q["reverse . reverse"])
    assert not torch.equal(q["reverse"], q["id"]) and not torch.equal(q["(++) xs"], q["id"])


def test_a_composition_past_the_stage_bound_has_no_value() -> None:
    sig = signature(GRAMMAR)
    from automath.core.interpret import evaluate
    long = " . ".join(["reverse"] * (MAX_STAGES + 1))
    ok = " . ".join(["reverse"] * MAX_STAGES)
    values = [evaluate(sig.grammar.parse(t), sig.kind, sig.semantics)[None] for t in (long, ok)]
    assert sig.kind.valid(values[0]).tolist() == [False]
    assert sig.kind.valid(values[1]).tolist() == [True]
    applied = evaluate(sig.grammar.parse(f"({long}) xs"), sig.kind, sig.semantics)[None]
    assert sig.kind.valid(applied).tolist() == [False]  # no value, not a truncated one


def test_laws_as_tests_check_closure_laws() -> None:
    assert check_law(GRAMMAR, "(++) xs . (++) ys", "(++) (xs ++ ys)", kind="") == 512
    with pytest.raises(LawFailure):
        check_law(GRAMMAR, "(++) xs . (++) ys", "(++) (ys ++ xs)", kind="")


def _semantics(tmp_path: Path, ops: str, types: str) -> Path:
    p = tmp_path / "p.semantics.toml"
    p.write_text('[sorts]\nlist = "list"\n[types]\n' + types + '\n[vars]\nxs = "list"\n'
                 "[ops]\n" + ops + "\n", encoding="utf-8")
    return p


def test_a_bad_partial_entry_names_its_line(tmp_path: Path) -> None:
    p = _semantics(tmp_path, 'cat = { partial = "nosuch" }', 'cat = "list"')
    with pytest.raises(SemanticsError, match=r"p\.semantics\.toml:\d+.*nosuch") as e:
        load_semantics(p)
    assert ":8" in str(e.value)
    p = _semantics(tmp_path, 'cat = { partial = 3 }', 'cat = "list"')
    with pytest.raises(SemanticsError, match="partial"):
        load_semantics(p)


def test_a_partial_whose_type_takes_too_few_arguments_is_refused(tmp_path: Path) -> None:
    from automath.laws.typed import typed_parts
    p = _semantics(tmp_path, 'cat = { partial = "append" }', 'cat = "list -> list"')
    with pytest.raises(SemanticsError, match="more arguments"):
        typed_parts(load_semantics(p), ["cat"], None, None, 4, 0)


def test_a_partial_application_with_an_argument_given_in_the_grammar(tmp_path: Path) -> None:
    (tmp_path / "pre.lark").write_text(
        '?start: app\n?app: atom\n    | app atom -> apply\n    | "pre" atom -> pre\n'
        '?atom: NAME -> var\n     | "(" app ")"\nNAME: /(?!pre\\b)[a-z]+/\n'
        "%import common.WS\n%ignore WS\n", encoding="utf-8")
    (tmp_path / "pre.semantics.toml").write_text(
        '[sorts]\nlist = "list"\n[types]\napply = "(list -> list), list -> list"\n'
        'pre = "list -> list -> list"\n[vars]\nxs = "list"\nys = "list"\n'
        '[ops]\napply = "apply"\npre = { partial = "append" }\n', encoding="utf-8")
    grammar = str(tmp_path / "pre.lark")
    sig = signature(grammar)
    from automath.core.interpret import evaluate
    g, kind = sig.grammar, sig.kind
    out = kind.decode(evaluate(g.parse("(pre xs) ys"), kind, sig.semantics), "list")
    for i in range(kind.k):  # the oracle: Python's list concatenation
        want = operator.add(kind.show("xs", i), kind.show("ys", i))
        assert out[i, 1:1 + int(out[i, 0])].tolist() == want
    assert Verifier(sig)(g.parse("(pre xs) ys"), g.parse("(pre ys) xs")) is None


def test_a_partial_application_over_a_finite_sort_is_a_table(tmp_path: Path) -> None:
    (tmp_path / "plus.lark").write_text(
        '?start: app\n?app: atom\n    | app atom -> apply\n    | "plus" atom -> plus\n'
        '?atom: NAME -> var\n     | "(" app ")"\nNAME: /(?!plus\\b)[a-z]+/\n'
        "%import common.WS\n%ignore WS\n", encoding="utf-8")
    (tmp_path / "plus.semantics.toml").write_text(
        '[sorts]\ne = "mod:3"\n[types]\napply = "(e -> e), e -> e"\nplus = "e -> e -> e"\n'
        '[vars]\nx = "e"\ny = "e"\nz = "e"\n[ops]\napply = "apply"\n'
        'plus = { partial = "add" }\n', encoding="utf-8")
    sig = signature(str(tmp_path / "plus.lark"))
    from automath.core.interpret import evaluate
    g, kind, v = sig.grammar, sig.kind, Verifier(sig)
    table = kind.decode(evaluate(g.parse("plus x"), kind, sig.semantics), "e -> e")
    for i in range(kind.k):  # the oracle: addition modulo 3 at each element
        x = kind.show("x", i)
        assert table[i].tolist() == [(x + e) % 3 for e in range(3)]
    assert v(g.parse("(plus x) y"), g.parse("(plus y) x")) == "proved: exhaustive"
    assert v(g.parse("(plus x) ((plus y) z)"),
             g.parse("(plus ((plus x) y)) z")) == "proved: exhaustive"
    assert v(g.parse("(plus x) x"), g.parse("x")) is None


def test_laws_are_checked_again_at_fresh_probes() -> None:
    sig = signature(GRAMMAR)
    fresh = Verifier(sig).random
    assert fresh.k == 512 and fresh.seed != sig.kind.seed
    assert not torch.equal(fresh.probes("list")[:, :sig.kind.k], sig.kind.probes("list"))
