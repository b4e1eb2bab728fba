"""Evolve a network on y = x0*x1 + x2 with two distractor inputs; print and plot the run.

Each generation trains the network, tries to export an exact formula, prunes the least important
op and adds a new one.  Run:  python examples/evonet_product.py --seed 0
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from automath import EvonetRegressor


def _print_generation(record: dict) -> None:
    change = ""
    if record["pruned"] or record["added"]:
        change = f"  pruned [{record['pruned']}]  added [{record['added']}]"
    print(f"generation {record['generation']:3d}  loss {record['loss']:.3e}  "
          f"ops {record['n_ops']:2d}  formula error {record['error']:.2e}{change}")
    print("    alive: " + "; ".join(op.split(" = ", 1)[1] for op in record["ops"]))


def _plot(history: list[dict], path: Path) -> None:
    gens = [r["generation"] for r in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(gens, [max(r["loss"], 1e-16) for r in history], "o-", label="training loss")
    ax.semilogy(gens, [max(r["error"], 1e-16) for r in history], "s--",
                label="snapped-formula error (rel. RMS)")
    ax.set_xlabel("generation")
    ax.legend(loc="lower left")
    ops = ax.twinx()
    ops.step(gens, [r["n_ops"] for r in history], "g", where="mid")
    ops.set_ylabel("ops alive", color="g")
    ops.set_ylim(0, max(r["n_ops"] for r in history) + 2)
    ax.set_title("evolving network on y = x0*x1 + x2 (x3, x4 distractors)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` as on the command line (None: sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--rule", choices=("spread", "weight", "refit"), default="spread")
    parser.add_argument("--candidates", type=int, default=16,
                        help="random proposals scored per added op (1 = purely random)")
    parser.add_argument("--plot", type=Path, default=Path("journal/evonet-product.png"))
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    X = rng.uniform(-2, 2, (256, 5))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    model = EvonetRegressor(generations=args.generations, prune=args.rule, seed=args.seed,
                            candidates=args.candidates, callback=_print_generation)
    model.fit(X, y)
    status = "recovered" if model.recovered_ else "not recovered"
    print(f"{status} after {model.n_generations_} generations")
    print(f"final formula: {model.sympy()}")
    _plot(model.history_, args.plot)
    print(f"plot saved to {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
