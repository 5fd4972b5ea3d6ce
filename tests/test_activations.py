"""Activations: derivatives against central differences, softmax Jacobian, stable forms."""

import numpy as np
import pytest

from chainrule import activations as act

# Away from ReLU's kink at 0, where a central difference measures no derivative.
Z = np.array([[-3.0, -1.2, -0.4, 0.3, 0.9, 2.5], [4.0, -2.2, 0.05, -0.05, 1.7, -6.0]])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear"])
def test_derivative_matches_central_difference(name):
    g, g_prime = act.ACTIVATIONS[name], act.DERIVATIVES[name]
    eps = 1e-6
    numerical = (g(Z + eps) - g(Z - eps)) / (2 * eps)
    np.testing.assert_allclose(g_prime(Z, g(Z)), numerical, rtol=1e-8, atol=1e-10)
    # Given A or not, the same derivative.
    np.testing.assert_array_equal(g_prime(Z, g(Z)), g_prime(Z))


def test_known_values():
    z = np.array([[0.0, 1.0, -1.0]])
    e = np.exp(-1.0)
    np.testing.assert_allclose(act.sigmoid(z), [[0.5, 1 / (1 + e), e / (1 + e)]], rtol=1e-15)
    np.testing.assert_allclose(act.tanh(z), [[0.0, (1 - e**2) / (1 + e**2), -(1 - e**2) / (1 + e**2)]])
    assert act.relu_prime(np.array([[0.0]])).tolist() == [[0.0]]  # the subgradient chosen at the kink
    np.testing.assert_array_equal(act.linear(z), z)


def test_sigmoid_symmetry_and_range():
    z = np.linspace(-40, 40, 81)[None, :]
    np.testing.assert_allclose(act.sigmoid(-z), 1 - act.sigmoid(z), atol=1e-16)
    a = act.sigmoid(np.array([[-1e308, -1e6, -800.0, 800.0, 1e6, 1e308]]))
    assert a.tolist() == [[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear", "softmax"])
def test_extreme_inputs_give_no_warnings_and_keep_dtype(name, dtype):
    # filterwarnings = error: an overflow in exp would fail here.
    z = np.array([[-1e6, -1e3, 0.0], [1e3, 1e6, -1e6]], dtype=dtype)
    a = act.ACTIVATIONS[name](z)
    assert a.dtype == dtype
    assert np.all(np.isfinite(a))
    if name != "softmax":
        d = act.DERIVATIVES[name](z, a)
        assert d.dtype == dtype
        assert np.all(np.isfinite(d))


def test_softmax_columns_are_distributions_and_shift_invariant():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 6)) * 3
    a = act.softmax(z)
    np.testing.assert_allclose(a.sum(axis=0), 1.0, rtol=1e-15)
    assert np.all(a > 0)
    np.testing.assert_allclose(act.softmax(z + 1000.0), a, rtol=1e-12)
    np.testing.assert_allclose(act.softmax(z), np.exp(z) / np.exp(z).sum(axis=0), rtol=1e-12)


def test_softmax_backward_is_the_jacobian_transpose_product():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((4, 5))
    dA = rng.standard_normal((4, 5))
    a = act.softmax(z)
    dZ = act.softmax_backward(dA, a)
    for i in range(z.shape[1]):
        col = a[:, i]
        jacobian = np.diag(col) - np.outer(col, col)  # da_j / dz_k = a_j (δ_jk - a_k)
        np.testing.assert_allclose(dZ[:, i], jacobian.T @ dA[:, i], rtol=1e-12, atol=1e-15)
        # and by central differences of (dA · softmax(z)) in z
        eps = 1e-6
        for k in range(z.shape[0]):
            zp, zm = z[:, i].copy(), z[:, i].copy()
            zp[k] += eps
            zm[k] -= eps
            numerical = (dA[:, i] @ act.softmax(zp[:, None])[:, 0]
                         - dA[:, i] @ act.softmax(zm[:, None])[:, 0]) / (2 * eps)
            assert dZ[k, i] == pytest.approx(numerical, rel=1e-7, abs=1e-10)
