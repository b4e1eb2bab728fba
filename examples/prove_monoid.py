"""Lemma discovery with proofs: ProvingGround's monoid with a left and a right identity.

The axioms are e_l * a = a and a * e_r = a. Learning moves weight from reflexivities such as
e_r = e_r onto the lemmas e_l = e_l * e_r and e_r = e_l * e_r, and the goal e_l = e_r follows;
the proof is replayed by an independent checker before it is printed.
"""

from __future__ import annotations

from automath import ProofResult, prove


def main(steps: int = 200) -> ProofResult:
    result = prove("monoid-identities", steps=steps)   # or a .toml file of your own axioms
    print(f"proved: {result.proved} (checked: {result.checked}) "
          f"in {result.stats['steps']} steps, {result.stats['proofs']} proofs generated")
    print(result.format_proof())
    print("theorems by proof weight:")
    for lemma in result.theorems(5):
        print(f"  {lemma.q:.3f}  {lemma.statement}")
    print("lemmas by score -p/(q log q):")
    for lemma in result.lemmas(5):
        print(f"  {lemma.score:7.3f}  {lemma.statement}")
    return result


if __name__ == "__main__":
    main()
