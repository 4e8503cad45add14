"""Polynomial regression: the lecture's runners example, as PolySolve does it — but stable.

:func:`fit` fits ``y ≈ a0 + a1·x + ... + ad·x^d`` by least squares, optionally with the
lecture's L2, L1 or elastic-net regularization; :func:`select_degree` and
:func:`validation_curve` choose the degree and λ by k-fold or leave-one-out cross-validation;
:meth:`PolyFit.to_code` writes the fitted polynomial as a Python, JavaScript, C or Java function
and :meth:`PolyFit.table` prints PolySolve's x–y table. :func:`parse_points` reads ``x y`` pairs
from text (files, the CLI, the web page). :mod:`neuralab.poly.decompose` measures the lecture's
error decomposition (bias², variance, σ², gradient descent's optimization error) on K data
sets drawn from a known function plus noise.

Numerics
--------
Raw powers ``1, x, ..., x^d`` make a notoriously ill-conditioned least-squares problem (with x
in 10..60, x^7 is ~10^12 times x^0), and the normal equations square that condition number.
Here every fit is computed in the centred and scaled variable

    t = (x − center) / scale,   center = (min x + max x)/2,   scale = (max x − min x)/2,

so ``t`` lies in [−1, 1]. The unregularized fit solves the least-squares problem in the
Chebyshev basis of ``t`` (nearly orthogonal columns: a small condition number where raw
powers have ~10^10 and more) by SVD-based ``numpy.linalg.lstsq``. Predictions evaluate
``Σ c_j·t^j`` by Horner's rule — stable for every degree up to 20. The coefficients in
powers of the original ``x`` (what PolySolve shows) are an exact algebraic conversion of
these; they are reported, but evaluating them directly loses digits at high degree when x is
far from 0.

Regularized objectives
----------------------
Penalties act on the *standardized power basis* (scikit-learn's
``PolynomialFeatures(d, include_bias=False)`` + ``StandardScaler()``): the columns
``x, x², ..., x^d`` are computed from the raw x and each is centred and scaled to unit variance
on the training data, ``z_k = (x^k − mean(x^k)) / std(x^k)``; the model is
``ŷ = b + Σ_k β_k·z_k`` and the intercept ``b`` is never penalized. With n points:

=================  ============================================  ==============================
arguments          minimizes over (b, β)                         scikit-learn equivalent
=================  ============================================  ==============================
``l2=λ``           Σ(y − ŷ)² + λ·Σβ²                             ``Ridge(alpha=λ)``
``l1=λ``           (1/2n)·Σ(y − ŷ)² + λ·Σ|β|                     ``Lasso(alpha=λ)``
``l1=λ1, l2=λ2``   (1/2n)·Σ(y − ŷ)² + λ1·Σ|β| + (λ2/2n)·Σβ²      ``ElasticNet(alpha=λ1 + λ2/n,
                                                                 l1_ratio=λ1/(λ1 + λ2/n))``
=================  ============================================  ==============================

The elastic net is the ridge objective divided by 2n plus the lasso's L1 term, so that it
reduces to each of the two when the other λ is 0. Ridge is solved by SVD of the standardized
design; lasso and elastic net by cyclic coordinate descent, finished exactly: every few sweeps
the stationarity equations are solved on the current active set and signs (and, if that is
not yet optimal, the lasso homotopy / feature-sign search take over), and an answer is accepted
only when it satisfies the KKT conditions to rounding — far tighter than a tolerance-stopped
descent, which creeps on these nearly collinear columns.

Examples
--------
>>> from neuralab import data, poly
>>> x, y = data.runners()
>>> f = poly.fit(x, y, 3)
>>> print(f.equation(4))
y = -4.796 + 1.4·x - 0.03557·x^2 + 0.000268·x^3
>>> poly.select_degree(x, y, range(8), cv="loo").best_degree
3
"""

from .codegen import LANGUAGES as LANGUAGES
from .fitting import MAX_DEGREE, fit
from .folds import CV as CV
from .folds import cv_folds
from .parse import parse_points
from .polyfit import PolyFit
from .selection import DegreeSelection, ValidationCurve, select_degree, validation_curve

__all__ = [
    "MAX_DEGREE", "DegreeSelection", "PolyFit", "ValidationCurve", "cv_folds", "fit",
    "parse_points",
    "select_degree", "validation_curve",
]
