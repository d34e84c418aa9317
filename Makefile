# Two commands do everything on a fresh machine:
#   make run    set up (first time only) and open the workbench
#   make test   set up (first time only) and run the test suite
# Set-up makes .venv, installs PyTorch, then neuron itself, which compiles
# the engine. It reruns only when the build inputs change.

PYTHON ?= python3
VENV ?= .venv
# The CPU build of PyTorch on machines without a GPU; override with e.g.
# TORCH="torch --index-url https://download.pytorch.org/whl/cu128".
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.neuron-installed
BUILD_INPUTS := pyproject.toml CMakeLists.txt $(wildcard neuron/engine/CMakeLists.txt \
	neuron/engine/src/*)

.PHONY: run test lint setup browser clean

run: $(STAMP)
	$(BIN)/neuron

test: $(STAMP) browser
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/marimo check --strict workbench $(wildcard lessons/*.py)

setup: $(STAMP)

$(STAMP): $(BUILD_INPUTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e ".[dev,bench]"
	touch $(STAMP)

# The end-to-end tests drive Debian's Chromium; as root, install it when it
# is missing. Without it those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "no chromium: the browser tests will skip (install it: sudo apt-get install chromium)"; \
	  fi; }

clean:
	rm -rf build $(VENV) test-artifacts
