# Two commands: `make app` serves the workbook, `make test` runs every test.
# Both set up what they need on first use and are quick the second time.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8866
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := chromium postgresql fonts-dejavu-core

.PHONY: app test lint audit unit browser notebooks bench system-deps clean help

help:
	@echo "make app    set up and serve the workbook on http://$(HOST):$(PORT)"
	@echo "make test   set up and run all tests (lint, types, unit, notebooks, browser)"
	@echo "make bench  run the benchmarks in benchmarks/"

# A virtual environment; Debian and Ubuntu ship venv separately as python3-venv.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10 or newer is needed"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing python3-venv with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv && \
	  $(PYTHON) -m venv $(VENV); }
	@# setuptools too: Python's venv brings an old one with known vulnerabilities (make audit)
	@$(BIN)/python -m pip install -q --upgrade pip setuptools

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $@ $(VENV)/.app-installed

app: $(VENV)/.app-installed
	$(BIN)/trace-workbook serve --port $(PORT) --host $(HOST)

# System packages the tests need: Chromium for the browser tests, PostgreSQL for the store.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing with apt-get"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# Unit tests and notebooks first: the browser tests keep Playwright's event loop running
# in this process, which unit tests of the kernel's loop must not see.
# Known vulnerabilities in the installed packages (docs/security.md): a closed network is
# reported, not a failure; a vulnerability docs/security.md does not explain fails.
audit: $(VENV)/.test-installed
	$(BIN)/python tools/audit_dependencies.py

# The docstrings' examples run first (--doctest-modules trace_widgets: about 20 s of CPU).
test: $(VENV)/.test-installed system-deps lint audit
	$(BIN)/pytest --doctest-modules trace_widgets tests/unit notebooks tests/browser

bench: $(VENV)/.test-installed
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
