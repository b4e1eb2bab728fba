"""Benchmarks of automath beside its peers, measured in the same run: figures, never pass/fail.

They live in the repository, outside the installed package: run them as ``python -m benchmarks
…`` from a checkout, or as ``automath bench …`` where the checkout is installed in editable mode
(``make setup`` does that). Peers (gplearn, pyoperon) come with the ``bench`` extra.
"""
