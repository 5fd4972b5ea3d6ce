"""The training loop: full-batch or mini-batch descent with a recorded history."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_names, check_positive
from .losses import LOSSES, check_targets
from .network import backward_unchecked, forward, forward_unchecked
from .optim import OPTIMIZERS

__all__ = ["DivergenceError", "History", "train"]


class DivergenceError(FloatingPointError):
    """Training produced a non-finite cost or parameter (the step was too large)."""


@dataclass
class History:
    """What :func:`train` recorded.

    Attributes
    ----------
    loss : list of float
        Cost of the batch at every step, *before* that step's update.
    epoch_loss : list of float
        Mean of the batch costs of each epoch (weighted by batch size); with
        full-batch training it equals ``loss``.
    path : list of dict
        Copies of the parameters before the first step and after every epoch, when
        ``record_path=True`` (for descent pictures of small models); else empty.
    """

    loss: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    path: list = field(default_factory=list)


def train(params, X, Y, activations, loss="bce", *, learning_rate=0.1, epochs=1000,
          batch_size=None, optimizer="gd", seed=0, record_path=False, log_every=None):
    r"""Train a network by gradient descent; return the trained parameters and a history.

    Parameters
    ----------
    params : dict
        Initial ``W1, b1, ...``; not modified (training works on a copy).
    X : ndarray of shape (n0, m)
    Y : ndarray of shape (nL, m)
    activations : list of str
        One per layer.
    loss : {"bce", "ce", "mse"}
    learning_rate : float
        Step size :math:`\alpha > 0`.
    epochs : int
        Passes over the data.
    batch_size : int, optional
        ``None`` (default) trains full-batch, one step per epoch; otherwise the
        examples are shuffled every epoch (seeded) and split into mini-batches.
    optimizer : {"gd", "momentum", "adam"} or an optimiser object
        The update rule (:mod:`chainrule.optim`).
    seed : int
        Seed of the shuffling.
    record_path : bool
        Keep a copy of the parameters before the first step and after every epoch in
        ``history.path``.
    log_every : int, optional
        Print the cost every ``log_every`` epochs (a few lines, never thousands).

    Returns
    -------
    params : dict
        The trained parameters.
    history : History

    Raises
    ------
    DivergenceError
        When the cost or a parameter stops being finite; the message gives the step
        and suggests a smaller learning rate.

    Examples
    --------
    >>> import chainrule as cr
    >>> X, Y = cr.datasets.xor(200, seed=0)
    >>> params = cr.init_params([2, 8, 1], seed=0)
    >>> trained, history = cr.train(params, X, Y, ["tanh", "sigmoid"], "bce",
    ...                             learning_rate=1.0, epochs=500)
    >>> history.loss[0] > 0.6, history.loss[-1] < 0.1
    (True, True)
    """
    learning_rate = check_positive("learning_rate", learning_rate)
    epochs = check_positive("epochs", epochs, integer=True)
    check_names("loss", loss, list(LOSSES))
    AL, cache = forward(params, X, activations)
    _, Y = check_targets(AL, Y, loss)
    X, activations = cache["A0"], cache["activations"]
    m = X.shape[1]
    if batch_size is not None:
        batch_size = check_positive("batch_size", batch_size, integer=True)
        if batch_size > m:
            raise ValueError(f"batch_size must be at most m = {m} (the number of examples), got {batch_size}")
    if isinstance(optimizer, str):
        check_names("optimizer", optimizer, list(OPTIMIZERS))
        optimizer = OPTIMIZERS[optimizer](learning_rate)
    elif not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer must be a name in {list(OPTIMIZERS)} or have a step() method, got {optimizer!r}")

    params = {k: np.array(v, copy=True) for k, v in params.items()}
    history = History()
    if record_path:
        history.path.append({k: v.copy() for k, v in params.items()})
    rng = np.random.default_rng(seed)
    step = 0
    for epoch in range(1, epochs + 1):
        if batch_size is None:
            batches = [slice(None)]
        else:
            order = rng.permutation(m)
            batches = [order[i:i + batch_size] for i in range(0, m, batch_size)]
        total = 0.0
        for batch in batches:
            Xb, Yb = X[:, batch], Y[:, batch]
            # Overflow in a diverging run is reported once, below, as a DivergenceError.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                AL, cache = forward_unchecked(params, Xb, activations)
                J = float(LOSSES[loss](AL, Yb).sum() / Yb.shape[1])
                if np.isfinite(J):
                    grads = backward_unchecked(params, cache, Yb, loss) if np.all(np.isfinite(AL)) else None
                    if grads is not None:
                        optimizer.step(params, grads)
            step += 1
            if not np.isfinite(J) or grads is None or not all(np.all(np.isfinite(v)) for v in params.values()):
                raise DivergenceError(
                    f"training diverged at step {step} (epoch {epoch}): the cost or a parameter "
                    f"is no longer finite (last cost {J:.4g}); try a smaller learning_rate than "
                    f"{learning_rate:g}"
                )
            history.loss.append(J)
            total += J * Yb.shape[1]
        history.epoch_loss.append(total / m)
        if record_path:
            history.path.append({k: v.copy() for k, v in params.items()})
        if log_every and (epoch % log_every == 0 or epoch == epochs):
            print(f"epoch {epoch:>6}: cost {history.epoch_loss[-1]:.6f}")
    return params, history
