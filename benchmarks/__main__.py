"""``python -m benchmarks …``: the same commands as ``automath bench …``."""

from benchmarks.cli import bench

bench(prog_name="python -m benchmarks")
