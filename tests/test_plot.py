"""Plot helpers run headless (Agg, set in conftest.py) and return Axes."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes

import chainrule as cr
from chainrule import plot as crp


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_backend_is_headless():
    assert mpl.get_backend().lower() == "agg"


def test_new_axes():
    fig, axes = crp.new_axes(ncols=3)
    assert len(axes) == 3
    assert all(isinstance(ax, Axes) for ax in axes)
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # opaque white in light and dark themes
    fig, ax = crp.new_axes()
    assert isinstance(ax, Axes)


def test_contour_path():
    q = cr.surfaces.Quadratic(a=1.0, b=10.0)
    paths = {f"alpha = {lr}": cr.surfaces.descend(q.gradient, [3.0, 1.0], lr, 15) for lr in (0.05, 0.18)}
    ax = crp.contour_path(q, paths)
    assert isinstance(ax, Axes)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [*paths, "minimum"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xydata(), paths["alpha = 0.05"])
    # on given axes, with a fixed extent and no star: nothing to label, no legend (no warning)
    _, given = crp.new_axes()
    ax = crp.contour_path(cr.surfaces.LogisticSurface([[-1.0, 0.5, 2.0]], [[0, 1, 0]]), {},
                          ax=given, extent=(-3, 3, -2, 2), star=False)
    assert ax is given
    assert ax.get_xlim() == (-3.0, 3.0)
    assert ax.get_legend() is None


def test_loss_curves():
    ax = crp.loss_curves({"gd": [1.0, 0.5, 0.2], "adam": [1.0, 0.3, 0.05, 0.01]})
    assert isinstance(ax, Axes)
    assert ax.get_yscale() == "log"
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [3, 4]
    ax = crp.loss_curves({"": [3.0, 2.0]}, log=False, xlabel="epoch")
    assert ax.get_yscale() == "linear"
    assert ax.get_xlabel() == "epoch"


@pytest.mark.parametrize("kind", ["binary", "one-hot"])
def test_decision_boundary(kind):
    if kind == "binary":
        X, Y = cr.datasets.xor(40, seed=0)
        params, acts = cr.init_params([2, 4, 1], seed=0), ["tanh", "sigmoid"]
    else:
        X, Y = cr.datasets.spirals(60, classes=3, seed=0)
        params, acts = cr.init_params([2, 4, 3], seed=0), ["tanh", "softmax"]
    ax = crp.decision_boundary(params, acts, X, Y, resolution=40, title=kind)
    assert isinstance(ax, Axes)
    assert ax.get_title() == kind
    assert len(ax.collections) >= max(2, Y.shape[0])  # the shading and one scatter per class
