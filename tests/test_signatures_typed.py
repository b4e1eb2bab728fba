"""Typed signatures (issue 15.3): sorts, typed aliases and sorted variables in a semantics
file; only well-typed terms are enumerated and laws print with the user's variable names.
Oracles: Python lists and ints (``len``, slicing, ``+``), and a type checker written here."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from automath.core.errors import SemanticsError
from automath.core.term import Term
from automath.laws.explore import enumerate_terms, explore, signature
from automath.laws.testing import LawFailure, check_law
from automath.laws.universe import Universe

pytestmark = pytest.mark.usefixtures("one_thread")

LISTS = (Path(__file__).resolve().parent.parent / "examples" / "signatures" / "lists.lark"
         ).read_text(encoding="utf-8")
TYPES = {"append": (("list", "list"), "list"), "reverse": (("list",), "list"),
         "nil": ((), "list"), "length": (("list",), "int"), "add": (("int", "int"), "int")}
VARS = {"xs": "list", "ys": "list", "zs": "list", "n": "int", "m": "int"}
SEMANTICS = "\n".join([
    '[sorts]\nlist = "list"\nint = "nat"\n[types]',
    *(f'{a} = "{", ".join(args) + " -> " if args else ""}{r}"' for a, (args, r) in TYPES.items()),
    "[vars]", *(f'{v} = "{s}"' for v, s in VARS.items()),
    '[ops]\nappend = "append"\nreverse = "reverse"\nnil = "nil"\nlength = "length"\n'])


def _lists(tmp_path, semantics: str = SEMANTICS):
    (tmp_path / "lists.lark").write_text(LISTS)
    (tmp_path / "lists.semantics.toml").write_text(semantics)
    return str(tmp_path / "lists.lark")


def _sort(t: Term) -> str | None:
    """The sort of a term by the types above, None when it is ill-typed."""
    if t.op == "var":
        return VARS[str(t.token)]
    args, result = TYPES[t.op]
    return result if [_sort(a) for a in t.args] == list(args) else None


def _value(text: str, env: dict):
    py = text.replace("++", "+").replace("nil", "[]")
    return eval(py, {"length": len, "reverse": lambda a: a[::-1], **env})


def test_list_laws_with_the_users_variable_names(tmp_path) -> None:
    laws = explore(_lists(tmp_path), size=5, weights=False)
    texts = {str(law) for law in laws}
    assert "reverse(reverse(xs)) = xs" in texts
    assert texts & {"length(xs ++ ys) = length(xs) + length(ys)",
                    "length(xs) + length(ys) = length(xs ++ ys)"}
    rng = random.Random(5)
    for law in laws:
        used = law.lhs.variables() + law.rhs.variables()
        # a law without variables is decided by one evaluation; the others are sampled
        assert law.verified == "proved: exhaustive" if not used else \
            law.verified.startswith("tested only (")
        assert set(used) <= set(VARS) and _sort(law.lhs) == _sort(law.rhs) is not None
        for _ in range(200):
            env = {v: ([rng.randint(0, 9) for _ in range(rng.randint(0, 4))] if s == "list"
                       else rng.randint(0, 50)) for v, s in VARS.items()}
            assert _value(law.lhs_text, env) == _value(law.rhs_text, env), str(law)


def test_only_well_typed_terms_are_enumerated(tmp_path) -> None:
    sig = signature(_lists(tmp_path))
    u = Universe(*enumerate_terms(sig, 5), 5)  # every term built, merged or not
    terms = [u.term(n) for n in range(len(u))]
    assert len(terms) > 200 and all(_sort(t) is not None for t in terms)
    assert {_sort(t) for t in terms} == {"list", "int"}


def test_check_law_in_a_typed_signature(tmp_path) -> None:
    path = _lists(tmp_path)
    assert check_law(path, "length(xs ++ ys)", "length(ys) + length(xs)", kind="typed") > 0
    with pytest.raises(LawFailure, match="fails at") as err:  # [1] + [2] != [2] + [1]
        check_law(path, "xs ++ ys", "ys ++ xs", kind="typed")
    found = re.search(r"xs = (\[[\d, ]*\]), ys = (\[[\d, ]*\])", str(err.value))
    xs, ys = (eval(g) for g in found.groups())  # the counterexample, as Python lists
    assert xs + ys != ys + xs


@pytest.mark.parametrize("edit,match", [
    (('length = "list -> int"\n', ''), "'length' has no type"),
    (('n = "int"', 'n = "nums"'), "'n' has sort 'nums', which is not under"),
    (('reverse = "list -> list"', 'reverse = "list, list -> list"'), "takes 1 arguments"),
    (('int = "nat"', 'int = "nosuch"'), "no kind 'nosuch'"),
    (('[vars]', '[varz]'), "unknown key 'varz'"),
])
def test_bad_typing_is_a_clear_error(tmp_path, edit, match) -> None:
    text = SEMANTICS.replace(*edit)
    with pytest.raises(SemanticsError, match=match):
        explore(_lists(tmp_path, text), size=3)


def test_a_typed_signature_refuses_a_kind(tmp_path) -> None:
    with pytest.raises(SemanticsError, match="takes its kinds from"):
        explore(_lists(tmp_path), size=3, kind="nat")
