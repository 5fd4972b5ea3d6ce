"""forward/backward checked without gradient_check: by hand, and by an independent engine.

Two checks that do not share code with the package: a 2-2-1 network worked out
by hand (the arithmetic is in the comments), and a tiny scalar reverse-mode engine
in the style of micrograd that differentiates the same cost graph node by node.
"""

import math

import numpy as np
import pytest
from _problems import HIDDEN, OUTPUT_LOSS, problem
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr

# --- A 2-2-1 network by hand -----------------------------------------------------------------
#
# sigmoid hidden layer, sigmoid output, binary cross-entropy, one example (m = 1):
#
#   x = (1, 2)ᵀ, y = 1
#   W1 = [[ 0.5, -0.25],    b1 = [[0],
#         [-1.0,  0.5 ]]          [1]]
#   W2 = [[1.0, -2.0]],     b2 = [[0.5]]
#
# Forward
#   Z1 = W1 x + b1 = (0.5·1 − 0.25·2 + 0,  −1·1 + 0.5·2 + 1) = (0, 1)
#   A1 = σ(Z1) = (1/(1+e⁰), 1/(1+e⁻¹)) = (1/2, 1/(1 + 0.3678794412)) = (0.5, 0.7310585786)
#   Z2 = W2 A1 + b2 = 1·0.5 − 2·0.7310585786 + 0.5 = 1 − 1.4621171573 = −0.4621171573
#   A2 = σ(Z2) = 1/(1 + e^0.4621171573) = 1/(1 + 1.5874312714) = 1/2.5874312714 = 0.3864836956
#   J  = −[y ln A2 + (1 − y) ln(1 − A2)] = −ln 0.3864836956 = 0.9506655965
#
# Backward (sigmoid + bce: dZ2 = A2 − Y; m = 1 so the means are the values)
#   dZ2 = 0.3864836956 − 1 = −0.6135163044
#   dW2 = dZ2 A1ᵀ = (−0.6135163044·0.5, −0.6135163044·0.7310585786) = (−0.3067581522, −0.4485163574)
#   db2 = dZ2 = −0.6135163044
#   σ'(Z1) = A1 ⊙ (1 − A1) = (0.5·0.5, 0.7310585786·0.2689414214) = (0.25, 0.1966119332)
#   W2ᵀ dZ2 = (1·(−0.6135163044), −2·(−0.6135163044)) = (−0.6135163044, 1.2270326087)
#   dZ1 = W2ᵀ dZ2 ⊙ σ'(Z1) = (−0.6135163044·0.25, 1.2270326087·0.1966119332)
#       = (−0.1533790761, 0.2412492534)
#   dW1 = dZ1 xᵀ = [[−0.1533790761·1, −0.1533790761·2],   = [[−0.1533790761, −0.3067581522],
#                   [ 0.2412492534·1,  0.2412492534·2]]      [ 0.2412492534,  0.4824985067]]
#   db1 = dZ1 = (−0.1533790761, 0.2412492534)

HAND_PARAMS = {
    "W1": np.array([[0.5, -0.25], [-1.0, 0.5]]),
    "b1": np.array([[0.0], [1.0]]),
    "W2": np.array([[1.0, -2.0]]),
    "b2": np.array([[0.5]]),
}
HAND_X = np.array([[1.0], [2.0]])
HAND_Y = np.array([[1]])
HAND = {
    "Z1": [[0.0], [1.0]],
    "A1": [[0.5], [0.7310585786]],
    "Z2": [[-0.4621171573]],
    "A2": [[0.3864836956]],
    "J": 0.9506655965,
    "dZ2": [[-0.6135163044]],
    "dW2": [[-0.3067581522, -0.4485163574]],
    "db2": [[-0.6135163044]],
    "dZ1": [[-0.1533790761], [0.2412492534]],
    "dW1": [[-0.1533790761, -0.3067581522], [0.2412492534, 0.4824985067]],
    "db1": [[-0.1533790761], [0.2412492534]],
}


def test_hand_worked_2_2_1_network():
    AL, cache = cr.forward(HAND_PARAMS, HAND_X, ["sigmoid", "sigmoid"])
    for key in ("Z1", "A1", "Z2", "A2"):
        np.testing.assert_allclose(cache[key], HAND[key], rtol=0, atol=1e-9, err_msg=key)
    np.testing.assert_array_equal(cache["A0"], HAND_X)
    assert AL is cache["A2"]
    assert cr.cost(AL, HAND_Y, "bce") == pytest.approx(HAND["J"], abs=1e-9)

    grads = cr.backward(HAND_PARAMS, cache, HAND_Y, "bce")
    assert list(grads) == ["dW1", "db1", "dW2", "db2"]
    for key in ("dW1", "db1", "dW2", "db2"):
        np.testing.assert_allclose(grads[key], HAND[key], rtol=0, atol=1e-9, err_msg=key)
    # The intermediate errors, from the formulas the book derives:
    dZ2 = cache["A2"] - HAND_Y
    dZ1 = HAND_PARAMS["W2"].T @ dZ2 * cache["A1"] * (1 - cache["A1"])
    np.testing.assert_allclose(dZ2, HAND["dZ2"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(dZ1, HAND["dZ1"], rtol=0, atol=1e-9)


def test_hand_worked_network_against_own_central_differences():
    # A central difference written here, entry by entry, independent of gradient_check.
    eps = 1e-6
    grads = cr.backward(HAND_PARAMS, cr.forward(HAND_PARAMS, HAND_X, ["sigmoid"] * 2)[1], HAND_Y)
    for name, theta in HAND_PARAMS.items():
        for idx in np.ndindex(theta.shape):
            costs = []
            for step in (eps, -eps):
                shifted = {k: v.copy() for k, v in HAND_PARAMS.items()}
                shifted[name][idx] += step
                AL, _ = cr.forward(shifted, HAND_X, ["sigmoid"] * 2)
                costs.append(cr.cost(AL, HAND_Y, "bce"))
            numerical = (costs[0] - costs[1]) / (2 * eps)
            assert grads[f"d{name}"][idx] == pytest.approx(numerical, abs=1e-8), (name, idx)
            assert grads[f"d{name}"][idx] == pytest.approx(HAND[f"d{name}"][idx[0]][idx[1]], abs=1e-9)


# --- An independent engine ----------------------------------------------------------------------


class Value:
    """A scalar that remembers its inputs and the local derivatives to them (after micrograd)."""

    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents  # ((input Value, d self / d input), ...)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return self * other.reciprocal()

    def __rtruediv__(self, other):
        return self.reciprocal() * other

    def reciprocal(self):
        return Value(1.0 / self.data, ((self, -1.0 / self.data**2),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, ((self, e),))

    def log(self):
        return Value(math.log(self.data), ((self, 1.0 / self.data),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),))

    def relu(self):
        return Value(max(self.data, 0.0), ((self, 1.0 if self.data > 0 else 0.0),))

    def backward(self):
        # Go one node at a time, outputs before inputs, and apply the chain rule.
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first topological order, without recursion
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((parent, False) for parent, _ in v.parents)
        self.grad = 1.0
        for v in reversed(order):
            for parent, local in v.parents:
                parent.grad += local * v.grad


def scalar_activation(name, column):
    if name == "sigmoid":
        return [1.0 / (1.0 + (-z).exp()) for z in column]
    if name == "tanh":
        return [z.tanh() for z in column]
    if name == "relu":
        return [z.relu() for z in column]
    if name == "linear":
        return list(column)
    top = max(z.data for z in column)  # a constant shift: softmax is unchanged by it
    exps = [(z - top).exp() for z in column]
    total = sum(exps[1:], exps[0])
    return [e / total for e in exps]


def scalar_loss(name, a, y):
    if name == "bce":
        return -(y * a.log() + (1.0 - y) * (1.0 - a).log())
    if name == "ce":
        return -(y * a.log())
    return 0.5 * (a - y) * (a - y)


def scalar_gradients(params, X, Y, activations, loss):
    """dJ/dθ for every entry, from a graph of Python floats built example by example."""
    L, (n0, m) = len(activations), X.shape
    P = {k: [[Value(v) for v in row] for row in np.asarray(p).tolist()] for k, p in params.items()}
    J = Value(0.0)
    for i in range(m):
        a = [Value(X[j, i]) for j in range(n0)]
        for l in range(1, L + 1):
            W, b = P[f"W{l}"], P[f"b{l}"]
            # z_j = sum_k W_jk a_k + b_j, with the indices written out
            z = [sum((W[j][k] * a[k] for k in range(len(a))), b[j][0]) for j in range(len(W))]
            a = scalar_activation(activations[l - 1], z)
        for j, a_j in enumerate(a):
            J = J + scalar_loss(loss, a_j, float(Y[j, i])) * (1.0 / m)
    J.backward()
    return J.data, {f"d{k}": np.array([[v.grad for v in row] for row in rows]) for k, rows in P.items()}


@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
@settings(max_examples=6)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    m=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_backward_equals_independent_scalar_engine(sizes, m, seed, hidden, output, loss):
    if output == "softmax" and loss == "bce":
        # A softmax of one unit is exactly 1 and ln(1 - 1) is undefined; the package clips
        # probabilities there, the exact engine cannot: give it two units or more.
        sizes = [*sizes[:-1], max(sizes[-1], 2)]
    params, X, Y = problem(sizes, m, seed, loss)
    activations = [hidden] * (len(sizes) - 2) + [output]
    AL, cache = cr.forward(params, X, activations)
    grads = cr.backward(params, cache, Y, loss)
    J, expected = scalar_gradients(params, X, Y, activations, loss)
    assert cr.cost(AL, Y, loss) == pytest.approx(J, rel=1e-12, abs=1e-14)
    for key, g in expected.items():
        np.testing.assert_allclose(grads[key], g, rtol=1e-9, atol=1e-13, err_msg=key)


def test_scalar_engine_matches_hand_example():
    # The engine itself is checked against the hand-worked numbers.
    J, grads = scalar_gradients(HAND_PARAMS, HAND_X, HAND_Y, ["sigmoid", "sigmoid"], "bce")
    assert pytest.approx(HAND["J"], abs=1e-9) == J
    for key, g in grads.items():
        np.testing.assert_allclose(g, HAND[key], rtol=0, atol=1e-9)


@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
def test_gradient_is_mean_of_per_example_gradients(output, loss):
    # J is the mean of per-example losses, so dJ/dθ is the mean of the per-example gradients:
    # this pins the 1/m and the sum over columns in dW = (1/m) dZ A_prevᵀ and db.
    params, X, Y = problem([3, 4, 3], m=6, seed=11, loss=loss)
    activations = ["tanh", output]
    full = cr.backward(params, cr.forward(params, X, activations)[1], Y, loss)
    per_example = [cr.backward(params, cr.forward(params, X[:, [i]], activations)[1], Y[:, [i]], loss)
                   for i in range(X.shape[1])]
    for key, g in full.items():
        np.testing.assert_allclose(g, np.mean([p[key] for p in per_example], axis=0), rtol=1e-12, atol=1e-15)


def test_forward_cache_layout():
    params, X, _ = problem([3, 5, 4, 2], m=7, seed=0, loss="ce")
    AL, cache = cr.forward(params, X, ["relu", "tanh", "softmax"])
    assert set(cache) == {"A0", "Z1", "A1", "Z2", "A2", "Z3", "A3", "activations"}
    assert cache["activations"] == ["relu", "tanh", "softmax"]
    for l, n in enumerate([3, 5, 4, 2]):
        assert cache[f"A{l}"].shape == (n, 7)
    # Z[l] = W[l] A[l-1] + b[l] and A[l] = g(Z[l]), layer by layer
    np.testing.assert_allclose(cache["Z2"], params["W2"] @ cache["A1"] + params["b2"])
    np.testing.assert_allclose(cache["A1"], np.maximum(cache["Z1"], 0))
    np.testing.assert_allclose(AL.sum(axis=0), 1.0)


def test_predict():
    params = {"W1": np.array([[2.0], [-1.0], [0.5]]), "b1": np.zeros((3, 1))}
    X = np.array([[-3.0, 0.5, 4.0]])
    # Columns of Z: (-6, 3, -1.5), (1, -0.5, 0.25), (8, -4, 2): arg-max rows 1, 0, 0
    assert cr.predict(params, X, ["softmax"]).tolist() == [[1, 0, 0]]
    binary = {"W1": np.array([[1.0]]), "b1": np.array([[-1.0]])}
    assert cr.predict(binary, X, ["sigmoid"]).tolist() == [[0, 0, 1]]
