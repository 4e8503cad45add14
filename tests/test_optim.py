"""Optimizers and schedules: torch.optim as the oracle, the documented mappings, checkpoints.

The test problem is a fixed convex quadratic over three parameter tensors (a vector, a small
matrix and a matrix large enough to take ``backend.axpy_``'s chunked numpy path):

    f = ½ xᵀ A x − bᵀ x + ½ Σ d ⊙ Y² − Σ c ⊙ Y,   x = concat(w.ravel(), M.ravel())

Our optimizers get the analytic gradient in ``Param.grad``; torch gets it from autograd.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from neuralab import backend as B
from neuralab.backend import updates
from neuralab.nn import Param
from neuralab.optim import (
    SGD,
    Adam,
    Cosine,
    Optimizer,
    RMSProp,
    Schedule,
    StepDecay,
    get_optimizer,
    get_schedule,
    run_schedule,
)
from neuralab.regularizers import L2

STEPS = 10
# The last shape is sliced by the numpy kernels (backend.axpy_, sgd_update_, adam_update_)
# into several pieces under the ``slices`` fixture below, which lowers backend.updates._CHUNK.
SHAPES = ((3,), (2, 4), (100, 200))
N_DENSE = 3 + 2 * 4  # w and M share the dense quadratic form


# --------------------------------------------------------------------------- the problem
class Quadratic:
    """A fixed SPD quadratic in float64 with its analytic gradient."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        m = rng.normal(size=(N_DENSE, N_DENSE))
        a = m @ m.T / N_DENSE + np.eye(N_DENSE)
        self.A = (a + a.T) / 2  # exactly symmetric, so autograd's ½(A + Aᵀ)x equals Ax
        self.b = rng.normal(size=N_DENSE)
        self.d = rng.uniform(0.5, 2.0, size=SHAPES[2])  # diagonal curvature of the big block
        self.c = rng.normal(size=SHAPES[2])
        self.init = [rng.normal(size=s) for s in SHAPES]

    def grads(self, values: list[np.ndarray]) -> list[np.ndarray]:
        """∇f at ``values``: (Ax − b) split back into w and M, and d ⊙ Y − c."""
        x = np.concatenate([values[0].ravel(), values[1].ravel()])
        gx = self.A @ x - self.b
        return [gx[:3].reshape(SHAPES[0]), gx[3:].reshape(SHAPES[1]), self.d * values[2] - self.c]

    def torch_loss(self, tensors: list[Any]) -> Any:
        import torch

        x = torch.cat([tensors[0].reshape(-1), tensors[1].reshape(-1)])
        a, b = torch.from_numpy(self.A), torch.from_numpy(self.b)
        d, c = torch.from_numpy(self.d), torch.from_numpy(self.c)
        y = tensors[2]
        return 0.5 * x @ a @ x - b @ x + 0.5 * (d * y * y).sum() - (c * y).sum()


@pytest.fixture(scope="module")
def problem() -> Quadratic:
    return Quadratic()


@pytest.fixture(params=["whole", "sliced"])
def slices(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the numpy kernels on whole arrays, or walking the 20000-element parameter in slices
    of 4096 elements (four full ones and a shorter last one)."""
    if request.param == "sliced":
        monkeypatch.setattr(updates, "_CHUNK", 4096)
    return request.param


def make_params(problem: Quadratic) -> list[Param]:
    # decay=False on the vector: it plays the bias, which regularizers leave alone
    return [Param(v.copy(), decay=i > 0) for i, v in enumerate(problem.init)]


def run_ours(
    problem: Quadratic, params: list[Param], opt: Optimizer, steps: int = STEPS,
    regularizer: L2 | None = None, lr_at: Callable[[int], float] | None = None,
    weight_decay: float = 0.0,
) -> list[np.ndarray]:
    """``steps`` updates of ``opt`` on ``params``; gradients are computed in numpy."""
    for t in range(steps):
        if lr_at is not None:
            opt.lr = lr_at(t)
        for p, g in zip(params, problem.grads([B.to_numpy(p.value) for p in params]), strict=True):
            p.grad = B.asarray(g, like=p.value)
        if regularizer is not None:
            regularizer.add_grad(params)
        opt.step(weight_decay=weight_decay)
    return [B.to_numpy(p.value).copy() for p in params]


def run_torch(
    problem: Quadratic, make_opt: Callable[[list[Any]], Any], steps: int = STEPS,
) -> list[np.ndarray]:
    """The same run with autograd and a ``torch.optim`` optimizer."""
    import torch

    tensors = [torch.tensor(v, requires_grad=True) for v in problem.init]
    opt = make_opt(tensors)
    for _ in range(steps):
        opt.zero_grad()
        problem.torch_loss(tensors).backward()
        opt.step()
    return [t.detach().numpy().copy() for t in tensors]


def assert_params_close(ours: list[np.ndarray], theirs: list[np.ndarray], atol: float) -> None:
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol, err_msg=f"parameter {i}")


# --------------------------------------------------------------------------- torch.optim oracle
# (name, our optimizer, the torch.optim optimizer with the same rule)
ORACLE_CASES: list[tuple[str, Callable[[list[Param]], Optimizer], Callable[[Any, list], Any]]] = [
    ("sgd", lambda p: SGD(p, lr=0.05), lambda o, t: o.SGD(t, lr=0.05)),
    ("momentum", lambda p: SGD(p, lr=0.05, momentum=0.9),
     lambda o, t: o.SGD(t, lr=0.05, momentum=0.9)),
    ("nesterov", lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True),
     lambda o, t: o.SGD(t, lr=0.05, momentum=0.9, nesterov=True)),
    # our decay_rate is torch's alpha
    ("rmsprop", lambda p: RMSProp(p, lr=0.01, decay_rate=0.9, eps=1e-6),
     lambda o, t: o.RMSprop(t, lr=0.01, alpha=0.9, eps=1e-6)),
    ("adam", lambda p: Adam(p, lr=0.1, beta1=0.8, beta2=0.95, eps=1e-7),
     lambda o, t: o.Adam(t, lr=0.1, betas=(0.8, 0.95), eps=1e-7)),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_matches_torch_optim(
    problem: Quadratic, name: str, ours: Any, theirs: Any, slices: str,
) -> None:
    torch = pytest.importorskip("torch", reason="torch.optim is the oracle")
    params = make_params(problem)
    got = run_ours(problem, params, ours(params))
    want = run_torch(problem, lambda t: theirs(torch.optim, t))
    # the run must actually move, or agreement would prove nothing
    assert all(np.abs(g - p0).max() > 1e-3 for g, p0 in zip(got, problem.init, strict=True))
    assert_params_close(got, want, atol=1e-10)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_l2_plus_sgd_equals_torch_weight_decay_2lam(problem: Quadratic, momentum: float) -> None:
    """Our L2 is λ·ΣW² (gradient 2λW); torch's weight_decay=wd adds wd·W: wd = 2λ.

    Only Params with decay=True are penalized, so the "bias" goes in a group without decay.
    """
    torch = pytest.importorskip("torch", reason="torch.optim is the oracle")
    lam, lr = 0.3, 0.05
    params = make_params(problem)
    got = run_ours(problem, params, SGD(params, lr=lr, momentum=momentum), regularizer=L2(lam))

    def torch_sgd(t: list[Any]) -> Any:
        groups = [{"params": t[:1], "weight_decay": 0.0},
                  {"params": t[1:], "weight_decay": 2 * lam}]
        return torch.optim.SGD(groups, lr=lr, momentum=momentum)

    assert_params_close(got, run_torch(problem, torch_sgd), atol=1e-10)
    # and λ (not 2λ) would be a different run: the factor 2 is real
    no_two = run_torch(problem, lambda t: torch.optim.SGD(
        [{"params": t[:1]}, {"params": t[1:], "weight_decay": lam}], lr=lr, momentum=momentum))
    assert np.abs(got[1] - no_two[1]).max() > 1e-4


# --------------------------------------------------------------------------- weight decay in step
LAM = 0.3


def _torch_groups(t: list[Any], wd: float) -> list[dict[str, Any]]:
    """torch param groups: the "bias" (decay=False here) without weight decay."""
    return [{"params": t[:1], "weight_decay": 0.0}, {"params": t[1:], "weight_decay": wd}]


@pytest.mark.parametrize(("name", "ours", "theirs"), ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_step_weight_decay_matches_torch_weight_decay(
    problem: Quadratic, name: str, ours: Any, theirs: Any, slices: str,
) -> None:
    """step(weight_decay=c) is torch.optim's (coupled) weight_decay=c, for every optimizer."""
    torch = pytest.importorskip("torch", reason="torch.optim is the oracle")
    params = make_params(problem)
    got = run_ours(problem, params, ours(params), weight_decay=2 * LAM)
    want = run_torch(problem, lambda t: theirs(torch.optim, _torch_groups(t, 2 * LAM)))
    assert_params_close(got, want, atol=1e-10)


@pytest.mark.parametrize(("name", "ours", "theirs"), ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_step_weight_decay_is_l2_add_grad_then_step(
    problem: Quadratic, name: str, ours: Any, theirs: Any, slices: str,
) -> None:
    """The two ways of applying L2(λ): add 2λW to the gradients, or fold c = 2λ into the step."""
    added = make_params(problem)
    want = run_ours(problem, added, ours(added), regularizer=L2(LAM))
    folded = make_params(problem)
    got = run_ours(problem, folded, ours(folded), weight_decay=L2(LAM).weight_decay())
    assert_params_close(got, want, atol=1e-12)
    # without decay the runs differ: the fold is not a no-op
    plain = make_params(problem)
    assert np.abs(run_ours(problem, plain, ours(plain))[2] - got[2]).max() > 1e-3


@pytest.mark.parametrize(("name", "ours", "theirs"), ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_step_weight_decay_leaves_grad_and_no_decay_params_alone(
    problem: Quadratic, name: str, ours: Any, theirs: Any,
) -> None:
    params = make_params(problem)
    grads = problem.grads([p.value for p in params])
    for p, g in zip(params, grads, strict=True):
        p.grad = g.copy()
    opt = ours(params)
    opt.step(weight_decay=2 * LAM)
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_array_equal(p.grad, g)  # the data gradient, untouched
    # the decay=False "bias" moved exactly as without weight decay
    bias = make_params(problem)[:1]
    bias[0].grad = grads[0].copy()
    ours(bias).step()
    np.testing.assert_array_equal(params[0].value, bias[0].value)


@pytest.mark.parametrize("bad", [-1e-3, float("nan")])
def test_step_rejects_a_negative_weight_decay(problem: Quadratic, bad: float) -> None:
    params = make_params(problem)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        SGD(params, lr=0.1).step(weight_decay=bad)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_numpy_kernels_and_the_generic_path_agree(problem: Quadratic, name: str) -> None:
    """A non-contiguous parameter (a transposed view) takes the array-API path of the fused
    numpy kernels: the same parameters up to rounding."""
    def run(transposed: bool) -> list[np.ndarray]:
        params = make_params(problem)
        if transposed:  # same values, Fortran order: not C-contiguous
            params[2].value = np.ascontiguousarray(params[2].value.T).T
            assert not params[2].value.flags.c_contiguous
        opt = get_optimizer(name, params, 0.05)
        return run_ours(problem, params, opt, weight_decay=2 * LAM)

    assert_params_close(run(True), run(False), atol=1e-12)


# --------------------------------------------------------------------------- the lecture's form
def run_lecture_momentum(
    problem: Quadratic, mu: float, lr_at: Callable[[int], float], steps: int = STEPS,
) -> list[np.ndarray]:
    """CS231n's momentum written out: v ← μ·v − η·g;  w ← w + v  (v starts at 0)."""
    w = [v.copy() for v in problem.init]
    vel = [np.zeros_like(v) for v in w]
    for t in range(steps):
        for wi, vi, g in zip(w, vel, problem.grads(w), strict=True):
            vi *= mu
            vi -= lr_at(t) * g
            wi += vi
    return w


def test_lecture_momentum_form_is_ours_for_constant_lr(problem: Quadratic) -> None:
    """SGD's docstring: with constant η, v_lecture = −η·v gives identical parameters."""
    mu, lr = 0.9, 0.05
    params = make_params(problem)
    got = run_ours(problem, params, SGD(params, lr=lr, momentum=mu))
    want = run_lecture_momentum(problem, mu, lambda t: lr)
    assert_params_close(got, want, atol=1e-12)


def test_lecture_momentum_form_differs_when_lr_changes(problem: Quadratic) -> None:
    """... and only then: our (PyTorch's) form applies a new η to the whole velocity."""
    mu = 0.9

    def lr_at(t: int) -> float:
        return 0.05 if t < STEPS // 2 else 0.005

    params = make_params(problem)
    got = run_ours(problem, params, SGD(params, lr=0.05, momentum=mu), lr_at=lr_at)
    want = run_lecture_momentum(problem, mu, lr_at)
    assert max(np.abs(a - b).max() for a, b in zip(got, want, strict=True)) > 1e-4


# --------------------------------------------------------------------------- schedules
def torch_lrs(make_scheduler: Callable[[Any], Any], lr: float, epochs: int) -> list[float]:
    """The lr torch's scheduler gives at epochs 0 .. epochs-1."""
    torch = pytest.importorskip("torch", reason="torch.optim.lr_scheduler is the oracle")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # torch warns if the scheduler steps before the optimizer
        sched.step()
    return lrs


@pytest.mark.parametrize(("step_size", "gamma"), [(10, 0.1), (3, 0.5), (1, 0.9)])
def test_step_decay_matches_steplr(step_size: int, gamma: float) -> None:
    torch = pytest.importorskip("torch", reason="torch.optim.lr_scheduler is the oracle")
    epochs, lr = 30, 0.1
    want = torch_lrs(
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=step_size, gamma=gamma), lr, epochs)
    got = [StepDecay(lr, step_size=step_size, gamma=gamma)(e) for e in range(epochs)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("eta_min", [0.0, 1e-3])
def test_cosine_matches_cosine_annealing(eta_min: float) -> None:
    torch = pytest.importorskip("torch", reason="torch.optim.lr_scheduler is the oracle")
    t_max, lr = 30, 0.1
    want = torch_lrs(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min),
        lr, t_max + 1)
    got = [Cosine(lr, t_max=t_max, eta_min=eta_min)(e) for e in range(t_max + 1)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert got[-1] == pytest.approx(eta_min, abs=1e-15)


def test_cosine_stays_at_eta_min_after_t_max_unlike_torch() -> None:
    """The documented difference: ours has no restarts, torch's curve rises again after T."""
    torch = pytest.importorskip("torch", reason="torch.optim.lr_scheduler is the oracle")
    t_max, lr, eta_min = 10, 0.1, 1e-3
    want = torch_lrs(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min),
        lr, 3 * t_max)
    sched = Cosine(lr, t_max=t_max, eta_min=eta_min)
    assert [sched(e) for e in range(t_max, 3 * t_max)] == [eta_min] * (2 * t_max)
    assert want[t_max + 5] > eta_min + 1e-3


def test_schedules_are_pure_functions_of_the_epoch() -> None:
    sched = StepDecay(0.1, step_size=2, gamma=0.5)
    assert [sched(e) for e in (5, 0, 5, 3)] == [sched(5), 0.1, sched(5), 0.05]


def test_get_schedule_by_name() -> None:
    const = get_schedule("constant", 0.3)
    assert type(const) is Schedule
    assert [const(e) for e in (0, 7, 100)] == [0.3] * 3
    step = get_schedule("step", 0.1, step_size=5, gamma=0.5)
    assert isinstance(step, StepDecay)
    assert (step.step_size, step.gamma) == (5, 0.5)
    cos = get_schedule("cosine", 0.1, t_max=20, eta_min=0.01)
    assert isinstance(cos, Cosine)
    assert (cos.t_max, cos.eta_min) == (20, 0.01)


def test_run_schedule_is_shaped_by_the_run_length() -> None:
    # neuralab train and the estimators: step decays by 10 at each third, cosine ends at 0
    step = run_schedule("step", 0.1, 30)
    assert type(step) is StepDecay and (step.step_size, step.gamma) == (10, 0.1)
    assert run_schedule("step", 0.1, 2).step_size == 1
    cos = run_schedule("cosine", 0.1, 30)
    assert type(cos) is Cosine and (cos.t_max, cos.eta_min) == (30, 0.0)
    assert type(run_schedule("constant", 0.1, 30)) is Schedule
    with pytest.raises(ValueError, match="lr_schedule='linear'"):
        run_schedule("linear", 0.1, 30)


def test_get_optimizer_by_name(problem: Quadratic) -> None:
    def make(name: str, **kw: Any) -> Optimizer:
        return get_optimizer(name, make_params(problem), 0.01, **kw)

    sgd = make("sgd")
    assert type(sgd) is SGD and sgd.momentum == 0.0 and not sgd.nesterov
    mom = make("momentum")
    assert type(mom) is SGD and mom.momentum == 0.9 and not mom.nesterov
    nes = make("nesterov", momentum=0.5)
    assert type(nes) is SGD and nes.momentum == 0.5 and nes.nesterov
    assert type(make("rmsprop", decay_rate=0.9)) is RMSProp
    adam = make("adam", beta1=0.5)
    assert type(adam) is Adam and adam.beta1 == 0.5 and adam.lr == 0.01


# --------------------------------------------------------------------------- bad values
BAD_OPTIMIZER_ARGS = [
    (lambda p: SGD(p, lr=0), "lr=0"),
    (lambda p: SGD(p, lr=-1), "lr=-1"),
    (lambda p: SGD(p, lr=float("nan")), "lr=nan"),
    (lambda p: SGD(p, lr=0.1, momentum=1.0), "momentum=1.0"),
    (lambda p: SGD(p, lr=0.1, momentum=-0.1), "momentum=-0.1"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov=True"),
    (lambda p: RMSProp(p, decay_rate=1.0), "decay_rate=1.0"),
    (lambda p: RMSProp(p, eps=0.0), "eps=0.0"),
    (lambda p: Adam(p, beta1=1.0), "beta1=1.0"),
    (lambda p: Adam(p, beta2=-0.5), "beta2=-0.5"),
    (lambda p: get_optimizer("adamw", p, 0.1), "optimizer='adamw'"),
    (lambda p: get_optimizer("adam", p, 0), "lr=0"),
]


@pytest.mark.parametrize(("build", "message"), BAD_OPTIMIZER_ARGS,
                         ids=[m for _, m in BAD_OPTIMIZER_ARGS])
def test_bad_optimizer_values_raise_naming_parameter_and_value(
    problem: Quadratic, build: Any, message: str,
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build(make_params(problem))


BAD_SCHEDULE_ARGS = [
    (lambda: StepDecay(0), "lr=0"),
    (lambda: Cosine(-1), "lr=-1"),
    (lambda: StepDecay(0.1, step_size=0), "step_size=0"),
    (lambda: StepDecay(0.1, gamma=1.5), "gamma=1.5"),
    (lambda: Cosine(0.1, t_max=0), "t_max=0"),
    (lambda: Cosine(0.1, eta_min=-0.1), "eta_min=-0.1"),
    (lambda: get_schedule("linear", 0.1), "lr_schedule='linear'"),
]


@pytest.mark.parametrize(("build", "message"), BAD_SCHEDULE_ARGS,
                         ids=[m for _, m in BAD_SCHEDULE_ARGS])
def test_bad_schedule_values_raise_naming_parameter_and_value(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


def test_optimizer_rejects_empty_and_non_param() -> None:
    with pytest.raises(ValueError, match="params is empty"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\]"):
        SGD([np.zeros(3)], lr=0.1)  # type: ignore[list-item]


# --------------------------------------------------------------------------- checkpoints
RESUME_CASES: list[tuple[str, Callable[[list[Param]], Optimizer]]] = [
    ("sgd", lambda p: SGD(p, lr=0.05)),
    ("momentum", lambda p: SGD(p, lr=0.05, momentum=0.9)),
    ("nesterov", lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    ("rmsprop", lambda p: RMSProp(p, lr=0.01)),
    ("adam", lambda p: Adam(p, lr=0.1)),
]


def snapshot(state: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint's copy: ``state_dict`` hands out the live slot arrays (as torch does)."""
    return {**state, "slots": {k: np.array(v, copy=True) for k, v in state["slots"].items()}}


@pytest.mark.parametrize(("name", "build"), RESUME_CASES, ids=[c[0] for c in RESUME_CASES])
def test_resume_from_state_dict_is_bitwise_exact(problem: Quadratic, name: str, build: Any) -> None:
    half = STEPS // 2
    full_params = make_params(problem)
    full_opt = build(full_params)
    run_ours(problem, full_params, full_opt, steps=half)
    checkpoint = snapshot(full_opt.state_dict())
    weights = [p.value.copy() for p in full_params]
    uninterrupted = run_ours(problem, full_params, full_opt, steps=STEPS - half)

    # a fresh process: new Params from the saved weights, a new optimizer from the saved state
    resumed_params = [Param(w, decay=p.decay) for w, p in zip(weights, full_params, strict=True)]
    resumed_opt = build(resumed_params)
    resumed_opt.load_state_dict(checkpoint)
    assert resumed_opt.t == half and resumed_opt.lr == full_opt.lr
    resumed = run_ours(problem, resumed_params, resumed_opt, steps=STEPS - half)
    for a, b in zip(resumed, uninterrupted, strict=True):
        np.testing.assert_array_equal(a, b)


def test_state_dict_keys_and_copy_on_load(problem: Quadratic) -> None:
    params = make_params(problem)
    opt = Adam(params, lr=0.1)
    run_ours(problem, params, opt, steps=2)
    state = opt.state_dict()
    assert state["t"] == 2
    assert sorted(state["slots"]) == sorted(f"{n}.{i}" for n in "mv" for i in range(3))
    other = Adam(make_params(problem), lr=0.1)
    other.load_state_dict(state)
    other.state["m"][0] += 1.0  # the restored state must not alias the checkpoint
    assert not np.array_equal(other.state["m"][0], state["slots"]["m.0"])


# --------------------------------------------------------------------------- other backends
@pytest.mark.parametrize("backend", ["torch", "array_api_strict"])
@pytest.mark.parametrize(("name", "build"), RESUME_CASES, ids=[c[0] for c in RESUME_CASES])
def test_same_result_on_other_backends(
    problem: Quadratic, backend: str, name: str, build: Any,
) -> None:
    """Param values that are torch.float64 tensors (or array_api_strict arrays) need no change."""
    pytest.importorskip(backend, reason=f"the {backend} backend is optional")
    target = B.get_backend(backend)
    numpy_params = make_params(problem)
    want = run_ours(problem, numpy_params, build(numpy_params))
    params = [Param(target.asarray(v, dtype="float64"), decay=i > 0)
              for i, v in enumerate(problem.init)]
    opt = build(params)
    got = run_ours(problem, params, opt)
    for p in params:  # still on that backend, still float64
        assert B.backend_of(p.value).name == target.name
        assert B.float_dtype_name(p.value) == "float64"
    for slots in opt.state.values():
        assert all(B.backend_of(s).name == target.name for s in slots)
    assert_params_close(got, want, atol=1e-12)


# --------------------------------------------------------------------------- carry_over
def _quadratic_steps(problem: Quadratic, quad: list[Param], opt: Optimizer, steps: int,
                     extra: Param | None = None) -> None:
    """``steps`` updates of the quadratic's three Params ``quad`` (a Param whose grad is None
    stays put), plus ``extra`` with a fixed gradient when given."""
    for _ in range(steps):
        grads = problem.grads([B.to_numpy(p.value) for p in quad])
        for p, g in zip(quad, grads, strict=True):
            if p.grad is not None:
                p.grad = B.asarray(g, like=p.value)
        if extra is not None:
            extra.grad = np.linspace(-1.0, 1.0, extra.value.size).reshape(extra.value.shape)
        opt.step(weight_decay=0.1)


@pytest.mark.parametrize(("name", "build"), RESUME_CASES, ids=[c[0] for c in RESUME_CASES])
def test_carry_over_keeps_kind_hyperparameters_step_and_state(
    problem: Quadratic, name: str, build: Any,
) -> None:
    params = make_params(problem)
    opt = build(params)
    run_ours(problem, params, opt, steps=3)
    before = {k: [None if a is None else a.copy() for a in v] for k, v in opt.state.items()}
    new = Param(np.ones((2, 2)))
    moved = opt.carry_over([params[2], new, params[0]])  # reordered, one new, one gone
    assert type(moved) is type(opt) and repr(moved) == repr(opt)
    assert moved.t == opt.t == 3 and moved.lr == opt.lr
    assert moved.params == [params[2], new, params[0]] and moved is not opt
    assert moved.state.keys() == opt.state.keys()
    for slot, arrays in moved.state.items():
        assert np.array_equal(arrays[0], opt.state[slot][2])
        assert np.array_equal(arrays[2], opt.state[slot][0])
        assert arrays[1] is None  # fresh: zeros on first use
        arrays[0] += 1.0  # a copy: the old optimizer's state is not touched
    for slot, arrays in opt.state.items():
        assert len(arrays) == 3
        assert all(np.array_equal(a, b) for a, b in zip(arrays, before[slot], strict=True))
    with pytest.raises(ValueError, match="params is empty"):
        opt.carry_over([])
    with pytest.raises(TypeError, match=r"params\[1\]"):
        opt.carry_over([params[0], np.zeros(3)])  # type: ignore[list-item]


@pytest.mark.parametrize(("name", "build"), RESUME_CASES, ids=[c[0] for c in RESUME_CASES])
def test_carry_over_updates_as_an_optimizer_that_never_moved(
    problem: Quadratic, name: str, build: Any,
) -> None:
    """Kept Params follow the uninterrupted optimizer bit for bit; a new Param takes the
    update of a fresh optimizer at the same step count."""
    half = STEPS // 2
    ref_params, params = make_params(problem), make_params(problem)
    ref_opt, opt = build(ref_params), build(params)
    run_ours(problem, ref_params, ref_opt, steps=half)
    run_ours(problem, params, opt, steps=half)
    # params[1] leaves the network: frozen from here on, in both runs
    ref_params[1].grad = params[1].grad = None
    new = Param(np.full((3, 2), 0.5))
    moved = opt.carry_over([params[2], new, params[0]])
    fresh_new = Param(new.value.copy())
    fresh = build([fresh_new])
    fresh.t = moved.t
    _quadratic_steps(problem, ref_params, ref_opt, STEPS - half)
    _quadratic_steps(problem, params, moved, STEPS - half, extra=new)
    for _ in range(STEPS - half):
        fresh_new.grad = np.linspace(-1.0, 1.0, new.value.size).reshape(new.value.shape)
        fresh.step(weight_decay=0.1)
    for i in range(3):
        np.testing.assert_array_equal(params[i].value, ref_params[i].value)
    np.testing.assert_array_equal(new.value, fresh_new.value)
    assert moved.t == ref_opt.t == STEPS


# --------------------------------------------------------------------------- packed updates
def _small_run(monkeypatch: pytest.MonkeyPatch, name: str, packed: bool, steps: int = 12,
               reload_at: int | None = None, batchnorm: bool = False) -> list[np.ndarray]:
    """``steps`` training steps of a 5 → 8 → 3 MLP (weights decayed, biases not) with L2 folded
    into the update and an L1 prox; with ``reload_at`` the model and optimizer are rebuilt from
    their state dicts at that step, as a resumed run is; with ``batchnorm`` a BatchNorm layer
    after the first Linear (its γ and β gradients come in new arrays at every step)."""
    from neuralab.losses import get_loss, one_hot
    from neuralab.nn import BatchNorm, Linear, ReLU, Sequential

    if not packed:
        monkeypatch.setattr(updates, "PACK_LIMIT", 0)

    def build() -> tuple[Sequential, Optimizer]:
        norm = [BatchNorm(8)] if batchnorm else []
        model = Sequential(Linear(5, 8, rng=1), *norm, ReLU(), Linear(8, 3, rng=2))
        return model, get_optimizer(name, model.params(), 0.05)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5)).astype(np.float32)
    target = one_hot(rng.integers(0, 3, 16), 3, X)
    loss = get_loss("softmax", step=True)
    model, opt = build()
    for t in range(steps):
        if t == reload_at:
            state, opt_state = model.state_dict(), opt.state_dict()
            model, opt = build()
            model.load_state_dict(state)
            opt.load_state_dict(opt_state)
        _, dscores = loss(model.forward(X), target)
        model.backward(dscores, need_dx=False)
        opt.step(weight_decay=2e-2, l1=1e-3)
    if packed:  # the values really are views of one flat array, and so are the gradients
        assert len({id(p.value.base) for p in model.params()}) == 1
        flat_grad = model.params()[0].grad.base
        assert flat_grad is not None and all(p.grad.base is flat_grad for p in model.params())
    return [B.to_numpy(p.value).copy() for p in model.params()]


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_packed_update_equals_the_update_per_param(monkeypatch: pytest.MonkeyPatch,
                                                   name: str) -> None:
    """A small model's Params are updated as views of one flat array (B.Packed): the same
    arithmetic entry for entry as one update per Param — L2 only on the weights, L1's prox —
    also when the model and optimizer are reloaded mid-run (the Params and slots replaced)."""
    with monkeypatch.context() as patch:
        per_param = _small_run(patch, name, packed=False)
    packed = _small_run(monkeypatch, name, packed=True)
    reloaded = _small_run(monkeypatch, name, packed=True, reload_at=5)
    for a, b, c in zip(per_param, packed, reloaded, strict=True):
        np.testing.assert_array_equal(b, a)
        np.testing.assert_array_equal(c, a)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_packed_update_with_gradients_in_new_arrays(monkeypatch: pytest.MonkeyPatch,
                                                    name: str) -> None:
    """Linear layers write their gradients straight into the packed flat gradient; a layer
    whose gradients come in new arrays at every step (BatchNorm's γ, β) has them copied in, and
    the update is still the per-Param one entry for entry."""
    with monkeypatch.context() as patch:
        per_param = _small_run(patch, name, packed=False, batchnorm=True)
    packed = _small_run(monkeypatch, name, packed=True, batchnorm=True)
    assert len(packed) == 6  # two Linears and the BatchNorm
    for a, b in zip(per_param, packed, strict=True):
        np.testing.assert_array_equal(b, a)
