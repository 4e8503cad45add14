"""Shared fixtures: a seeded generator and PyTorch (the oracle), skipped with a reason if absent."""

from __future__ import annotations

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
