"""Grammar limits checked before lark compiles a grammar: its size and what its rules expand to
(lark's parser tables grow much faster than the rules)."""

from __future__ import annotations

import functools
import re

import lark
from lark.exceptions import LarkError

from automath.core.errors import GrammarError

MAX_GRAMMAR_CHARS = 100_000  # longest grammar text compiled (the shipped ones: < 2,000)
MAX_GRAMMAR_LINES = 2_000  # most lines of a grammar
MAX_GRAMMAR_ALTERNATIVES = 100  # rule alternatives once ?, [ ], *, + and ~ are expanded
MAX_GRAMMAR_SYMBOLS = 400  # symbols in all those alternatives (the shipped grammars: < 50)


def _check_size(text: str, path: str | None) -> None:
    """Refuse a grammar longer than ``MAX_GRAMMAR_CHARS`` or ``MAX_GRAMMAR_LINES`` before
    lark compiles it (huge grammars make lark run for minutes)."""
    lines = text.count("\n") + 1
    if len(text) > MAX_GRAMMAR_CHARS or lines > MAX_GRAMMAR_LINES:
        raise GrammarError(f"bad grammar: {len(text)} characters in {lines} lines; at most "
                           f"{MAX_GRAMMAR_CHARS} characters (MAX_GRAMMAR_CHARS) in "
                           f"{MAX_GRAMMAR_LINES} lines (MAX_GRAMMAR_LINES)", file=path or "<text>")


Cost = tuple[int, int]  # (alternatives, symbols in all of them) a piece of a rule expands to
_CAP = 10 * MAX_GRAMMAR_SYMBOLS  # past this the exact count does not matter: it is refused


def _check_cost(text: str, path: str | None, dirs: list[str]) -> None:
    """Refuse a grammar whose rules expand to more than ``MAX_GRAMMAR_ALTERNATIVES``
    alternatives or ``MAX_GRAMMAR_SYMBOLS`` symbols, counted on lark's reading of the file
    (its imports included) before lark builds its parser tables, which grow much faster than
    the rules (100 binary operators on one rule: 2.3 s; 150: 8.5 s; a chain of 200 rules: 9 s).
    A file lark cannot read is left to lark, which names the error.

    >>> _check_cost('start: "a"? "b"? "c"? "d"? "e"? "f"? "g"?', None, [])
    Traceback (most recent call last):
    ...
    automath.core.errors.GrammarError: <text>:1: bad grammar: its rules expand to 128 \
alternatives with 448 symbols; at most 100 alternatives (MAX_GRAMMAR_ALTERNATIVES) and 400 \
symbols (MAX_GRAMMAR_SYMBOLS), or lark takes minutes to compile it (at token 'start')
    """
    from lark.load_grammar import load_grammar
    try:
        rules = load_grammar(text, path or "<text>", dirs, False)[0].rule_defs
    except (LarkError, OSError):
        return
    _check_declared(rules, text, path)
    costs = {str(name): _expanded(tree) for name, _, tree, _ in rules}
    alts, syms = (sum(c[i] for c in costs.values()) for i in (0, 1))
    if alts > MAX_GRAMMAR_ALTERNATIVES or syms > MAX_GRAMMAR_SYMBOLS:
        name = max(costs, key=lambda n: costs[n][1])
        line, _ = _find_line(text, rf"^\s*[?!]?{re.escape(name)}(\.\d+)?\s*:")
        raise GrammarError(f"bad grammar: its rules expand to {alts} alternatives with {syms} "
                           f"symbols; at most {MAX_GRAMMAR_ALTERNATIVES} alternatives "
                           f"(MAX_GRAMMAR_ALTERNATIVES) and {MAX_GRAMMAR_SYMBOLS} symbols "
                           "(MAX_GRAMMAR_SYMBOLS), or lark takes minutes to compile it",
                           file=path or "<text>", line=line, token=name)


def _check_declared(rules: list, text: str, path: str | None) -> None:
    """Refuse a ``%declare`` of a rule (lark declares terminals only, and crashes compiling a
    declared rule, which has no tree).

    >>> from lark.load_grammar import load_grammar
    >>> _check_declared(load_grammar("%declare xs", "<t>", [], False)[0].rule_defs, "%declare xs",
    ...                 None)
    Traceback (most recent call last):
    ...
    automath.core.errors.GrammarError: <text>:1: bad grammar: %declare names the rule 'xs'; \
only terminals (upper-case names) can be declared (at token 'xs')
    """
    for name, _, tree, _ in rules:
        if tree is None:
            line, _ = _find_line(text, rf"^\s*%declare\b.*\b{re.escape(str(name))}\b")
            line = line or _find_line(text, r"^\s*%declare\b")[0]
            raise GrammarError(f"bad grammar: %declare names the rule {str(name)!r}; only "
                               "terminals (upper-case names) can be declared",
                               file=path or "<text>", line=line, token=str(name))


def _expanded(tree: lark.Tree) -> Cost:
    """The alternatives and symbols a rule's tree expands to, with the helper rules lark adds
    for ``*`` and ``+``; bottom-up without recursion (nesting is bounded by nothing).

    >>> from lark.load_grammar import load_grammar
    >>> rules = load_grammar('a: ("x" | "y") "z"? b* | "w" ~ 2..3\\nb: "v"', "<t>", [], False)
    >>> [_expanded(tree) for _, _, tree, _ in rules[0].rule_defs]
    [(12, 24), (1, 1)]
    """
    cost: dict[int, Cost] = {}
    helpers: list[Cost] = []
    for node in tree.iter_subtrees():  # children before their parents
        parts = [cost[id(c)] if isinstance(c, lark.Tree) else (1, 1) for c in node.children]
        if node.data == "expr":
            ops = [str(c) for c in node.children[1:] if c is not None]
            cost[id(node)] = _repeat(parts[0], ops, helpers)
        else:
            cost[id(node)] = _COMBINE.get(node.data, _symbol)(parts)
    return _sum([cost[id(tree)], *helpers])


def _symbol(parts: list[Cost]) -> Cost:
    """One symbol: a rule, a terminal or a literal."""
    return (1, 1)


def _seq(a: Cost, b: Cost) -> Cost:
    """Every alternative of ``a`` followed by every one of ``b``.

    >>> _seq((2, 3), (3, 3))  # (x | y z) (u | v | w): x u, x v, x w, y z u, ...
    (6, 15)
    """
    return min(a[0] * b[0], _CAP), min(a[1] * b[0] + b[1] * a[0], _CAP)


def _sum(parts: list[Cost]) -> Cost:
    """The alternatives of ``a | b | ...``.

    >>> _sum([(1, 2), (3, 4)])
    (4, 6)
    """
    return min(sum(p[0] for p in parts), _CAP), min(sum(p[1] for p in parts), _CAP)


def _repeat(part: Cost, ops: list[str], helpers: list[Cost]) -> Cost:
    """``part`` under ``?``, ``*``, ``+`` or ``~ n[..m]``; a ``*`` or ``+`` adds a helper rule
    (``h: part | h part``) to ``helpers``.

    >>> _repeat((2, 2), ["?"], []), _repeat((1, 1), ["~", "2", "3"], [])
    ((3, 2), (2, 5))
    """
    op = ops[0] if ops else ""
    if op in ("*", "+"):
        helpers.append((2 * part[0], 2 * part[1] + part[0]))
        return (2, 1) if op == "*" else (1, 1)
    if op != "~":
        return (part[0] + 1, part[1]) if op == "?" else part
    low, high = int(ops[1]), int(ops[-1])
    power, total = (1, 0), (0, 0)
    for n in range(min(high, _CAP) + 1):
        total = _sum([total, power]) if n >= low else total
        power = _seq(power, part)
        if total[1] >= _CAP or power[1] >= _CAP:
            return (_CAP, _CAP)
    return total


_COMBINE = {"expansion": lambda parts: functools.reduce(_seq, parts, (1, 0)),
            "expansions": _sum, "alias": lambda parts: parts[0],
            "maybe": lambda parts: (parts[0][0] + 1, parts[0][1])}


def _find_line(text: str, pattern: str, nth: int = 0) -> tuple[int | None, str | None]:
    """The line number and first word of the ``nth`` line matching ``pattern`` (or None).

    >>> _find_line("a: b\\n%import x (y)\\n", r"^%import")
    (2, '%import')
    """
    hits = [(n, src.split()[0].rstrip(":")) for n, src in enumerate(text.splitlines(), 1)
            if re.search(pattern, src)]
    return hits[nth] if len(hits) > nth else (None, None)
