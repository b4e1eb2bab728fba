"""Function sorts and combinators in typed signatures (issue 15.3): a list-with-map signature
(examples/signatures/map.lark) and S, K, I over a finite function model (ski.lark).

Oracles, written here and sharing no code with automath: Python lists and tuples as function
tables, evaluated by a small interpreter over the law's terms; for S, K, I every assignment
of the two-element model, enumerated with itertools; a type checker with its own unification
of the polymorphic application."""

from __future__ import annotations

import functools
import itertools
import random
import re
from pathlib import Path

import pytest
import torch

from automath.core.errors import SemanticsError
from automath.core.term import Term
from automath.laws.explore import enumerate_terms, explore, signature
from automath.laws.functions import FUNCTION_KERNELS, FunKind, rank
from automath.laws.testing import LawFailure, check_law
from automath.laws.typed import TypedKind
from automath.laws.universe import Universe
from automath.laws.verify import Verifier

pytestmark = pytest.mark.usefixtures("one_thread")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "signatures"
MAP, SKI = str(EXAMPLES / "map.lark"), str(EXAMPLES / "ski.lark")
COMPOSITION = str(EXAMPLES / "composition.lark")
LIST_VARS = ("xs", "ys", "zs")


# --- the Python oracle for map.lark: functions are tuples of 10 items -----------------------

def _run_map(t: Term, env: dict):
    """A term's value: lists as Python lists, functions as tuples (f[i] is f of item i)."""
    if t.op == "var":
        return env[str(t.token)]
    a = [_run_map(x, env) for x in t.args]
    table = {"nil": lambda: [], "identity": lambda: tuple(range(10)),
             "append": lambda u, v: u + v, "reverse": lambda u: u[::-1], "length": len,
             "map": lambda f, u: [f[i] for i in u],
             "compose": lambda f, g: tuple(f[g[i]] for i in range(10))}
    return table[t.op](*a)


def _map_env(rng: random.Random) -> dict:
    env = {v: [rng.randrange(10) for _ in range(rng.randrange(5))] for v in LIST_VARS}
    return env | {v: tuple(rng.randrange(10) for _ in range(10)) for v in "fgh"}


@pytest.fixture(scope="module")
def map_laws():
    with torch.inference_mode():
        return explore(MAP, size=7, weights=False)


def test_every_map_law_holds_in_python(map_laws) -> None:
    rng = random.Random(7)
    assert len(map_laws) >= 10
    for law in map_laws:
        closed = not (law.lhs.variables() + law.rhs.variables())
        n = re.fullmatch(r"tested only \((\d+) samples\)", law.verified)
        assert (closed and law.verified == "proved: exhaustive") or (n and int(n[1]) >= 100)
        for _ in range(300):
            env = _map_env(rng)
            assert _run_map(law.lhs, env) == _run_map(law.rhs, env), str(law)


def _has(laws, grammar_path: str, lhs: str, rhs: str) -> bool:
    """Whether ``lhs = rhs`` (either way round, grammar syntax) is among the laws."""
    g = signature(grammar_path).grammar
    want = {(g.parse(lhs), g.parse(rhs)), (g.parse(rhs), g.parse(lhs))}
    return any((law.lhs, law.rhs) in want for law in laws)


@pytest.mark.parametrize("lhs,rhs", [
    ("map(f . g, xs)", "map(f, map(g, xs))"),
    ("map(f, xs ++ ys)", "map(f, xs) ++ map(f, ys)"),
    ("map(f, reverse(xs))", "reverse(map(f, xs))"),
    ("map(id, xs)", "xs"),
    ("(f . g) . h", "f . (g . h)"),
    ("f . id", "f"),
])
def test_map_laws_appear_with_the_users_names(map_laws, lhs, rhs) -> None:
    assert _has(map_laws, MAP, lhs, rhs)


def test_false_map_laws_are_refuted() -> None:
    v = Verifier(signature(MAP))
    g = v.sig.grammar
    for lhs, rhs in [("map(f, xs)", "xs"), ("f . g", "g . f"), ("map(f, xs ++ ys)",
                                                                  "map(f, ys ++ xs)")]:
        assert v(g.parse(lhs), g.parse(rhs)) is None


def test_map_laws_as_property_tests() -> None:
    assert check_law(MAP, "map(f . g, xs)", "map(f, map(g, xs))", kind="typed") == 512
    with pytest.raises(LawFailure, match=r"f = \[\d+(, \d+){9}\]"):  # f shown as its table
        check_law(MAP, "map(f, xs)", "xs", kind="typed")


# --- the Python oracle for ski.lark: o = {0, 1}, every assignment ---------------------------
# S, K, I are polymorphic: the oracle infers each side's type with its own unification
# (type variables "'n"; a variable left free stands for o) and compares the sides
# extensionally at that type, at every assignment of x, y, f, g, h.

BITS = (0, 1)
VAR_TYPES = {"x": "o", "y": "o", "f": ("o", ("o", "o")), "g": ("o", "o"), "h": ("o", "o")}


def _call(f, x):
    return f(x) if callable(f) else f[x]


def _run_ski(t: Term, env: dict):
    if t.op == "var":
        return env[str(t.token)]
    if t.op == "apply":
        return _call(_run_ski(t.args[0], env), _run_ski(t.args[1], env))
    return {"i": lambda x: x, "k": lambda x: lambda y: x,
            "s": lambda f: lambda g: lambda x: _call(_call(f, x), _call(g, x))}[t.op]


@functools.cache
def _values(typ) -> tuple:
    """Every value of a type of the model (functions as Python closures over tables)."""
    if typ == "o":
        return BITS
    dom, cod = typ
    keys = [_key(d, dom) for d in _values(dom)]
    return tuple(_table_fun(dict(zip(keys, pick, strict=True)), dom)
                 for pick in itertools.product(_values(cod), repeat=len(keys)))


def _table_fun(table: dict, dom):
    return lambda x: table[_key(x, dom)]


def _key(v, typ):
    """A hashable form of a value: its table at every argument."""
    return v if typ == "o" else tuple(_key(_call(v, d), typ[1]) for d in _values(typ[0]))


def _same(a, b, typ) -> bool:
    """Extensional equality at a type: functions agree on every argument."""
    return _key(a, typ) == _key(b, typ)


def _envs():
    names = list(VAR_TYPES)
    for vals in itertools.product(*(_values(VAR_TYPES[v]) for v in names)):
        yield dict(zip(names, vals, strict=True))


def _resolve(t, subst: dict):
    while isinstance(t, str) and t in subst:
        t = subst[t]
    return t


def _unify(a, b, subst: dict) -> bool:
    a, b = _resolve(a, subst), _resolve(b, subst)
    if a == b:
        return True
    if isinstance(a, str) and a.startswith("'"):
        subst[a] = b
        return True
    if isinstance(b, str) and b.startswith("'"):
        return _unify(b, a, subst)
    return isinstance(a, tuple) and isinstance(b, tuple) and _unify(a[0], b[0], subst) and \
        _unify(a[1], b[1], subst)


def _ground(t, subst: dict):
    t = _resolve(t, subst)
    if isinstance(t, tuple):
        return tuple(_ground(x, subst) for x in t)
    return "o" if t.startswith("'") else t  # a free type variable: at o


def _scheme(op: str, n: int):
    a, b, c = (f"'{op}{n}{v}" for v in "abc")
    return {"i": (a, a), "k": (a, (b, a)), "s": ((a, (b, c)), ((a, b), (a, c)))}[op]


def _infer(t: Term, subst: dict, fresh: list, var_types=VAR_TYPES, scheme=None):
    if t.op == "var":
        return var_types[str(t.token)]
    if not t.args:
        fresh.append(0)
        return scheme(t.op) if scheme else _scheme(t.op.split("@")[0], len(fresh))
    fun, arg = (_infer(a, subst, fresh, var_types, scheme) for a in t.args)
    out = f"'r{len(fresh)}"
    fresh.append(0)
    return out if _unify(fun, (arg, out), subst) else None


def _law_type(*terms: Term):
    """The common type of the sides (None: a side does not type, or they differ)."""
    subst, fresh = {}, []
    types = [_infer(t, subst, fresh) for t in terms]
    if None in types or not all(_unify(types[0], t, subst) for t in types[1:]):
        return None
    return _ground(types[0], subst)


@pytest.fixture(scope="module")
def ski_laws():
    return explore(SKI, size=7, weights=False)


def test_every_ski_law_holds_at_every_assignment(ski_laws) -> None:
    assert ski_laws
    for law in ski_laws:
        assert law.verified == "proved: exhaustive"
        typ = _law_type(law.lhs, law.rhs)
        assert typ is not None, str(law)
        for env in _envs():
            assert _same(_run_ski(law.lhs, env), _run_ski(law.rhs, env), typ), str(law)


@pytest.mark.parametrize("lhs,rhs", [  # QuickSpec's laws 1, 2, 7, 5; 3, 6, 9 eta-reduced
    ("I x", "x"), ("K x y", "x"), ("S f g x", "f x (g x)"), ("S (K g) I", "g"),
    ("S K", "K I"), ("S (K I)", "I"), ("S (K (K x))", "K (K x)")])
def test_combinator_laws_appear(ski_laws, lhs, rhs) -> None:
    assert _has(ski_laws, SKI, lhs, rhs)


def _shape(t: Term, names: dict) -> str:
    if t.op == "var":
        return names.setdefault(str(t.token), f"v{len(names)}")
    return f"{t.op}({', '.join(_shape(a, names) for a in t.args)})"


def test_a_polymorphic_law_is_printed_once(ski_laws) -> None:
    """I x = x, I g = g, I f = f are one law of the polymorphic I (likewise K x y = x)."""
    shapes = []
    for law in ski_laws:
        names: dict = {}
        shapes.append((_shape(law.lhs, names), _shape(law.rhs, names)))
    assert len(set(shapes)) == len(shapes)
    assert not any(_has(ski_laws, SKI, lhs, rhs) for lhs, rhs in [
        ("I g", "g"), ("K g x", "g"), ("K f K", "f"), ("K K f", "K")])


def test_only_well_typed_applications_are_enumerated() -> None:
    sig = signature(SKI)
    u = Universe(*enumerate_terms(sig, 7), 7)  # every term built, merged or not
    terms = [u.term(n) for n in range(len(u))]
    assert len(terms) > 50 and all(_law_type(t) is not None for t in terms)
    assert {_law_type(t) for t in terms} >= {"o", ("o", "o"), ("o", ("o", "o"))}


def test_polymorphic_laws_check_from_their_text() -> None:
    """check_law gives each K, S, I the instance its place needs."""
    assert check_law(SKI, "S (K g) I", "g", kind="typed") > 0
    assert check_law(SKI, "K f x y", "f y", kind="typed") > 0  # K at (o -> o -> o), o
    with pytest.raises(LawFailure):
        check_law(SKI, "S (K g) I", "I", kind="typed")


# --- Composition.hs: functions on {0, 1, 2} as tuples, every assignment ------------------

def _run_comp(t: Term, env: dict):
    if t.op == "var":
        return env[str(t.token)]
    a = [_run_comp(x, env) for x in t.args]
    return {"identity": lambda: (0, 1, 2), "apply": lambda f, x: f[x],
            "compose": lambda f, g: tuple(f[g[i]] for i in range(3))}[t.op](*a)


def test_composition_finds_quickspecs_five_laws_each_true_everywhere() -> None:
    laws = explore(COMPOSITION, size=7, weights=False)
    quickspec = [("id x", "x"), ("f . id", "f"), ("id . f", "f"), ("(f . g) x", "f (g x)"),
                 ("(f . g) . h", "f . (g . h)")]  # examples/tests/Composition.output
    assert len(laws) == 5 and all(_has(laws, COMPOSITION, *law) for law in quickspec)
    funs = list(itertools.product(range(3), repeat=3))
    for law in laws:
        assert law.verified == "proved: exhaustive"
        for f, g, h in itertools.product(funs, repeat=3):
            for x in range(3):
                env = {"f": f, "g": g, "h": h, "x": x}
                assert _run_comp(law.lhs, env) == _run_comp(law.rhs, env), str(law)


# --- function tables and bad input ------------------------------------------------------------

def test_function_tables_list_every_function_and_rank_inverts_them() -> None:
    from automath.core.models import ModKind
    fk = FunKind(ModKind(n=3), ModKind(n=2))
    tables = fk.elements()
    assert sorted(map(tuple, tables.tolist())) == sorted(itertools.product(range(2), repeat=3))
    assert rank(fk, tables).tolist() == list(range(8))


def test_constant_functions() -> None:
    t = TypedKind({"e": "mod:4"}, {"x": "e"}, k=3, more=["e -> e"])
    const = FUNCTION_KERNELS["constant"].kernels["fun"]
    x = t.decode(t.variable("x"), "e")
    table = const.typed([t.natives["e"]], t.natives["e -> e"], [x])
    assert table.tolist() == [[v] * 4 for v in x.tolist()]


@pytest.mark.parametrize("edit,match", [
    (('elem = "mod:10"', 'elem = "nat"'), "needs a finite domain"),
    (('fun = "elem -> elem"', 'fun = "elem -> item"'), "and 'item' is not under"),
    (('fun = "elem -> elem"', 'fun = "(elem -> elem"'), "does not read"),
    (('map = "fun, list -> list"', 'map = "fun, list, list -> list"'), "takes 2 arguments"),
])
def test_bad_function_sorts_are_clear_errors(tmp_path, edit, match) -> None:
    for ext in (".lark", ".semantics.toml"):
        text = (EXAMPLES / f"map{ext}").read_text(encoding="utf-8")
        (tmp_path / f"map{ext}").write_text(text.replace(*edit) if ext != ".lark" else text)
    with pytest.raises(SemanticsError, match=match):
        explore(str(tmp_path / "map.lark"), size=3)


def test_a_polymorphic_type_no_sort_fits_is_an_error(tmp_path) -> None:
    (tmp_path / "ski.lark").write_text((EXAMPLES / "ski.lark").read_text(encoding="utf-8"))
    text = (EXAMPLES / "ski.semantics.toml").read_text(encoding="utf-8")
    wide = "apply = \"('a -> 'a -> 'a -> 'a -> 'a -> 'a), 'a -> 'a\""  # no sort o -> … -> o
    text = text.replace("apply = \"('a -> 'b), 'a -> 'b\"", wide)
    (tmp_path / "ski.semantics.toml").write_text(text)
    with pytest.raises(SemanticsError, match="no sorts of the signature fit"):
        explore(str(tmp_path / "ski.lark"), size=3, ops="apply")


def test_a_polymorphic_law_is_applied_at_well_typed_instances_only() -> None:
    """The prover's copies of K x y = x re-pick K's instance: each copy types (by the test's
    own checker, with the instances' sorts), and there is one per instance of K."""
    from automath.laws.poly import variants
    sig = signature(SKI)
    sem, g = sig.semantics, sig.grammar
    law = (g.parse("K x y"), g.parse("x"))
    copies = variants(*law, sem)
    # K : 'a -> 'b -> 'a over o, o -> o, o -> o -> o: 9 sorts, of which 7 have tables of at
    # most 128 entries (K at (o -> o -> o, o -> o) has 256, at (o -> o -> o, o -> o -> o) 1024)
    assert copies[0] == law and len(copies) == len(sem.typing["variants"]["k"]) == 7
    sorts = {n: _parse_sort(inst[0][1]) for n, inst in sem.typing["instances"].items()}
    free = {v: f"'{v}" for v in VAR_TYPES}  # the copies' variables may take any sort
    for lhs, rhs in copies:
        subst, fresh = {}, []
        sides = [_infer(t, subst, fresh, free, sorts.__getitem__) for t in (lhs, rhs)]
        assert None not in sides and _unify(*sides, subst), (str(lhs), str(rhs))
        (k,) = {t.op for t in _leaves(lhs)} - {"var", "apply"}
        assert k.split("@")[0] == "k"
    assert len({str(c[0]) for c in copies}) == 7


def _parse_sort(text: str):
    """A sort's text as the oracle's types: "o", or (dom, cod), "->" to the right."""
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()

    def at(i: int):
        if tokens[i] == "(":
            left, i = at(i + 1)
            i += 1  # the ")"
        else:
            left, i = tokens[i], i + 1
        if i < len(tokens) and tokens[i] == "->":
            right, i = at(i + 1)
            return (left, right), i
        return left, i
    return at(0)[0]


def _leaves(t: Term) -> list[Term]:
    return [t] if not t.args else [x for a in t.args for x in _leaves(a)]


def test_every_ski_law_checks_from_its_printed_text(ski_laws) -> None:
    """--format pytest round trip: each law's text, read back, gets instances that make both
    sides one sort (S K = K I needs K at a second sort on the right), and holds."""
    for law in ski_laws:
        assert check_law(SKI, law.lhs_text, law.rhs_text, kind="typed") > 0, str(law)
