"""Grammar texts the fuzz campaign (``pytest -m fuzz -k grammars``) found escaping as raw
exceptions from lark, each now a GrammarError naming the file, the line and the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from automath.core.errors import GrammarError
from automath.core.grammar import Grammar

FOUND = [  # (text, line named, token named): what lark raised before
    ("%declare Xstart", 1, "start"),  # AttributeError: 'NoneType' has no 'iter_subtrees'
    ('start: a\n%declare a b\n', 2, "a"),  # the same: a declared rule
    ('start: a\n%declare a\na: "x"\n', 3, "a"),  # was line 0, no token: declared, defined
    ('start: "a" -> x\n    | "a" -> y\n', 1, "start"),  # each below: line 0, no token
    ('start: X\nX: ""\n', 2, '""'),
    ('start: N\nN: /[0-9]*/\n', 2, "N"),
    ('?start: ")"\n%import common.WS\n%ignoreatom WS\n', 3, "%ignore"),  # no line before
    ('start: NAME\nNAME: /[\na-z]+/\n', 2, "/["),  # a regex cut by a newline: no line before
]


@pytest.mark.parametrize("text, line, token", FOUND)
def test_a_found_grammar_is_a_grammar_error_at_its_line(tmp_path: Path, text, line, token):
    path = tmp_path / "found.lark"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GrammarError) as e:
        Grammar.load(path)
    assert (e.value.file, e.value.line, e.value.token) == (str(path), line, token)
    assert token in text.splitlines()[line - 1]


def test_a_grammar_without_its_start_rule_names_the_rule_and_no_line_0(tmp_path: Path):
    path = tmp_path / "nostart.lark"
    path.write_text('expr: "x"\n', encoding="utf-8")
    with pytest.raises(GrammarError) as e:
        Grammar.load(path)
    assert (e.value.file, e.value.line, e.value.token) == (str(path), None, "start")
    assert str(e.value).startswith(f"{path}: bad grammar: ")  # no ':0:' line
