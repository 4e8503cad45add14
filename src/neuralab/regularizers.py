"""Weight regularizers R(W), added to the data loss as ``L = data loss + R(W)``.

Each acts on the Params with ``decay=True`` (weights; not biases, not batch-norm γ/β):

=================  ===============================  ==============================
regularizer        penalty R(W)                     gradient added to ``p.grad``
=================  ===============================  ==============================
``NoReg``          0                                 0
``L2(lam)``        λ·ΣW²                             2λW
``L1(lam)``        λ·Σ|W|                            λ·sign(W)  (subgradient 0 at 0)
``ElasticNet``     λ·Σ(β·W² + |W|)  (the slide's)    λ·(2βW + sign(W))
=================  ===============================  ==============================

Note λ·ΣW² has no ½: the gradient is 2λW. (PyTorch's ``weight_decay=wd`` adds wd·W to the
gradient, so L2(lam) equals ``weight_decay = 2·lam``.)

A gradient that is a multiple c·W of the weights (L2, and 0 for NoReg) need not be added to
``p.grad`` at all: :meth:`Regularizer.weight_decay` gives c, and ``optimizer.step(weight_decay=c)``
folds it into the update (on numpy without a pass of its own over the weights). The training
loop (:func:`neuralab.train.train_step`) does that, and calls ``add_grad`` for the others.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import backend as B
from .config import REGULARIZERS, check_choice, check_range
from .nn.layers import Param


class Regularizer:
    """Base class: ``penalty(params) -> float`` and ``add_grad(params)`` (in place)."""

    lam: float = 0.0

    def penalty(self, params: Iterable[Param]) -> float:
        return sum(self._penalty(p.value) for p in params if p.decay)

    def add_grad(self, params: Iterable[Param]) -> None:
        for p in params:
            if p.decay and p.grad is not None:
                p.grad = self._add_grad(p.grad, p.value)

    def weight_decay(self) -> float | None:
        """c where the penalty's gradient is c·W (L2: 2λ; NoReg: 0), for
        ``Optimizer.step(weight_decay=c)`` in place of :meth:`add_grad`; None when the
        gradient is not a multiple of W (L1, elastic net), which :meth:`add_grad` must add."""
        return None

    def _penalty(self, w: B.Array) -> float:
        raise NotImplementedError

    def _add_grad(self, grad: B.Array, w: B.Array) -> B.Array:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class NoReg(Regularizer):
    """No regularization: R(W) = 0."""

    def penalty(self, params: Iterable[Param]) -> float:
        return 0.0

    def add_grad(self, params: Iterable[Param]) -> None:
        return None

    def weight_decay(self) -> float:
        return 0.0


class L2(Regularizer):
    """R(W) = λ·ΣW², gradient 2λW ("weight decay")."""

    def __init__(self, lam: float = 1e-4) -> None:
        self.lam = check_range("lam", lam)

    def _penalty(self, w: B.Array) -> float:
        return self.lam * B.sumsq(w)

    def _add_grad(self, grad: B.Array, w: B.Array) -> B.Array:
        return B.axpy_(grad, w, 2.0 * self.lam)

    def weight_decay(self) -> float:
        return 2.0 * self.lam


class L1(Regularizer):
    """R(W) = λ·Σ|W|, subgradient λ·sign(W) (0 where W = 0); drives weights to exact zeros."""

    def __init__(self, lam: float = 1e-4) -> None:
        self.lam = check_range("lam", lam)

    def _penalty(self, w: B.Array) -> float:
        xp = B.namespace(w)
        return self.lam * B.to_float(xp.sum(xp.abs(w)))

    def _add_grad(self, grad: B.Array, w: B.Array) -> B.Array:
        return B.axpy_(grad, B.namespace(w).sign(w), self.lam)


class ElasticNet(Regularizer):
    """R(W) = λ·Σ(β·W² + |W|) — the lecture's elastic net; gradient λ·(2βW + sign(W))."""

    def __init__(self, lam: float = 1e-4, beta: float = 0.5) -> None:
        self.lam = check_range("lam", lam)
        self.beta = check_range("beta", beta)

    def _penalty(self, w: B.Array) -> float:
        xp = B.namespace(w)
        return self.lam * (self.beta * B.sumsq(w) + B.to_float(xp.sum(xp.abs(w))))

    def _add_grad(self, grad: B.Array, w: B.Array) -> B.Array:
        grad = B.axpy_(grad, w, 2.0 * self.lam * self.beta)
        return B.axpy_(grad, B.namespace(w).sign(w), self.lam)


def get_regularizer(name: str, lam: float = 1e-4, beta: float = 0.5) -> Regularizer:
    """A regularizer by name: ``none``, ``l1``, ``l2`` or ``elastic``."""
    check_choice("reg", name, REGULARIZERS)
    if name == "none":
        return NoReg()
    if name == "elastic":
        return ElasticNet(lam, beta)
    return (L1 if name == "l1" else L2)(lam)
