"""A run's domain and score from its stored spec, opening no code a database names unless
asked: ``query`` reads a run, ``run --resume`` continues one the user started."""

from __future__ import annotations


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
    return Domain.create(g, kind=kind, semantics=sem, **spec)


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
