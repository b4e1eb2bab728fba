"""Names of a package loaded on first use (PEP 562), so a light import stays light."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_names(package: dict, table: Mapping[str, str]) -> tuple[Callable, Callable]:
    """``__getattr__`` and ``__dir__`` for a package whose ``table`` maps names to modules.

    >>> ns = {"__name__": "demo"}
    >>> getattr_, dir_ = lazy_names(ns, {"sqrt": "math"})
    >>> getattr_("sqrt")(9.0), "sqrt" in ns, "sqrt" in dir_()
    (3.0, True, True)
    """
    def __getattr__(name: str) -> object:
        if name not in table:
            raise AttributeError(f"module {package['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(table[name]), name)
        package[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(package) | set(table))

    return __getattr__, __dir__
