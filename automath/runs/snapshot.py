"""A loop's state as tensor files (no pickle): what a resume needs, each element's rows once.

An element's fingerprint and key never change once stored, so they are written once, in
``rows`` chunks of the elements new since the last step; the ``state`` file holds what does
change (provenance, sizes, weights, edges, tried pairs, rule logits, optimizer) with integer
columns narrowed to the smallest type that holds them. The history is not stored here: each
step's metrics are already in the ``steps`` table.
"""

from __future__ import annotations

import io

import torch

from automath.core.engine import LoopState
from automath.core.errors import RunStoreError
from automath.core.generate import Hyperedges, edge_keys
from automath.core.store import Store
from automath.core.term import Term
from automath.runs.tensorfile import pack, unpack

FORMAT = "automath-state/3"
ROW_COLUMNS = ("values", "keys")  # written once per element
STATE_COLUMNS = ("rule", "left", "right", "size")  # improved in place: saved every step
EDGE_FIELDS = ("rule", "i", "j", "c")
EDGE_KEY_FORMAT = 2  # 1 (unmarked): rule << 48 | i << 24 | j + 1; 2: generate.edge_keys
_NARROW = (torch.int8, torch.int16, torch.int32)


def pack_rows(store: Store, start: int) -> bytes:
    """The fingerprints and keys of elements ``start, start + 1, ...`` of ``store``.

    >>> from automath.core.domain import Domain
    >>> s = Domain.create("arith", atoms="x,1").new_store()
    >>> tensors, meta = unpack(pack_rows(s, 1)); tensors["values"].shape[0], meta
    (1, {'start': 1})
    """
    return pack({c: getattr(store, c)[start:] for c in ROW_COLUMNS}, {"start": start})


def pack_state(st: LoopState) -> bytes:
    """The changing part of a loop state (see the module's docstring).

    >>> from automath.core.domain import Domain
    >>> from automath.core.engine import Loop
    >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=1); _ = loop.run()
    >>> _, meta = unpack(pack_state(loop.state)); meta["format"], meta["step"]
    ('automath-state/3', 1)
    >>> meta["rows"] == len(loop.state.store)
    True
    """
    s, opt = st.store, dict(st.opt_state)
    tensors = {c: getattr(s, c) for c in STATE_COLUMNS}
    tensors.update({f"edges.{f}": t for f, t in zip(EDGE_FIELDS, st.edges.fields(), strict=True)})
    tensors.update(p0=st.p0, alive=st.alive, seen=st.seen, logits=st.logits.detach())
    tensors.update({f"opt.{k}": opt.pop(k) for k in list(opt) if torch.is_tensor(opt[k])})
    dtypes = {k: str(t.dtype).removeprefix("torch.") for k, t in tensors.items()}
    meta = {"format": FORMAT, "step": st.step, "rows": len(s), "opt": opt, "dtypes": dtypes,
            "leaves": [[i, t.op, t.token] for i, t in s.leaves.items()],
            "edge_keys": EDGE_KEY_FORMAT}
    return pack({k: _narrow(t) for k, t in tensors.items()}, meta)


def unpack_state(blob: bytes, chunks: list[bytes], store: Store, history: list[dict]
                 ) -> LoopState:
    """Rebuild a loop state around an empty ``store`` from ``pack_state`` and its row chunks
    (in order); ``history`` is the run's per-step metrics.

    >>> from automath.core.domain import Domain
    >>> from automath.core.engine import Loop
    >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=2); _ = loop.run()
    >>> st = unpack_state(pack_state(loop.state), [pack_rows(loop.state.store, 0)],
    ...                   loop.domain.new_store(), loop.state.history)
    >>> bool((st.store.values == loop.state.store.values).all()), st.step, st.opt_state["steps"]
    (True, 2, 2)
    """
    tensors, meta = unpack(blob)
    if meta.get("format") != FORMAT:
        raise RunStoreError(f"saved state has format {meta.get('format')!r}, not {FORMAT!r}")
    tensors = {k: _widen(k, t, meta) for k, t in tensors.items()}
    rows = _rows(chunks, int(meta["rows"]))
    dev = store.keys.device
    store.load_columns({**rows, **{c: tensors[c] for c in STATE_COLUMNS}})
    store.leaves = {int(i): Term(op, (), tok) for i, op, tok in meta["leaves"]}
    opt = {**meta["opt"], **{k[4:]: t.to(dev) for k, t in tensors.items() if k[:4] == "opt."}}
    edges = Hyperedges(*(tensors[f"edges.{f}"].to(dev) for f in EDGE_FIELDS))
    p0 = _weights(tensors["p0"], len(store)).to(dev)
    return LoopState(store, p0, tensors["alive"].to(dev), edges, tensors["seen"].to(dev),
                     tensors["logits"].to(dev), opt, int(meta["step"]),
                     [h for h in history if h.get("step", 0) <= int(meta["step"])])


def _rows(chunks: list[bytes], n: int) -> dict[str, torch.Tensor]:
    """The first ``n`` elements' fingerprints and keys from consecutive chunks."""
    parts: dict[str, list[torch.Tensor]] = {c: [] for c in ROW_COLUMNS}
    have = 0
    for blob in chunks:
        tensors, meta = unpack(blob)
        if meta.get("start") != have or set(tensors) != set(ROW_COLUMNS):
            raise RunStoreError(f"saved rows start at element {meta.get('start')}, expected "
                                f"{have}")
        for c in ROW_COLUMNS:
            parts[c].append(tensors[c])
        have += int(tensors["keys"].shape[0])
    if have < n:
        raise RunStoreError(f"saved rows hold {have} elements; the state has {n}")
    return {c: torch.cat(p)[:n] for c, p in parts.items()}


def _weights(p0: torch.Tensor, n: int) -> torch.Tensor:
    """Saved weights, refused unless one finite, non-negative weight per element.

    >>> _weights(torch.tensor([1.0, float("nan")]), 2)
    Traceback (most recent call last):
    automath.core.errors.RunStoreError: saved weights are not 2 finite, non-negative numbers
    """
    if p0.shape != (n,) or not torch.isfinite(p0).all() or (p0 < 0).any():
        raise RunStoreError(f"saved weights are not {n} finite, non-negative numbers")
    return p0


def _narrow(t: torch.Tensor) -> torch.Tensor:
    """An int64 tensor in the smallest integer type holding its values (others as they are).

    >>> _narrow(torch.tensor([-1, 300])).dtype, _narrow(torch.tensor([2**40])).dtype
    (torch.int16, torch.int64)
    """
    if t.dtype != torch.int64 or t.numel() == 0:
        return t
    lo, hi = int(t.min()), int(t.max())
    for dtype in _NARROW:
        info = torch.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return t.to(dtype)
    return t


def _widen(name: str, t: torch.Tensor, meta: dict) -> torch.Tensor:
    want = getattr(torch, str(meta.get("dtypes", {}).get(name, "")), None)
    if not isinstance(want, torch.dtype):
        raise RunStoreError(f"saved state names no dtype for tensor {name!r}")
    return t.to(want)


def load_legacy(blob: bytes, store: Store) -> LoopState:
    """A state saved by automath 0.1 (``torch.save``), read with ``weights_only=True``: torch's
    restricted reader accepts tensors and plain containers and refuses any other object."""
    if tuple(int(p) for p in torch.__version__.split(".")[:2]) < (2, 6):
        raise RunStoreError("this run was saved in the old format, which is read safely only "
                            "with torch >= 2.6; upgrade torch or start a new run")
    data = torch.load(io.BytesIO(blob), weights_only=True)
    dev = store.keys.device
    store.load_columns({f: data[f] for f in (*ROW_COLUMNS, *STATE_COLUMNS)})
    store.leaves = {i: Term(op, (), tok) for i, (op, tok) in data["leaves"].items()}
    seen = data["seen"] if data.get("edge_keys") == EDGE_KEY_FORMAT else _repack(data["seen"])
    return LoopState(store, data["p0"].to(dev), data["alive"].to(dev),
                     Hyperedges(*(f.to(dev) for f in data["edges"])), seen.to(dev),
                     data["logits"].to(dev), data["opt"], data["step"], data["history"])


def is_legacy(blob: bytes) -> bool:
    """Whether a saved state is a ``torch.save`` zip file (the 0.1 format).

    >>> is_legacy(b"PK\\x03\\x04..."), is_legacy(pack({}, {}))
    (True, False)
    """
    return bytes(blob[:4]) == b"PK\x03\x04"


def _repack(seen: torch.Tensor) -> torch.Tensor:
    """Seen keys saved in the first (24-bit) layout, packed as ``edge_keys`` packs them now.

    Both layouts order keys by (rule, i, j), so a sorted set stays sorted:

    >>> from automath.core.generate import split_keys
    >>> old = torch.tensor([1 << 48 | 2 << 24 | 0, 1 << 48 | 2 << 24 | 4])
    >>> [t.tolist() for t in split_keys(_repack(old))]  # rules, i, j
    [[1, 1], [2, 2], [-1, 3]]
    """
    mask = (1 << 24) - 1
    return edge_keys(seen >> 48, (seen >> 24) & mask, (seen & mask) - 1)
