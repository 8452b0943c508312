# Every target sets up its own virtual environment idempotently (only Python is needed).
# The interpreter the environment is built from: python3, or a statically linked build of the same
# Python version when the machine has one (faster; scripts/pick_python.py). `make PY=...` picks another.
PY ?= $(shell python3 scripts/pick_python.py)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: venv demo test lint typecheck imports unit unit-compiled compiled bench bench-pure lock clean

$(STAMP): pyproject.toml requirements/lock.txt
	@test -x $(BIN)/python || { py="$(PY)"; echo "creating $(VENV) from $$py"; $$py -m venv $(VENV); }
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements/lock.txt -e '.[dev,ray]'
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/naut demo

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: venv
	$(BIN)/mypy

imports: venv
	$(BIN)/lint-imports

unit: venv
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# The hot path compiled with mypyc into build/mypyc/src (rebuilt only when a source changed).
compiled: venv
	$(BIN)/python scripts/build_mypyc.py

# The same suite against the compiled core, so what is benchmarked is what is tested.
unit-compiled: compiled
	NAUT_EXPECT_COMPILED=1 PYTHONPATH=build/mypyc/src $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test: lint typecheck imports unit unit-compiled

bench: compiled
	@for f in benchmarks/[!_]*.py; do PYTHONPATH=build/mypyc/src $(BIN)/python $$f || exit 1; done

bench-pure: venv
	@for f in benchmarks/[!_]*.py; do $(BIN)/python $$f || exit 1; done

# Re-pin every transitive dependency after changing pyproject.toml.
lock:
	rm -rf .lock-venv && $(PY) -m venv .lock-venv
	.lock-venv/bin/pip install -q -e '.[dev,ray]'
	.lock-venv/bin/pip freeze --exclude-editable > requirements/lock.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .hypothesis
