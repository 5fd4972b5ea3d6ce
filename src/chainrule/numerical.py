r"""Central differences of the cost over every parameter entry, two ways.

:func:`numerical_gradient_loop` is the textbook loop: perturb one entry, run the
network forward, read the cost, undo, repeat. It is the definition, and it is slow:
two forward passes per parameter entry.

:func:`numerical_gradient` computes the *same* central differences of the *same*
cost, but uses the structure of the network. Perturbing the entry
:math:`W^{[l]}_{ij}` by :math:`\pm\varepsilon` changes only row :math:`i` of
:math:`Z^{[l]}`, by :math:`\pm\varepsilon A^{[l-1]}_{j,:}`; so every entry of that
row can be perturbed at once, as a batch of rows. The next layer then changes by a
rank-one term, :math:`Z^{[l+1]} + W^{[l+1]}_{:,i}\,\Delta A^{[l]}_{i,:}`, and the
layers after that are batched matrix products. Nothing is approximated beyond the
finite difference itself.

Both return the estimates and a mask of the entries whose :math:`\pm\varepsilon`
step crossed a ReLU kink (some pre-activation of a ReLU layer changed sign), where
a central difference measures no derivative.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import forward_unchecked

__all__ = ["numerical_gradient", "numerical_gradient_loop"]

# Largest batch of perturbed copies of one layer, in array entries (~32 MB of float64).
_BATCH_ENTRIES = 4_000_000


def _relu_masks(cache, activations):
    return [cache[f"Z{l}"] > 0 for l, a in enumerate(activations, 1) if a == "relu"]


def numerical_gradient_loop(params, cache, Y, loss, eps):
    """Textbook central differences: two forward passes per parameter entry.

    Parameters
    ----------
    params : dict
        float64 parameters (modified during the loop, restored at the end).
    cache : dict
        :func:`chainrule.forward`'s cache for ``params`` (gives ``X`` and the layers
        before the perturbed one, which do not change).
    Y : ndarray of shape (nL, m)
    loss : str
    eps : float

    Returns
    -------
    numerical : dict
        ``{"dW1": ..., ...}`` central-difference estimates.
    valid : dict
        ``{"W1": bool array, ...}``: False where the step crossed a ReLU kink.
    """
    activations = cache["activations"]
    m = Y.shape[1]
    base_masks = _relu_masks(cache, activations)
    numerical, valid = {}, {}
    for name, theta in params.items():
        start = int(name[1:])  # layers before this one are unchanged: start from the cache
        num = np.zeros_like(theta)
        ok = np.ones(theta.shape, dtype=bool)
        for idx in np.ndindex(theta.shape):
            old = theta[idx]
            costs, masks = [], []
            for step in (eps, -eps):
                theta[idx] = old + step
                AL, c = forward_unchecked(params, None, activations, start=start, cache=cache)
                costs.append(float(LOSSES[loss](AL, Y).sum() / m))
                masks.append(_relu_masks(c, activations))
            theta[idx] = old
            num[idx] = (costs[0] - costs[1]) / (2 * eps)
            ok[idx] = all(np.array_equal(b, p) and np.array_equal(b, q)
                          for b, p, q in zip(base_masks, *masks, strict=True))
        numerical[f"d{name}"], valid[name] = num, ok
    return numerical, valid


def _batch_costs(Z, Y, activation, loss):
    """Cost of each of B perturbed copies of the output layer's pre-activations Z (B, nL, m)."""
    m = Y.shape[1]
    if activation == "softmax" and loss == "ce":
        # Y is one-hot: -sum_k y_k ln a_k is -ln a of the true class, so only m of the
        # nL * m probabilities are needed (the same numbers cost() computes, nL times fewer logs).
        E = Z - Z.max(axis=1, keepdims=True)
        np.exp(E, out=E)
        true = np.argmax(Y, axis=0)
        a_true = E[:, true, np.arange(m)] / E.sum(axis=1)
        return -np.log(np.clip(a_true, *_clip_range(a_true))).sum(axis=1) / m
    if activation == "softmax":
        A = ACTIVATIONS["softmax"](Z.transpose(1, 0, 2)).transpose(1, 0, 2)
    else:
        A = ACTIVATIONS[activation](Z)
    return LOSSES[loss](A, Y[None]).sum(axis=(1, 2)) / m


def _clip_range(A):
    eps = np.finfo(A.dtype).epsneg  # as losses._clip_probabilities
    return eps, 1.0 - eps


def _row_costs(params, cache, Y, loss, l, i, dz_rows):
    """Costs, and kink flags, for a batch of changes ``dz_rows`` (B, m) to row i of Z[l]."""
    activations = cache["activations"]
    L, m = len(activations), Y.shape[1]
    lossf = LOSSES[loss]
    act = activations[l - 1]
    z_row = cache[f"Z{l}"][i] + dz_rows  # (B, m)
    kink = np.zeros(len(dz_rows), dtype=bool)
    if act == "relu":
        kink |= np.any((z_row > 0) != (cache[f"Z{l}"][i] > 0), axis=1)
    if act == "softmax":  # output only: a whole column changes
        Z = np.repeat(cache[f"Z{l}"][None], len(dz_rows), axis=0)
        Z[:, i, :] = z_row
        return _batch_costs(Z, Y, act, loss), kink
    a_row = ACTIVATIONS[act](z_row)
    if l == L:
        # Per-entry losses: only row i of the loss changes.
        J0 = lossf(cache[f"A{L}"], Y).sum()
        row0 = lossf(cache[f"A{L}"][i], Y[i]).sum()
        return (J0 - row0 + lossf(a_row, Y[i][None]).sum(axis=1)) / m, kink
    # Layer l + 1 changes by a rank-one term; the ones after it are batched products.
    delta = a_row - cache[f"A{l}"][i]
    Z = params[f"W{l + 1}"][:, i][None, :, None] * delta[:, None, :]
    Z += cache[f"Z{l + 1}"][None]
    for k in range(l + 1, L):
        if activations[k - 1] == "relu":
            kink |= np.any((Z > 0) != (cache[f"Z{k}"] > 0)[None], axis=(1, 2))
        Z = params[f"W{k + 1}"] @ ACTIVATIONS[activations[k - 1]](Z)
        Z += params[f"b{k + 1}"]
    if activations[L - 1] == "relu":
        kink |= np.any((Z > 0) != (cache[f"Z{L}"] > 0)[None], axis=(1, 2))
    return _batch_costs(Z, Y, activations[L - 1], loss), kink


def numerical_gradient(params, cache, Y, loss, eps, workers=None):
    """Central differences of every entry, one row of one layer at a time (see module notes).

    Same arguments and returns as :func:`numerical_gradient_loop`, plus ``workers``:
    threads that share the rows (NumPy releases the GIL in its array loops);
    default: the number of CPUs, at most 4.

    Examples
    --------
    >>> import numpy as np
    >>> import chainrule as cr
    >>> from chainrule.numerical import numerical_gradient, numerical_gradient_loop
    >>> params = cr.init_params([2, 3, 1], seed=0)
    >>> X = np.random.default_rng(1).standard_normal((2, 4))
    >>> Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    >>> AL, cache = cr.forward(params, X, ["tanh", "sigmoid"])
    >>> rows, valid = numerical_gradient(params, cache, Y, "bce", 1e-5)
    >>> loop, _ = numerical_gradient_loop(params, cache, Y, "bce", 1e-5)
    >>> bool(np.allclose(rows["dW1"], loop["dW1"], rtol=0, atol=1e-10)), bool(valid["W1"].all())
    (True, True)
    """
    activations = cache["activations"]
    L = len(activations)
    jobs = []  # (name, row i, column slice, dz rows)
    for l in range(1, L + 1):
        A_prev = cache[f"A{l - 1}"]
        n_l, m = cache[f"Z{l}"].shape
        later = max([cache[f"Z{k}"].shape[0] for k in range(l, L + 1)])
        chunk = max(1, _BATCH_ENTRIES // (2 * later * m))
        for i in range(n_l):
            for j0 in range(0, A_prev.shape[0], chunk):
                rows = A_prev[j0:j0 + chunk]
                jobs.append((f"W{l}", i, slice(j0, j0 + len(rows)), np.concatenate([eps * rows, -eps * rows])))
            jobs.append((f"b{l}", i, slice(0, 1), np.full((2, m), eps) * np.array([[1.0], [-1.0]])))

    def run(job):
        name, i, _, dz = job
        return _row_costs(params, cache, Y, loss, int(name[1:]), i, dz)

    workers = workers or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run, jobs))
    numerical = {f"d{k}": np.zeros_like(v) for k, v in params.items()}
    valid = {k: np.ones(v.shape, dtype=bool) for k, v in params.items()}
    for (name, i, cols, dz), (costs, kink) in zip(jobs, results, strict=True):
        half = len(dz) // 2
        numerical[f"d{name}"][i, cols] = (costs[:half] - costs[half:]) / (2 * eps)
        valid[name][i, cols] = ~(kink[:half] | kink[half:])
    return numerical, valid
