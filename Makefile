# Two entry points: `make run` (set up, then the main job on the default domain)
# and `make test` (set up, then lint and the test suite).
PY = python3  # `make PY=python3.12 …` to choose another
VENV := .venv
BIN := $(VENV)/bin

# torch first, pinned: 2.13.0 is the CPU build on this machine's disk; the package's own range
# (torch>=2.2) then keeps it. The stamp is touched only once torch and automath import.
$(BIN)/automath: pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -c "import torch, automath"
	touch $@

setup: $(BIN)/automath

run: setup
	$(BIN)/automath run arith --steps 200 --seed 0 --journal

test: setup
	$(BIN)/ruff check automath benchmarks tests examples
	$(BIN)/python -m pytest -q automath benchmarks tests

.PHONY: setup run test
