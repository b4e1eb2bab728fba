"""The accuracy/complexity front of a fit and the choice of one formula on it (PySR's rules).

A front keeps, by size, only the entries that lower the loss by more than a relative ``rtol``
(so one formula never appears at several sizes with the same loss, and nothing after an exact
entry). Each row's *score* is the drop in log-loss per unit of size from the row before it;
``model_selection`` picks a row:

- ``"accuracy"``: the lowest loss;
- ``"score"``: the highest score;
- ``"best"`` (default): the highest score among rows whose loss is within ``1.5 ×`` the lowest
  (PySR's rule), over the rows that each lower the loss of the last such row by more than
  chance: a loss measured on ``n`` noisy rows has a relative standard error of ``√(2/n)``, so
  a row must lower the log-loss by ``3·√(2/n)`` (0.95 on 20 rows, 0.09 on 2,000). The lowest
  of millions of searched formulas undercuts the true one by chance: on 20 rows at 1 % noise
  a size-13 formula came within 6 % of ``exp(x)·cos(x)`` (size 5), and a size-20 one undercut
  the true size-11 Nguyen-5 by a factor of 1.7.

An exact entry (loss at most the fit's ``tol``) is always the one chosen. The loss used for the
scores is the validation loss where the fit held rows out, else the training loss.
"""

from __future__ import annotations

import math

from automath.core.errors import AutomathError

LOSS_FLOOR = 1e-30  # log-losses are taken of max(loss, LOSS_FLOOR): an exact fit is finite
BEST_WITHIN = 1.5   # "best" looks at rows within this factor of the lowest loss (as PySR)
CHANCE_Z = 3.0      # a row must beat the last by this many relative standard errors √(2/n)


def pareto(entries: list[dict], rtol: float = 1e-6) -> list[dict]:
    """Entries that lower the loss of every smaller entry by more than ``rtol`` (relative),
    by size; nothing follows an exact entry.

    >>> rows = [{"size": 3, "loss": 0.5, "exact": False}, {"size": 4, "loss": 0.5 - 1e-12,
    ...         "exact": False}, {"size": 5, "loss": 0.1, "exact": False}]
    >>> [r["size"] for r in pareto(rows)]
    [3, 5]
    """
    out: list[dict] = []
    for e in sorted(entries, key=lambda e: (e["size"], e["loss"])):
        if not out or (not out[-1]["exact"] and e["loss"] < out[-1]["loss"] * (1 - rtol)):
            out.append(e)
    return out


def _chosen_loss(entry: dict) -> float:
    val = entry.get("val_loss", math.nan)
    return entry["loss"] if val != val else val


def add_scores(front: list[dict]) -> list[dict]:
    """Set each row's ``score``: ``-Δ log(loss) / Δ size`` from the row before (0 for the first).

    >>> rows = add_scores([{"size": 2, "loss": 1.0}, {"size": 4, "loss": math.exp(-4)}])
    >>> [round(r["score"], 6) for r in rows]
    [0.0, 2.0]
    """
    prev = None
    for e in front:
        log = math.log(max(_chosen_loss(e), LOSS_FLOOR))
        e["score"] = 0.0 if prev is None else (prev[0] - log) / max(e["size"] - prev[1], 1)
        prev = (log, e["size"])
    return front


def min_drop(rows: int | None) -> float:
    """The drop in log-loss a larger row must make to count, on ``rows`` rows (0: many).

    >>> min_drop(None), round(min_drop(2000), 3), round(min_drop(20), 3)
    (0.0, 0.095, 0.949)
    """
    return 0.0 if not rows else CHANCE_Z * math.sqrt(2 / rows)


def beyond_chance(front: list[dict], rows: int | None) -> list[dict]:
    """The rows (by size) that each lower the log-loss of the last kept row by ``min_drop``.

    >>> rows = [{"size": s, "loss": v} for s, v in ((5, 8e-5), (13, 7.6e-5), (20, 1e-5))]
    >>> [r["size"] for r in beyond_chance(rows, 20)], len(beyond_chance(rows, None))
    ([5, 20], 3)
    """
    out: list[dict] = []
    for e in front:
        log = math.log(max(_chosen_loss(e), LOSS_FLOOR))
        if not out or math.log(max(_chosen_loss(out[-1]), LOSS_FLOOR)) - log > min_drop(rows):
            out.append(e)
    return out


def _best(front: list[dict], rows: int | None = None) -> dict:
    kept = add_scores([dict(e, row=e) for e in beyond_chance(front, rows)])
    low = min(_chosen_loss(e) for e in kept)
    near = [e for e in kept if _chosen_loss(e) <= BEST_WITHIN * low + 1e-300]
    return max(near, key=lambda e: e["score"])["row"]


SELECTIONS = {
    "accuracy": lambda front, rows: min(front, key=_chosen_loss),
    "score": lambda front, rows: max(front, key=lambda e: e["score"]),
    "best": _best,
}


def select(front: list[dict], how: str = "best", rows: int | None = None) -> dict:
    """The chosen row of a scored front: the smallest exact one, else by ``how`` (its losses
    measured on ``rows`` rows; ``None``: many).

    >>> front = add_scores([{"size": 3, "loss": 0.4, "exact": False},
    ...     {"size": 8, "loss": 0.0025, "exact": False}, {"size": 18, "loss": 0.0024,
    ...     "exact": False}])
    >>> [select(front, how)["size"] for how in ("accuracy", "score", "best")]
    [18, 8, 8]
    """
    check_selection(how)
    exact = [e for e in front if e["exact"]]
    return exact[0] if exact else SELECTIONS[how](front, rows)


def check_selection(how: str) -> None:
    """A clear error for an unknown ``model_selection``.

    >>> check_selection("best")
    """
    if how not in SELECTIONS:
        raise AutomathError(f"unknown model_selection {how!r}; choose from "
                            f"{', '.join(SELECTIONS)}")


def table(front: list[dict], exprs: list[object]):
    """The front as rows (a pandas DataFrame when pandas is installed, else a list of dicts).

    >>> rows = table([{"size": 1, "loss": 0.5, "weight": 0.0, "exact": False,
    ...     "selected": True, "score": 0.0}], ["x"])
    >>> (rows.to_dict("records") if hasattr(rows, "to_dict") else rows)[0]["expression"]
    'x'
    """
    rows = []
    for e, expr in zip(front, exprs, strict=True):
        rows.append({"expression": str(expr), "size": e["size"], "loss": e["loss"],
                     "val_loss": e.get("val_loss", math.nan), "score": e["score"],
                     "weight": e["weight"], "exact": e["exact"], "selected": e["selected"],
                     "sympy": expr})
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)


def records(model: object) -> list[dict]:
    """A fitted model's accuracy/size front (``equations_``) as plain dicts, whether or not
    pandas is installed.

    >>> class Fitted:
    ...     equations_ = table([{"size": 1, "loss": 0.5, "weight": 0.0, "exact": False,
    ...                          "selected": True, "score": 0.0}], ["x"])
    >>> [r["expression"] for r in records(Fitted())]
    ['x']
    """
    rows = model.equations_
    return rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
