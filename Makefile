# devagent — set-up, tests, demo. Every target is idempotent and quick when nothing changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup venv docker hosttools browser testshells registry image images test demo lint bench perf clean

setup: venv docker hosttools browser image

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 2>&1 | grep -v '^WARNING' || true
	$(BIN)/pip install -q -e '.[dev]' 2>&1 | grep -v '^WARNING' || true
	@$(BIN)/python -c 'import devagent, sandbox, docker, openai, anthropic, tree_sitter_language_pack, unidiff, rich, jinja2'
	@touch $(STAMP)

docker:
	@bash images/ensure-docker.sh

hosttools:
	@bash images/ensure-host-tools.sh

browser:
	@bash images/ensure-browser.sh

image: venv docker
	@$(BIN)/devagent images ensure

images: venv docker
	$(BIN)/devagent images ensure --rebuild

test: setup testshells registry
	$(BIN)/pytest

testshells:
	@bash images/ensure-test-shells.sh

registry:
	@bash images/ensure-registry.sh

demo: setup
	bash scripts/demo.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: setup
	$(BIN)/devagent bench --model oracle tasks/ -j 2 --out out/bench

perf: setup
	$(BIN)/python perf/sandbox_bench.py
	$(BIN)/python perf/runtime_bench.py
	$(BIN)/python perf/loop_bench.py --sandbox docker
	$(BIN)/python perf/stuck_bench.py
	$(BIN)/python perf/attempts_bench.py
	$(BIN)/python perf/patch_bench.py --quick
	$(BIN)/python perf/repomap_bench.py
	$(BIN)/python perf/firstcall_bench.py
	$(BIN)/python perf/imagebuild_bench.py
	$(BIN)/python perf/workspace_bench.py
	$(BIN)/python perf/ray_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
