"""Domains: a grammar, its atoms, a value kind and semantics — everything a loop runs on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy
import torch

from automath.core.catalog import make_kind
from automath.core.errors import AutomathError, ExpressionError
from automath.core.grammar import Grammar
from automath.core.interpret import evaluate
from automath.core.kinds import Kind
from automath.core.objective import ExpectedScore
from automath.core.parsing import parse_sympy
from automath.core.semantics import DEFAULT_SEMANTICS, Semantics
from automath.core.store import MAX_ARITY, Store
from automath.core.term import Term

# Shipped domain presets: the atoms, value kind and default target of each shipped grammar.
PRESETS: dict[str, dict[str, str]] = {
    "arith": {"atoms": "x,1", "kind": "real", "target": "x*x*x + 2*x"},
    "trig": {"atoms": "x,1", "kind": "real", "target": "sin(x)*x + cos(x)"},
    "semiring": {"atoms": "x,y,0,1", "kind": "modp", "target": "(x + y)*(x + y)"},
    "logic": {"atoms": "p,q,r", "kind": "bool", "target": "(p -> q) & (q -> r)"},
    "monoid": {"atoms": "x,y", "kind": "perm", "target": "x*y*x*y"},
    "sequence": {"atoms": "n,1,2", "kind": "seq", "target": "n*(n+1)/2"},
    "ring": {"atoms": "x,y,0,1", "kind": "modp", "target": "x*y + -x"},
    "minmax": {"atoms": "x,y,z", "kind": "int", "target": "max(x, min(y, z))"},
    "nguyen": {"atoms": "x", "kind": "real", "target": "x*sin(x) + x"},
}


@dataclass(frozen=True)
class Domain:
    """A grammar with atoms, a value kind and semantics.

    >>> d = Domain.create("arith", atoms="x,1")
    >>> d.rules, [d.grammar.format(a) for a in d.atoms]
    (('add', 'sub', 'mul', 'div', 'neg'), ['x', '1'])
    """

    grammar: Grammar
    atoms: tuple[Term, ...]
    kind: Kind
    semantics: Semantics
    rules: tuple[str, ...]

    def __repr__(self) -> str:
        """One line: the grammar, the atoms as written, the kind and the rules.

        >>> Domain.create("arith", atoms="x,1")
        Domain('arith': atoms x, 1; kind real(k=16, seed=0); rules add, sub, mul, div, neg)
        """
        atoms = ", ".join(self.grammar.format(a) for a in self.atoms)
        return (f"Domain({self.grammar.name!r}: atoms {atoms}; kind {self.kind.describe()}; "
                f"rules {', '.join(self.rules)})")

    @classmethod
    def create(cls, grammar: str | Path | Grammar = "arith",
               atoms: str | Sequence[str] | None = None, kind: str | None = None,
               *, k: int = 16, seed: int = 0, device: str = "cpu",
               semantics: Semantics | None = None) -> Domain:
        """Build a domain; a shipped grammar's preset fills in atoms and kind.

        >>> d = Domain.create("logic")
        >>> d.kind.name, [d.grammar.format(a) for a in d.atoms]
        ('bool', ['p', 'q', 'r', 'True', 'False'])
        >>> Domain.create("arith", atoms="x,1", kind="modp", k=4).kind.describe()
        'modp(k=4, seed=0)'
        """
        g = grammar if isinstance(grammar, Grammar) else Grammar.load(grammar)
        preset = PRESETS.get(g.name, {})
        atoms = atoms if atoms is not None else preset.get("atoms", "")
        names = [a.strip() for a in (atoms.split(",") if isinstance(atoms, str) else atoms)]
        terms = tuple(g.parse(a) for a in names if a)
        sem = semantics or DEFAULT_SEMANTICS
        _check_arity(g)
        _check_semantics(g, sem)
        kind_name = kind or preset.get("kind", "real")
        variables = tuple(dict.fromkeys(v for t in terms for v in t.variables()))
        kobj = make_kind(kind_name, k=k, seed=seed, device=device, variables=variables)
        rules = tuple(a for a, c in g.constructors.items() if c.arity > 0)
        nullary = tuple(Term(a) for a, c in g.constructors.items() if c.arity == 0)
        for r in rules:
            sem.kernel(r, kobj.family)
        return cls(g, terms + nullary, kobj, sem, rules)

    def new_store(self) -> Store:
        """An empty store for this domain holding the atoms (ids 0, 1, ...).

        >>> s = Domain.create("arith", atoms="x,1").new_store()
        >>> len(s), sorted(str(t) for t in s.leaves.values())
        (2, ['1', 'x'])
        """
        store = Store(self.kind, self.semantics, self.rules)
        ids = store.add_atoms(list(self.atoms))
        if (ids < 0).any():
            raise AutomathError("an atom has no valid value in this kind (NaN, inf, overflow)")
        return store

    def parse(self, text: str) -> Term:
        """Parse text in the domain's grammar.

        >>> t = Domain.create("arith", atoms="x,1").parse("x * (x + 1)"); str(t), t.size
        ('mul(x, add(x, 1))', 5)
        """
        return self.grammar.parse(text)

    def evaluate(self, text_or_term: str | Term | sympy.Basic) -> torch.Tensor:
        """Values of an expression at the kind's samples (without storing it).

        >>> d = Domain.create("arith", atoms="x,1", k=4); x = d.kind.variable("x")
        >>> bool(torch.allclose(d.evaluate("x * (x + 1)"), x * x + x))
        True
        >>> bool(torch.allclose(d.evaluate(sympy.sin(sympy.Symbol("x"))), x.sin()))
        True
        >>> Domain.create("logic").evaluate("p & q").tolist()
        [False, False, False, False, False, False, True, True]
        """
        if isinstance(text_or_term, sympy.Basic):
            return self._evaluate_sympy(text_or_term)
        term = self.parse(text_or_term) if isinstance(text_or_term, str) else text_or_term
        return evaluate(term, self.kind, self.semantics)

    def _evaluate_sympy(self, expr: sympy.Basic) -> torch.Tensor:
        if self.kind.name != "real":
            raise ExpressionError("sympy targets need the 'real' kind; write the target in "
                                  "the grammar's own syntax instead")
        syms = sorted(expr.free_symbols, key=str)
        f = sympy.lambdify(syms, expr, "numpy")
        vals = f(*(self.kind.variable(str(s)).cpu().numpy() for s in syms))
        return torch.as_tensor(vals, dtype=torch.float64).expand(self.kind.shape).clone()

    def target_values(self, text: str) -> torch.Tensor:
        """Values of a target given in the grammar's syntax or, for reals, in sympy syntax
        (read by :func:`~automath.core.parsing.parse_sympy`, which evaluates nothing).

        >>> d = Domain.create("arith", atoms="x,1", k=4)
        >>> bool(torch.allclose(d.target_values("x**3"), d.evaluate("x * x * x")))
        True
        >>> d.target_values("x +* 1")
        Traceback (most recent call last):
        ...
        automath.core.errors.ExpressionError: target 'x +* 1' parses neither in grammar 'arith' \
nor as sympy: invalid syntax (at token '*')
        >>> d.target_values("__import__('os').system('touch MARKER')")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        automath.core.errors.ExpressionError: target "__import__('os')..." parses neither in \
grammar 'arith' nor as sympy: ...only these functions can be called...
        """
        try:
            return self.evaluate(text)
        except ExpressionError:
            if self.kind.name != "real":
                raise
            try:
                expr = parse_sympy(text)
            except ExpressionError as e:
                why = e.message.partition("sympy expression: ")[2] or e.message
                raise ExpressionError(f"target {text!r} parses neither in grammar "
                                      f"{self.grammar.name!r} nor as sympy: {why}",
                                      token=e.token) from None
            return self.evaluate(expr)


def _check_semantics(g: Grammar, sem: Semantics) -> None:
    """Refuse an alias without semantics, or whose arity differs from its operator's (a unary
    ``-> add`` would crash the run's kernel).

    >>> _check_semantics(Grammar('?start: e\\n?e: "+" e -> add | "u" -> unit'), DEFAULT_SEMANTICS)
    Traceback (most recent call last):
    automath.core.errors.GrammarError: <text>:2: alias 'add' takes 1 argument here; its \
operator takes 2 (rename the alias or give it semantics of that arity) (at token 'add')
    """
    from automath.core.errors import GrammarError
    missing = [a for a in g.constructors if a not in sem]
    if missing:
        raise GrammarError(f"alias {missing[0]!r} has no semantics; map it with "
                           f"Semantics().with_op({missing[0]!r}, Op(...))",
                           file=g.path or g.name, line=_alias_line(g, missing[0]),
                           token=missing[0])
    _check_op_arity(g, sem)


def _check_op_arity(g: Grammar, sem: Semantics) -> None:
    from automath.core.errors import GrammarError
    for alias, con in g.constructors.items():
        if sem[alias].arity != con.arity:
            raise GrammarError(f"alias {alias!r} takes {con.arity} argument"
                               f"{'' if con.arity == 1 else 's'} here; its operator takes "
                               f"{sem[alias].arity} (rename the alias or give it semantics of "
                               "that arity)", file=g.path or g.name, line=_alias_line(g, alias),
                               token=alias)


def _check_arity(g: Grammar) -> None:
    """Refuse a constructor the engine's store cannot hold (more than 2 arguments).

    >>> _check_arity(Grammar('?start: e\\n?e: "f" "(" e "," e "," e ")" -> f\\n  | "x" -> x'))
    Traceback (most recent call last):
    ...
    automath.core.errors.GrammarError: <text>:2: alias 'f' takes 3 arguments; the engine \
supports constructors of arity 0, 1 and 2 (at token 'f')
    """
    for alias, con in g.constructors.items():
        if con.arity > MAX_ARITY:
            from automath.core.errors import GrammarError
            raise GrammarError(f"alias {alias!r} takes {con.arity} arguments; the engine "
                               "supports constructors of arity 0, 1 and 2",
                               file=g.path or g.name, line=_alias_line(g, alias), token=alias)


def _alias_line(g: Grammar, alias: str) -> int:
    """The first line of the grammar text defining ``alias`` (``-> alias``), or 0.

    >>> _alias_line(Grammar.load("arith"), "mul")
    8
    """
    pattern = re.compile(rf"->\s*{re.escape(alias)}\b")
    for n, line in enumerate(g.text.splitlines(), 1):
        if pattern.search(line):
            return n
    return 0


def preset_target(domain: Domain, target: str | None = None) -> str | None:
    """``target``, or else the shipped grammar's preset target (None for a user grammar).

    >>> d = Domain.create("arith", atoms="x,1")
    >>> preset_target(d), preset_target(d, "x + 1")
    ('x*x*x + 2*x', 'x + 1')
    """
    return target or PRESETS.get(domain.grammar.name, {}).get("target")


def closeness(domain: Domain, target: str) -> ExpectedScore:
    """Score = closeness of each element to a target at the samples, in [0, 1].

    Reals: ``1 / (1 + mse / var)``; other kinds: the fraction of samples that agree.

    >>> d = Domain.create("arith", atoms="x,1")
    >>> s = d.new_store(); obj = closeness(d, "x + 1")
    >>> [round(v, 3) for v in obj.scores(s).tolist()]
    [0.182, 0.111]
    """
    want = domain.target_values(target)

    def score(store: Store, ids: torch.Tensor) -> torch.Tensor:
        vals = store.values[ids].flatten(1)
        t = want.to(vals.device).flatten()
        if domain.kind.family != "real":
            return (vals == t).double().mean(dim=1)
        mse = ((vals - t) ** 2).mean(dim=1)
        return 1.0 / (1.0 + mse / t.var().clamp_min(1e-12))

    return ExpectedScore(score)
