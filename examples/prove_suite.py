"""The 17 textbook problems of automath/problems/ueq, learning on and off, as a Markdown table."""

from __future__ import annotations

from pathlib import Path

import torch

from automath import prove

UEQ = Path(__file__).resolve().parent.parent / "automath" / "problems" / "ueq"


def main(timeout: float = 10.0) -> list[dict]:
    torch.set_num_threads(1)
    print("| problem | proved | s (learning on) | s (off) | generated | proof steps |")
    print("|---|---|---|---|---|---|")
    rows = []
    for path in sorted(UEQ.glob("*.toml")):
        on, off = prove(path, timeout=timeout), prove(path, timeout=timeout, learning=False)
        rows.append({"problem": path.stem, "proved": on.proved, "on": on.stats["seconds"],
                     "off": off.stats["seconds"], "generated": on.stats["generated"],
                     "proof_steps": on.stats["proof_steps"]})
        r = rows[-1]
        print(f"| {r['problem']} | {r['proved']} | {r['on']:.3f} | {r['off']:.3f} "
              f"| {r['generated']} | {r['proof_steps']} |", flush=True)
    return rows


if __name__ == "__main__":
    main()
