"""Shared fixtures: a seeded generator and PyTorch (the oracle), skipped with a reason if
absent; the browser tests' server, chromium and page (tests/browser.py); and with
``NEURALAB_NO_SKIPS=1`` (``.ci/run`` sets it) a skip is a failure, but for the GPU tests'."""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator per test: every test sees the same data on every run."""
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    """PyTorch for the oracle tests (session scope, so hypothesis tests may use it too)."""
    torch = pytest.importorskip("torch", reason="the oracle tests compare against torch autograd")
    return torch


@pytest.fixture(scope="session")
def torch_vjp(torch: ModuleType) -> Callable[..., tuple[np.ndarray, list[np.ndarray]]]:
    """``torch_vjp(fn, dout, *arrays) -> (out, grads)``: torch's value of ``fn(*tensors)`` and,
    by autograd, the gradient of ``Σ out · dout`` with respect to each float64 input array."""

    def vjp(fn: Callable[..., Any], dout: np.ndarray, *arrays: np.ndarray):
        tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
        out = fn(*tensors)
        out.backward(torch.tensor(dout, dtype=torch.float64))
        return out.detach().numpy(), [t.grad.numpy() for t in tensors]

    return vjp


# ------------------------------------------------------------------ NEURALAB_NO_SKIPS=1
# CI installs everything the tests need (`make test`: torch, onnx, Playwright; chromium from
# apt; the data in ../shared), so a skip there means a test silently stopped running. Only a
# GPU test (tests/test_gpu.py, or marked gpu) may skip: CI has no GPU. Every other skip — of a
# test, or of a whole module at collection — is listed with its reason at the end and fails the
# run; the run itself goes on (a collection error would stop every test).
NO_SKIPS_VAR = "NEURALAB_NO_SKIPS"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(NO_SKIPS_VAR) == "1":
        config.pluginmanager.register(NoSkips(), "neuralab-no-skips")


class NoSkips:
    """The plugin that ``NEURALAB_NO_SKIPS=1`` registers: it notes every skip that is not a GPU
    test's (nor an xfail), lists them after the run and makes its exit status 1."""

    def __init__(self) -> None:
        self.skips: list[str] = []

    def _note(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        if not report.skipped or hasattr(report, "wasxfail"):
            return
        keywords = getattr(report, "keywords", {})  # a collection report has none
        if report.nodeid.split("::", 1)[0].endswith("test_gpu.py") or "gpu" in keywords:
            return
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        self.skips.append(f"{report.nodeid}: {reason}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.skips:
            terminalreporter.section(f"{NO_SKIPS_VAR}=1, but {len(self.skips)} non-GPU "
                                     f"tests skipped", red=True)
            for line in self.skips:
                terminalreporter.line(line)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skips:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ------------------------------------------------------------------------- browser tests
# The real `neuralab playground` server, Debian's chromium and a page, one of each per module.
# A browser test module skips first (browser.skip_without_browser); a module that needs a page
# of its own (a fresh one per test, other context options) defines its own `page`.
@pytest.fixture(scope="module")
def server() -> Any:
    from browser import run_server

    yield from run_server()


@pytest.fixture(scope="module")
def browser() -> Any:
    from browser import run_chromium, skip_without_browser

    yield from run_chromium(skip_without_browser())


@pytest.fixture(scope="module")
def page(browser: Any, server: str) -> Any:
    from browser import open_page

    yield from open_page(browser)

