# Every target bootstraps .venv itself: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint torch docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The playground: a local web page where the lecture's networks train live.
run: $(STAMP)
	$(VENV)/bin/neuralab playground

test: $(STAMP)
	$(PY) -m ruff check src tests benchmarks examples docs/hooks
	$(PY) -m pytest -q

# Every benchmark prints our figure, the peer's and the ratio; none asserts. ~15 minutes.
bench: $(STAMP) torch
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks examples docs/hooks

# CPU build of PyTorch: the oracle for tests and the peer for benchmarks (optional for users).
torch: $(STAMP)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0

# The documentation site (mkdocs.yml) into site/: tutorials are the notebooks of examples/,
# executed; --strict turns every warning (a broken link, a bad docstring) into a failure.
# Builds offline. NEURALAB_DOCS_EXECUTE=false renders the notebooks without running them;
# MPLBACKEND is cleared so that the notebook kernels draw their figures inline. Notebooks 01 and
# 04 train on CIFAR-10 from $NEURALAB_CIFAR10, by default the sample in ../shared/data/cifar10
# when it exists (the digits otherwise).
CIFAR10 ?= $(abspath $(or $(NEURALAB_CIFAR10),$(wildcard ../shared/data/cifar10)))
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	env -u MPLBACKEND NO_MKDOCS_2_WARNING=1 $(if $(CIFAR10),NEURALAB_CIFAR10=$(CIFAR10)) \
		$(PY) -m mkdocs build --strict

clean:
	rm -rf $(VENV) build dist site .pytest_cache .ruff_cache
