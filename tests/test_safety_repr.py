"""Notebook views: one-line reprs for Result, Grammar and Kind, HTML tables where they fit."""

import re
from html.parser import HTMLParser

import pytest
import torch

from automath import Domain
from automath.core.catalog import make_kind
from automath.core.grammar import Grammar, shipped_grammars
from automath.core.result import Result


class Cells(HTMLParser):
    """The text of each <td> of an HTML table, row by row (the oracle for _repr_html_)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        self._in = self._in or tag == "td"
        if tag == "td":
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        self._in = self._in and tag != "td"

    def handle_data(self, data):
        if self._in:
            self.rows[-1][-1] += data


@pytest.mark.parametrize("name", shipped_grammars())
def test_grammar_repr_lists_every_alias_of_the_file(name: str):
    g = Grammar.load(name)
    text = repr(g)
    code = re.sub(r"//.*", "", g.text)  # the oracle: the .lark file itself, comments dropped
    for base in re.findall(r"%import \.(\w+)", code):  # and the shipped grammars it imports
        code += re.sub(r"//.*", "", Grammar.load(base).text)
    aliases = set(re.findall(r"->\s*(\w+)", code))
    shown = set(re.findall(r"(\w+)/\d", text)) | set(text.split("atoms ")[1][:-1].split(", "))
    assert "\n" not in text and text.startswith(f"Grammar({name!r}")
    assert shown == {a.rsplit("__", 1)[-1] for a in aliases}


def test_grammar_html_escapes_operators():
    rows = [r for r in Cells(Grammar.load("logic")._repr_html_()).rows if r]
    assert ["and", "2", "x & x"] in rows and ["implies", "2", "x -> x"] in rows


@pytest.mark.parametrize("spec", ["real", "int", "bool", "mod:6", "perm:3", "bits:4"])
def test_kind_repr_is_one_line_naming_its_spec(spec: str):
    text = repr(make_kind(spec, k=4, seed=2, variables=("x",)))
    assert re.fullmatch(rf"\w+Kind\('{re.escape(spec)}', k=\d+, seed=2, variables=\('x',\)\)",
                        text), text


def result_with_long_element() -> tuple[Result, str]:
    d = Domain.create("arith", atoms="x,1")
    s = d.new_store()
    long = " + ".join(["x"] * 60)
    top = s.add_term(d.parse(long))
    w = torch.zeros(len(s), dtype=torch.float64)
    w[0], w[1], w[top] = 0.1, 0.2, 0.7
    return Result(d, s, w, None, [{}, {}], {}), long


def test_result_repr_is_short_and_names_the_heaviest():
    res, long = result_with_long_element()
    text = repr(res)
    assert "\n" not in text and len(text) < 120
    assert text.startswith(f"Result({len(res.store)} elements, 2 steps; top: x + x")
    assert "0.7" in text


def test_result_html_has_a_row_per_element():
    res, long = result_with_long_element()
    rows = [r for r in Cells(res._repr_html_()).rows if r]
    assert [r[1] for r in rows] == [long, "1", "x"]
    assert [float(r[2]) for r in rows] == pytest.approx([0.7, 0.2, 0.1])
