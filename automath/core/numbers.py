"""Number kinds beyond the core ones: naturals (bounded, overflow detected) and integer
sequences indexed by ``n``. Both use the ``int`` kernels, so gcd, lcm and the bitwise
kernels run exactly (see ``IntKind.run_kernel``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import INT_LIMIT, IntKind, integer


class NatKind(IntKind):
    """Naturals at K random points in [0, 1000]; a negative result is undefined (no value)
    and one beyond 2**50 an overflow, so ``x - y`` is defined where ``x >= y``.

    >>> n = NatKind(k=6); x = n.variable("x"); bool((x >= 0).all()), n.family
    (True, 'int')
    >>> n.valid(torch.tensor([[1, 2], [-1, 2], [2**51, 0]])).tolist()
    [True, False, False]
    """

    name = "nat"

    @property
    def family(self) -> str:
        """Naturals use the ``int`` kernels.

        >>> NatKind().family
        'int'
        """
        return "int"

    def variable(self, name: str) -> torch.Tensor:
        """The values of variable ``name``: k random naturals in [0, 1000].

        >>> x = NatKind(k=5).variable("x"); bool(((x >= 0) & (x <= 1000)).all())
        True
        """
        return torch.randint(0, 1001, self.shape, generator=self._gen(name)).to(self.device)

    def constant(self, value: str | int) -> torch.Tensor:
        """A natural numeral at every sample; a negative or fractional one is an error.

        >>> NatKind(k=2).constant("3").tolist()
        [3, 3]
        """
        v = integer(value, self.name)
        if v < 0:
            raise SemanticsError(f"numeral {value!r} is not a natural number", token=str(value))
        return torch.full(self.shape, v, dtype=torch.int64, device=self.device)

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows with every value in [0, 2**50].

        >>> NatKind().valid(torch.tensor([[0, 2**50]])).tolist()
        [True]
        """
        v = values.flatten(1)
        return (v >= 0).all(dim=1) & (v <= INT_LIMIT).all(dim=1)


class SeqKind(IntKind):
    """Integer sequences: the variable ``n`` takes the values start, start+1, …, start+k-1.

    Kernels are those of the ``int`` kind, so a term's fingerprint is its first k terms.

    >>> SeqKind(k=5, variables=("n",)).variable("n").tolist()
    [0, 1, 2, 3, 4]
    """

    name = "seq"

    def __init__(self, k: int = 10, seed: int = 0, device: str | torch.device = "cpu",
                 variables: Sequence[str] = (), start: int = 0) -> None:
        super().__init__(k, seed, device, variables)
        self.start = start

    @property
    def family(self) -> str:
        """Sequences borrow the ``int`` kernels.

        >>> SeqKind().family
        'int'
        """
        return "int"

    def variable(self, name: str) -> torch.Tensor:
        """The index ``n``: start, start+1, …, start+k-1; any other name is an error.

        >>> SeqKind(k=4, start=1).variable("n").tolist()
        [1, 2, 3, 4]
        >>> SeqKind().variable("m")
        Traceback (most recent call last):
        ...
        automath.core.errors.SemanticsError: sequences have one variable, n (got 'm') (at token 'm')
        """
        if name != "n":
            raise SemanticsError(f"sequences have one variable, n (got {name!r})", token=name)
        return torch.arange(self.start, self.start + self.k, device=self.device)
