"""One error family: every failure a user can cause is an ``AutomathError``."""

from __future__ import annotations


class AutomathError(Exception):
    """Base of every error automath raises on bad input.

    >>> isinstance(GrammarError("bad", file="g.lark", line=3, token="+"), AutomathError)
    True
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, token: str | None = None) -> None:
        self.message, self.file, self.line = message, file, line
        self.column, self.token = column, token
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file is not None or self.line is not None:
            where = self.file or "<text>"
            where += f":{self.line}" if self.line is not None else ""
            where += f":{self.column}" if self.column is not None and self.line else ""
            where += ": "
        tok = f" (at token {self.token!r})" if self.token is not None else ""
        return f"{where}{self.message}{tok}"


class GrammarError(AutomathError):
    """A grammar file that does not load, or an alias with no semantics."""


class ExpressionError(AutomathError):
    """Text that does not parse as an expression of the grammar."""


class KeyRangeError(AutomathError):
    """More elements or rules than the packed edge keys hold."""


class SemanticsError(AutomathError):
    """An operator with no kernel for the chosen value kind, or bad values."""


class DistributionError(AutomathError):
    """An empty or otherwise unusable distribution."""


class RunStoreError(AutomathError):
    """A run database that is missing, corrupt, or has no such run."""


class DataError(AutomathError):
    """Training data with NaN, mismatched shapes or other defects."""
