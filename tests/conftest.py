"""Shared fixtures of the test suite."""

from __future__ import annotations

import pytest

from automath.core.threads import torch_threads


@pytest.fixture
def one_thread():
    """One torch thread for the test (the law prover's small tensor ops run fastest so)."""
    with torch_threads(1):
        yield
