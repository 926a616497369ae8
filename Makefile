# Two commands on a fresh clone: `make run` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EXTRAS := providers,knowledge,functions,report,dev
TORCH  := 2.13.0
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu

.PHONY: install run test lint data bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# PyTorch for the local embedder, CPU build: from PyTorch's CPU index when it answers, else
	# the plain pin (a machine whose pip already has the CPU wheel at hand). An unpinned torch
	# would pull a multi-GB CUDA build.
	if $(BIN)/python -c "import urllib.request as r; r.urlopen('$(TORCH_CPU_INDEX)/torch/', timeout=5)" 2>/dev/null; \
	then $(BIN)/pip install --quiet --index-url $(TORCH_CPU_INDEX) torch==$(TORCH); \
	else $(BIN)/pip install --quiet torch==$(TORCH); fi
	$(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

## The demo data: the example business's knowledge base, embedded locally.
data: install
	HF_HUB_OFFLINE=1 $(BIN)/ava ingest --quiet

## Start AVA on embedded defaults (SQLite file, playbook model, local calendar): no keys, no network.
run: data
	$(BIN)/ava config check
	$(BIN)/ava chat

test: install
	$(BIN)/ruff check .
	HF_HUB_OFFLINE=1 $(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/turn_overhead.py
	$(BIN)/python benchmarks/webhook_path.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
