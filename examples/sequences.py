"""Find formulas in n for integer sequences through a non-differentiable objective.

The fitness of a distribution is the fraction of a sequence's first 10 terms that its *top*
element reproduces — an argmax, which autograd cannot cross. ``TopMatch`` estimates its
gradient with respect to the logits by evolution strategies and backpropagates it through
the evolution, so weight flows to the parents of better formulas.

Run ``python3 examples/sequences.py``.
"""

from __future__ import annotations

import argparse

import torch

from automath import Domain, Loop, TopMatch

SEQUENCES = {
    "triangular": [n * (n + 1) // 2 for n in range(10)],
    "cubes": [n**3 for n in range(10)],
    "mersenne": [2**n - 1 for n in range(10)],
    "squares+1": [n * n + 1 for n in range(10)],
}


def find(terms: list[int], steps: int = 60, seed: int = 0) -> tuple[int | None, str]:
    """Run the loop; return the first step whose top element matches all terms, and it."""
    domain = Domain.create("sequence", atoms="n,1,2", k=len(terms), seed=seed)
    want = torch.tensor(terms)

    def fraction_matched(store, ids):
        return (store.values[ids] == want).double().mean(dim=1)

    loop = Loop(domain, TopMatch(fraction_matched, n=128, seed=seed), steps=steps, seed=seed)
    hit: list[int] = []
    loop.run(on_step=lambda st: hit.append(st.step) if loop.result().top(1)[0].score == 1
             else None)
    top = loop.result().top(1)[0]
    return (hit[0] if hit else None), top.text


def main(argv: list[str] | None = None) -> dict[str, tuple[int | None, str]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--only", nargs="*", default=list(SEQUENCES))
    args = parser.parse_args(argv)
    found = {}
    for name in args.only:
        step, text = find(SEQUENCES[name], steps=args.steps)
        found[name] = (step, text)
        status = f"found at step {step}" if step else "not found"
        print(f"{name:<12} {status:<18} top: {text[:70]}")
    return found


if __name__ == "__main__":
    main()
