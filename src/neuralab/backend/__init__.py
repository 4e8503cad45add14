"""Array backends: namespace, device, dtype, randomness — and the numpy fast paths.

This package is the only core code that imports numpy. Everything in ``nn/``, ``losses``,
``regularizers``, ``optim`` and ``gradcheck`` asks :func:`namespace` for the array namespace of
its inputs (via array_api_compat) and so runs unchanged on numpy arrays, ``array_api_strict``
arrays, torch tensors (CPU or CUDA) and CuPy arrays. Callers use it as one module
(``from neuralab import backend as B``); its parts:

* :mod:`~neuralab.backend.arrays` — namespaces, devices, backends by name
  (:func:`get_backend`, :func:`resolve_backend`) and conversion (:func:`to_numpy`,
  :func:`asarray`).
* :mod:`~neuralab.backend.rng` — random numbers from an explicit ``numpy.random.Generator``,
  moved to the target backend, so the same seed gives the same weights and dropout masks
  everywhere.
* :mod:`~neuralab.backend.ops` — ops with an optional ``out=`` (:func:`matmul`, :func:`add`,
  ...): on numpy they write into it, elsewhere they return a fresh array; always use the
  return value. :class:`Workspace` holds the buffers a layer reuses.
* :mod:`~neuralab.backend.updates` and :mod:`~neuralab.backend.loss_kernels` — fused kernels
  (:func:`sgd_update_`, :func:`adam_update_`, :func:`soft_threshold_`, :func:`softmax_xent`,
  :func:`count_hits`): a whole update or loss in one call, as few in-place numpy passes as the
  arithmetic allows, one kernel on torch/CuPy where there is one, the array-API sequence
  elsewhere; and :class:`Packed`, a small model's parameters as views of one flat array, so
  that an update runs once over all of them.
"""

from __future__ import annotations

from .arrays import (
    BACKEND_NAMES,
    DEVICES,
    LIBRARIES,
    Array,
    Backend,
    Generator,
    asarray,
    backend_of,
    copy,
    device,
    float_dtype_name,
    get_backend,
    is_numpy,
    namespace,
    on_host,
    prod,
    resolve_backend,
    to_float,
    to_floats,
    to_numpy,
    to_numpy_dtype,
)
from .loss_kernels import (
    count_hits,
    softmax_xent,
    sumsq,
)
from .ops import (
    Workspace,
    add,
    affine,
    all_finite,
    checked_overflow,
    divide,
    log_softmax,
    matmul,
    maximum,
    multiply,
    relu_grad,
    sqrt,
    square,
    subtract,
    sum_rows,
    take_rows,
)
from .rng import (
    bernoulli,
    dropout_mask,
    epoch_permutation,
    make_rng,
    normal,
    rng_state,
    set_rng_state,
    uniform,
)
from .updates import (
    PACK_LIMIT,
    PACK_MIN,
    Packed,
    adam_update_,
    add_scaled,
    axpy_,
    no_decay,
    packable,
    sgd_update_,
    soft_threshold_,
)

__all__ = [
    "BACKEND_NAMES",
    "DEVICES",
    "LIBRARIES",
    "PACK_LIMIT",
    "PACK_MIN",
    "Array",
    "Backend",
    "Generator",
    "Packed",
    "Workspace",
    "adam_update_",
    "add",
    "add_scaled",
    "affine",
    "all_finite",
    "asarray",
    "axpy_",
    "backend_of",
    "bernoulli",
    "checked_overflow",
    "copy",
    "count_hits",
    "device",
    "divide",
    "dropout_mask",
    "epoch_permutation",
    "float_dtype_name",
    "get_backend",
    "is_numpy",
    "log_softmax",
    "make_rng",
    "matmul",
    "maximum",
    "multiply",
    "namespace",
    "no_decay",
    "normal",
    "on_host",
    "packable",
    "prod",
    "relu_grad",
    "resolve_backend",
    "rng_state",
    "set_rng_state",
    "sgd_update_",
    "soft_threshold_",
    "softmax_xent",
    "sqrt",
    "square",
    "subtract",
    "sum_rows",
    "sumsq",
    "take_rows",
    "to_float",
    "to_floats",
    "to_numpy",
    "to_numpy_dtype",
    "uniform",
]
