"""An independent proof checker: replays proof steps against a problem's axioms.

Shares no code with the generator: substitution, variable order and alpha-equivalence are
recomputed here on plain terms. Also prints proofs as numbered steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from automath.core.errors import AutomathError
from automath.core.term import Term
from automath.proofs.problem import Problem

OPEN_RULES = frozenset({"rw", "sym", "trans", "refl"})
"""Rules whose statements may have variables (universally quantified, as in the axioms)."""


class ProofCheckError(AutomathError):
    """A proof step that does not follow from its premises and the axioms.

    >>> str(ProofCheckError("step 3 (sym): does not follow from its premises"))
    'step 3 (sym): does not follow from its premises'
    """


@dataclass(frozen=True)
class Step:
    """One proof step: rule, premise step numbers, term arguments and the statement proved.

    Variables of quantified statements are ``?0, ?1, ...`` in order of first appearance.

    >>> m = Term("var", token="m")
    >>> Step("refl", (), (m,), m, m).rule
    'refl'
    """

    rule: str
    premises: tuple[int, ...]
    terms: tuple[Term, ...]
    lhs: Term
    rhs: Term
    axiom: int | None = None


def check_proof(problem: Problem, steps: list[Step]) -> None:
    """Replay ``steps`` against the problem's axioms; the last must state the goal.

    Shares no code with the generator: substitution, variable order and alpha-equivalence are
    recomputed here on plain terms. Raises ``ProofCheckError`` naming the failing step.

    >>> p = Problem.load("monoid-identities")
    >>> ax = Step("axiom", (), (), *p.axioms[0], axiom=0)
    >>> check_proof(p, [ax, Step("sym", (0,), (), p.axioms[0][0], p.axioms[0][0])])
    Traceback (most recent call last):
    ...
    automath.proofs.checker.ProofCheckError: step 2 (sym): does not follow from its premises
    """
    consts = set(problem.constants)
    done: list[tuple[Term, Term]] = []
    for n, s in enumerate(steps, 1):
        if any(not 0 <= k < len(done) for k in s.premises):
            raise ProofCheckError(f"step {n} ({s.rule}): refers to a later or missing step")
        for t in s.terms:
            _well_formed(problem, t, consts, n, open_ok=s.rule != "inst")
        if s.rule in OPEN_RULES:
            for t in (s.lhs, s.rhs):
                _well_formed(problem, t, consts, n, open_ok=True)
        want = _conclusion(problem, s, [done[k] for k in s.premises], consts)
        if want is None or (want != (s.lhs, s.rhs)
                            and _alpha(want, consts) != _alpha((s.lhs, s.rhs), consts)):
            raise ProofCheckError(f"step {n} ({s.rule}): does not follow from its premises")
        done.append((s.lhs, s.rhs))
    if problem.goal is not None and (not done or done[-1] != problem.goal):
        raise ProofCheckError("the last step does not state the goal")


def _conclusion(problem: Problem, s: Step, prem: list[tuple[Term, Term]],
                consts: set[Term]) -> tuple[Term, Term] | None:
    closed = all(not _vars(side, consts) for eq in prem for side in eq)
    if s.rule == "axiom":
        ok = s.axiom is not None and 0 <= s.axiom < len(problem.axioms) and not prem
        return problem.axioms[s.axiom] if ok else None
    if s.rule == "inst" and len(prem) == 1 and len(s.terms) == 1:
        names = _vars(prem[0][0], consts) + _vars(prem[0][1], consts)
        return tuple(_subst(t, names[0], s.terms[0]) for t in prem[0]) if names else None
    if s.rule == "rw" and len(prem) == 1:  # open terms: their variables are universal
        ok = _rewrites(prem[0], s.lhs, s.rhs, consts)
        return (s.lhs, s.rhs) if ok else None
    if s.rule == "sym" and len(prem) == 1:
        return prem[0][1], prem[0][0]
    if s.rule == "trans" and len(prem) == 2 and prem[0][1] == prem[1][0]:
        return prem[0][0], prem[1][1]
    if s.rule == "refl" and len(s.terms) == 1 and not prem:
        return s.terms[0], s.terms[0]
    if not closed:
        return None
    if s.rule.startswith("cong") and len(prem) == 1:
        return _congruence(problem, s, prem[0])
    return None


def _rewrites(eq: tuple[Term, Term], s: Term, t: Term, consts: set[Term]) -> bool:
    """Whether ``t`` is ``s`` with one subterm ``lσ`` replaced by ``rσ`` for the equation
    ``l = r`` (either way round), ``σ`` any substitution of its variables. Only positions
    above every difference of ``s`` and ``t`` can be the one rewritten."""
    while True:
        for lhs, rhs in (eq, eq[::-1]):
            binding: dict[str, Term] = {}
            if _match(lhs, s, binding, consts) and _match(rhs, t, binding, consts):
                return True
        if s.op != t.op or s.token != t.token or len(s.args) != len(t.args):
            return False
        diff = [k for k, (a, b) in enumerate(zip(s.args, t.args, strict=True)) if a != b]
        if len(diff) != 1:
            return s == t
        s, t = s.args[diff[0]], t.args[diff[0]]


def _match(pattern: Term, t: Term, binding: dict[str, Term], consts: set[Term]) -> bool:
    """Extend ``binding`` (variable name to term) so that ``pattern`` under it is ``t``."""
    if not pattern.args and pattern.op == "var" and pattern not in consts:
        name = str(pattern.token)
        if name in binding:
            return binding[name] == t
        binding[name] = t
        return True
    if (pattern.op, pattern.token, len(pattern.args)) != (t.op, t.token, len(t.args)):
        return False
    return all(_match(p, a, binding, consts) for p, a in zip(pattern.args, t.args, strict=True))


def _congruence(problem: Problem, s: Step, eq: tuple[Term, Term]) -> tuple[Term, Term] | None:
    slot, _, op = s.rule[4:].partition(":")
    con = problem.grammar.constructors.get(op)
    if con is None or not slot.isdigit() or len(s.terms) != con.arity - 1 \
            or int(slot) >= con.arity:
        return None
    k = int(slot)

    def put(side: Term) -> Term:
        return Term(op, s.terms[:k] + (side,) + s.terms[k:])

    return put(eq[0]), put(eq[1])


def _vars(term: Term, consts: set[Term]) -> list[str]:
    seen: list[str] = []
    stack = [term]
    while stack:
        t = stack.pop()
        if not t.args and t not in consts and t.op == "var" and t.token not in seen:
            seen.append(str(t.token))
        stack.extend(reversed(t.args))
    return seen


def _subst(term: Term, name: str, value: Term) -> Term:
    if not term.args:
        return value if term.op == "var" and term.token == name else term
    return Term(term.op, tuple(_subst(a, name, value) for a in term.args), term.token)


def _alpha(eq: tuple[Term, Term], consts: set[Term]) -> tuple[Term, Term]:
    names = _vars(eq[0], consts)
    names += [v for v in _vars(eq[1], consts) if v not in names]
    out = eq
    for k, v in enumerate(names):  # two passes avoid clashes with existing names
        out = tuple(_subst(t, v, Term("var", token=f"#tmp{k}")) for t in out)
    for k in range(len(names)):
        out = tuple(_subst(t, f"#tmp{k}", Term("var", token=f"#{k}")) for t in out)
    return out


def _well_formed(problem: Problem, t: Term, consts: set[Term], n: int,
                 open_ok: bool = False) -> None:
    if not t.args:
        if t not in consts and not (open_ok and t.op == "var"):
            raise ProofCheckError(f"step {n}: term argument uses {t.token or t.op!r}, "
                                  f"not a constant")
        return
    con = problem.grammar.constructors.get(t.op)
    if con is None or con.arity != len(t.args):
        raise ProofCheckError(f"step {n}: {t.op!r} is not an operator of arity {len(t.args)}")
    for a in t.args:
        _well_formed(problem, a, consts, n, open_ok)


def format_steps(problem: Problem, steps: list[Step]) -> str:
    """Steps as numbered lines: statement, then rule, premises and term arguments.

    >>> p = Problem.load("monoid-identities")
    >>> print(format_steps(p, [Step("axiom", (), (), *p.axioms[0], axiom=0)]))
     1. ∀ a. e_l * a = a    axiom 1
    """
    fmt, consts = problem.grammar.format, set(problem.constants)
    names = [c for c in "abcdefghijklpqrstuvwxyz" if Term("var", token=c) not in consts]
    lines = []
    for n, s in enumerate(steps, 1):
        vs = _vars(s.lhs, consts) + [v for v in _vars(s.rhs, consts) if v not in _vars(s.lhs,
                                                                                       consts)]
        lhs, rhs = s.lhs, s.rhs
        for k, v in enumerate(vs):
            lhs, rhs = (_subst(t, v, Term("var", token=f"#{k}")) for t in (lhs, rhs))
        for k in range(len(vs)):
            lhs, rhs = (_subst(t, f"#{k}", Term("var", token=names[k])) for t in (lhs, rhs))
        head = f"∀ {' '.join(names[: len(vs)])}. " if vs else ""
        why = f"axiom {s.axiom + 1}" if s.rule == "axiom" else s.rule
        why += "".join(f" {k + 1}" for k in s.premises)
        why += "".join(f" [{fmt(t)}]" for t in s.terms)
        lines.append(f"{n:>2}. {head}{fmt(lhs)} = {fmt(rhs)}    {why}")
    return "\n".join(lines)
