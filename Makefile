# Two commands on a fresh clone: `make run` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EXTRAS := providers,knowledge,functions,dev

.PHONY: install run test lint data bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# PyTorch CPU build for the local embedder: a wheel already on this machine, else PyTorch's
	# CPU index, else the plain pin. An unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet --no-index torch==2.13.0 \
	  || $(BIN)/pip install --quiet --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
	  || $(BIN)/pip install --quiet torch==2.13.0
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
