"""Units: plain dimension strings (``"m"``, ``"s"``, ``"kg*m/s^2"``) and the dimension of a term.

A unit string is a product of base units (``m s kg A K mol cd``, or the derived ``N J W C V
Pa Hz``), each with an optional integer or fraction exponent (``s^-2``, ``m^(1/2)``),
joined by ``*`` and ``/`` (``/`` divides by the next factor only; no parentheses);
``""`` and ``"1"`` are dimensionless. A term's dimension follows its operators: ``+``/``-``
need equal dimensions, ``*``/``/`` add and subtract them, ``sin cos exp log`` need and give
none, ``sqrt`` halves. A numeral is a wildcard (it may carry any unit, as PySR's constants do),
so ``2.5*x`` is consistent with any target unit; a term is *consistent* when no operator meets
mismatched dimensions and its dimension is the target's (or a wildcard).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

from automath.core.errors import AutomathError
from automath.core.term import Term

BASE = ("m", "s", "kg", "A", "K", "mol", "cd")
DERIVED = {"N": "kg*m/s^2", "J": "kg*m^2/s^2", "W": "kg*m^2/s^3", "C": "A*s",
           "V": "kg*m^2/s^3/A", "Pa": "kg/m/s^2", "Hz": "1/s"}
Dim = tuple[Fraction, ...]
WILD = None  # the dimension of a numeral: any
NONE_DIM: Dim = (Fraction(0),) * len(BASE)
FACTOR = re.compile(r"\s*([A-Za-z]+|1)\s*(?:(?:\^|\*\*)\s*\(?\s*(-?\d+(?:/\d+)?)\s*\)?)?\s*")


class UnitError(AutomathError, ValueError):
    """A unit string that cannot be read (names the token)."""


def parse_units(text: str) -> Dim:
    """Exponents of the base units ``m s kg A K mol cd`` in a unit string.

    >>> [str(e) for e in parse_units("kg*m/s^2")]
    ['1', '-2', '1', '0', '0', '0', '0']
    >>> parse_units("N") == parse_units("kg*m/s^2"), parse_units("") == NONE_DIM
    (True, True)
    """
    out, pos, sign = list(NONE_DIM), 0, 1
    text = text.strip()
    while pos < len(text):
        m = FACTOR.match(text, pos)
        if m is None or m.end() == pos:
            raise UnitError(f"cannot read unit {text!r} at {text[pos:]!r}", token=text[pos:])
        name, power = m.group(1), Fraction(m.group(2) or 1)
        out = [a + sign * power * b for a, b in zip(out, _named(name, text), strict=True)]
        pos = m.end()
        if pos < len(text):
            if text[pos] not in "*/":
                raise UnitError(f"expected * or / in unit {text!r} at {text[pos:]!r}",
                                token=text[pos:])
            sign, pos = (1 if text[pos] == "*" else -1), pos + 1
    return tuple(out)


def _named(name: str, text: str) -> Dim:
    if name == "1":
        return NONE_DIM
    if name in BASE:
        return tuple(Fraction(int(b == name)) for b in BASE)
    if name in DERIVED:
        return parse_units(DERIVED[name])
    raise UnitError(f"unknown unit {name!r} in {text!r} (known: {', '.join(BASE)}, "
                    f"{', '.join(DERIVED)})", token=name)


class Inconsistent(Exception):
    """An operator met mismatched dimensions."""


def _same(a: Dim | None, b: Dim | None) -> Dim | None:
    if a is WILD or b is WILD or a == b:
        return b if a is WILD else a
    raise Inconsistent


def _none(a: Dim | None) -> Dim:
    if a is not WILD and a != NONE_DIM:
        raise Inconsistent
    return NONE_DIM


def _combine(a: Dim | None, b: Dim | None, sign: int) -> Dim | None:
    if a is WILD or b is WILD:
        return WILD
    return tuple(x + sign * y for x, y in zip(a, b, strict=True))


RULES = {
    "add": _same, "sub": _same, "max": _same, "min": _same,
    "mul": lambda a, b: _combine(a, b, 1), "div": lambda a, b: _combine(a, b, -1),
    "neg": lambda a: a, "abs": lambda a: a,
    "sqrt": lambda a: WILD if a is WILD else tuple(x / 2 for x in a),
}


def dimension(term: Term, units: Mapping[str, Dim]) -> Dim | None:
    """The dimension of ``term`` (None: a wildcard) given each variable's; raises
    ``Inconsistent`` where an operator meets mismatched ones. Operators without a rule
    (``sin``, ``exp``, ``log``, ``pow``...) need dimensionless arguments and give none.

    >>> from automath.core.grammar import Grammar
    >>> g, u = Grammar.load("trig"), {"d": parse_units("m"), "t": parse_units("s")}
    >>> dimension(g.parse("d/t"), u) == parse_units("m/s"), dimension(g.parse("2*d"), u)
    (True, None)
    """
    if term.op == "var":
        return units[term.token]
    if term.op == "num":
        return WILD
    args = [dimension(a, units) for a in term.args]
    rule = RULES.get(term.op)
    if rule is not None:
        return rule(*args)
    for a in args:
        _none(a)
    return NONE_DIM


def consistent(term: Term, units: Mapping[str, Dim], target: Dim | None) -> bool:
    """Whether no operator of ``term`` meets mismatched dimensions and its dimension is
    ``target``'s (None: any).

    >>> from automath.core.grammar import Grammar
    >>> g, u = Grammar.load("trig"), {"d": parse_units("m"), "t": parse_units("s")}
    >>> consistent(g.parse("d/t"), u, parse_units("m/s")), consistent(g.parse("d + t"), u, None)
    (True, False)
    """
    try:
        dim = dimension(term, units)
    except Inconsistent:
        return False
    return target is None or dim is WILD or dim == target


def unit_check(x_units: Mapping[str, str] | Sequence[str] | None, y_units: str | None,
               names: Sequence[str]) -> Callable[[Term], bool] | None:
    """A fit's consistency check from its ``X_units`` (by column or by name) and ``y_units``
    (None: any); None without ``X_units``.

    >>> from automath.core.grammar import Grammar
    >>> ok = unit_check(["m", "s"], "m/s", ["d", "t"]); g = Grammar.load("trig")
    >>> ok(g.parse("d/t")), ok(g.parse("d*t")), unit_check(None, "m", ["d"])
    (True, False, None)
    """
    dims = unit_dims(x_units, names)
    if dims is None:
        return None
    target = None if y_units is None else parse_units(y_units)
    return lambda term: consistent(term, dims, target)


def unit_dims(x_units: Mapping[str, str] | Sequence[str] | None,
              names: Sequence[str]) -> dict[str, Dim] | None:
    """Each variable's dimension from ``X_units`` (by column or by name); None without.

    >>> [str(e) for e in unit_dims(["m/s"], ["v"])["v"][:2]]
    ['1', '-1']
    """
    if x_units is None:
        return None
    if isinstance(x_units, str):
        x_units = [x_units]
    if not isinstance(x_units, Mapping):
        if len(x_units) != len(names):
            raise UnitError(f"{len(x_units)} X_units for {len(names)} columns of X")
        x_units = dict(zip(names, x_units, strict=True))
    missing = [n for n in names if n not in x_units]
    if missing:
        raise UnitError(f"X_units has no unit for {missing[0]!r}", token=missing[0])
    return {n: parse_units(str(x_units[n])) for n in names}
