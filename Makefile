# Two entry points: `make run` (set up, then the main job on the default domain)
# and `make test` (set up, then lint and the test suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/automath: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(BIN)/automath

run: setup
	$(BIN)/automath run arith --steps 200 --seed 0 --journal

test: setup
	$(BIN)/ruff check automath tests examples
	$(BIN)/python -m pytest -q automath tests

.PHONY: setup run test
