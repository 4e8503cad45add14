"""Weight regularizers R(W), added to the data loss: training minimizes ``data loss + R(W)``.

Each acts on the Params with ``decay=True`` (weights; not biases, not batch-norm γ/β):

=================  ===============================  ====================================
regularizer        penalty R(W)                     how training applies it
=================  ===============================  ====================================
``NoReg``          0                                 —
``L2(lam)``        λ·ΣW²                             gradient 2λW (weight decay c = 2λ)
``L1(lam)``        λ·Σ|W|                            proximal step: soft-threshold by η·λ
``ElasticNet``     λ·Σ(β·W² + |W|)  (the slide's)    gradient 2λβW, then soft-threshold
=================  ===============================  ====================================

Note λ·ΣW² has no ½: the gradient is 2λW. (PyTorch's ``weight_decay=wd`` adds wd·W to the
gradient, so L2(lam) equals ``weight_decay = 2·lam``.)

Why a proximal step for L1: |w| has no gradient at 0, and its subgradient λ·sign(w) only makes
a weight jump back and forth across 0 — plain subgradient descent never lands a weight on 0,
so L1 would give no sparsity, the very thing that sets it apart from L2. The proximal step
``w ← sign(w)·max(|w| − η·λ, 0)`` after each update does land on 0: a weight whose data
gradient is at most λ in magnitude goes to exactly 0 and stays there. For plain SGD this is
proximal gradient descent (ISTA), which minimizes data loss + λ·Σ|W|; for momentum, RMSProp and
Adam the threshold uses the optimizer's own step size (see :meth:`neuralab.optim.Optimizer.step`).

A regularizer reports its two parts: :meth:`Regularizer.weight_decay` (c where the smooth
part's gradient is c·W) and :meth:`Regularizer.l1_strength` (λ of the L1 part); the training
step (:func:`neuralab.train.train_step`) hands both to ``optimizer.step(weight_decay=c, l1=λ)``.
:meth:`Regularizer.add_grad` adds the (sub)gradient of R to ``p.grad`` instead — what a
penalty without these two parts must do, and what a gradient check of R compares against.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import backend as B
from .checks import check_choice
from .config import REGULARIZERS, check_range
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
        """c where the gradient of the penalty's smooth part is c·W (L2: 2λ; elastic net: 2λβ;
        L1 and NoReg: 0), for ``Optimizer.step(weight_decay=c)``; None for a penalty that has no
        such form, whose whole (sub)gradient :meth:`add_grad` must add to ``p.grad``."""
        return None

    def l1_strength(self) -> float:
        """λ of the penalty's L1 part λ·Σ|W| (L1, elastic net; 0 for the others), which the
        optimizer applies as a proximal step (``Optimizer.step(l1=λ)``)."""
        return 0.0

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
    """R(W) = λ·Σ|W| (the lasso penalty). Training applies it as a proximal step, which drives
    weights to exact zeros; :meth:`add_grad` adds the subgradient λ·sign(W) (0 where W = 0)."""

    def __init__(self, lam: float = 1e-4) -> None:
        self.lam = check_range("lam", lam)

    def _penalty(self, w: B.Array) -> float:
        xp = B.namespace(w)
        return self.lam * B.to_float(xp.sum(xp.abs(w)))

    def _add_grad(self, grad: B.Array, w: B.Array) -> B.Array:
        return B.axpy_(grad, B.namespace(w).sign(w), self.lam)

    def weight_decay(self) -> float:
        return 0.0

    def l1_strength(self) -> float:
        return self.lam


class ElasticNet(Regularizer):
    """R(W) = λ·Σ(β·W² + |W|) — the lecture's elastic net. Training applies the L2 part as
    weight decay 2λβ and the L1 part as a proximal step; :meth:`add_grad` adds the
    subgradient λ·(2βW + sign(W))."""

    def __init__(self, lam: float = 1e-4, beta: float = 0.5) -> None:
        self.lam = check_range("lam", lam)
        self.beta = check_range("beta", beta)

    def _penalty(self, w: B.Array) -> float:
        xp = B.namespace(w)
        return self.lam * (self.beta * B.sumsq(w) + B.to_float(xp.sum(xp.abs(w))))

    def _add_grad(self, grad: B.Array, w: B.Array) -> B.Array:
        grad = B.axpy_(grad, w, 2.0 * self.lam * self.beta)
        return B.axpy_(grad, B.namespace(w).sign(w), self.lam)

    def weight_decay(self) -> float:
        return 2.0 * self.lam * self.beta

    def l1_strength(self) -> float:
        return self.lam


def get_regularizer(name: str, lam: float = 1e-4, beta: float = 0.5) -> Regularizer:
    """A regularizer by name: ``none``, ``l1``, ``l2`` or ``elastic``."""
    check_choice("reg", name, REGULARIZERS)
    if name == "none":
        return NoReg()
    if name == "elastic":
        return ElasticNet(lam, beta)
    return (L1 if name == "l1" else L2)(lam)
