"""The data as a domain: fingerprints are values at the data points; losses against a target.

``DataKind`` evaluates every element at the training points, so a store's dedup merges
expressions that agree on the data; ``nmse`` and ``scaled_nmse`` score them against the target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from automath.core.domain import Domain
from automath.core.errors import DataError
from automath.core.kinds import RealKind


class DataKind(RealKind):
    """Real values at the data points: a variable's fingerprint is its column of the data.

    >>> k = DataKind({"x": [1.0, 2.0, 3.0]}); k.variable("x").tolist(), k.k
    ([1.0, 2.0, 3.0], 3)
    """

    def __init__(self, columns: Mapping[str, object], device: str | torch.device = "cpu") -> None:
        cols = {n: torch.as_tensor(v, dtype=torch.float64).reshape(-1).to(device)
                for n, v in columns.items()}
        n = len(next(iter(cols.values()))) if cols else 0
        super().__init__(k=n, seed=0, device=device, variables=tuple(cols))
        self.columns = cols

    def variable(self, name: str) -> Tensor:
        if name not in self.columns:
            raise DataError(f"variable {name!r} has no data column (columns: "
                            f"{sorted(self.columns)})", token=name)
        return self.columns[name]


def data_domain(grammar: object, columns: Mapping[str, object], numerals: tuple[str, ...] = (),
                semantics: object = None, device: str = "cpu") -> Domain:
    """A domain whose value kind is the data: atoms are the variables (and numerals).

    >>> d = data_domain("nguyen", {"x": [1.0, 2.0]}); d.kind.k, d.rules[:2]
    (2, ('add', 'sub'))
    """
    import dataclasses
    d = Domain.create(grammar, atoms=[*columns, *numerals], kind="real", semantics=semantics)
    return dataclasses.replace(d, kind=DataKind(columns, device))


def nmse(values: Tensor, y: Tensor) -> Tensor:
    """Normalized mean squared error of each row of ``values`` against ``y``.

    >>> nmse(torch.tensor([[1., 2.], [1., 1.]]), torch.tensor([1., 2.])).tolist()
    [0.0, 2.0]
    """
    var = y.var(unbiased=False).clamp_min(1e-300)
    return ((values - y) ** 2).mean(dim=1) / var


def scaled_nmse(values: Tensor, y: Tensor) -> Tensor:
    """NMSE after the best affine map ``a·v + b`` of each row (``1 - r²``; 1 for constants).

    >>> scaled_nmse(torch.tensor([[1., 2., 3.], [1., 1., 1.]]), torch.tensor([5., 7., 9.]))
    tensor([0., 1.])
    """
    vc, yc = values - values.mean(1, keepdim=True), y - y.mean()
    den = (vc * vc).sum(1) * (yc * yc).sum()
    r2 = torch.where(den > 0, (vc @ yc) ** 2 / den.clamp_min(1e-300), 0.0)
    return torch.nan_to_num(1 - r2, nan=1.0).clamp(0, 1)


SCORES = {"nmse": nmse, "scaled": scaled_nmse}


@dataclass
class FitData:
    """A fit's rows as float64 tensors: training ``x``, ``y`` and held-out ``xv``, ``yv``
    (empty without a validation split); ``losses`` scores a model on both.

    >>> d = split_rows(np.arange(10.0)[:, None], np.arange(10.0), 0.2, seed=0)
    >>> len(d.y), len(d.yv)
    (8, 2)
    """

    x: Tensor
    y: Tensor
    xv: Tensor
    yv: Tensor

    def losses(self, model: Callable[[Tensor], Tensor]) -> tuple[float, float]:
        """NMSE of ``model`` on the training rows and on the validation rows (NaN: none)."""
        with torch.no_grad():
            train = float(nmse(model(self.x).detach()[None], self.y)[0])
            val = float(nmse(model(self.xv).detach()[None], self.yv)[0]) if len(self.yv) \
                else math.nan
        return (train if train == train else math.inf), (val if val == val or not len(self.yv)
                                                          else math.inf)

    @property
    def rows(self) -> int:
        """The rows model selection's losses are measured on: validation rows, else training."""
        return len(self.yv) or len(self.y)

    def subsample(self, rows: int | None, seed: int) -> FitData:
        """At most ``rows`` training rows, drawn without replacement (deterministic by
        ``seed``, kept in order); the validation rows stay. Itself when it has no more rows.

        >>> d = split_rows(np.arange(10.0)[:, None], np.arange(10.0), 0.0, seed=0)
        >>> s = d.subsample(4, seed=1); len(s.y), bool((s.x[:, 0] == s.y).all())
        (4, True)
        >>> d.subsample(None, seed=1) is d
        True
        """
        if rows is None or len(self.y) <= rows:
            return self
        keep = np.sort(np.random.default_rng([seed, 11]).choice(len(self.y), rows, replace=False))
        idx = torch.from_numpy(keep)
        return FitData(self.x[idx], self.y[idx], self.xv, self.yv)


def split_rows(x: np.ndarray, y: np.ndarray, fraction: float, seed: int) -> FitData:
    """Hold out ``fraction`` of the rows (at random, at least one when ``fraction > 0``) for
    validation; the rest train.

    >>> d = split_rows(np.ones((5, 1)), np.arange(5.0), 0.0, seed=0); len(d.y), len(d.yv)
    (5, 0)
    """
    if not 0.0 <= fraction < 1.0:
        raise DataError(f"validation_fraction must be in [0, 1), got {fraction}")
    n_val = 0 if fraction == 0 else min(len(y) - 2, max(1, round(fraction * len(y))))
    order = np.random.default_rng([seed, 7]).permutation(len(y))
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    t = [torch.tensor(a) for a in (x[train], y[train], x[val], y[val])]
    return FitData(*t)
