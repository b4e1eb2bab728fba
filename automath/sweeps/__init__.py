"""Sweeps: many independent runs (a grid of settings) on local processes or Ray, one database.

>>> from automath.sweeps import Job
>>> Job("seed=0", ("run", "arith")).argv
('run', 'arith')
"""

from automath.sweeps.executor import Outcome, ProcessPool, RayPool, execute
from automath.sweeps.plan import Job, load_plan
from automath.sweeps.sweep import run_sweep, summary

__all__ = ["Job", "Outcome", "ProcessPool", "RayPool", "execute", "load_plan", "run_sweep",
           "summary"]
