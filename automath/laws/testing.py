"""Laws as tests: ``automath explore … --format pytest`` writes a file of plain pytest property
tests, one per law, that a user drops into their suite (QuickSpec prints QuickCheck
properties; this is the Python equivalent, with no dependency beyond automath and pytest).

Each test calls ``check_law``: both sides are evaluated at fresh samples of the kind (every
assignment in a small finite model) and must agree wherever both are defined; a failure
names the law and the assignment where its sides differ.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from automath.core.errors import AutomathError
from automath.core.grammar import Grammar
from automath.core.interpret import evaluate
from automath.core.sidecar import semantics_for
from automath.core.term import Term
from automath.laws.verify import sample_kind

SAMPLES = 512  # samples per law in a generated test (fresh: another seed than explore's)
_CONDITION = re.compile(r"^\s*(\w+)\s*\(\s*(\w+(?:\s*,\s*\w+)*)\s*\)\s*$")


class LawFailure(AssertionError):
    """A law whose sides differ at some sample (the assignment is in the message)."""


def check_law(grammar: str | Path, lhs: str, rhs: str, *, kind: str,
              semantics: str | Path | None = None, condition: str = "",
              samples: int = SAMPLES, seed: int = 1) -> int:
    """Check ``lhs = rhs`` (grammar syntax) at ``samples`` samples of ``kind``; with a
    ``condition`` such as ``"le(x, y)"`` (a predicate of the semantics file) only where it
    holds. Returns the number of samples checked; raises ``LawFailure`` on a counterexample.

    >>> check_law("semiring", "x * (y + z)", "x * y + x * z", kind="modp")
    512
    >>> check_law("semiring", "x + x", "x", kind="modp")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    automath.laws.testing.LawFailure: x + x = x fails at x = ...
    """
    g = grammar if isinstance(grammar, Grammar) else Grammar.load(grammar)
    sem = semantics_for(g, semantics)
    left, right = g.parse(lhs), g.parse(rhs)
    pred, pargs = parse_condition(condition)
    names = tuple(dict.fromkeys(left.variables() + right.variables() + pargs))
    if sem.typing is not None:  # a typed signature: its kind comes from [sorts]
        from automath.laws.poly import resolve
        from automath.laws.typed import typed_parts
        k, sem, _ = typed_parts(sem, sorted(_ops(left) | _ops(right)), None, None, samples,
                                seed)
        left, right = resolve(left, right, sem, k.var_sorts)
    else:
        k = sample_kind(kind, samples, seed, names)
    a, b = (evaluate(t, k, sem).expand(k.shape).unsqueeze(1) for t in (left, right))
    ok = k.valid(a) & k.valid(b)
    if pred:
        ok &= sem.predicate(pred).holds(k, [k.variable(v) for v in pargs])
    same = (k.quantize(a) == k.quantize(b)).all(dim=1)
    bad = (ok & ~same).nonzero().squeeze(1)
    text = f"{condition} => " * bool(condition) + f"{lhs} = {rhs}"
    if bad.numel():
        show = getattr(k, "show", lambda v, i: k.variable(v)[i].tolist())
        at = ", ".join(f"{v} = {show(v, int(bad[0]))}" for v in names)
        raise LawFailure(f"{text} fails at {at}")
    if not int(ok.sum()):
        raise LawFailure(f"{text}: no sample where both sides are defined"
                         + " and the condition holds" * bool(condition))
    return int(ok.sum())


def _ops(term: Term) -> set[str]:
    """The aliases of a term (not variables or numerals)."""
    own = set() if term.op in ("var", "num") else {term.op}
    return own.union(*(_ops(a) for a in term.args))


def parse_condition(text: str) -> tuple[str, tuple[str, ...]]:
    """``"le(x, y)"`` as ``("le", ("x", "y"))``; ``""`` as ``("", ())``.

    >>> parse_condition("le(x, y)"), parse_condition("")
    (('le', ('x', 'y')), ('', ()))
    """
    if not text.strip():
        return "", ()
    m = _CONDITION.match(text)
    if m is None:
        raise AutomathError(f"cannot read the condition {text!r}; write pred(x, y)", token=text)
    return m.group(1), tuple(v.strip() for v in m.group(2).split(","))


def pytest_file(laws: Sequence, *, grammar: str, kind: str, semantics: str | None = None,
                command: str = "", output: str | Path | None = None,
                samples: int = SAMPLES) -> str:
    """The text of a pytest module with one property test per law.

    Grammar and semantics files are named relative to ``output`` (the module's path) when
    given, so the module and the files move together; absolute otherwise.

    >>> from automath.laws.explore import explore
    >>> text = pytest_file(explore("semiring", size=3, weights=False), grammar="semiring",
    ...                    kind="modp")
    >>> "('', 'x + 0', 'x')," in text and "def test_law(" in text
    True
    """
    rows = "\n".join(f"    ({law.check!r}, {law.lhs_text!r}, "
                     f"{law.rhs_text!r}),  # {law.verified}" for law in laws)
    return _TEMPLATE.format(
        command=repr(command or "automath explore"), n=len(laws),
        kind_doc=re.sub(r"[^\w:.-]", "?", kind), samples=samples,
        grammar=_where(grammar, output), semantics=_where(semantics, output) if semantics
        else "None", kind_repr=repr(kind), rows=rows)


def _where(path: str, output: str | Path | None) -> str:
    """Python text for a grammar or semantics argument: a shipped name stays a name; a file
    becomes a path beside the generated module (relative to it) or an absolute one."""
    if not Path(path).is_file():
        return repr(path)
    full = Path(path).resolve()
    if output is None:
        return repr(str(full))
    rel = os.path.relpath(full, Path(output).resolve().parent)
    return f"str(HERE / {Path(rel).as_posix()!r})"


_TEMPLATE = '''"""Laws found by COMMAND below: {n} laws, value kind {kind_doc}.

Each test checks one law at {samples} fresh samples of the kind (every assignment in a small
finite model); a failure names the assignment where the two sides differ. Conditional laws
are checked where their condition holds. Generated by automath; regenerate rather than edit.
"""

from pathlib import Path

import pytest

from automath.laws.testing import check_law

COMMAND = {command}
HERE = Path(__file__).parent
GRAMMAR = {grammar}
SEMANTICS = {semantics}
KIND = {kind_repr}
SAMPLES = {samples}
LAWS = [  # (condition, lhs, rhs) in the grammar's syntax
{rows}
]


@pytest.mark.parametrize("condition,lhs,rhs", LAWS,
                         ids=[f"{{c + ' => ' if c else ''}}{{a}} = {{b}}" for c, a, b in LAWS])
def test_law(condition: str, lhs: str, rhs: str) -> None:
    assert check_law(GRAMMAR, lhs, rhs, kind=KIND, semantics=SEMANTICS,
                     condition=condition, samples=SAMPLES) > 0
'''
