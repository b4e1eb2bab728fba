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


# ---- defect 5: one winner per improved element -------------------------------------------------

def _store_with_targets(n_targets: int):
    from automath.core.kinds import ModpKind
    from automath.core.semantics import Semantics
    from automath.core.store import Store
    from automath.core.term import Term
    s = Store(ModpKind(k=4), Semantics(), rules=["add"])
    atoms = s.add_atoms([Term("var", token=f"v{k}") for k in range(n_targets)])
    v = s.values[atoms]
    big = torch.full_like(atoms, 100)  # v + v, stored with a large size that rivals can beat
    return s, s.insert(s.kernel(0)(v, v), torch.zeros_like(atoms), atoms, atoms, big)


def _oracle(start: list[tuple], target: list[int], size: list[int], label: list[int]) -> list:
    """Per element, the first candidate of the smallest size below the stored one, by a loop."""
    best = list(start)
    for t, z, lab in zip(target, size, label, strict=True):
        if z < best[t][0]:
            best[t] = (z, lab)
    return best


def _improve_case(target: list[int], size: list[int], n_targets: int) -> None:
    s, ids = _store_with_targets(n_targets)
    start = [(int(z), int(lt)) for z, lt in zip(s.size.tolist(), s.left.tolist(), strict=True)]
    label = list(range(1000, 1000 + len(target)))  # each candidate's own left id, to see who won
    t = torch.tensor(target)
    col = lambda v: torch.tensor(v, dtype=torch.int64)  # noqa: E731
    got = s.insert(s.values[ids[t]], col([0] * len(t)), col(label), col([0] * len(t)), col(size))
    assert got.tolist() == ids[t].tolist()
    want = _oracle(start, ids[t].tolist(), size, label)
    assert list(zip(s.size.tolist(), s.left.tolist(), strict=True)) == want


@pytest.mark.parametrize("flip", [False, True])
def test_smallest_then_first_candidate_wins(flip: bool) -> None:
    target, size = [0, 1, 0, 0, 1, 2, 0, 2], [7, 7, 3, 3, 5, 100, 4, 101]
    if flip:
        target, size = target[::-1], size[::-1]
    _improve_case(target, size, 3)


@pytest.mark.parametrize("flip", [False, True])
def test_many_rivals_per_element(flip: bool) -> None:
    g = torch.Generator().manual_seed(5)
    n = 200_000
    target = torch.randint(0, 3, (n,), generator=g).tolist()
    size = torch.randint(3, 60, (n,), generator=g).tolist()
    if flip:
        target, size = target[::-1], size[::-1]
    _improve_case(target, size, 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_winner_per_target_matches_a_loop(seed: int) -> None:
    from automath.core.index import smallest_per_target
    g = torch.Generator().manual_seed(seed)
    target, size = torch.randint(0, 9, (5000,), generator=g), torch.randint(0, 6, (5000,),
                                                                            generator=g)
    best: dict[int, int] = {}
    for pos, (t, z) in enumerate(zip(target.tolist(), size.tolist(), strict=True)):
        if t not in best or z < size[best[t]]:
            best[t] = pos
    assert smallest_per_target(target, size).tolist() == [best[t] for t in sorted(best)]
