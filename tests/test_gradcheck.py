"""Gradient checking: backward() against central differences, and the checker itself.

The checker must pass correct gradients of every architecture and fail wrong ones
loudly; its two engines ("rows" and "loop") must compute the same differences.
"""

import numpy as np
import pytest
from _problems import HIDDEN, OUTPUT_LOSS, problem
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.linalg import norm

import chainrule as cr

# A central difference with step eps carries a rounding error of about u * J / eps per entry
# (u = 1.1e-16, eps = 1e-5): ~1e-11 * J. Gradients far above that floor must agree to a
# relative 1e-8 (well under the 1e-7 a float64 check should reach where the cost is smooth);
# gradients that vanish into the floor (deep sigmoid stacks) can only agree to the floor.
RTOL = 1e-8
FLOOR = 1e-10


def assert_matches_central_differences(report, J):
    for name, rel in report.relative_errors.items():
        a, n = report.analytic[f"d{name}"], report.numerical[f"d{name}"]
        if report.kinks[name]:
            # Entries whose step crossed a ReLU kink are excluded from rel (tested below).
            assert rel < 1e-7, f"d{name}: {rel:.2e}\n{report}"
        else:
            assert norm(a - n) <= RTOL * (norm(a) + norm(n)) + FLOOR * max(J, 1.0), f"d{name}\n{report}"


architectures = st.fixed_dictionaries({
    "sizes": st.lists(st.integers(1, 6), min_size=2, max_size=5),  # depth L = 1..4 layers
    "m": st.integers(1, 8),
    "seed": st.integers(0, 2**32 - 1),
})


@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
@settings(max_examples=12)
@given(arch=architectures)
def test_backward_matches_central_differences(arch, hidden, output, loss):
    params, X, Y = problem(arch["sizes"], arch["m"], arch["seed"], loss)
    activations = [hidden] * (len(arch["sizes"]) - 2) + [output]
    AL, _ = cr.forward(params, X, activations)
    report = cr.gradient_check(params, X, Y, activations, loss)
    assert list(report.relative_errors) == list(params)
    assert_matches_central_differences(report, cr.cost(AL, Y, loss))


@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_default_check_passes_on_a_healthy_network(hidden, output, loss):
    # Gradients well above the rounding floor: the plain relative error is tiny everywhere.
    params, X, Y = problem([3, 4, 3, 3], m=6, seed=7, loss=loss)
    report = cr.gradient_check(params, X, Y, [hidden, hidden, output], loss)
    assert report.passed, str(report)
    assert report.max_relative_error < 1e-8
    assert report.overall_relative_error <= report.max_relative_error
    assert "PASSED" in str(report)
    report.assert_passed()


@settings(max_examples=25)
@given(arch=architectures, data=st.data())
def test_row_engine_equals_entry_by_entry_loop(arch, data):
    # Same differences of the same cost: only rounding may differ.
    output, loss = data.draw(st.sampled_from(OUTPUT_LOSS))
    hidden = data.draw(st.lists(st.sampled_from(HIDDEN), min_size=len(arch["sizes"]) - 2,
                                max_size=len(arch["sizes"]) - 2))
    params, X, Y = problem(arch["sizes"], arch["m"], arch["seed"], loss)
    rows = cr.gradient_check(params, X, Y, [*hidden, output], loss, method="rows")
    loop = cr.gradient_check(params, X, Y, [*hidden, output], loss, method="loop")
    for key in rows.numerical:
        np.testing.assert_allclose(rows.numerical[key], loop.numerical[key], rtol=1e-7, atol=1e-10)
    assert rows.kinks == loop.kinks


def test_float32_params_are_checked_in_float64():
    params, X, Y = problem([3, 4, 2], m=5, seed=1, loss="bce", dtype=np.float32)
    report = cr.gradient_check(params, X, Y, ["tanh", "sigmoid"], "bce")
    assert report.max_relative_error < 1e-8
    assert all(v.dtype == np.float64 for v in report.numerical.values())
    assert params["W1"].dtype == np.float32  # the caller's params are not converted


# --- ReLU kinks ---------------------------------------------------------------------------


def relu_net_on_a_kink():
    """A 1-2-1 ReLU net whose unit 1 sits 1e-7 above its kink for example 0."""
    params = {
        "W1": np.array([[1.0], [-0.7]]),
        "b1": np.array([[-1.0 + 1e-7], [0.3]]),  # Z1[0, 0] = 1 * 1 + (-1 + 1e-7) = 1e-7
        "W2": np.array([[1.5, -0.8]]),
        "b2": np.array([[0.1]]),
    }
    X = np.array([[1.0, 2.0, -1.5]])
    Y = np.array([[1.0, 0.0, 1.0]])
    return params, X, Y


@pytest.mark.parametrize("method", ["rows", "loop"])
def test_relu_kink_crossings_are_reported_and_excluded(method):
    params, X, Y = relu_net_on_a_kink()
    report = cr.gradient_check(params, X, Y, ["relu", "sigmoid"], "bce", method=method)
    # A step of +-1e-5 on W1[0, 0] or b1[0] moves Z1[0, 0] = 1e-7 across 0; nothing else does.
    assert report.kinks == {"W1": 1, "b1": 1, "W2": 0, "b2": 0}
    # At the kink the central difference averages the two one-sided slopes, so including
    # those entries would fail the check ...
    assert cr.relative_error(report.analytic["db1"], report.numerical["db1"]) > 1e-2
    # ... and with them excluded the rest passes.
    assert report.passed
    assert report.max_relative_error < 1e-8
    assert "1 kink crossing skipped" in str(report)


def test_kink_in_a_later_layer_is_detected_by_both_engines():
    # Z2[0, 0] = 1e-8: perturbing any W1/b1 entry that feeds it moves it across 0.
    params = {
        "W1": np.array([[0.6, -0.4], [0.3, 0.9]]),
        "b1": np.array([[0.2], [0.1]]),
        "W2": np.array([[1.0, 1.0], [-0.5, 0.7]]),
        "b2": np.zeros((2, 1)),
        "W3": np.array([[0.8, -1.2]]),
        "b3": np.array([[0.05]]),
    }
    X = np.array([[1.0, -1.0, 0.5], [0.5, 2.0, -1.0]])
    _, cache = cr.forward(params, X, ["relu", "relu", "sigmoid"])
    params["b2"][0, 0] = 1e-8 - cache["Z2"][0, 0]
    Y = np.array([[1.0, 0.0, 1.0]])
    reports = [cr.gradient_check(params, X, Y, ["relu", "relu", "sigmoid"], "bce", method=method)
               for method in ("rows", "loop")]
    assert reports[0].kinks == reports[1].kinks
    assert reports[0].kinks["W1"] > 0
    assert reports[0].kinks["b2"] == 1
    assert all(r.passed for r in reports)


# --- Wrong gradients fail loudly -----------------------------------------------------------


@pytest.fixture
def two_layer():
    """A 3-3-1 tanh/sigmoid net (square W1, so a transposed dW1 has the right shape)."""
    params, X, Y = problem([3, 3, 1], m=5, seed=3, loss="bce")
    _, cache = cr.forward(params, X, ["tanh", "sigmoid"])
    return params, X, Y, cache, cr.backward(params, cache, Y, "bce")


def check(two_layer, **changes):
    params, X, Y, _, grads = two_layer
    return cr.gradient_check(params, X, Y, ["tanh", "sigmoid"], "bce", grads={**grads, **changes})


def test_missing_one_over_m_fails(two_layer):
    m = two_layer[1].shape[1]
    grads = two_layer[4]
    report = check(two_layer, **{k: v * m for k, v in grads.items()})
    assert not report.passed
    # |m g - g| / (|m g| + |g|) = (m - 1) / (m + 1) for every parameter.
    for err in report.relative_errors.values():
        assert err == pytest.approx((m - 1) / (m + 1), rel=1e-6)
    with pytest.raises(AssertionError, match="FAILED"):
        report.assert_passed()


def test_wrong_sign_fails_on_that_parameter_only(two_layer):
    report = check(two_layer, dW2=-two_layer[4]["dW2"])
    assert not report.passed
    assert report.relative_errors["W2"] == pytest.approx(1.0)
    assert max(v for k, v in report.relative_errors.items() if k != "W2") < 1e-8
    assert report.max_relative_error == report.relative_errors["W2"]
    assert report.worst[0] == "W2"
    text = str(report)
    assert "FAILED" in text
    assert "dW2" in text
    assert "<-- wrong" in text
    assert "worst entry dW2" in text


def test_transposed_weight_gradient_fails(two_layer):
    dW1 = two_layer[4]["dW1"]
    assert not np.allclose(dW1, dW1.T)
    report = check(two_layer, dW1=dW1.T)
    assert not report.passed
    assert report.relative_errors["W1"] > 1e-2
    with pytest.raises(AssertionError, match=r"dW1 .*<-- wrong"):
        report.assert_passed()


def test_missing_activation_derivative_fails(two_layer):
    # dZ1 = W2^T dZ2 without the factor tanh'(Z1): the layer-1 gradients are wrong.
    params, X, Y, cache, _ = two_layer
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dZ1 = params["W2"].T @ dZ2
    report = check(two_layer, dW1=dZ1 @ X.T / m, db1=dZ1.sum(axis=1, keepdims=True) / m)
    assert not report.passed
    assert report.relative_errors["W1"] > 1e-2
    assert report.relative_errors["b1"] > 1e-2
    assert report.relative_errors["W2"] < 1e-8


@pytest.mark.parametrize("key", ["dW1", "db1", "dW2", "db2"])
def test_nan_gradient_fails(two_layer, key):
    report = check(two_layer, **{key: two_layer[4][key] * np.nan})
    assert not report.passed
    assert np.isnan(report.max_relative_error)
    assert report.worst[0] == key[1:]
    assert "FAILED" in str(report)


def test_report_fields(two_layer):
    params, X, Y, _, grads = two_layer
    report = cr.gradient_check(params, X, Y, ["tanh", "sigmoid"], "bce", threshold=1e-9)
    assert list(report.relative_errors) == ["W1", "b1", "W2", "b2"]
    assert list(report.numerical) == list(report.analytic) == ["dW1", "db1", "dW2", "db2"]
    assert report.max_relative_error == max(report.relative_errors.values())
    assert report.kinks == dict.fromkeys(params, 0)
    assert report.threshold == 1e-9
    assert report.eps == cr.gradcheck.DEFAULT_EPS
    for key, g in grads.items():
        np.testing.assert_array_equal(report.analytic[key], g)
    # A stricter threshold than the measured error fails the same gradients.
    strict = cr.gradient_check(params, X, Y, ["tanh", "sigmoid"], "bce",
                               threshold=report.max_relative_error / 2)
    assert not strict.passed


def test_directional_check(two_layer):
    params, X, Y, _, grads = two_layer
    assert cr.directional_check(params, X, Y, ["tanh", "sigmoid"], "bce") < 1e-7
    flipped = {**grads, "dW1": -grads["dW1"]}
    assert cr.directional_check(params, X, Y, ["tanh", "sigmoid"], "bce", grads=flipped) > 1e-2


def test_relative_error():
    assert cr.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert cr.relative_error([3.0], [1.0]) == pytest.approx(0.5)  # 2 / (3 + 1)
    assert cr.relative_error([1.0, -1.0], [-1.0, 1.0]) == pytest.approx(1.0)
    # Two vectors near zero are compared absolutely (norm floor 1e-8), not as noise ratios.
    assert cr.relative_error([1e-20], [0.0]) == pytest.approx(1e-12)


def test_directional_check_rejects_grads_of_the_wrong_keys(two_layer):
    params, X, Y, _, grads = two_layer
    partial = {k: v for k, v in grads.items() if k != "db2"}
    with pytest.raises(ValueError, match="grads must be a dict with keys"):
        cr.directional_check(params, X, Y, ["tanh", "sigmoid"], "bce", grads=partial)
