"""Law text as QuickSpec prints it (issue 15.3): in a grammar that applies by juxtaposition
(``?app: app atom -> apply``), a parenthesized argument keeps its space, ``f x (g x)`` and
``S (K g) I`` rather than ``f x(g x)`` and ``S(K g) I`` — the spaced text is used only where
it parses back to the same term.
"""

from __future__ import annotations

import re

from automath.core.errors import AutomathError
from automath.core.grammar import Grammar
from automath.core.term import Term

_GLUED = re.compile(r"(?<=[\w)])\(")  # a "(" right after a word or a ")"


def juxtaposes(g: Grammar) -> bool:
    """Whether a constructor of the grammar has two slots side by side (application by
    juxtaposition).

    >>> juxtaposes(Grammar.load("arith"))
    False
    """
    return any(a[0] != "lit" and b[0] != "lit" for c in g.constructors.values()
               for a, b in zip(c.template, c.template[1:], strict=False))


def spaced(g: Grammar, term: Term) -> str:
    """``g.format(term)``, with a space before each "(" glued to a word or ")" where the
    grammar juxtaposes and the spaced text parses back to ``term``.

    >>> g = Grammar('?start: e\\n?e: e a -> app\\n    | a\\n?a: NAME -> var | "(" e ")"\\n'
    ...             'NAME: /[a-z]+/\\n%import common.WS\\n%ignore WS\\n')
    >>> t = g.parse("f x (g x)"); g.format(t), spaced(g, t)
    ('f x(g x)', 'f x (g x)')
    """
    text = g.format(term)
    if not juxtaposes(g) or not _GLUED.search(text):
        return text
    wide = _GLUED.sub(" (", text)
    try:
        same = g.parse(wide) == term
    except AutomathError:
        same = False
    return wide if same else text
