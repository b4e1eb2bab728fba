"""TPTP out: a problem as TPTP CNF, a proof as TSTP-like ``cnf`` steps with SZS lines.

Symbols keep their names, quoted unless they are lower-case words; a grammar's nullary
constructor ``unit`` is ``c_unit`` (as in ``problems/ueq``); variables become ``X, Y, Z, ...``
per formula. ``automath.proofs.tptp`` reads the problem text back to the same problem.

>>> from automath.proofs.problem import Problem
>>> print(problem_tptp(Problem.load("monoid-identities")).splitlines()[-1])
cnf(goal, negated_conjecture, e_l != e_r).
"""

from __future__ import annotations

import re

from automath.core.term import Term
from automath.proofs.checker import Step
from automath.proofs.problem import Problem
from automath.proofs.tptp import atom

VARS = ("X", "Y", "Z", "U", "V", "W")
SZS = {"proved": "Theorem", "saturated": "CounterSatisfiable", "budget": "GaveUp"}
"""SZS status of a run's ``stats["status"]`` (a saturated set without the goal: not a
consequence; a rejected proof reads as ``GaveUp`` too)."""


class Names:
    """TPTP names of a problem's symbols: constants by token, nullary constructors ``c_op``,
    operators by alias; a clash gets a ``c_`` prefix until it is free.

    >>> Names(Problem.load("monoid-identities")).term(Term("var", token="x"), {})
    'X'
    """

    def __init__(self, problem: Problem) -> None:
        self.consts, self.names, taken = set(problem.constants), {}, set()
        keys = [_key(c) for c in problem.constants]
        keys += [k for eq in problem.axioms + ((problem.goal,) if problem.goal else ())
                 for side in eq for k in _ops(side)]
        for key in dict.fromkeys(keys):
            name = key[1] if key[0] == "const" else f"c_{key[1]}" if key[2] == 0 else key[1]
            while name in taken:
                name = f"c_{name}"
            taken.add(name)
            self.names[key] = name

    def term(self, t: Term, ren: dict[str, str]) -> str:
        """``t`` in TPTP syntax; variables named in ``ren`` (filled as met)."""
        if not t.args and t not in self.consts and t.op == "var":
            k = len(ren)
            return ren.setdefault(str(t.token), VARS[k] if k < len(VARS) else f"X{k}")
        name = atom(self.names.get(_key(t), str(t.token or t.op)))
        if not t.args:
            return name
        return f"{name}({','.join(self.term(a, ren) for a in t.args)})"

    def equation(self, lhs: Term, rhs: Term, sign: str = "=") -> str:
        """``lhs = rhs`` (or ``!=``) with its variables named X, Y, Z, ..."""
        ren: dict[str, str] = {}
        return f"{self.term(lhs, ren)} {sign} {self.term(rhs, ren)}"


def _key(t: Term) -> tuple:
    if t.op == "var" and not t.args:
        return ("const", str(t.token))
    return ("op", t.op, len(t.args))


def _ops(t: Term) -> list[tuple]:
    if t.op == "var" and not t.args:
        return []
    return [_key(t)] + [k for a in t.args for k in _ops(a)]


def problem_tptp(problem: Problem) -> str:
    """The problem as TPTP CNF: one ``axiom`` per equation, the goal negated."""
    names = Names(problem)
    lines = [f"% {problem.name}: {len(problem.axioms)} axioms"
             + (f", goal {problem.goal_text}" if problem.goal_text else ", no goal")]
    lines += [f"cnf(ax{k}, axiom, {names.equation(*eq)})."
              for k, eq in enumerate(problem.axioms, 1)]
    if problem.goal:
        lines.append(f"cnf(goal, negated_conjecture, {names.equation(*problem.goal, '!=')}).")
    return "\n".join(lines)


def proof_tstp(problem: Problem, proof: list[Step] | None, status: str = "proved",
               source: str | None = None) -> str:
    """A run's SZS status and, when proved, its checker steps as ``cnf`` lines: axioms cite the
    file (``source``) and ``axN`` as in ``problem_tptp``, other steps
    ``inference(rule, [status(thm)], [premises])``."""
    proved = proof is not None and status == "proved"
    szs = "Theorem" if proved else "GaveUp" if status == "proved" else SZS.get(status, "GaveUp")
    head = [f"% SZS status {szs} for {problem.name}"]
    if not proved:
        return head[0]
    names = Names(problem)
    body = [_step(names, n, s, source or problem.name) for n, s in enumerate(proof, 1)]
    return "\n".join(head + [f"% SZS output start Proof for {problem.name}", *body,
                             f"% SZS output end Proof for {problem.name}"])


def _step(names: Names, n: int, s: Step, source: str) -> str:
    eq = names.equation(s.lhs, s.rhs)
    if s.rule == "axiom":
        return f"cnf(c_{n}, axiom, {eq}, file({atom(source)}, ax{(s.axiom or 0) + 1}))."
    rule = re.sub(r"[^A-Za-z0-9_]", "_", s.rule)
    prem = ", ".join(f"c_{k + 1}" for k in s.premises)
    return f"cnf(c_{n}, plain, {eq}, inference({rule}, [status(thm)], [{prem}]))."
