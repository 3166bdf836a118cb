# fa-companion: build the book and run the tests.
#
#   make book          venv + data, execute the chapters listed in _toc.yml at the book profile (from the results
#                      stored in book/results/, compute forbidden), build _build/html
#   make test          check-sync, then unit tests + nbval on tests/notebooks/ (pytest's summary
#                      is the last line)
#   make venv          create $(VENV) with a pinned torch, `pip install -e ".[book,test]"` and
#                      `pip install --no-deps torchattacks==3.5.1`
#   make data          Fashion-MNIST from the Debian package dataset-fashion-mnist when possible
#   make refresh-ref   re-execute chapters at the ci profile into tests/notebooks/ (CHAPTERS=07 ...)
#   make reproduce     compute and store missing book-profile results (CHAPTERS=07 ...; slow)
#   make bench         the benchmark (python -m fa_companion.bench --json; run it on a quiet machine)
#   make bench-peers   install the benchmark's peers (the optional "bench" extra, BioTorch with
#                      --no-deps), then the benchmark with --peers
#   make gpu-check     on a GPU: bench, chapter 07's networks at paper size on synthetic data, CPU-GPU
#                      agreement; writes book/results/gpu_check.json (GPU_CHECK_ARGS to change)
#   make clean         remove build outputs and executed notebooks (keeps the venv and results)
#
# Variables: VENV (.venv), PYTHON (python3, used to create the venv), TORCH_SPEC (the pinned torch
# to install first; e.g. TORCH_SPEC="torch==2.14.1 torchvision==0.29.1 --index-url URL" for a
# CUDA build), CHAPTERS (stems or numbers; default all), PYTEST_ARGS (extra pytest arguments).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PYTHON ?= python3
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
CHAPTERS ?=
PYTEST_ARGS ?=

PY := $(VENV)/bin/python
STAMP := $(VENV)/.fa-companion-installed
FMNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
NBVAL_ARGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
              --nbval-cell-timeout=900

# Notebook runs: no progress bars; never a non-inline matplotlib backend (PITFALLS 3).
export TQDM_DISABLE := 1
unexport MPLBACKEND

.PHONY: help venv data book execute html test refresh-ref check-sync reproduce lint clean distclean FORCE \
        bench bench-peers gpu-check

help:
	@sed -n '2,21p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

# ---- environment ----------------------------------------------------------------------------
# The stamp records TORCH_SPEC; installing again when pyproject.toml is newer or the spec changed.
# torch is installed first, pinned, so that pip never resolves an unpinned torch for `-e .`.
ifneq ($(strip $(TORCH_SPEC)),$(strip $(shell cat $(STAMP) 2>/dev/null)))
STAMP_FORCE := FORCE
endif

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(STAMP_FORCE) | $(PY)
	$(PY) -m pip install $(TORCH_SPEC)
	$(PY) -m pip install --upgrade-strategy only-if-needed -e ".[book,test]"
	# chapter 12's attack library; without its deps: it pins requests~=2.25.1, Sphinx needs >=2.30
	$(PY) -m pip install --no-deps torchattacks==3.5.1
	echo '$(strip $(TORCH_SPEC))' > $@

venv: $(STAMP)

FORCE:

# ---- data -----------------------------------------------------------------------------------
data:
	@if [ -f "$(FMNIST)" ]; then \
	  echo "Fashion-MNIST: $(dir $(FMNIST))"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y dataset-fashion-mnist) \
	    || echo "make data: could not install dataset-fashion-mnist (continuing)"; \
	else \
	  echo "make data: Fashion-MNIST not found at $(dir $(FMNIST)) (continuing). Get it with"; \
	  echo "  sudo apt-get install dataset-fashion-mnist        (Debian/Ubuntu), or"; \
	  echo "  $(PY) -c \"from fa_companion.data import load_dataset; load_dataset('fashion_mnist', download=True)\""; \
	  echo "  (torchvision download into \$$FA_COMPANION_DATA or ~/.cache/fa_companion/data; needs internet)"; \
	fi

# ---- book -----------------------------------------------------------------------------------
book: venv data
	$(PY) -m fa_companion.book execute --profile book $(if $(CHAPTERS),$(CHAPTERS),--toc)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

execute: venv
	$(PY) -m fa_companion.book execute --profile book $(CHAPTERS)

html: venv
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

reproduce: venv data
	$(PY) -m fa_companion.book reproduce $(CHAPTERS)

# ---- tests ----------------------------------------------------------------------------------
# check-sync runs first and pytest last, so that pytest's summary is the last line; a failing
# check-sync still fails the target (and tests/test_book.py checks the same in pytest).
test: venv
	@status=0; \
	$(PY) -m fa_companion.book check-sync || status=1; \
	$(PY) -m pytest tests $(NBVAL_ARGS) $(PYTEST_ARGS) || status=1; \
	exit $$status

check-sync: venv
	$(PY) -m fa_companion.book check-sync $(CHAPTERS)

refresh-ref: venv
	$(PY) -m fa_companion.book refresh-ref $(CHAPTERS)

lint: venv
	$(PY) -m ruff check .

# ---- benchmarks and the GPU check -----------------------------------------------------------
GPU_CHECK_ARGS ?= --device cuda --size paper --out book/results/gpu_check.json

bench: venv
	$(PY) -m fa_companion.bench --json

bench-peers: venv
	$(PY) -m pip install --upgrade-strategy only-if-needed -e ".[bench]"
	$(PY) -m pip install --no-deps biotorch
	$(PY) -m fa_companion.bench --json --peers

gpu-check: venv
	$(PY) -m fa_companion.tools.gpu_check $(GPU_CHECK_ARGS)

# ---- cleaning -------------------------------------------------------------------------------
clean:
	rm -rf _build .pytest_cache .ruff_cache
	rm -f book/[0-9][0-9]_*.ipynb
	rm -rf book/_generated
	find fa_companion tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
