r"""Losses :math:`\mathcal{L}(a, y)`, the cost :math:`J`, and their gradients.

The cost is the mean of the per-example loss over the :math:`m` columns:

.. math:: J = \frac{1}{m} \sum_{i=1}^{m} \mathcal{L}\big(a^{(i)}, y^{(i)}\big).

``LOSS_GRADIENTS[name](A, Y)`` returns :math:`\partial \mathcal{L} / \partial A`
for every example, *without* the :math:`1/m`; the book's convention is that
``dZ`` is a per-example quantity and the :math:`1/m` enters in ``dW`` and ``db``.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_matrix, check_names

__all__ = [
    "CANONICAL_OUTPUT",
    "LOSSES",
    "LOSS_GRADIENTS",
    "bce",
    "bce_gradient",
    "bce_with_logits",
    "ce",
    "ce_gradient",
    "check_targets",
    "cost",
    "mse",
    "mse_gradient",
]

#: The output activation that pairs with each loss so that ``dZ = A - Y``.
CANONICAL_OUTPUT = {"bce": "sigmoid", "ce": "softmax", "mse": "linear"}


def _clip_probabilities(A):
    # Probabilities of exactly 0 or 1 (a sigmoid of +-40 already rounds to 1.0)
    # would give log(0) = -inf; the smallest step away from them caps the
    # per-entry loss at -log(epsneg), about 36.7 in float64.
    eps = np.finfo(A.dtype).epsneg
    return np.clip(A, eps, 1.0 - eps)


def bce(A, Y):
    r"""Binary cross-entropy of every entry, :math:`-[y \ln a + (1 - y)\ln(1 - a)]`.

    Parameters
    ----------
    A : ndarray of shape (n, m)
        Predicted probabilities.
    Y : ndarray of shape (n, m)
        Labels in {0, 1}.

    Returns
    -------
    ndarray of shape (n, m)
        The loss of each entry (non-negative).

    Notes
    -----
    The minus sign makes the loss positive (:math:`\ln a \le 0` for :math:`a \le 1`)
    and makes *minimising* it the same as maximising the likelihood.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(bce(np.array([[0.9, 0.5]]), np.array([[1.0, 0.0]])), 4).tolist()
    [[0.1054, 0.6931]]
    """
    A = _clip_probabilities(A)
    return -(Y * np.log(A) + (1.0 - Y) * np.log1p(-A))


def bce_gradient(A, Y):
    r"""Derivative of :func:`bce` with respect to ``A``.

    .. math:: \frac{\partial \mathcal{L}}{\partial a} = -\frac{y}{a} + \frac{1 - y}{1 - a}
              = \frac{a - y}{a (1 - a)}

    Examples
    --------
    >>> import numpy as np
    >>> bce_gradient(np.array([[0.5]]), np.array([[1.0]])).tolist()
    [[-2.0]]
    """
    A = _clip_probabilities(A)
    return (A - Y) / (A * (1.0 - A))


def ce(A, Y):
    r"""Categorical cross-entropy of every entry, :math:`-y \ln a`.

    Summed over the rows of a column it is :math:`-\ln a_k` for the true class :math:`k`.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0.7], [0.2], [0.1]])
    >>> Y = np.array([[1.0], [0.0], [0.0]])
    >>> round(float(ce(A, Y).sum()), 4)
    0.3567
    """
    return -(Y * np.log(_clip_probabilities(A)))


def ce_gradient(A, Y):
    r"""Derivative of :func:`ce` with respect to ``A``: :math:`-y / a`.

    Examples
    --------
    >>> import numpy as np
    >>> ce_gradient(np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]])).tolist()
    [[-2.0], [-0.0]]
    """
    return -Y / _clip_probabilities(A)


def mse(A, Y):
    r"""Half squared error of every entry, :math:`\tfrac12 (a - y)^2`.

    The :math:`\tfrac12` cancels the 2 of the derivative, so the cost is
    :math:`J = \frac{1}{2m}\sum (a - y)^2`.

    Examples
    --------
    >>> import numpy as np
    >>> mse(np.array([[3.0]]), np.array([[1.0]])).tolist()
    [[2.0]]
    """
    D = A - Y
    return 0.5 * D * D


def mse_gradient(A, Y):
    r"""Derivative of :func:`mse` with respect to ``A``: :math:`a - y`.

    Examples
    --------
    >>> import numpy as np
    >>> mse_gradient(np.array([[3.0]]), np.array([[1.0]])).tolist()
    [[2.0]]
    """
    return A - Y


def bce_with_logits(Z, Y):
    r"""Cost of ``sigmoid`` + ``bce`` computed from the logits ``Z``, exact for any size.

    .. math:: \mathcal{L} = \max(z, 0) - z y + \ln\big(1 + e^{-|z|}\big)

    This is algebraically :func:`bce` of :math:`\sigma(z)`, but never rounds a
    probability to 0 or 1, so a confidently wrong logit of :math:`10^6` costs
    :math:`10^6`, not the capped 36.7 of :func:`chainrule.cost`.

    Returns
    -------
    float
        The mean over the :math:`m` columns of the loss summed over rows.

    Examples
    --------
    >>> import numpy as np
    >>> bce_with_logits(np.array([[1e6]]), np.array([[0.0]]))
    1000000.0
    """
    Z = np.asarray(Z, dtype=float)
    Y = np.asarray(Y, dtype=float)
    L = np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))
    return float(L.sum() / Z.shape[-1])


#: name -> per-entry loss ``L(A, Y)``.
LOSSES = {"bce": bce, "ce": ce, "mse": mse}
#: name -> per-example ``dL/dA`` (no ``1/m``).
LOSS_GRADIENTS = {"bce": bce_gradient, "ce": ce_gradient, "mse": mse_gradient}


def check_targets(AL, Y, loss: str):
    """Validate ``AL`` and ``Y`` for ``loss``; return both as float arrays.

    Raises ``ValueError`` naming the argument when shapes differ, labels are
    not what the loss needs (0/1 for ``"bce"``, one-hot columns for ``"ce"``),
    or the predictions are no probabilities for a cross-entropy.

    Examples
    --------
    >>> import numpy as np
    >>> check_targets(np.full((1, 2), 0.5), np.array([[0, 2]]), "bce")
    Traceback (most recent call last):
    ...
    ValueError: Y must hold labels 0 or 1 for loss 'bce', got values [0.0, 2.0]
    """
    if type(loss) is not str or loss not in LOSSES:
        check_names("loss", loss, list(LOSSES))
    # Finiteness is implied by the label and range tests of the cross-entropies (NaN
    # and inf fail them), so it is tested on its own only for mse or when they fail.
    probabilities = loss in ("bce", "ce")
    AL = as_matrix("AL", AL, finite=not probabilities)
    Y = as_matrix("Y", Y, finite=not probabilities)
    if Y.shape != AL.shape:
        raise ValueError(
            f"Y must have the shape of AL {AL.shape} (one column per example), got {Y.shape}"
        )
    # Checked here, not only in cost(): backward and gradient_check would divide by m = 0.
    if AL.shape[1] == 0:
        raise ValueError(f"AL must have at least one column (example), got shape {AL.shape}")
    if not probabilities:
        return AL, Y
    if loss == "bce":
        # Every entry is 0 or 1 when every non-zero entry is a 1 (NaN is non-zero, not 1).
        labels_ok = np.count_nonzero(Y) == np.count_nonzero(Y == 1)
    else:
        labels_ok = ((Y == 0) | (Y == 1)).all() and (Y.sum(axis=0) == 1).all()
    if not labels_ok:
        as_matrix("Y", Y)  # a NaN or inf label: say so first
        if loss == "bce":
            values = np.unique(Y)[:5].tolist()
            raise ValueError(f"Y must hold labels 0 or 1 for loss 'bce', got values {values}")
        labels01 = (Y == 0) | (Y == 1)
        bad = np.flatnonzero(~(labels01.all(axis=0) & (Y.sum(axis=0) == 1)))
        raise ValueError(
            "Y must be one-hot for loss 'ce' (each column a single 1, the rest 0); "
            f"columns {bad[:5].tolist()} are not"
        )
    if not (AL.min() >= 0 and AL.max() <= 1):
        as_matrix("AL", AL)
        raise ValueError(
            f"AL must be probabilities in [0, 1] for loss {loss!r}, got values in "
            f"[{float(AL.min()):.4g}, {float(AL.max()):.4g}]; use a 'sigmoid' or "
            "'softmax' output layer"
        )
    return AL, Y


def cost(AL, Y, loss: str = "bce") -> float:
    r"""The cost :math:`J`: the loss summed over output units, averaged over examples.

    Parameters
    ----------
    AL : ndarray of shape (nL, m)
        Output of the network (:func:`chainrule.forward`).
    Y : ndarray of shape (nL, m)
        Targets: 0/1 labels for ``"bce"``, one-hot columns for ``"ce"``, reals for ``"mse"``.
    loss : {"bce", "ce", "mse"}
        Binary cross-entropy, categorical cross-entropy, or half mean squared error.

    Returns
    -------
    float
        :math:`J = \frac{1}{m}\sum_{i=1}^m \sum_{j=1}^{n_L} \mathcal{L}(a^{(i)}_j, y^{(i)}_j)`.

    Notes
    -----
    Probabilities are clipped one rounding step away from 0 and 1, so even a
    saturated sigmoid gives a finite cost (at most about 36.7 per entry in float64);
    :func:`chainrule.losses.bce_with_logits` is exact there.

    Examples
    --------
    >>> import numpy as np
    >>> AL = np.array([[0.8, 0.1]])
    >>> Y = np.array([[1, 0]])
    >>> round(cost(AL, Y, loss="bce"), 4)   # (-ln 0.8 - ln 0.9) / 2
    0.1643
    """
    AL, Y = check_targets(AL, Y, loss)
    return float(LOSSES[loss](AL, Y).sum() / AL.shape[1])
