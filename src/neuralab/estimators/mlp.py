"""Fully-connected networks as scikit-learn estimators: :class:`MLPClassifier` and
:class:`MLPRegressor`, one architecture (:func:`neuralab.models.mlp`) with two heads."""

from __future__ import annotations

import numbers
from typing import Any, Self

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils import Tags

from ..config import ModelConfig
from ._base import _DEFAULTS, _Classifier, _NeuralNet, _plain

_MLP_DEFAULTS = ModelConfig()


def _hidden_sizes(value: Any) -> tuple[Any, ...]:
    """``hidden_layer_sizes`` as a tuple: an int means one layer (as in scikit-learn)."""
    value = _plain(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),)
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValueError(f"hidden_layer_sizes={value!r} must be an int or a sequence of ints, "
                         "e.g. (100,) or (256, 128)")
    return tuple(_plain(v) for v in value)


class _MLPParams:
    """The architecture hyperparameters of the two MLP estimators, as a ModelConfig."""

    hidden_layer_sizes: Any
    activation: str
    dropout: float
    batchnorm: bool
    init: str

    def _model_config(self) -> ModelConfig:
        return ModelConfig.parse(
            kind="mlp", hidden=_hidden_sizes(self.hidden_layer_sizes),
            activation=self.activation, dropout=self.dropout, batchnorm=self.batchnorm,
            init=self.init,
        )


_MLP_PARAMS_DOC = """
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units per hidden layer (1 to 8 layers of 1 to 4096 units).
    activation : {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout", "linear"}, \
default="relu"
<LOSS>    dropout : float, default=0.0
        Probability of DROPPING a hidden unit during training (inverted dropout), in [0, 1).
    batchnorm : bool, default=False
        Batch normalization after each hidden Linear layer. A last minibatch of a single
        sample cannot be normalized, so then the batch size grows by the few samples needed.
    init : {"he", "xavier", "normal"}, default="he"
    reg : {"none", "l1", "l2", "elastic"}, default="l2"
    lam : float, default=1e-4
        Regularization strength λ >= 0, added to the mean loss of each minibatch (``l2``:
        λ·ΣW², gradient 2λW); scikit-learn's MLP ``alpha`` is ``2·batch_size·λ``.
    beta : float, default=0.5
        Elastic-net mix β (``reg="elastic"`` only).
    optimizer : {"sgd", "momentum", "nesterov", "rmsprop", "adam"}, default="adam"
    lr : float, default=1e-3
    lr_schedule : {"constant", "step", "cosine"}, default="constant"
    epochs : int, default=50
        Exactly this many passes over the data (no early stopping).
    batch_size : int, default=64
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the dropout masks and the shuffling.

"""

_LOSS_DOC = """    loss : {"softmax", "svm"}, default="softmax"
        ``"svm"`` (multiclass hinge, Δ = 1) has no :meth:`predict_proba`.
"""

_MLP_ATTRS_DOC = """
    loss_curve_ : list of float
        Per epoch: mean data loss over its minibatches + R(W) at its end.
    n_iter_ : int
        Epochs run (``partial_fit`` adds one per call).
    model_ : neuralab.nn.Sequential
        The trained network (float32, eval mode); save it with :func:`neuralab.io.save`,
        export it with :func:`neuralab.io.to_torch`.
    coefs_, intercepts_ : list of ndarray
        Weights (fan_in, fan_out) and biases of each Linear layer (copies).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X had string column names (a DataFrame).

"""


class MLPClassifier(_MLPParams, _Classifier):
    __doc__ = f"""A fully-connected network classifier:
    ``Linear → [BatchNorm] → activation → [Dropout]`` per hidden layer, then ``Linear``.

    Parameters
    ----------{_MLP_PARAMS_DOC.replace("<LOSS>", _LOSS_DOC)}    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,){_MLP_ATTRS_DOC}    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from neuralab.estimators import MLPClassifier
    >>> clf = make_pipeline(StandardScaler(), MLPClassifier((256,), random_state=0))
    >>> clf.fit(X, y).score(X_test, y_test)                         # doctest: +SKIP
    """

    def __init__(
        self, hidden_layer_sizes: Any = _MLP_DEFAULTS.hidden, activation: str = "relu",
        loss: str = "softmax", dropout: float = 0.0, batchnorm: bool = False,
        init: str = _MLP_DEFAULTS.init, reg: str = _DEFAULTS.reg, lam: float = _DEFAULTS.lam,
        beta: float = _DEFAULTS.beta, optimizer: str = _DEFAULTS.optimizer,
        lr: float = _DEFAULTS.lr, lr_schedule: str = _DEFAULTS.lr_schedule,
        epochs: int = _DEFAULTS.epochs, batch_size: int = _DEFAULTS.batch_size,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.dropout = dropout
        self.batchnorm = batchnorm
        self.init = init
        self.reg = reg
        self.lam = lam
        self.beta = beta
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state


class MLPRegressor(_MLPParams, RegressorMixin, _NeuralNet):
    __doc__ = f"""A fully-connected network regressor trained on the mean squared error.

    One output per target column: y of shape (n_samples,) or (n_samples, n_targets).

    Parameters
    ----------{_MLP_PARAMS_DOC.replace("<LOSS>", "")}    Attributes
    ----------{_MLP_ATTRS_DOC}    Examples
    --------
    >>> from neuralab.estimators import MLPRegressor
    >>> reg = MLPRegressor((64, 64), lr=1e-2, random_state=0).fit(X, y)  # doctest: +SKIP
    """

    _loss_name = "mse"
    _multi_output = True
    _y_numeric = True

    def __init__(
        self, hidden_layer_sizes: Any = _MLP_DEFAULTS.hidden, activation: str = "relu",
        dropout: float = 0.0, batchnorm: bool = False, init: str = _MLP_DEFAULTS.init,
        reg: str = _DEFAULTS.reg, lam: float = _DEFAULTS.lam, beta: float = _DEFAULTS.beta,
        optimizer: str = _DEFAULTS.optimizer, lr: float = _DEFAULTS.lr,
        lr_schedule: str = _DEFAULTS.lr_schedule, epochs: int = _DEFAULTS.epochs,
        batch_size: int = _DEFAULTS.batch_size,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batchnorm = batchnorm
        self.init = init
        self.reg = reg
        self.lam = lam
        self.beta = beta
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def _encode_targets(self, y: np.ndarray, first: bool, classes: Any) -> np.ndarray:
        y2 = np.asarray(y, dtype=np.float32)  # integer targets too: the loss needs floats
        y2 = y2.reshape(-1, 1) if y2.ndim == 1 else y2
        if first:
            self._y_ndim = np.ndim(y)
            self._n_targets = y2.shape[1]
        elif y2.shape[1] != self._n_targets:
            raise ValueError(f"y has {y2.shape[1]} target columns, but {type(self).__name__} "
                             f"was fitted with {self._n_targets}")
        return y2

    def _n_outputs(self) -> int:
        return self._n_targets

    def fit(self, X: Any, y: Any) -> Self:
        """Train from scratch for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        return self._fit(X, y, epochs=None)

    def partial_fit(self, X: Any, y: Any) -> Self:
        """One more epoch over (X, y), keeping the weights and the optimizer's state.

        Returns
        -------
        self
        """
        return self._fit(X, y, epochs=1)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, float64: (n_samples,) if y was 1-D at fit, else (n_samples, n_targets)."""
        out = self._scores(X)
        return out.ravel() if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False  # dense only (as the classifiers)
        tags.input_tags.allow_nan = False  # NaN/inf rejected at fit
        tags.non_deterministic = False  # a pure function of random_state
        tags.array_api_support = False  # numpy in, numpy out (see _Classifier)
        # One network output per target column: 2-D y is supported natively, and a 1-D y
        # gives 1-D predictions.
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.regressor_tags.poor_score = False  # the checks' R² threshold must hold
        return tags
