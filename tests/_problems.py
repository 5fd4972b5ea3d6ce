"""Random networks, inputs and targets for every valid activation/loss combination."""

import numpy as np

import chainrule as cr

#: Activations allowed on hidden layers.
HIDDEN = ("sigmoid", "tanh", "relu", "linear")

#: Every valid (output activation, loss) pair: bce and ce need probabilities, mse takes anything.
OUTPUT_LOSS = (
    ("sigmoid", "bce"),
    ("softmax", "bce"),
    ("softmax", "ce"),
    ("sigmoid", "ce"),
    ("sigmoid", "mse"),
    ("tanh", "mse"),
    ("relu", "mse"),
    ("linear", "mse"),
    ("softmax", "mse"),
)


def targets(loss, n, m, rng, dtype=np.float64):
    """Targets of shape (n, m) that ``loss`` accepts."""
    if loss == "bce":
        Y = (rng.random((n, m)) < 0.5).astype(float)
    elif loss == "ce":
        Y = cr.datasets.one_hot(rng.integers(0, n, size=m), n)
    else:
        Y = rng.standard_normal((n, m))
    return Y.astype(dtype)


def problem(sizes, m, seed, loss, dtype=np.float64):
    """Parameters (with non-zero biases), X and Y for a network of the given layer sizes."""
    rng = np.random.default_rng(seed)
    params = cr.init_params(sizes, seed=rng, dtype=dtype)
    for l in range(1, len(sizes)):
        # Zero biases (the init default) would hide a bias bug that a zero cannot show.
        params[f"b{l}"] = (0.5 * rng.standard_normal((sizes[l], 1))).astype(dtype)
    X = rng.standard_normal((sizes[0], m)).astype(dtype)
    return params, X, targets(loss, sizes[-1], m, rng, dtype)
