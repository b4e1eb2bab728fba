"""Journal: a markdown entry per run with its config, top elements and a plot."""

from __future__ import annotations

import json
import time
from pathlib import Path

from automath.core.result import Result
from automath.runs.store import RunStore


def plot_run(db: RunStore, run_id: int, path: Path, k: int = 8) -> Path:
    """Plot the weight trajectories of the ``k`` elements with the highest peak weight (so
    ones that rose and fell show beside the final winners) and entropy/loss over steps.

    >>> import os, tempfile
    >>> from pathlib import Path
    >>> from automath.runs.resume import open_run, record
    >>> tmp = tempfile.TemporaryDirectory(); db = RunStore(os.path.join(tmp.name, "runs.db"))
    >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 2, "target": "x + 1"})
    >>> loop = open_run(db, rid); res = loop.run(on_step=record(db, rid, loop, k=3))
    >>> png = plot_run(db, rid, Path(tmp.name) / "run.png")
    >>> png.name, png.read_bytes()[:4] == b"\\x89PNG"
    ('run.png', True)
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    steps = db.steps(run_id)
    rows = db.weights(run_id)
    top = _peak_elements(rows, k)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for elem in top:
        pts = [(s, w) for s, e, _, w in rows if e == elem]
        label = next(t for s, e, t, _ in rows if e == elem)
        ax1.plot(*zip(*pts, strict=True), label=label[:40])
    ax1.set(xlabel="step", ylabel="weight (while among the stored top)",
            title="weights of the elements with the highest peaks")
    ax1.legend(fontsize=7)
    xs = [m["step"] for m in steps]
    ax2.plot(xs, [m["entropy"] for m in steps], label="entropy of p0")
    ax2.plot(xs, [m["loss"] for m in steps], label="loss before the step")
    after = [(m["step"], m["after"]) for m in steps if m.get("after") is not None]
    if after:  # runs stored before the learner recorded it have no 'after'
        ax2.plot(*zip(*after, strict=True), ":", label="loss just after the step on p0")
    ax2.set(xlabel="step", title="entropy and loss (rises between steps: new elements)")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _peak_elements(rows: list[tuple[int, int, str, float]], k: int) -> list[int]:
    """The ``k`` elements with the highest weight at any step (ties: the first one seen).

    >>> _peak_elements([(1, 7, "a", .6), (1, 8, "b", .4), (2, 8, "b", .9), (2, 9, "c", .1)], 2)
    [8, 7]
    """
    peak: dict[int, float] = {}
    for _, elem, _, w in rows:
        peak[elem] = max(w, peak.get(elem, w))
    return sorted(peak, key=lambda e: -peak[e])[:k]


def write_entry(db: RunStore, run_id: int, result: Result, folder: str | Path = "journal",
                k: int = 10) -> Path:
    """Write ``journal/<date>-run<id>.md`` and its PNG plot; returns the markdown path.

    >>> import os, tempfile
    >>> from pathlib import Path
    >>> from automath.runs.resume import open_run, record
    >>> tmp = tempfile.TemporaryDirectory(); db = RunStore(os.path.join(tmp.name, "runs.db"))
    >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 2, "target": "x + 1"})
    >>> loop = open_run(db, rid); res = loop.run(on_step=record(db, rid, loop, k=3))
    >>> md = write_entry(db, rid, res, folder=Path(tmp.name) / "journal", k=2)
    >>> md.name.endswith("-run1.md"), md.with_suffix(".png").exists()
    (True, True)
    >>> text = md.read_text(); text.splitlines()[0], text.count("| `")
    ('# Run 1: arith', 2)
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{time.strftime('%Y-%m-%d')}-run{run_id}"
    png = plot_run(db, run_id, folder / f"{stem}.png")
    row = db.run(run_id)
    lines = [f"# Run {run_id}: {row['domain'].get('grammar')}", "",
             f"Created {row['created']}, status {row['status']}, step {row['step']}.", "",
             "## Config", "", "```json", json.dumps(row, indent=2, default=str), "```", "",
             "## Top elements", "", "| rank | expression | weight | size | score |",
             "|---|---|---|---|---|"]
    for n, e in enumerate(result.top(k), 1):
        score = "" if e.score is None else f"{e.score:.4f}"
        lines.append(f"| {n} | `{e.text}` | {e.weight:.4f} | {e.size} | {score} |")
    lines += ["", f"![weights and entropy]({png.name})", ""]
    md = folder / f"{stem}.md"
    md.write_text("\n".join(lines))
    return md
