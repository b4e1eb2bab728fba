"""The data as a domain: fingerprints are values at the data points; losses against a target.

``DataKind`` evaluates every element at the training points, so a store's dedup merges
expressions that agree on the data; ``nmse`` and ``scaled_nmse`` score them against the target.
"""

from __future__ import annotations

from collections.abc import Mapping

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
