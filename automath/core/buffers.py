"""Growable column buffers: named tensors of equal length that double their capacity as rows
are appended (amortized O(1) per row); reading a column gives its filled part.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch


class Columns:
    """Named column buffers sharing one row count.

    ``columns[name]`` is a view of the filled rows, so writing into it writes the buffer.

    >>> cols = Columns({"a": torch.empty(0, dtype=torch.int64)})
    >>> cols.append({"a": torch.tensor([4, 5])}), cols.append({}, 1), cols["a"].tolist()
    (0, 2, [4, 5, 0])
    """

    def __init__(self, buffers: Mapping[str, torch.Tensor], n: int = 0) -> None:
        self._buffers, self.n = dict(buffers), n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> torch.Tensor:
        return self._buffers[name][: self.n]

    def extend(self, m: int) -> int:
        """Make room for ``m`` more rows and count them filled (their contents are left to the
        caller to write); returns the first new row.

        >>> cols = Columns({"v": torch.empty((0, 2))}); cols.extend(3), cols["v"].shape
        (0, torch.Size([3, 2]))
        """
        start = self.n
        self._reserve(start + m)
        self.n = start + m
        return start

    def append(self, rows: Mapping[str, torch.Tensor], m: int | None = None) -> int:
        """Append ``m`` rows (default: the length of the given columns); a column not in
        ``rows`` gets zeros. Returns the first new row.

        >>> cols = Columns({"a": torch.empty(0), "b": torch.empty(0)})
        >>> cols.append({"a": torch.tensor([1.0])}), cols["b"].tolist()
        (0, [0.0])
        """
        m = next(iter(rows.values())).shape[0] if m is None else m
        start = self.extend(m)
        for name, buf in self._buffers.items():
            buf[start:start + m] = rows[name] if name in rows else 0
        return start

    def buffer(self, name: str) -> torch.Tensor:
        """The whole buffer of a column, beyond its filled rows (for writing ahead of
        :meth:`extend`).

        >>> cols = Columns({"a": torch.empty(0)}); cols.reserve(3); cols.buffer("a").shape[0]
        64
        """
        return self._buffers[name]

    def reserve(self, total: int) -> None:
        """Grow every buffer to hold ``total`` rows (by doubling), filling none.

        >>> cols = Columns({"a": torch.empty(0)}); cols.reserve(100); len(cols)
        0
        """
        self._reserve(total)

    def _reserve(self, total: int) -> None:
        """Grow every buffer to hold ``total`` rows, by doubling."""
        for name, buf in self._buffers.items():
            if buf.shape[0] < total:
                grown = _empty_like(buf, max(2 * buf.shape[0], total, 64))
                grown[: self.n] = buf[: self.n]
                self._buffers[name] = grown



def _empty_like(buf: torch.Tensor, rows: int) -> torch.Tensor:
    """An empty buffer of ``rows`` rows like ``buf``; on the CPU in numpy's memory, which asks
    the kernel for huge pages (random reads of stored rows then miss the TLB less).

    >>> _empty_like(torch.zeros(1, 3, dtype=torch.bool), 5).shape
    torch.Size([5, 3])
    """
    if buf.device.type != "cpu":
        return buf.new_empty((rows, *buf.shape[1:]))
    return torch.from_numpy(np.empty((rows, *buf.shape[1:]), dtype=buf.numpy().dtype))
