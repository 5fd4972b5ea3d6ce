r"""Update rules: gradient descent, momentum and Adam.

Each optimiser updates a parameter dict **in place** from a gradient dict whose
keys carry a ``d`` prefix (``"W1"`` is updated with ``grads["dW1"]``).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive

__all__ = ["OPTIMIZERS", "Adam", "GradientDescent", "Momentum", "update_params"]


def update_params(params, grads, learning_rate):
    r"""One gradient-descent step, :math:`\theta := \theta - \alpha\, d\theta`, as a new dict.

    Parameters
    ----------
    params : dict
        ``W1, b1, ...``.
    grads : dict
        ``dW1, db1, ...`` from :func:`chainrule.backward`.
    learning_rate : float
        :math:`\alpha > 0`.

    Returns
    -------
    dict
        The updated parameters; ``params`` itself is not changed.

    Examples
    --------
    >>> import numpy as np
    >>> new = update_params({"W1": np.array([[1.0]])}, {"dW1": np.array([[0.5]])}, 0.1)
    >>> new["W1"].tolist()
    [[0.95]]
    """
    learning_rate = check_positive("learning_rate", learning_rate)
    missing = [f"d{k}" for k in params if f"d{k}" not in grads]
    if missing:
        raise ValueError(f"grads must hold a gradient for every parameter; missing {missing}")
    # A wrong shape would broadcast silently (or fail with numpy's message).
    bad = {f"d{k}": np.shape(grads[f"d{k}"]) for k, v in params.items()
           if np.shape(grads[f"d{k}"]) != np.shape(v)}
    if bad:
        raise ValueError(f"grads must have the shape of their parameters, got {bad}")
    return {k: v - learning_rate * grads[f"d{k}"] for k, v in params.items()}


class GradientDescent:
    r"""Plain (stochastic) gradient descent: :math:`\theta := \theta - \alpha\, d\theta`.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[1.0]])}
    >>> GradientDescent(0.1).step(params, {"dW1": np.array([[0.5]])})
    >>> params["W1"].tolist()
    [[0.95]]
    """

    def __init__(self, learning_rate: float = 0.1):
        self.learning_rate = check_positive("learning_rate", learning_rate)

    def step(self, params, grads) -> None:
        """Update ``params`` in place."""
        for k in params:
            params[k] -= self.learning_rate * grads[f"d{k}"]


class Momentum:
    r"""Gradient descent with momentum (an exponential average of past gradients).

    .. math:: v := \beta v + (1 - \beta)\, d\theta, \qquad \theta := \theta - \alpha v

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[1.0]])}
    >>> opt = Momentum(0.1, beta=0.9)
    >>> opt.step(params, {"dW1": np.array([[1.0]])})
    >>> round(float(params["W1"][0, 0]), 4)   # v = 0.1, so W1 = 1 - 0.1 * 0.1
    0.99
    """

    def __init__(self, learning_rate: float = 0.1, beta: float = 0.9):
        self.learning_rate = check_positive("learning_rate", learning_rate)
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta!r}")
        self.beta = float(beta)
        self.v = {}

    def step(self, params, grads) -> None:
        """Update ``params`` in place."""
        for k in params:
            g = grads[f"d{k}"]
            v = self.v.get(k, np.zeros_like(g))
            self.v[k] = v = self.beta * v + (1 - self.beta) * g
            params[k] -= self.learning_rate * v


class Adam:
    r"""Adam (Kingma and Ba, 2015): momentum plus a per-entry step size.

    .. math::
       v &:= \beta_1 v + (1-\beta_1)\, d\theta, \qquad
       s := \beta_2 s + (1-\beta_2)\, d\theta^2, \\
       \hat v &= v / (1 - \beta_1^t), \qquad \hat s = s / (1 - \beta_2^t), \qquad
       \theta := \theta - \alpha\, \hat v / (\sqrt{\hat s} + \epsilon)

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[1.0]])}
    >>> Adam(0.1).step(params, {"dW1": np.array([[123.0]])})
    >>> round(float(params["W1"][0, 0]), 4)   # the first step has size alpha, whatever the gradient
    0.9
    """

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8):
        self.learning_rate = check_positive("learning_rate", learning_rate)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.epsilon = check_positive("epsilon", epsilon)
        self.t = 0
        self.v, self.s = {}, {}

    def step(self, params, grads) -> None:
        """Update ``params`` in place."""
        self.t += 1
        for k in params:
            g = grads[f"d{k}"]
            v = self.beta1 * self.v.get(k, 0.0) + (1 - self.beta1) * g
            s = self.beta2 * self.s.get(k, 0.0) + (1 - self.beta2) * g * g
            self.v[k], self.s[k] = v, s
            v_hat = v / (1 - self.beta1**self.t)
            s_hat = s / (1 - self.beta2**self.t)
            params[k] -= self.learning_rate * v_hat / (np.sqrt(s_hat) + self.epsilon)


#: name -> optimiser class, for :func:`chainrule.train`.
OPTIMIZERS = {"gd": GradientDescent, "momentum": Momentum, "adam": Adam}
