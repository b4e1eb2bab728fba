"""A run's domain and score from its stored spec, opening no code a database names unless
asked: ``query`` reads a run, ``run --resume`` continues one the user started."""

from __future__ import annotations

import re


def build_domain(spec: dict, *, allow_code: bool = False):
    """A run's domain: the grammar, its semantics (``spec["semantics"]``, a file; else the
    file beside the grammar; else the built-in table) and its kind (``spec["kind"]``, else the
    semantics file's, else the grammar's preset). ``allow_code``: the named semantics file may
    use ``module:Op`` entries (the file beside a grammar never may).

    >>> build_domain({"grammar": "arith", "atoms": "x,1", "k": 4}).kind.name
    'real'
    """
    from automath.core.domain import Domain
    from automath.core.grammar import Grammar
    from automath.core.sidecar import load_semantics, semantics_for
    spec = dict(spec)
    g = Grammar.load(spec.pop("grammar", "arith"))
    named = spec.pop("semantics", None)
    sem = load_semantics(named, grammar=g, allow_code=allow_code) if named else semantics_for(g)
    kind = spec.pop("kind", None) or sem.kind
    check_arities(g, sem)
    return Domain.create(g, kind=kind, semantics=sem, **spec)


def check_arities(grammar, semantics) -> None:
    """Refuse an alias whose arity differs from its operator's in the semantics (a unary
    ``-> add`` passed the check and then crashed the run's kernel).

    >>> from automath.core.grammar import Grammar
    >>> from automath.core.semantics import Semantics
    >>> check_arities(Grammar('?start: e\\n?e: "+" e -> add | "x" -> x'), Semantics())
    Traceback (most recent call last):
    automath.core.errors.GrammarError: <text>:2: alias 'add' takes 1 argument here; its \
operator takes 2 (rename the alias or give it semantics of that arity) (at token 'add')
    """
    from automath.core.errors import GrammarError
    for alias, con in grammar.constructors.items():
        if alias in semantics and semantics[alias].arity != con.arity:
            lines = [n for n, src in enumerate(grammar.text.splitlines(), 1)
                     if re.search(rf"->\s*{re.escape(alias)}\b", src)]
            plural = "" if con.arity == 1 else "s"
            raise GrammarError(f"alias {alias!r} takes {con.arity} argument{plural} here; its "
                               f"operator takes {semantics[alias].arity} (rename the alias or "
                               "give it semantics of that arity)", file=grammar.path or "<text>",
                               line=lines[0] if lines else None, token=alias)


def unread_score(spec: str):
    """The stand-in for a user score a read command does not import: every score 0 (``query``
    shows none).

    >>> import torch
    >>> unread_score("mod:fn")(None, torch.arange(2)).tolist()
    [0.0, 0.0]
    """
    import torch

    def score(store, ids):
        return torch.zeros(len(ids), dtype=torch.float64)
    score.__name__ = f"unread({spec})"
    return score
