"""scikit-learn compatible estimators: neuralab's models in Pipelines, grid searches and CV.

================================  ==============================================================
estimator                         model
================================  ==============================================================
:class:`LinearClassifier`         the lecture's linear classifier ``f(x, W) = xW + b`` with the
                                  softmax or multiclass SVM loss (:func:`neuralab.models.linear`)
:class:`MLPClassifier`            a fully-connected network (:func:`neuralab.models.mlp`)
:class:`MLPRegressor`             the same network with the MSE loss, one or several targets
:class:`PolynomialRegression`     :func:`neuralab.poly.fit` on one feature
================================  ==============================================================

They follow scikit-learn's conventions: ``__init__`` only stores the hyperparameters, which are
validated at ``fit`` time by :mod:`neuralab.config` (so a bad value gets the same message as in
the CLI and the playground); learned attributes end in ``_``; ``fit`` returns ``self``. Class
labels may be any values :func:`numpy.unique` can sort (strings, any integers). Training runs
:class:`neuralab.train.Trainer` in float32; ``random_state`` fixes the initial weights, the
dropout masks and the shuffling.

The defaults of the training hyperparameters are those of :class:`neuralab.config.TrainConfig`
(the ``neuralab train`` defaults), so the library, the CLI and these estimators agree.

Importing this module imports scikit-learn; ``import neuralab`` does not import this module.

Examples
--------
>>> from sklearn.datasets import load_digits
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from neuralab.estimators import MLPClassifier
>>> X, y = load_digits(return_X_y=True)
>>> clf = make_pipeline(StandardScaler(), MLPClassifier((64,), epochs=30, random_state=0))
>>> round(cross_val_score(clf, X, y, cv=3).mean(), 2)               # doctest: +SKIP
0.93
"""

from __future__ import annotations

import copy
import numbers
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import Tags, check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import backend as B
from . import poly
from .checks import check_choice
from .config import ModelConfig, TrainConfig
from .models import build
from .nn import BatchNorm, Linear, Sequential
from .optim import run_schedule
from .regularizers import get_regularizer
from .train import Trainer, predict_scores

__all__ = ["LinearClassifier", "MLPClassifier", "MLPRegressor", "PolynomialRegression"]

_DEFAULTS = TrainConfig()  # one table of defaults: the CLI's `neuralab train` uses the same
_MLP_DEFAULTS = ModelConfig()
_CLASSIFIER_LOSSES = ("softmax", "svm")
_SEED_HIGH = 2**31 - 1  # seeds drawn from random_state lie in [0, 2**31 - 1)


# --------------------------------------------------------------------------- helpers
def _plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python ones.

    Grids built with numpy (``np.arange(1, 4)``) hand numpy scalars to ``set_params``; the
    pydantic configs coerce them, but the ``isinstance`` checks here must see them as numbers.
    """
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _hidden_sizes(value: Any) -> tuple[Any, ...]:
    """``hidden_layer_sizes`` as a tuple: an int means one layer (as in scikit-learn)."""
    value = _plain(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),)
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValueError(f"hidden_layer_sizes={value!r} must be an int or a sequence of ints, "
                         "e.g. (100,) or (256, 128)")
    return tuple(_plain(v) for v in value)


def _float64_model(model: Sequential) -> Sequential:
    """A float64 copy of ``model`` in eval mode, for predictions.

    Training runs in float32, but float32 matrix products give results that depend (in the
    last bits) on how many rows are multiplied at once, so predicting a batch and predicting
    its rows one by one would disagree; in float64 they agree to ~1e-15, which scikit-learn
    requires (``check_methods_subset_invariance``). The copy is cheap next to training.
    """
    return copy.deepcopy(model).to("numpy", dtype="float64").eval()


# --------------------------------------------------------------------------- shared machinery
class _NeuralNet(BaseEstimator):
    """What the three network estimators share: validation through the config, the Trainer
    loop, ``partial_fit`` and float64 inference. Subclasses say how to encode targets."""

    _loss_name: str  # the Trainer's loss, set by the subclass or from ``self.loss``

    # -- what subclasses provide -------------------------------------------------------------
    def _model_config(self) -> ModelConfig:
        raise NotImplementedError

    def _encode_targets(self, y: np.ndarray, first: bool, classes: Any) -> np.ndarray:
        raise NotImplementedError

    def _n_outputs(self) -> int:
        raise NotImplementedError

    # -- validation ----------------------------------------------------------------------------
    def _train_config(self) -> TrainConfig:
        """The hyperparameters, validated by :mod:`neuralab.config` (same messages as the CLI)."""
        return TrainConfig.parse(
            model=self._model_config(), loss=self._loss_name, reg=self.reg, lam=self.lam,
            beta=self.beta, optimizer=self.optimizer, lr=self.lr, lr_schedule=self.lr_schedule,
            epochs=self.epochs, batch_size=self.batch_size,
        )

    # -- training ------------------------------------------------------------------------------
    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        # float32 is the library's working precision; validate_data also rejects NaN/inf,
        # complex and sparse input and records n_features_in_ / feature_names_in_
        return validate_data(self, X, y, reset=reset, dtype=np.float32,
                             multi_output=self._multi_output, y_numeric=self._y_numeric)

    _multi_output = False
    _y_numeric = False

    def _fit(self, X: Any, y: Any, *, epochs: int | None, classes: Any = None) -> Self:
        """Train from scratch (``epochs=None``: ``self.epochs`` epochs) or, for
        ``partial_fit`` (``epochs=1``), go on from the current state when there is one."""
        first = epochs is None or not hasattr(self, "model_")
        # hyperparameters first: a bad one must not leave a half-fitted estimator behind
        config = self._train_config() if first else None
        X, y = self._validate_xy(X, y, reset=first)
        targets = self._encode_targets(y, first, classes)
        if config is not None:
            self._start(config, n_features=X.shape[1], n_samples=X.shape[0])
        trainer = self._trainer
        trainer.epochs = trainer.epoch_ + (epochs or config.epochs)
        requested = trainer.batch_size
        trainer.batch_size = self._batch_size(requested, X.shape[0])
        try:
            history = trainer.fit(X, targets)
        finally:
            trainer.batch_size = requested
            self.model_.eval()  # users get the model ready to predict (and to io.save)
        self.n_iter_ = trainer.epoch_
        self.loss_curve_ = [r["train_loss"] + r["reg_loss"] for r in history.records]
        return self

    def _start(self, config: TrainConfig, n_features: int, n_samples: int) -> None:
        """A fresh model and Trainer. Two seeds drawn from ``random_state`` fix the initial
        weights and dropout masks, and the shuffling (an int gives the same fit every time)."""
        if config.model.batchnorm and n_samples < 2:
            raise ValueError(f"batchnorm=True needs at least 2 samples to estimate batch "
                             f"statistics, got n_samples={n_samples}")
        rng = check_random_state(self.random_state)
        model_seed, shuffle_seed = (int(s) for s in rng.randint(0, _SEED_HIGH, size=2))
        self.model_ = build(config.model, n_features, self._n_outputs(), seed=model_seed)
        schedule = run_schedule(config.lr_schedule, config.lr, config.epochs)
        # reg="l2" with lam=0 is no regularization: skip the per-step gradient pass
        reg = "none" if config.lam == 0 else config.reg
        self._trainer = Trainer(
            self.model_, loss=config.loss, regularizer=get_regularizer(reg, config.lam,
                                                                       config.beta),
            optimizer=config.optimizer, lr=config.lr, schedule=schedule, epochs=config.epochs,
            batch_size=config.batch_size, seed=shuffle_seed,
        )

    def _batch_size(self, batch_size: int, n: int) -> int:
        """The batch size for ``n`` samples: as requested, except that batch norm cannot
        normalize a last batch of ONE sample (there is no variance to estimate), so then the
        batch grows until the last one has at least 2."""
        if n < 2 or not any(isinstance(layer, BatchNorm) for layer in self.model_):
            return batch_size
        while batch_size < n and n % batch_size == 1:
            batch_size += 1
        return batch_size

    # -- inference -------------------------------------------------------------------------------
    def _scores(self, X: Any) -> np.ndarray:
        """Raw model outputs (N, C) in float64 (see :func:`_float64_model`)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.asarray(predict_scores(_float64_model(self.model_), X))

    # -- fitted weights ------------------------------------------------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices of the Linear layers, each (fan_in, fan_out) float32 (copies)."""
        check_is_fitted(self, "model_")
        return [np.array(layer.weight.value) for layer in self.model_ if isinstance(layer, Linear)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors of the Linear layers, each (fan_out,) float32 (copies)."""
        check_is_fitted(self, "model_")
        return [np.array(layer.bias.value) for layer in self.model_ if isinstance(layer, Linear)]


class _Classifier(ClassifierMixin, _NeuralNet):
    """Label encoding, ``predict``, ``decision_function`` and probabilities."""

    def _encode_targets(self, y: np.ndarray, first: bool, classes: Any) -> np.ndarray:
        # rejects continuous and multilabel targets with scikit-learn's own message
        check_classification_targets(y)
        if first:
            self.classes_ = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if self.classes_.size < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contain only one class: {self.classes_[0]!r}")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={np.unique(classes)!r} is not the same as on the first "
                             f"call to partial_fit, classes_={self.classes_!r}")
        codes = np.searchsorted(self.classes_, y)
        codes = np.minimum(codes, self.classes_.size - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(f"y contains labels not in classes_: {np.unique(y[unknown])!r}; "
                             f"classes_={self.classes_!r}")
        return codes.astype(np.int64)

    def _n_outputs(self) -> int:
        return int(self.classes_.size)

    @property
    def _loss_name(self) -> str:  # type: ignore[override]
        # the config allows "mse" too; a classifier takes the two classification losses
        return check_choice("loss", self.loss, _CLASSIFIER_LOSSES)

    def fit(self, X: Any, y: Any) -> Self:
        """Train from scratch for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels: any values :func:`numpy.unique` can sort (strings, integers ...).

        Returns
        -------
        self
        """
        return self._fit(X, y, epochs=None)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> Self:
        """One more epoch over (X, y), keeping the weights and the optimizer's state.

        The first call builds the model from the hyperparameters; later calls ignore changes
        to them (as scikit-learn's ``partial_fit``). A learning-rate schedule advances by one
        epoch per call (``cosine`` reaches 0 after ``epochs`` calls).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            All the labels that will ever appear; required on the first call (a batch need
            not contain every class), optional afterwards.

        Returns
        -------
        self
        """
        if not hasattr(self, "model_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit "
                             "(all the labels that will ever appear)")
        return self._fit(X, y, epochs=1, classes=classes)

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores ``f(x)``: (n_samples, n_classes), or (n_samples,) for two classes,
        where the score is ``s₁ − s₀`` (positive means ``classes_[1]``, as scikit-learn).

        float64: the float32 weights are evaluated in float64, so that scoring a batch and
        scoring its rows one at a time give the same numbers.
        """
        scores = self._scores(X)
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict(self, X: Any) -> np.ndarray:
        """The class with the highest score, as a label from ``classes_``."""
        check_is_fitted(self, "model_")
        return self.classes_[np.argmax(self._scores(X), axis=1)]

    def _has_proba(self) -> bool:
        # the SVM scores are margins, not log-probabilities: like scikit-learn's
        # SGDClassifier(loss="hinge"), the estimator then has no predict_proba at all
        if self.loss != "softmax":
            raise AttributeError(f"probability estimates are not available for "
                                 f"loss={self.loss!r}; use loss='softmax'")
        return True

    @available_if(_has_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax probabilities (n_samples, n_classes), float64; only for ``loss="softmax"``."""
        return np.exp(self.predict_log_proba(X))

    @available_if(_has_proba)
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, computed stably (log-sum-exp)."""
        scores = self._scores(X)
        if scores.shape[1] == 2:
            # from the same s₁ − s₀ that decision_function returns, so that the
            # probabilities are a strictly monotonic function of it
            d = scores[:, 1] - scores[:, 0]
            return np.column_stack([-np.logaddexp(0.0, d), -np.logaddexp(0.0, -d)])
        return B.log_softmax(scores)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        # Dense input only: the Trainer works on dense arrays. Sparse input gets
        # scikit-learn's TypeError from validate_data ("dense data is required").
        tags.input_tags.sparse = False
        # NaN/inf are rejected at fit time: gradient descent on them only diverges.
        tags.input_tags.allow_nan = False
        # Estimator results are a pure function of random_state (weights, dropout masks and
        # shuffling are all seeded from it), so the order/subset invariance checks apply.
        tags.non_deterministic = False
        # The core runs on any array-API namespace, but these estimators take numpy input
        # and return numpy output; the array-API checks (torch, array_api_strict inputs ->
        # outputs in the same namespace) would not hold, so we do not claim support.
        tags.array_api_support = False
        # Softmax and the Weston–Watkins SVM are natively multiclass (no one-vs-rest).
        tags.classifier_tags.multi_class = True
        # One label per sample; multilabel targets are rejected by
        # check_classification_targets.
        tags.classifier_tags.multi_label = False
        # No excuse for a low score: the checks' accuracy thresholds must hold.
        tags.classifier_tags.poor_score = False
        return tags


# --------------------------------------------------------------------------- the estimators
class LinearClassifier(_Classifier):
    """The lecture's linear classifier ``f(x, W) = xW + b``: one template per class.

    Trained with minibatch gradient descent on the softmax (cross-entropy) or the multiclass
    SVM (Weston–Watkins hinge, Δ = 1) loss plus ``R(W)``; the biases are not regularized.

    Parameters
    ----------
    loss : {"softmax", "svm"}, default="softmax"
        ``"svm"`` has no :meth:`predict_proba` (as scikit-learn's hinge-loss classifiers).
    reg : {"none", "l1", "l2", "elastic"}, default="l2"
        ``l2``: λ·ΣW²; ``l1``: λ·Σ|W|; ``elastic``: λ·Σ(β·W² + |W|).
    lam : float, default=1e-4
        Regularization strength λ >= 0.
    beta : float, default=0.5
        Elastic-net mix β >= 0 (``reg="elastic"`` only).
    optimizer : {"sgd", "momentum", "nesterov", "rmsprop", "adam"}, default="adam"
    lr : float, default=1e-3
        Learning rate, in (0, 10].
    lr_schedule : {"constant", "step", "cosine"}, default="constant"
        ``step``: ÷10 at each third of the run; ``cosine``: to 0 at the last epoch.
    epochs : int, default=50
        Passes over the training data (each over a fresh permutation).
    batch_size : int, default=64
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (N(0, 1e-3²), as CS231n) and the shuffling.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features)
        One template per class (``W.T``); also for two classes (the softmax keeps both).
    intercept_ : ndarray of shape (n_classes,)
    loss_curve_ : list of float
        Per epoch: mean data loss over its minibatches + R(W) at its end.
    n_iter_ : int
        Epochs run.
    model_ : neuralab.nn.Sequential
        The trained model (float32, eval mode); save it with :func:`neuralab.io.save`.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X had string column names (a DataFrame).

    Examples
    --------
    >>> from neuralab.estimators import LinearClassifier
    >>> clf = LinearClassifier(loss="svm", lam=1e-3, random_state=0).fit(X, y)  # doctest: +SKIP
    >>> clf.coef_.shape                                               # doctest: +SKIP
    (10, 64)
    """

    def __init__(
        self, loss: str = "softmax", reg: str = _DEFAULTS.reg, lam: float = _DEFAULTS.lam,
        beta: float = _DEFAULTS.beta, optimizer: str = _DEFAULTS.optimizer,
        lr: float = _DEFAULTS.lr, lr_schedule: str = _DEFAULTS.lr_schedule,
        epochs: int = _DEFAULTS.epochs, batch_size: int = _DEFAULTS.batch_size,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.loss = loss
        self.reg = reg
        self.lam = lam
        self.beta = beta
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def _model_config(self) -> ModelConfig:
        return ModelConfig.parse(kind="linear", init="normal", std=1e-3)

    @property
    def coef_(self) -> np.ndarray:
        """(n_classes, n_features) float32: the templates, ``W.T`` (a copy)."""
        return self.coefs_[0].T.copy()

    @property
    def intercept_(self) -> np.ndarray:
        """(n_classes,) float32: the biases ``b`` (a copy)."""
        return self.intercepts_[0]


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


# --------------------------------------------------------------------------- polynomial
class PolynomialRegression(RegressorMixin, BaseEstimator):
    """Polynomial regression on ONE feature, ``y ≈ a0 + a1·x + ... + ad·x^d``
    (:func:`neuralab.poly.fit`: the lecture's runners example, computed stably).

    Parameters
    ----------
    degree : int, default=2
        0..20. Without regularization, needs at least ``degree + 1`` distinct x values.
    l2 : float, default=0.0
        Ridge strength: minimizes ``Σ(y − ŷ)² + l2·Σβ²`` over the standardized powers
        (scikit-learn's ``Ridge(alpha=l2)`` on ``PolynomialFeatures`` + ``StandardScaler``).
    l1 : float, default=0.0
        Lasso strength: ``(1/2n)·Σ(y − ŷ)² + l1·Σ|β|``; both: the elastic net of
        :func:`neuralab.poly.fit`.

    Attributes
    ----------
    poly_ : neuralab.poly.PolyFit
        The fit: ``equation()``, ``to_code(lang)``, ``stats()``, ``table(...)``.
    coef_ : ndarray of shape (degree,)
        a1..ad, in powers of the original x (PolySolve's coefficients).
    intercept_ : float
        a0.
    n_features_in_ : int
        Always 1.
    feature_names_in_ : ndarray of shape (1,)
        Only when X was a DataFrame with a string column name.

    Notes
    -----
    X is 2-D with ONE column, ``x[:, None]`` or ``X[:, [j]]``, as scikit-learn estimators take
    it (a 1-D X is refused like everywhere in scikit-learn; :func:`neuralab.poly.fit` takes
    1-D arrays). More columns are a ``ValueError``. Predictions evaluate the polynomial in the
    centred variable ``t = (x − center)/scale`` (stable at every degree), not from ``coef_``.
    """

    def __init__(self, degree: int = 2, l2: float = 0.0, l1: float = 0.0) -> None:
        self.degree = degree
        self.l2 = l2
        self.l1 = l1

    def fit(self, X: Any, y: Any) -> Self:
        """Fit the polynomial to (X[:, 0], y).

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        degree, l2, l1 = _plain(self.degree), _plain(self.l2), _plain(self.l1)
        n = X.shape[0]
        valid = (isinstance(degree, int) and not isinstance(degree, bool)
                 and 0 <= degree <= poly.MAX_DEGREE)
        unregularized = all(isinstance(v, numbers.Real) and v == 0 for v in (l2, l1))
        if valid and unregularized and n < degree + 1:
            # poly.fit says the same about "points"; say it in scikit-learn's words
            # ("n_samples=1"), which scikit-learn's check_fit2d_1sample looks for, and before
            # the one-feature check, since that check fits 1 sample of 10 features
            raise ValueError(f"degree={degree} needs at least {degree + 1} samples without "
                             f"regularization, got n_samples={n}; lower the degree or set "
                             "l2 > 0")
        if X.shape[1] != 1:
            raise ValueError(f"PolynomialRegression fits ONE feature, but X has {X.shape[1]} "
                             "features; select one column first (e.g. X[:, [j]])")
        self.poly_ = poly.fit(X[:, 0], y, degree, l2, l1)  # validates degree, l2 and l1
        self.coef_ = self.poly_.coefficients[1:].copy()
        self.intercept_ = float(self.poly_.coefficients[0])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """ŷ at X[:, 0], float64 of shape (n_samples,)."""
        check_is_fitted(self, "poly_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.asarray(self.poly_.predict(X[:, 0]), dtype=np.float64).reshape(-1)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        # 2-D input (the default two_d_array=True, one_d_array=False). scikit-learn tags its
        # own univariate IsotonicRegression one_d_array=True, two_d_array=False instead, and
        # then runs NONE of its estimator checks on it; with these tags the checks run, and
        # only those that fit on several columns fail (listed in tests/test_estimators.py).
        tags.input_tags.two_d_array = True
        tags.input_tags.one_d_array = False
        tags.input_tags.sparse = False  # dense only
        tags.input_tags.allow_nan = False  # poly.fit rejects NaN/inf, naming the index
        tags.target_tags.multi_output = False  # one target: poly.fit takes a 1-D y
        tags.target_tags.single_output = True
        tags.regressor_tags.poor_score = False  # an exact least-squares fit: no excuse
        return tags
