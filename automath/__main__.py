"""``python -m automath``: the command line (the same as the ``automath`` script)."""

from automath.cli.main import main

main()
