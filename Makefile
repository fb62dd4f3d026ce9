# dashgrn quickstart targets. `make demo` and `make test` each set up .venv first.
PYTHON ?= python3
VENV ?= .venv
# The CPU build of torch for this kind of machine; elsewhere use e.g. TORCH=torch
# (or a CUDA build from PyTorch's index) before the project is installed.
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: setup demo test clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[test,dask]"
	touch $@

demo: setup
	$(BIN)/dashgrn infer example_data/expression.h5ad --prior example_data/prior.tsv \
		--truth example_data/truth.tsv --out demo_out --overwrite
	$(BIN)/dashgrn evaluate demo_out/edges.tsv --truth example_data/truth.tsv \
		--prior example_data/prior.tsv

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf demo_out .pytest_cache
