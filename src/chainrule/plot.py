"""Figures of the book: descent paths on contours, loss curves, decision boundaries.

Needs matplotlib (``pip install chainrule[plot]``); the rest of the package does not.
Colours come from the Okabe-Ito palette (safe for colour-blind readers) and every
figure has an opaque white background, so it reads the same in the site's light
and dark themes.
"""

from __future__ import annotations

import numpy as np

from .network import forward

__all__ = ["COLORS", "contour_path", "decision_boundary", "loss_curves", "new_axes"]

#: Okabe-Ito colours, readable on white and distinguishable without hue vision.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

_STYLE = {
    # Figures are drawn ~1000 px wide and shown ~670 px wide in the page: larger type
    # keeps tick labels and legends readable there.
    "font.size": 13,
    "legend.fontsize": 11,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.edgecolor": "#333333",
    "text.color": "#111111",
    "axes.labelcolor": "#111111",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "chainrule",  # same SVG ids in every build
}


def _plt():
    import matplotlib.pyplot as plt

    plt.rcParams.update(_STYLE)
    plt.rcParams["axes.prop_cycle"] = plt.cycler(color=COLORS)
    return plt


def new_axes(ncols=1, width=5.5, height=4.0):
    """A figure with ``ncols`` axes side by side in the book's style.

    Parameters
    ----------
    ncols : int
        Number of axes, side by side.
    width, height : float
        Size of each axes' share of the figure, in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (constrained layout).
    axes : matplotlib.axes.Axes or ndarray of matplotlib.axes.Axes
        One axes when ``ncols`` is 1, else an array of ``ncols`` axes, as
        :func:`matplotlib.pyplot.subplots` returns them.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from chainrule.plot import new_axes
    >>> fig, axes = new_axes(ncols=2)
    >>> len(axes), fig.get_facecolor()
    (2, (1.0, 1.0, 1.0, 1.0))
    >>> plt.close(fig)
    """
    plt = _plt()
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), layout="constrained")
    return fig, axes


def contour_path(surface, paths, *, ax=None, extent=None, levels=25, star=True):
    """Contours of a two-parameter ``surface`` with descent paths drawn on them.

    Parameters
    ----------
    surface : callable
        ``surface(W1, W2)`` evaluated on grids (e.g. :class:`chainrule.surfaces.Quadratic`).
    paths : dict
        ``{label: ndarray of shape (k, 2)}`` from :func:`chainrule.surfaces.descend`.
    ax : matplotlib.axes.Axes, optional
    extent : (xmin, xmax, ymin, ymax), optional
        Default: a margin around all paths and the minimum.
    levels : int
        Number of contour levels (spaced on a square-root scale, so the floor shows).
    star : bool
        Mark ``surface.minimum`` with a star.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from chainrule.plot import contour_path
    >>> from chainrule.surfaces import Quadratic, descend
    >>> bowl = Quadratic(a=1.0, b=10.0)
    >>> path = descend(bowl.gradient, start=[3.0, 1.0], learning_rate=0.1, steps=20)
    >>> ax = contour_path(bowl, {"alpha = 0.1": path})
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['alpha = 0.1', 'minimum']
    >>> plt.close(ax.figure)
    """
    _plt()
    if ax is None:
        _, ax = new_axes()
    pts = [np.asarray(p, dtype=float).reshape(-1, 2) for p in paths.values()]
    minimum = getattr(surface, "minimum", None)
    if minimum is not None:
        pts.append(np.asarray(minimum, dtype=float).reshape(1, 2))
    if extent is None:
        allp = np.vstack(pts)
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3) + 0.1
        extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    w1, w2 = np.meshgrid(np.linspace(extent[0], extent[1], 200), np.linspace(extent[2], extent[3], 200))
    F = surface(w1, w2)
    f_min = float(F.min())
    lv = f_min + (np.linspace(0, 1, levels) ** 2) * (float(F.max()) - f_min) + 1e-12
    ax.contour(w1, w2, F, levels=np.unique(lv), cmap="viridis", linewidths=0.8)
    for (label, path), color in zip(paths.items(), COLORS, strict=False):
        xy = np.asarray(path, dtype=float).reshape(-1, 2)
        ax.plot(xy[:, 0], xy[:, 1], "o-", color=color, ms=3, lw=1.2, label=label)
    if star and minimum is not None:
        ax.plot(*np.asarray(minimum).ravel(), marker="*", ms=16, color="#E69F00",
                markeredgecolor="black", ls="none", label="minimum")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    if paths or (star and minimum is not None):  # a legend with no entries warns
        ax.legend(loc="best", fontsize="small")
    return ax


def loss_curves(curves, *, ax=None, log=True, xlabel="step", ylabel="cost J"):
    """Plot several loss curves ``{label: sequence of costs}`` on one axes.

    Parameters
    ----------
    curves : dict
        ``{label: sequence of float}``, one cost per step (or epoch) for each curve.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    log : bool
        Logarithmic cost axis (the default: costs fall over decades).
    xlabel, ylabel : str
        Axis labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from chainrule.plot import loss_curves
    >>> ax = loss_curves({"gd": [0.7, 0.4, 0.2], "adam": [0.7, 0.2, 0.05]})
    >>> ax.get_yscale(), len(ax.get_lines())
    ('log', 2)
    >>> plt.close(ax.figure)
    """
    _plt()
    if ax is None:
        _, ax = new_axes()
    for (label, values), color in zip(curves.items(), COLORS, strict=False):
        ax.plot(np.arange(len(values)), values, color=color, lw=1.5, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(curves) > 1 or any(curves):
        ax.legend(fontsize="small")
    return ax


def decision_boundary(params, activations, X, Y, *, ax=None, resolution=200, title=None):
    """Shade the plane by the network's prediction and scatter the data on top.

    Parameters
    ----------
    params : dict
        A trained network's parameters.
    activations : list of str
        One activation name per layer, as for :func:`chainrule.forward`.
    X : ndarray of shape (2, m)
        Two-dimensional inputs, one example per column.
    Y : ndarray of shape (1, m) or (K, m)
        Labels 0/1, or one-hot columns for ``K`` classes.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    resolution : int
        Grid points per side of the shaded prediction map.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import chainrule as cr
    >>> from chainrule.plot import decision_boundary
    >>> X, Y = cr.datasets.xor(40, seed=0)
    >>> params = cr.init_params([2, 4, 1], seed=0)
    >>> ax = decision_boundary(params, ["tanh", "sigmoid"], X, Y, resolution=50)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('$x_1$', '$x_2$')
    >>> plt.close(ax.figure)
    """
    _plt()
    from matplotlib.colors import ListedColormap

    if ax is None:
        _, ax = new_axes()
    X = np.asarray(X, dtype=float)
    labels = Y[0] if Y.shape[0] == 1 else np.argmax(Y, axis=0)
    K = max(2, Y.shape[0])
    pad = 0.5
    g1, g2 = np.meshgrid(np.linspace(X[0].min() - pad, X[0].max() + pad, resolution),
                         np.linspace(X[1].min() - pad, X[1].max() + pad, resolution))
    AL, _ = forward(params, np.vstack([g1.ravel(), g2.ravel()]), activations)
    if AL.shape[0] == 1:
        field = AL[0].reshape(g1.shape)
        ax.contourf(g1, g2, field, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
        ax.contour(g1, g2, field, levels=[0.5], colors="black", linewidths=1.2)
    else:
        cls = np.argmax(AL, axis=0).reshape(g1.shape)
        ax.contourf(g1, g2, cls, levels=np.arange(K + 1) - 0.5,
                    cmap=ListedColormap(COLORS[:K]), alpha=0.25)
    markers = ["o", "s", "^", "D", "v", "P"]
    for k in range(K):
        sel = labels == k
        ax.scatter(X[0, sel], X[1, sel], s=14, color=COLORS[k], marker=markers[k % 6],
                   edgecolors="white", linewidths=0.4, label=f"class {k}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small", loc="upper right")
    return ax
