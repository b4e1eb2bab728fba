"""A database whose saved loop state was swapped for a pickle payload: opening it (query,
resume) is a clear error and runs nothing."""

import io
import pickle
import sqlite3
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from automath.cli.main import main


class Payload:
    """Unpickling this writes the marker file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "ran"))


def blobs(marker: Path) -> dict[str, bytes]:
    """A torch.save zip (the 0.1 layout) and a bare pickle, both carrying the payload."""
    zipped = io.BytesIO()
    torch.save({"p0": torch.ones(2), "evil": Payload(str(marker))}, zipped)
    return {"torch.save": zipped.getvalue(), "pickle": pickle.dumps(Payload(str(marker)))}


@pytest.mark.parametrize("layout", ["torch.save", "pickle"])
@pytest.mark.parametrize("command", [["query", "1"], ["run", "--resume", "1"]])
def test_a_planted_state_does_not_run(tmp_path: Path, layout: str, command: list[str]):
    db, marker = tmp_path / "r.db", tmp_path / "MARKER"
    out = CliRunner().invoke(main, ["run", "arith", "--atoms", "x,1", "--steps", "2",
                                    "--db", str(db)])
    assert out.exit_code == 0, out.output
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE state SET blob = ?", (blobs(marker)[layout],))
        conn.execute("UPDATE runs SET config = json_set(config, '$.steps', 4)")
    out = CliRunner().invoke(main, [*command, "--db", str(db)])
    assert out.exit_code == 1 and out.stderr.startswith("error:"), out.output
    assert len(out.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert not marker.exists()
