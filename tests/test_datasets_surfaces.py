"""Toy data sets (shapes, labels, seeds) and the two-parameter loss surfaces."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import datasets, surfaces

BINARY = {
    "xor": datasets.xor,
    "moons": datasets.moons,
    "circles": datasets.circles,
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("m", [2, 7, 100])
def test_binary_sets_shapes_and_labels(name, m):
    X, Y = BINARY[name](m, seed=0)
    assert X.shape == (2, m)
    assert Y.shape == (1, m)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", BINARY)
def test_same_seed_same_data_other_seed_other_data(name):
    X1, Y1 = BINARY[name](60, seed=3)
    X2, Y2 = BINARY[name](60, seed=3)
    X3, _ = BINARY[name](60, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)
    # A Generator is accepted as the seed
    X4, _ = BINARY[name](60, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X4)


def test_xor_labels_follow_the_quadrant():
    X, Y = datasets.xor(200, noise=0.0, seed=0)
    assert set(map(tuple, np.abs(X).T.tolist())) == {(1.0, 1.0)}
    np.testing.assert_array_equal(Y[0], (np.sign(X[0]) != np.sign(X[1])).astype(float))
    assert 0.3 < Y.mean() < 0.7


def test_moons_and_circles_are_balanced_and_shaped():
    X, Y = datasets.moons(101, noise=0.0, seed=0)
    assert int(Y.sum()) == 51  # m - m // 2 in the second moon
    upper = X[:, Y[0] == 0]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0)  # the first moon lies on the unit circle
    X, Y = datasets.circles(80, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[Y[0] == 1], 0.3)
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0)
    assert int(Y.sum()) == 40


def test_spirals_are_one_hot_and_balanced():
    X, Y = datasets.spirals(120, classes=4, seed=0)
    assert X.shape == (2, 120)
    assert Y.shape == (4, 120)
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    np.testing.assert_array_equal(Y.sum(axis=1), 30.0)
    cr.cost(np.full(Y.shape, 0.25), Y, "ce")  # accepted as one-hot targets
    X2, Y2 = datasets.spirals(120, classes=4, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)


def test_one_hot():
    labels = np.array([2, 0, 1, 2])
    Y = datasets.one_hot(labels)
    assert Y.shape == (3, 4)
    np.testing.assert_array_equal(np.argmax(Y, axis=0), labels)
    assert datasets.one_hot([0, 1], K=4).shape == (4, 2)


# --- surfaces ------------------------------------------------------------------------


def central_difference(f, w, eps=1e-6):
    w = np.asarray(w, dtype=float)
    return np.array([(f(w + eps * e) - f(w - eps * e)) / (2 * eps) for e in np.eye(len(w))])


LOGISTIC = surfaces.LogisticSurface(np.array([[-2.0, -1.0, -0.3, 0.4, 1.0, 2.5, 0.8, -1.5]]),
                                    np.array([[0, 0, 1, 0, 1, 1, 0, 1]]))


@pytest.mark.parametrize("w", [(0.0, 0.0), (3.0, -1.0), (-2.5, 4.0), (0.1, 0.2)])
def test_quadratic_gradient_and_value(w):
    q = surfaces.Quadratic(a=2.0, b=7.0, center=(1.0, -0.5))
    np.testing.assert_allclose(q.gradient(w), central_difference(q, w), rtol=1e-7, atol=1e-8)
    u, v = w[0] - 1.0, w[1] + 0.5
    assert q(w) == pytest.approx(0.5 * (2.0 * u * u + 7.0 * v * v))
    assert q(q.minimum) == 0.0
    np.testing.assert_array_equal(q.gradient(q.minimum), [0.0, 0.0])


def test_surfaces_evaluate_on_grids():
    w1, w2 = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 1, 3))
    for s in (surfaces.Quadratic(), LOGISTIC):
        F = s(w1, w2)
        assert F.shape == (3, 5)
        assert F[1, 3] == pytest.approx(s([w1[1, 3], w2[1, 3]]))


@pytest.mark.parametrize("w", [(0.0, 0.0), (1.5, -0.5), (-2.0, 1.0), (4.0, 2.0)])
def test_logistic_surface_gradient(w):
    np.testing.assert_allclose(LOGISTIC.gradient(w), central_difference(LOGISTIC, w), rtol=1e-7, atol=1e-9)


def test_logistic_surface_is_the_cost_of_a_one_unit_network():
    # The same J(w, b) computed by the network code.
    x, y = LOGISTIC.x, LOGISTIC.y
    w, b = 0.7, -0.4
    params = {"W1": np.array([[w]]), "b1": np.array([[b]])}
    AL, cache = cr.forward(params, x, ["sigmoid"])
    assert LOGISTIC([w, b]) == pytest.approx(cr.cost(AL, y, "bce"), rel=1e-12)
    grads = cr.backward(params, cache, y, "bce")
    np.testing.assert_allclose(LOGISTIC.gradient([w, b]), [grads["dW1"][0, 0], grads["db1"][0, 0]], rtol=1e-12)


def test_logistic_surface_minimum_is_a_minimum():
    w_star = LOGISTIC.minimum
    assert np.linalg.norm(LOGISTIC.gradient(w_star)) < 1e-10
    J_star = LOGISTIC(w_star)
    for d in np.random.default_rng(0).standard_normal((20, 2)) * 0.1:
        assert LOGISTIC(w_star + d) > J_star


def test_logistic_surface_on_separable_data_has_no_minimum():
    # Every x < 0 has y = 0 and every x > 0 has y = 1: J -> 0 only as w -> infinity.
    with pytest.raises(ValueError, match="linearly separable"):
        surfaces.LogisticSurface([[-2.0, -1.0, 1.0, 2.0]], [[0, 0, 1, 1]])


def test_descend_follows_the_update_rule():
    q = surfaces.Quadratic(a=1.0, b=10.0)
    path = surfaces.descend(q.gradient, start=[3.0, 1.0], learning_rate=0.05, steps=30)
    assert path.shape == (31, 2)
    np.testing.assert_array_equal(path[0], [3.0, 1.0])
    # w_k = (1 - α a)^k w_0 on each axis of the bowl
    k = np.arange(31)
    np.testing.assert_allclose(path[:, 0], 3.0 * 0.95**k, rtol=1e-12)
    np.testing.assert_allclose(path[:, 1], 1.0 * 0.5**k, rtol=1e-12)


def test_descend_stops_before_blowing_up_without_warnings():
    # α = 0.5 > 2/b: the steep axis grows by |1 - 0.5·10| = 4 every step.
    q = surfaces.Quadratic(a=1.0, b=10.0)
    path = surfaces.descend(q.gradient, start=[1.0, 1.0], learning_rate=0.5, steps=1000)
    assert len(path) < 1001
    assert np.all(np.isfinite(path))
    # A gradient that overflows: w = 1, 1 + e = 3.72, 3.72 + e^3.72 = 44.9, 44.9 + e^44.9 = 3.1e19,
    # then e^(3.1e19) = inf. The overflow warns without errstate; the path stops at 3.1e19.
    path = surfaces.descend(lambda w: -np.exp(w), start=1.0, learning_rate=1.0, steps=50)
    np.testing.assert_allclose(path[:3], [1.0, 1.0 + np.e, 1.0 + np.e + np.exp(1.0 + np.e)])
    assert len(path) == 4
    assert np.all(np.isfinite(path))
