"""Stateful layers: thin shells over :mod:`neuralab.nn.functional`.

A layer owns its parameters as :class:`Param` objects, remembers what backward needs from its
last forward, and reads ``self.training`` (set by ``train()``/``eval()``). ``backward`` writes
fresh gradients into ``Param.grad`` — it never accumulates — and returns the input gradient.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .. import backend as B
from ..backend import Array
from ..checks import check_int
from ..config import check_range
from . import functional as F
from .init import initialize


class Param:
    """A trainable array, its latest gradient, and whether regularizers penalize it.

    ``decay=True`` for weights; ``False`` for biases and batch-norm γ/β (the lecture's
    regularizers act on W only).
    """

    __slots__ = ("decay", "grad", "value")

    def __init__(self, value: Array, decay: bool = True) -> None:
        self.value = value
        self.grad: Array | None = None
        self.decay = decay

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    def __repr__(self) -> str:
        return f"Param(shape={self.shape}, decay={self.decay})"


LAYERS: dict[str, type[Layer]] = {}


def register(cls: type[Layer]) -> type[Layer]:
    """Make a layer class rebuildable from its ``get_config()`` (used by :mod:`neuralab.io`)."""
    LAYERS[cls.__name__] = cls
    return cls


class Layer:
    """Base class of every layer: ``forward(x) -> out`` and ``backward(dout) -> dx``.

    ``backward`` writes fresh gradients into each of the layer's :class:`Param` ``grad`` and
    updates nothing (the optimizer does). Subclasses list their constructor arguments in
    ``_config_keys``; :meth:`get_config` saves them for :mod:`neuralab.io`.
    """

    _config_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.training = True
        self._ws = B.Workspace()  # reused output buffers; enabled by Sequential on numpy

    # -- the contract ------------------------------------------------------------------------
    def forward(self, x: Array) -> Array:
        raise NotImplementedError

    def backward(self, dout: Array, need_dx: bool = True) -> Array | None:
        raise NotImplementedError

    def named_params(self) -> dict[str, Param]:
        """Trainable parameters by name (``weight``, ``bias`` ...)."""
        return {}

    def named_buffers(self) -> dict[str, Array]:
        """Non-trainable state by name (batch norm's running statistics)."""
        return {}

    def set_buffer(self, name: str, value: Array) -> None:
        raise KeyError(f"{type(self).__name__} has no buffer {name!r}")

    # -- conveniences ------------------------------------------------------------------------
    def __call__(self, x: Array) -> Array:
        return self.forward(x)

    def params(self) -> list[Param]:
        return list(self.named_params().values())

    def train(self, mode: bool = True) -> Layer:
        self.training = mode
        return self

    def eval(self) -> Layer:
        return self.train(False)

    def reuse_buffers(self, enabled: bool = True) -> None:
        """Let numpy kernels write into buffers kept from the previous step (no allocation).

        Only safe where the caller does not keep outputs across calls, as inside
        :class:`~neuralab.nn.Sequential`.
        """
        self._ws.enabled = enabled
        if not enabled:
            self._ws.clear()

    def to(self, backend: str | B.Backend, dtype: str | None = None) -> Layer:
        """Move parameters and buffers to ``backend`` (and cast floating ones to ``dtype``)."""
        target = B.get_backend(backend) if isinstance(backend, str) else backend
        for p in self.params():
            p.value = target.asarray(p.value, dtype=dtype or B.float_dtype_name(p.value))
            p.grad = None
        for name, buf in self.named_buffers().items():
            self.set_buffer(name, target.asarray(buf, dtype=dtype or B.float_dtype_name(buf)))
        self._ws.clear()
        return self

    def get_config(self) -> dict[str, Any]:
        return {"type": type(self).__name__, **{k: getattr(self, k) for k in self._config_keys}}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._config_keys)
        return f"{type(self).__name__}({args})"


@register
class Linear(Layer):
    """Fully-connected layer ``y = x W + b``: x (N, D) -> y (N, H), W (D, H), b (H,).

    Parameters
    ----------
    in_features, out_features : int
        D and H.
    init : {"he", "xavier", "normal"}
        Weight initializer (see :mod:`neuralab.nn.init`); biases start at zero.
    std : float, optional
        Standard deviation for ``init="normal"`` (default 1e-3, as CS231n's linear classifiers).
    rng : int or numpy Generator, optional
        Source of the initial weights.
    """

    _config_keys = ("in_features", "out_features", "init", "std")

    def __init__(
        self, in_features: int, out_features: int, *, init: str = "he",
        std: float | None = None, rng: int | B.Generator | None = None, dtype: str = "float32",
    ) -> None:
        super().__init__()
        self.in_features = check_int("in_features", in_features, 1)
        self.out_features = check_int("out_features", out_features, 1)
        self.init, self.std = init, std
        w = initialize(init, in_features, out_features, B.make_rng(rng), std=std, dtype=dtype)
        self.weight = Param(w, decay=True)
        self.bias = Param(B.asarray([0.0] * out_features, like=w), decay=False)
        self._cache: Any = None

    def named_params(self) -> dict[str, Param]:
        return {"weight": self.weight, "bias": self.bias}

    def forward(self, x: Array) -> Array:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) expects input of shape "
                f"(N, {self.in_features}), got {tuple(x.shape)}"
            )
        B.namespace(x, self.weight.value)  # a clear error if data and model are on two backends
        buf = self._ws.get("out", (x.shape[0], self.out_features), x)
        out, self._cache = F.affine_forward(x, self.weight.value, self.bias.value, out=buf)
        return out

    def backward(self, dout: Array, need_dx: bool = True) -> Array | None:
        """dout (N, H) -> dx (N, D); fills ``weight.grad`` (D, H) and ``bias.grad`` (H,)."""
        x, w = self._cache
        ws = self._ws
        # the gradients go into the arrays they went into last step (a packed optimizer's views
        # of its flat gradient, once it has packed: no copy per step, Optimizer._step_packed)
        dx, self.weight.grad, self.bias.grad = F.affine_backward(
            dout, self._cache, need_dx=need_dx,
            dx=ws.get("dx", tuple(x.shape), dout) if need_dx else None,
            dw=ws.reuse(self.weight.grad, "dw", tuple(w.shape), dout),
            db=ws.reuse(self.bias.grad, "db", (self.out_features,), dout),
        )
        return dx


@register
class Dropout(Layer):
    """Inverted dropout; ``p`` is the probability of DROPPING each unit (0 ≤ p < 1).

    Identity in eval mode. Masks come from ``rng`` (an int seed or a numpy Generator), so two
    models built with the same seed drop the same units on every backend.
    """

    _config_keys = ("p",)

    def __init__(self, p: float = 0.5, *, rng: int | B.Generator | None = None) -> None:
        super().__init__()
        self.p = check_range("p", p)
        self.rng = B.make_rng(rng)
        self._mask: Any = None

    def forward(self, x: Array) -> Array:
        out, self._mask = F.dropout_forward(x, self.p, training=self.training, rng=self.rng)
        return out

    def backward(self, dout: Array, need_dx: bool = True) -> Array:
        return F.dropout_backward(dout, self._mask)


@register
class BatchNorm(Layer):
    """Batch normalization over the feature axis: x (N, H) -> (N, H); γ, β of shape (H,).

    Train mode normalizes with the batch statistics and updates the running ones as
    ``running = momentum · running + (1 − momentum) · batch`` — ``momentum`` is the weight of
    the OLD value (CS231n's convention; PyTorch's ``momentum`` is ``1 − ours``). As in PyTorch,
    the running variance is updated with the unbiased batch variance (× N / (N − 1)). Eval mode
    normalizes with the running statistics.
    """

    _config_keys = ("num_features", "momentum", "eps")

    def __init__(
        self, num_features: int, *, momentum: float = 0.9, eps: float = 1e-5,
        dtype: str = "float32",
    ) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features, 1)
        self.momentum = check_range("momentum", momentum)
        self.eps = check_range("eps", eps)
        self.gamma = Param(B.asarray([1.0] * num_features, dtype=dtype), decay=False)
        self.beta = Param(B.asarray([0.0] * num_features, dtype=dtype), decay=False)
        self.running_mean = B.asarray([0.0] * num_features, dtype=dtype)
        self.running_var = B.asarray([1.0] * num_features, dtype=dtype)
        self._cache: Any = None

    def named_params(self) -> dict[str, Param]:
        return {"gamma": self.gamma, "beta": self.beta}

    def named_buffers(self) -> dict[str, Array]:
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def set_buffer(self, name: str, value: Array) -> None:
        if name not in ("running_mean", "running_var"):
            super().set_buffer(name, value)
        setattr(self, name, value)

    def forward(self, x: Array) -> Array:
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm({self.num_features}) expects input of shape (N, {self.num_features}),"
                f" got {tuple(x.shape)}"
            )
        g, b = self.gamma.value, self.beta.value
        if not self.training:
            out, self._cache = F.batchnorm_forward(
                x, g, b, eps=self.eps, mean=self.running_mean, var=self.running_var
            )
            return out
        n = x.shape[0]
        if n < 2:
            raise ValueError(f"BatchNorm in training mode needs a batch of at least 2 examples "
                             f"to estimate statistics, got N={n}; use batch_size >= 2")
        out, self._cache = F.batchnorm_forward(x, g, b, eps=self.eps)
        m = self.momentum
        self.running_mean = m * self.running_mean + (1.0 - m) * self._cache["mean"]
        self.running_var = m * self.running_var + (1.0 - m) * self._cache["var"] * (n / (n - 1))
        return out

    def backward(self, dout: Array, need_dx: bool = True) -> Array:
        dx, self.gamma.grad, self.beta.grad = F.batchnorm_backward(dout, self._cache)
        return dx


@register
class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1·d2·...): images into rows ("stretch pixels into column")."""

    def forward(self, x: Array) -> Array:
        self._shape = tuple(x.shape)
        return B.namespace(x).reshape(x, (x.shape[0], -1))

    def backward(self, dout: Array, need_dx: bool = True) -> Array:
        return B.namespace(dout).reshape(dout, self._shape)
