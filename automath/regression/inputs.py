"""Inputs of a fit: scikit-learn's validation (any version), a clear error for bad data, CSV."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import _num_samples

from automath.core.errors import DataError

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6
    def validate_data(estimator, *args, **kwargs):
        """scikit-learn < 1.6: the estimator's own ``_validate_data``."""
        return estimator._validate_data(*args, **kwargs)


class InputError(DataError, ValueError):
    """Bad training or prediction data (also a ``ValueError``, as scikit-learn expects).

    >>> issubclass(InputError, ValueError) and issubclass(InputError, DataError)
    True
    """


def _same_length(X: object, y: object) -> None:
    """A clear error when X and y disagree on the number of samples."""
    try:
        nx, ny = _num_samples(X), None if y is None else _num_samples(y)
    except TypeError:
        return
    if ny is not None and nx != ny:
        raise InputError(f"X has {nx} rows but y has {ny} values: they must match")


def _csv_text(path: str) -> str:
    """A CSV file's text; bytes that are not UTF-8 are an ``InputError`` naming byte and line.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv"); _ = open(p, "wb").write(b"x\\n\\xe9\\n")
    >>> _csv_text(p)
    Traceback (most recent call last):
    ...
    automath.regression.inputs.InputError: ...d.csv:2: not UTF-8 text: byte 2 is 0xe9 (at ...
    """
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, byte = data[: e.start].count(b"\n") + 1, f"0x{data[e.start]:02x}"
        raise InputError(f"not UTF-8 text: byte {e.start} is {byte}", file=path, line=line,
                         token=byte) from None


def read_csv(path: str, target: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Columns of a CSV file with a header: X (the other columns), y (``target``), names.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv"); _ = open(p, "w").write("a,y\\n1,2\\n3,4\\n")
    >>> x, y, names = read_csv(p, "y"); x.ravel().tolist(), y.tolist(), names
    ([1.0, 3.0], [2.0, 4.0], ['a'])
    """
    import csv
    import io
    reader = csv.reader(io.StringIO(_csv_text(path), newline=""))
    rows = [(reader.line_num, row) for row in reader if row]
    if not rows:
        raise InputError("empty file: it needs a header row of column names", file=path)
    header = [h.strip() for h in rows[0][1]]
    if target not in header:
        raise InputError(f"no column {target!r} (columns: {', '.join(header)})", file=path,
                         line=1)
    if len(rows) == 1:
        raise InputError("no data rows: only the header", file=path, line=1)
    data = np.array([_numbers(path, line, row, len(header)) for line, row in rows[1:]])
    _finite(path, data, [line for line, _ in rows[1:]], header)
    k = header.index(target)
    return np.delete(data, k, axis=1), data[:, k], [h for h in header if h != target]


def _numbers(path: str, line: int, row: list[str], width: int) -> list[float]:
    """One data row of a CSV file as numbers, or an ``InputError`` naming line and value.

    >>> _numbers("d.csv", 3, ["1", "x"], 2)
    Traceback (most recent call last):
    ...
    automath.regression.inputs.InputError: d.csv:3: a value is not a number (at token 'x')
    """
    if len(row) != width:
        raise InputError(f"this row has {len(row)} value{'s' * (len(row) != 1)}; the header "
                         f"names {width} columns",
                         file=path, line=line)
    try:
        return [float(v) for v in row]
    except ValueError:
        bad = next(v for v in row if not _is_number(v))
        raise InputError("a value is not a number", file=path, line=line, token=bad) from None


def _finite(path: str, data: np.ndarray, lines: list[int], header: list[str]) -> None:
    """An ``InputError`` at the first NaN or infinite value, naming its line and column.

    >>> _finite("d.csv", np.array([[1.0, 2.0], [np.inf, 3.0]]), [2, 3], ["x", "y"])
    Traceback (most recent call last):
    ...
    automath.regression.inputs.InputError: d.csv:3: column 'x' is inf; every value must be \
finite (at token 'inf')
    """
    bad = np.argwhere(~np.isfinite(data))
    if len(bad):
        row, col = (int(i) for i in bad[0])
        value = str(data[row, col])
        raise InputError(f"column {header[col]!r} is {value}; every value must be finite",
                         file=path, line=lines[row], token=value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
