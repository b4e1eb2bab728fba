"""Doctests and tests compute in float64 unless they say otherwise."""

import pytest

try:
    import torch
except ModuleNotFoundError:  # run outside the project's venv
    pytest.exit("torch is not installed in this Python; run `make test` (it makes .venv with "
                "torch==2.13.0, then the package) or `.venv/bin/python -m pytest`", returncode=4)

torch.set_default_dtype(torch.float64)
