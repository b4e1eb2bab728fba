"""Proofs by saturation: ProvingGround's monoid with a left and a right identity.

The axioms are e_l * a = a and a * e_r = a; the goal e_l = e_r. Unfailing completion finds the
critical pair e_l * e_r of the two axioms, and the goal's two sides meet; the proof is replayed
by an independent checker before it is printed.
"""

from __future__ import annotations

from automath import ProofResult, prove


def main() -> ProofResult:
    result = prove("monoid-identities")   # or a .toml / TPTP .p file of your own axioms
    s = result.stats
    print(f"{s['verdict']} (checked: {result.checked}) in {s['seconds']:.3f} s: "
          f"{s['given']} equations processed, {s['generated']} critical pairs")
    print(result.format_proof())
    print("lemmas (the active equations, heaviest first):")
    for lemma in result.lemmas(5):
        print(f"  {lemma.score:.3f}  {lemma.statement}")
    return result


if __name__ == "__main__":
    main()
