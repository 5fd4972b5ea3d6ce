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


def same_bits(actual, expected):
    """Equal values, NaN where NaN, and the same sign on every zero (the padding of a long double aside)."""
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.longdouble])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (64, 1797), (3, 5, 4), (600, 600)])
def test_relu_is_maximum_with_zero_bit_for_bit(dtype, shape):
    # relu takes the vectorised maximum against an array of zeros instead of NumPy's
    # slow one against the scalar 0: it must give the same bits, signed zeros and NaN
    # included, and never hand out (or let a caller change) its cached zeros.
    rng = np.random.default_rng(shape[-1])
    Z = rng.standard_normal(shape)
    Z[rng.random(shape) < 0.1] = -0.0
    Z[rng.random(shape) < 0.02] = np.nan
    Z.flat[: min(Z.size, 5)] = [np.inf, -np.inf, -0.0, 5e-324, -5e-324][: min(Z.size, 5)]
    Z = Z.astype(dtype)
    A = act.relu(Z)
    expected = np.maximum(Z, 0)
    assert A.dtype == expected.dtype
    assert A.shape == expected.shape
    same_bits(A, expected)
    A[...] = 7  # the result is the caller's own array
    same_bits(act.relu(Z), expected)
    # Lists, integers, scalars and empty arrays take the plain path, with the same answer.
    assert act.relu([[-1, 2]]).tolist() == [[0, 2]]
    assert float(act.relu(-2.5)) == 0.0
    assert act.relu(np.empty((0, 3), dtype)).shape == (0, 3)


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
