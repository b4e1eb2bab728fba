"""What a law exploration ranges over: grammar, operators, atoms, value kind and semantics.

``automath.laws.explore.signature`` resolves user input into a ``Signature``; the verifier
(``automath.laws.verify``) and the enumeration read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from automath.core.grammar import Grammar
from automath.core.kinds import Kind
from automath.core.semantics import Semantics
from automath.core.term import Term


@dataclass(frozen=True)
class Signature:
    """What to explore: grammar, operators, atoms (variables, constants), kind, semantics.

    >>> from automath.laws.explore import signature
    >>> signature("semiring", vars="xy").ops
    ('add', 'mul')
    """

    grammar: Grammar
    ops: tuple[str, ...]
    variables: tuple[Term, ...]
    constants: tuple[Term, ...]
    kind: Kind
    semantics: Semantics

    @property
    def atoms(self) -> tuple[Term, ...]:
        """The variables, then the constants.

        >>> from automath.laws.explore import signature
        >>> [str(a) for a in signature("semiring", vars="xy").atoms]
        ['x', 'y', '0', '1']
        """
        return self.variables + self.constants
