"""Small seeded toy data sets in the book's layout: ``X`` is ``(2, m)``, labels are columns.

Binary sets return ``Y`` of shape ``(1, m)`` with labels 0/1; :func:`spirals`
returns one-hot ``Y`` of shape ``(K, m)``. The same seed gives the same data.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive

__all__ = ["circles", "moons", "one_hot", "spirals", "xor"]


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check(m, noise, minimum=1):
    m = check_positive("m", m, integer=True)
    if m < minimum:
        raise ValueError(f"m must be at least {minimum}, got {m}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    return m, float(noise)


def one_hot(labels, K=None):
    """One-hot columns from integer labels: shape ``(K, m)``.

    Examples
    --------
    >>> one_hot([0, 2, 1]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    labels = np.asarray(labels).ravel()
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0):
        raise ValueError(f"labels must be non-negative integers, got dtype {labels.dtype} with min {labels.min()}")
    K = int(labels.max()) + 1 if K is None else check_positive("K", K, integer=True)
    if labels.size and labels.max() >= K:
        raise ValueError(f"labels must be below K = {K}, got a label {int(labels.max())}")
    Y = np.zeros((K, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def xor(m=200, noise=0.25, seed=0):
    """Four Gaussian clusters at the corners (+-1, +-1); the label is 1 where the signs differ.

    No straight line separates the classes, so a network needs a hidden layer.

    Examples
    --------
    >>> X, Y = xor(100, seed=0)
    >>> X.shape, Y.shape, sorted(set(Y.ravel().tolist()))
    ((2, 100), (1, 100), [0.0, 1.0])
    """
    m, noise = _check(m, noise)
    rng = _rng(seed)
    corners = rng.integers(0, 4, size=m)
    signs = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)[corners].T
    X = signs + noise * rng.standard_normal((2, m))
    Y = (signs[0] != signs[1]).astype(float)[None, :]
    return X, Y


def moons(m=200, noise=0.1, seed=0):
    """Two interleaving half circles (as scikit-learn's ``make_moons``), shuffled.

    Examples
    --------
    >>> X, Y = moons(50, seed=1)
    >>> X.shape, Y.shape, int(Y.sum())
    ((2, 50), (1, 50), 25)
    """
    m, noise = _check(m, noise, minimum=2)
    rng = _rng(seed)
    m_out = m // 2
    m_in = m - m_out
    t_out = np.linspace(0, np.pi, m_out)
    t_in = np.linspace(0, np.pi, m_in)
    X = np.hstack([
        np.vstack([np.cos(t_out), np.sin(t_out)]),
        np.vstack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
    ])
    Y = np.hstack([np.zeros(m_out), np.ones(m_in)])[None, :]
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(m)
    return X[:, order], Y[:, order]


def circles(m=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (label 1) inside a large one (label 0).

    Examples
    --------
    >>> X, Y = circles(40, seed=0)
    >>> X.shape, int(Y.sum())
    ((2, 40), 20)
    """
    m, noise = _check(m, noise, minimum=2)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = _rng(seed)
    m_out = m // 2
    m_in = m - m_out
    t_out = np.linspace(0, 2 * np.pi, m_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, m_in, endpoint=False)
    X = np.hstack([np.vstack([np.cos(t_out), np.sin(t_out)]),
                   factor * np.vstack([np.cos(t_in), np.sin(t_in)])])
    Y = np.hstack([np.zeros(m_out), np.ones(m_in)])[None, :]
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(m)
    return X[:, order], Y[:, order]


def spirals(m=300, classes=3, noise=0.2, seed=0):
    """``classes`` interleaved spiral arms (the CS231n toy problem); ``Y`` is one-hot.

    Examples
    --------
    >>> X, Y = spirals(90, classes=3, seed=0)
    >>> X.shape, Y.shape, Y.sum(axis=1).tolist()
    ((2, 90), (3, 90), [30.0, 30.0, 30.0])
    """
    m, noise = _check(m, noise)
    classes = check_positive("classes", classes, integer=True)
    if m % classes:
        raise ValueError(f"m must be a multiple of classes = {classes}, got m = {m}")
    rng = _rng(seed)
    per = m // classes
    r = np.tile(np.linspace(0.05, 1.0, per), classes)
    labels = np.repeat(np.arange(classes), per)
    t = labels * (2 * np.pi / classes) + r * 4.0 + noise * rng.standard_normal(m)
    X = np.vstack([r * np.cos(t), r * np.sin(t)])
    order = rng.permutation(m)
    return X[:, order], one_hot(labels[order], classes)
