"""Optimizers and learning-rate schedules.

An optimizer updates its Params in place from their ``grad`` (filled by ``model.backward``).
Notation: w a parameter, g its gradient, η the learning rate, t the step count starting at 1.
Each rule below is the one ``torch.optim`` implements (dampening left out), so the two match
step for step.

The regularizer enters :meth:`Optimizer.step` in two ways (:func:`neuralab.train.train_step`
passes both, from :meth:`~neuralab.regularizers.Regularizer.weight_decay` and
:meth:`~neuralab.regularizers.Regularizer.l1_strength`):

* ``weight_decay=c`` — an L2 penalty's gradient c·w, folded into the update for every Param
  with ``decay=True`` (torch.optim's ``weight_decay``), without writing it into ``grad`` (on
  numpy without a pass of its own);
* ``l1=λ`` — the L1 penalty λ·Σ|w|, applied after the update as its proximal step
  (soft-thresholding), so that weights reach exactly 0 (:meth:`Optimizer.step`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

from . import backend as B
from .backend import Array
from .checks import check_choice, check_int
from .config import OPTIMIZERS, SCHEDULES, check_range
from .nn.layers import Param

_PACKED = -1  # the index ``_update`` gets for the packed update of all Params at once


class Optimizer:
    """Base class: holds the Params, the learning rate ``lr`` and per-parameter state."""

    #: The fewest Params a packed update (see ``_step_packed``) is worth it for.
    pack_min = B.PACK_MIN

    def __init__(self, params: Iterable[Param], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("params is empty: pass model.params() (a model with parameters)")
        for i, p in enumerate(self.params):
            if not isinstance(p, Param):
                raise TypeError(f"params[{i}] must be a neuralab Param, got {type(p).__name__}")
        self.lr = check_range("lr", lr)
        self.t = 0  # steps taken
        self.state: dict[str, list[Array | None]] = {}

    def step(self, weight_decay: float = 0.0, l1: float = 0.0) -> None:
        """Apply one update to every Param that has a gradient.

        Parameters
        ----------
        weight_decay : float
            c ≥ 0: every Param with ``decay=True`` is updated as if its gradient were
            ``grad + c·w`` — the gradient of the L2 penalty λ·ΣW² for c = 2λ, so that
            ``L2(lam).add_grad(params); opt.step()`` and ``opt.step(weight_decay=2 * lam)``
            give the same parameters (up to rounding). ``grad`` itself is not modified.
        l1 : float
            λ ≥ 0: after its update, every Param with ``decay=True`` takes the proximal step of
            the penalty λ·Σ|w| with the optimizer's own step size τ::

                w ← sign(w)·max(|w| − τ·λ, 0)

            τ = η for SGD (with or without momentum) and τ = η / (√ŝ + ε) per entry for
            RMSProp and Adam (ŝ their running mean of g², bias-corrected for Adam): the prox in
            the metric the optimizer steps in. A weight that the update carries across 0, or
            leaves within τ·λ of it, lands on exactly 0, and stays there while the step's
            gradient (SGD: g; momentum: the velocity; Adam: m̂) is at most λ in magnitude.
            With plain SGD this is proximal gradient descent (ISTA) on data loss + λ·Σ|w|.
        """
        if not weight_decay >= 0.0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        if not l1 >= 0.0:
            raise ValueError(f"l1 must be >= 0, got {l1!r}")
        self.t += 1
        if not self._step_packed(weight_decay):
            for i, p in enumerate(self.params):
                if p.grad is not None:
                    self._update(i, p, weight_decay if p.decay else 0.0)
        if l1:
            for i, p in enumerate(self.params):
                if p.decay and p.grad is not None:
                    p.value = B.soft_threshold_(p.value, self._prox_step(i, p) * l1)

    def _step_packed(self, weight_decay: float) -> bool:
        """The update of every Param at once, as views of flat arrays (:class:`B.Packed`);
        False, having done nothing, where it does not apply.

        It applies on numpy to models of at least ``pack_min`` Params and at most
        ``B.PACK_LIMIT`` weights, all with gradients: the lecture's small networks (an MLP on
        digits, the playground's nets), whose step would otherwise spend more time calling an
        update per array than computing. The values become views of one flat array (decayed
        Params first), the optimizer's slots and the gradients likewise: a layer that writes its
        gradient into ``p.grad`` in place (Linear, :meth:`B.Workspace.reuse`) writes it into the
        flat gradient, and gradients in new arrays (other layers) are copied in. The
        arithmetic is the per-Param update's, entry for entry: the L2 term is a vector, c on
        the decayed Params' entries and 0 elsewhere. A Param or slot replaced since the last
        step (a loaded state, a moved model) is packed again from its new array.
        """
        if len(self.params) < self.pack_min:
            return False
        values = [p.value for p in self.params]
        grads = [p.grad for p in self.params]
        packs: dict[str, Any] = self.__dict__.setdefault("_packs", {})
        pack = packs.get("value")
        # while values and gradients are the packs' views, the flat arrays hold them: the
        # every-step case, without a check or a copy
        if pack is None or not (pack.holds(values) and packs["grad"].holds(grads)):
            if any(g is None for g in grads) or not B.packable(values + grads):
                return False
            if pack is None or not pack.holds(values):
                order = sorted(range(len(values)), key=lambda i: not self.params[i].decay)
                pack = B.Packed(values, order)
                packs.clear()  # slots and the L2 vector follow the new layout
                packs["value"] = pack
                # entries of the decayed Params, which come first (_packed_decay)
                packs["n_decayed"] = sum(p.value.size for p in self.params if p.decay)
                for p, view in zip(self.params, pack.views, strict=True):
                    p.value = view
            if "grad" in packs:  # gradients in new arrays: copied into the flat one
                packs["grad"].gather(grads)
            else:
                packs["grad"] = B.Packed(grads, pack.order)
                packs["param"] = Param(pack.flat, decay=False)  # all the Params as one
                packs["param"].grad = packs["grad"].flat
            for p, view in zip(self.params, packs["grad"].views, strict=True):
                p.grad = view
        self._update(_PACKED, packs["param"], self._packed_decay(weight_decay))
        return True

    def _packed_decay(self, c: float) -> float | Array:
        """The L2 coefficient of the packed update: c where every Param decays, 0 where none
        does, else a vector with c on the decayed Params' entries (cached per c)."""
        packs = self._packs
        flat, n = packs["value"].flat, packs["n_decayed"]
        if c == 0.0 or n == 0:
            return 0.0
        if n == flat.size:
            return c
        if packs.get("decay_c") != c:
            vector = B.namespace(flat).zeros_like(flat)
            vector[:n] = c  # the decayed Params come first
            packs["decay_c"], packs["decay"] = c, vector
        return packs["decay"]

    def _update(self, i: int, p: Param, decay: float | Array) -> None:
        """Update Param ``i`` from ``p.grad + decay·p.value``."""
        raise NotImplementedError

    def _prox_step(self, i: int, p: Param) -> float | Array:
        """τ: the step size of the update just taken on Param ``i`` (a number, or an array
        of its shape for the adaptive rules), which scales L1's soft-threshold."""
        return self.lr

    def _slot(self, name: str, i: int, like: Array) -> Array:
        """Per-parameter state array ``name`` for Param ``i`` (zeros on first use); for the
        packed update (``i == _PACKED``) the flat array whose views are every Param's."""
        slots = self.state.get(name)
        if slots is None:
            slots = self.state[name] = [None] * len(self.params)
        if i == _PACKED:
            pack = self._packs.get(name)
            if pack is None or not pack.holds(slots):
                arrays = [B.namespace(p.value).zeros_like(p.value) if s is None else s
                          for p, s in zip(self.params, slots, strict=True)]
                pack = self._packs[name] = B.Packed(arrays, self._packs["value"].order)
                slots[:] = pack.views
            return pack.flat
        if slots[i] is None:
            slots[i] = B.namespace(like).zeros_like(like)
        return slots[i]

    def _scratch(self, i: int, like: Array, key: str = "tmp") -> Array | None:
        """A reusable temporary ``key`` for numpy's in-place path (not part of the state)."""
        if not hasattr(self, "_ws"):  # one per Param, and the packed update's (index -1)
            self._ws = [B.Workspace() for _ in range(len(self.params) + 1)]
            for ws in self._ws:
                ws.enabled = True
        return self._ws[i].get(key, tuple(like.shape), like)

    def _grad(self, i: int, p: Param, decay: float | Array) -> Array:
        """``p.grad + decay·p.value`` (on numpy in a reused buffer); ``p.grad`` itself when
        decay is 0. For the rules without a fused numpy kernel."""
        if B.no_decay(decay):
            return p.grad
        return B.add_scaled(p.grad, p.value, decay, out=self._scratch(i, p.grad, "decayed"))

    # -- checkpointing -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"t": steps, "lr": η, "slots": {"<name>.<i>": array}}`` for checkpoints."""
        slots = {f"{name}.{i}": a for name, arrs in self.state.items()
                 for i, a in enumerate(arrs) if a is not None}
        return {"t": self.t, "lr": self.lr, "slots": slots}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.t, self.lr = int(state["t"]), float(state["lr"])
        self.state = {}
        for key, arr in state["slots"].items():
            name, _, i = key.rpartition(".")
            like = self.params[int(i)].value
            self.state.setdefault(name, [None] * len(self.params))[int(i)] = B.copy(
                B.asarray(arr, like=like))

    def carry_over(self, params: Iterable[Param]) -> Optimizer:
        """The same optimizer over a new list of Params, for a rebuilt network.

        When a model is rebuilt around the same weights (the playground adds or removes a
        batch-norm or dropout layer while training runs), its ``params()`` list changes: some
        Params stay (the same objects), some are new, some are gone. This returns an optimizer
        that goes on as if nothing had been rebuilt for every Param that stayed.

        Parameters
        ----------
        params : iterable of Param
            The rebuilt model's Params (``model.params()``), in its order.

        Returns
        -------
        Optimizer
            A new optimizer of the same class with the same hyperparameters (``lr``, momentum,
            betas ...) and step count ``t``. A Param of ``params`` that this optimizer holds
            (the same object) keeps a copy of its per-parameter state (momentum velocity,
            RMSProp / Adam moments); a new Param starts with fresh state (zeros on first use),
            as in a new optimizer. The state of Params not in ``params`` is dropped. This
            optimizer is left unchanged.

        Raises
        ------
        ValueError, TypeError
            As the constructor: ``params`` is empty or holds something other than Params.

        Examples
        --------
        >>> from neuralab.nn import BatchNorm, Linear, ReLU, Sequential
        >>> fc1, fc2 = Linear(2, 4, rng=0), Linear(4, 3, rng=1)
        >>> opt = Adam(Sequential(fc1, ReLU(), fc2).params(), lr=1e-2)
        >>> model = Sequential(fc1, BatchNorm(4), ReLU(), fc2)  # the same weights + γ, β
        >>> opt = opt.carry_over(model.params())
        >>> len(opt.params)
        6
        """
        new = copy.copy(self)  # the hyperparameters, whatever the subclass names them
        Optimizer.__init__(new, params, self.lr)  # checks params; empty state, t = 0
        new.__dict__.pop("_ws", None)  # scratch buffers are sized for the old list
        new.__dict__.pop("_packs", None)  # and packs laid out for it
        new.t = self.t
        index = {id(p): i for i, p in enumerate(self.params)}
        for name, slots in self.state.items():
            kept = [slots[index[id(p)]] if id(p) in index else None for p in new.params]
            new.state[name] = [None if a is None else B.copy(a) for a in kept]
        return new

    def __repr__(self) -> str:
        hidden = ("params", "state", "t", "_ws", "_packs")
        hyper = {k: v for k, v in vars(self).items() if k not in hidden}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in hyper.items())})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum μ.

    * plain:     w ← w − η·g
    * momentum:  v ← μ·v + g;          w ← w − η·v
    * Nesterov:  v ← μ·v + g;          w ← w − η·(g + μ·v)

    v starts at 0. The lecture's form v ← μ·v − η·g, w ← w + v is the same update with
    v_lecture = −η·v (identical while η is constant; with a schedule this form, PyTorch's,
    applies the new η to the whole velocity).
    """

    def __init__(
        self, params: Iterable[Param], lr: float = 1e-2, momentum: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_range("momentum", momentum)
        if nesterov and momentum == 0.0:
            raise ValueError("nesterov=True needs momentum > 0, e.g. momentum=0.9")
        self.nesterov = bool(nesterov)

    def _update(self, i: int, p: Param, decay: float | Array) -> None:
        if self.momentum == 0.0:
            # one fused sweep on numpy, L2 term included
            p.value = B.sgd_update_(p.value, p.grad, self.lr, decay)
            return
        g = self._grad(i, p, decay)
        v = self._slot("v", i, p.value)
        v *= self.momentum
        v += g
        if self.nesterov:  # w − η(g + μv)
            p.value = B.axpy_(p.value, g, -self.lr)
            p.value = B.axpy_(p.value, v, -self.lr * self.momentum)
        else:
            p.value = B.axpy_(p.value, v, -self.lr)


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012).

    s ← ρ·s + (1 − ρ)·g²;   w ← w − η·g / (√s + ε)

    ``decay_rate`` is ρ (PyTorch's ``alpha``).
    """

    def __init__(
        self, params: Iterable[Param], lr: float = 1e-3, decay_rate: float = 0.99,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.decay_rate = check_range("decay_rate", decay_rate, "momentum")
        self.eps = check_range("eps", eps)

    def _update(self, i: int, p: Param, decay: float | Array) -> None:
        g, rho = self._grad(i, p, decay), self.decay_rate
        s = self._slot("s", i, p.value)
        tmp = B.square(g, out=self._scratch(i, g))
        s *= rho
        s = B.axpy_(s, tmp, 1.0 - rho)
        denom = B.add(B.sqrt(s, out=tmp), self.eps, out=tmp)
        p.value = B.axpy_(p.value, B.divide(g, denom, out=tmp), -self.lr)

    def _prox_step(self, i: int, p: Param) -> Array:
        xp = B.namespace(p.value)
        return self.lr / (xp.sqrt(self._slot("s", i, p.value)) + self.eps)  # η / (√s + ε)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015).

    m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
    m̂ = m / (1 − β₁ᵗ);       v̂ = v / (1 − β₂ᵗ)
    w ← w − η·m̂ / (√v̂ + ε)
    """

    pack_min = 2  # its 12 passes an array pay for packing a linear classifier's W and b

    def __init__(
        self, params: Iterable[Param], lr: float = 1e-3, beta1: float = 0.9,
        beta2: float = 0.999, eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.beta1 = check_range("beta1", beta1, "momentum")
        self.beta2 = check_range("beta2", beta2, "momentum")
        self.eps = check_range("eps", eps)

    def _update(self, i: int, p: Param, decay: float | Array) -> None:
        # the whole rule is one backend kernel: on numpy a few in-place passes, L2 term included
        p.value = B.adam_update_(
            p.value, p.grad, self._slot("m", i, p.value), self._slot("v", i, p.value),
            lr=self.lr, beta1=self.beta1, beta2=self.beta2, eps=self.eps, step=self.t,
            weight_decay=decay,
        )

    def _prox_step(self, i: int, p: Param) -> Array:
        xp, v = B.namespace(p.value), self._slot("v", i, p.value)
        root = math.sqrt(1.0 - self.beta2**self.t)
        return self.lr / (xp.sqrt(v) / root + self.eps)  # η / (√v̂ + ε)


def get_optimizer(name: str, params: Iterable[Param], lr: float, **kwargs: Any) -> Optimizer:
    """By name: ``sgd``, ``momentum`` (SGD, μ = 0.9), ``nesterov``, ``rmsprop``, ``adam``."""
    check_choice("optimizer", name, OPTIMIZERS)
    if name in ("momentum", "nesterov"):
        kwargs.setdefault("momentum", 0.9)
        return SGD(params, lr, nesterov=name == "nesterov", **kwargs)
    cls = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam}[name]
    return cls(params, lr, **kwargs)


# --------------------------------------------------------------------------- schedules
class Schedule:
    """A learning rate as a pure function of the epoch: ``schedule(epoch) -> lr``.

    Being pure (no internal counter) makes resuming a run exact.
    """

    def __init__(self, lr: float) -> None:
        self.lr = check_range("lr", lr)

    def __call__(self, epoch: int) -> float:
        return self.lr


class StepDecay(Schedule):
    """η_e = η₀ · γ^⌊e / step_size⌋ (``torch.optim.lr_scheduler.StepLR``)."""

    def __init__(self, lr: float, step_size: int = 10, gamma: float = 0.1) -> None:
        super().__init__(lr)
        self.step_size = check_int("step_size", step_size, 1)
        self.gamma = check_range("gamma", gamma, "momentum")

    def __call__(self, epoch: int) -> float:
        return self.lr * self.gamma ** (epoch // self.step_size)


class Cosine(Schedule):
    """η_e = η_min + (η₀ − η_min)·(1 + cos(π·e / T)) / 2 for e ≤ T, then η_min
    (``torch.optim.lr_scheduler.CosineAnnealingLR`` in closed form, without restarts)."""

    def __init__(self, lr: float, t_max: int = 50, eta_min: float = 0.0) -> None:
        super().__init__(lr)
        self.t_max = check_int("t_max", t_max, 1)
        self.eta_min = check_range("eta_min", eta_min, "lam")

    def __call__(self, epoch: int) -> float:
        e = min(epoch, self.t_max)
        cos = math.cos(math.pi * e / self.t_max)
        return self.eta_min + (self.lr - self.eta_min) * (1 + cos) / 2


def get_schedule(name: str, lr: float, **kwargs: Any) -> Schedule:
    """By name: ``constant``, ``step`` or ``cosine``."""
    check_choice("lr_schedule", name, SCHEDULES)
    return {"constant": Schedule, "step": StepDecay, "cosine": Cosine}[name](lr, **kwargs)


def run_schedule(name: str, lr: float, epochs: int) -> Schedule:
    """The schedule ``name`` shaped for a run of ``epochs`` epochs, as ``neuralab train`` and
    the scikit-learn estimators set it: ``step`` decays by 10 at each third of the run,
    ``cosine`` reaches 0 at the last epoch, ``constant`` stays at ``lr``."""
    check_choice("lr_schedule", name, SCHEDULES)
    if name == "step":
        return StepDecay(lr, step_size=max(1, epochs // 3), gamma=0.1)
    if name == "cosine":
        return Cosine(lr, t_max=epochs)
    return Schedule(lr)
