"""Extreme logits and float32: finite numbers, no warnings, dtypes kept.

pyproject.toml sets filterwarnings = error, so any overflow, divide-by-zero or invalid
RuntimeWarning inside these calls fails the test.
"""

import numpy as np
import pytest
from _problems import HIDDEN, OUTPUT_LOSS, problem

import chainrule as cr

# Targets for two output units and four examples: each loss's kind of label.
TARGETS = {
    "bce": np.array([[1, 0, 0, 1], [0, 1, 1, 0]]),
    "ce": np.array([[1, 0, 1, 0], [0, 1, 0, 1]]),
    "mse": np.array([[1.0, -2.0, 0.5, 0.0], [0.0, 3.0, -1.0, 2.0]]),
}


def extreme_net(z, dtype):
    """tanh hidden layer, then output logits of size about ±z (confidently right and wrong)."""
    params = {
        "W1": np.eye(2, dtype=dtype),
        "b1": np.zeros((2, 1), dtype=dtype),
        "W2": np.array([[z, -z], [-z, z]], dtype=dtype),
        "b2": np.zeros((2, 1), dtype=dtype),
    }
    X = np.array([[1.0, -1.0, 2.0, -2.0], [-1.0, 1.0, 0.5, -0.5]], dtype=dtype)
    return params, X


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("z", [1e3, 1e6, -1e3, -1e6])
@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
def test_extreme_logits_give_finite_cost_and_gradients(output, loss, z, dtype):
    params, X = extreme_net(z, dtype)
    Y = TARGETS[loss]
    AL, cache = cr.forward(params, X, ["tanh", output])
    assert np.abs(cache["Z2"]).max() >= 0.4 * abs(z)  # the logits really are extreme
    J = cr.cost(AL, Y, loss)
    grads = cr.backward(params, cache, Y, loss)
    assert np.isfinite(J)
    assert J >= 0
    for key, g in grads.items():
        assert np.all(np.isfinite(g)), key
        assert g.dtype == dtype, key
    if cr.losses.CANONICAL_OUTPUT[loss] == output:
        # The canonical pairs use dZ = A - Y, exact even where A rounds to 0 or 1.
        dZ2 = AL - Y
        np.testing.assert_allclose(grads["db2"], dZ2.mean(axis=1, keepdims=True), rtol=1e-6)
        np.testing.assert_allclose(grads["dW2"], dZ2 @ cache["A1"].T / 4, rtol=1e-6)


@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
def test_extreme_logits_in_training_and_gradient_check(output, loss):
    params, X = extreme_net(1e6, np.float64)
    Y = TARGETS[loss]
    report = cr.gradient_check(params, X, Y, ["tanh", output], loss)
    assert np.isfinite(report.max_relative_error)
    trained, history = cr.train(params, X, Y, ["tanh", output], loss, learning_rate=1e-9, epochs=3)
    assert all(np.isfinite(history.loss))
    assert all(np.all(np.isfinite(v)) for v in trained.values())


def test_confidently_wrong_sigmoid_bce_has_the_full_gradient():
    # σ(±1e6) rounds to exactly 1 or 0; through dL/dA = (a-y)/(a(1-a)) that would be 0/0,
    # but dZ = A - Y gives the true slope ±1 of the (linear) loss there.
    params = {"W1": np.array([[1e6]]), "b1": np.zeros((1, 1))}
    X = np.array([[1.0, -1.0]])
    Y = np.array([[0, 1]])
    AL, cache = cr.forward(params, X, ["sigmoid"])
    assert AL.tolist() == [[1.0, 0.0]]
    grads = cr.backward(params, cache, Y, "bce")
    # dW = (1/2) [(1 - 0)·1 + (0 - 1)·(-1)] = 1, db = (1/2) [1 + (-1)] = 0
    assert grads["dW1"].tolist() == [[1.0]]
    assert grads["db1"].tolist() == [[0.0]]


@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_float32_is_kept_through_forward_and_backward(hidden, output, loss):
    params, X, Y = problem([3, 4, 3, 2], m=5, seed=2, loss=loss, dtype=np.float32)
    if loss != "mse":
        Y = Y.astype(int)  # integer labels must not turn the gradients into float64
    AL, cache = cr.forward(params, X, [hidden, hidden, output])
    assert AL.dtype == np.float32
    for key in ("Z1", "A1", "Z2", "A2", "Z3", "A3"):
        assert cache[key].dtype == np.float32, key
    grads = cr.backward(params, cache, Y, loss)
    assert {k: g.dtype for k, g in grads.items()} == dict.fromkeys(grads, np.float32)
    # and float32 gradients are still right to float32 accuracy
    grads64 = cr.backward(*_as64(params, X, [hidden, hidden, output]), Y, loss)
    for key, g in grads.items():
        np.testing.assert_allclose(g, grads64[key], rtol=2e-3, atol=1e-5, err_msg=key)


def _as64(params, X, activations):
    params64 = {k: v.astype(np.float64) for k, v in params.items()}
    return params64, cr.forward(params64, X.astype(np.float64), activations)[1]


def test_float32_training_keeps_float32():
    X, Y = cr.datasets.xor(40, seed=0)
    params = cr.init_params([2, 4, 1], seed=0, dtype=np.float32)
    for optimizer in ("gd", "momentum", "adam"):
        trained, history = cr.train(params, X.astype(np.float32), Y, ["tanh", "sigmoid"], "bce",
                                    learning_rate=0.1, epochs=5, optimizer=optimizer)
        assert all(v.dtype == np.float32 for v in trained.values()), optimizer
        assert history.loss[-1] < history.loss[0]
