"""Pruning in the learning loop keeps provenance and lets pruned elements come back (issue 13)."""

import torch

from automath import Domain, Loop
from automath.core.engine import LoopState


def _dead_derivations(state: LoopState) -> list[int]:
    """Alive non-leaf ids whose recorded parents are not all alive: a plain walk over the
    provenance columns."""
    alive = state.alive.tolist()
    left, right = state.store.left.tolist(), state.store.right.tolist()
    return [i for i, a in enumerate(alive) if a and left[i] >= 0
            and not (alive[left[i]] and (right[i] < 0 or alive[right[i]]))]


def test_after_every_prune_each_live_element_has_a_live_derivation_to_the_atoms():
    loop = Loop(Domain.create("arith", atoms="x,1"), target="x*x*x + 2*x", prune_every=5)
    broken: dict[int, list[int]] = {}

    def check(state: LoopState) -> None:
        if state.step % 5 == 0:
            bad = _dead_derivations(state)
            if bad:
                broken[state.step] = bad

    loop.run(steps=40, on_step=check)
    assert not broken, broken
    assert int(loop.state.alive.sum()) > len(loop.state.store.leaves)  # something was kept


def test_a_pruned_child_whose_parents_regain_weight_is_generated_again():
    loop = Loop(Domain.create("arith", atoms="x,1"), target="x*x*x + 2*x", prune_every=5)
    loop.run(steps=10)  # pruned at steps 5 and 10
    st = loop.state
    alive = st.alive.tolist()
    left, right = st.store.left.tolist(), st.store.right.tolist()
    dead = [c for c, a in enumerate(alive) if not a and left[c] >= 0 and alive[left[c]]
            and (right[c] < 0 or alive[right[c]])]
    assert dead  # a child that died while its recorded parents live
    c = dead[0]
    p0 = torch.zeros_like(st.p0)
    p0[left[c]] += 0.5
    p0[right[c] if right[c] >= 0 else left[c]] += 0.5
    st.p0 = p0 / p0.sum()  # all weight on the parents
    loop.step()  # step 11: no prune
    assert bool(st.alive[c])
    into = st.edges.c == c
    assert bool((into & st.alive[st.edges.i] & st.alive[st.edges.j.clamp(min=0)]).any())
