# The two commands a new user needs:
#   make demo   - install, then run the end-to-end demo on the embedded defaults
#   make test   - install, then run lint, type checks and the whole test suite
# Everything else is a helper for those two.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export LIKENESS_HOME ?= $(CURDIR)/likeness-data

.PHONY: demo test install install-diffusers check lint typecheck pytest pytest-postgres pytest-pgvector bench bench-quick mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The optional diffusers engine (decision 0020): the CPU build of torch from this machine's
# wheel first, so that the extra does not pull a CUDA build (CI runs its tests).
install-diffusers: $(STAMP)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev,diffusers]"

demo: $(STAMP)
	$(BIN)/likeness demo

test: $(STAMP)
	$(MAKE) check
	$(MAKE) pytest
	@if [ -n "$$LIKENESS_TEST_POSTGRES_URL" ]; then $(MAKE) pytest-postgres; \
	else echo "PostgreSQL run skipped: set LIKENESS_TEST_POSTGRES_URL (CI does)"; fi

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	LIKENESS_TEST_DATABASE_URL= $(BIN)/pytest -q -p no:cacheprovider

pytest-postgres: $(STAMP)
	LIKENESS_TEST_DATABASE_URL="$$LIKENESS_TEST_POSTGRES_URL" $(BIN)/pytest -q -p no:cacheprovider tests/integration tests/e2e

# The monitoring index's tests on a PostgreSQL with pgvector (.ci/run starts one; decision 0024).
pytest-pgvector: $(STAMP)
	LIKENESS_TEST_DATABASE_URL="$$LIKENESS_TEST_PGVECTOR_URL" $(BIN)/pytest -q -p no:cacheprovider \
		tests/integration/test_monitoring_enrolment.py tests/integration/test_migrations.py

# Benchmarks print their tables; the comparison columns of bench/watermark.py need the
# `bench` extra and `pip install --no-deps invisible-watermark` (it skips them otherwise).
bench: $(STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Every bench at a small size (`--quick`), so a bench that breaks fails CI (bench/_*.py
# are their shared helpers, not benches). A bench whose
# data (../shared/data/olat-faces) is absent skips that part and says so.
bench-quick: $(STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b --quick"; $(BIN)/python $$b --quick || exit 1; done

# Mutation testing of the pure rule modules against their unit tests ([tool.mutmut] in
# pyproject.toml); fails below a 95 % score on mutants that change behaviour (decision 0013).
mutation: $(STAMP)
	rm -rf mutants && mkdir mutants
	@echo "mutmut: mutating the rule modules (log: mutants/run.log)"
	$(BIN)/mutmut run > mutants/run.log 2>&1 || { tail -n 40 mutants/run.log; exit 1; }
	$(BIN)/python tools/mutation_score.py --min 95

clean:
	rm -rf $(VENV) likeness-data .pytest_cache .mypy_cache .ruff_cache mutants
