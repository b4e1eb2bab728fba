"""A fitted ``SymbolicRegressor`` as a JSON file (no pickle): its parameters, the front (terms as
nested lists) and what ``predict``, ``sympy`` and a warm start from the front need.

The paused search itself is not saved (a warm start after ``load`` seeds a new search with the
saved front); a callback or a ``Grammar`` object parameter is saved as None / its name.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from automath.core.errors import AutomathError
from automath.core.term import Term

FORMAT = "automath-fit/1"
ROW_KEYS = ("size", "loss", "val_loss", "weight", "exact", "fitted", "selected", "score")
FITTED = ("variable_names_", "grammar_", "stopped_", "exact_", "found_by_", "seconds_",
          "n_elements_", "n_evaluations_", "n_features_in_")


def term_json(term: Term) -> list:
    """A term as nested lists ``[op, token, args...]``.

    >>> term_json(Term("add", (Term("var", token="x"), Term("num", (), "1/2"))))
    ['add', None, ['var', 'x'], ['num', '1/2']]
    """
    if not term.args:
        return [term.op, term.token]
    return [term.op, term.token, *(term_json(a) for a in term.args)]


def json_term(data: list) -> Term:
    """The term of ``term_json`` (a clear error for anything else).

    >>> str(json_term(['mul', None, ['var', 'x'], ['var', 'x']])) == str(Term("mul", (
    ...     Term("var", token="x"),) * 2))
    True
    """
    if not isinstance(data, list) or len(data) < 2 or not isinstance(data[0], str):
        raise AutomathError(f"saved fit: {data!r} is not a term")
    op, token, args = data[0], data[1], data[2:]
    if not args:
        return Term(op, (), token) if op == "num" else Term(op, token=token)
    return Term(op, tuple(json_term(a) for a in args), token)


def _plain(v: object) -> object:
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # 'nan', 'inf': strict JSON
    return v


def _number(v: object) -> object:
    return float(v) if v in ("nan", "inf", "-inf") else v


def fit_document(model: object) -> dict:
    """A fitted regressor as a JSON-ready document (``save_fit`` writes it to a file; a fit
    run stores it in its config, so ``automath fit --resume RUN`` can continue it)."""
    params = {k: (v if isinstance(v, (str, int, float, bool, type(None), list, tuple, dict))
                  else getattr(v, "name", None)) for k, v in model.get_params().items()}
    params["callback"] = None
    rows = [{**{k: _plain(e.get(k)) for k in ROW_KEYS}, "term": term_json(e["term"])}
            for e in model._front]
    fitted = {k: _plain(getattr(model, k)) for k in FITTED if hasattr(model, k)}
    if hasattr(model, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(c) for c in model.feature_names_in_]
    return {"format": FORMAT, "params": params, "fitted": fitted, "front": rows}


def save_fit(model: object, path: str | Path) -> None:
    """Write a fitted regressor to ``path`` as JSON."""
    Path(path).write_text(json.dumps(fit_document(model), indent=1))


def load_fit(cls: type, path: str | Path) -> object:
    """A regressor of class ``cls`` read back from ``save_fit``'s file."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise AutomathError(f"cannot read a saved fit: {e}", file=str(path)) from None
    return document_fit(cls, doc, str(path))


def document_fit(cls: type, doc: object, source: str) -> object:
    """A regressor of class ``cls`` from ``fit_document``'s document; ``source`` names where
    the document came from in the error for anything else."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise AutomathError(f"not a saved fit (format {FORMAT!r})", file=source)
    model = cls(**doc["params"])
    for k, v in doc["fitted"].items():
        setattr(model, k, np.array(v, dtype=object) if k == "feature_names_in_" else v)
    model._front = [{**{k: _number(r[k]) for k in ROW_KEYS}, "term": json_term(r["term"])}
                    for r in doc["front"]]
    return model
