# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed

.PHONY: demo test lint env dev clean eval bench chromium native

# Create .venv with uv (installed from PyPI into the venv itself) and the locked dependencies,
# compiled to bytecode at install: where PYTHONDONTWRITEBYTECODE is set (these machines set it),
# Python would otherwise recompile every module in every process, about 3.5 CPU s of each
# Dagster run worker's start (jieba's tagger tables alone: 1.5 s).
$(STAMP): pyproject.toml uv.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(VENV)/bin/python -m pip install --quiet uv==0.13.8
	$(UV) sync --frozen --inexact --compile-bytecode --python $(VENV)/bin/python
	touch $(STAMP)

# The compiled loops of the tagger and the name scan (transforms/_native.c), rebuilt when the
# source changes; without a C compiler both run in pure Python (same results, slower).
native: $(STAMP)
	$(VENV)/bin/python -m transforms.build_native

env: $(STAMP) native

# Headless Chromium for the tests that look at the Dagster UI and the digest at phone width
# (driven by Playwright's Python client, told to use this browser), with CJK fonts so Chinese
# renders in screenshots. Debian's packages.
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) apt-get install -y --no-install-recommends
$(CHROMIUM) $(CJK_FONT):
	$(APT_INSTALL) chromium fonts-noto-cjk \
	  || ($(SUDO) apt-get update && $(APT_INSTALL) chromium fonts-noto-cjk)

chromium: $(CHROMIUM) $(CJK_FONT)

demo: $(STAMP) native
	$(VENV)/bin/charitynews demo

test: $(STAMP) native $(CHROMIUM) $(CJK_FONT)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The peers (JioNLP, cpca) live in the `eval` extra: installed here, never at runtime.
EVAL_STAMP := $(VENV)/.installed-eval
$(EVAL_STAMP): $(STAMP)
	$(UV) sync --frozen --inexact --extra eval --compile-bytecode --python $(VENV)/bin/python
	touch $(EVAL_STAMP)

eval: $(EVAL_STAMP) native
	$(VENV)/bin/python -m evaluation.validate
	$(VENV)/bin/python -m evaluation
	$(VENV)/bin/python -m evaluation.main_text
	$(VENV)/bin/python -m evaluation.real_text
	$(VENV)/bin/python -m evaluation.real_roles

bench: $(EVAL_STAMP) native
	$(VENV)/bin/python -m bench
	$(VENV)/bin/python -m bench.crawl
	$(VENV)/bin/python -m bench.warehouse
	$(VENV)/bin/python -m bench.pipeline

# The local Dagster instance lives under the data dir (the demo records its runs there), never
# in the checkout; an explicit DAGSTER_HOME wins.
DATA_DIR := $(abspath $(or $(CHARITYNEWS_DATA_DIR),data))
DEV_HOME := $(or $(DAGSTER_HOME),$(DATA_DIR)/dagster_home)
dev: $(STAMP) native
	mkdir -p $(DEV_HOME)
	test -f $(DEV_HOME)/dagster.yaml || cp deploy/dagster-dev.yaml $(DEV_HOME)/dagster.yaml
	DAGSTER_HOME=$(DEV_HOME) $(VENV)/bin/dagster dev -w workspace.yaml

clean:
	rm -rf data .pytest_cache
