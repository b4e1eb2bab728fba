"""Doctests and tests compute in float64 unless they say otherwise."""

import torch

torch.set_default_dtype(torch.float64)
