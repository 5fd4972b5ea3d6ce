r"""A fully connected network: parameters, forward pass, backward pass.

Examples are columns. For layer :math:`l = 1, \dots, L`

.. math:: Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \qquad A^{[l]} = g^{[l]}(Z^{[l]}),
          \qquad A^{[0]} = X,

and backpropagation runs the same chain backwards:

.. math:: dW^{[l]} = \tfrac{1}{m}\, dZ^{[l]} A^{[l-1]\top}, \quad
          db^{[l]} = \tfrac{1}{m} \textstyle\sum_{i} dZ^{[l](i)}, \quad
          dZ^{[l-1]} = W^{[l]\top} dZ^{[l]} \odot g^{[l-1]\prime}(Z^{[l-1]}).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from ._validation import all_finite, as_matrix, check_names, check_params, param_sizes
from .activations import ACTIVATIONS, DERIVATIVES, softmax_backward
from .losses import CANONICAL_OUTPUT, LOSS_GRADIENTS, check_targets

__all__ = [
    "INITIALISATIONS",
    "backward",
    "backward_unchecked",
    "check_activations",
    "forward",
    "forward_unchecked",
    "init_params",
    "predict",
]

#: name -> standard deviation of ``W[l]`` given the fan-in :math:`n_{l-1}`.
INITIALISATIONS = {
    "xavier": lambda n_in: np.sqrt(1.0 / n_in),
    "he": lambda n_in: np.sqrt(2.0 / n_in),
    "small": lambda n_in: 0.01,
    "zeros": lambda n_in: 0.0,
}


def init_params(layer_sizes: Sequence[int], seed=0, *, init: str = "xavier", dtype=np.float64):
    r"""Random weights and zero biases for a network with the given layer sizes.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n0, n1, ..., nL]``: the input size followed by the size of every layer.
    seed : int or numpy.random.Generator, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same weights.
    init : {"xavier", "he", "small", "zeros"}, default "xavier"
        Standard deviation of the weights: :math:`\sqrt{1/n_{l-1}}` (Glorot/Xavier,
        suits tanh and sigmoid), :math:`\sqrt{2/n_{l-1}}` (He, suits ReLU), a fixed
        0.01, or all zeros (which fails; the book shows why).
    dtype : numpy dtype, default float64
        ``float32`` is accepted and kept through forward and backward passes.

    Returns
    -------
    dict
        ``{"W1": (n1, n0), "b1": (n1, 1), ..., "WL": (nL, n_{L-1}), "bL": (nL, 1)}``.

    Examples
    --------
    >>> params = init_params([2, 3, 1], seed=0)
    >>> {name: value.shape for name, value in params.items()}
    {'W1': (3, 2), 'b1': (3, 1), 'W2': (1, 3), 'b2': (1, 1)}
    """
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(f"layer_sizes must be a list of ints like [2, 4, 1], got {layer_sizes!r}")
    if len(layer_sizes) < 2:
        raise ValueError(
            f"layer_sizes must list the input size and at least one layer, got {list(layer_sizes)}"
        )
    for i, n in enumerate(layer_sizes):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(
                f"layer_sizes must be positive integers, got {n!r} at position {i} of "
                f"{list(layer_sizes)}"
            )
    check_names("init", init, list(INITIALISATIONS))
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a floating type such as float64 or float32, got {dtype}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_sizes)):
        n_in, n_out = int(layer_sizes[l - 1]), int(layer_sizes[l])
        scale = INITIALISATIONS[init](n_in)
        params[f"W{l}"] = (rng.standard_normal((n_out, n_in)) * scale).astype(dtype)
        params[f"b{l}"] = np.zeros((n_out, 1), dtype=dtype)
    return params


def check_activations(activations, L: int) -> list[str]:
    """Check one known activation name per layer, softmax only on the output.

    Examples
    --------
    >>> check_activations(["softmax", "sigmoid"], 2)
    Traceback (most recent call last):
    ...
    ValueError: activations[0] is 'softmax', but softmax is only allowed on the output layer (layer 2)
    """
    # The same few lists are checked at every step of a training loop: remember valid ones.
    if type(activations) in (list, tuple) and all(type(a) is str for a in activations):
        return list(_check_activation_names(tuple(activations), L))
    return list(_check_activation_names.__wrapped__(activations, L))


@functools.lru_cache(maxsize=256)
def _check_activation_names(activations, L: int):
    # lru_cache remembers only calls that return, so an invalid list raises every time.
    if isinstance(activations, str) or not isinstance(activations, Sequence):
        raise TypeError(
            f"activations must be a list of {L} names, one per layer, got {activations!r}"
        )
    if len(activations) != L:
        raise ValueError(
            f"activations must name one activation per layer: params has {L} layers, "
            f"got {len(activations)} names {list(activations)}"
        )
    for l, name in enumerate(activations):
        check_names(f"activation activations[{l}]", name, list(ACTIVATIONS))
        if name == "softmax" and l != L - 1:
            raise ValueError(
                f"activations[{l}] is 'softmax', but softmax is only allowed on the "
                f"output layer (layer {L})"
            )
    return activations


def forward(params, X, activations):
    r"""Forward propagation through every layer.

    Parameters
    ----------
    params : dict
        ``W1, b1, ..., WL, bL`` as from :func:`init_params`.
    X : ndarray of shape (n0, m)
        One example per column.
    activations : list of str
        One name per layer from ``"sigmoid", "tanh", "relu", "linear", "softmax"``
        (softmax only on the output layer).

    Returns
    -------
    AL : ndarray of shape (nL, m)
        The output :math:`A^{[L]}`.
    cache : dict
        What the backward pass needs: ``"A0"`` (= ``X``), ``"Z1"``, ``"A1"``, ...,
        ``"ZL"``, ``"AL"`` under their layer numbers, and ``"activations"``.

    Examples
    --------
    >>> import numpy as np
    >>> params = init_params([2, 3, 1], seed=0)
    >>> X = np.ones((2, 5))
    >>> AL, cache = forward(params, X, activations=["tanh", "sigmoid"])
    >>> AL.shape, cache["Z1"].shape, cache["A1"].shape
    ((1, 5), (3, 5), (3, 5))
    """
    sizes = param_sizes(params, finite=False)
    L, n0 = len(sizes) - 1, sizes[0]
    activations = check_activations(activations, L)
    X = as_matrix("X", X, finite=False)  # checked through Z1 below
    if X.shape[0] != n0:
        raise ValueError(
            f"X must have shape (n0, m) = ({n0}, m) to match W1 of shape "
            f"{np.shape(params['W1'])}, got {X.shape}; examples are columns (transpose X?)"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        AL, cache = forward_unchecked(params, X, activations)
    # One finiteness test per layer instead of one per input: a NaN or infinite entry
    # of X, W[l] or b[l] makes Z[l] non-finite (inf * 0 is NaN), so finite Zs clear them
    # all. Only then are the inputs searched, to name the culprit.
    if X.shape[1] == 0 or not all(all_finite(cache[f"Z{l}"]) for l in range(1, L + 1)):
        _explain_non_finite(params, X, cache, L)
    return AL, cache


def _explain_non_finite(params, X, cache, L):
    """Raise the error that names why a forward pass is not finite (or return if it is)."""
    check_params(params)  # names a NaN or infinite parameter
    as_matrix("X", X)  # names X if it holds NaN or inf
    for l in range(1, L + 1):
        if not all_finite(cache[f"Z{l}"]):
            source = "X" if l == 1 else f"A{l - 1}"
            largest = float(np.max(np.abs(cache[f"A{l - 1}"])))
            raise ValueError(
                f"{'X is too large: ' if l == 1 else ''}Z{l} = W{l} {source} + b{l} overflows "
                f"(largest |{source}| is {largest:.3g}, largest |W{l}| is "
                f"{float(np.max(np.abs(params[f'W{l}']))):.3g}); scale the inputs or the weights"
            )


def forward_unchecked(params, X, activations, start: int = 1, cache=None):
    """:func:`forward` without the argument checks, optionally resuming at layer ``start``.

    For loops that call it thousands of times on arguments already checked
    (gradient checking, training). Layers before ``start`` are taken from ``cache``.
    """
    cache = {"A0": X, "activations": activations} if cache is None else dict(cache)
    A = cache[f"A{start - 1}"]
    for l in range(start, len(activations) + 1):
        Z = params[f"W{l}"] @ A
        Z += params[f"b{l}"]  # in place: no second (n_l, m) temporary
        A = ACTIVATIONS[activations[l - 1]](Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def backward(params, cache, Y, loss: str = "bce"):
    r"""Backpropagation: the gradient of the cost :math:`J` with respect to every parameter.

    Parameters
    ----------
    params : dict
        The parameters used in :func:`forward`.
    cache : dict
        The cache returned by :func:`forward`.
    Y : ndarray of shape (nL, m)
        Targets (see :func:`chainrule.cost`).
    loss : {"bce", "ce", "mse"}
        The loss whose mean is :math:`J`.

    Returns
    -------
    dict
        ``{"dW1": ..., "db1": ..., ..., "dWL": ..., "dbL": ...}`` with
        ``dW1`` :math:`= \partial J / \partial W^{[1]}`, each the shape of its parameter.

    Notes
    -----
    For the canonical pairs (sigmoid + bce, softmax + ce, linear + mse) the
    output error simplifies to :math:`dZ^{[L]} = A^{[L]} - Y`, which is exact and
    stays finite even when :math:`A^{[L]}` rounds to 0 or 1. Any other pair goes
    through :math:`dA^{[L]} = \partial\mathcal{L}/\partial A^{[L]}` and the
    activation's derivative (or the softmax Jacobian).

    Examples
    --------
    >>> import numpy as np
    >>> params = init_params([2, 3, 1], seed=0)
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> Y = np.array([[1, 0]])
    >>> AL, cache = forward(params, X, ["tanh", "sigmoid"])
    >>> grads = backward(params, cache, Y, loss="bce")
    >>> {name: value.shape for name, value in grads.items()}
    {'dW1': (3, 2), 'db1': (3, 1), 'dW2': (1, 3), 'db2': (1, 1)}
    """
    sizes = param_sizes(params, finite=False)  # non-finite gradients are traced back below
    L = len(sizes) - 1
    if not isinstance(cache, dict) or "activations" not in cache:
        raise TypeError("cache must be the dict returned by chainrule.forward(params, X, activations)")
    keys = _cache_keys(L)
    if not cache.keys() >= _cache_key_set(L):
        missing = [k for k in keys if k not in cache]
        raise ValueError(
            f"cache does not match params with {L} layers: missing {missing}; pass the cache "
            "returned by forward() with these params"
        )
    check_activations(cache["activations"], L)
    AL, Y = check_targets(cache[f"A{L}"], Y, loss)
    m = AL.shape[1]
    # A cache from other params would otherwise fail inside a matrix product.
    expected = [(n, m) for n in sizes]
    for key, l in _cache_layers(L):
        value = cache[key]
        # (.shape of an array first: np.shape costs a call, and most values are arrays)
        fits = value.shape == expected[l] if type(value) is np.ndarray else np.shape(value) == expected[l]
        if not fits:
            raise ValueError(
                f"cache does not match params: cache[{key!r}] has shape {np.shape(value)}, "
                f"expected {expected[l]}; pass the cache returned by forward() with these params"
            )
    with np.errstate(over="ignore", invalid="ignore"):
        grads = backward_unchecked(params, cache, Y, loss)
    if not all(all_finite(g) for g in grads.values()):
        check_params(params)  # names a NaN or infinite parameter
        for key in keys:
            as_matrix(f"cache[{key!r}]", cache[key])  # names a non-finite cache entry
        bad = [k for k, g in grads.items() if not all_finite(g)]
        raise ValueError(
            f"the gradients {bad} overflow although params, cache and Y are finite; "
            "scale the inputs or the weights"
        )
    return grads


@functools.cache
def _cache_keys(L: int) -> tuple[str, ...]:
    """The arrays a cache of ``L`` layers holds: ``("A0", "Z1", "A1", ..., "ZL", "AL")``."""
    return ("A0", *(f"{p}{l}" for l in range(1, L + 1) for p in "ZA"))


@functools.cache
def _cache_key_set(L: int) -> frozenset[str]:
    return frozenset(_cache_keys(L))


@functools.cache
def _cache_layers(L: int) -> tuple[tuple[str, int], ...]:
    """Each cache key with its layer number: ``(("A0", 0), ("Z1", 1), ("A1", 1), ...)``."""
    return tuple((key, int(key[1:])) for key in _cache_keys(L))


def backward_unchecked(params, cache, Y, loss):
    """:func:`backward` without the argument checks, for loops on checked arguments (training)."""
    activations = cache["activations"]
    L = len(activations)
    AL = cache[f"A{L}"]
    m = AL.shape[1]
    # Labels are exact in any float type: keep a float32 network's gradients float32.
    Y = Y.astype(AL.dtype, copy=False)
    out = activations[-1]
    if CANONICAL_OUTPUT[loss] == out:
        dZ = AL - Y
    else:
        dA = LOSS_GRADIENTS[loss](AL, Y)
        if out == "softmax":
            dZ = softmax_backward(dA, AL)
        else:
            dZ = dA * DERIVATIVES[out](cache[f"Z{L}"], AL)
    grads = {}
    for l in range(L, 0, -1):
        A_prev = cache[f"A{l - 1}"]
        # dZ is per example; the 1/m of the mean cost enters here.
        dW = dZ @ A_prev.T
        dW /= m
        db = dZ.sum(axis=1, keepdims=True)
        db /= m
        grads[f"dW{l}"], grads[f"db{l}"] = dW, db
        if l > 1:
            # dZ[l-1] = W[l]^T dZ[l] * g'(Z[l-1]), the product taken in place.
            dZ = params[f"W{l}"].T @ dZ
            dZ *= DERIVATIVES[activations[l - 2]](cache[f"Z{l - 1}"], A_prev)
    return {k: grads[k] for l in range(1, L + 1) for k in (f"dW{l}", f"db{l}")}


def predict(params, X, activations):
    """Class predictions: 0/1 by thresholding one output at 0.5, else the arg-max row.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    >>> predict(params, np.array([[-2.0, 3.0]]), ["sigmoid"]).tolist()
    [[0, 1]]
    """
    AL, _ = forward(params, X, activations)
    if AL.shape[0] == 1:
        return (AL > 0.5).astype(int)
    return np.argmax(AL, axis=0)[None, :]

