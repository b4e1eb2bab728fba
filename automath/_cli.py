"""Command-line interface (filled in by the core engine)."""

import click


@click.group()
def main() -> None:
    """automath: automated mathematical discovery."""
