r"""Activation functions :math:`g` and their derivatives :math:`g'`.

Two registries, in the style of scikit-learn: ``ACTIVATIONS[name](Z)`` gives
:math:`A = g(Z)` and ``DERIVATIVES[name](Z, A)`` gives :math:`g'(Z)` element by
element. Where it is cheap the derivative is written through the output ``A``
that the forward pass already computed (:math:`\sigma' = A(1-A)`,
:math:`\tanh' = 1 - A^2`).

Softmax is different: each output depends on every input of its column, so its
derivative is a Jacobian, not an element-wise factor. :func:`softmax_backward`
applies that Jacobian to an upstream gradient.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "linear",
    "linear_prime",
    "relu",
    "relu_prime",
    "sigmoid",
    "sigmoid_prime",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_prime",
]


def sigmoid(Z):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, without overflow.

    Parameters
    ----------
    Z : ndarray
        Pre-activations, any shape.

    Returns
    -------
    ndarray
        :math:`\sigma(Z)`, same shape and dtype, each entry in :math:`[0, 1]`.

    Notes
    -----
    ``np.exp(-z)`` overflows for :math:`z < -709`. With :math:`e = e^{-|z|} \le 1`
    the two algebraically equal forms

    .. math:: \sigma(z) = \frac{1}{1 + e} \ (z \ge 0), \qquad
              \sigma(z) = \frac{e}{1 + e} \ (z < 0)

    never overflow.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([[-1e6, 0.0, 1e6]])).tolist()
    [[0.0, 0.5, 1.0]]
    """
    Z = np.asarray(Z)
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(Z, A=None):
    r"""Derivative of the sigmoid, :math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`.

    Parameters
    ----------
    Z : ndarray
        Pre-activations.
    A : ndarray, optional
        :math:`\sigma(Z)` if the forward pass already has it (saves one ``exp``).

    Returns
    -------
    ndarray
        :math:`\sigma'(Z)`, same shape as ``Z``.

    Examples
    --------
    >>> float(sigmoid_prime(0.0))
    0.25
    """
    A = sigmoid(Z) if A is None else A
    return A * (1.0 - A)


def tanh(Z):
    r"""Hyperbolic tangent :math:`\tanh z = (e^{z} - e^{-z}) / (e^{z} + e^{-z})`.

    Examples
    --------
    >>> float(tanh(0.0))
    0.0
    """
    return np.tanh(Z)


def tanh_prime(Z, A=None):
    r"""Derivative of tanh, :math:`\tanh'(z) = 1 - \tanh^2 z`.

    Examples
    --------
    >>> float(tanh_prime(0.0))
    1.0
    """
    A = np.tanh(Z) if A is None else np.asarray(A)
    G = A * A
    return np.subtract(1.0, G, out=G) if G.ndim else 1.0 - G


def relu(Z):
    r"""Rectified linear unit :math:`\max(0, z)`.

    Examples
    --------
    >>> import numpy as np
    >>> relu(np.array([[-2.0, 0.0, 3.0]])).tolist()
    [[0.0, 0.0, 3.0]]
    """
    Z = np.asarray(Z)
    if Z.dtype.kind != "f" or not 0 < Z.nbytes <= _ZEROS_MAX_BYTES:
        return np.maximum(Z, 0)
    # The same maximum against an array of zeros: NumPy (2.4) runs its maximum against
    # a scalar in a loop that is not vectorised, two to three times slower than the
    # vectorised one it runs for two arrays. The results are the same bit for bit.
    return np.maximum(Z, _zeros(Z.shape, Z.dtype.char))


# Only while Z and the zeros stay in the CPU's caches: a larger Z is read from memory,
# and reading as many zeros again costs more than the slow loop (measured: float64,
# 4 MiB twice as fast, 8 MiB 40 % slower on a 2-core AMD EPYC).
_ZEROS_MAX_BYTES = 2 << 20


@functools.lru_cache(maxsize=8)
def _zeros(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    zeros = np.zeros(shape, dtype)
    zeros.flags.writeable = False
    return zeros


def relu_prime(Z, A=None):
    r"""Derivative of ReLU: 1 where :math:`z > 0`, else 0.

    Notes
    -----
    ReLU has a kink at :math:`z = 0` where no derivative exists; like every
    framework we take the value 0 there (a *subgradient*). A finite-difference
    check whose step crosses the kink disagrees with it, which is why
    :func:`chainrule.gradient_check` detects and reports such crossings.

    Examples
    --------
    >>> import numpy as np
    >>> relu_prime(np.array([[-2.0, 0.0, 3.0]])).tolist()
    [[0.0, 0.0, 1.0]]
    """
    Z = np.asarray(Z)
    return (Z > 0).astype(Z.dtype if np.issubdtype(Z.dtype, np.floating) else np.float64)


def linear(Z):
    """Identity activation :math:`g(z) = z`, used for regression outputs.

    Examples
    --------
    >>> float(linear(2.5))
    2.5
    """
    return np.asarray(Z)


def linear_prime(Z, A=None):
    """Derivative of the identity: 1 everywhere.

    Examples
    --------
    >>> linear_prime([[2.0, -3.0]]).tolist()
    [[1.0, 1.0]]
    """
    Z = np.asarray(Z)
    # Keep float32 as float32 (a float64 factor here upcast every gradient below a linear layer).
    return np.ones(Z.shape, dtype=Z.dtype if np.issubdtype(Z.dtype, np.floating) else np.float64)


def softmax(Z):
    r"""Column-wise softmax :math:`a_i = e^{z_i} / \sum_k e^{z_k}`.

    Parameters
    ----------
    Z : ndarray of shape (n, m)
        One column of scores per example.

    Returns
    -------
    ndarray of shape (n, m)
        Each column is a probability vector.

    Notes
    -----
    Subtracting the column maximum changes nothing mathematically
    (:math:`e^{z_i - c} / \sum_k e^{z_k - c}` is the same ratio) but keeps every
    exponent :math:`\le 0`, so nothing overflows.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[1e6], [1e6]])).tolist()
    [[0.5], [0.5]]
    """
    Z = np.asarray(Z)
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def softmax_backward(dA, A):
    r"""Apply the softmax Jacobian to an upstream gradient, column by column.

    Parameters
    ----------
    dA : ndarray of shape (n, m)
        :math:`\partial L / \partial A`.
    A : ndarray of shape (n, m)
        Softmax outputs.

    Returns
    -------
    ndarray of shape (n, m)
        :math:`\partial L / \partial Z`.

    Notes
    -----
    The Jacobian of one column is :math:`\partial a_i / \partial z_j = a_i(\delta_{ij} - a_j)`,
    so

    .. math:: \frac{\partial L}{\partial z_j} = \sum_i \frac{\partial L}{\partial a_i} a_i (\delta_{ij} - a_j)
              = a_j \Big(\frac{\partial L}{\partial a_j} - \sum_i \frac{\partial L}{\partial a_i} a_i\Big).

    Examples
    --------
    >>> import numpy as np
    >>> A = softmax(np.zeros((2, 1)))
    >>> softmax_backward(np.array([[1.0], [0.0]]), A).tolist()
    [[0.25], [-0.25]]
    """
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


def _softmax_prime(Z, A=None):
    raise TypeError(
        "softmax has no element-wise derivative (its Jacobian is a full matrix per "
        "column); use chainrule.activations.softmax_backward(dA, A)"
    )


#: name -> :math:`g`, applied element-wise (softmax column-wise).
ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "linear": linear,
    "softmax": softmax,
}

#: name -> :math:`g'(Z)` given ``(Z, A)``; softmax raises (see :func:`softmax_backward`).
DERIVATIVES = {
    "sigmoid": sigmoid_prime,
    "tanh": tanh_prime,
    "relu": relu_prime,
    "linear": linear_prime,
    "softmax": _softmax_prime,
}
