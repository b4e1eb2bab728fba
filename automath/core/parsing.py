"""Safe text → sympy: a whitelist of Python's expression syntax, never ``eval`` nor ``sympify``.

The text is read by :mod:`ast` (which only parses), every node is checked against a table of
allowed operators, functions and numbers, and the sympy expression is built from that table
without recursion. Anything else — attributes, subscripts, lambdas, keywords, strings, names
starting with ``_`` — is an :class:`~automath.core.errors.ExpressionError` naming the token.

>>> parse_sympy("x**3 + 2*x")
x**3 + 2*x
>>> parse_sympy("__import__('os').system('echo hi')")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
automath.core.errors.ExpressionError: <expression>:1:1: cannot read __import__('os')...: only \
these functions can be called: Abs, Max, ... (at token "__import__('os').system")
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from automath.core.errors import ExpressionError

MAX_CHARS = 20_000  # longest text read
MAX_NODES = 10_000  # most syntax nodes (numbers, names, operators, calls)
MAX_DEPTH = 100  # most nested operations; a chain of + - (or of * /) counts as one
MAX_DIGITS = 100  # longest integer numeral
MAX_POWER_BITS = 100_000  # largest exact power of numbers computed (in bits)


@dataclass(frozen=True)
class Function:
    """A callable name: its sympy builder and the argument counts it takes (None: any ≥ 1)."""

    build: Callable[..., Any]
    arities: tuple[int, ...] | None = (1,)


FUNCTIONS: dict[str, Function] = {
    **{name: Function(getattr(sympy, name)) for name in (
        "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh", "cosh",
        "tanh", "asinh", "acosh", "atanh", "exp", "sqrt", "Abs", "sign", "floor", "ceiling")},
    "abs": Function(sympy.Abs), "log": Function(sympy.log, (1, 2)), "ln": Function(sympy.log),
    "atan2": Function(sympy.atan2, (2,)), "Mod": Function(sympy.Mod, (2,)),
    **{name: Function(fn, None) for name, fn in (("Min", sympy.Min), ("Max", sympy.Max),
                                                   ("min", sympy.Min), ("max", sympy.Max))},
}
CONSTANTS: dict[str, sympy.Basic] = {"pi": sympy.pi, "E": sympy.E}
BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: _power(a, b), ast.Mod: sympy.Mod,
}
UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
# operations whose chains sympy flattens into one node: they add one level of depth per chain
_CHAIN = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
            *BINARY, *UNARY)
_REFUSED = {ast.Attribute: "attributes (.name)", ast.Subscript: "subscripts ([...])",
            ast.Lambda: "lambdas", ast.Compare: "comparisons", ast.BoolOp: "and/or",
            ast.Starred: "starred arguments", ast.keyword: "keyword arguments"}


class _Refused(Exception):
    """A node the whitelist refuses, with the reason (turned into an ExpressionError)."""

    def __init__(self, node: ast.AST | None, reason: str) -> None:
        super().__init__(reason)
        self.node, self.reason = node, reason


def parse_sympy(text: str, *, symbol: Callable[[str], Any] = sympy.Symbol,
                names: Mapping[str, Any] | None = None, file: str = "<expression>"
                ) -> sympy.Basic:
    """Read ``text`` as a sympy expression built from whitelisted syntax only.

    ``symbol`` makes a variable from its name (e.g. ``lambda n: sympy.Symbol(n, real=True)``);
    ``names`` maps names to values first (as sympify's ``locals``). ``^`` is a power, as with
    sympify's ``convert_xor``.

    >>> parse_sympy("sin(x)^2 + log(y, 2) - 0.5")
    log(y)/log(2) + sin(x)**2 - 0.5
    >>> parse_sympy("x*y", names={"y": sympy.Integer(3)})
    3*x
    >>> parse_sympy("x + (1).__class__")
    Traceback (most recent call last):
    ...
    automath.core.errors.ExpressionError: <expression>:1:5: cannot read x + (1).__class__ as \
a sympy expression: attributes (.name) are not allowed (at token '(1).__class__')
    >>> parse_sympy("2**(10**9)")
    Traceback (most recent call last):
    ...
    automath.core.errors.ExpressionError: <expression>:1:1: cannot read 2**(10**9) as a sympy \
expression: an exact power above 100000 bits (MAX_POWER_BITS) (at token '2**(10**9)')
    """
    tree = _syntax(text, file)
    text = text.replace("^", "**").strip()
    try:
        _check(tree)
        return _build(tree, symbol, dict(names or {}))
    except _Refused as e:
        raise _error(text, e.node, e.reason, file) from None


def parse_equation(text: str, **options: Any) -> tuple[sympy.Basic, sympy.Basic]:
    """Read ``lhs = rhs`` (or ``lhs == rhs``) as two sympy expressions, each with
    :func:`parse_sympy` (``options`` are its keywords).

    >>> parse_equation("x*(y + 1) = x*y + x")
    (x*(y + 1), x*y + x)
    """
    lhs, sep, rhs = text.replace("==", "=").partition("=")
    if not sep or "=" in rhs:
        raise ExpressionError(f"expected one 'lhs = rhs' in {text!r}", file="<equation>",
                              token=text)
    return parse_sympy(lhs, **options), parse_sympy(rhs, **options)


def _syntax(text: str, file: str) -> ast.Expression:
    """The ``ast`` of the text, or an ExpressionError naming the place or the limit hit."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected text, got {type(text).__name__}", file=file)
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"expression of {len(text)} characters; the limit is "
                              f"{MAX_CHARS} (MAX_CHARS)", file=file)
    if not text.strip():
        raise ExpressionError("empty expression", file=file, token="<end of input>")
    try:
        return ast.parse(text.replace("^", "**").strip(), mode="eval")
    except SyntaxError as e:
        col = max(e.offset or 1, 1)
        rest = ((e.text or "").splitlines() or [""])[0][col - 1:].split()
        raise ExpressionError(f"cannot read {text!r} as a sympy expression: {e.msg}", file=file,
                              line=e.lineno, column=col, token=rest[0] if rest else
                              "<end of input>") from None
    except ValueError as e:  # e.g. a NUL character (a SyntaxError from Python 3.12)
        raise ExpressionError(f"cannot read the expression: {e}", file=file) from None
    except (RecursionError, MemoryError) as e:
        raise ExpressionError(f"cannot read the expression: too long a chain or too deep a "
                              f"nesting for Python's parser ({type(e).__name__}); chains of "
                              f"about 1,000 terms and {MAX_DEPTH} nested levels (MAX_DEPTH) "
                              "are read", file=file) from None


def _check(tree: ast.Expression) -> None:
    """Refuse any node outside the whitelist, and more than ``MAX_NODES`` nodes."""
    count = 0
    for node in ast.walk(tree):  # breadth first, without recursion
        count += 1
        if count > MAX_NODES:
            raise _Refused(None, f"more than {MAX_NODES} syntax nodes (MAX_NODES)")
        if not isinstance(node, _ALLOWED):
            what = _REFUSED.get(type(node), f"{type(node).__name__} syntax")
            raise _Refused(node, f"{what} are not allowed")
        if isinstance(node, ast.Call):
            _check_call(node)
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            raise _Refused(node, "names starting with '_' are not allowed")


def _check_call(node: ast.Call) -> None:
    if node.keywords:
        raise _Refused(node.keywords[0], "keyword arguments are not allowed")
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        known = ", ".join(sorted(FUNCTIONS))
        raise _Refused(node.func, f"only these functions can be called: {known}")
    arities = FUNCTIONS[node.func.id].arities
    n = len(node.args)
    if (arities is None and n == 0) or (arities is not None and n not in arities):
        takes = " or ".join(map(str, arities)) if arities else "one or more"
        raise _Refused(node, f"{node.func.id} takes {takes} arguments, got {n}")


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    if isinstance(node, ast.Expression):
        return [node.body]
    return []


def _build(tree: ast.Expression, symbol: Callable[[str], Any], names: dict[str, Any]
           ) -> sympy.Basic:
    """Post-order over the tree with an explicit stack: (value, depth) per finished node."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    done: list[tuple[Any, int]] = []
    while stack:
        node, ready = stack.pop()
        kids = _children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((k, False) for k in reversed(kids))
            continue
        args = done[len(done) - len(kids):] if kids else []
        del done[len(done) - len(kids):]
        depth = _depth(node, kids, [d for _, d in args])
        if depth > MAX_DEPTH:
            raise _Refused(node, f"nested more than {MAX_DEPTH} levels (MAX_DEPTH)")
        done.append((_value(node, [v for v, _ in args], symbol, names), depth))
    return done[0][0]


def _depth(node: ast.AST, kids: list[ast.AST], depths: list[int]) -> int:
    """Nesting level: chains of one kind (sums, products) and unary signs add no level."""
    if not kids:
        return 0
    chain = _CHAIN.get(type(getattr(node, "op", None)))
    if isinstance(node, (ast.UnaryOp, ast.Expression)):
        return depths[0]
    same = [chain is not None and _CHAIN.get(type(getattr(k, "op", None))) == chain
            and isinstance(k, ast.BinOp) for k in kids]
    return max(d if s else d + 1 for d, s in zip(depths, same, strict=True))


def _value(node: ast.AST, args: list[Any], symbol: Callable[[str], Any],
           names: dict[str, Any]) -> Any:
    try:
        if isinstance(node, ast.Constant):
            return _number(node)
        if isinstance(node, ast.Name):
            return _name(node, symbol, names)
        if isinstance(node, ast.BinOp):
            return BINARY[type(node.op)](*args)
        if isinstance(node, ast.UnaryOp):
            return UNARY[type(node.op)](*args)
        if isinstance(node, ast.Call):
            return FUNCTIONS[node.func.id].build(*args)
        return args[0]  # the Expression wrapper
    except _Refused as e:
        raise _Refused(node, e.reason) from None
    except (ArithmeticError, TypeError, ValueError, RecursionError) as e:
        raise _Refused(node, f"sympy cannot build it ({type(e).__name__}: {e})") from None


def _number(node: ast.Constant) -> sympy.Basic:
    """An integer of at most ``MAX_DIGITS`` digits or a finite float; nothing else.

    >>> _number(ast.Constant(12)), _number(ast.Constant(0.25))
    (12, 0.250000000000000)
    """
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Refused(node, f"{type(value).__name__} constants are not allowed")
    if isinstance(value, int):
        if value.bit_length() > MAX_DIGITS * math.log2(10):
            raise _Refused(node, f"an integer of more than {MAX_DIGITS} digits (MAX_DIGITS)")
        return sympy.Integer(value)
    if not math.isfinite(value):
        raise _Refused(node, "a float too large to be finite")
    return sympy.Float(value)


def _name(node: ast.Name, symbol: Callable[[str], Any], names: dict[str, Any]) -> Any:
    if node.id in names:
        return names[node.id]
    if node.id in FUNCTIONS:
        raise _Refused(node, f"{node.id} is a function; call it, e.g. {node.id}(x)")
    return CONSTANTS.get(node.id) or symbol(node.id)


def _power(base: Any, exponent: Any) -> Any:
    """``base ** exponent``, refusing exact powers of numbers above ``MAX_POWER_BITS``.

    >>> _power(sympy.Integer(2), sympy.Integer(10))
    1024
    """
    if isinstance(base, sympy.Rational) and isinstance(exponent, sympy.Integer):
        size = max(abs(base.p).bit_length(), abs(base.q).bit_length(), 1)
        if abs(int(exponent)) * size > MAX_POWER_BITS and abs(base) != 1:
            raise _Refused(None, f"an exact power above {MAX_POWER_BITS} bits (MAX_POWER_BITS)")
    return base ** exponent


def _error(text: str, node: ast.AST | None, reason: str, file: str):
    """The ExpressionError for a refused node: line, column (in characters) and its text."""
    token = ast.get_source_segment(text, node) if node is not None else None
    line = getattr(node, "lineno", None)
    column = None
    if line is not None:
        src = text.splitlines()[line - 1].encode()
        column = len(src[: node.col_offset].decode(errors="ignore")) + 1
    shown = text if len(text) <= 80 else text[:77] + "..."
    shown = token if token and len(text) > 80 else shown
    return ExpressionError(f"cannot read {shown} as a sympy expression: {reason}", file=file,
                           line=line, column=column, token=token)
