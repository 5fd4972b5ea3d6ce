"""Checks shared by the public functions: one clear error instead of a numpy one.

Every message names the argument, says what was expected and what came.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np


def as_matrix(name: str, value, *, rows: int | None = None, cols: int | None = None,
              finite: bool = True) -> np.ndarray:
    """Return ``value`` as a 2-D float array (finite unless ``finite=False``) or raise a clear error."""
    if type(value) is np.ndarray and value.ndim == 2 and value.dtype.kind == "f":
        arr = value  # the common case, checked in a few microseconds
    else:
        arr = _to_float_array(name, value)
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows, got shape {arr.shape}")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"{name} must have {cols} columns, got shape {arr.shape}")
    if finite and arr.size and not all_finite(arr):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, but {bad} entries are NaN or infinite")
    return arr


def _to_float_array(name, value):
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a 2-D numeric array, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a 2-D numeric array: {exc}") from None
    if arr.dtype == bool:
        arr = arr.astype(np.float64)
    if not (np.issubdtype(arr.dtype, np.number)) or np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with examples as columns, got shape {arr.shape} "
            f"(a 1-D vector of m values is written as shape (1, m))"
        )
    return arr


def all_finite(arr) -> bool:
    """True if no entry of ``arr`` is NaN or infinite, in one pass and without a temporary.

    A large float matrix is summed by two matrix-vector products, which read it once
    at memory speed on every core; a NaN or infinite entry makes the sum NaN or
    infinite, and so does an overflow of finite entries, which the exact test then
    rules out.
    """
    if arr.size < _SUM_TEST_MIN_SIZE or arr.ndim != 2 or arr.dtype.char not in "fd":
        return bool(np.isfinite(arr).all())
    with np.errstate(over="ignore", invalid="ignore"):
        total = (arr @ _ones(arr.shape[1], arr.dtype.char)) @ _ones(arr.shape[0], arr.dtype.char)
    return bool(np.isfinite(total)) or bool(np.isfinite(arr).all())


# Below about this many entries isfinite().all() is as fast (measured on 2 cores, AMD Zen 3).
_SUM_TEST_MIN_SIZE = 100_000


@functools.lru_cache(maxsize=32)
def _ones(n: int, dtype: str) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


@functools.lru_cache(maxsize=64)
def _param_keys(L: int) -> frozenset[str]:
    """The keys of a network of ``L`` layers: ``{"W1", "b1", ..., "WL", "bL"}``."""
    return frozenset(f"{p}{l}" for p in "Wb" for l in range(1, L + 1))


def layer_count(params) -> int:
    """Number of layers L in ``params``; check that W1, b1, ..., WL, bL are all there."""
    # The common case is one set comparison; anything else gets the full diagnosis below.
    if type(params) is dict and params and params.keys() == _param_keys(len(params) // 2):
        return len(params) // 2
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict like {{'W1': ..., 'b1': ...}}, got {type(params).__name__}")
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if L == 0:
        raise ValueError(f"params must hold 'W1', 'b1', ...; got keys {sorted(params)}")
    missing = [f"b{l}" for l in range(1, L + 1) if f"b{l}" not in params]
    extra = sorted(k for k in params if k not in _param_keys(L))
    if missing or extra:
        raise ValueError(
            f"params must hold exactly W1..W{L} and b1..b{L}; missing {missing}, unexpected {extra}"
        )
    return L


def check_params(params, *, finite: bool = True) -> int:
    """Check shapes (and, unless ``finite=False``, finiteness) of every ``W[l]`` and ``b[l]``.

    Returns the number of layers. :func:`chainrule.forward` skips the finiteness pass:
    a NaN or infinite parameter makes its layer's ``Z`` non-finite, which forward
    checks anyway, and only then is this called again to name the parameter.
    """
    return len(param_sizes(params, finite=finite)) - 1


def param_sizes(params, *, finite: bool = True) -> tuple[int, ...]:
    """:func:`check_params`, returning the layer sizes ``(n0, n1, ..., nL)`` instead of L."""
    L = layer_count(params)
    sizes = []
    for W_key, b_key, W_name, b_name in _layer_names(L):
        W, b = params[W_key], params[b_key]
        if finite or not (_is_float_matrix(W) and _is_float_matrix(b)):
            W, b = _check_layer(W, b, W_name, b_name, W_key[1:], finite)
        if sizes and W.shape[1] != sizes[-1]:
            raise ValueError(
                f"{W_name} must have shape (n{W_key[1:]}, {sizes[-1]}) because W{len(sizes) - 1} "
                f"has {sizes[-1]} rows, got {W.shape}"
            )
        if b.shape != (W.shape[0], 1):
            raise ValueError(
                f"{b_name} must be a column of shape ({W.shape[0]}, 1) to match "
                f"W{W_key[1:]} of shape {W.shape}, got {b.shape}"
            )
        if not sizes:
            sizes.append(W.shape[1])
        sizes.append(W.shape[0])
    return tuple(sizes)


def _is_float_matrix(value) -> bool:
    return type(value) is np.ndarray and value.ndim == 2 and value.dtype.kind == "f"


@functools.lru_cache(maxsize=64)
def _layer_names(L: int) -> tuple[tuple[str, str, str, str], ...]:
    """Keys and message names of every layer: ``(("W1", "b1", "params['W1']", "params['b1']"), ...)``.

    Built once per depth, so the common, valid call formats no strings.
    """
    return tuple((f"W{l}", f"b{l}", f"params['W{l}']", f"params['b{l}']") for l in range(1, L + 1))


def _check_layer(W, b, W_name, b_name, l, finite):
    """Return ``W`` and ``b`` as float matrices or raise the error that says what is wrong."""
    # A 1-D W or b is a common slip; as_matrix's hint about examples as columns would mislead.
    if isinstance(W, np.ndarray) and W.ndim == 1:
        raise ValueError(f"{W_name} must be a 2-D matrix of shape (n{l}, n{int(l) - 1}), got shape {W.shape}")
    W = as_matrix(W_name, W, finite=finite)
    if isinstance(b, np.ndarray) and b.ndim == 1:
        raise ValueError(
            f"{b_name} must be a column of shape ({W.shape[0]}, 1) to match W{l} of "
            f"shape {W.shape}, got {b.shape} (use b.reshape(-1, 1))"
        )
    return W, as_matrix(b_name, b, finite=finite)


def check_names(name: str, value, valid: Sequence[str]) -> str:
    """Check that ``value`` is one of the ``valid`` names."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {list(valid)}; got {value!r}")
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid names are {list(valid)}")
    return value


def check_positive(name: str, value, *, integer: bool = False):
    """Check a positive number (learning rate, epochs, batch size, ...)."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be {kind} > 0, got {value!r}")
    if integer and not float(value).is_integer():
        raise TypeError(f"{name} must be {kind} > 0, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be {kind} > 0, got {value!r}")
    return int(value) if integer else float(value)
