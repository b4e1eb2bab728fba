"""automath: automated mathematical discovery with weighted, fingerprinted expressions."""

from automath._errors import (
    AutomathError,
    DataError,
    DistributionError,
    ExpressionError,
    GrammarError,
    RunStoreError,
    SemanticsError,
)

__all__ = [
    "AutomathError",
    "DataError",
    "DistributionError",
    "ExpressionError",
    "GrammarError",
    "RunStoreError",
    "SemanticsError",
]
