"""Bounded lists (``list`` or ``list:n``): lists of small integers of length at most n, each
value a row ``[length, item_1, …, item_n]`` padded with zeros, with the kernels ``append``,
``reverse`` and ``nil``. A result longer than n is an overflow (the term is dropped).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import Kind


class ListKind(Kind):
    """Lists of integers 0..9 of length at most ``length``; variables have lengths 0..3.

    >>> lk = ListKind(k=2, length=4); xs = lk.variable("xs"); xs.shape
    torch.Size([2, 5])
    >>> lk.valid(torch.tensor([[[2, 1, 2, 0, 0]], [[5, 1, 1, 1, 1]]])).tolist()
    [True, False]
    """

    name = "list"
    dtype = torch.int64

    def __init__(self, k: int = 16, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = (), length: int = 16) -> None:
        super().__init__(k, seed, device, variables)
        self.length = length

    @property
    def spec(self) -> str:
        """``list:n``.

        >>> ListKind(length=8).spec
        'list:8'
        """
        return f"list:{self.length}"

    @property
    def shape(self) -> tuple[int, ...]:
        """One row ``[length, items…]`` per sample: ``(k, length + 1)``.

        >>> ListKind(k=3, length=4).shape
        (3, 5)
        """
        return (self.k, self.length + 1)

    def variable(self, name: str) -> torch.Tensor:
        """K random lists of length 0..3 (items 0..9), fixed by seed and name.

        >>> xs = ListKind(k=4, length=4).variable("xs"); bool((xs[:, 0] <= 3).all())
        True
        """
        g = self._gen(name)
        n = torch.randint(0, 4, (self.k, 1), generator=g)
        items = torch.randint(0, 10, (self.k, self.length), generator=g)
        items = torch.where(torch.arange(self.length) < n, items, 0)
        return torch.cat([n, items], dim=1).to(self.device)

    def empty(self) -> torch.Tensor:
        """The empty list at every sample.

        >>> ListKind(k=1, length=2).empty().tolist()
        [[0, 0, 0]]
        """
        return torch.zeros(self.shape, dtype=torch.int64, device=self.device)

    def constant(self, value: str) -> torch.Tensor:
        """Always an error: lists have no numerals (use ``nil``).

        >>> ListKind().constant("1")
        Traceback (most recent call last):
        ...
        automath.core.errors.SemanticsError: lists have no numerals; use nil (at token '1')
        """
        raise SemanticsError("lists have no numerals; use nil", token=str(value))

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows whose every sample has a length in 0..n.

        >>> ListKind(k=1, length=2).valid(torch.tensor([[[3, 1, 1]]])).tolist()
        [False]
        """
        n = values[..., 0].flatten(1)
        return ((n >= 0) & (n <= values.shape[-1] - 1)).all(dim=1)

    def overflow(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with a list longer than n.

        >>> ListKind(k=1, length=2).overflow(torch.tensor([[[3, 1, 1]]])).tolist()
        [True]
        """
        return (values[..., 0].flatten(1) > values.shape[-1] - 1).any(dim=1)


def append(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a ++ b``: items of a, then items of b (a length beyond n marks an overflow).

    >>> append(torch.tensor([[2, 7, 8, 0]]), torch.tensor([[1, 9, 0, 0]])).tolist()
    [[3, 7, 8, 9]]
    """
    a, b = torch.broadcast_tensors(a, b)
    la, lb, size = a[..., :1], b[..., :1], a.shape[-1] - 1
    pos = torch.arange(size, device=a.device)
    from_b = torch.gather(b[..., 1:], -1, (pos - la).clamp(0, size - 1))
    items = torch.where(pos < la, a[..., 1:], torch.where(pos < la + lb, from_b, 0))
    return torch.cat([la + lb, items], dim=-1)


def reverse(a: torch.Tensor) -> torch.Tensor:
    """The items of a in reverse order.

    >>> reverse(torch.tensor([[2, 7, 8, 0]])).tolist()
    [[2, 8, 7, 0]]
    """
    la, size = a[..., :1], a.shape[-1] - 1
    pos = torch.arange(size, device=a.device)
    items = torch.gather(a[..., 1:], -1, (la - 1 - pos).clamp(0, size - 1))
    return torch.cat([la, torch.where(pos < la, items, 0)], dim=-1)
