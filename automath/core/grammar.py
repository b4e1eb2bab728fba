"""Grammars: lark files whose aliased productions are the constructors of expressions."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import lark
from lark.exceptions import LarkError, UnexpectedInput, VisitError

from automath.core.errors import ExpressionError, GrammarError
from automath.core.grammar_limits import (  # noqa: F401  (the limits are part of this API)
    MAX_GRAMMAR_ALTERNATIVES,
    MAX_GRAMMAR_CHARS,
    MAX_GRAMMAR_LINES,
    MAX_GRAMMAR_SYMBOLS,
    _check_cost,
    _check_size,
    _expanded,
    _find_line,
)
from automath.core.term import Term

SHIPPED = resources.files("automath") / "grammars"
MAX_TERM_DEPTH = 200  # most nested constructors in a parsed expression


@dataclass(frozen=True)
class Constructor:
    """A grammar alias with its arity and the template used to print it.

    ``template`` holds literal strings and, for argument slots, the slot's nonterminal.
    """

    alias: str
    arity: int
    template: tuple[tuple[str, str], ...]  # ("lit", text) or ("slot", nonterminal)
    origin: str


def shipped_grammars() -> list[str]:
    """Names of the grammars shipped with automath.

    >>> "arith" in shipped_grammars()
    True
    """
    return sorted(p.name[:-5] for p in SHIPPED.iterdir() if p.name.endswith(".lark"))


def _strip(alias: str) -> str:
    return alias.rsplit("__", 1)[-1]


class Grammar:
    """A loaded grammar: constructors, atom aliases, a parser and a printer.

    >>> g = Grammar.load("arith")
    >>> sorted(g.constructors)
    ['add', 'div', 'mul', 'neg', 'sub']
    >>> g.format(g.parse("x*(y+1) - -2"))
    'x * (y + 1) - -2'
    """

    def __init__(self, text: str, *, path: str | None = None, name: str | None = None) -> None:
        self.text, self.path = text, path
        self.name = name or (Path(path).stem if path else "<text>")
        self._parser = _build_parser(text, path)
        _check_aliases(self._parser, text, path)
        self.constructors, self.atoms = _constructors(self._parser)
        self._closure = _unit_closure(self._parser)
        self._start = self._parser.options.start[0]
        self._to_term = _transformer(self._parser, self.atoms)

    @classmethod
    def load(cls, spec: str | Path) -> Grammar:
        """Load a shipped grammar by name (``"arith"``) or a ``.lark`` file by path.

        >>> Grammar.load("logic").name
        'logic'
        """
        spec = str(spec)
        if spec in shipped_grammars():
            src = SHIPPED / f"{spec}.lark"
            return cls(src.read_text(), path=str(src), name=spec)
        path = Path(spec)
        if not path.exists():
            known = ", ".join(shipped_grammars())
            raise GrammarError(f"no grammar file {spec!r} and no shipped grammar of that name "
                               f"(shipped: {known})")
        return cls(_read(path), path=str(path))

    def __repr__(self) -> str:
        """One line: the name, each constructor with its arity, the atoms.

        >>> Grammar.load("arith")
        Grammar('arith': add/2, div/2, mul/2, neg/1, sub/2; atoms num, var)
        """
        cons = ", ".join(f"{a}/{c.arity}" for a, c in sorted(self.constructors.items()))
        return f"Grammar({self.name!r}: {cons}; atoms {', '.join(sorted(self.atoms))})"

    def _repr_html_(self) -> str:
        """A notebook table: each constructor's alias, arity and printed form."""
        from html import escape
        rows = "".join(f"<tr><td>{escape(a)}</td><td>{c.arity}</td>"
                       f"<td><code>{escape(self.example(a))}</code></td></tr>"
                       for a, c in self.constructors.items())
        return (f"<table><caption>grammar {escape(self.name)}</caption><tr><th>alias</th>"
                f"<th>arity</th><th>example</th></tr>{rows}</table>")

    def example(self, alias: str) -> str:
        """A constructor applied to the grammar's simplest term (``x`` where there is a variable).

        >>> Grammar.load("arith").example("sub")
        'x - x'
        >>> Grammar('?start: start "+" start -> add | INT -> n\\n%import common.INT').example("add")
        '1 + 1'
        """
        leaf = self._leaf()
        if leaf is None:  # no finite term: show the production with its slots
            return " ".join(text for _, text in self.constructors[alias].template)
        return self.format(Term(alias, (leaf,) * self.constructors[alias].arity))

    def _leaf(self) -> Term | None:
        """``x`` for a variable, else an atom with a token its terminal matches, else a nullary
        constructor (None if the grammar has neither)."""
        if "var" in self.atoms:
            return Term("var", (), "x")
        patterns = {t.name: t.pattern for t in self._parser.terminals}
        for alias, terminal in self.atoms.items():
            token = _sample(patterns[terminal])
            if token is not None:
                return Term(alias, (), token)
        return next((Term(a) for a, c in self.constructors.items() if c.arity == 0), None)

    def parse(self, text: str) -> Term:
        """Parse text into a term; a bad expression raises ``ExpressionError``.

        >>> Grammar.load("arith").parse("1 + x")
        Term(op='add', args=(Term(op='num', args=(), token='1'), \
Term(op='var', args=(), token='x')), token=None)
        """
        try:
            return _shallow(self._to_term.transform(self._parser.parse(text)), text)
        except UnexpectedInput as e:
            tok = getattr(e, "token", None)
            tok = str(tok) if tok is not None else text[e.pos_in_stream: e.pos_in_stream + 1]
            raise ExpressionError(f"cannot parse {text!r} with grammar {self.name!r}",
                                  file="<expression>", line=e.line, column=e.column,
                                  token=tok or "<end of input>") from None
        except VisitError as e:
            raise ExpressionError(str(e.orig_exc), file="<expression>") from None

    def format(self, term: Term) -> str:
        """Print a term as text that parses back to the same term.

        >>> g = Grammar.load("arith")
        >>> g.format(g.parse("(a - b) - (c - d)"))
        'a - b - (c - d)'
        """
        return _tidy(self._format(term, self._start))

    def _format(self, term: Term, slot: str) -> str:
        if term.op in self.atoms:
            return str(term.token)
        con = self.constructors.get(term.op)
        if con is None:
            raise ExpressionError(f"grammar {self.name!r} has no constructor {term.op!r}")
        if len(term.args) != con.arity:
            raise ExpressionError(f"{term.op!r} takes {con.arity} arguments, got {len(term.args)}")
        args = iter(term.args)
        parts = [text if kind == "lit" else self._format(next(args), text)
                 for kind, text in con.template]
        prefix = len(parts) == 2 and con.template[0][0] == "lit" and not parts[0][-1].isalnum()
        body = "".join(parts) if prefix else " ".join(parts)
        return body if con.origin in self._closure.get(slot, {slot}) else f"{ADDED}( {body} )"


def _shallow(term: Term, text: str) -> Term:
    """``term`` if it nests at most ``MAX_TERM_DEPTH`` constructors, else an ExpressionError
    (deeper terms would exhaust Python's recursion limit in printing, hashing and evaluation).

    >>> _shallow(Term("var", (), "x"), "x").token
    'x'
    """
    stack, deepest = [(term, 1)], 1
    while stack:
        t, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((a, depth + 1) for a in t.args)
    if deepest > MAX_TERM_DEPTH:
        raise ExpressionError(f"expression nests {deepest} operations; at most "
                              f"{MAX_TERM_DEPTH} (MAX_TERM_DEPTH)", file="<expression>",
                              token=text[:20] + ("..." if len(text) > 20 else ""))
    return term


def _read(path: Path) -> str:
    """A grammar file's text; a file that is not UTF-8 text is a ``GrammarError``."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        line = path.read_bytes()[: e.start].count(b"\n") + 1
        raise GrammarError(f"bad grammar: not UTF-8 text (byte {e.start})", file=str(path),
                           line=line) from None
    except OSError as e:
        raise GrammarError(f"cannot read the grammar: {e.strerror}", file=str(path)) from None


SAMPLE_TOKENS = ("x", "1", "a", "p", "0", "T", "true", "A", "e", "_")  # tried as atom tokens


def _sample(pattern: lark.lexer.Pattern) -> str | None:
    """A short token the terminal's pattern matches whole (None if none of SAMPLE_TOKENS does).

    >>> _sample(lark.lexer.PatternRE("[0-9]+")), _sample(lark.lexer.PatternStr("pi"))
    ('1', 'pi')
    """
    if isinstance(pattern, lark.lexer.PatternStr):
        return pattern.value
    regex = re.compile(pattern.to_regexp())
    return next((t for t in SAMPLE_TOKENS if regex.fullmatch(t)), None)


ADDED = "\x00"  # marks a parenthesis the printer added (not a literal of a template)


def _tidy(text: str) -> str:
    """Spaces around parentheses and commas as written by hand: a call's own ``(`` after its
    name, an added one after a space (``f x (g x)``, juxtaposition).

    A prime, a postfix mark, sits on its operand: ``x'``, ``(x * y)'``.

    >>> _tidy("gcd ( x , y )"), _tidy("f x \\x00( g x )"), _tidy("x * \\x00( y + 1 )")
    ('gcd(x, y)', 'f x (g x)', 'x * (y + 1)')
    >>> _tidy("( x ' ) '"), _tidy("x ' * y")
    ("(x')'", "x' * y")
    """
    text = re.sub(r" '", "'", text)
    text = re.sub(r"\( ", "(", text)
    text = re.sub(r" ([),])", r"\1", text)
    text = re.sub(r"(\w) \(", lambda m: m.group(1) + "(", text)
    return text.replace(ADDED, "")


def _build_parser(text: str, path: str | None) -> lark.Lark:
    """A lark parser for a grammar, LALR if it has no conflicts, else Earley; kept in memory
    for the process (keyed by the text and the grammar files beside it), never on disk: lark's
    own ``cache=True`` is a pickle under a predictable name in ``$TMPDIR`` that anyone could
    plant.
    """
    _check_size(text, path)
    dirs = [str(Path(path).parent)] if path else []
    return _compiled(text, path, _beside(dirs))


def _beside(dirs: list[str]) -> tuple:
    """Name, size and mtime of each ``.lark`` file an ``%import`` could read from ``dirs``."""
    files = (f for d in dirs for f in Path(d).glob("*.lark") if f.is_file())
    return tuple(sorted((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files))


@functools.lru_cache(maxsize=64)
def _compiled(text: str, path: str | None, beside: tuple) -> lark.Lark:
    dirs = [str(Path(path).parent)] if path else []
    _check_cost(text, path, [*dirs, str(SHIPPED)])
    for parser in ("lalr", "earley"):
        try:
            return lark.Lark(text, parser=parser, propagate_positions=True,
                             import_paths=[*dirs, str(SHIPPED)], source_path=path)
        except LarkError as e:
            if parser == "lalr" and _conflict(e):
                continue
            raise _grammar_error(e, text, path) from None
        except ValueError as e:  # lark sizes each terminal's regex with sre_parse, unguarded
            raise _regex_error(str(e), text, path) from None
        except OSError as e:  # an %import of a grammar that is not there
            missing = Path(e.filename or "?")
            line, token = _find_line(text, rf"^\s*%import\s+\.?{re.escape(missing.stem)}\b")
            raise GrammarError(f"bad grammar: cannot import {missing.name!r} "
                               "(not a shipped grammar nor a file beside this one)",
                               file=path or "<text>", line=line, token=token) from None
    raise AssertionError("unreachable")


def _conflict(e: LarkError) -> bool:
    """Whether lark's LALR builder gave up on a conflict (lark 1.3 names a reduce/reduce one a
    'collision'), so that the grammar is worth an Earley parser."""
    return any(word in str(e).lower() for word in ("conflict", "collision"))


def _check_aliases(parser: lark.Lark, text: str, path: str | None) -> None:
    """Every alternative that keeps two or more children must name its constructor."""
    for rule in parser.rules:
        kept = [s for s in rule.expansion if not getattr(s, "filter_out", False)]
        name = str(rule.origin.name)
        if rule.alias or len(kept) < 2 or name.startswith("_"):
            continue
        line, _ = _find_line(text, rf"^\s*[?!]?{re.escape(name)}\s*:")
        shown = " ".join(str(s.name) for s in rule.expansion)
        raise GrammarError(f"bad grammar: an alternative of rule {name!r} ({shown}) has "
                           "several children and no alias; name it with '-> constructor'",
                           file=path or "<text>", line=line, token=name)


def _grammar_error(e: LarkError, text: str, path: str | None) -> GrammarError:
    lines = str(e).strip().splitlines() or [type(e).__name__]
    more = lines[0].rstrip().endswith(":") and len(lines) > 1  # "Rules defined twice:\n  * <a : X>"
    msg = f"{lines[0].rstrip()} {lines[1].strip()}" if more else lines[0]
    line = getattr(e, "line", None)
    m = re.search(r"[Ll]ine (\d+)", str(e))
    if line is None and m:
        line = int(m.group(1))
    token = None
    if not line:
        line, token = _find_name(str(e), text)
    if token is None and line is not None and 0 < line <= len(text.splitlines()):
        col = getattr(e, "column", None)
        src = text.splitlines()[line - 1]
        token = src[col - 1:].split()[0] if col and col <= len(src) else src.strip()
    return GrammarError(f"bad grammar: {msg}", file=path or "<text>", line=line, token=token)


def _regex_error(regex: str, text: str, path: str | None) -> GrammarError:
    """The error for a terminal regex lark cannot size, at the first line that writes it.

    >>> str(_regex_error("(", 'start: a\\na: "x" /(/', "g.lark"))
    "g.lark:2: bad grammar: the terminal regex /(/ does not compile (at token '/(/')"
    """
    line, token = _find_regex(regex, text)
    return GrammarError(f"bad grammar: the terminal regex {token} does not compile",
                        file=path or "<text>", line=line, token=token)


def _find_regex(regex: str, text: str) -> tuple[int | None, str]:
    """The first line holding ``/regex/`` (lark writes flags as ``(?i:...)``) and that text.

    >>> _find_regex("(?i:()", 'a: "x"\\nb: /(/i')
    (2, '/(/')
    """
    inner = re.fullmatch(r"\(\?[a-zA-Z]+:(.*)\)", regex, re.S)
    written = f"/{inner.group(1) if inner else regex}/"
    hits = [n for n, src in enumerate(text.splitlines(), 1) if written in src]
    return (hits[0] if hits else None), written


def _find_name(message: str, text: str) -> tuple[int | None, str | None]:
    """The line and token a lark message is about (``_FINDERS``), else the first line using a
    quoted name (e.g. an undefined rule).

    >>> _find_name("Using an undefined rule: NonTerminal('start')", 'expr: "x"')
    (None, 'start')
    >>> _find_name("Rules defined twice: \\n  * <start : X>", 'a: "x"\\nstart: "y" | "y"')
    (2, 'start')
    """
    for pattern, find in _FINDERS:
        m = re.search(pattern, message)
        if m:
            return find(m.group(1), text)
    for name in re.findall(r"'(\w+)'", message):
        line = _first_use(name, text)
        if line:
            return line, name
    return None, None


def _first_use(name: str, text: str) -> int | None:
    """The first line using ``name`` after its rule's colon (or anywhere on a line without one)."""
    for n, src in enumerate(text.splitlines(), 1):
        body = src.split(":", 1)[-1] if ":" in src else src
        if re.search(rf"\b{re.escape(name)}\b", body):
            return n
    return None


def _definition(name: str, text: str, nth: int = 0) -> int | None:
    """The line of the ``nth`` definition of a rule or terminal ``name``."""
    return _find_line(text, rf"^\s*[?!]?{re.escape(name)}(\.\d+)?\s*:", nth)[0]


def _defined_or_used(name: str, text: str) -> tuple[int | None, str]:
    """Where ``name`` is defined, else where it is first used (a name never defined)."""
    return _definition(name, text) or _first_use(name, text), name


def _redefined(name: str, text: str) -> tuple[int | None, str]:
    """The second definition of ``name``, else its only one (the other: a ``%declare``)."""
    return _definition(name, text, 1) or _definition(name, text), name


def _written(literal: str, text: str) -> tuple[int | None, str]:
    """The first line where ``literal`` is written."""
    return next((n for n, src in enumerate(text.splitlines(), 1) if literal in src), None), literal


def _ignore_line(_: str, text: str) -> tuple[int | None, str]:
    """The first ``%ignore`` line (lark names what it ignores ``__IGNORE_n``)."""
    return _find_line(text, r"^\s*%ignore")[0], "%ignore"


def _open_regex(_: str, text: str) -> tuple[int | None, str | None]:
    """The first line with an odd number of ``/``: a regex that runs on past its line.

    >>> _open_regex("", 'start: N\\nN: /[\\na-z]+/')
    (2, '/[')
    """
    for n, src in enumerate(text.splitlines(), 1):
        if src.count("/") % 2:
            return n, src[src.rindex("/"):].split()[0]
    return None, None


_ABOUT = (r"Cannot compile token (\w+)", r"Rules defined twice:\s*\*\s*<(\w+) :",
          r"Terminals cannot be empty \((\w+)\)", r"zero-width terminals\. \((\w+):",
          r"Terminal used but not defined: (\w+)", r"undefined rule: NonTerminal\('(\w+)'\)")
_FINDERS = ((r"Cannot compile token __ANON_\d+: '(.*)'", _find_regex),  # lark message -> where
            (r"'(\w+)' defined more than once", _redefined),
            (r'Empty terminals are not allowed \((".*?")\)', _written),
            (r"in __(IGNORE)_\d+\)", _ignore_line),
            (r"(newlines) in regular expressions", _open_regex),
            *((pattern, _defined_or_used) for pattern in _ABOUT))


def _constructors(parser: lark.Lark) -> tuple[dict[str, Constructor], dict[str, str]]:
    lits = {t.name: t.pattern.value for t in parser.terminals
            if isinstance(t.pattern, lark.lexer.PatternStr)}
    cons: dict[str, Constructor] = {}
    atoms: dict[str, str] = {}
    for rule in parser.rules:
        if not rule.alias:
            continue
        alias = _strip(rule.alias)
        kept = [s for s in rule.expansion if not getattr(s, "filter_out", False)]
        if kept and all(s.is_term for s in kept):
            atoms.setdefault(alias, kept[0].name)
            continue
        template = tuple(("slot", s.name) if not s.is_term else ("lit", lits.get(s.name, s.name))
                         for s in rule.expansion)
        cons.setdefault(alias, Constructor(alias, len(kept), template, rule.origin.name))
    return cons, atoms


def _unit_closure(parser: lark.Lark) -> dict[str, set[str]]:
    """For each nonterminal, the nonterminals it derives through single-symbol rules."""
    unit: dict[str, set[str]] = {}
    for rule in parser.rules:
        src = rule.origin.name
        unit.setdefault(src, {src})
        if len(rule.expansion) == 1 and not rule.expansion[0].is_term and not rule.alias:
            unit[src].add(rule.expansion[0].name)
    changed = True
    while changed:
        changed = False
        for dst in unit.values():
            grown = set().union(*(unit.get(d, {d}) for d in dst))
            if grown - dst:
                dst |= grown
                changed = True
    return unit


def _transformer(parser: lark.Lark, atoms: dict[str, str]) -> lark.Transformer:
    """A Transformer class whose method names are the grammar's aliases.

    Each method builds a ``Term`` labelled by the alias with its namespace stripped;
    unaliased rules with one child pass it through (``__default__``).
    """
    methods = {}
    for rule in parser.rules:
        if rule.alias and rule.alias not in methods:
            alias = _strip(rule.alias)
            methods[rule.alias] = _leaf(alias) if alias in atoms else _node(alias)
    return type("TermBuilder", (_PassThrough,), methods)()


def _leaf(alias: str):
    return lambda self, children: Term(alias, (), str(children[0]))


def _node(alias: str):
    return lambda self, children: Term(alias, tuple(c for c in children if isinstance(c, Term)))


class _PassThrough(lark.visitors.Transformer_NonRecursive):
    def __default__(self, data, children, meta):
        if len(children) == 1 and isinstance(children[0], Term):
            return children[0]
        raise ValueError(f"rule {data!r} has no alias; give it one with '-> name'")
