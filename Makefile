# Vestibule: `make run` to try it, `make test` to check it. Needs only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test fuzz load lint format messages install services clean

run: install messages
	$(BIN)/python -m config.launcher run

test: install messages lint
	$(BIN)/python -m config.launcher test $(PYTEST_ARGS)

# The schemathesis run of `make test`, longer (tests/test_api_fuzz.py): FUZZ_EXAMPLES
# valid and invalid requests per operation, FUZZ_COVERAGE coverage cases (or all),
# as reception and as admin; prints requests, 5xx and failures per check.
FUZZ_EXAMPLES ?= 10
FUZZ_COVERAGE ?= all
FUZZ_SEED ?= 20261202
fuzz: install messages
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_COVERAGE=$(FUZZ_COVERAGE) FUZZ_SEED=$(FUZZ_SEED) \
		$(BIN)/python -m config.launcher test tests/test_api_fuzz.py -q $(PYTEST_ARGS)

# A head office's morning (bench/load/): Locust, headless, LOAD_USERS users for
# LOAD_SECONDS, against the production command on its own seeded database
# (LOAD_VISITS past visits; 5,000 on site). Prints p95 per request type and the targets.
LOAD_USERS ?= 50
LOAD_SECONDS ?= 60
LOAD_VISITS ?= 1000000
load: install messages
	$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python bench/load/run.py --users $(LOAD_USERS) --seconds $(LOAD_SECONDS) --visits $(LOAD_VISITS) $(LOAD_ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(STAMP)

# Installs exactly the versions in constraints.txt (the lock); pyproject.toml
# keeps the compatible ranges. `make lock` refreshes the lock.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

lock:
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt

messages: install
	$(BIN)/python -m config.messages

services: install
	$(BIN)/python -m config.launcher services

clean:
	rm -rf $(VENV) var
