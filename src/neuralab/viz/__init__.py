"""Pictures for training runs, the lecture's worked examples and the notebooks in
``examples/``.

matplotlib is imported inside each function (with the non-interactive Agg backend, except in a
Jupyter kernel, whose inline backend is kept), so ``import neuralab`` never pays for it. Every
function returns the ``matplotlib.figure.Figure`` and, given ``path``, writes a PNG atomically;
scripts and servers release it with :func:`close`. In a notebook end the line with ``;`` so the
figure is shown once.

=====================================  ==================================================
lecture part                           functions
=====================================  ==================================================
training runs                          :func:`plot_history`, :func:`plot_histories`,
                                       :func:`plot_confusion`
linear classifier, three viewpoints    :func:`plot_score_function` (algebraic),
                                       :func:`plot_templates` (visual),
                                       :func:`plot_hyperplanes` (geometric)
any classifier of 2-D points           :func:`plot_decision_regions`,
                                       :func:`plot_decision_grid`
SVM vs softmax                         :func:`plot_softmax_steps`, :func:`plot_loss_table`,
                                       :func:`plot_jiggle`, :func:`plot_loss_at_init`
regularization                         :func:`plot_weight_pictures`,
                                       :func:`plot_weight_histograms`, :func:`plot_polyfit`,
                                       :func:`plot_polyfits`, :func:`plot_validation_curve`,
                                       :func:`plot_error_decomposition`
image features                         :func:`plot_hog`, :func:`plot_color_histograms`,
                                       :func:`plot_accuracies`
neural networks                        :func:`plot_activations`,
                                       :func:`plot_layer_histograms`
=====================================  ==================================================
"""

from ._core import close
from ._features import hog_cells, plot_accuracies, plot_color_histograms, plot_hog
from ._linear import (
    DecisionPanel,
    plot_decision_grid,
    plot_decision_regions,
    plot_hyperplanes,
    plot_score_function,
)
from ._losses import plot_jiggle, plot_loss_at_init, plot_loss_table, plot_softmax_steps
from ._nets import SLIDE_ACTIVATIONS, activation_curve, plot_activations, plot_layer_histograms
from ._poly import plot_error_decomposition, plot_polyfit, plot_polyfits, plot_validation_curve
from ._training import (
    confusion_matrix,
    plot_confusion,
    plot_histories,
    plot_history,
    plot_templates,
)
from ._weights import plot_weight_histograms, plot_weight_pictures

__all__ = [
    "SLIDE_ACTIVATIONS",
    "DecisionPanel",
    "activation_curve",
    "close",
    "confusion_matrix",
    "hog_cells",
    "plot_accuracies",
    "plot_activations",
    "plot_color_histograms",
    "plot_confusion",
    "plot_decision_grid",
    "plot_decision_regions",
    "plot_error_decomposition",
    "plot_histories",
    "plot_history",
    "plot_hog",
    "plot_hyperplanes",
    "plot_jiggle",
    "plot_layer_histograms",
    "plot_loss_at_init",
    "plot_loss_table",
    "plot_polyfit",
    "plot_polyfits",
    "plot_score_function",
    "plot_softmax_steps",
    "plot_templates",
    "plot_validation_curve",
    "plot_weight_histograms",
    "plot_weight_pictures",
]
