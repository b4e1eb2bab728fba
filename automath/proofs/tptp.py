"""TPTP unit-equality problems in: ``cnf``/``fof`` axioms and a goal become a ``Problem``.

Read: ``cnf(name, axiom, s = t)``, ``fof(name, axiom, ![X, Y]: (s = t & u = v))``, a goal as
``cnf(name, negated_conjecture, s != t)`` or ``fof(name, conjecture, ![X]: s = t)`` (its
variables become fresh constants), ``include('Axioms/...')`` (found beside the file, then under
``$TPTP``; an optional list selects formulas), ``%`` and ``/* */`` comments, quoted atoms.
Roles ``hypothesis``, ``definition``, ``assumption``, ``lemma`` and ``theorem`` count as axioms.
Anything outside unit equality (a disjunction, a predicate other than ``=``, a negated equation
among the axioms, an existential goal) is a ``ProblemError`` naming the file, line and token.

Terms: a variable is ``Term("var", token=NAME)``; every symbol of arity 0 is a constant
``Term("var", token=name)`` (listed in ``Problem.constants``); a symbol of arity n > 0 is
``Term(name, args)``. ``TptpGrammar`` prints and parses them in TPTP's prefix notation.

>>> p = read_tptp_text("cnf(a1, axiom, f(X, e) = X).\\ncnf(g, negated_conjecture, f(e, e) != e).")
>>> p.goal_text, [str(c) for c in p.constants]
('f(e, e) = e', ['e'])
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from automath.core.errors import ExpressionError
from automath.core.grammar import Constructor, Grammar
from automath.core.term import Term
from automath.proofs.problem import Problem, ProblemError

AXIOM_ROLES = frozenset({"axiom", "hypothesis", "definition", "assumption", "lemma", "theorem"})
GOAL_ROLES = frozenset({"conjecture", "negated_conjecture"})
LOWER = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
UPPER = re.compile(r"[A-Z][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<line>%[^\n]*) | (?P<block>/\*.*?\*/)
  | (?P<quoted>'(?:[^'\\]|\\.)*') | (?P<distinct>"(?:[^"\\]|\\.)*")
  | (?P<upper>[A-Z][A-Za-z0-9_]*) | (?P<lower>[a-z][A-Za-z0-9_]*)
  | (?P<dollar>\$\$?[a-z][A-Za-z0-9_]*) | (?P<num>[+-]?[0-9][0-9./eE+-]*)
  | (?P<punct><=>|<~>|=>|<=|~\||~&|!=|[()\[\],.:!?~&|=*+>@-])
""", re.S | re.X)


@dataclass(frozen=True)
class Tok:
    """A token: kind (``lower``, ``upper``, ``quoted``, ``punct``, ...), text and line."""

    kind: str
    text: str
    line: int

    @property
    def name(self) -> str:
        """The atom's name (a quoted atom without its quotes and escapes)."""
        if self.kind != "quoted":
            return self.text
        return re.sub(r"\\(.)", r"\1", self.text[1:-1])


def tokens(text: str, file: str) -> list[Tok]:
    """TPTP text as tokens, comments and blanks dropped.

    >>> [t.text for t in tokens("cnf(a, axiom, f(X) = 'b c'). % note", "p")][:6]
    ['cnf', '(', 'a', ',', 'axiom', ',']
    """
    out, pos, line = [], 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ProblemError("unexpected character", file=file, line=line, token=text[pos])
        kind = m.lastgroup or ""
        if kind not in ("ws", "line", "block"):
            out.append(Tok(kind, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    return out


class TptpGrammar(Grammar):
    """The symbols of a TPTP problem as a grammar: prefix terms ``f(a, X)``, printed and parsed.

    >>> g = TptpGrammar({"f": 2}, {"e"})
    >>> t = g.parse("f(X, e)"); t.args[1], g.format(t)
    (Term(op='var', args=(), token='e'), 'f(X, e)')
    """

    def __init__(self, arities: dict[str, int], constants: set[str] = frozenset(),
                 name: str = "tptp") -> None:  # no lark parser: terms are TPTP's own syntax
        self.text, self.path, self.name, self.constants = "", None, name, set(constants)
        self.constructors = {op: Constructor(op, n, _template(op, n), "term")
                             for op, n in arities.items() if n > 0}
        self.atoms = {"var": "NAME"}

    def parse(self, text: str) -> Term:
        """A term in TPTP syntax; an upper-case name is a variable."""
        reader = _Reader(tokens(text, "<expression>"), "<expression>")
        term = reader.term()
        if reader.peek() is not None:
            tok = reader.peek()
            raise ExpressionError("unexpected text after the term", file="<expression>",
                                  line=tok.line, token=tok.text)
        return _to_term(term, self.constants)

    def format(self, term: Term) -> str:
        """The term in TPTP syntax (names that are not lower-case words quoted)."""
        if not term.args:
            name = str(term.token if term.op == "var" else term.op)
            return atom(name) if term.op != "var" or name in self.constants else name
        return f"{atom(term.op)}({', '.join(self.format(a) for a in term.args)})"


def atom(name: str) -> str:
    """A TPTP functor or constant: the name, quoted unless it is a lower-case word.

    >>> atom("mul"), atom("my op"), atom("X")
    ('mul', "'my op'", "'X'")
    """
    if LOWER.match(name):
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _template(op: str, n: int) -> tuple[tuple[str, str], ...]:
    slots = [("slot", "term")] + [x for _ in range(n - 1) for x in (("lit", ","), ("slot", "term"))]
    return (("lit", op), ("lit", "("), *slots, ("lit", ")"))


def read_tptp(path: str | Path) -> Problem:
    """A TPTP problem file (``.p``/``.tptp``) as a ``Problem``."""
    path = Path(path)
    if not path.is_file():
        raise ProblemError(f"no TPTP file {str(path)!r}")
    return read_tptp_text(path.read_text(), str(path), name=path.stem)


def read_tptp_text(text: str, file: str = "<tptp>", name: str | None = None) -> Problem:
    """TPTP text as a ``Problem`` (includes are found relative to ``file``)."""
    formulas = _Reader(tokens(text, file), file).formulas(set())
    return _Builder(file).problem(formulas, name or Path(file).stem)


# ---- reading ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Formula:
    """An annotated formula: language, name, role, body (a nested tuple) and its first token."""

    lang: str
    name: str
    role: str
    body: tuple
    tok: Tok
    file: str


class _Reader:
    """Recursive descent over a token list (one file)."""

    def __init__(self, toks: list[Tok], file: str) -> None:
        self.toks, self.pos, self.file = toks, 0, file

    def peek(self, k: int = 0) -> Tok | None:
        return self.toks[self.pos + k] if self.pos + k < len(self.toks) else None

    def error(self, message: str, tok: Tok | None = None) -> ProblemError:
        tok = tok or self.peek() or (self.toks[-1] if self.toks else Tok("end", "", 1))
        return ProblemError(message, file=self.file, line=tok.line, token=tok.text or "<end>")

    def take(self, want: str | None = None) -> Tok:
        tok = self.peek()
        if tok is None or (want is not None and tok.text != want):
            raise self.error(f"expected {want!r}" if want else "unexpected end of input")
        self.pos += 1
        return tok

    def formulas(self, seen: set[str]) -> list[Formula]:
        """Every annotated formula of the file, includes expanded."""
        out: list[Formula] = []
        while self.peek() is not None:
            head = self.take()
            if head.text == "include":
                out += self._include(head, seen)
            elif head.text in ("cnf", "fof"):
                out.append(self._annotated(head))
            else:
                raise self.error("expected cnf(...), fof(...) or include(...); only unit "
                                 "equality in CNF or FOF is read", head)
        return out

    def _annotated(self, head: Tok) -> Formula:
        self.take("(")
        name, _ = self.take().name, self.take(",")
        role = self.take()
        self.take(",")
        body = self.formula()
        depth = 0
        while depth or self.peek() is not None and self.peek().text != ")":
            t = self.take()  # annotations (source, useful info) are skipped
            depth += (t.text in "([") - (t.text in ")]")
        self.take(")")
        self.take(".")
        return Formula(head.text, name, role.text, body, role, self.file)

    def _include(self, head: Tok, seen: set[str]) -> list[Formula]:
        self.take("(")
        spec = self.take()
        names: set[str] | None = None
        if self.peek() is not None and self.peek().text == ",":
            self.take(",")
            self.take("[")
            names = set()
            while self.peek() is not None and self.peek().text != "]":
                tok = self.take()
                if tok.text != ",":
                    names.add(tok.name)
            self.take("]")
        self.take(")")
        self.take(".")
        path = self._find(spec)
        if str(path.resolve()) in seen:
            raise self.error("include cycle", spec)
        sub = _Reader(tokens(path.read_text(), str(path)), str(path))
        got = sub.formulas(seen | {str(path.resolve())})
        return [f for f in got if names is None or f.name in names]

    def _find(self, spec: Tok) -> Path:
        here = Path(self.file).parent / spec.name
        root = os.environ.get("TPTP")
        for path in (here, Path(root) / spec.name if root else None):
            if path is not None and path.is_file():
                return path
        raise self.error(f"included file not found beside {self.file!r} nor under $TPTP "
                         f"({root or 'unset'})", spec)

    # formulas: ("eq"|"neq", s, t, tok), ("not", f, tok), ("and"|"or"|op, [f...], tok),
    # ("all"|"some", [names], f, tok), ("pred", term, tok); terms: ("app"|"var", name, args, tok)

    def formula(self) -> tuple:
        first = self.unit()
        tok = self.peek()
        if tok is None or tok.text not in ("&", "|", "=>", "<=", "<=>", "<~>", "~|", "~&"):
            return first
        parts = [first]
        while self.peek() is not None and self.peek().text == tok.text:
            self.take()
            parts.append(self.unit())
        return ("and" if tok.text == "&" else "or" if tok.text == "|" else tok.text, parts, tok)

    def unit(self) -> tuple:
        tok = self.peek()
        if tok is None:
            raise self.error("unexpected end of formula")
        if tok.text == "(":
            self.take()
            inner = self.formula()
            self.take(")")
            return inner
        if tok.text == "~":
            self.take()
            return ("not", self.unit(), tok)
        if tok.text in ("!", "?"):
            return self._quantified()
        s = self.term()
        nxt = self.peek()
        if nxt is not None and nxt.text in ("=", "!="):
            self.take()
            return ("eq" if nxt.text == "=" else "neq", s, self.term(), nxt)
        return ("pred", s, tok)

    def _quantified(self) -> tuple:
        tok = self.take()
        self.take("[")
        names = [self.take().text]
        while self.peek() is not None and self.peek().text == ",":
            self.take()
            names.append(self.take().text)
        self.take("]")
        self.take(":")
        return ("all" if tok.text == "!" else "some", names, self.unit(), tok)

    def term(self) -> tuple:
        tok = self.take()
        if tok.kind == "upper":
            return ("var", tok.text, (), tok)
        if tok.kind not in ("lower", "quoted"):
            raise self.error("expected a term (a variable, a constant or f(...)); numbers, "
                             "$-symbols and \"distinct objects\" are outside unit equality", tok)
        args = []
        if self.peek() is not None and self.peek().text == "(":
            self.take()
            args.append(self.term())
            while self.peek() is not None and self.peek().text == ",":
                self.take()
                args.append(self.term())
            self.take(")")
        return ("app", tok.name, tuple(args), tok)


def _to_term(t: tuple, constants: set[str], rename: dict[str, str] | None = None) -> Term:
    kind, name, args, _ = t
    if kind == "var":
        return Term("var", token=(rename or {}).get(name, name))
    if not args:
        return Term("var", token=name)
    return Term(name, tuple(_to_term(a, constants, rename) for a in args))


# ---- building the problem -----------------------------------------------------------------

NOT_UNIT = {"or": "a disjunction", "pred": "a predicate other than '='",
            "some": "an existential quantifier", "=>": "an implication", "<=": "an implication",
            "<=>": "an equivalence", "<~>": "a non-equivalence", "~|": "a negated disjunction",
            "~&": "a negated conjunction", "and": "a conjunction", "neq": "a negated equation",
            "not": "a negation", "all": "a quantifier"}


class _Builder:
    """Annotated formulas to a ``Problem``: axioms, one goal, symbols and their arities."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.axioms: list[tuple[tuple, tuple]] = []
        self.goal: tuple[tuple, tuple, list[str]] | None = None
        self.arity: dict[str, int] = {}

    def problem(self, formulas: list[Formula], name: str) -> Problem:
        for f in formulas:
            self._formula(f)
        for s, t in self.axioms + ([self.goal[:2]] if self.goal else []):
            self._arities(s)
            self._arities(t)
        consts = [n for n, a in self.arity.items() if a == 0]
        skolem = self._skolems(consts)
        consts += list(skolem.values())
        grammar = TptpGrammar(self.arity, set(consts))
        ren = {v: _fresh(v, set(consts)) for v in self._variables() if v in consts}
        axioms = tuple((_to_term(s, grammar.constants, ren), _to_term(t, grammar.constants, ren))
                       for s, t in self.axioms)
        goal = None
        if self.goal:
            goal = tuple(_to_term(x, grammar.constants, skolem) for x in self.goal[:2])
        texts = tuple(f"{grammar.format(s)} = {grammar.format(t)}" for s, t in axioms)
        gtext = f"{grammar.format(goal[0])} = {grammar.format(goal[1])}" if goal else None
        return Problem(name, grammar, tuple(Term("var", token=c) for c in consts), axioms,
                       texts, goal, gtext)

    def error(self, message: str, tok: Tok, file: str) -> ProblemError:
        return ProblemError(message, file=file, line=tok.line, token=tok.text)

    def _formula(self, f: Formula) -> None:
        if f.role in AXIOM_ROLES:
            for body in _conjuncts(_strip_all(f.body)[1]):
                self.axioms.append(self._equation(body, f, "an axiom"))
        elif f.role in GOAL_ROLES:
            self._goal(f)
        else:
            raise self.error(f"role {f.role!r} of formula {f.name!r} is not read (axiom, "
                             "hypothesis, conjecture, negated_conjecture, ...)", f.tok, f.file)

    def _goal(self, f: Formula) -> None:
        if self.goal is not None:
            raise self.error(f"a second goal ({f.name!r}): the prover proves one", f.tok, f.file)
        body = f.body
        if f.role == "negated_conjecture":
            if body[0] == "neq":
                body = ("eq", *body[1:])
            elif body[0] == "not":
                body = body[1]
            else:
                raise self.error("a negated conjecture must be 's != t' (the negation of the "
                                 "goal 's = t')", _tok(body), f.file)
            names, inner = _strip_all(body)
            if names or _free(inner):
                raise self.error("a negated conjecture with variables asks for an instance "
                                 "(an existential goal), which is outside unit equality here",
                                 _tok(inner), f.file)
        names, body = _strip_all(body)
        s, t = self._equation(body, f, "the goal")
        self.goal = (s, t, names + [v for v in _free(body) if v not in names])

    def _equation(self, body: tuple, f: Formula, what: str) -> tuple[tuple, tuple]:
        if body[0] == "eq":
            return body[1], body[2]
        kind = "not" if body[0] == "not" and body[1][0] == "eq" else body[0]
        label = "a negated equation" if kind in ("not", "neq") else NOT_UNIT.get(kind, kind)
        raise self.error(f"{what} ({f.name!r}) is {label}: outside unit equality (axioms are "
                         "equations s = t, the goal one equation)", _tok(body), f.file)

    def _arities(self, t: tuple) -> None:
        kind, name, args, tok = t
        if kind == "var":
            return
        known = self.arity.setdefault(name, len(args))
        if known != len(args):
            raise ProblemError(f"symbol {name!r} is used with {known} and with {len(args)} "
                               "arguments", file=self.file, line=tok.line, token=tok.text)
        for a in args:
            self._arities(a)

    def _skolems(self, taken: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for v in (self.goal[2] if self.goal else []):
            out[v] = _fresh(v.lower(), set(taken) | set(self.arity) | set(out.values()))
        return out

    def _variables(self) -> set[str]:
        return {v for s, t in self.axioms for side in (s, t) for v in _free(side)}


def _strip_all(body: tuple) -> tuple[list[str], tuple]:
    names: list[str] = []
    while body[0] == "all":
        names += body[1]
        body = body[2]
    return names, body


def _conjuncts(body: tuple) -> list[tuple]:
    if body[0] != "and":
        return [body]
    return [c for part in body[1] for c in _conjuncts(_strip_all(part)[1])]


def _free(t: tuple) -> list[str]:
    """Variable names of a term or an equation, in order of first appearance."""
    if t[0] == "var":
        return [t[1]]
    parts = t[1:3] if t[0] in ("eq", "neq") else t[2] if t[0] == "app" else ()
    out: list[str] = []
    for p in parts:
        out += [v for v in _free(p) if v not in out]
    return out


def _tok(body: tuple) -> Tok:
    return body[-1]


def _fresh(name: str, taken: set[str]) -> str:
    k, out = 1, name
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    return out
