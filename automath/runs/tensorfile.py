"""Tensor files without pickle: the safetensors layout, written and checked here.

A file is an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
and byte range, then the raw bytes. Reading one runs no code: the header is JSON, the data
bytes. Any defect — a bad length, a dtype not in the table, ranges that overlap or leave the
file — is a ``RunStoreError``. Non-tensor data travels as JSON in the header's metadata, beside
a sha256 checksum of the header and the data, checked on reading: a flipped byte is an error,
never a wrong number (a file written before checksums, with none, is read as before).

>>> import torch
>>> blob = pack({"a": torch.arange(3), "b": torch.ones(2, 2, dtype=torch.bool)}, {"step": 4})
>>> tensors, meta = unpack(blob)
>>> tensors["a"].tolist(), tensors["b"].shape, meta
([0, 1, 2], torch.Size([2, 2]), {'step': 4})
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import sys

import torch

from automath.core.errors import RunStoreError

DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in DTYPES.items()}
MAX_HEADER = 64 << 20  # bytes of JSON header read at most
META = "automath"  # the metadata key holding the JSON of the non-tensor data
CHECKSUM = "sha256"  # the metadata key of the checksum: the header without it, then the data


def pack(tensors: dict[str, torch.Tensor], meta: dict | None = None) -> bytes:
    """The bytes of a tensor file holding ``tensors`` (copied to the CPU, contiguous) and the
    JSON-serializable ``meta``.

    >>> len(pack({"x": torch.zeros(4, dtype=torch.int8)}))  # 8 + a padded header + 4 bytes
    180
    """
    header: dict[str, object] = {"__metadata__": {META: json.dumps(meta or {})}}
    chunks, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in _NAMES:
            raise RunStoreError(f"cannot store tensor {name!r} of dtype {t.dtype}")
        data = _bytes(t)
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    data = b"".join(chunks)
    header["__metadata__"][CHECKSUM] = hashlib.sha256(_dump(header) + data).hexdigest()
    head = _dump(header)
    head += b" " * (-len(head) % 8)  # data aligned to 8 bytes, as safetensors writes it
    return struct.pack("<Q", len(head)) + head + data


def _dump(header: dict) -> bytes:
    return json.dumps(header, separators=(",", ":")).encode()


def _verify(header: dict, data: bytes) -> None:
    """Refuse a file whose checksum does not match its header and data (none: not checked).

    >>> blob = bytearray(pack({"x": torch.tensor([1.5])})); blob[-1] ^= 1
    >>> unpack(bytes(blob))
    Traceback (most recent call last):
    ...
    automath.core.errors.RunStoreError: its bytes do not match their sha256 checksum: the \
database was damaged or edited
    """
    digest = header["__metadata__"].pop(CHECKSUM, None) if "__metadata__" in header else None
    if digest is not None and digest != hashlib.sha256(_dump(header) + data).hexdigest():
        raise RunStoreError("its bytes do not match their sha256 checksum: the database was "
                            "damaged or edited")


def unpack(blob: bytes) -> tuple[dict[str, torch.Tensor], dict]:
    """The tensors and metadata of a tensor file; any defect is a ``RunStoreError``.

    >>> unpack(b"\\x80\\x04garbage")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    automath.core.errors.RunStoreError: not a tensor file: it is 9 bytes long (header length ...)
    """
    header, data = _header(bytes(blob))
    _verify(header, data)
    meta_json = header.pop("__metadata__", {}).get(META, "{}")
    try:
        meta = json.loads(meta_json)
    except (TypeError, ValueError) as e:
        raise RunStoreError(f"not a tensor file: its metadata is not JSON ({e})") from None
    tensors = {}
    end = 0
    for name, spec in sorted(header.items(), key=lambda kv: _offsets(kv)[0]):
        start, stop = _offsets((name, spec))
        if start != end:
            raise RunStoreError(f"not a tensor file: tensor {name!r} starts at byte {start}, "
                                f"expected {end}")
        tensors[name] = _tensor(name, spec, data[start:stop])
        end = stop
    if end != len(data):
        raise RunStoreError(f"not a tensor file: {len(data) - end} bytes after the last tensor")
    return tensors, meta


def _header(blob: bytes) -> tuple[dict, bytes]:
    if len(blob) < 8:
        raise RunStoreError(f"not a tensor file: it is {len(blob)} bytes long")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > min(MAX_HEADER, len(blob) - 8):
        raise RunStoreError(f"not a tensor file: it is {len(blob)} bytes long (header length "
                            f"{n}, the limit is {MAX_HEADER})")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise RunStoreError(f"not a tensor file: its header is not JSON ({e})") from None
    if not isinstance(header, dict) or not isinstance(header.get("__metadata__", {}), dict):
        raise RunStoreError("not a tensor file: its header is not a JSON object")
    return header, blob[8 + n:]


def _offsets(item: tuple[str, object]) -> tuple[int, int]:
    name, spec = item
    offs = spec.get("data_offsets") if isinstance(spec, dict) else None
    if (not isinstance(offs, list) or len(offs) != 2
            or not all(type(o) is int and o >= 0 for o in offs) or offs[0] > offs[1]):
        raise RunStoreError(f"not a tensor file: tensor {name!r} has bad data_offsets {offs!r}")
    return offs[0], offs[1]


def _tensor(name: str, spec: dict, data: bytes) -> torch.Tensor:
    dtype, shape = DTYPES.get(spec.get("dtype")), spec.get("shape")
    if dtype is None:
        raise RunStoreError(f"not a tensor file: tensor {name!r} has unknown dtype "
                            f"{spec.get('dtype')!r}")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise RunStoreError(f"not a tensor file: tensor {name!r} has bad shape {shape!r}")
    size = torch.empty((), dtype=dtype).element_size()
    if math.prod(shape) * size != len(data):
        raise RunStoreError(f"not a tensor file: tensor {name!r} of shape {shape} does not fill "
                            f"its {len(data)} bytes")
    if not data:
        return torch.empty(shape, dtype=dtype)
    raw = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    if sys.byteorder != "little" and size > 1:
        raw = raw.view(-1, size).flip(1).reshape(-1)
    return raw.view(dtype).reshape(shape)


def _bytes(t: torch.Tensor) -> bytes:
    raw = t.reshape(-1).view(torch.uint8) if t.numel() else torch.empty(0, dtype=torch.uint8)
    size = t.element_size()
    if sys.byteorder != "little" and size > 1:
        raw = raw.view(-1, size).flip(1).reshape(-1)
    return raw.numpy().tobytes()
