# Every target bootstraps .venv itself: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint torch clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The playground: a local web page where the lecture's networks train live.
run: $(STAMP)
	$(VENV)/bin/neuralab playground

test: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m pytest -q

# Every benchmark prints our figure, the peer's and the ratio; none asserts. ~15 minutes.
bench: $(STAMP) torch
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks

# CPU build of PyTorch: the oracle for tests and the peer for benchmarks (optional for users).
torch: $(STAMP)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
