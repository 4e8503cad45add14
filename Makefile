# Every target bootstraps .venv itself: a fresh machine needs only Python 3.11+ and make.
# Two stamps: `make run` installs neuralab alone (what the playground needs); `make test` adds
# the test extras and the CPU build of PyTorch (the oracle) on top, so `make run` after
# `make test` installs nothing. Each step says what it does: a first install takes a minute.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
TORCH  := torch==2.13.0
# `make run ARGS="--port 8000 --no-browser"`: options for `neuralab playground`.
ARGS   ?=

.PHONY: run test bench lint torch docs clean

$(PY):
	@echo "== creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	@echo "== installing neuralab and its dependencies into $(VENV) (pip install -e .)"
	$(PY) -m pip install --quiet -e .
	@touch $@

# The test extras (pytest, Playwright's driver, onnx, onnxruntime, ...) and the CPU build of
# PyTorch: with them no test skips but the GPU ones. On this machine pip takes torch 2.13.0 from
# a local file; elsewhere add --index-url https://download.pytorch.org/whl/cpu for the CPU build.
$(TEST_STAMP): $(STAMP)
	@echo "== installing the test extras (pip install -e '.[test]')"
	$(PY) -m pip install --quiet -e '.[test]'
	@echo "== installing the CPU build of PyTorch, the tests' oracle ($(TORCH))"
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet $(TORCH) \
		|| echo "== no $(TORCH) for this platform: the PyTorch-oracle tests will skip"
	@touch $@

# The playground: a local web page where the lecture's networks train live.
run: $(STAMP)
	@echo "== starting the playground (neuralab playground $(ARGS)); Ctrl-C stops it"
	$(VENV)/bin/neuralab playground $(ARGS)

# The whole suite; only the GPU tests (tests/test_gpu.py, marked gpu) may skip, each with its
# reason. NEURALAB_NO_SKIPS=1 (set by .ci/run) turns any other skip into a failure.
test: $(TEST_STAMP)
	@echo "== ruff, then pytest"
	$(PY) -m ruff check src tests benchmarks examples docs/hooks
	$(PY) -m pytest -q

# Every benchmark prints our figure, the peer's and the ratio (profile_step.py: where a training
# step's time goes; profile_hog.py: where HOG's time goes); none asserts. ~20 minutes.
# The `bench` extra (JAX, bench_mlp.py's optional peer) is installed first; without it (no
# wheel for this platform) that column stays empty.
bench: $(TEST_STAMP)
	$(PY) -m pip install --quiet -e '.[bench]' || echo "== no JAX here: its column stays empty"
	for b in benchmarks/bench_*.py benchmarks/profile_step.py benchmarks/profile_hog.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(TEST_STAMP)
	$(PY) -m ruff check src tests benchmarks examples docs/hooks

# CPU build of PyTorch: the oracle for tests and the peer for benchmarks (optional for users).
torch: $(STAMP)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet $(TORCH)

# The documentation site (mkdocs.yml) into site/: tutorials are the notebooks of examples/,
# executed; --strict turns every warning (a broken link, a bad docstring) into a failure.
# Builds offline. NEURALAB_DOCS_EXECUTE=false renders the notebooks without running them;
# MPLBACKEND is cleared so that the notebook kernels draw their figures inline. Notebooks 01 and
# 04 train on CIFAR-10 from $NEURALAB_CIFAR10, by default the sample in ../shared/data/cifar10
# when it exists (the digits otherwise).
CIFAR10 ?= $(abspath $(or $(NEURALAB_CIFAR10),$(wildcard ../shared/data/cifar10)))
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(TEST_STAMP)
	$(PY) -m pip install --quiet -e '.[test,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	env -u MPLBACKEND NO_MKDOCS_2_WARNING=1 $(if $(CIFAR10),NEURALAB_CIFAR10=$(CIFAR10)) \
		$(PY) -m mkdocs build --strict

clean:
	rm -rf $(VENV) build dist site .pytest_cache .ruff_cache
