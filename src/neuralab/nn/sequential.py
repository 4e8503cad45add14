"""Sequential: a stack of layers with one forward and one backward pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import backend as B
from ..backend import Array
from .layers import Layer, Param


class Sequential(Layer):
    """Layers applied in order; ``backward`` runs them in reverse.

    ``reuse_buffers=True`` (default) lets the layers' numpy kernels write into buffers kept
    from the previous step instead of allocating fresh multi-MB arrays each time; the model's
    returned outputs and input gradients are always fresh arrays, so callers never see a buffer
    being overwritten.

    Examples
    --------
    >>> from neuralab.nn import Sequential, Linear, ReLU
    >>> model = Sequential(Linear(2, 8, rng=0), ReLU(), Linear(8, 3, rng=1))
    """

    def __init__(self, *layers: Layer, reuse_buffers: bool = True) -> None:
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a neuralab Layer, got {type(layer).__name__}")
        self.layers = list(layers)
        for layer in self.layers:
            layer.reuse_buffers(reuse_buffers)
        self._buffered = reuse_buffers

    # -- passes ------------------------------------------------------------------------------
    def forward(self, x: Array) -> Array:
        """x (N, D) -> scores (N, C)."""
        for layer in self.layers:
            x = layer.forward(x)
        # Only numpy kernels write into reused buffers; elsewhere the output is already fresh.
        return B.copy(x) if self._buffered and B.is_numpy(x) and self.layers else x

    def backward(self, dout: Array, need_dx: bool = True) -> Array | None:
        """Backpropagate ``dout`` (N, C) and fill every Param's ``grad``; returns dx (N, D).

        ``need_dx=False`` skips the gradient with respect to the input (training never needs
        it; it is one of the step's large matrix products).
        """
        for i in range(len(self.layers) - 1, -1, -1):
            dout = self.layers[i].backward(dout, need_dx=need_dx or i > 0)
        if dout is None or not self._buffered or not B.is_numpy(dout):
            return dout
        return B.copy(dout)

    # -- state -------------------------------------------------------------------------------
    def named_params(self) -> dict[str, Param]:
        return {f"{i}.{name}": p for i, layer in enumerate(self.layers)
                for name, p in layer.named_params().items()}

    def named_buffers(self) -> dict[str, Array]:
        return {f"{i}.{name}": b for i, layer in enumerate(self.layers)
                for name, b in layer.named_buffers().items()}

    def set_buffer(self, name: str, value: Array) -> None:
        index, _, rest = name.partition(".")
        self.layers[int(index)].set_buffer(rest, value)

    def state_dict(self) -> dict[str, Array]:
        """Every parameter and buffer by dotted name (``"0.weight"``, ``"1.running_mean"``)."""
        state = {name: p.value for name, p in self.named_params().items()}
        state.update(self.named_buffers())
        return state

    def load_state_dict(self, state: dict[str, Array]) -> None:
        """Copy arrays into this model (on its backend), checking names and shapes."""
        params, buffers = self.named_params(), self.named_buffers()
        expected = set(params) | set(buffers)
        if set(state) != expected:
            missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
            raise ValueError(f"state does not fit the model: missing {missing}, unexpected {extra}")
        for name, value in state.items():
            like = params[name].value if name in params else buffers[name]
            if tuple(value.shape) != tuple(like.shape):
                raise ValueError(
                    f"state[{name!r}] has shape {tuple(value.shape)}, the model needs "
                    f"{tuple(like.shape)}"
                )
            arr = B.asarray(value, like=like)
            if name in params:
                params[name].value = B.copy(arr)
            else:
                self.set_buffer(name, B.copy(arr))

    def train(self, mode: bool = True) -> Sequential:
        self.training = mode
        for layer in self.layers:
            layer.train(mode)
        return self

    def reuse_buffers(self, enabled: bool = True) -> None:
        self._buffered = enabled
        for layer in getattr(self, "layers", []):
            layer.reuse_buffers(enabled)

    def to(self, backend: str | B.Backend, dtype: str | None = None) -> Sequential:
        """Move every layer to ``backend`` (``"numpy"``, ``"torch"``, ``"torch:cuda"`` ...)."""
        for layer in self.layers:
            layer.to(backend, dtype)
        return self

    def get_config(self) -> dict[str, Any]:
        return {"type": "Sequential", "layers": [layer.get_config() for layer in self.layers]}

    # -- container protocol --------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        body = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({body}\n)"
