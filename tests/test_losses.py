"""Losses: values, per-entry gradients against central differences, the cost as a mean."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import losses

rng = np.random.default_rng(0)
A_PROB = rng.uniform(0.05, 0.95, size=(3, 5))
Y_BINARY = (rng.random((3, 5)) < 0.5).astype(float)
Y_ONE_HOT = cr.datasets.one_hot(rng.integers(0, 3, size=5), 3)
Y_REAL = rng.standard_normal((3, 5))


@pytest.mark.parametrize(("loss", "Y"), [("bce", Y_BINARY), ("ce", Y_ONE_HOT), ("mse", Y_REAL)])
def test_gradient_matches_central_difference(loss, Y):
    eps = 1e-7
    f, df = losses.LOSSES[loss], losses.LOSS_GRADIENTS[loss]
    numerical = (f(A_PROB + eps, Y) - f(A_PROB - eps, Y)) / (2 * eps)  # per entry
    np.testing.assert_allclose(df(A_PROB, Y), numerical, rtol=1e-6, atol=1e-8)


def test_values_by_hand():
    # -ln 0.8 = 0.2231435513, -ln(1 - 0.3) = 0.3566749439, -ln 0.6 = 0.5108256238
    A = np.array([[0.8, 0.3]])
    Y = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(losses.bce(A, Y), [[0.2231435513, 0.3566749439]], atol=1e-10)
    # J = (0.2231435513 + 0.3566749439) / 2 = 0.2899092476
    assert cr.cost(A, Y, "bce") == pytest.approx(0.2899092476, abs=1e-10)
    # ce sums over the rows of a column: -ln(a of the true class)
    A3 = np.array([[0.6, 0.1], [0.3, 0.2], [0.1, 0.7]])
    Y3 = np.array([[1, 0], [0, 0], [0, 1]])
    # J = (-ln 0.6 - ln 0.7) / 2 = (0.5108256238 + 0.3566749439) / 2 = 0.4337502838
    assert cr.cost(A3, Y3, "ce") == pytest.approx(0.4337502838, abs=1e-10)
    # mse: J = (1/2m) Σ (a - y)^2 = (0.5·(0.5)^2 + 0.5·(2)^2) / 2 = (0.125 + 2) / 2 = 1.0625
    assert cr.cost(np.array([[1.5, -1.0]]), np.array([[1.0, 1.0]]), "mse") == pytest.approx(1.0625)


def test_bce_has_its_minus_sign():
    # Seed B3 dropped the minus: the loss must be positive and grow as a moves away from y.
    a = np.linspace(0.01, 0.99, 50)[None, :]
    L = losses.bce(a, np.ones_like(a))
    assert np.all(L > 0)
    assert np.all(np.diff(L) < 0)


@pytest.mark.parametrize(("loss", "Y"), [("bce", Y_BINARY), ("ce", Y_ONE_HOT), ("mse", Y_REAL)])
def test_cost_is_mean_over_examples_of_sum_over_units(loss, Y):
    per_entry = losses.LOSSES[loss](A_PROB, Y)
    assert cr.cost(A_PROB, Y, loss) == pytest.approx(per_entry.sum(axis=0).mean(), rel=1e-14)
    # Duplicating every example leaves the mean unchanged.
    assert cr.cost(np.hstack([A_PROB, A_PROB]), np.hstack([Y, Y]), loss) == pytest.approx(
        cr.cost(A_PROB, Y, loss), rel=1e-14)
    assert isinstance(cr.cost(A_PROB, Y, loss), float)


def test_cost_accepts_integer_labels_and_lists():
    assert cr.cost([[0.8, 0.3]], [[1, 0]], "bce") == cr.cost(np.array([[0.8, 0.3]]), np.array([[1.0, 0.0]]))


def test_canonical_pairs_give_a_minus_y():
    # For the canonical output of each loss, dL/dZ = dL/dA · g'(Z) simplifies to A - Y.
    z = np.array([[0.3, -1.2, 2.0], [-0.5, 0.8, 0.1]])
    Y = {"bce": np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
         "ce": np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
         "mse": np.array([[0.5, -1.0, 3.0], [0.0, 2.0, 1.0]])}
    for loss, out in losses.CANONICAL_OUTPUT.items():
        A = cr.activations.ACTIVATIONS[out](z)
        dA = losses.LOSS_GRADIENTS[loss](A, Y[loss])
        if out == "softmax":
            dZ = cr.activations.softmax_backward(dA, A)
        else:
            dZ = dA * cr.activations.DERIVATIVES[out](z, A)
        np.testing.assert_allclose(dZ, A - Y[loss], rtol=1e-12, atol=1e-15, err_msg=loss)


def test_bce_with_logits():
    z = np.array([[-3.0, -0.2, 0.0, 1.5, 4.0]])
    y = np.array([[0, 1, 1, 0, 1]])
    assert losses.bce_with_logits(z, y) == pytest.approx(cr.cost(cr.activations.sigmoid(z), y), rel=1e-12)
    # Exact where the clipped cost saturates: a confidently wrong logit z costs about |z|.
    assert losses.bce_with_logits(np.array([[1e6, -1e6]]), np.array([[0, 1]])) == pytest.approx(1e6)
    assert losses.bce_with_logits(np.array([[1e6, -1e6]]), np.array([[1, 0]])) == 0.0


def test_saturated_probabilities_give_the_documented_cap():
    # The clip one rounding step from 0 and 1 caps each entry at -ln(epsneg) = 36.7368.
    cap = -np.log(np.finfo(np.float64).epsneg)
    assert cr.cost(np.array([[0.0, 1.0]]), np.array([[1, 0]]), "bce") == pytest.approx(2 * cap / 2)
    assert cap == pytest.approx(36.7368005696771)
    assert cr.cost(np.array([[1.0, 0.0]]), np.array([[1, 0]]), "bce") < 1e-15
