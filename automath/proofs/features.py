"""Features of an equation for learned clause selection, blind to the symbols' names.

As in ENIGMA (Jakubův and Urban, "ENIGMA: Efficient Learning-Based Inference Guiding
Machine", 2017), a clause is described by counts, here anonymous ones so that what is learned
on one signature applies to another: how big each side is, how many variables occur and how
often, how many symbols are the goal's, how deep the terms go and how the sides relate. A
``Flat`` term is a variable (an ``int``) or a tuple ``(symbol, *arguments)``.

>>> names = FEATURES[:4]
>>> dict(zip(names, equation_features((0, 1, (1, 1)), 1, {0})))
{'nodes': 5.0, 'var_occurrences': 3.0, 'distinct_vars': 1.0, 'repeated_vars': 1.0}
"""

from __future__ import annotations

from automath.proofs.terms import Flat

FEATURES = ("nodes", "var_occurrences", "distinct_vars", "repeated_vars", "goal_symbols",
            "other_symbols", "constants", "unary", "binary", "wider", "depth", "size_gap",
            "variable_side", "same_top", "ground", "nodes_squared")
"""Feature names, in the order ``equation_features`` returns them."""


class _Counts:
    """Counts gathered in one walk over both sides."""

    def __init__(self, goal: set[int]) -> None:
        self.goal, self.nodes, self.vars, self.goal_hits = goal, 0, {}, 0
        self.arity = [0, 0, 0, 0]  # nullary, unary, binary, wider

    def walk(self, t: Flat, depth: int = 1) -> int:
        """Count ``t``'s nodes; its depth."""
        self.nodes += 1
        if type(t) is int:
            self.vars[t] = self.vars.get(t, 0) + 1
            return depth
        self.goal_hits += t[0] in self.goal
        self.arity[min(len(t) - 1, 3)] += 1
        return max([depth] + [self.walk(a, depth + 1) for a in t[1:]])


def equation_features(s: Flat, t: Flat, goal_symbols: set[int]) -> list[float]:
    """The feature vector of ``s = t`` (``FEATURES`` order); ``goal_symbols``: the goal's.

    >>> f = dict(zip(FEATURES, equation_features((2, 0), 0, set())))
    >>> f["unary"], f["variable_side"], f["goal_symbols"], f["size_gap"]
    (1.0, 1.0, 0.0, 1.0)
    """
    c = _Counts(goal_symbols)
    depth = c.walk(s)
    left = c.nodes
    depth = max(depth, c.walk(t))
    right = c.nodes - left
    occ = sum(c.vars.values())
    symbols = c.nodes - occ
    same_top = type(s) is not int and type(t) is not int and s[0] == t[0]
    return [float(v) for v in (
        c.nodes, occ, len(c.vars), sum(n > 1 for n in c.vars.values()), c.goal_hits,
        symbols - c.goal_hits, *c.arity, depth, abs(left - right),
        type(s) is int or type(t) is int, same_top, not c.vars, c.nodes * c.nodes / 10)]
