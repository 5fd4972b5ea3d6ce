"""chainrule: backpropagation in plain NumPy, written the way the book derives it.

Examples are columns: ``X`` has shape ``(n0, m)``, ``W[l]`` ``(n_l, n_{l-1})``,
``b[l]`` ``(n_l, 1)``, and ``Z[l]``, ``A[l]``, ``dZ[l]`` ``(n_l, m)``.

>>> import numpy as np
>>> import chainrule as cr
>>> params = cr.init_params([2, 4, 1], seed=0)
>>> X, Y = cr.datasets.xor(40, seed=0)
>>> AL, cache = cr.forward(params, X, activations=["tanh", "sigmoid"])
>>> grads = cr.backward(params, cache, Y, loss="bce")
>>> cr.gradient_check(params, X, Y, ["tanh", "sigmoid"], loss="bce").passed
True
"""

from . import activations, datasets, losses, numerical, optim, surfaces
from .gradcheck import GradientCheckReport, directional_check, gradient_check, relative_error
from .losses import cost
from .network import backward, forward, init_params, predict
from .optim import update_params
from .train import DivergenceError, History, train

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "GradientCheckReport",
    "History",
    "activations",
    "backward",
    "cost",
    "datasets",
    "directional_check",
    "forward",
    "gradient_check",
    "init_params",
    "losses",
    "numerical",
    "optim",
    "predict",
    "relative_error",
    "surfaces",
    "train",
    "update_params",
]
