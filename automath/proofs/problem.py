"""Problems: axioms (equations over a grammar), constants, a goal and search settings.

A problem (``problems/*.toml``) names a grammar, constants, axioms (equations whose other names
are universally quantified variables) and an optional goal over the constants. Loading checks
every entry and names the file and line of the first that does not parse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from automath.core.errors import AutomathError, ExpressionError
from automath.core.grammar import Grammar, shipped_grammars
from automath.core.term import Term

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


SHIPPED = resources.files("automath") / "problems"


class ProblemError(AutomathError):
    """A problem file that does not load: bad TOML, an axiom that does not parse, ...

    >>> str(ProblemError("bad", file="p.toml", line=3))
    'p.toml:3: bad'
    """


@dataclass(frozen=True)
class Problem:
    """Axioms (equations over a grammar), constants, an optional goal and search settings.

    >>> p = Problem.load("monoid-identities")
    >>> p.grammar.name, [c.token for c in p.constants], p.goal_text
    ('monoid', ['e_l', 'e_r'], 'e_l = e_r')
    """

    name: str
    grammar: Grammar
    constants: tuple[Term, ...]
    axioms: tuple[tuple[Term, Term], ...]
    axiom_texts: tuple[str, ...]
    goal: tuple[Term, Term] | None = None
    goal_text: str | None = None
    weights: tuple[float, ...] = ()
    search: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        """Name, grammar, constants, axiom count and goal, not the term trees.

        >>> Problem.load("monoid-identities")
        Problem('monoid-identities', grammar='monoid', constants=['e_l', 'e_r'], axioms=2, \
goal='e_l = e_r')
        """
        names = [str(c.token if c.op == "var" else c.op) for c in self.constants]
        return (f"Problem({self.name!r}, grammar={self.grammar.name!r}, constants={names}, "
                f"axioms={len(self.axioms)}, goal={self.goal_text!r})")

    @classmethod
    def load(cls, spec: str | Path) -> Problem:
        """A shipped problem by name (see ``shipped_problems()``) or a ``.toml`` file (TPTP
        files: ``automath.proofs.prove.load`` or ``automath.proofs.tptp.read_tptp``)."""
        spec = str(spec)
        if spec.endswith((".p", ".tptp")):
            raise ProblemError(f"{spec}: a TPTP file; load it with automath.proofs.prove.load "
                               "or automath.proofs.tptp.read_tptp", file=spec)
        path = SHIPPED / f"{spec}.toml" if spec in shipped_problems() else Path(spec)
        if not path.is_file():
            raise ProblemError(f"no problem file {spec!r} and no shipped problem of that name "
                               f"(shipped: {', '.join(shipped_problems())})")
        text = path.read_text()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ProblemError(f"bad TOML: {e}", file=str(path)) from None
        return cls.from_dict(data, source=str(path), text=text)

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "<problem>", text: str = "") -> Problem:
        """Build a problem from the fields of a problem file.

        >>> Problem.from_dict({"constants": ["m"], "axioms": ["m*m = m"], "goal": "m = k"})
        Traceback (most recent call last):
        ...
        automath.proofs.problem.ProblemError: <problem>: goal 'm = k' uses unknown symbol 'k': \
it is neither a listed constant nor in an axiom (constants: m) (at token 'k')
        """
        where = _Where(source, text)
        g = data.get("grammar", "monoid")
        grammar = g if isinstance(g, Grammar) else load_grammar(where.relative(g))
        raw = data.get("constants", [])
        if not isinstance(raw, list):
            raise where.error("'constants' must be a list of names", "constants")
        consts = tuple(_constant(grammar, c, where) for c in raw)
        axioms = [_equation(grammar, a, f"axiom {n}", where)
                  for n, a in enumerate(where.require(data, "axioms"), 1)]
        nullary = {t for eq in axioms for side in eq for t in _leaves(side) if t.op != "var"}
        consts += tuple(sorted(nullary - set(consts), key=str))
        goal = data.get("goal")
        goal_eq = _equation(grammar, goal, "goal", where) if goal else None
        if goal_eq:
            _check_known(goal_eq, consts, goal, where, grammar)
        weights = _weights(data.get("weights", []), len(consts) + len(axioms), where)
        return cls(str(data.get("name", Path(source).stem)), grammar, consts, tuple(axioms),
                   tuple(data["axioms"]), goal_eq, goal, weights, dict(data.get("search", {})))

    def generator_weights(self) -> list[float]:
        """Initial weights of the generators (constants, then axioms): the file's ``weights``
        or half the mass on constants and half on axioms, each half uniform."""
        if self.weights:
            return list(self.weights)
        nc, na = len(self.constants), len(self.axioms)
        if not nc:
            return [1.0 / na] * na
        return [0.5 / nc] * nc + [0.5 / na] * na if na else [1.0 / nc] * nc

    def log_constant_weights(self) -> dict[str, float]:
        """Log weight of each constant in the statement model (normalized generator weights)."""
        w = self.generator_weights()[: len(self.constants)]
        w = [math.log(x / math.fsum(w)) if x else -math.inf for x in w]
        names = [str(c.token if c.op == "var" else c.op) for c in self.constants]
        return dict(zip(names, w, strict=True))


def load_grammar(spec: str) -> Grammar:
    """A grammar by name or ``.lark`` path; shipped ones are built once per process (building
    the parser costs about 0.1 s, more than a monoid run).

    >>> load_grammar("monoid") is load_grammar("monoid")
    True
    """
    return _shipped_grammar(spec) if spec in shipped_grammars() else Grammar.load(spec)


@cache
def _shipped_grammar(name: str) -> Grammar:
    return Grammar.load(name)


def shipped_problems() -> list[str]:
    """Names of the problems shipped with automath.

    >>> shipped_problems()
    ['czech-slovak', 'monoid-identities']
    """
    return sorted(p.name[:-5] for p in SHIPPED.iterdir() if p.name.endswith(".toml"))


class _Where:
    """A problem source: names the file and the line of an offending entry."""

    def __init__(self, source: str, text: str) -> None:
        self.source, self.text = source, text

    def line(self, snippet: str) -> int | None:
        found = [n for n, s in enumerate(self.text.splitlines(), 1) if snippet in s]
        return found[0] if found else None

    def error(self, message: str, snippet: str = "", offset: int | None = None,
              **kw: object) -> ProblemError:
        """An error at ``snippet``'s line (and ``offset`` columns into it) when it is found."""
        line = self.line(snippet) if snippet else None
        if line is None:
            return ProblemError(f"{self.source}: {message}", **kw)
        col = None if offset is None else self.text.splitlines()[line - 1].index(snippet) + offset
        return ProblemError(message, file=self.source, line=line, column=col, **kw)

    def require(self, data: dict, key: str) -> list:
        if not isinstance(data.get(key), list) or not data[key]:
            raise self.error(f"the problem needs a non-empty list {key!r}")
        return data[key]

    def relative(self, spec: str) -> str:
        near = Path(self.source).parent / spec
        return str(near) if spec.endswith(".lark") and near.exists() else spec


def _equation(grammar: Grammar, text: str, what: str, where: _Where) -> tuple[Term, Term]:
    parts = str(text).split("=")
    if len(parts) != 2:
        raise where.error(f"{what} {text!r} is not an equation 'lhs = rhs'", str(text))
    sides = []
    for k, part in enumerate(parts):
        try:
            sides.append(grammar.parse(part))
        except ExpressionError as e:
            col = (e.column or 1) + (len(parts[0]) + 1 if k else 0)
            raise where.error(f"{what} {text!r} does not parse at column {col}: {e.message}",
                              str(text), offset=col, token=e.token) from None
    return sides[0], sides[1]


def check_arity(problem: Problem, most: int = 2) -> None:
    """Refuse a grammar with an operator of more than ``most`` arguments (the lemma loop's
    limit; saturation takes any arity).

    >>> check_arity(Problem.load("monoid-identities"))
    """
    for alias, con in problem.grammar.constructors.items():
        if con.arity > most:
            raise ProblemError(f"operator {alias!r} of grammar {problem.grammar.name!r} takes "
                               f"{con.arity} arguments; the lemma loop handles at most {most}")


def _weights(raw: object, n: int, where: _Where) -> tuple[float, ...]:
    try:
        w = tuple(float(x) for x in raw)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        w = ()
    ok = (not raw) or (len(w) == n and all(x >= 0 and x < float("inf") for x in w) and sum(w))
    if not ok:
        raise where.error(f"weights must be {n} non-negative numbers (constants, then axioms)",
                          "weights")
    return w


def _constant(grammar: Grammar, name: str, where: _Where) -> Term:
    try:
        term = grammar.parse(str(name))
    except ExpressionError:
        term = None
    if term is None or term.args:
        raise where.error(f"constant {name!r} is not a symbol of grammar {grammar.name!r}",
                          str(name))
    return term


def _leaves(term: Term) -> list[Term]:
    return [term] if not term.args else [t for a in term.args for t in _leaves(a)]


def _check_known(eq: tuple[Term, Term], consts: tuple[Term, ...], text: str,
                 where: _Where, grammar: Grammar) -> None:
    for t in _leaves(eq[0]) + _leaves(eq[1]):
        if t not in consts:
            names = ", ".join(str(c.token or c.op) for c in consts)
            shown = str(t.token) if t.op == "var" else grammar.format(t)
            raise where.error(f"goal {text!r} uses unknown symbol {shown!r}: it is neither "
                              f"a listed constant nor in an axiom (constants: {names})", text,
                              token=shown)
