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

Importing this package imports scikit-learn; ``import neuralab`` does not import it. The
estimators live in :mod:`~neuralab.estimators.linear`, :mod:`~neuralab.estimators.mlp` and
:mod:`~neuralab.estimators.polynomial`, on the shared fitting machinery of ``_base``.

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

from .linear import LinearClassifier
from .mlp import MLPClassifier, MLPRegressor
from .polynomial import PolynomialRegression

__all__ = ["LinearClassifier", "MLPClassifier", "MLPRegressor", "PolynomialRegression"]
