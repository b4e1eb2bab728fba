"""Edge keys and provenance updates: brute-force oracles for the engine's packed keys and for
duplicate-target improvements (issue 13, defects 5 and 6)."""

from __future__ import annotations

import itertools

import pytest
import torch

from automath.core import generate as gen
from automath.core.errors import AutomathError
from automath.core.generate import Hyperedges

BITS = 28  # ids get 28 bits each, rules the 7 bits left below the int64 sign bit


def _keys(rule: list[int], i: list[int], j: list[int]) -> list[int]:
    t = [torch.tensor(v, dtype=torch.int64) for v in (rule, i, j)]
    return Hyperedges(*t, t[1]).keys().tolist()


def _triples() -> list[tuple[int, int, int]]:
    near = [0, 1, 2, (1 << 24) - 1, 1 << 24, (1 << 24) + 1, (1 << BITS) - 3, (1 << BITS) - 2]
    return list(itertools.product([0, 1, 2, 126, 127], near, [-1, *near]))


def test_keys_are_distinct_and_non_negative_near_the_limit() -> None:
    triples = _triples()
    keys = _keys(*(list(c) for c in zip(*triples, strict=True)))
    assert len(set(keys)) == len(triples)  # distinct triples, distinct keys
    assert all(k >= 0 for k in keys)  # sortable as int64


def test_old_24_bit_collision_is_gone() -> None:
    # 24-bit packing: (0, 2**24, 0) and (1, 0, 0) both gave 1 << 48 | 1
    assert len(set(_keys([0, 1], [1 << 24, 0], [0, 0]))) == 2


def test_keys_round_trip() -> None:
    rule, i, j = (torch.tensor(list(c), dtype=torch.int64) for c in zip(*_triples(),
                                                                       strict=True))
    back = gen.split_keys(Hyperedges(rule, i, j, i).keys())
    assert [t.tolist() for t in back] == [rule.tolist(), i.tolist(), j.tolist()]


def test_limit_error_names_the_limit() -> None:
    gen.check_key_range(gen.ID_LIMIT, gen.RULE_LIMIT)  # at the limit: fine
    with pytest.raises(AutomathError, match=str(gen.ID_LIMIT)):
        gen.check_key_range(gen.ID_LIMIT + 1, 3)
    with pytest.raises(AutomathError, match=str(gen.RULE_LIMIT)):
        gen.check_key_range(10, gen.RULE_LIMIT + 1)
    assert gen.ID_LIMIT >= (1 << BITS) - 2 and gen.RULE_LIMIT >= 1 << 7
