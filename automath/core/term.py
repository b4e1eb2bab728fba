"""Terms: immutable expression trees labelled by grammar aliases."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """An expression tree: an alias, its argument terms, and a token for atoms.

    >>> t = Term("add", (Term("var", token="x"), Term("num", token="1")))
    >>> t.size, t.variables()
    (3, ('x',))
    """

    op: str
    args: tuple[Term, ...] = ()
    token: str | None = None

    @property
    def size(self) -> int:
        """Number of nodes in the tree.

        >>> Term("neg", (Term("var", token="x"),)).size
        2
        """
        return 1 + sum(a.size for a in self.args)

    def variables(self) -> tuple[str, ...]:
        """Variable names in order of first appearance.

        >>> Term("mul", (Term("var", token="y"), Term("var", token="x"))).variables()
        ('y', 'x')
        """
        seen: dict[str, None] = {}
        self._collect(seen)
        return tuple(seen)

    def _collect(self, seen: dict[str, None]) -> None:
        if self.op == "var" and self.token is not None:
            seen.setdefault(self.token, None)
        for a in self.args:
            a._collect(seen)

    def __str__(self) -> str:
        if not self.args:
            return self.token if self.token is not None else self.op
        return f"{self.op}({', '.join(str(a) for a in self.args)})"
