"""Constructors the store cannot hold (arity > 2) fail at load time (issue 13, defect 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from automath.core.domain import Domain
from automath.core.errors import AutomathError, GrammarError
from automath.core.kinds import ModpKind
from automath.core.semantics import Op, Semantics
from automath.core.store import Store
from automath.core.term import Term

_HEAD = '?start: expr\n?expr: atom\n     | expr "+" atom -> add\n'
_TAIL = ('?atom: NUMBER -> num\n     | NAME -> var\n     | "(" expr ")"\n'
         'NAME: /[a-z]+/\n%import common.NUMBER\n%import common.WS\n%ignore WS\n')
_ITE = '     | "if" "(" expr "," expr "," expr ")" -> ite\n'
_F4 = '     | "f" "(" expr "," expr "," expr "," expr ")" -> four\n'


def _sem() -> Semantics:
    pick = lambda c, a, b: torch.where(c != 0, a, b)  # noqa: E731
    return (Semantics()
            .with_op("ite", Op(3, lambda c, a, b: a, {"real": pick, "modp": pick}))
            .with_op("four", Op(4, lambda a, b, c, d: a, {"real": lambda *a: a[0]})))


@pytest.mark.parametrize(("rule", "alias"), [(_ITE, "ite"), (_F4, "four")])
def test_arity_over_two_is_a_load_time_grammar_error(tmp_path: Path, rule: str,
                                                     alias: str) -> None:
    path = tmp_path / "mine.lark"
    path.write_text(_HEAD + rule + _TAIL)
    with pytest.raises(GrammarError) as err:
        Domain.create(path, atoms="x,1", semantics=_sem())
    e, msg = err.value, str(err.value)
    assert e.line == 4 and e.token == alias  # the rule is the file's 4th line (by hand)
    assert "mine.lark" in msg and ":4" in msg and alias in msg


def test_arity_two_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.lark"
    path.write_text(_HEAD + _TAIL)
    assert Domain.create(path, atoms="x,1").rules == ("add",)


def test_store_refuses_operators_and_terms_it_would_truncate() -> None:
    with pytest.raises(AutomathError, match="ite"):
        Store(ModpKind(k=4), _sem(), rules=["ite"])
    s, x = Store(ModpKind(k=4), Semantics(), rules=["add"]), Term("var", token="x")
    with pytest.raises(AutomathError, match="add"):
        s.add_term(Term("add", (x, x, x)))  # would be stored as add(x, x)
