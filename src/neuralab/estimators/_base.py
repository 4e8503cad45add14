"""What the estimators share: scikit-learn's fit / predict around a Trainer.

:class:`_NeuralNet` validates the hyperparameters through :mod:`neuralab.config`, builds the
model and its :class:`~neuralab.train.Trainer`, runs ``fit`` and ``partial_fit`` and predicts in
float64; :class:`_Classifier` adds label encoding, ``predict``, ``decision_function`` and the
probabilities. The subclasses (:mod:`.linear`, :mod:`.mlp`) say which model to build and how to
encode the targets; :func:`_plain` turns numpy scalars from parameter grids into Python ones.
"""

from __future__ import annotations

import copy
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import Tags, check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import backend as B
from ..checks import check_choice
from ..config import ModelConfig, TrainConfig
from ..models import build
from ..nn import BatchNorm, Linear, Sequential
from ..optim import run_schedule
from ..regularizers import get_regularizer
from ..train import Trainer, predict_scores

_DEFAULTS = TrainConfig()  # one table of defaults: the CLI's `neuralab train` uses the same
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
