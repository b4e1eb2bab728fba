"""Lemmas carried from earlier problems (placeholder)."""

from __future__ import annotations


class Carried:
    """Lemmas proved on earlier problems, offered to later ones of the same signature."""

    def offer(self, problem: object) -> list:
        """The lemmas valid in ``problem``."""
        return []
