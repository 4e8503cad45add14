"""neuralab — the classical core of deep learning, from the lecture to running code.

``import neuralab`` stays light: torch, matplotlib, FastAPI, scikit-learn and Pillow are
imported only by the functions that use them.
"""

__version__ = "0.1.0"
