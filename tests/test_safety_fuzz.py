"""Fuzzing: grammar texts, expressions and --where filters either load/parse or raise an
AutomathError; nothing else escapes. Bounded here (50 cases each); ``pytest -m fuzz -s`` runs
the longer campaign and prints its counts."""

from collections import Counter

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automath import AutomathError, Domain
from automath.core.grammar import Grammar, shipped_grammars
from automath.core.parsing import parse_sympy
from automath.core.result import Result

GRAMMARS = {name: Grammar.load(name) for name in shipped_grammars()}
EXPR_TOKENS = ["x", "y", "1", "0", "2.5", "1e", "9" * 40, "+", "-", "*", "/", "**", "^", "(",
               ")", ",", "sin", "cos", "exp", "log", "sqrt", "&", "|", "~", "!", "->", "True",
               "max", "min", "e", "[", "]", "'", '"', "__import__", ".", "lambda", ":", " "]
LARK_TOKENS = ["start", ":", "?", "!", "expr", "atom", "|", "->", "add", "var", "NAME", "NUMBER",
               '"+"', '"("', '")"', "/[a-z]+/", "/(/", "%import common.WS", "%ignore WS",
               "%import .arith (expr)", "%import common.CNAME -> NAME", "%declare X",
               "%extend atom:", '"sin"', "_x", ".2", "~", "*", "+", "(", ")", "[", "]", "\n",
               "\n", " ", "//", "\\"]
WHERE_TOKENS = ["size", "weight", "score", "id", "<", "<=", ">", "==", "!=", "and", ",", "1",
                "0.5", "1e", "-", "+", ".", "e", "nan", "inf", " ", "x", "(", ")"]


def joined(tokens: list[str], most: int):
    """Texts made of the given tokens, mixed with any characters."""
    pieces = st.one_of(st.sampled_from(tokens), st.text(max_size=3))
    return st.lists(pieces, max_size=most).map("".join)


def campaign(strategy, attempt, cases: int, fixed: bool = False) -> Counter:
    """Run ``attempt`` on ``cases`` generated inputs (the same ones each time if ``fixed``);
    count 'ok' and 'clear error' outcomes (any other exception fails the test, shrunk to its
    smallest input)."""
    counts: Counter = Counter()

    @settings(max_examples=cases, deadline=None, database=None, derandomize=fixed,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value):
        try:
            attempt(value)
            counts["ok"] += 1
        except AutomathError:
            counts["clear error"] += 1

    run()
    return counts


RULES = ["start", "expr", "term", "atom"]
SYMBOLS = st.one_of(st.sampled_from(RULES[1:] + ["NAME", "NUMBER"]),
                    st.sampled_from(["+", "*", "-", "(", ")", "sin", "&"]).map('"{}"'.format))
ALTERNATIVE = st.tuples(st.lists(SYMBOLS, min_size=1, max_size=3),
                        st.one_of(st.none(), st.sampled_from(["add", "mul", "neg", "var", "f"])))
HEADER = "NAME: /[a-z]+/\nNUMBER: /[0-9]+/\n%import common.WS\n%ignore WS\n"


def alternative(alt: tuple[list[str], str | None]) -> str:
    symbols, alias = alt
    return " ".join(symbols) + (f" -> {alias}" if alias else "")


@st.composite
def structured_grammar(draw) -> str:
    """A grammar of rules over RULES (mostly loadable), with a random token spliced in half
    the time."""
    lines = [f"{'?' if draw(st.booleans()) else ''}{name}: "
             + " | ".join(map(alternative, draw(st.lists(ALTERNATIVE, min_size=1, max_size=3))))
             for name in RULES[: draw(st.integers(1, 4))]]
    text = "\n".join(lines) + "\n" + HEADER
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(LARK_TOKENS)) + text[at:]
    return text


def parse_everywhere(text: str) -> None:
    """Parse with every shipped grammar (a parse prints back to the same term) and sympy."""
    for g in GRAMMARS.values():
        try:
            term = g.parse(text)
        except AutomathError:
            continue
        assert g.parse(g.format(term)) == term, (g.name, text)
    parse_sympy(text)


def load_grammar(text: str) -> None:
    g = Grammar(text)
    for alias in g.constructors:
        g.example(alias)


DOMAIN = Domain.create("arith", atoms="x,1")
STORE = DOMAIN.new_store()
for _text in ("x + 1", "x * x", "x - 1"):
    STORE.add_term(DOMAIN.parse(_text))
RESULT = Result(DOMAIN, STORE, torch.full((len(STORE),), 1 / len(STORE), dtype=torch.float64),
                None, [], {})


def query(where: str) -> None:
    RESULT.top(5, where=where)


CASES = {"expressions": (joined(EXPR_TOKENS, 30), parse_everywhere),
         "grammars": (st.one_of(structured_grammar(), joined(LARK_TOKENS, 14)), load_grammar),
         "where filters": (joined(WHERE_TOKENS, 10), query)}


@pytest.mark.parametrize("what", list(CASES))
def test_only_automath_errors_escape(what: str):
    strategy, attempt = CASES[what]
    counts = campaign(strategy, attempt, 50, fixed=True)  # CI: the same 50 cases each run
    assert sum(counts.values()) >= 50


@pytest.mark.fuzz
@pytest.mark.parametrize("what", list(CASES))
def test_fuzz_campaign(what: str):
    strategy, attempt = CASES[what]
    counts = campaign(strategy, attempt, 2000)
    print(f"\nfuzz {what}: {sum(counts.values())} cases, {counts['ok']} ok, "
          f"{counts['clear error']} clear errors, 0 uncaught")


def test_deep_expressions_are_refused_with_the_limit_named():
    g = GRAMMARS["arith"]
    for text in (" + ".join(["x"] * 1000), "-" * 3000 + "x"):
        with pytest.raises(AutomathError, match="MAX_TERM_DEPTH"):
            g.parse(text)
    assert g.format(g.parse(" + ".join(["x"] * 150))) == " + ".join(["x"] * 150)


def test_huge_grammars_are_refused_before_lark_compiles():
    with pytest.raises(AutomathError, match="MAX_GRAMMAR_LINES"):
        Grammar('start: "a"' + "\n" * 1_000_000)
    rules = "".join(f'r{i}: "a{i}"\n' for i in range(30_000))
    with pytest.raises(AutomathError, match="MAX_GRAMMAR_CHARS"):
        Grammar("start: r0\n" + rules)
