r"""Two-parameter loss surfaces and the descent paths drawn on them.

A surface has a value :math:`f(w)` (vectorised over a grid, for contour plots), a
gradient :math:`\nabla f(w)` and, where known, its minimiser. :func:`descend`
runs :math:`w := w - \alpha \nabla f(w)` from a start point and returns the path.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_matrix, check_positive
from .activations import sigmoid
from .losses import bce

__all__ = ["LogisticSurface", "Quadratic", "descend"]


class Quadratic:
    r"""An elongated bowl :math:`f(w) = \tfrac12 \big(a (w_1 - c_1)^2 + b (w_2 - c_2)^2\big)`.

    Its gradient is :math:`(a (w_1 - c_1),\ b (w_2 - c_2))`. Gradient descent converges
    when :math:`\alpha < 2 / \max(a, b)` and oscillates along the steep axis as
    :math:`\alpha` approaches that bound.

    Examples
    --------
    >>> q = Quadratic(a=1.0, b=10.0)
    >>> q([3.0, 1.0]), q.gradient([3.0, 1.0]).tolist()
    (9.5, [3.0, 10.0])
    """

    def __init__(self, a=1.0, b=10.0, center=(0.0, 0.0)):
        self.a = check_positive("a", a)
        self.b = check_positive("b", b)
        self.minimum = np.asarray(center, dtype=float)
        if self.minimum.shape != (2,):
            raise ValueError(f"center must be 2 numbers, got {center!r}")

    def __call__(self, w1, w2=None):
        """Value at ``w`` (a 2-vector), or on grids ``w1, w2`` of the same shape."""
        if w2 is None:
            w1, w2 = np.asarray(w1, dtype=float)
        u, v = w1 - self.minimum[0], w2 - self.minimum[1]
        value = 0.5 * (self.a * u * u + self.b * v * v)
        return float(value) if np.ndim(value) == 0 else value

    def gradient(self, w):
        r""":math:`\nabla f(w)` for a 2-vector ``w``."""
        w = np.asarray(w, dtype=float)
        return np.array([self.a, self.b]) * (w - self.minimum)


class LogisticSurface:
    r"""Cost :math:`J(w, b)` of one-feature logistic regression on data ``(x, y)``.

    .. math:: J(w, b) = \frac{1}{m} \sum_i \mathcal{L}\big(\sigma(w x_i + b), y_i\big),
              \qquad \frac{\partial J}{\partial w} = \frac1m \sum_i (a_i - y_i) x_i, \quad
              \frac{\partial J}{\partial b} = \frac1m \sum_i (a_i - y_i).

    ``minimum`` is found by running Newton's method to convergence, so the star on a
    picture is the true minimiser, not a guess. Linearly separable data have no
    minimiser (the cost only approaches 0 as :math:`|w| \to \infty`) and raise ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> s = LogisticSurface(np.array([[-2.0, -1.0, 1.0, 2.0, 0.5]]), np.array([[0, 1, 1, 1, 0]]))
    >>> np.round(s.gradient([0.0, 0.0]), 4).tolist()
    [-0.35, -0.1]
    >>> np.round(s.minimum, 4).tolist(), bool(np.allclose(s.gradient(s.minimum), 0, atol=1e-12))
    ([0.7953, 0.43], True)
    """

    def __init__(self, x, y):
        self.x = as_matrix("x", x, rows=1)
        self.y = as_matrix("y", y, rows=1, cols=self.x.shape[1])
        if not np.all((self.y == 0) | (self.y == 1)):
            raise ValueError("y must hold labels 0 or 1")
        self.minimum = self._newton()

    def __call__(self, w1, w2=None):
        """Value at ``(w, b)``, or on grids of the same shape."""
        if w2 is None:
            w1, w2 = np.asarray(w1, dtype=float)
        w1, w2 = np.asarray(w1, dtype=float), np.asarray(w2, dtype=float)
        A = sigmoid(w1[..., None] * self.x[0] + w2[..., None])
        value = bce(A, self.y[0]).mean(axis=-1)
        return float(value) if np.ndim(value) == 0 else value

    def gradient(self, w):
        r""":math:`(\partial J/\partial w, \partial J/\partial b)` at ``w = (w, b)``."""
        w = np.asarray(w, dtype=float)
        dz = sigmoid(w[0] * self.x[0] + w[1]) - self.y[0]
        return np.array([np.mean(dz * self.x[0]), np.mean(dz)])

    def _newton(self, steps=100):
        w = np.zeros(2)
        F = np.vstack([self.x[0], np.ones_like(self.x[0])])
        for _ in range(steps):
            a = sigmoid(w @ F)
            H = (F * (a * (1 - a))) @ F.T / F.shape[1] + 1e-12 * np.eye(2)
            step = np.linalg.solve(H, self.gradient(w))
            w = w - step
            if np.linalg.norm(step) < 1e-12 * (1 + np.linalg.norm(w)):
                return w
        # On separable data the cost keeps falling as |w| grows: Newton's steps never shrink.
        raise ValueError(
            "x and y are linearly separable, so the cost has no minimiser (it decreases "
            "forever as |w| grows); use data whose classes overlap"
        )


def descend(gradient, start, learning_rate, steps):
    r"""Run gradient descent :math:`w := w - \alpha \nabla f(w)` and return every iterate.

    Parameters
    ----------
    gradient : callable
        ``w -> \nabla f(w)`` (for a surface, its ``gradient`` method).
    start : array_like
        The starting point :math:`w_0` (a number or a vector).
    learning_rate : float
        :math:`\alpha > 0`.
    steps : int
        Number of updates.

    Returns
    -------
    ndarray of shape (k + 1, ...) with k <= steps
        :math:`w_0, w_1, \dots`. A run that blows up (a learning rate too large, shown
        on purpose in the book) stops at the last finite iterate instead of
        producing overflow warnings.

    Examples
    --------
    >>> path = descend(lambda w: 2 * w, start=1.0, learning_rate=0.25, steps=3)
    >>> path.tolist()   # w := w - 0.25 * 2w halves w
    [1.0, 0.5, 0.25, 0.125]
    """
    if not callable(gradient):
        raise TypeError(f"gradient must be a function w -> grad f(w), got {type(gradient).__name__}")
    learning_rate = check_positive("learning_rate", learning_rate)
    steps = check_positive("steps", steps, integer=True)
    w = np.array(start, dtype=float)
    if not np.all(np.isfinite(w)):
        raise ValueError(f"start must be finite, got {start!r}")
    path = [w.copy()]
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):
            w = w - learning_rate * np.asarray(gradient(w), dtype=float)
        if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > 1e150:
            break
        path.append(w.copy())
    return np.array(path)
