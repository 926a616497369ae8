# Two commands on a fresh clone: `make run` (the R&D site) and `make test`. Everything else is set up here.
#
# Every install comes from a lock with hashes, so CI, a developer, the Docker images and the
# Functions remote build get the same versions (`make lock` regenerates them; docs/deploy.md):
#   requirements/lock.txt     the development set: the app, extras providers, knowledge,
#                             functions and dev (everything but torch, see below)
#   requirements.txt          the Functions runtime subset, the same versions (remote build)
#   requirements/gradio.txt   the R&D site's image, the same versions plus Gradio
#   infra/requirements.txt    the Pulumi program and its mock tests, in .venv-infra
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
INFRA_VENV  := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed-stamp
EXTRAS := providers,knowledge,functions,report,gradio,dev
TORCH  := 2.13.0
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
PIP_LOCKED := --quiet --require-hashes --no-deps

.PHONY: install shellcheck chromium promptfoo promptfoo-for-tests run chat test lint typecheck lock data bench clean evals

$(STAMP): pyproject.toml requirements/lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# PyTorch for the local embedder, CPU build, outside the lock: its CPU wheels live on PyTorch's
	# own index (local version 2.13.0+cpu) and PyPI's 2.13.0 is the CUDA build, so one set of
	# hashes cannot hold both. From PyTorch's CPU index when it answers, else the plain pin (a
	# machine whose pip already has the CPU wheel at hand). An unpinned torch would pull a
	# multi-GB CUDA build. The lock holds torch's own dependencies.
	if $(BIN)/python -c "import urllib.request as r; r.urlopen('$(TORCH_CPU_INDEX)/torch/', timeout=5)" 2>/dev/null; \
	then $(BIN)/pip install --quiet --index-url $(TORCH_CPU_INDEX) torch==$(TORCH); \
	else $(BIN)/pip install --quiet torch==$(TORCH); fi
	$(BIN)/pip install $(PIP_LOCKED) -r requirements/lock.txt
	# AVA itself, editable; its dependencies came from the lock above.
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check || { echo "pyproject.toml asks for what requirements/lock.txt lacks: run make lock"; exit 1; }
	touch $(STAMP)

# The Pulumi program's virtualenv: pulumi-azure-native pins protobuf 6, the app takes 7.
$(INFRA_STAMP): infra/requirements.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet --upgrade pip
	$(INFRA_VENV)/bin/pip install $(PIP_LOCKED) -r infra/requirements.txt
	touch $(INFRA_STAMP)

# ShellCheck, from Debian: actionlint runs it on every `run:` script of the workflows.
shellcheck:
	@command -v shellcheck >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends shellcheck; \
	  else echo "note: shellcheck is missing (sudo apt-get install shellcheck); the workflows' run: scripts go unchecked"; fi; }

install: $(STAMP)

## The demo data: the example business's knowledge base, embedded locally.
data: install
	HF_HUB_OFFLINE=1 $(BIN)/ava ingest --quiet

## The conversation evals (docs/evals.md): the persona suite through promptfoo, pinned in
## evals/package-lock.json and installed into evals/node_modules (browsers and the ONNX runtime
## skipped: the suite needs neither). Offline on the playbook; with model keys set, on each
## configured model too (AVA_EVALS_MODELS=playbook keeps it offline). Writes
## evals/results/<stamp>.json and .md; exits 100 on a failure.
# promptfoo 0.121 wants Node ^20.20 or >=22.22 (--engine-strict says so plainly); Debian's nodejs
# is older, so Node is not installed here. The install is redone when package.json or the lock
# change, by content rather than file times: a CI cache restores node_modules older than the
# fresh checkout's lock.
PROMPTFOO_STAMP := evals/node_modules/.installed-lock
promptfoo:
	@sha256sum evals/package.json evals/package-lock.json | cmp -s - $(PROMPTFOO_STAMP) || { \
	  (cd evals && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip \
	    npm ci --no-audit --no-fund --loglevel=error --engine-strict) && \
	  sha256sum evals/package.json evals/package-lock.json > $(PROMPTFOO_STAMP); }

# For the suite's promptfoo tests (tests/persona_suite/test_promptfoo_run.py): without a Node that
# fits promptfoo's engines (above), they are skipped on a developer's machine with this note, and
# fail in CI (CI=true); .ci/run's `make evals` needs it either way.
NODE_FITS := node -e 'const [a, b] = process.versions.node.split(".").map(Number); \
	process.exit((a === 20 && b >= 20) || (a === 22 && b >= 22) || a > 22 ? 0 : 1)'
promptfoo-for-tests:
	@if command -v npm >/dev/null && $(NODE_FITS) 2>/dev/null; then $(MAKE) --no-print-directory promptfoo; \
	else echo "note: promptfoo needs Node ^20.20 or >=22.22 with npm (https://nodejs.org); the promptfoo tests are skipped"; fi

evals: data promptfoo
	HF_HUB_OFFLINE=1 $(BIN)/python -m evals.run

## The R&D site at http://127.0.0.1:7860 on embedded defaults (SQLite file, playbook model, local
## calendar, the demo profile and its knowledge): no keys, no network, no login on loopback.
run: data
	$(BIN)/ava config check
	HF_HUB_OFFLINE=1 $(BIN)/python -m gradio_app.app

## The same AVA in the terminal, as a lead (`ava chat`). Not beside `make run`: the embedded
## knowledge folder opens in one process at a time.
chat: data
	$(BIN)/ava config check
	HF_HUB_OFFLINE=1 $(BIN)/ava chat

# Chromium, from Debian: the R&D site's browser test drives it through Playwright.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "note: chromium is missing (sudo apt-get install chromium); the R&D site's browser test is skipped"; fi; }

## The linter, the suite (with the Dockerfile and workflow lints, and promptfoo's own run of a
## few personas), then the Pulumi mock tests. CI runs `make evals` after it (.ci/run).
test: install shellcheck chromium promptfoo-for-tests $(INFRA_STAMP)
	$(BIN)/ruff check .
	HF_HUB_OFFLINE=1 $(BIN)/pytest
	cd infra && ../$(INFRA_VENV)/bin/pytest

## The linters alone: Python, Dockerfiles, workflows (correctness, then security).
lint: install shellcheck
	$(BIN)/ruff check .
	$(BIN)/hadolint Dockerfile gradio_app/Dockerfile
	$(BIN)/actionlint
	$(BIN)/zizmor --offline .github

typecheck: install
	$(BIN)/mypy

## Re-resolve every lock from pyproject.toml and the .in files (needs PyPI), keeping the pinned
## versions that still fit; `make lock UPGRADE=--upgrade` moves everything to the newest. The torch CPU wheel's
## metadata is what the resolver must see (not the CUDA build's nvidia-* dependencies), so it is
## found on this machine's wheel folder when there is one, else on PyTorch's CPU index.
TORCH_LINKS ?= $(if $(wildcard /opt/wheels/torch-$(TORCH)+cpu-*),/opt/wheels,$(TORCH_CPU_INDEX)/torch/)
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --find-links $(TORCH_LINKS) --no-emit-package torch \
	--custom-compile-command "make lock"
lock: install
	echo "torch==$(TORCH)" > $(VENV)/torch-pin.txt
	$(UV_COMPILE) pyproject.toml $(foreach e,$(subst $(comma), ,$(EXTRAS)),--extra $(e)) \
		-c $(VENV)/torch-pin.txt $(UPGRADE) -o requirements/lock.txt
	$(UV_COMPILE) requirements/runtime.in -c requirements/lock.txt -o requirements.txt
	$(UV_COMPILE) pyproject.toml --extra gradio --extra providers --extra knowledge \
		-c requirements/lock.txt -c $(VENV)/torch-pin.txt -o requirements/gradio.txt
	$(UV_COMPILE) infra/requirements.in $(UPGRADE) -o infra/requirements.txt

comma := ,

bench: install
	$(BIN)/python benchmarks/turn_overhead.py
	$(BIN)/python benchmarks/webhook_path.py

clean:
	rm -rf $(VENV) $(INFRA_VENV) data .pytest_cache .ruff_cache .mypy_cache
