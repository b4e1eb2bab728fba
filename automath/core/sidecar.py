"""Semantics as data: a TOML file beside a grammar gives each alias its meaning, no Python.

``sets.lark`` takes its semantics from ``sets.semantics.toml`` beside it (or any file given
with ``--semantics FILE``)::

    kind = "bool"                    # the default value kind (optional; ``--kind`` wins)

    [ops]
    union = "or"                     # a shipped kernel (``KERNELS``: add, mul, max, gcd, xor,
    inter = "and"                    #   bitwise_or, neg, not, true, append, reverse, …)
    compl = "not"
    empty = "false"
    diff  = "inter(a, compl(b))"     # an expression over aliases and kernels; a, b, c are the
    lcm   = "a * b / gcd(a, b)"      #   arguments (or name them: { args = ["m", "n"], expr = … })
    mul   = { table = [[0, 1], [1, 0]] }   # a finite table (Cayley table) on elements 0..n-1
    twice = "mymodule:twice"         # Python: an ``Op``, or a torch function of the arguments
                                     #   (only from a file named with --semantics)
    cat   = { partial = "append" }   # (++): fewer arguments than append's; typed signatures

    [predicates]                     # conditions of conditional laws (automath.laws.conditional)
    le = "a <= b"                    # comparisons over a, b joined by and/or/not, or le lt ge …

A typed signature adds ``[sorts]``, ``[types]`` and ``[vars]`` (see ``automath.laws.typed``).

In expressions ``+ - * / **`` are add, sub, mul, div, pow; ``| & ^ ~`` are or, and, xor, not;
numerals are the kind's constants. Tables may name their elements (``elements = ["e", "a"]``
at the top); a file with tables defaults to the kind ``table:n``. The expression text is read
with Python's ``ast`` parser and never evaluated. Every mistake is a ``SemanticsError``
naming the file, the line and the alias.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy
import torch

from automath.core.catalog import make_kind
from automath.core.errors import AutomathError, SemanticsError
from automath.core.models import parse_sort, sort_text, split_type
from automath.core.semantics import (
    _COMPARE,
    DEFAULT_SEMANTICS,
    KERNELS,
    PREDICATES,
    Composite,
    Op,
    Predicate,
    Semantics,
    TableKernel,
)
from automath.core.term import Term
from automath.core.usercode import code_op

SUFFIX = ".semantics.toml"
TYPING = ("sorts", "types", "vars")  # the tables of a typed signature
PARAMS = ("a", "b", "c", "d")
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.BitOr: "or", ast.BitAnd: "and", ast.BitXor: "xor"}
_UNARY = {ast.USub: "neg", ast.Invert: "not", ast.Not: "not"}
_CODE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
PARTIAL = "partial"  # the kernels key of a partial application's Op (its value: a Partial)
FUNCTIONS = {"apply": 2, "compose": 2, "identity": 0, "constant": 1, "map": 2, "K": 0, "S": 0}
"""Kernels over function sorts (``automath.laws.functions`` runs them), by name and arity."""


@dataclass(frozen=True)
class Partial:
    """A partial application (``{ partial = "append" }``): the kernel ``name`` (``op``) with
    its first ``given`` arguments from the grammar; a typed signature makes it a function of
    the others (``automath.laws.closures``)."""

    name: str
    op: Op
    given: int


def sidecar_of(grammar_path: str | Path | None) -> Path | None:
    """The semantics file beside a grammar file (``sets.lark`` → ``sets.semantics.toml``).

    >>> sidecar_of("/nowhere/sets.lark") is None
    True
    """
    if grammar_path is None:
        return None
    path = Path(grammar_path)
    side = path.with_name(path.stem + SUFFIX)
    return side if side.is_file() else None


def semantics_for(grammar, semantics: Semantics | str | Path | None = None) -> Semantics:
    """A grammar's semantics: the given table, the given file (Python entries allowed), the
    file beside the grammar (Python entries refused: opening a grammar runs no code), or
    the built-in table.

    >>> from automath.core.grammar import Grammar
    >>> semantics_for(Grammar.load("arith")) is DEFAULT_SEMANTICS
    True
    """
    if isinstance(semantics, Semantics):
        return semantics
    if semantics is not None:
        return load_semantics(semantics, grammar=grammar, allow_code=True)
    side = sidecar_of(getattr(grammar, "path", None))
    return DEFAULT_SEMANTICS if side is None else load_semantics(side, grammar=grammar,
                                                                 allow_code=False)


def load_semantics(path: str | Path, *, grammar=None, allow_code: bool = True) -> Semantics:
    """Read a semantics file (see the module doc) into a ``Semantics``: the built-in table
    with the file's aliases over it, and the file's ``kind``.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "g.semantics.toml")
    >>> _ = open(p, "w").write('kind = "nat"\\n[ops]\\nlcm = "a * b / gcd(a, b)"\\n')
    >>> s = load_semantics(p); s.kind, s["lcm"].arity, sorted(s["lcm"].kernels)
    ('nat', 2, ['int'])
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as e:
        raise SemanticsError(f"cannot read semantics file: {e.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise SemanticsError("semantics file is not UTF-8 text", file=str(path)) from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+), column (\d+)", str(e))
        raise SemanticsError(f"bad TOML: {str(e).split(' (at')[0]}", file=str(path),
                             line=int(m.group(1)) if m else None,
                             column=int(m.group(2)) if m else None) from None
    return _Reader(path, text, data, grammar, allow_code).semantics()


class _Reader:
    """One semantics file being read: its entries resolved in dependency order."""

    def __init__(self, path: Path, text: str, data: dict, grammar, allow_code: bool) -> None:
        self.path, self.text, self.data = path, text, data
        self.grammar, self.allow_code = grammar, allow_code
        self.entries = data.get("ops", {})
        self.elements = list(data.get("elements", []))
        self.ops: dict[str, Op] = {}
        self.busy: set[str] = set()

    def fail(self, message: str, alias: str | None = None) -> SemanticsError:
        """An error at the line that defines ``alias`` (or the file's first line)."""
        key, table, hits = alias if alias is not None else "", "", []
        for n, line in enumerate(self.text.splitlines(), 1):  # the table being read first
            table = m.group(1) if (m := re.match(r"\s*\[(\w+)\]", line)) else table
            if re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
                hits.append((table != getattr(self, "section", "ops"), n))
        return SemanticsError(message, file=str(self.path), line=min(hits)[1] if hits else 1,
                              token=alias)

    def semantics(self) -> Semantics:
        for key in self.data:
            if key not in ("kind", "ops", "elements", "predicates", *TYPING):
                raise self.fail(f"unknown key {key!r}; a semantics file has kind, elements, "
                                "[ops], [predicates], and for a typed signature [sorts], "
                                "[types] and [vars]", key)
        if not isinstance(self.entries, dict):
            raise self.fail("'ops' must be a table: [ops] then alias = meaning", "ops")
        for alias in self.entries:
            self.resolve(alias)
        if (kind := self.data.get("kind") or self._table_kind()) is not None:
            self._check_kind(kind)
        preds = self.data.get("predicates", {})
        if not isinstance(preds, dict):
            raise self.fail("'predicates' must be a table: [predicates] then name = "
                            "condition", "predicates")
        preds = {n: self.predicate(n, e) for n, e in preds.items()}
        return Semantics({**dict(DEFAULT_SEMANTICS), **self.ops}, kind=kind,
                         source=str(self.path), predicates=preds, typing=self.typing())

    def typing(self) -> dict | None:
        """A typed signature's ``[sorts]``, ``[types]`` and ``[vars]`` (None: untyped)."""
        given, self.section = [k for k in TYPING if k in self.data], "types"
        if not given:
            return None
        for key in TYPING:
            if not isinstance(self.data.get(key), dict) or not self.data[key]:
                raise self.fail(f"a typed signature needs [sorts], [types] and [vars] "
                                f"tables; [{key}] is missing or empty", given[0])
        given = {str(n): str(spec) for n, spec in self.data["sorts"].items()}
        sorts = {n: spec for n, spec in given.items() if "->" not in spec}
        for name, spec in sorts.items():
            try:
                make_kind(spec, k=2)
            except AutomathError as e:
                raise self.fail(f"sort {name!r}: {e.message}", name) from None
        self.abbrev = {n: spec for n, spec in given.items() if "->" in spec}
        self.abbrev = {n: self._sort(n, spec, sorts) for n, spec in self.abbrev.items()}
        types = {a: self._type(a, t, sorts) for a, t in self.data["types"].items()}
        names = {str(v): self._sort(v, s, sorts) for v, s in self.data["vars"].items()}
        return {"sorts": sorts, "types": types, "vars": names}

    def _sort(self, where: str, sort: object, sorts: Mapping[str, str],
              poly: bool = False) -> str:
        """A sort's canonical text: names under [sorts], ``a -> b`` of sorts (named function
        sorts written out), and in [types] type variables ``'a``."""
        try:
            tree = parse_sort(str(sort))
        except ValueError as e:
            raise self.fail(f"{where!r} has sort {sort!r}, which does not read: {e}",
                            where) from None
        return sort_text(self._expand(where, tree, sort, sorts, poly, 0))

    def _expand(self, where: str, tree, sort: object, sorts: Mapping[str, str], poly: bool,
                depth: int):
        if isinstance(tree, tuple):
            return tuple(self._expand(where, t, sort, sorts, poly, depth) for t in tree)
        if tree in sorts or (poly and tree.startswith("'")):
            return tree
        if tree in getattr(self, "abbrev", {}) and depth < 8:
            return self._expand(where, parse_sort(self.abbrev[tree]), sort, sorts, poly,
                                depth + 1)
        which = "which" if str(sort).strip() == tree else f"and {tree!r}"
        raise self.fail(f"{where!r} has sort {sort!r}, {which} is not under [sorts] "
                        f"(sorts: {', '.join([*sorts, *getattr(self, 'abbrev', {})])})", where)

    def _type(self, alias: str, text: object, sorts: Mapping[str, str]) -> tuple:
        """``"list, list -> list"`` as ``(("list", "list"), "list")``; ``"list"`` (a
        constant) as ``((), "list")``; ``"(a -> b), a -> b"`` has a function argument."""
        want = None if alias == "num" else self.arity(alias)
        args, result = split_type(str(text), want)
        arg_sorts = tuple(self._sort(alias, a, sorts, True) for a in args)
        if want is not None and want != len(arg_sorts):
            raise self.fail(f"alias {alias!r} takes {want} arguments in the grammar but its "
                            f"type {text!r} gives {len(arg_sorts)}", alias)
        return arg_sorts, self._sort(alias, result, sorts, True)
    def predicate(self, name: str, entry: object) -> Predicate:
        """A ``[predicates]`` entry: a comparison over arguments a, b (``"a <= b"``,
        ``"gcd(a, b) == 1"``, joined by and / or / not), or a shipped one (``le``)."""
        text = PREDICATES.get(entry, entry) if isinstance(entry, str) else None
        if text is None:
            raise self.fail(f"the predicate {name!r} must be a string such as \"a <= b\"",
                            name)
        try:
            node = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as e:
            raise self.fail(f"cannot read the predicate {text!r} for {name!r}: {e.msg}",
                            name) from None
        tree = _Condition(self, name).tree(node)
        used = {str(t.token) for t in _condition_terms(tree) for t in _leaves(t) if t.op == "var"}
        params = PARAMS[:next(i for i in range(len(PARAMS) + 1) if set(PARAMS[:i]) >= used)]
        if not params or len(params) > 2:
            raise self.fail(f"the predicate {name!r} must use argument a, or a and b", name)
        table = {t.op: self.named(t.op, name) for c in _condition_terms(tree)
                 for t in _nodes(c) if t.op not in ("var", "num")}
        return Predicate(name, params, text.strip(), tree, table)

    def _check_kind(self, kind: object) -> None:
        try:
            make_kind(str(kind), k=2)
        except AutomathError as e:
            raise self.fail(e.message, "kind") from None

    def _table_kind(self) -> str | None:
        sizes = {int(k.table.shape[0]) for op in self.ops.values() for k in op.kernels.values()
                 if isinstance(k, TableKernel) and k.table.dim() > 0}
        return f"table:{max(sizes)}" if sizes else None

    def arity(self, alias: str) -> int | None:
        """The grammar's arity of ``alias`` (None without a grammar); unknown aliases fail."""
        if self.grammar is None:
            return None
        cons = self.grammar.constructors
        if alias not in cons:
            raise self.fail(f"alias {alias!r} is not a constructor of grammar "
                            f"{self.grammar.name!r} (it has: {', '.join(cons)})", alias)
        return cons[alias].arity

    def resolve(self, alias: str) -> Op:
        """The Op of a file alias (resolving what it refers to first)."""
        if alias in self.ops:
            return self.ops[alias]
        if alias in self.busy:
            raise self.fail(f"alias {alias!r} is defined in terms of itself", alias)
        self.busy.add(alias)
        op = self._build(alias, self.entries[alias])
        want = self.arity(alias)
        if want is not None and op.arity != want:
            raise self.fail(f"alias {alias!r} takes {want} arguments in the grammar but its "
                            f"meaning takes {op.arity}", alias)
        self.ops[alias] = op
        self.busy.discard(alias)
        return op

    def named(self, name: str, alias: str) -> Op:
        """A name in an entry: another file alias, else a shipped kernel (so ``gcd = "gcd"``
        is the shipped gcd)."""
        if name in self.entries and name != alias:  # ``zero = "zero"``: a kernel's name
            return self.resolve(name)
        if name in FUNCTIONS:  # its "fun" kernel is the name; a typed signature runs it
            n = FUNCTIONS[name]
            op = KERNELS.get(name) or Op(n, sympy.Function(name) if n else (
                lambda: sympy.Symbol(name)))
            return Op(n, op.sympy, {**op.kernels, "fun": name})
        if name in KERNELS:
            return KERNELS[name]
        raise self.fail(f"{name!r} (in the meaning of {alias!r}) is neither another alias of "
                        f"this file nor a shipped kernel (kernels: {', '.join(sorted(KERNELS))}"
                        "; a constant may be a numeral or an expression, e.g. \"0\")", alias)

    def _build(self, alias: str, entry: object) -> Op:
        if isinstance(entry, dict):
            return self._from_table(alias, entry)
        if not isinstance(entry, str):
            raise self.fail(f"the meaning of {alias!r} must be a string or a table", alias)
        text = entry.strip()
        if _CODE.match(text):
            return self._from_code(alias, text)
        if text.isidentifier() and (text in self.entries or text in KERNELS
                                    or text in FUNCTIONS):
            return self.named(text, alias)
        return self._from_expression(alias, text, PARAMS)

    def _from_table(self, alias: str, entry: dict) -> Op:
        if PARTIAL in entry:
            return self._partial(alias, entry[PARTIAL])
        if "expr" in entry:
            params = tuple(str(p) for p in entry.get("args", PARAMS))
            return self._from_expression(alias, str(entry["expr"]), params, "args" in entry)
        if "table" not in entry:
            raise self.fail(f"the table for {alias!r} needs 'table = [...]', 'expr = ...' "
                            "or 'partial = ...'", alias)
        table = self._cells(alias, entry["table"])
        n = table.shape[0] if table.dim() else None
        if table.dim() and any(d != n for d in table.shape):
            raise self.fail(f"the table of {alias!r} must be square, n x n (got "
                            f"{list(table.shape)})", alias)
        if n is not None and (table.min() < 0 or table.max() >= n):
            raise self.fail(f"the table of {alias!r} has entries outside 0..{n - 1}", alias)
        builder = sympy.Symbol(alias) if table.dim() == 0 else sympy.Function(alias)
        return Op(table.dim(), (lambda: builder) if table.dim() == 0 else builder,
                  {"table": TableKernel(table)})

    def _partial(self, alias: str, name: object) -> Op:
        """``{ partial = "append" }``: the kernel with the grammar's arguments given first."""
        op = self.named(name, alias) if isinstance(name, str) else None
        given = self.arity(alias) or 0
        if op is None or not given < op.arity <= 2:
            raise self.fail(f"{alias!r}: 'partial' names a kernel of 1 or 2 arguments, more "
                            f"than the grammar gives ({given}): partial = \"append\"", alias)
        builder = sympy.Function(alias) if given else (lambda: sympy.Symbol(alias))
        return Op(given, builder, {PARTIAL: Partial(name, op, given)})

    def _cells(self, alias: str, rows: object) -> torch.Tensor:
        """A nested list of element numbers or names as an int64 tensor."""
        def cell(v: object) -> object:
            if isinstance(v, list):
                return [cell(x) for x in v]
            if isinstance(v, str) and v in self.elements:
                return self.elements.index(v)
            if isinstance(v, int) and not isinstance(v, bool):
                return v
            raise self.fail(f"the table of {alias!r} has {v!r}: use element numbers or names "
                            f"from elements = {self.elements}", alias)
        try:
            return torch.tensor(cell(rows), dtype=torch.int64)
        except (ValueError, TypeError):
            raise self.fail(f"the table of {alias!r} has rows of different lengths",
                            alias) from None

    def _from_code(self, alias: str, spec: str) -> Op:
        if not self.allow_code:
            raise self.fail(f"{alias!r} = {spec!r} would run Python from a file found beside "
                            "the grammar; name the file with --semantics FILE to allow it",
                            alias)
        specs = [self.data.get("kind"), *dict(self.data.get("sorts", {})).values()]
        return code_op(spec, alias, self.path.parent, self.arity(alias),
                       [str(k) for k in specs if k], lambda m: self.fail(m, alias))

    def _from_expression(self, alias: str, text: str, params: Sequence[str],
                         explicit: bool = False) -> Op:
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError as e:
            raise self.fail(f"cannot read the expression {text!r} for {alias!r}: {e.msg}",
                            alias) from None
        tree = _Expression(self, alias, params).term(node)
        used = {str(t.token) for t in _leaves(tree) if t.op == "var"}
        arity = len(params) if explicit else next(
            (i for i in range(len(params) + 1) if set(params[:i]) >= used), len(params))
        arity = self.arity(alias) if self.arity(alias) is not None else arity
        refs = [self.named(t.op, alias) for t in _nodes(tree) if t.op not in ("var", "num")]
        families = set.intersection(*(set(op.kernels) for op in refs)) if refs else {
            "real", "int", "modp", "mod", "bits", "bool", "table"}
        if not families:
            raise self.fail(f"the expression for {alias!r} uses kernels that share no kind",
                            alias)
        table = {t.op: self.named(t.op, alias) for t in _nodes(tree)
                 if t.op not in ("var", "num")}
        kernels = {f: Composite(tree, f, table, params[:arity]) for f in sorted(families)}
        return Op(arity, _sympy_builder(tree, table, params[:arity]), kernels)


class _Expression:
    """Python expression syntax (parsed by ``ast``, never evaluated) as a ``Term``."""

    def __init__(self, reader: _Reader, alias: str, params: Sequence[str]) -> None:
        self.reader, self.alias, self.params = reader, alias, tuple(params)

    def term(self, node: ast.AST) -> Term:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return Term(_BINARY[type(node.op)], (self.term(node.left), self.term(node.right)))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return Term(_UNARY[type(node.op)], (self.term(node.operand),))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node.func.id, [self.term(a) for a in node.args])
        if isinstance(node, ast.Name):
            return (Term("var", token=node.id) if node.id in self.params
                    else self._call(node.id, []))
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return Term("num", token=str(node.value))
        raise self.reader.fail(f"the expression for {self.alias!r} has "
                               f"{ast.unparse(node)!r}; use arguments {', '.join(self.params)}, "
                               "numerals, + - * / ** | & ^ ~ and calls f(...)", self.alias)

    def _call(self, name: str, args: list[Term]) -> Term:
        op = self.reader.named(name, self.alias)
        if op.arity != len(args):
            raise self.reader.fail(f"{name!r} takes {op.arity} arguments, the expression for "
                                   f"{self.alias!r} gives it {len(args)}", self.alias)
        return Term(name, tuple(args))


class _Condition:
    """A predicate's text (parsed by ``ast``, never evaluated) as a tree of comparisons."""

    def __init__(self, reader: _Reader, name: str) -> None:
        self.reader, self.name = reader, name

    def tree(self, node: ast.AST) -> tuple:
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            parts = [self.tree(v) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (op, out, p)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ("not", self.tree(node.operand))
        if isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
            sides = [node.left, *node.comparators]
            expr = _Expression(self.reader, self.name, PARAMS)
            out = None
            for op, a, b in zip(node.ops, sides, sides[1:], strict=False):
                cmp = ("cmp", type(op), expr.term(a), expr.term(b))
                out = cmp if out is None else ("and", out, cmp)
            return out
        raise self.reader.fail(f"the predicate {self.name!r} has {ast.unparse(node)!r}; use "
                               "comparisons <= < >= > == != of expressions over a, b, joined "
                               "by and, or, not", self.name)


def _condition_terms(tree: tuple) -> list[Term]:
    """The comparison sides of a predicate tree."""
    if tree[0] == "cmp":
        return list(tree[2:])
    return [t for n in tree[1:] for t in _condition_terms(n)]


def _nodes(t: Term) -> list[Term]:
    return [t, *(n for a in t.args for n in _nodes(a))]


def _leaves(t: Term) -> list[Term]:
    return [n for n in _nodes(t) if not n.args]


def _sympy_builder(tree: Term, table: Mapping[str, Op],
                   params: Sequence[str]) -> Callable[..., sympy.Basic]:
    """The sympy builder of an expression: its parts' builders composed."""
    def build(t: Term, env: dict) -> sympy.Basic:
        if t.op == "var":
            return env[str(t.token)]
        if t.op == "num":
            return sympy.Rational(str(t.token))
        return table[t.op].sympy(*(build(a, env) for a in t.args))
    return lambda *xs: build(tree, dict(zip(params, xs, strict=True)))
