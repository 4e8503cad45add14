"""The ``export`` message's three files: the model (safetensors), a standalone Python script
that rebuilds the experiment, and the points (CSV). Nothing is written on the server."""

from __future__ import annotations

import base64
import json
from typing import Any

from ..io import to_bytes
from ..nn import Sequential
from .network import INIT
from .points import Points
from .points_csv import float32_text, format_points_csv
from .protocol import PlaygroundConfig, ProtocolError

__all__ = ["FILENAMES", "experiment_script", "export_message", "model_bytes"]

FILENAMES = {"model": "playground-model.safetensors", "script": "playground_experiment.py",
             "csv": "playground-points.csv"}


def export_message(what: str, config: PlaygroundConfig, points: Points, model: Sequential,
                   epoch: int, custom_data: bool) -> dict[str, Any]:
    """The ``export`` reply: ``model`` (base64 safetensors, loadable by
    :func:`neuralab.io.load`), ``script`` (a standalone Python script) or ``csv``."""
    if what == "model":
        content = base64.b64encode(model_bytes(model, config)).decode("ascii")
    elif what == "script":
        content = experiment_script(config, points, epoch, custom_data)
    elif what == "csv":
        content = format_points_csv(points, config.classification)
    else:
        raise ProtocolError(f"what={what!r} is not allowed; choose one of: model, script, csv",
                            "what")
    return {"type": "export", "what": what, "filename": FILENAMES[what], "content": content}


def model_bytes(model: Sequential, config: PlaygroundConfig) -> bytes:
    """The network as a :func:`neuralab.io.save` file in eval mode (:func:`neuralab.io.to_bytes`:
    PyTorch's ``state_dict`` layout), plus the playground config under the ``playground``
    metadata key."""
    return to_bytes(model, training=False,
                    extra_metadata={"playground": json.dumps(config.model_dump())})


# --------------------------------------------------------------------------- the script
def experiment_script(config: PlaygroundConfig, points: Points, epoch: int,
                      custom_data: bool) -> str:
    """A standalone Python script that rebuilds the experiment with the neuralab API: the same
    data (regenerated from its seeds, or embedded when edited), the same network from the same
    seed, the same inputs (:func:`~neuralab.playground.points.featurize`,
    :func:`~neuralab.playground.points.loss_targets`), the session's minibatch loop around the
    same step, :func:`neuralab.train.train_step`, then the final losses and accuracy.

    Trained for ``epoch`` epochs (the session's epochs so far), the script ends with the
    session's parameters bit for bit when the session trained its whole run with this config
    and these points (no live change, no edit mid-run). Under TFP's rules (``rules: "tfp"``)
    the network is :func:`neuralab.playground.tfp.mlp` and the loop TFP's, around
    :class:`neuralab.playground.tfp.Training`."""
    c = config
    if c.tfp:
        return _tfp_script(c, points, epoch, custom_data)
    layers = range(len(c.hidden))
    uniform = (len({c.activation_at(i) for i in layers}) <= 1
               and len({c.dropout_at(i) for i in layers}) <= 1)
    config_text = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in c.model_dump().items())
    modules = {"backend", "losses", "optim", "regularizers", "train",
               "models" if uniform else "nn", *(() if custom_data else ("data",))}
    head = _SCRIPT_HEAD.format(
        epoch=epoch, config=config_text, modules=", ".join(sorted(modules)),
        epochs=epoch or c.epoch_cap or 100, batch=c.batch_size, seed=c.seed,
        features=json.dumps(c.features), batchnorm=c.batchnorm, classification=c.classification,
        loss=json.dumps(c.loss), outputs=c.n_outputs,
    )
    loop = _SCRIPT_LOOP.format(
        reg=json.dumps(c.reg), lam=c.lam, beta=c.beta, optimizer=json.dumps(c.optimizer),
        lr=c.lr,
    )
    data = _script_points(points, c.classification) if custom_data else _script_toy(c)
    return head + data + _script_model(c, uniform) + loop


_SCRIPT_HEAD = '''"""A neuralab playground experiment, rebuilt with the neuralab API.

Exported at epoch {epoch} from this playground configuration:

{config}

The script regenerates the data, builds the same network from the same seed and trains it
for EPOCHS epochs with the playground's minibatch loop around the library's one training step,
neuralab.train.train_step (the step the playground, the Trainer and `neuralab demo` take), then
prints the losses and the accuracy. Trained from scratch without changes, the playground ends
with these very parameters, bit for bit. Changes made while the playground trained (a new
learning rate or dropout rate mid-run, edited weights, points edited mid-run) are not
replayed: this is the experiment as configured now, trained from scratch.

Run it with:  python playground_experiment.py
"""

import numpy as np

from neuralab import {modules}
from neuralab.playground.network import small_net_init
from neuralab.playground.points import featurize, loss_targets, split_index

EPOCHS = {epochs}
BATCH_SIZE = {batch}
SEED = {seed}  # the weights, the dropout masks and the order of the minibatches
FEATURES = {features}  # the network's inputs, computed from the points (x1, x2)
BATCHNORM = {batchnorm}
CLASSIFICATION = {classification}
LOSS = {loss}
N_OUTPUTS = {outputs}  # one score per class, or one value for regression
'''


_DATA_HEAD = "\n\n# ---------------------------------------------------------------- data\n"


def _script_toy(c: PlaygroundConfig) -> str:
    """The data section for generated data: the same call with the same seed."""
    classes = c.classes if c.classification else None
    split = (f"split_index(len(X), {c.train_ratio!r}, floor=True)  # TFP rounds down"
             if c.tfp else f"split_index(len(X), {c.train_ratio!r})")
    return _DATA_HEAD + (
        f"# noise {c.noise:g} % is the library's noise={c.noise / 100:g}; the first "
        f"{c.train_ratio:g} % of the (shuffled) points train\n"
        f"X, y = data.toy({json.dumps(c.dataset)}, n={c.n_points}, noise={c.noise / 100!r}, "
        f"seed={c.data_seed}, classes={classes})\n"
        f"n_train = {split}\n"
        "X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], "
        "y[n_train:]\n"
    )


def _script_points(points: Points, classification: bool) -> str:
    """The data section for edited data: the points themselves."""
    label_type = "np.int64" if classification else "np.float32"
    lines = ["# the points as edited in the playground\n"]
    for split in ("train", "test"):
        X, y = points.split(split)
        xy = ",\n    ".join(f"[{float32_text(a)}, {float32_text(b)}]" for a, b in X.tolist())
        labels = ", ".join(str(int(v)) if classification else float32_text(v)
                           for v in y.tolist())
        lines.append(f"X_{split} = np.array([\n    {xy}\n], dtype=np.float32).reshape(-1, 2)\n"
                     f"y_{split} = np.array([{labels}], dtype={label_type})\n")
    return _DATA_HEAD + "".join(lines)


def _script_model(c: PlaygroundConfig, uniform: bool) -> str:
    head = "\n# ---------------------------------------------------------------- model\n"
    n_in, n_out = len(c.features), c.n_outputs
    if uniform:
        act = c.activation_at(0)
        p = c.dropout_at(0) if c.hidden else 0.0
        return head + (
            f"model = models.mlp({n_in}, {n_out}, hidden={list(c.hidden)}, "
            f"activation={json.dumps(act)}, "
            f"dropout={p!r}, batchnorm=BATCHNORM, seed=SEED)\n" + _SMALL_NET
        )
    acts = [c.activation_at(i) for i in range(len(c.hidden))]
    drops = [c.dropout_at(i) for i in range(len(c.hidden))]
    return head + (
        "# one generator for the weights (and child streams for the dropout masks), layer by\n"
        "# layer: the construction models.mlp uses, with an activation and a rate per layer\n"
        "rng = np.random.default_rng(SEED)\n"
        "layers = []\n"
        f"width = {n_in}\n"
        f"for units, act, p in zip({list(c.hidden)}, {json.dumps(acts)}, {drops}):\n"
        f"    linear = nn.Linear(width, nn.activation_width(act, units), init={json.dumps(INIT)}, "
        "rng=rng)\n"
        "    layers.append(linear)\n"
        "    if BATCHNORM:\n"
        "        layers.append(nn.BatchNorm(linear.out_features))\n"
        "    layers.append(nn.make_activation(act))\n"
        "    if p > 0:\n"
        "        layers.append(nn.Dropout(p, rng=rng.spawn(1)[0]))\n"
        "    width = units\n"
        f"layers.append(nn.Linear(width, {n_out}, init={json.dumps(INIT)}, rng=rng))\n"
        "model = nn.Sequential(*layers)\n" + _SMALL_NET
    )


_SMALL_NET = (
    "# the playground's start for small nets: He's weights / sqrt(8) (its inputs are raw\n"
    "# coordinates of variance ~8, not 1) and bias 0.5 for the units of a ReLU layer\n"
    "small_net_init(model)\n"
)


_SCRIPT_LOOP = '''
# ---------------------------------------------------------------- training
# the loss in its training-step form (one-hot targets for classification), the regularizer
# (L2 as weight decay inside the update, L1 as a soft-threshold step after it), the optimizer
loss_fn = losses.get_loss(LOSS, step=True)
regularizer = regularizers.get_regularizer({reg}, lam={lam!r}, beta={beta!r})
optimizer = optim.get_optimizer({optimizer}, model.params(), lr={lr!r})

# the network's inputs and the losses' targets, computed as the playground computes them
F_train, F_test = featurize(X_train, FEATURES), featurize(X_test, FEATURES)
t_train, t_test = loss_targets(y_train, CLASSIFICATION), loss_targets(y_test, CLASSIFICATION)
target = losses.one_hot(t_train, N_OUTPUTS, F_train) if CLASSIFICATION else t_train
n = len(F_train)
loss = float("nan")
model.train()
for epoch in range(1, EPOCHS + 1):
    order = backend.epoch_permutation(SEED, epoch, n)  # a fresh shuffle every epoch
    start = 0
    while start < n:
        end = min(start + BATCH_SIZE, n)
        if BATCHNORM and n - end == 1:  # batch norm needs two examples per batch
            end = n
        idx = order[start:end]
        # forward, loss, backward, and the optimizer's update with the regularizer
        loss, _ = train.train_step(model, loss_fn, regularizer, optimizer, F_train[idx],
                                   target[idx])
        start = end
    if epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
        print(f"epoch {{epoch:5d}}   last minibatch loss {{float(loss):.4f}}")

# ---------------------------------------------------------------- evaluation
# in eval mode: dropout off, batch norm with its running statistics
for name, F, t in (("train", F_train, t_train), ("test", F_test, t_test)):
    if not len(F):
        continue
    scores = train.predict_scores(model, F)
    line = f"{{name}} loss: {{losses.get_loss(LOSS)(scores, t)[0]:.4f}}"
    if CLASSIFICATION:
        line += f"   {{name}} accuracy: {{np.mean(scores.argmax(axis=1) == t):.4f}}"
    else:
        rmse = float(np.sqrt(np.mean((scores - t) ** 2)))
        r2 = 1.0 - float(np.sum((scores - t) ** 2) / np.sum((t - t.mean()) ** 2))
        line += f"   {{name}} rmse: {{rmse:.4f}}   {{name}} r2: {{r2:.4f}}"
    print(line)
'''


# --------------------------------------------------------------------------- TFP's rules
def _tfp_script(c: PlaygroundConfig, points: Points, epoch: int, custom_data: bool) -> str:
    """The script of a session under TensorFlow Playground's rules."""
    config_text = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in c.model_dump().items())
    head = _TFP_HEAD.format(
        epoch=epoch, config=config_text, data="" if custom_data else "from neuralab import data\n",
        epochs=epoch or c.epoch_cap or 100, batch=c.batch_size, seed=c.seed,
        features=json.dumps(c.features), classification=c.classification, lr=c.lr,
        reg=json.dumps(c.reg), rate=c.lam,
    )
    data = _script_points(points, c.classification) if custom_data else _script_toy(c)
    acts = [c.activation_at(i) for i in range(len(c.hidden))]
    model = (
        "\n# ---------------------------------------------------------------- model\n"
        "# TFP's network: weights U(-0.5, 0.5) and biases 0.1 drawn from SEED, float64, one\n"
        "# output unit (tanh to classify, labels -1 / +1; linear to regress)\n"
        f"model = tfp.mlp({len(c.features)}, {list(c.hidden)}, {json.dumps(acts)}, "
        f"classification=CLASSIFICATION, seed=SEED)\n"
    )
    return head + data + model + _TFP_LOOP


_TFP_HEAD = '''"""A neuralab playground experiment under TensorFlow Playground's rules, rebuilt
with the neuralab API.

Exported at epoch {epoch} from this playground configuration:

{config}

The script regenerates the data, builds the same network from the same seed and trains it for
EPOCHS epochs as playground.tensorflow.org does (neuralab.playground.tfp): loss 1/2 (o - t)^2,
the training points in the data's order every epoch, an update after every BATCH_SIZE-th
example of the epoch with the mean gradient of the examples since the last update (a last
partial batch joins the next update), L1 / L2 applied after the gradient step. Trained from
scratch without changes, the playground ends with these very parameters, bit for bit.

Run it with:  python playground_experiment.py
"""

import numpy as np

{data}from neuralab.playground import tfp
from neuralab.playground.points import split_index

EPOCHS = {epochs}
BATCH_SIZE = {batch}
SEED = {seed}  # the initial weights
FEATURES = {features}  # the network's inputs, computed from the points (x1, x2)
CLASSIFICATION = {classification}
LR = {lr!r}
REG = {reg}  # TFP's regularization: none, l1 or l2
RATE = {rate!r}  # TFP's regularization rate
'''


_TFP_LOOP = '''
# ---------------------------------------------------------------- training
# the network's inputs (float64) and TFP's targets: -1 / +1 for classes 0 / 1, or the value
F_train, F_test = tfp.inputs(X_train, FEATURES), tfp.inputs(X_test, FEATURES)
target = tfp.targets(y_train, CLASSIFICATION)
training = tfp.Training(model)
n = len(F_train)
loss = float("nan")
for epoch in range(1, EPOCHS + 1):
    for start in range(0, n, BATCH_SIZE):  # the same order every epoch
        end = min(start + BATCH_SIZE, n)
        training.add(F_train[start:end], target[start:end])
        if tfp.update_due(end, BATCH_SIZE):  # after every BATCH_SIZE-th example of the epoch
            loss = training.update(LR, REG, RATE)
    if epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
        print(f"epoch {epoch:5d}   last update's loss {loss:.4f}")

# ---------------------------------------------------------------- evaluation
for name, F, y_split in (("train", F_train, y_train), ("test", F_test, y_test)):
    if not len(F):
        continue
    out = model.forward(F)
    t = tfp.targets(y_split, CLASSIFICATION)
    line = f"{name} loss: {tfp.half_squared_error(out, t)[0]:.4f}"
    if CLASSIFICATION:  # class 1 where the tanh output is positive
        line += f"   {name} accuracy: {np.mean((out[:, 0] > 0) == (y_split == 1)):.4f}"
    else:
        rmse = float(np.sqrt(np.mean((out - t) ** 2)))
        r2 = 1.0 - float(np.sum((out - t) ** 2) / np.sum((t - t.mean()) ** 2))
        line += f"   {name} rmse: {rmse:.4f}   {name} r2: {r2:.4f}"
    print(line)
'''
