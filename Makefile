# Vägled: the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: system-deps install demo test test-all test-stack lint airflow warehouse-start warehouse-stop lock bench bench-quick bench-deps clean

install: system-deps $(VENV)/.installed

# Programs the tests drive from Debian's packages: Chromium (browser checks of the report and the
# Data health page) and Redis (the Celery broker of the scale-out test).
SYSTEM_PROGRAMS := chromium chromedriver redis-server
SYSTEM_PACKAGES := chromium chromium-driver redis-server
system-deps:
	@for program in $(SYSTEM_PROGRAMS); do command -v $$program >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $(SYSTEM_PACKAGES)"; \
	  $(SUDO) apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; }; \
	fi

# The lock file pins every package; uv installs exactly that set, then the project itself (editable).
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

demo: install
	$(BIN)/vagled demo

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not slow"

test-all: install
	$(BIN)/ruff check .
	$(BIN)/pytest

# The production stack for real (docker-compose.yml on the host's network, tests/stack): the test
# installs Docker's engine and Compose from Debian's packages when missing (deploy/docker-host.sh),
# starts the engine if none runs (and stops it again), and builds every image from Debian's
# packages (deploy/). Slow: part of `make test-all`, not of `make test`. Prints image size, build
# time, time to healthy and memory.
test-stack: install
	$(BIN)/pytest tests/stack -s -ra

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

airflow: install
	$(BIN)/vagled airflow-ui

warehouse-start: install
	$(BIN)/vagled warehouse start

warehouse-stop: install
	$(BIN)/vagled warehouse stop

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock.new
	{ echo "# Lock file: every dependency pinned. Regenerate with \`make lock\` (uv pip compile)."; \
	  echo "#    uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock"; \
	  tail -n +3 requirements.lock.new; } > requirements.lock && rm requirements.lock.new
	$(BIN)/uv pip compile pyproject.toml --extra bench -c requirements.lock --python-version 3.11 --quiet -o bench/requirements-bench.lock.new
	{ echo "# The bench's peers (pyproject extra \`bench\`), pinned with every runtime pin of requirements.lock unchanged."; \
	  echo "# Regenerate with \`make lock\`:"; \
	  echo "#    uv pip compile pyproject.toml --extra bench -c requirements.lock --python-version 3.11 -o bench/requirements-bench.lock"; \
	  tail -n +3 bench/requirements-bench.lock.new; } > bench/requirements-bench.lock && rm bench/requirements-bench.lock.new

# The performance bench (not part of the tests): one table of figures and targets, written to
# bench/results/latest.json and docs/performance.md. Its peers (dlt, pandas to_sql) are the extra
# `bench`, installed here only: `make install` and the tests never install dlt.
bench: install bench-deps
	$(BIN)/python bench/run.py --docs

bench-quick: install bench-deps
	$(BIN)/python bench/run.py --quick

bench-deps: install
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r bench/requirements-bench.lock

clean:
	-$(BIN)/vagled warehouse stop
	rm -rf .vagled .pytest_cache .ruff_cache
