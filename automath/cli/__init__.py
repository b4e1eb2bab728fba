"""The ``automath`` command line: one module per command group, on top of the task packages."""
