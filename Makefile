# Quick start: `make deck` builds the default deck, `make test` runs the whole suite.
# Both set up what they need first (.venv, npm's mermaid, Debian's chromium).

PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
ATLAS ?=
ARGS ?=
CHROMIUM ?= /usr/bin/chromium

.PHONY: deck test setup setup-test system clean bench

deck: setup
	$(BIN)/build-deck $(if $(ATLAS),--atlas $(ATLAS)) $(ARGS)

test: setup-test
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup-test
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/atlas.py
	$(BIN)/python benchmarks/retention.py

setup: $(VENV)/.deck node_modules/.installed system

setup-test: setup $(VENV)/.test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.deck: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.deck
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "make test: the test server (anki-connect-server) needs Python >= 3.12; found $$($(BIN)/python --version)."; \
	  echo "Install one (e.g. pyenv install 3.12) and run: rm -rf $(VENV) && make test"; exit 1; }
	$(BIN)/pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's headless Chromium renders the Mermaid diagrams; emoji appear in many DS diagrams.
system:
	@if [ ! -x $(CHROMIUM) ] || ! fc-list 2>/dev/null | grep -qi "Noto Color Emoji"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	  else \
	    echo "Diagram cards need Debian's chromium and fonts-noto-color-emoji:"; \
	    echo "  sudo apt-get install chromium fonts-noto-color-emoji"; \
	    echo "(or build without diagram cards: make deck ARGS=--no-diagrams)"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf build $(VENV) node_modules
