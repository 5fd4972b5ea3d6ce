r"""Gradient checking: compare a gradient with central differences of the cost.

For every parameter entry :math:`\theta_k`

.. math:: \frac{\partial J}{\partial \theta_k} \approx
          \frac{J(\theta + \varepsilon e_k) - J(\theta - \varepsilon e_k)}{2\varepsilon},

whose error is :math:`O(\varepsilon^2)` (a one-sided difference has :math:`O(\varepsilon)`).
The agreement of a gradient :math:`g` with the estimate :math:`\hat g` is measured by the
relative error

.. math:: \frac{\lVert g - \hat g \rVert_2}{\max(\lVert g \rVert_2 + \lVert \hat g \rVert_2,\ \tau)},

per parameter (``W1``, ``b1``, ...) and over all of them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import as_matrix, check_names, check_positive
from .losses import check_targets, cost
from .network import backward, forward
from .numerical import numerical_gradient, numerical_gradient_loop

__all__ = [
    "DEFAULT_EPS",
    "DEFAULT_THRESHOLD",
    "GradientCheckReport",
    "directional_check",
    "gradient_check",
    "relative_error",
]

#: Step of the central differences. Measured on float64 networks (see the book's
#: gradient-checking chapter): 1e-5 balances the O(eps^2) truncation error against
#: the O(u/eps) rounding error (u = 1.1e-16) and gives relative errors near 1e-10
#: on correct gradients; 1e-7 gives about 1e-8 to 3e-8 because rounding then dominates.
DEFAULT_EPS = 1e-5
#: A correct float64 gradient measures far below this; a wrong formula (a missing
#: transpose, mean or derivative factor) measures 1e-2 or more.
DEFAULT_THRESHOLD = 1e-6
#: Norms below this are compared absolutely (a relative error of two ~0 vectors is noise).
NORM_FLOOR = 1e-8
#: Rounding noise of one central difference, in units of u |J| / eps (u = 2^-53).
#: Norms of gradients smaller than the noise of their estimate divided by the
#: threshold are compared against that level instead, so that a correct but tiny
#: gradient (a deep sigmoid stack) cannot fail on rounding alone.
NOISE_FACTOR = 10.0


def relative_error(g, g_hat, floor=NORM_FLOOR) -> float:
    r"""Relative error :math:`\lVert g - \hat g\rVert / \max(\lVert g\rVert + \lVert \hat g\rVert, \tau)`.

    ``floor`` is :math:`\tau`: below it, differences are measured against
    :math:`\tau` instead (two vectors of size ~0 have a meaningless ratio).

    Examples
    --------
    >>> import numpy as np
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    >>> round(relative_error(np.array([2.0]), np.array([1.0])), 4)
    0.3333
    """
    g = np.asarray(g, dtype=np.float64)
    g_hat = np.asarray(g_hat, dtype=np.float64)
    if g.shape != g_hat.shape:  # else numpy would broadcast or fail with its own message
        raise ValueError(f"g and g_hat must have the same shape, got {g.shape} and {g_hat.shape}")
    diff = float(np.linalg.norm(g - g_hat))
    return diff / max(float(np.linalg.norm(g) + np.linalg.norm(g_hat)), floor)


@dataclass(frozen=True)
class GradientCheckReport:
    r"""Result of :func:`gradient_check`.

    Attributes
    ----------
    relative_errors : dict
        ``{"W1": err, "b1": err, ...}``: relative error of each parameter's gradient.
    max_relative_error : float
        The largest of ``relative_errors``; ``passed`` compares it with ``threshold``.
    overall_relative_error : float
        Relative error of all gradients stacked into one vector.
    numerical : dict
        The central-difference estimates, ``{"dW1": ..., ...}``.
    analytic : dict
        The gradients that were checked, same keys.
    kinks : dict
        ``{"W1": k, ...}``: entries whose :math:`\pm\varepsilon` step crossed a ReLU kink
        (some :math:`z` changed sign). No derivative exists across a kink, so these
        entries are left out of the errors and counted here instead.
    worst : tuple
        ``(name, index, analytic, numerical)`` of the entry with the largest absolute
        difference: where to look first when a check fails.
    """

    relative_errors: dict
    max_relative_error: float
    overall_relative_error: float
    numerical: dict = field(repr=False)
    analytic: dict = field(repr=False)
    kinks: dict
    worst: tuple
    eps: float = DEFAULT_EPS
    threshold: float = DEFAULT_THRESHOLD

    @property
    def passed(self) -> bool:
        """True when ``max_relative_error < threshold``."""
        return self.max_relative_error < self.threshold

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"gradient check {verdict}: max relative error {self.max_relative_error:.2e}",
            f"  (threshold {self.threshold:.0e}, eps {self.eps:.0e})",
        ]
        for name, err in self.relative_errors.items():
            flag = "" if err < self.threshold else "   <-- wrong"
            k = self.kinks.get(name, 0)
            kinks = f"  ({k} kink crossing{'s' if k > 1 else ''} skipped)" if k else ""
            lines.append(f"  d{name:<4} relative error {err:.2e}{flag}{kinks}")
        if not self.passed:
            name, idx, a, n = self.worst
            lines.append(f"  worst entry d{name}{list(idx)}: given {a:.6g}, central difference {n:.6g}")
        return "\n".join(lines)

    def assert_passed(self):
        """Raise ``AssertionError`` with the report when the check failed."""
        if not self.passed:
            raise AssertionError(str(self))


def _float64_problem(params, X, Y, activations, loss, grads):
    """Checked float64 copies of the arguments of a check, its forward cache, and the gradients."""
    params64 = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    X = as_matrix("X", X).astype(np.float64)
    AL, cache = forward(params64, X, activations)
    _, Y = check_targets(AL, Y, loss)
    Y = Y.astype(np.float64)
    if grads is None:
        grads = backward(params64, cache, Y, loss)
    expected = [f"d{k}" for k in params64]
    if not isinstance(grads, dict) or sorted(grads) != sorted(expected):
        got = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        raise ValueError(f"grads must be a dict with keys {expected}, got {got}")
    for k, v in params64.items():
        if np.shape(grads[f"d{k}"]) != v.shape:
            raise ValueError(
                f"grads['d{k}'] must have the shape of params['{k}'] {v.shape}, "
                f"got {np.shape(grads[f'd{k}'])}"
            )
    return params64, X, Y, cache, grads


def gradient_check(
    params,
    X,
    Y,
    activations,
    loss: str = "bce",
    grads=None,
    *,
    eps: float = DEFAULT_EPS,
    threshold: float = DEFAULT_THRESHOLD,
    method: str = "rows",
) -> GradientCheckReport:
    r"""Check gradients against central differences of the cost over **every** parameter entry.

    Parameters
    ----------
    params : dict
        ``W1, b1, ...`` as from :func:`chainrule.init_params`.
    X : ndarray of shape (n0, m)
    Y : ndarray of shape (nL, m)
    activations : list of str
        One name per layer, as for :func:`chainrule.forward`.
    loss : {"bce", "ce", "mse"}
    grads : dict, optional
        The gradients to check, ``{"dW1": ..., "db1": ..., ...}``. Default: those
        of :func:`chainrule.backward`. Pass your own (say, from a formula you derived)
        to test it.
    eps : float, default 1e-5
        Step of the central differences.
    threshold : float, default 1e-6
        ``report.passed`` is ``max_relative_error < threshold``.
    method : {"rows", "loop"}, default "rows"
        ``"loop"`` perturbs one entry at a time (the textbook definition); ``"rows"``
        computes the same differences of the same cost a whole row of a layer at a
        time (:mod:`chainrule.numerical`), tens of times faster on real networks.

    Returns
    -------
    GradientCheckReport
        Per-parameter and overall relative errors, ``passed``, ReLU kink crossings;
        ``print(report)`` shows a table.

    Notes
    -----
    The check runs in float64 whatever the dtype of ``params`` (float32 rounding,
    :math:`u \approx 6\times10^{-8}`, would swamp the differences).

    Each estimate carries a rounding error of about :math:`u |J| / \varepsilon`
    (:math:`u = 2^{-53}`). A gradient whose norm is below ten times that noise
    (times :math:`\sqrt{k}` for :math:`k` entries) divided by ``DEFAULT_THRESHOLD`` is compared
    against that level rather than its own tiny norm, so a correct gradient in a
    layer where gradients vanish does not fail on rounding alone, while any error
    above the noise still does.

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> params = cr.init_params([2, 3, 1], seed=0)
    >>> X = np.random.default_rng(1).standard_normal((2, 5))
    >>> Y = np.array([[0, 1, 1, 0, 1]])
    >>> report = cr.gradient_check(params, X, Y, activations=["tanh", "sigmoid"], loss="bce")
    >>> report.passed, report.max_relative_error < 1e-8
    (True, True)
    """
    eps = check_positive("eps", eps)
    threshold = check_positive("threshold", threshold)
    params64, X, Y, base, grads = _float64_problem(params, X, Y, activations, loss, grads)
    activations = base["activations"]
    AL = base[f"A{len(activations)}"]

    J = cost(AL, Y, loss)

    def noise_floor(k):
        # Rounding in J(theta +- eps) gives each estimate an error of about u |J| / eps.
        noise = NOISE_FACTOR * np.finfo(np.float64).eps / 2 * max(abs(J), 1.0) / eps * np.sqrt(k)
        return max(NORM_FLOOR, noise / DEFAULT_THRESHOLD)

    engines = {"rows": numerical_gradient, "loop": numerical_gradient_loop}
    engine = engines[check_names("method", method, list(engines))]
    numerical, valid_masks = engine(params64, base, Y, loss, eps)
    kinks, rel = {}, {}
    a_all, n_all, worst = [], [], ("", (), 0.0, 0.0, -1.0)
    for name in params64:
        valid, num = valid_masks[name], numerical[f"d{name}"]
        a = np.asarray(grads[f"d{name}"], dtype=np.float64)
        kinks[name] = int((~valid).sum())
        rel[name] = relative_error(a[valid], num[valid], floor=noise_floor(int(valid.sum())))
        a_all.append(a[valid])
        n_all.append(num[valid])
        diff = np.where(valid, np.abs(a - num), -1.0)
        k = np.unravel_index(np.argmax(diff), diff.shape)
        # A NaN (a broken gradient) is the worst entry, and stays so.
        if not np.isnan(worst[4]) and not diff[k] <= worst[4]:
            worst = (name, tuple(int(i) for i in k), float(a[k]), float(num[k]), float(diff[k]))
    return GradientCheckReport(
        relative_errors=rel,
        # np.max, not max(): max() skips a NaN error unless it comes first, and a NaN
        # gradient then passed the check.
        max_relative_error=float(np.max(list(rel.values()))),
        overall_relative_error=relative_error(
            np.concatenate(a_all), np.concatenate(n_all), floor=noise_floor(sum(map(len, a_all)))
        ),
        numerical=numerical,
        analytic={k: np.asarray(v) for k, v in grads.items()},
        kinks=kinks,
        worst=worst[:4],
        eps=eps,
        threshold=threshold,
    )


def directional_check(params, X, Y, activations, loss="bce", grads=None, *, directions=4,
                      eps=DEFAULT_EPS, seed=0) -> float:
    r"""A fast first check: the gradient along a few random directions.

    For a random unit direction :math:`v` over *all* parameters at once, the
    directional derivative :math:`\nabla J \cdot v` must equal
    :math:`\big(J(\theta + \varepsilon v) - J(\theta - \varepsilon v)\big) / 2\varepsilon`.
    That costs two forward passes per direction whatever the size of the network,
    but a bug confined to a few entries can hide in one dot product: use
    :func:`gradient_check` to confirm and to locate.

    Returns
    -------
    float
        The largest relative error
        :math:`|g\cdot v - \hat d| / \max(|g\cdot v| + |\hat d|, 10^{-8})` over the directions.

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> params = cr.init_params([3, 4, 1], seed=0)
    >>> X = np.random.default_rng(1).standard_normal((3, 8))
    >>> Y = np.array([[0, 1, 1, 0, 1, 0, 0, 1]])
    >>> cr.directional_check(params, X, Y, ["tanh", "sigmoid"], "bce") < 1e-7
    True
    """
    check_positive("directions", directions, integer=True)
    params64, X, Y, _, grads = _float64_problem(params, X, Y, activations, loss, grads)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(int(directions)):
        v = {k: rng.standard_normal(p.shape) for k, p in params64.items()}
        norm = np.sqrt(sum(float(np.sum(d * d)) for d in v.values()))
        v = {k: d / norm for k, d in v.items()}
        exact = sum(float(np.sum(np.asarray(grads[f"d{k}"]) * d)) for k, d in v.items())
        J = [cost(forward({k: p + s * eps * v[k] for k, p in params64.items()}, X, activations)[0], Y, loss)
             for s in (1.0, -1.0)]
        estimate = (J[0] - J[1]) / (2 * eps)
        worst = max(worst, abs(exact - estimate) / max(abs(exact) + abs(estimate), NORM_FLOOR))
    return worst
