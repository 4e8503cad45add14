"""The lecture's linear classifier as a scikit-learn estimator: :class:`LinearClassifier`."""

from __future__ import annotations

import numpy as np

from ..config import ModelConfig
from ._base import _DEFAULTS, _Classifier


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
