"""Persistence of runs: the SQLite run store and the journal (notes and plots) written from it."""
