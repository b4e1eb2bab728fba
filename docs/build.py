"""Build the API reference from the docstrings with pdoc (``pip install -e .[docs]``).

    python docs/build.py            # writes docs/api/ (not committed: docs/.gitignore)
    python docs/build.py OUT_DIR    # writes OUT_DIR/

``docs/api/index.html`` lists the public modules; ``automath.html`` the names ``import automath``
gives (``SymbolicRegressor``, ``prove``, ``explore``, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

MODULES = ("automath", "automath.core", "automath.laws", "automath.proofs",
           "automath.regression", "automath.sweeps")
DEFAULT_OUT = Path(__file__).resolve().parent / "api"


def build(out: Path = DEFAULT_OUT, modules: tuple[str, ...] = MODULES) -> Path:
    """Write the HTML reference of ``modules`` (and their submodules) under ``out``."""
    import pdoc
    import pdoc.render
    pdoc.render.configure(docformat="restructuredtext", search=True, show_source=False)
    pdoc.pdoc(*modules, output_directory=Path(out))
    return Path(out)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
