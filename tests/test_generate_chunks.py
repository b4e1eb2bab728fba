"""expand in chunks (issue 18): the edges of a chunked expansion, joined in one pass, are those
of one chunk, in the same order, and the store is the same."""

import pytest
import torch

from automath.core.generate import Hyperedges, expand
from automath.core.kinds import ModpKind
from automath.core.semantics import Semantics
from automath.core.store import COLUMNS, Store
from automath.core.term import Term


def two_levels(chunk: int) -> tuple[list[list[int]], Store]:
    store = Store(ModpKind(k=4), Semantics(), ["add", "mul"])
    store.add_atoms([Term("var", token=v) for v in "xyz"] + [Term("num", token="2")])
    edges = Hyperedges.empty()
    for _ in range(2):
        for rule in (0, 1):
            ids = torch.arange(min(len(store), 60))
            edges = edges.cat(expand(store, rule, ids.repeat_interleave(len(ids)),
                                     ids.repeat(len(ids)), chunk=chunk))
    return [f.tolist() for f in edges.fields()], store


@pytest.mark.parametrize("chunk", [97, 1000])
def test_chunked_expansion_gives_the_edges_and_store_of_one_chunk(chunk):
    whole, store = two_levels(1 << 20)
    parts, other = two_levels(chunk)
    assert parts == whole and len(whole[0]) > 1000
    assert all(torch.equal(getattr(store, c), getattr(other, c)) for c in COLUMNS)
